import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { libvirtAddressAttributes } from '../model/pci.ts';
import type { GuestPciAddress } from '../model/pci.ts';
import { addressTag, applySplices, elementTags, firstQuote, indentBefore, restOfLineEnd, scanStartTag, wholeLines, writeTag } from './domainText.ts';

describe('start tags and lines', () => {
  it('reads attributes with their quotes and offsets', () => {
    const text = `<address type='pci'  bus="0x01"\n slot='2'/>`;
    const tag = scanStartTag(text, 0);
    expect(tag.name).toBe('address');
    expect(tag.selfClosing).toBe(true);
    expect(tag.end).toBe(text.length);
    expect(tag.attributes.map((a) => [a.name, a.quote, text.slice(a.valueStart, a.valueEnd)])).toEqual([
      ['type', "'", 'pci'],
      ['bus', '"', '0x01'],
      ['slot', "'", '2'],
    ]);
  });

  it('finds start and end tags of an element, self-closing or not', () => {
    const text = '<a x="1"><b/></a>';
    expect(elementTags(text, { start: 0, end: text.length })).toEqual({ startTagEnd: 9, selfClosing: false, closeTagStart: 13 });
    expect(elementTags(text, { start: 9, end: 13 })).toEqual({ startTagEnd: 13, selfClosing: true, closeTagStart: 13 });
  });

  it('firstQuote and elementTags read a start tag as scanStartTag does, quoted `>` and `/` included', () => {
    for (const tag of [`<a b='1' c="2">`, `<a b="x>'/" c='2'>`, `<a\n  b = "1">`, '<a>', '<a/>', '<a b:c=\'>\'/>']) {
      expect(firstQuote(tag, 0), tag).toBe(scanStartTag(tag, 0).attributes[0]?.quote);
    }
    const text = `<a b="x>'/" c='>'><b/></a>`;
    expect(elementTags(text, { start: 0, end: text.length })).toEqual({ startTagEnd: scanStartTag(text, 0).end, selfClosing: false, closeTagStart: text.indexOf('</a>') });
    expect(scanStartTag(text, 0).end).toBe(text.indexOf('<b/>'));
  });

  it('takes whole lines only when the element has them to itself', () => {
    const text = '<d>\r\n\t<x/>\r\n  <y/><z/>\n</d>';
    const x = text.indexOf('<x/>');
    expect(indentBefore(text, x)).toBe('\t');
    expect(wholeLines(text, x, x + 4)).toEqual([x - 1, text.indexOf('  <y')]);
    const z = text.indexOf('<z/>');
    expect(indentBefore(text, z)).toBeUndefined();
    expect(wholeLines(text, z, z + 4)).toEqual([z, z + 4]);
    expect(restOfLineEnd(text, text.indexOf('<y/>') + 4)).toBeUndefined();
  });
});

describe('applySplices', () => {
  it('applies edits in offset order and keeps the order of inserts at one offset', () => {
    const out = applySplices('abcdef', [
      { start: 4, end: 5, text: 'E' },
      { start: 2, end: 2, text: '1' },
      { start: 2, end: 2, text: '2' },
      { start: 0, end: 1, text: '' },
    ]);
    expect(out).toBe('b12cdEf');
  });

  it('returns the very same text with no edit', () => {
    const t = 'x'.repeat(10);
    expect(applySplices(t, [])).toBe(t);
  });

  it('drops an edit that overlaps an earlier one instead of corrupting the text', () => {
    expect(applySplices('abcdef', [{ start: 1, end: 4, text: 'X' }, { start: 2, end: 3, text: 'Y' }])).toBe('aXef');
  });
});

/**
 * The character loops these helpers were before they became sticky regexes (for speed, issue 14),
 * kept as the oracle: the helpers must answer as they did, at every position of any text made of
 * the characters they look at, past the end included.
 */
