/**
 * The versioned, validated autosave snapshot (DESIGN.md §1): what the app stores of the user's work
 * (the autosave, each design kept aside, the undo history), as JSON text. Versioned like tldraw's
 * store snapshots: every stored version is validated as written, then climbs a migration ladder one
 * rung at a time (v1 -> v2 -> v3), and the result is validated again; a version newer than this app,
 * or a shape that fails validation, is refused with the reason, never loaded half-way (STYLE.md §4.2).
 *
 * Version 3 holds a workspace: several guests of one host (each domain text, file name and the text
 * it was imported as, its name), which one is active, and the host text. A document of one guest is a
 * list of one. Its optional `libvirtVersion` (issue 12) came later without a new version: a snapshot
 * without it opens with the default release, and it is one setting for the whole workspace. So did
 * each guest's optional `encoding` (issue 11: a UTF-16 file, whose text does not say it, exports its
 * own bytes after a reload too); a guest without it is written as its text declares. And so did the
 * host's optional `hostEncoding`, for the same reason: an optional field no older snapshot has, so a
 * snapshot without it opens as before (its host written as its text declares), and no step up the
 * ladder is needed.
 */
import type { DocState, PreviousDesign } from '../store/index.ts';
import { exportDomain, isLibvirtRelease, isXmlEncoding, type Design, type XmlEncoding } from '../engine/index.ts';
import { savedWorkspaceOf } from './workspaceSnapshot.ts';

/** localStorage keys of versions 1 and 2 (before IndexedDB): read once, moved, then removed. */
export const AUTOSAVE_KEY = 'pcitopo:autosave:v1';
export const PREVIOUS_KEY = 'pcitopo:previous:v1';

export const SNAPSHOT_VERSION = 3;

/** One guest of the workspace. */
export interface GuestSnapshot {
  /** the domain XML as exported */
  readonly domain: string;
  /** the file name the user gave it */
  readonly file?: string | undefined;
  /** the domain as imported, when XML edits changed it since (the "changed lines" baseline) */
  readonly baseline?: string | undefined;
  /** the guest's name in a workspace of several (workspaceSnapshot.ts SavedGuest.name) */
  readonly name?: string | undefined;
  /** the encoding of its file when the text does not say it (UTF-16: engine DomainSource.encoding), for export */
  readonly encoding?: XmlEncoding | undefined;
}

/** A document state: the guests, which one is shown, the host, and what made it. */
export interface SnapshotState {
  /** at least one guest */
  readonly guests: readonly GuestSnapshot[];
  /** index into guests of the guest being edited */
  readonly active: number;
  /** the node-device XML of the host */
  readonly host?: string | undefined;
  /** the encoding of the host's file when its text does not say it (UTF-16: DocState.hostEncoding); only with `host` */
  readonly hostEncoding?: XmlEncoding | undefined;
  /** the undo label of the step that produced it */
  readonly label?: string | undefined;
  /** a design the app made and nobody edited (DocState.pristine) */
  readonly pristine: boolean;
  /** the libvirt release the design is placed as (DocState.libvirtVersion); absent: the default */
  readonly libvirtVersion?: string | undefined;
}

/**
 * One undo step of the saved history. Texts are indexes into SavedHistory.texts, so a host or a guest
 * that many steps share is stored once.
 */
export interface HistoryStep {
  readonly guests: readonly { readonly domain: number; readonly file?: string | undefined; readonly baseline?: number | undefined; readonly name?: string | undefined; readonly encoding?: XmlEncoding | undefined }[];
  readonly active: number;
  readonly host?: number | undefined;
  readonly hostEncoding?: XmlEncoding | undefined;
  readonly label: string;
  readonly pristine: boolean;
}

/** The undo (past, oldest first) and redo (future, next first) steps kept with the autosave. */
export interface SavedHistory {
  readonly texts: readonly string[];
  readonly past: readonly HistoryStep[];
  readonly future: readonly HistoryStep[];
}

export interface Snapshot extends SnapshotState {
  readonly v: 3;
  /** ISO 8601 */
  readonly savedAt: string;
  /** the autosave's revision when written there (the two-tab check, see saved.ts) */
  readonly rev?: number | undefined;
  /** the tab that wrote it (sessions.ts tabId) */
  readonly tab?: string | undefined;
  readonly history?: SavedHistory | undefined;
}

