import { describe, expect, it } from 'vitest';
import { DEMO_DOMAIN_XML, DEMO_HOST_XML, whyUnwritable, type Unwritable } from '../engine/index.ts';
import { exportXml, exportXmlUtf8, openWorkspace, run } from './actions/index.ts';
import { contextOf, demoStore } from './actions/testkit.ts';
import { changedBytes, domainFile, domainFileUtf8 } from './downloads.ts';
import { exportRefusal } from './exportRefusal.ts';
import { designFromXml } from './testDesign.ts';

/**
 * Export when the file's encoding cannot hold what an edit typed (issue 11): the message says the
 * character, line:column and encoding, and offers Export as UTF-8, which loses nothing and leaves the
 * design as it is; never a bare "Could not export".
 */

const char = (codePoint: number, encoding: 'ISO-8859-1' | 'US-ASCII' | 'UTF-16LE' = 'ISO-8859-1'): Unwritable => ({ kind: 'character', encoding, character: { codePoint, line: 4, column: 11 } });
const LATIN1 = `<?xml version='1.0' encoding='ISO-8859-1'?>\n${DEMO_DOMAIN_XML.replace('<memory', '<!-- café -->\n  <memory')}`;
/** the Latin-1 domain with € typed in its comment, as the XML editor would make it */
const TYPED = LATIN1.replace('café', 'caf€');

describe('exportRefusal: the message', () => {
  it('names the character (shown, and as U+XXXX), its line and column, the encoding, and the way out', () => {
    const r = exportRefusal('g.xml', char(0x20ac));
    expect(r.utf8).toBe(true);
    expect(r.text).toBe(
      "Could not export g.xml: the character '€' (U+20AC) at line 4, column 11 cannot be written in ISO-8859-1, the file's encoding. Export it as UTF-8 instead (its XML declaration then says encoding='UTF-8'; every character is kept, and the design stays as it is), or change the character in the XML editor.",
    );
    expect(exportRefusal('g.xml', char(0x1f600)).text).toContain("the character '😀' (U+1F600) at line 4, column 11");
  });

  it('a character that would not show (a control, a separator) is named by its code point only', () => {
    expect(exportRefusal('g.xml', char(0x85, 'US-ASCII')).text).toContain('the character U+0085 at line 4, column 11 cannot be written in US-ASCII');
    expect(exportRefusal('g.xml', char(0x2028)).text).toContain('the character U+2028 at line');
  });

  it('a lone surrogate has no way out in any encoding: it says so and offers no UTF-8', () => {
    const r = exportRefusal('g.xml', char(0xd83d, 'UTF-16LE'));
    expect(r).toEqual({ text: 'Could not export g.xml: line 4, column 11 holds U+D83D, half of a surrogate pair and no character on its own, which no encoding can write. Remove it in the XML editor.', utf8: false });
  });

  it('a declared encoding pcitopo cannot write is named as written', () => {
    const r = exportRefusal('g.xml', { kind: 'declaration', declared: 'EBCDIC-US' });
    expect(r.utf8).toBe(true);
    expect(r.text).toMatch(/^Could not export g\.xml: its XML declaration names encoding 'EBCDIC-US', which pcitopo cannot write \(it writes UTF-8, UTF-16, ISO-8859-1, US-ASCII and windows-1252\)\. Export it as UTF-8 instead/);
  });

  it('for one domain of several (Export changed domains), the way out is that guest’s own Export XML', () => {
    expect(exportRefusal('web.xml', char(0x20ac), 'web').text).toMatch(/, the file's encoding\. Open web and use Export XML, which can write it as UTF-8 instead, or change the character in the XML editor\.$/);
  });
});

describe('Export XML of a Latin-1 design that an edit gave a character Latin-1 lacks', () => {
  const line = TYPED.split('\n').findIndex((l) => l.includes('caf€')) + 1;
  const column = (TYPED.split('\n')[line - 1] ?? '').indexOf('€') + 1;

  it('downloads nothing, and says what and where with the Export as UTF-8 button', async () => {
    const s = demoStore();
    s.getState().commit({ design: designFromXml(TYPED, DEMO_HOST_XML), hostText: DEMO_HOST_XML, file: 'g.xml' }, 'Edit the XML');
    expect(exportXml.perform(contextOf(s))).toEqual({ kind: 'error', message: expect.stringContaining(`Could not export p9-demo.xml: the character '€' (U+20AC) at line ${line}, column ${column} cannot be written in ISO-8859-1`) as unknown as string, actions: ['export-utf8'] });
    expect(await run(exportXml, undefined, contextOf(s))).toBe(false);
    expect(s.getState().message).toMatchObject({ kind: 'error', actions: ['export-utf8'] });
  });

  it('Export as UTF-8 writes every character, only the declaration changed; the design stays as it is', () => {
    const design = designFromXml(TYPED, DEMO_HOST_XML);
    const f = domainFileUtf8(design);
    expect(f.ok && f.value.name).toBe('p9-demo.xml');
    expect(f.ok && new TextDecoder().decode(f.value.bytes)).toBe(TYPED.replace("encoding='ISO-8859-1'", "encoding='UTF-8'"));
    expect(design.source.text).toBe(TYPED);
    const s = demoStore();
    s.getState().commit({ design, hostText: DEMO_HOST_XML, file: 'g.xml' }, 'Edit the XML');
    const before = s.getState().present;
    expect((exportXmlUtf8.perform(contextOf(s)) as { kind: string }).kind).toBe('effect');
    expect(s.getState().present).toBe(before);
  });

  it('a design its encoding holds downloads its bytes as before: no message', () => {
    const f = domainFile(designFromXml(LATIN1, DEMO_HOST_XML));
    expect('bytes' in f && f.bytes.length).toBe(LATIN1.length);
    expect(whyUnwritable(LATIN1, undefined)).toBeUndefined();
  });

  it('switching to another guest of the workspace drops the refusal: its button would export that guest', async () => {
    const s = demoStore();
    const files = [
      { text: TYPED, file: 'a.xml' },
      { text: DEMO_DOMAIN_XML.replace('<name>p9-demo</name>', '<name>other</name>'), file: 'b.xml' },
    ];
    expect(await run(openWorkspace, files, contextOf(s))).toBe(true);
    s.getState().switchGuest('p9-demo');
    expect(await run(exportXml, undefined, contextOf(s))).toBe(false);
    expect(s.getState().message?.actions).toEqual(['export-utf8']);
    s.getState().switchGuest('other');
    expect(s.getState().message).toBeNull();
    s.getState().setMessage({ kind: 'notice', text: 'kept' });
    s.getState().switchGuest('p9-demo');
    expect(s.getState().message?.text).toBe('kept');
  });

  it('Export changed domains names the guest, the character and where', () => {
    expect(() => changedBytes({ name: 'p9-demo', fileName: 'a.xml', xml: TYPED })).toThrow(
      `Could not export a.xml: the character '€' (U+20AC) at line ${line}, column ${column} cannot be written in ISO-8859-1, the file's encoding. Open p9-demo and use Export XML`,
    );
    expect([...changedBytes({ name: 'p9-demo', fileName: 'a.xml', xml: LATIN1 })]).toHaveLength(LATIN1.length);
  });
});
