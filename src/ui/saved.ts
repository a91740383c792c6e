/**
 * Where the user's work is stored: IndexedDB, through `idb` (Jake Archibald's ~1 KiB promise layer
 * over IndexedDB's own transactions: the autosave and a design kept aside change together or not at
 * all, the schema has an upgrade path, and `blocking` lets another tab upgrade or delete the database).
 *
 * Records are snapshot texts (persistence.ts): validated and migrated on every read, so a stored text
 * that fails is kept byte for byte ('unreadable') for the user to export, never loaded half-way.
 *
 * Two tabs: the autosave carries a revision number. Each tab remembers the revision it loaded or last
 * wrote; when the stored one differs at save time, another tab saved since, and its design is kept
 * aside (one entry per other tab, replaced by that tab's later saves) before this tab's is written, in
 * the same transaction. Writes from one tab run one after another (a queue), so a design is kept aside
 * before what replaces it is autosaved. The revision is also noted beside the text (AUTOSAVE_REV), so a
 * save reads it without parsing the whole snapshot (undo history included: tens of ms per edit).
 */
import type { IDBPTransaction } from 'idb';
import { db, forgetDb, type KeptDesign, type KeptWhy, type Schema, type Unreadable } from './database.ts';
import { AUTOSAVE_KEY, PREVIOUS_KEY, readSnapshotText, sameDesign, snapshotName, whyNotSaved, type Snapshot, type SnapshotState } from './persistence.ts';

export { DB_NAME, type KeptDesign, type KeptWhy, type Unreadable } from './database.ts';
const AUTOSAVE = 'autosave';
/** `{"rev":N,"chars":L}`: the revision and length of the autosave text this version wrote with it */
const AUTOSAVE_REV = 'autosave-rev';
/** kept-aside designs beyond this many: the oldest goes (the list says so) */
export const MAX_KEPT = 50;

type WriteTx = IDBPTransaction<Schema, ('slots' | 'kept' | 'keptData' | 'unreadable')[], 'readwrite'>;

/** For tests: forget the open connection (a fresh IndexedDB is swapped in). */
export function resetConnection(): void {
  forgetDb();
  baseRev = 0;
}

let queue: Promise<unknown> = Promise.resolve();
/** Runs writes one after another, in the order asked. */
function serial<T>(op: () => Promise<T>): Promise<T> {
  const r = queue.then(op, op);
  queue = r.catch(() => undefined);
  return r;
}

/** Resolves once every write asked so far is done (or failed). */
export const settled = (): Promise<void> => queue.then(() => undefined);

async function write<T>(run: (tx: WriteTx) => Promise<T>): Promise<T> {
  const d = await db();
  const tx = d.transaction(['slots', 'kept', 'keptData', 'unreadable'], 'readwrite');
  // a request that fails aborts the transaction: its error is the one to report, once
  tx.done.catch(() => undefined);
  try {
    const r = await run(tx);
    await tx.done;
    return r;
  } catch (e) {
    try {
      tx.abort();
    } catch {
      // already aborted or finished
    }
    throw e;
  }
}

/** Two FNV-1a hashes (different seeds) and the length over the design's texts: equal designs, equal fingerprints (a kept entry's `sig`). */
export function fingerprint(s: SnapshotState): string {
  let a = 0x811c9dc5;
  let b = 0x01000193;
  let n = 0;
  const feed = (t: string) => {
    for (let i = 0; i < t.length; i++) {
      const c = t.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x811c9dc5 | 1);
    }
    a = Math.imul(a ^ 0xff, 0x01000193);
    b = Math.imul(b ^ 0xff, 0x811c9dc5 | 1);
    n += t.length + 1;
  };
  for (const g of s.guests) feed(g.domain);
  feed(s.host ?? '');
  feed(String(s.active));
  // the same texts in other encodings are another design (their bytes differ); fed only when set, so
  // a design without them keeps the fingerprint an earlier pcitopo gave it
  for (const e of [...s.guests.map((g) => g.encoding), s.hostEncoding]) if (e !== undefined) feed(e);
  return `${(a >>> 0).toString(36)}.${(b >>> 0).toString(36)}.${n.toString(36)}`;
}

const newId = (): string => globalThis.crypto?.randomUUID?.() ?? `${Date.now()}-${Math.random().toString(36).slice(2)}`;

/** The autosave text for `snap` at revision `rev`: its revision and tab are its last members (see revOf). */
function autosaveText(snap: Snapshot, rev: number, tab: string): string {
  const { rev: _rev, tab: _tab, ...rest } = snap;
  return JSON.stringify({ ...rest, rev, tab } satisfies Snapshot);
}

/**
 * The revision of the stored autosave text, from the note written with it when the note still
 * describes that text (its length, and the text ends with that revision); otherwise (no note: an
 * earlier pcitopo wrote it, or one wrote the text since) read from the text itself. A text written
 * over the note by another writer carries a later revision than the note, so it never passes as noted.
 */
