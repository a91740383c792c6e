import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import 'fake-indexeddb/auto';
import { IDBFactory, IDBObjectStore as FakeStore } from 'fake-indexeddb';
import { openDB } from 'idb';
import { AUTOSAVE_KEY, PREVIOUS_KEY, readSnapshotText, type Snapshot } from './persistence.ts';
import { DB_NAME, deleteKept, keepDesign, keepUnreadable, listKept, listUnreadable, loadAutosave, MAX_KEPT, migrateLocalStorage, readKept, resetConnection, saveAutosave, settled } from './saved.ts';
import { MemoryStorage } from './actions/testkit.ts';

const T = '2026-01-02T03:04:05.000Z';
const snap = (name: string, over: Partial<Snapshot> = {}): Snapshot => ({ v: 3, guests: [{ domain: `<domain><name>${name}</name></domain>` }], active: 0, pristine: false, savedAt: T, ...over });

beforeEach(() => {
  vi.stubGlobal('indexedDB', new IDBFactory());
  resetConnection();
});
afterEach(async () => {
  await settled();
  resetConnection();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

/** Writes the autosave as another tab would: straight into the database, with the next revision. */
async function otherTabSaves(s: Snapshot): Promise<void> {
  const db = await openDB(DB_NAME);
  const raw = (await db.get('slots', 'autosave')) as string | undefined;
  const rev = raw ? ((JSON.parse(raw) as { rev?: number }).rev ?? 0) : 0;
  await db.put('slots', JSON.stringify({ ...s, rev: rev + 1, tab: 'other' }), 'autosave');
  db.close();
}

const nameOfAutosave = async () => {
  const r = readSnapshotText(await loadAutosave());
  return r?.ok ? r.snapshot.guests[0]?.domain : null;
};

describe('the autosave in IndexedDB', () => {
  it('saves and loads back, counting revisions', async () => {
    expect(await loadAutosave()).toBeNull();
    expect(await saveAutosave(snap('a'), 'me')).toEqual({ ok: true, rev: 1, other: undefined });
    expect(await saveAutosave(snap('b'), 'me')).toEqual({ ok: true, rev: 2, other: undefined });
    const r = readSnapshotText(await loadAutosave());
    expect(r?.ok && r.snapshot).toMatchObject({ rev: 2, tab: 'me', guests: [{ domain: '<domain><name>b</name></domain>' }] });
    expect(await listKept()).toEqual([]);
  });

  it('two tabs: a save after another tab saved keeps that tab’s design aside first, once per tab', async () => {
    await loadAutosave();
    await saveAutosave(snap('mine'), 'me');
    await otherTabSaves(snap('theirs'));
    const r = await saveAutosave(snap('mine, edited'), 'me');
    expect(r).toMatchObject({ ok: true, rev: 3, other: { name: 'theirs', why: 'other-tab' } });
    expect(await nameOfAutosave()).toBe('<domain><name>mine, edited</name></domain>');
    // the other tab saves again: its entry is replaced, not added to
    await otherTabSaves(snap('theirs, edited'));
    await saveAutosave(snap('mine, again'), 'me');
    const kept = await listKept();
    expect(kept.map((k) => k.name)).toEqual(['theirs, edited']);
    const back = await readKept(kept[0]!.id);
    expect(back && 'snapshot' in back && back.snapshot.guests[0]?.domain).toBe('<domain><name>theirs, edited</name></domain>');
    // no other tab saved since: nothing kept
    expect(await saveAutosave(snap('mine, once more'), 'me')).toMatchObject({ ok: true, other: undefined });
  });

  it('a save reads the stored revision without parsing the stored snapshot (its undo history makes it long)', async () => {
    const texts = Array.from({ length: 20 }, (_, i) => `<domain><name>step ${i}</name></domain>`);
    const history = { texts, past: texts.map((_, i) => ({ guests: [{ domain: i }], active: 0, label: `step ${i}`, pristine: false })), future: [] };
    await loadAutosave();
    await saveAutosave(snap('a', { history }), 'me');
    const parse = vi.spyOn(JSON, 'parse');
    const snapshotsParsed = () => parse.mock.calls.filter(([text]) => typeof text === 'string' && text.includes('"guests"')).length;
    expect(await saveAutosave(snap('b', { history }), 'me')).toMatchObject({ ok: true, rev: 2, other: undefined });
    expect(await saveAutosave(snap('c', { history }), 'me')).toMatchObject({ ok: true, rev: 3, other: undefined });
    expect(snapshotsParsed()).toBe(0);
    // a tab that opens reads the revision the same way
    resetConnection();
    expect(await loadAutosave()).toContain('<name>c</name>');
    expect(snapshotsParsed()).toBe(0);
    // and another tab's save over it (an earlier pcitopo writes no note) is still seen
    await otherTabSaves(snap('theirs'));
    expect(await saveAutosave(snap('d', { history }), 'me')).toMatchObject({ ok: true, rev: 5, other: { name: 'theirs', why: 'other-tab' } });
  });

  it('two tabs: another tab’s pristine design, or the same design, is not kept', async () => {
    await loadAutosave();
    await otherTabSaves(snap('demo', { pristine: true }));
    expect(await saveAutosave(snap('mine'), 'me')).toMatchObject({ ok: true, other: undefined });
    await otherTabSaves(snap('mine'));
    expect(await saveAutosave(snap('mine'), 'me')).toMatchObject({ ok: true, other: undefined });
    expect(await listKept()).toEqual([]);
  });

  it('a full quota is said in words, and the saved design stays as it was', async () => {
    await saveAutosave(snap('kept'), 'me');
    vi.spyOn(FakeStore.prototype, 'put').mockImplementation(() => {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    });
    expect(await saveAutosave(snap('lost'), 'me')).toEqual({ ok: false, why: "the browser's storage for this page is full" });
    await expect(keepDesign(snap('x'), 'replaced')).rejects.toThrow("the browser's storage for this page is full");
    vi.restoreAllMocks();
    expect(await nameOfAutosave()).toBe('<domain><name>kept</name></domain>');
  });
});

describe('designs kept aside', () => {
  it('keeps several, newest first, each with name and time; deletes one; keeps the same design once', async () => {
    await keepDesign(snap('one'), 'replaced', new Date('2026-01-01T00:00:00Z'));
    await keepDesign(snap('two'), 'replaced', new Date('2026-01-02T00:00:00Z'));
    expect(await keepDesign(snap('pristine', { pristine: true }), 'replaced')).toBeUndefined();
    const again = await keepDesign(snap('one'), 'replaced', new Date('2026-01-03T00:00:00Z'));
    const kept = await listKept();
    expect(kept.map((k) => [k.name, k.keptAt])).toEqual([
      ['one', '2026-01-03T00:00:00.000Z'],
      ['two', '2026-01-02T00:00:00.000Z'],
    ]);
    expect(kept[0]).toMatchObject({ id: again?.id, savedAt: T, why: 'replaced', guests: 1 });
    await deleteKept(kept[1]!.id);
    expect((await listKept()).map((k) => k.name)).toEqual(['one']);
    expect(await readKept(kept[1]!.id)).toBeNull();
  });

  it('the same texts with another host or domain encoding are another design: both are kept, each read back with its encoding', async () => {
    const host = '\uFEFF<device><name>pci_0000_00_00_0</name></device>';
    await keepDesign(snap('one', { host, hostEncoding: 'UTF-16LE' }), 'replaced', new Date('2026-01-01T00:00:00Z'));
    await keepDesign(snap('one', { host }), 'replaced', new Date('2026-01-02T00:00:00Z'));
    await keepDesign(snap('one', { host, guests: [{ domain: '<domain><name>one</name></domain>', encoding: 'UTF-16BE' }] }), 'replaced', new Date('2026-01-03T00:00:00Z'));
    const kept = await listKept();
    expect(kept).toHaveLength(3);
    const read = await Promise.all(kept.map(async (k) => { const r = await readKept(k.id); return r && 'snapshot' in r ? r.snapshot : null; }));
    expect(read.map((r) => [r?.hostEncoding, r?.guests[0]?.encoding])).toEqual([
      [undefined, 'UTF-16BE'],
      [undefined, undefined],
      ['UTF-16LE', undefined],
    ]);
  });

  it('a crashed session’s design is kept even when pristine', async () => {
    expect(await keepDesign(snap('demo', { pristine: true }), 'crashed')).toMatchObject({ name: 'demo', why: 'crashed' });
  });

  it(`keeps the ${MAX_KEPT} newest`, async () => {
    for (let i = 0; i <= MAX_KEPT; i++) await keepDesign(snap(`d${i}`), 'replaced', new Date(Date.UTC(2026, 0, 1, 0, i)));
    const kept = await listKept();
    expect(kept).toHaveLength(MAX_KEPT);
    expect(kept.at(-1)?.name).toBe('d1');
  });

  it('a kept text that fails validation is read as such, with its bytes', async () => {
    const k = await keepDesign(snap('x'), 'replaced');
    const db = await openDB(DB_NAME);
    await db.put('keptData', '{"v":3,"guests":[]}', k!.id);
    db.close();
    expect(await readKept(k!.id)).toEqual({ raw: '{"v":3,"guests":[]}', reason: 'guests is not a list of at least one guest (version 3)' });
  });
});

describe('moving the localStorage snapshots of versions 1 and 2 into IndexedDB', () => {
  it('moves the autosave and the kept design once, then removes the keys', async () => {
    const ls = new MemoryStorage();
    ls.setItem(AUTOSAVE_KEY, JSON.stringify({ v: 2, domain: '<domain><name>auto</name></domain>', pristine: false, savedAt: T }));
    ls.setItem(PREVIOUS_KEY, JSON.stringify({ v: 1, domain: '<domain><name>prev</name></domain>', label: 'Add a vPHB', savedAt: '2025-12-31T00:00:00.000Z' }));
    expect(await migrateLocalStorage(ls)).toEqual({ moved: 2, unreadable: 0 });
    expect(ls.length).toBe(0);
    expect(await nameOfAutosave()).toBe('<domain><name>auto</name></domain>');
    expect(await listKept()).toMatchObject([{ name: 'prev', keptAt: '2025-12-31T00:00:00.000Z', why: 'replaced' }]);
    expect(await migrateLocalStorage(ls)).toEqual({ moved: 0, unreadable: 0 });
  });

  it('keeps a text that fails validation byte for byte and never loads it', async () => {
    const ls = new MemoryStorage();
    const bad = '{"v":2,"domain":42,"savedAt":"x"}';
    ls.setItem(AUTOSAVE_KEY, bad);
    expect(await migrateLocalStorage(ls)).toEqual({ moved: 0, unreadable: 1 });
    expect(await loadAutosave()).toBeNull();
    expect(await listUnreadable()).toMatchObject([{ raw: bad, from: 'the design an earlier pcitopo autosaved', reason: 'domain is missing or not text (version 2)' }]);
    // the same bytes are kept once
    await keepUnreadable(bad, 'again', 'same');
    expect(await listUnreadable()).toHaveLength(1);
  });

  it('an autosave already in IndexedDB stays; the older one is kept aside', async () => {
    await saveAutosave(snap('newer'), 'me');
    const ls = new MemoryStorage();
    ls.setItem(AUTOSAVE_KEY, JSON.stringify({ v: 2, domain: '<domain><name>older</name></domain>', pristine: false, savedAt: T }));
    await migrateLocalStorage(ls);
    expect(await nameOfAutosave()).toBe('<domain><name>newer</name></domain>');
    expect((await listKept()).map((k) => k.name)).toEqual(['older']);
  });

  it('leaves the keys in place when IndexedDB cannot store them', async () => {
    const ls = new MemoryStorage();
    ls.setItem(AUTOSAVE_KEY, JSON.stringify({ v: 2, domain: '<domain/>', pristine: false, savedAt: T }));
    vi.spyOn(FakeStore.prototype, 'put').mockImplementation(() => {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    });
    await expect(migrateLocalStorage(ls)).rejects.toMatchObject({ name: 'QuotaExceededError' });
    expect(ls.getItem(AUTOSAVE_KEY)).not.toBeNull();
  });
});