const loops = {
  firstQuote(text: string, start: number): '"' | "'" | undefined {
    for (let i = start + 1; i < text.length; i++) {
      const c = text[i];
      if (c === "'" || c === '"') return c;
      if (c === '>' || c === '/') return undefined;
    }
    return undefined;
  },
  startTagEnd(text: string, start: number): number {
    let quote = '';
    for (let i = start + 1; i < text.length; i++) {
      const c = text[i];
      if (quote !== '') {
        if (c === quote) quote = '';
      } else if (c === "'" || c === '"') quote = c;
      else if (c === '>') return i + 1;
    }
    return text.length;
  },
  indentBefore(text: string, pos: number): string | undefined {
    const from = text.lastIndexOf('\n', pos - 1) + 1;
    for (let i = from; i < pos; i++) if (text[i] !== ' ' && text[i] !== '\t') return undefined;
    return text.slice(from, pos);
  },
  restOfLineEnd(text: string, pos: number): number | undefined {
    for (let i = pos; i < text.length; i++) {
      const c = text[i];
      if (c === '\n') return i + 1;
      if (c !== ' ' && c !== '\t' && c !== '\r') return undefined;
    }
    return text.length;
  },
};

describe('the scanning helpers answer as the character loops they replaced', () => {
  const text = fc.array(fc.constantFrom('<', '>', '/', "'", '"', ' ', '\t', '\r', '\n', 'a', '=', 'x'), { maxLength: 40 }).map((cs) => cs.join(''));
  const textAndPos = text.chain((t) => fc.tuple(fc.constant(t), fc.integer({ min: 0, max: t.length + 2 })));

  it('firstQuote, elementTags (start tag end), indentBefore, restOfLineEnd', () => {
    fc.assert(
      fc.property(textAndPos, ([t, pos]) => {
        expect(firstQuote(t, pos)).toBe(loops.firstQuote(t, pos));
        // elementTags reads the start tag's end when the element does not end in '/>'
        if (t.charCodeAt(t.length - 2) !== 47) expect(elementTags(t, { start: pos, end: t.length }).startTagEnd).toBe(loops.startTagEnd(t, pos));
        expect(indentBefore(t, pos)).toBe(loops.indentBefore(t, pos));
        expect(restOfLineEnd(t, pos)).toBe(loops.restOfLineEnd(t, pos));
      }),
      { numRuns: 3000 },
    );
  });

  it('a start tag with quoted > and both quote kinds, and the ends of lines', () => {
    const t = `<a b="x>'" c='>"'  >\n  \t<b/> \r\n<c/>x`;
    expect(elementTags(t, { start: 0, end: t.length }).startTagEnd).toBe(t.indexOf('\n'));
    expect(firstQuote(t, 0)).toBe('"');
    expect(firstQuote('<a/>', 0)).toBeUndefined();
    expect(indentBefore(t, t.indexOf('<b/>'))).toBe('  \t');
    expect(restOfLineEnd(t, t.indexOf('<b/>') + 4)).toBe(t.indexOf('<c/>'));
    expect(restOfLineEnd(t, t.length - 1)).toBeUndefined();
    expect(restOfLineEnd(t, t.length + 1)).toBe(t.length);
  });
});

describe('addressTag', () => {
  it("writes what writeTag writes of libvirt's address attributes, for any address and both quotes", () => {
    const n = fc.oneof(fc.integer({ min: 0, max: 0x1f }), fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: -2, max: 2 }), fc.constantFrom(0.5, 255, 256, 4096, Number.NaN));
    const address = fc.record({ domain: n, bus: n, slot: n, function: n, multifunction: fc.constantFrom(undefined, 'on', 'off') }).map((a): GuestPciAddress => (a.multifunction === undefined ? { domain: a.domain, bus: a.bus, slot: a.slot, function: a.function } : { ...a, multifunction: a.multifunction }));
    fc.assert(
      fc.property(address, fc.constantFrom<'"' | "'">('"', "'"), fc.constantFrom<'/>' | '>'>('/>', '>'), (a, quote, close) => {
        expect(addressTag(a, quote, close)).toBe(writeTag('address', libvirtAddressAttributes(a), quote, close));
      }),
      { numRuns: 2000 },
    );
    expect(addressTag({ domain: 0, bus: 1, slot: 0x1f, function: 7, multifunction: 'on' }, "'", '/>')).toBe("<address type='pci' domain='0x0000' bus='0x01' slot='0x1f' function='0x7' multifunction='on'/>");
  });
});