function revOf(raw: string | undefined, note: string | undefined): number {
  if (raw === undefined) return 0;
  if (note !== undefined) {
    try {
      const n = JSON.parse(note) as { rev?: unknown; chars?: unknown } | null;
      if (typeof n?.rev === 'number' && Number.isSafeInteger(n.rev) && n.rev >= 0 && n.chars === raw.length && raw.includes(`"rev":${n.rev},"tab":`, raw.lastIndexOf('"rev":'))) return n.rev;
    } catch {
      // an unreadable note: the text says
    }
  }
  return storedRev(raw);
}

/** The revision a stored autosave text carries (0: none, or unreadable). */
function storedRev(raw: string | undefined): number {
  if (raw === undefined) return 0;
  try {
    const rev = (JSON.parse(raw) as { rev?: unknown } | null)?.rev;
    return typeof rev === 'number' && Number.isSafeInteger(rev) && rev >= 0 ? rev : 0;
  } catch {
    return 0;
  }
}

/**
 * Keeps a design aside inside a transaction. Pristine designs are not kept (nothing of the user's),
 * except after a crash;
 * the same design kept before is kept once (the newer entry replaces it); an entry with `id` replaces
 * the entry of that id. Returns the entry, or undefined when nothing needed keeping.
 */
async function keepIn(tx: WriteTx, s: Snapshot, why: KeptWhy, now: Date, id?: string): Promise<KeptDesign | undefined> {
  // the design a crashed session left is kept whatever it is: the user chooses to restore or discard it
  if (s.pristine && why !== 'crashed') return undefined;
  const text = JSON.stringify({ ...s, rev: undefined, tab: undefined, history: undefined } satisfies Snapshot);
  const sig = fingerprint(s);
  const kept = tx.objectStore('kept');
  const all = await kept.getAll();
  for (const k of all) {
    if (k.sig === sig || k.id === id) {
      await kept.delete(k.id);
      await tx.objectStore('keptData').delete(k.id);
    }
  }
  const entry: KeptDesign = { id: id ?? newId(), name: snapshotName(s), keptAt: now.toISOString(), savedAt: s.savedAt, why, guests: s.guests.length, chars: text.length, sig };
  await kept.put(entry);
  await tx.objectStore('keptData').put(text, entry.id);
  const rest = all.filter((k) => k.sig !== sig && k.id !== entry.id).sort((a, b) => b.keptAt.localeCompare(a.keptAt));
  for (const old of rest.slice(MAX_KEPT - 1)) {
    await kept.delete(old.id);
    await tx.objectStore('keptData').delete(old.id);
  }
  return entry;
}

async function keepRawIn(tx: WriteTx, raw: string, from: string, reason: string, now: Date): Promise<void> {
  const store = tx.objectStore('unreadable');
  // the same bytes kept before are kept once
  for (const u of await store.getAll()) if (u.raw === raw) return;
  await store.add({ from, reason, raw, at: now.toISOString() });
}

/** What the autosave slot holds now: its text (null when empty). Sets this tab's revision to it. */
export async function loadAutosave(): Promise<string | null> {
  return serial(async () => {
    const d = await db();
    const tx = d.transaction('slots');
    const [raw, note] = await Promise.all([tx.store.get(AUTOSAVE), tx.store.get(AUTOSAVE_REV)]);
    baseRev = revOf(raw, note);
    return raw ?? null;
  });
}

let baseRev = 0;

/** What the autosave slot holds now, leaving this tab's revision alone (e2e tests read it). */
export async function peekAutosave(): Promise<string | null> {
  return (await (await db()).get('slots', AUTOSAVE)) ?? null;
}

/** The outcome of a save: done (and what another tab had saved there, now kept aside), or why not. */
export type SaveOutcome =
  | { readonly ok: true; readonly rev: number; readonly other?: KeptDesign | 'unreadable' | undefined; readonly skipped?: true | undefined }
  | { readonly ok: false; readonly why: string };

/**
 * Writes the autosave, with the revision check: when another tab saved since this tab loaded or last
 * saved, that tab's design is kept aside first (as that tab's entry), in the same transaction.
 * `proceed` is asked when the write's turn comes: false skips it (the user's saved design is to stay).
 */
export function saveAutosave(snap: Snapshot, tab: string, now: Date = new Date(), proceed: () => boolean = () => true): Promise<SaveOutcome> {
  return serial(() => {
    // asked when its turn comes: a keep-aside queued before it may have failed meanwhile
    if (!proceed()) return Promise.resolve<SaveOutcome>({ ok: true, rev: baseRev, skipped: true });
    return write(async (tx) => {
      const slots = tx.objectStore('slots');
      const [raw, note] = await Promise.all([slots.get(AUTOSAVE), slots.get(AUTOSAVE_REV)]);
      const rev = revOf(raw, note);
      let other: KeptDesign | 'unreadable' | undefined;
      if (raw !== undefined && rev !== baseRev) {
        const r = readSnapshotText(raw);
        if (r?.ok) {
          if (!sameDesign(r.snapshot, snap)) other = await keepIn(tx, r.snapshot, 'other-tab', now, `tab-${r.snapshot.tab ?? 'unknown'}`);
        } else {
          await keepRawIn(tx, raw, 'the design another tab saved', r?.reason ?? 'it is empty', now);
          other = 'unreadable';
        }
      }
      const next = rev + 1;
      const text = autosaveText(snap, next, tab);
      await slots.put(text, AUTOSAVE);
      await slots.put(JSON.stringify({ rev: next, chars: text.length }), AUTOSAVE_REV);
      return { next, other };
    }).then(
      ({ next, other }): SaveOutcome => {
        baseRev = next;
        return { ok: true, rev: next, other };
      },
      (e: unknown): SaveOutcome => ({ ok: false, why: whyNotSaved(e) }),
    );
  });
}

