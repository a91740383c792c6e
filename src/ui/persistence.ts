/**
 * The versioned autosave snapshot (DESIGN.md §1): the design the user is working on, and the one
 * kept aside when something replaced it (a share link, a new design, the demo). Versioned like
 * tldraw's persisted records: every older version still reads (STYLE.md §4.2).
 */
import type { DocState, PreviousDesign } from '../store/index.ts';
import { exportDomain } from '../engine/index.ts';

export const AUTOSAVE_KEY = 'pcitopo:autosave:v1';
/** the design kept aside when something replaced the user's work */
export const PREVIOUS_KEY = 'pcitopo:previous:v1';

export interface Snapshot {
  readonly v: 2;
  readonly domain: string;
  readonly host?: string | undefined;
  readonly file?: string | undefined;
  /** the undo label of the step that produced it */
  readonly label?: string | undefined;
  /** a design the app made and nobody edited (DocState.pristine) */
  readonly pristine: boolean;
  /** the domain as imported, when XML edits changed it since */
  readonly baseline?: string | undefined;
  readonly savedAt: string;
}

/** Version 1 had no pristine flag: it was told by the label of the step that made the design. */
interface SnapshotV1 {
  readonly v: 1;
  readonly domain: string;
  readonly host?: string | undefined;
  readonly file?: string | undefined;
  readonly label?: string | undefined;
  readonly savedAt: string;
}

/** v1 -> v2: the labels version 1 wrote for designs the app made (the only place labels are read). */
function migrateV1(s: SnapshotV1): Snapshot {
  const label = s.label ?? '';
  const pristine = label === 'Open the demo' || label === 'Open a share link' || /^New (\S+ )?design$/.test(label);
  return { v: 2, domain: s.domain, host: s.host, file: s.file, label: s.label, pristine, savedAt: s.savedAt };
}

export function snapshotOf(doc: DocState, now: Date = new Date()): Snapshot {
  const domain = exportDomain(doc.design);
  return {
    v: 2,
    domain,
    host: doc.hostText,
    file: doc.file,
    label: doc.label,
    pristine: doc.pristine ?? false,
    ...(doc.baseline !== undefined && doc.baseline !== domain ? { baseline: doc.baseline } : {}),
    savedAt: now.toISOString(),
  };
}

/** Reads a snapshot of any version; null when absent, unreadable or of an unknown shape. */
export function parseSnapshot(raw: string | null): Snapshot | null {
  if (!raw) return null;
  try {
    const v = JSON.parse(raw) as Partial<Snapshot> | Partial<SnapshotV1> | null;
    if (!v || typeof v.domain !== 'string' || typeof v.savedAt !== 'string') return null;
    if (v.v === 2) return { ...(v as Snapshot), pristine: v.pristine === true };
    if (v.v === 1) return migrateV1(v as SnapshotV1);
    return null;
  } catch {
    return null;
  }
}

/** The browser's localStorage, or undefined where there is none (disabled, or not a browser). */
export function storage(): Storage | undefined {
  try {
    return globalThis.localStorage ?? undefined;
  } catch {
    return undefined;
  }
}

export function readSnapshot(key: string, from: Pick<Storage, 'getItem'> | undefined = storage()): Snapshot | null {
  try {
    return from ? parseSnapshot(from.getItem(key)) : null;
  } catch {
    return null;
  }
}

/**
 * Writes a snapshot. Returns null when it was kept, else why not in words the user can act on
 * (storage full, or disabled by the browser); the design then lives in memory only.
 */
export function trySnapshot(key: string, snap: Snapshot, to: Pick<Storage, 'setItem'> | undefined = storage()): string | null {
  if (!to) return 'this browser gives the page no storage';
  try {
    to.setItem(key, JSON.stringify(snap));
    return null;
  } catch (e) {
    const name = e instanceof Error || e instanceof DOMException ? e.name : '';
    return name === 'QuotaExceededError' || name === 'NS_ERROR_DOM_QUOTA_REACHED' ? "the browser's storage for this page is full" : 'the browser refused to store it';
  }
}

/** Writes a snapshot; false when storage is full or disabled (the design stays in memory). */
export function writeSnapshot(key: string, snap: Snapshot, to: Pick<Storage, 'setItem'> | undefined = storage()): boolean {
  return trySnapshot(key, snap, to) === null;
}

export const snapshotName = (s: Snapshot): string => /<name>([^<]*)<\/name>/.exec(s.domain)?.[1]?.trim() || s.file || 'unnamed design';
export const previousInfo = (s: Snapshot | null): PreviousDesign | null => (s ? { name: snapshotName(s), savedAt: s.savedAt } : null);
export const when = (iso: string): string => new Date(iso).toLocaleString();
