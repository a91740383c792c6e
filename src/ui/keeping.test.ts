import 'fake-indexeddb/auto';
import { IDBFactory, IDBObjectStore as FakeStore } from 'fake-indexeddb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openDB } from 'idb';
import { createDesign, exportDomain, exportDomainBytes } from '../engine/index.ts';
import { addBus, run } from './actions/index.ts';
import { contextOf, demoStore } from './actions/testkit.ts';
import { autosave, docFromState, historyDocs, keepPresent, keptStore } from './keeping.ts';
import { historyOf, readSnapshotText, snapshotOf } from './persistence.ts';
import { DB_NAME, listKept, loadAutosave, peekAutosave, resetConnection, settled } from './saved.ts';
import { safetyStore } from './safety.ts';
import { utf16Bytes } from './testDesign.ts';

const quotaFull = () =>
  vi.spyOn(FakeStore.prototype, 'put').mockImplementation(() => {
    throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
  });

beforeEach(() => {
  vi.stubGlobal('indexedDB', new IDBFactory());
  resetConnection();
  keptStore.setState({ kept: [] });
  safetyStore.setState({ saveFailed: null, beside: false, crashed: null, unreadable: [], otherTab: null });
});
afterEach(async () => {
  await settled();
  resetConnection();
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

const present = (s: ReturnType<typeof demoStore>) => {
  const p = s.getState().present;
  if (!p) throw new Error('no document');
  return p;
};

describe('autosave', () => {
  it('saves the design with its undo history, and a full quota is said at once, then cleared once saving works', async () => {
    const s = demoStore();
    await run(addBus, undefined, contextOf(s));
    await autosave(s);
    const r = readSnapshotText(await peekAutosave());
    expect(r?.ok && r.snapshot.guests[0]?.domain).toBe(exportDomain(present(s).design));
    expect(r?.ok && r.snapshot.history?.past).toHaveLength(1);

    const spy = quotaFull();
    await run(addBus, undefined, contextOf(s));
    await autosave(s);
    expect(safetyStore.getState().saveFailed).toBe("the browser's storage for this page is full");
    spy.mockRestore();
    await autosave(s);
    expect(safetyStore.getState().saveFailed).toBeNull();
  });

  it('tells the user when another tab had saved since, and lists its design', async () => {
    const s = demoStore();
    await loadAutosave();
    await run(addBus, undefined, contextOf(s));
    await autosave(s);
    const db = await openDB(DB_NAME);
    const theirs = { ...snapshotOf({ ...present(s), label: 'theirs' }), guests: [{ domain: '<domain><name>theirs</name></domain>' }], rev: 99, tab: 'other' };
    await db.put('slots', JSON.stringify(theirs), 'autosave');
    db.close();
    await run(addBus, undefined, contextOf(s));
    await autosave(s);
    expect(safetyStore.getState().otherTab?.name).toBe('theirs');
    expect(keptStore.getState().kept.map((k) => [k.name, k.why])).toEqual([['theirs', 'other-tab']]);
    expect(s.getState().previous?.name).toBe('theirs');
  });
});

describe('keeping the present design aside', () => {
  it('when storage refuses, says so and stops autosave from writing over the saved design', async () => {
    const s = demoStore();
    await run(addBus, undefined, contextOf(s));
    await autosave(s);
    const before = await peekAutosave();
    const spy = quotaFull();
    expect(await keepPresent(s)).toBe(false);
    expect(safetyStore.getState()).toMatchObject({ beside: true, saveFailed: expect.stringContaining('could not be kept aside') });
    spy.mockRestore();
    await run(addBus, undefined, contextOf(s));
    await autosave(s);
    expect(await peekAutosave()).toBe(before);
    expect(await listKept()).toEqual([]);
  });

  it('an autosave asked before a refused keep-aside finished does not write over the saved design', async () => {
    const s = demoStore();
    await run(addBus, undefined, contextOf(s));
    await autosave(s);
    const before = await peekAutosave();
    // the keep-aside's write is refused; the autosave that follows is queued behind it
    vi.spyOn(FakeStore.prototype, 'put').mockImplementationOnce(() => {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    });
    const kept = keepPresent(s);
    await run(addBus, undefined, contextOf(s));
    await autosave(s);
    expect(await kept).toBe(false);
    expect(await peekAutosave()).toBe(before);
    expect(safetyStore.getState().beside).toBe(true);
  });

  it('a pristine design needs no keeping', async () => {
    const s = demoStore();
    expect(await keepPresent(s)).toBe(true);
    expect(await listKept()).toEqual([]);
  });
});

describe('documents from snapshots', () => {
  it('rebuilds the undo history; a step that no longer reads ends its side, and is counted', () => {
    const s = demoStore();
    const p = present(s);
    const h = historyOf([p, { ...p, label: 'second' }], [{ ...p, label: 'next' }]);
    const docs = historyDocs(h);
    expect(docs.past.map((d) => d.label)).toEqual(['Open the demo', 'second']);
    expect(docs.future.map((d) => d.label)).toEqual(['next']);
    expect(exportDomain(docs.past[0]!.design)).toBe(exportDomain(p.design));
    const broken = { ...h, texts: [...h.texts, '<domain'], past: [{ ...h.past[0]!, guests: [{ domain: h.texts.length }] }, h.past[1]!] };
    expect(historyDocs(broken)).toMatchObject({ lost: 1 });
    expect(historyDocs(broken).past).toHaveLength(1);
  });

  it('opens a workspace of several guests whole, on its active guest; a guest that does not read fails it', () => {
    const p = present(demoStore());
    const domain = exportDomain(p.design);
    const other = domain.replace(/<name>[^<]*<\/name>/, '<name>second</name>');
    const d = docFromState({ guests: [{ domain: other, file: 'a.xml' }, { domain, file: 'b.xml' }], active: 1, pristine: false, host: p.hostText }, 'x');
    expect(d.ok && d.value.file).toBe('b.xml');
    expect(d.ok && d.value.workspace?.workspace.guests).toHaveLength(2);
    expect(docFromState({ guests: [{ domain: '<domain' }, { domain }], active: 1, pristine: false }, 'x').ok).toBe(false);
  });

  it("keeps a UTF-16 file's encoding through the autosave, a workspace of several and the undo history, so export gives its bytes after a reload", () => {
    const p = present(demoStore());
    const text = `\uFEFF${exportDomain(p.design)}`;
    const d = createDesign(text, p.design.host, 'be.xml', 'UTF-16BE');
    if (!d.ok) throw new Error(d.error.message);
    const doc = { ...p, design: d.value, file: 'be.xml' };
    const be = [...utf16Bytes(text, 'BE')];
    const bytesOf = (r: ReturnType<typeof docFromState>) => {
      if (!r.ok) throw new Error(r.error.message);
      const b = exportDomainBytes(r.value.design);
      return b.ok ? [...b.value] : undefined;
    };
    const back = readSnapshotText(JSON.stringify(snapshotOf(doc)));
    if (!back?.ok) throw new Error('unread');
    expect(back.snapshot.guests[0]?.encoding).toBe('UTF-16BE');
    expect(bytesOf(docFromState(back.snapshot, 'x'))).toEqual(be);
    const other = exportDomain(p.design).replace(/<name>[^<]*<\/name>/, '<name>second</name>');
    expect(bytesOf(docFromState({ guests: [{ domain: other }, { domain: text, encoding: 'UTF-16BE' }], active: 1, pristine: false, host: p.hostText }, 'x'))).toEqual(be);
    const h = historyDocs(historyOf([doc], []));
    const step = h.past[0];
    const sb = step && exportDomainBytes(step.design);
    expect(sb?.ok && [...sb.value]).toEqual(be);
    expect(readSnapshotText(JSON.stringify({ ...snapshotOf(doc), guests: [{ domain: text, encoding: 'EBCDIC' }] }))).toMatchObject({ ok: false });
  });

  it('opens with the saved libvirt release, one for the whole workspace; a snapshot without one says the default', () => {
    const p = present(demoStore());
    const domain = exportDomain(p.design);
    const other = domain.replace(/<name>[^<]*<\/name>/, '<name>second</name>');
    const back = readSnapshotText(JSON.stringify(snapshotOf({ ...p, libvirtVersion: '9.0' })));
    if (!back?.ok) throw new Error('unread');
    const one = docFromState(back.snapshot, 'x');
    expect(one.ok && one.value.libvirtVersion).toBe('9.0');
    const two = docFromState({ guests: [{ domain: other }, { domain }], active: 0, pristine: false, libvirtVersion: '9.0' }, 'x');
    expect(two.ok && two.value.libvirtVersion).toBe('9.0');
    // said as undefined, so a restore does not keep the release of the design it replaces
    const none = docFromState({ guests: [{ domain }], active: 0, pristine: false }, 'x');
    expect(none.ok && 'libvirtVersion' in none.value && none.value.libvirtVersion === undefined).toBe(true);
  });
});