/** Keeps a design aside. Resolves to the entry (undefined: nothing to keep), or rejects with why not (words). */
export function keepDesign(s: Snapshot, why: KeptWhy, now: Date = new Date()): Promise<KeptDesign | undefined> {
  return serial(() =>
    write((tx) => keepIn(tx, s, why, now)).catch((e: unknown) => {
      throw new Error(whyNotSaved(e));
    }),
  );
}

/** Keeps a stored text that failed validation, byte for byte. Rejects with why not (words). */
export function keepUnreadable(raw: string, from: string, reason: string, now: Date = new Date()): Promise<void> {
  return serial(() =>
    write((tx) => keepRawIn(tx, raw, from, reason, now)).catch((e: unknown) => {
      throw new Error(whyNotSaved(e));
    }),
  );
}

/** The designs kept aside, newest first. */
export async function listKept(): Promise<KeptDesign[]> {
  const all = await (await db()).getAll('kept');
  return all.sort((a, b) => b.keptAt.localeCompare(a.keptAt));
}

/** A kept design's snapshot, validated; null when the entry is gone. */
export async function readKept(id: string): Promise<{ readonly raw: string; readonly snapshot: Snapshot } | { readonly raw: string; readonly reason: string } | null> {
  const raw = await (await db()).get('keptData', id);
  if (raw === undefined) return null;
  const r = readSnapshotText(raw);
  return r?.ok ? { raw, snapshot: r.snapshot } : { raw, reason: r?.reason ?? 'it is empty' };
}

export function deleteKept(id: string): Promise<void> {
  return serial(() =>
    write(async (tx) => {
      await tx.objectStore('kept').delete(id);
      await tx.objectStore('keptData').delete(id);
    }),
  );
}

export async function listUnreadable(): Promise<Unreadable[]> {
  return (await db()).getAll('unreadable');
}

export function deleteUnreadable(id: number): Promise<void> {
  return serial(() => write((tx) => tx.objectStore('unreadable').delete(id)));
}

/** What moving the localStorage snapshots (versions 1 and 2) into IndexedDB did. */
export interface Migration {
  readonly moved: number;
  /** texts that failed validation: kept byte for byte in 'unreadable' */
  readonly unreadable: number;
}

/**
 * Moves the snapshots an earlier pcitopo kept in localStorage into IndexedDB, once: the autosave
 * becomes the autosave (or, when IndexedDB already holds one, a kept design), the design kept aside a
 * kept design; a text that fails validation is kept byte for byte. The localStorage keys are removed
 * only after the transaction committed. Rejects (keys left in place) when IndexedDB cannot store them.
 */
export function migrateLocalStorage(ls: Pick<Storage, 'getItem' | 'removeItem'> | undefined, now: Date = new Date()): Promise<Migration> {
  let auto: string | null = null;
  let prev: string | null = null;
  try {
    auto = ls?.getItem(AUTOSAVE_KEY) ?? null;
    prev = ls?.getItem(PREVIOUS_KEY) ?? null;
  } catch {
    return Promise.resolve({ moved: 0, unreadable: 0 });
  }
  if (auto === null && prev === null) return Promise.resolve({ moved: 0, unreadable: 0 });
  return serial(() =>
    write(async (tx) => {
      let moved = 0;
      let unreadable = 0;
      const slots = tx.objectStore('slots');
      for (const [raw, from] of [
        [prev, 'the design an earlier pcitopo kept aside'],
        [auto, 'the design an earlier pcitopo autosaved'],
      ] as const) {
        if (raw === null) continue;
        const r = readSnapshotText(raw);
        if (!r?.ok) {
          await keepRawIn(tx, raw, from, r?.reason ?? 'it is empty', now);
          unreadable++;
        } else if (raw === auto && (await slots.get(AUTOSAVE)) === undefined) {
          await slots.put(JSON.stringify(r.snapshot), AUTOSAVE);
          // no note describes this text: its revision is read from it
          await slots.delete(AUTOSAVE_REV);
          moved++;
        } else {
          // a kept design keeps its own time: it sorts among the others by when it was saved
          await keepIn(tx, r.snapshot, 'replaced', new Date(raw === prev ? r.snapshot.savedAt : now.toISOString()));
          moved++;
        }
      }
      return { moved, unreadable };
    }).then((m) => {
      try {
        ls?.removeItem(AUTOSAVE_KEY);
        ls?.removeItem(PREVIOUS_KEY);
      } catch {
        // moved all the same; read again next time, and kept once (same design, one entry)
      }
      return m;
    }),
  );
}
