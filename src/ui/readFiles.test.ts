import { describe, expect, it } from 'vitest';
import { DEMO_DOMAIN_XML, DEMO_HOST_XML, exportDomainBytes, MAX_XML_BYTES } from '../engine/index.ts';
import { importAny, importDomain, importHost, openFolder, openWorkspace, run } from './actions/index.ts';
import { contextOf, demoStore } from './actions/testkit.ts';
import { readXmlFile, readXmlFiles } from './readFiles.ts';
import { bytesOf, utf16Bytes } from './testDesign.ts';

/** A domain whose `<name>` holds café, in the given bytes for é. */
const NAME_AT = DEMO_DOMAIN_XML.indexOf('<name>') + 6;
const cafe = (decl: string, e: number[]) => bytesOf(`${decl}${DEMO_DOMAIN_XML.slice(0, NAME_AT)}caf`, e, DEMO_DOMAIN_XML.slice(NAME_AT));
const present = (s: ReturnType<typeof demoStore>) => s.getState().present;
const LATIN1_DECL = "<?xml version='1.0' encoding='ISO-8859-1'?>\n";

describe('readXmlFile: a file read as the CLI reads it (engine decodeXml), never File.text()', () => {
  it('invalid UTF-8 is refused with the byte, file, line and column; no U+FFFD text', async () => {
    const f = await readXmlFile(new Blob([cafe('', [0xe9])]), 'guest.xml');
    expect(f.text).toBe('');
    expect(f.refused).toMatchObject({ code: 'malformed-xml', file: 'guest.xml', line: 2 });
    expect(f.refused?.message).toMatch(/^byte 0xE9 is not UTF-8/);
  });

  it('a declared ISO-8859-1 is read one byte a character (é, not U+FFFD), nothing more to keep', async () => {
    const f = await readXmlFile(new Blob([cafe(LATIN1_DECL, [0xe9])]), 'latin1.xml');
    expect(f.refused).toBeUndefined();
    expect(f.text).toContain('café');
    expect(f.encoding).toBeUndefined();
  });

  it('UTF-16 in both byte orders: the text, and the encoding the design must keep', async () => {
    const text = `\uFEFF${DEMO_DOMAIN_XML}`;
    expect(await readXmlFile(new Blob([utf16Bytes(text, 'LE')]), 'le.xml')).toEqual({ text, file: 'le.xml', encoding: 'UTF-16LE' });
    expect((await readXmlFile(new Blob([utf16Bytes(text, 'BE')]), 'be.xml')).encoding).toBe('UTF-16BE');
  });

  it('a file over the cap is refused from its size, never read', async () => {
    const huge = { size: MAX_XML_BYTES + 1, arrayBuffer: () => Promise.reject(new Error('read')) } as unknown as Blob;
    expect((await readXmlFile(huge, 'big.xml')).refused).toMatchObject({ code: 'too-large', file: 'big.xml' });
  });

  it('readXmlFiles names each file by its own name', async () => {
    const files = await readXmlFiles([new File([DEMO_DOMAIN_XML], 'a.xml'), new File([cafe('', [0xff])], 'b.xml')]);
    expect(files.map((f) => [f.file, f.refused?.file])).toEqual([
      ['a.xml', undefined],
      ['b.xml', 'b.xml'],
    ]);
  });
});

describe('the import actions with a refused file: its message, the design untouched', () => {
  it('Import domain and Import host show the decoder message as other import errors', async () => {
    const s = demoStore();
    const before = present(s);
    expect(await run(importDomain, await readXmlFile(new Blob([cafe('', [0xe9])]), 'guest.xml'), contextOf(s))).toBe(false);
    expect(s.getState().message?.text).toMatch(/^Could not import the domain: guest\.xml:2:\d+: byte 0xE9 is not UTF-8: .*Your design is unchanged\.$/);
    expect(present(s)).toBe(before);
    expect(await run(importHost, await readXmlFile(new Blob([bytesOf(DEMO_HOST_XML.slice(0, 200), [0xff], DEMO_HOST_XML.slice(200))]), 'host.xml'), contextOf(s))).toBe(false);
    expect(s.getState().message?.text).toMatch(/^Could not import the host: host\.xml:\d+:\d+: byte 0xFF is not UTF-8/);
    expect(present(s)).toBe(before);
  });

  it('several files or a folder with one refused file open nothing and name it', async () => {
    const s = demoStore();
    const before = present(s);
    const files = await readXmlFiles([new File([DEMO_DOMAIN_XML], 'a.xml'), new File([cafe('', [0xe9])], 'b.xml')]);
    expect(await run(openWorkspace, files, contextOf(s))).toBe(false);
    expect(s.getState().message?.text).toMatch(/^Could not read b\.xml:2:\d+: byte 0xE9 is not UTF-8: .*Your design is unchanged\.$/);
    expect(await run(openFolder, { folder: 'f', files }, contextOf(s))).toBe(false);
    expect(present(s)).toBe(before);
  });

  it('a dropped file (importAny) that cannot be read is neither domain nor host: it is named as unread', async () => {
    const s = demoStore();
    const before = present(s);
    expect(await run(importAny, await readXmlFile(new Blob([bytesOf(DEMO_HOST_XML.slice(0, 200), [0xff], DEMO_HOST_XML.slice(200))]), 'host.xml'), contextOf(s))).toBe(false);
    expect(s.getState().message?.text).toMatch(/^Could not read host\.xml:\d+:\d+: byte 0xFF is not UTF-8/);
    expect(present(s)).toBe(before);
  });

  it('an imported UTF-16BE or Latin-1 file exports its own bytes', async () => {
    for (const bytes of [utf16Bytes(`\uFEFF${DEMO_DOMAIN_XML}`, 'BE'), cafe(LATIN1_DECL, [0xe9])]) {
      const s = demoStore();
      expect(await run(importDomain, await readXmlFile(new Blob([bytes]), 'g.xml'), contextOf(s))).toBe(true);
      const design = present(s)?.design;
      if (!design) throw new Error('no document');
      const out = exportDomainBytes(design);
      expect(out.ok && [...out.value]).toEqual([...bytes]);
    }
  });
});