/** Version 2 (localStorage): one domain, the pristine flag. */
interface SnapshotV2 {
  readonly v: 2;
  readonly domain: string;
  readonly host?: string | undefined;
  readonly file?: string | undefined;
  readonly label?: string | undefined;
  readonly pristine: boolean;
  readonly baseline?: string | undefined;
  readonly savedAt: string;
  /** a workspace of several guests (issue 15's localStorage build): every guest; `domain` is the shown one's */
  readonly workspace?: unknown;
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

/** What reading a stored text gives: the snapshot (migrated to the current version), or why not. */
export type SnapshotRead = { readonly ok: true; readonly snapshot: Snapshot; readonly from: number } | { readonly ok: false; readonly reason: string };

/** The undo history kept with the autosave is bounded by both: the steps nearest the present first. */
export const HISTORY_MAX_STEPS = 50;
/** characters of distinct texts (UTF-16 units; about 2-4 MiB in storage) */
export const HISTORY_MAX_CHARS = 2 * 1024 * 1024;
/** more guests than this is not a workspace this app makes (share links' MAX_LINK_DOMAINS) */
const MAX_GUESTS = 256;

// ---- validation: each returns null, or what is wrong and where ---------------------------------

type Rec = Record<string, unknown>;
const isRec = (v: unknown): v is Rec => typeof v === 'object' && v !== null && !Array.isArray(v);
const optText = (o: Rec, k: string, at: string): string | null => (o[k] === undefined || typeof o[k] === 'string' ? null : `${at}${k} is not text`);
const text = (o: Rec, k: string, at: string): string | null => (typeof o[k] === 'string' ? null : `${at}${k} is missing or not text`);
const isoTime = (o: Rec, k: string): string | null => (typeof o[k] === 'string' && !Number.isNaN(Date.parse(o[k])) ? null : `${k} is not a time`);
const optEncoding = (o: Rec, at: string, k = 'encoding'): string | null => (o[k] === undefined || isXmlEncoding(o[k]) ? null : `${at}${k} is not an encoding such as UTF-16LE`);
/** a host encoding belongs to a host text: one without it is not what this app writes */
const hostEncoding = (o: Rec, at: string): string | null => optEncoding(o, at, 'hostEncoding') ?? (o['hostEncoding'] !== undefined && o['host'] === undefined ? `${at}hostEncoding is there without a host` : null);
const first = (...checks: (string | null)[]): string | null => checks.find((c) => c !== null) ?? null;

function validateV1(o: Rec): string | null {
  return first(text(o, 'domain', ''), optText(o, 'host', ''), optText(o, 'file', ''), optText(o, 'label', ''), isoTime(o, 'savedAt'));
}

function validateV2(o: Rec): string | null {
  return first(validateV1(o), typeof o['pristine'] === 'boolean' ? null : 'pristine is not true or false', optText(o, 'baseline', ''));
}

const isIndex = (v: unknown, length: number): boolean => Number.isInteger(v) && (v as number) >= 0 && (v as number) < length;

function validateStep(s: unknown, at: string, texts: number): string | null {
  if (!isRec(s)) return `${at} is not a step`;
  if (!Array.isArray(s['guests']) || s['guests'].length === 0 || s['guests'].length > MAX_GUESTS) return `${at}.guests is not a list of guests`;
  for (const [i, g] of (s['guests'] as unknown[]).entries()) {
    if (!isRec(g) || !isIndex(g['domain'], texts)) return `${at}.guests[${i}].domain is not a saved text`;
    if (g['baseline'] !== undefined && !isIndex(g['baseline'], texts)) return `${at}.guests[${i}].baseline is not a saved text`;
    const f = optText(g, 'file', `${at}.guests[${i}].`) ?? optText(g, 'name', `${at}.guests[${i}].`) ?? optEncoding(g, `${at}.guests[${i}].`);
    if (f) return f;
  }
  if (!isIndex(s['active'], s['guests'].length)) return `${at}.active is not one of its guests`;
  if (s['host'] !== undefined && !isIndex(s['host'], texts)) return `${at}.host is not a saved text`;
  return first(hostEncoding(s, `${at}.`), text(s, 'label', `${at}.`), typeof s['pristine'] === 'boolean' ? null : `${at}.pristine is not true or false`);
}

function validateHistory(h: unknown): string | null {
  if (h === undefined) return null;
  if (!isRec(h) || !Array.isArray(h['texts']) || !Array.isArray(h['past']) || !Array.isArray(h['future'])) return 'history is not texts, past and future';
  const texts = h['texts'] as unknown[];
  const bad = texts.findIndex((t) => typeof t !== 'string');
  if (bad >= 0) return `history.texts[${bad}] is not text`;
  for (const [which, list] of [
    ['past', h['past']],
    ['future', h['future']],
  ] as const) {
    for (const [i, s] of (list as unknown[]).entries()) {
      const why = validateStep(s, `history.${which}[${i}]`, texts.length);
      if (why) return why;
    }
  }
  return null;
}

function validateV3(o: Rec): string | null {
  const guests = o['guests'];
  if (!Array.isArray(guests) || guests.length === 0) return 'guests is not a list of at least one guest';
  if (guests.length > MAX_GUESTS) return `guests lists ${guests.length} guests, more than ${MAX_GUESTS}`;
  for (const [i, g] of guests.entries()) {
    if (!isRec(g)) return `guests[${i}] is not a guest`;
    const why = first(text(g, 'domain', `guests[${i}].`), optText(g, 'file', `guests[${i}].`), optText(g, 'baseline', `guests[${i}].`), optText(g, 'name', `guests[${i}].`), optEncoding(g, `guests[${i}].`));
    if (why) return why;
  }
  if (!isIndex(o['active'], guests.length)) return 'active is not one of the guests';
  return first(
    optText(o, 'host', ''),
    hostEncoding(o, ''),
    optText(o, 'label', ''),
    typeof o['pristine'] === 'boolean' ? null : 'pristine is not true or false',
    isoTime(o, 'savedAt'),
    o['rev'] === undefined || (Number.isSafeInteger(o['rev']) && (o['rev'] as number) >= 0) ? null : 'rev is not a revision number',
    optText(o, 'tab', ''),
    o['libvirtVersion'] === undefined || (typeof o['libvirtVersion'] === 'string' && isLibvirtRelease(o['libvirtVersion'])) ? null : 'libvirtVersion is not a libvirt release such as 9.0',
    validateHistory(o['history']),
  );
}

// ---- the ladder: version n is validated, then lifted to n + 1 ------------------------------------

interface Rung {
  readonly validate: (o: Rec) => string | null;
  /** to the next version; absent on the current one */
  readonly up?: (o: Rec) => Rec;
}

/** v1 -> v2: the labels version 1 wrote for designs the app made (the only place labels are read). */
function v1ToV2(o: Rec): Rec {
  const s = o as unknown as SnapshotV1;
  const label = s.label ?? '';
  const pristine = label === 'Open the demo' || label === 'Open a share link' || /^New (\S+ )?design$/.test(label);
  return { v: 2, domain: s.domain, host: s.host, file: s.file, label: s.label, pristine, savedAt: s.savedAt } satisfies SnapshotV2;
}

/** v2 -> v3: the one domain becomes a workspace of one guest. */
function v2ToV3(o: Rec): Rec {
  const s = o as unknown as SnapshotV2;
  // a workspace of several guests, as the localStorage build of issue 15 wrote it (workspaceSnapshot.ts)
  const w = o['workspace'] as { guests?: unknown; active?: unknown } | undefined;
  if (isRec(w) && Array.isArray(w['guests']) && w['guests'].length > 1 && w['guests'].every((g) => isRec(g) && typeof g['domain'] === 'string')) {
    const guests = (w['guests'] as Rec[]).map((g) => ({ domain: g['domain'] as string, ...(typeof g['file'] === 'string' ? { file: g['file'] } : {}), ...(typeof g['baseline'] === 'string' ? { baseline: g['baseline'] } : {}), ...(typeof g['name'] === 'string' ? { name: g['name'] } : {}) }));
    const active = Math.max(0, guests.findIndex((g) => g.name === w['active']));
    return { v: 3, guests, active, host: s.host, label: s.label, pristine: s.pristine, savedAt: s.savedAt } satisfies Snapshot;
  }
  const guest: GuestSnapshot = { domain: s.domain, ...(s.file !== undefined ? { file: s.file } : {}), ...(s.baseline !== undefined ? { baseline: s.baseline } : {}) };
  return { v: 3, guests: [guest], active: 0, host: s.host, label: s.label, pristine: s.pristine, savedAt: s.savedAt } satisfies Snapshot;
}

export const LADDER: Readonly<Record<number, Rung>> = {
  1: { validate: validateV1, up: v1ToV2 },
  2: { validate: validateV2, up: v2ToV3 },
  3: { validate: validateV3 },
};

/** Validates and migrates a parsed value of any version to the current one. */
export function migrateSnapshot(value: unknown): SnapshotRead {
  if (!isRec(value)) return { ok: false, reason: 'it is not a saved design' };
  const from = value['v'];
  if (typeof from !== 'number' || !Number.isInteger(from)) return { ok: false, reason: 'it has no version number' };
  if (from > SNAPSHOT_VERSION) return { ok: false, reason: `it was saved by a newer pcitopo (version ${from}; this one reads up to ${SNAPSHOT_VERSION})` };
  if (!LADDER[from]) return { ok: false, reason: `its version ${from} is unknown` };
  let o: Rec = value;
  for (let v = from; v <= SNAPSHOT_VERSION; v++) {
    const rung = LADDER[v];
    if (!rung) return { ok: false, reason: `its version ${v} is unknown` };
    const why = rung.validate(o);
    if (why) return { ok: false, reason: v === from ? `${why} (version ${v})` : `${why} (after moving it from version ${from} to ${v})` };
    if (v < SNAPSHOT_VERSION && rung.up) o = rung.up(o);
  }
  return { ok: true, snapshot: o as unknown as Snapshot, from };
}

/** Reads a stored text of any version; null when there is none. */
export function readSnapshotText(raw: string | null | undefined): SnapshotRead | null {
  if (raw === null || raw === undefined) return null;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (e) {
    return { ok: false, reason: `it is not valid JSON (${(e as Error).message})` };
  }
  return migrateSnapshot(value);
}

/** The snapshot of a readable text, null otherwise (absent or refused: see readSnapshotText for why). */
export function parseSnapshot(raw: string | null | undefined): Snapshot | null {
  const r = readSnapshotText(raw);
  return r?.ok ? r.snapshot : null;
}

// ---- from the store's documents ----------------------------------------------------------------

const exported = new WeakMap<Design, string>();
/** exportDomain, once per design: history states share their designs, and autosave runs on every change */
export function domainText(design: Design): string {
  let t = exported.get(design);
  if (t === undefined) {
    t = exportDomain(design);
    exported.set(design, t);
  }
  return t;
}

/** The state of a document (today's store holds one guest: a workspace of one). */
export function stateOf(doc: DocState): SnapshotState {
  const w = doc.workspace ? savedWorkspaceOf(doc) : undefined;
  // written only when set: a snapshot of the default reads as it did before the setting existed
  const release = doc.libvirtVersion !== undefined ? { libvirtVersion: doc.libvirtVersion } : {};
  const host = doc.hostText !== undefined ? { host: doc.hostText, ...(doc.hostEncoding !== undefined ? { hostEncoding: doc.hostEncoding } : {}) } : {};
  if (w && w.guests.length > 1) {
    const guests = w.guests.map((g) => ({ domain: g.domain, name: g.name, ...(g.file !== undefined ? { file: g.file } : {}), ...(g.baseline !== undefined ? { baseline: g.baseline } : {}), ...(g.encoding !== undefined ? { encoding: g.encoding } : {}) }));
    return { guests, active: Math.max(0, guests.findIndex((g) => g.name === w.active)), ...host, label: doc.label, pristine: doc.pristine ?? false, ...release };
  }
  const domain = domainText(doc.design);
  const encoding = doc.design.source.encoding;
  const guest: GuestSnapshot = { domain, ...(doc.file !== undefined ? { file: doc.file } : {}), ...(doc.baseline !== undefined && doc.baseline !== domain ? { baseline: doc.baseline } : {}), ...(encoding !== undefined ? { encoding } : {}) };
  return { guests: [guest], active: 0, ...host, label: doc.label, pristine: doc.pristine ?? false, ...release };
}

export function snapshotOf(doc: DocState, now: Date = new Date()): Snapshot {
  return { v: 3, ...stateOf(doc), savedAt: now.toISOString() };
}

/**
 * The undo history to keep with the autosave: the steps nearest the present first (one undo, one
 * redo, the next undo, ...) until HISTORY_MAX_STEPS steps or HISTORY_MAX_CHARS characters of
 * distinct texts; a step that would pass the character cap ends that side.
 */
export function historyOf(past: readonly DocState[], future: readonly DocState[], maxSteps = HISTORY_MAX_STEPS, maxChars = HISTORY_MAX_CHARS): SavedHistory {
  const texts: string[] = [];
  const index = new Map<string, number>();
  let chars = 0;
  const refOf = (t: string): number => {
    let i = index.get(t);
    if (i === undefined) {
      i = texts.length;
      texts.push(t);
      index.set(t, i);
      chars += t.length;
    }
    return i;
  };
  const newChars = (s: SnapshotState): number => {
    const fresh = new Set<string>();
    for (const g of s.guests) for (const t of [g.domain, g.baseline]) if (t !== undefined && !index.has(t)) fresh.add(t);
    if (s.host !== undefined && !index.has(s.host)) fresh.add(s.host);
    let n = 0;
    for (const t of fresh) n += t.length;
    return n;
  };
  const stepOf = (s: SnapshotState): HistoryStep => ({
    guests: s.guests.map((g) => ({ domain: refOf(g.domain), ...(g.file !== undefined ? { file: g.file } : {}), ...(g.baseline !== undefined ? { baseline: refOf(g.baseline) } : {}), ...(g.name !== undefined ? { name: g.name } : {}), ...(g.encoding !== undefined ? { encoding: g.encoding } : {}) })),
    active: s.active,
    ...(s.host !== undefined ? { host: refOf(s.host) } : {}),
    ...(s.hostEncoding !== undefined ? { hostEncoding: s.hostEncoding } : {}),
    label: s.label ?? '',
    pristine: s.pristine,
  });
  const before: HistoryStep[] = [];
  const after: HistoryStep[] = [];
  let p = past.length - 1;
  let f = 0;
  let pastOpen = true;
  let futureOpen = true;
  while (before.length + after.length < maxSteps && ((pastOpen && p >= 0) || (futureOpen && f < future.length))) {
    for (const side of ['past', 'future'] as const) {
      if (before.length + after.length >= maxSteps) break;
      const doc = side === 'past' ? (pastOpen ? past[p] : undefined) : futureOpen ? future[f] : undefined;
      if (!doc) continue;
      const s = stateOf(doc);
      if (chars + newChars(s) > maxChars) {
        if (side === 'past') pastOpen = false;
        else futureOpen = false;
        continue;
      }
      if (side === 'past') {
        before.unshift(stepOf(s));
        p--;
      } else {
        after.push(stepOf(s));
        f++;
      }
    }
  }
  return { texts, past: before, future: after };
}

/** The states a saved history holds (texts resolved), past oldest first, future next first. */
export function historyStates(h: SavedHistory): { past: SnapshotState[]; future: SnapshotState[] } {
  const t = (i: number): string => h.texts[i] ?? '';
  const state = (s: HistoryStep): SnapshotState => ({
    guests: s.guests.map((g) => ({ domain: t(g.domain), ...(g.file !== undefined ? { file: g.file } : {}), ...(g.baseline !== undefined ? { baseline: t(g.baseline) } : {}), ...(g.name !== undefined ? { name: g.name } : {}), ...(g.encoding !== undefined ? { encoding: g.encoding } : {}) })),
    active: s.active,
    ...(s.host !== undefined ? { host: t(s.host) } : {}),
    ...(s.hostEncoding !== undefined ? { hostEncoding: s.hostEncoding } : {}),
    label: s.label,
    pristine: s.pristine,
  });
  return { past: h.past.map(state), future: h.future.map(state) };
}

/** The guest shown when a snapshot opens. */
export const activeGuest = (s: SnapshotState): GuestSnapshot => s.guests[s.active] ?? (s.guests[0] as GuestSnapshot);

/** The same design: the same guests, active guest and host (what was kept aside need not be kept twice). */
export const sameDesign = (a: SnapshotState, b: SnapshotState): boolean =>
  a.active === b.active && a.host === b.host && a.hostEncoding === b.hostEncoding && a.guests.length === b.guests.length && a.guests.every((g, i) => g.domain === b.guests[i]?.domain && g.file === b.guests[i]?.file && g.encoding === b.guests[i]?.encoding);

const nameOf = (g: GuestSnapshot): string => /<name>([^<]*)<\/name>/.exec(g.domain)?.[1]?.trim() || g.file || 'unnamed design';
/** What the user calls the design: the active guest's <name> (then its file name), and how many guests. */
export const snapshotName = (s: SnapshotState): string => (s.guests.length > 1 ? `${nameOf(activeGuest(s))} and ${s.guests.length - 1} more guests` : nameOf(activeGuest(s)));
export const previousInfo = (s: Snapshot | null): PreviousDesign | null => (s ? { name: snapshotName(s), savedAt: s.savedAt } : null);
export const when = (iso: string): string => new Date(iso).toLocaleString();

/** The browser's localStorage, or undefined where there is none (disabled, or not a browser). */
export function storage(): Storage | undefined {
  try {
    return globalThis.localStorage ?? undefined;
  } catch {
    return undefined;
  }
}

/** Why a write failed, in words the user can act on. */
export function whyNotSaved(e: unknown): string {
  const name = e instanceof Error || (typeof DOMException === 'function' && e instanceof DOMException) ? (e as Error).name : '';
  if (name === 'QuotaExceededError' || name === 'NS_ERROR_DOM_QUOTA_REACHED') return "the browser's storage for this page is full";
  if (name === 'InvalidStateError' || name === 'UnknownError') return 'the browser closed its storage for this page';
  return 'the browser refused to store it';
}
