import { describe, expect, it } from 'vitest';
import { DEMO_HOST_XML } from '../demo/demo.ts';
import { createDesign, exportDomain } from './domain.ts';
import { importHost } from './nodedev.ts';
import { doctypeAt } from './safety.ts';

/** A DOCTYPE inside a comment or CDATA is text, not a declaration (issue 11); a real one is refused. */

const domain = (inner: string, prolog = ''): string =>
  `${prolog}<domain type='kvm'>\n  <name>g</name>\n  ${inner}\n  <os><type arch='ppc64le' machine='pseries'>hvm</type></os>\n</domain>\n`;

describe('doctypeAt', () => {
  it.each([
    ['<!-- <!DOCTYPE x> --><a/>', -1],
    ['<a><![CDATA[<!DOCTYPE x>]]></a>', -1],
    ['<?pi <!DOCTYPE x> ?><a/>', -1],
    ['<!-- a --><!DOCTYPE x><a/>', 10],
    ['<!doctype x><a/>', 0],
    ['<!-- <!DOCTYPE x> --><!DOCTYPE y><a/>', 21],
    ['<a><![CDATA[ ]]><!DOCTYPE x></a>', 16],
    ['<!-- never closed <!DOCTYPE x>', -1],
    ['<a>&lt;!DOCTYPE x&gt;</a>', -1],
    ['', -1],
  ])('%j -> %d', (text, at) => expect(doctypeAt(text)).toBe(at));
});

describe('domain import', () => {
  it.each([
    ['a comment', "<!-- generated: <!DOCTYPE domain SYSTEM 'x.dtd'> is not needed -->"],
    ['CDATA in the description', "<description><![CDATA[see <!DOCTYPE html> & <!ENTITY x 'y'>]]></description>"],
    ['a processing instruction', "<?note <!DOCTYPE x>?>"],
  ])('a DOCTYPE inside %s is text: the document imports and comes back byte for byte', (_what, inner) => {
    const text = domain(inner);
    const r = createDesign(text);
    expect(r.ok).toBe(true);
    if (r.ok) expect(exportDomain(r.value)).toBe(text);
  });

  it('a DOCTYPE after a comment that mentions one is refused where it stands', () => {
    const text = "<!-- <!DOCTYPE a> -->\n<!DOCTYPE domain [<!ENTITY x 'y'>]>\n<domain><name>&x;</name></domain>";
    const r = createDesign(text, undefined, 'd.xml');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ code: 'doctype-refused', file: 'd.xml', line: 2, column: 1, message: expect.stringContaining('with entity declarations') });
  });

  it('a comment left open is the parser\'s error, not a DOCTYPE', () => {
    const r = createDesign("<domain><!-- <!DOCTYPE x>\n</domain>");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('malformed-xml');
  });
});

describe('host import', () => {
  it('a DOCTYPE in a comment is text; a real one is refused', () => {
    expect(importHost(`<!-- <!DOCTYPE device> -->\n${DEMO_HOST_XML}`).ok).toBe(true);
    const r = importHost(`<!DOCTYPE device>\n${DEMO_HOST_XML}`);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('doctype-refused');
  });
});
