/**
 * The IndexedDB database that holds the user's work (saved.ts reads and writes it): its schema and
 * the one connection to it. A module of its own, importing only `idb`, so the page's first script
 * (main.tsx) can start opening it while the app's chunk is still loading: opening is the longest
 * wait before a saved design can be drawn (tens to hundreds of ms on a new profile, where the
 * database is created), and it needs nothing of the app.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';

export const DB_NAME = 'pcitopo';
const DB_VERSION = 1;

/** Why a design was kept aside. */
export type KeptWhy = 'replaced' | 'other-tab' | 'crashed' | 'several-guests';

/** A design kept aside, as the list shows it (its snapshot text is stored apart, read on restore). */
export interface KeptDesign {
  readonly id: string;
  readonly name: string;
  /** when it was kept aside (ISO 8601) */
  readonly keptAt: string;
  /** when it was last saved (ISO 8601) */
  readonly savedAt: string;
  readonly why: KeptWhy;
  readonly guests: number;
  /** characters of its snapshot text */
  readonly chars: number;
  /** fingerprint of its guests and host: the same design kept twice is one entry */
  readonly sig: string;
}

/** A stored text that failed validation, byte for byte, and why. */
export interface Unreadable {
  readonly id?: number;
  /** where it was found ('your autosaved design', 'a design kept aside', ...) */
  readonly from: string;
  readonly reason: string;
  readonly raw: string;
  readonly at: string;
}

export interface Schema extends DBSchema {
  slots: { key: string; value: string };
  kept: { key: string; value: KeptDesign };
  keptData: { key: string; value: string };
  unreadable: { key: number; value: Unreadable };
}

export type Db = IDBPDatabase<Schema>;

let dbp: Promise<Db> | null = null;

/**
 * The database, opened once (the first call opens it, later calls share that promise); reopened
 * after another tab deleted or upgraded it, or after an open failed. Rejects where there is none.
 */
export function db(): Promise<Db> {
  if (dbp) return dbp;
  if (typeof indexedDB === 'undefined') return Promise.reject(new Error('this browser gives the page no storage'));
  const p = openDB<Schema>(DB_NAME, DB_VERSION, {
    upgrade(d, old) {
      if (old < 1) {
        d.createObjectStore('slots');
        d.createObjectStore('kept', { keyPath: 'id' });
        d.createObjectStore('keptData');
        d.createObjectStore('unreadable', { keyPath: 'id', autoIncrement: true });
      }
    },
    blocking() {
      // another tab wants to delete or upgrade the database: let it, and open it again when needed
      void p.then((d) => d.close());
      if (dbp === p) dbp = null;
    },
    terminated() {
      if (dbp === p) dbp = null;
    },
  });
  dbp = p;
  p.catch(() => {
    if (dbp === p) dbp = null;
  });
  return p;
}

/** Closes and forgets the connection (tests swap in a fresh IndexedDB). */
export function forgetDb(): void {
  void dbp?.then((d) => d.close()).catch(() => undefined);
  dbp = null;
}
