import { afterEach, describe, expect, it, vi } from 'vitest';
import { decodeAnyShareLink, DEMO_DOMAIN_XML, DEMO_HOST_XML, encodeXml, encodingToWrite } from '../engine/index.ts';
import { importDomain, importHost, newDesign, openWorkspace, run, shareLink } from './actions/index.ts';
import { contextOf, demoStore } from './actions/testkit.ts';
import { docFromState, historyDocs } from './keeping.ts';
import { openLinkedWorkspace } from './linkedWorkspace.ts';
import { historyOf, parseSnapshot, snapshotOf } from './persistence.ts';
import { readXmlFile, readXmlFiles } from './readFiles.ts';
import { bytesOf, utf16Bytes } from './testDesign.ts';

/**
 * A host file whose text does not say its encoding (UTF-16) keeps it in the app wherever a domain's
 * does (issue 11): through edits and undo, share links, the autosave snapshot and what it restores,
 * as `pcitopo link` and `open` keep it. Its bytes come back as `pcitopo unlink --host-out` writes them.
 */

const HOST16 = `\uFEFF${DEMO_HOST_XML}`;
const HOST_BYTES = utf16Bytes(HOST16, 'BE');
const present = (s: ReturnType<typeof demoStore>) => s.getState().present;

/** The host bytes a link gives back, written as `pcitopo unlink --host-out` writes them. */
async function linkHostBytes(url: string): Promise<number[]> {
  const p = await decodeAnyShareLink(url);
  if (!p.ok || p.value.host === undefined) throw new Error('no host in the link');
  const e = encodingToWrite(p.value.host, p.value.hostEncoding);
  const bytes = e && encodeXml(p.value.host, e);
  if (!bytes?.ok) throw new Error('the host cannot be written');
  return [...bytes.value];
}

async function withUtf16Host() {
  const s = demoStore();
  expect(await run(importHost, await readXmlFile(new Blob([HOST_BYTES]), 'host.xml'), contextOf(s))).toBe(true);
  return s;
}

afterEach(() => vi.unstubAllGlobals());

describe("a UTF-16 host file's encoding in the app", () => {
  it('Import host keeps it; an edit, Import domain and New design keep it; another host file replaces it; undo brings it back', async () => {
    const s = await withUtf16Host();
    expect(present(s)?.hostEncoding).toBe('UTF-16BE');
    expect(s.getState().apply({ kind: 'remove-device', device: '0030:01:00.0' })).toBe(true);
    expect(present(s)?.hostEncoding).toBe('UTF-16BE');
    expect(await run(importDomain, { text: DEMO_DOMAIN_XML, file: 'g.xml' }, contextOf(s))).toBe(true);
    expect(present(s)?.hostEncoding).toBe('UTF-16BE');
    expect(await run(newDesign, 'q35', contextOf(s))).toBe(true);
    expect(present(s)?.hostEncoding).toBe('UTF-16BE');
    // the same text from a UTF-8 file with a byte order mark: same text, other bytes, no encoding to keep
    expect(await run(importHost, await readXmlFile(new Blob([bytesOf(HOST16)]), 'host8.xml'), contextOf(s))).toBe(true);
    expect([present(s)?.hostText, present(s)?.hostEncoding]).toEqual([HOST16, undefined]);
    s.getState().undo();
    expect(present(s)?.hostEncoding).toBe('UTF-16BE');
  });

  it('a host opened with several domains keeps it; a workspace opened without a host keeps the present one', async () => {
    const s = demoStore();
    const domain = (name: string) => DEMO_DOMAIN_XML.replace('<name>p9-demo</name>', `<name>${name}</name>`);
    const files = await readXmlFiles([new File([domain('a')], 'a.xml'), new File([domain('b')], 'b.xml'), new File([HOST_BYTES], 'host.xml')]);
    expect(await run(openWorkspace, files, contextOf(s))).toBe(true);
    expect(present(s)?.hostEncoding).toBe('UTF-16BE');
    expect(await run(openWorkspace, files.slice(0, 2), contextOf(s))).toBe(true);
    expect([present(s)?.hostText, present(s)?.hostEncoding]).toEqual([HOST16, 'UTF-16BE']);
  });

  it('Share link carries it (one guest and a workspace): the link gives the host file its bytes back, and opens with it', async () => {
    vi.stubGlobal('location', { origin: 'http://x', pathname: '/' });
    const s = await withUtf16Host();
    for (const guests of [1, 2]) {
      if (guests === 2) {
        const files = await readXmlFiles([new File([DEMO_DOMAIN_XML.replace('p9-demo', 'a')], 'a.xml'), new File([DEMO_DOMAIN_XML.replace('p9-demo', 'b')], 'b.xml')]);
        expect(await run(openWorkspace, files, contextOf(s))).toBe(true);
      }
      expect(await run(shareLink, undefined, contextOf(s))).toBe(true);
      const url = s.getState().shareUrl ?? '';
      expect(await linkHostBytes(url)).toEqual([...HOST_BYTES]);
      const opened = await openLinkedWorkspace(url.slice(url.indexOf('#')));
      expect(opened.ok && [opened.doc.hostText, opened.doc.hostEncoding, opened.doc.workspace?.workspace.guests.length ?? 1]).toEqual([HOST16, 'UTF-16BE', guests]);
    }
  });

  it('the autosave snapshot keeps it and restores it, with its undo steps, for one guest and a workspace', async () => {
    const s = await withUtf16Host();
    s.getState().apply({ kind: 'remove-device', device: '0030:01:00.0' });
    const { past, future } = s.getState();
    const saved = parseSnapshot(JSON.stringify({ ...snapshotOf(present(s)!), history: historyOf(past, future) }));
    expect(saved?.hostEncoding).toBe('UTF-16BE');
    const back = saved && docFromState(saved, 'saved design');
    expect(back?.ok && [back.value.hostText, back.value.hostEncoding]).toEqual([HOST16, 'UTF-16BE']);
    // the demo as opened (its own host, no encoding), then the UTF-16 host imported
    expect(historyDocs(saved?.history).past.map((d) => d.hostEncoding)).toEqual([undefined, 'UTF-16BE']);

    const files = await readXmlFiles([new File([DEMO_DOMAIN_XML.replace('p9-demo', 'a')], 'a.xml'), new File([DEMO_DOMAIN_XML.replace('p9-demo', 'b')], 'b.xml')]);
    expect(await run(openWorkspace, files, contextOf(s))).toBe(true);
    const ws = parseSnapshot(JSON.stringify(snapshotOf(present(s)!)));
    const wsBack = ws && docFromState(ws, 'saved design');
    expect(wsBack?.ok && [wsBack.value.workspace?.workspace.guests.length, wsBack.value.hostEncoding]).toEqual([2, 'UTF-16BE']);
  });
});
