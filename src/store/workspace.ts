/**
 * The designer's workspace (issue 15): several guests (libvirt domains) of one host in one document.
 * The document keeps the active guest's design in `DocState.design`, so every single-domain view,
 * action and rule works on it unchanged, and the whole workspace in `DocState.workspace`, kept in
 * step by the store's commit (see {@link syncWorkspace}). One undo step is one whole workspace.
 * A document without `workspace` is a workspace of one guest.
 */
import type { Command, Design, HostUsage, Workspace, WorkspaceFinding, WorkspaceGuest, XmlEncoding } from '../engine/index.ts';
import { applyCommand, exportDomain, guestNameOf, hostUsage, passedThrough } from '../engine/index.ts';
import { ruleCatalog } from './findings.ts';
import type { DocState } from './store.ts';

/** A guest as the document keeps it: the engine's guest and the text its "changed" compares against. */
export interface DocGuest extends WorkspaceGuest {
  /** the domain as opened (before any XML edit); absent: `design.source.text` */
  readonly baseline?: string | undefined;
}

/** A workspace whose guests carry their baselines. */
export interface DocWorkspace extends Workspace {
  readonly guests: readonly DocGuest[];
}

export interface WorkspaceDoc {
  /** every guest, in the order of their domain names (see docOfWorkspace); the active one's design is `DocState.design` */
  readonly workspace: DocWorkspace;
  /** the active guest's name (its domain `<name>`) */
  readonly active: string;
}

/**
 * The workspace with the active guest's entry made the document's design, file and baseline, and
 * every guest put on the design's host (an imported host replaces it for all guests). Returns the
 * same object when nothing differs, so the guests that did not change keep their identity (the
 * evaluation cache is by design).
 */
export function syncWorkspace(w: WorkspaceDoc, design: Design, file: string | undefined, baseline: string | undefined): WorkspaceDoc {
  const ws = w.workspace;
  const host = design.host;
  const active = ws.guests.find((g) => g.name === w.active);
  if (ws.host === host && active && active.design === design && active.file === file && active.baseline === baseline) return w;
  const guests = ws.guests.map((g): DocGuest => {
    if (g.name === w.active) return { ...g, design, file, baseline };
    return g.design.host === host ? g : { ...g, design: { ...g.design, host } };
  });
  return { ...w, workspace: { host, guests } };
}

const NO_GUESTS: DocWorkspace = { guests: [] };
const single = new WeakMap<Design, DocWorkspace>();

/** The document's workspace: its guests, or its one design as a workspace of one (same object per design). */
export function workspaceOf(doc: DocState | null | undefined): DocWorkspace {
  if (!doc) return NO_GUESTS;
  if (doc.workspace) return doc.workspace.workspace;
  let ws = single.get(doc.design);
  if (!ws) {
    ws = { host: doc.design.host, guests: [{ name: guestNameOf(doc.design, doc.file, 0), file: doc.file, design: doc.design }] };
    single.set(doc.design, ws);
  }
  return ws;
}

/** The active guest's name. */
export function activeGuestName(doc: DocState | null | undefined): string | undefined {
  return doc ? (doc.workspace?.active ?? workspaceOf(doc).guests[0]?.name) : undefined;
}

/** The number of guests in the document (1 without a workspace, 0 without a document). */
export function guestCount(doc: DocState | null | undefined): number {
  return doc ? (doc.workspace?.workspace.guests.length ?? 1) : 0;
}

/** Guests in the order of their domain `<name>` (UTF-16 code units: the same order in every browser and locale). */
export function byName<G extends { readonly name: string }>(guests: readonly G[]): G[] {
  return [...guests].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * A document holding `ws`, the guest `active` (else the first) shown. The guests are put in the
 * order of their domain names, whatever order their files came in (picked, dropped, in a link), so
 * the tabs read the same in every session. The guests' designs must be on `ws.host`. Undefined for
 * a workspace without guests.
 */
export function docOfWorkspace(ws: Workspace, hostText: string | undefined, active?: string): Omit<DocState, 'label'> | undefined {
  const guests = byName(ws.guests);
  const shown = guests.find((g) => g.name === active) ?? guests[0];
  if (!shown) return undefined;
  const base = { design: shown.design, hostText, file: shown.file };
  if (guests.length === 1) return { ...base, workspace: undefined };
  return { ...base, workspace: { workspace: { ...ws, guests }, active: shown.name } };
}

/** The document with guest `name` shown instead (the guests stay as they are). Undefined for an unknown name. */
export function withActiveGuest(doc: DocState, name: string): DocState | undefined {
  const w = doc.workspace;
  const g = w?.workspace.guests.find((x) => x.name === name);
  if (!w || !g) return undefined;
  // coalesce: undefined: an XML edit of the guest shown next is its own undo step, never merged into the last one's
  return { ...doc, design: g.design, file: g.file, baseline: g.baseline, coalesce: undefined, workspace: { ...w, active: name } };
}

const usageCache = new WeakMap<Workspace, HostUsage>();
/** Who uses each host group and device (engine hostUsage), once per workspace. */
export function usageOf(ws: Workspace): HostUsage {
  let u = usageCache.get(ws);
  if (!u) {
    u = hostUsage(ws);
    usageCache.set(ws, u);
  }
  return u;
}

const NO_FINDINGS: readonly WorkspaceFinding[] = [];
const acrossCache = new WeakMap<Workspace, readonly WorkspaceFinding[]>();
/**
 * The findings across guests (HD-SHARE-1/2, HD-NUMA-1), once per workspace; none for a workspace of
 * one, and none yet while the rule catalog is loading (every guest's own evaluation then says it is
 * being checked: see findings.ts).
 */
export function acrossFindingsOf(ws: Workspace): readonly WorkspaceFinding[] {
  if (ws.guests.length < 2) return NO_FINDINGS;
  let f = acrossCache.get(ws);
  if (!f) {
    const c = ruleCatalog();
    if (!c) return NO_FINDINGS;
    f = c.validateAcrossGuests(ws);
    acrossCache.set(ws, f);
  }
  return f;
}

/**
 * Colours of guests, chosen to keep 3:1 contrast against the panel's white for chips and dots.
 * Each guest's colour comes from its domain name (see {@link guestColour}).
 */
export const GUEST_COLOURS = ['#1f6fd1', '#c2410c', '#15803d', '#9333ea', '#b91c1c', '#0f766e', '#a16207', '#be185d'] as const;

/** FNV-1a over the name's UTF-16 code units: a small, stable number per name. */
function nameHash(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

const colourCache = new WeakMap<Workspace, ReadonlyMap<string, string>>();

/**
 * Each guest's colour, from its domain name, so a guest keeps its colour between sessions however
 * its files were picked: the name picks a colour; when two names of the workspace pick the same one,
 * the guest later by name takes the next colour no other guest holds (while there are free ones).
 * The same guests always get the same colours.
 */
function coloursOf(ws: Workspace): ReadonlyMap<string, string> {
  let m = colourCache.get(ws);
  if (m) return m;
  const out = new Map<string, string>();
  const held = new Set<number>();
  for (const g of byName(ws.guests)) {
    let i = nameHash(g.name) % GUEST_COLOURS.length;
    if (held.size < GUEST_COLOURS.length) while (held.has(i)) i = (i + 1) % GUEST_COLOURS.length;
    held.add(i);
    out.set(g.name, GUEST_COLOURS[i] as string);
  }
  m = out;
  colourCache.set(ws, m);
  return m;
}

/** The colour of guest `name` in the workspace (chips, dots, tabs); a name not in it gets its name's own colour. */
export function guestColour(ws: Workspace, name: string): string {
  return coloursOf(ws).get(name) ?? (GUEST_COLOURS[nameHash(name) % GUEST_COLOURS.length] as string);
}

/** What another guest holds that a change of the active guest takes too. */
export interface Taken {
  readonly guest: string;
  /** host addresses that guest holds in the IOMMU groups the change takes from (sorted) */
  readonly addresses: readonly string[];
  /** those groups (empty without a host that knows them) */
  readonly groups: readonly number[];
}

/**
 * Host functions the change `before` -> `after` of the active guest newly passes through, and which
 * other guests hold functions of the same IOMMU groups (or, without group information, the same
 * functions): VFIO gives a group to one guest at a time, so they would share it (HD-SHARE-1/2).
 * Empty when the change takes nothing another guest holds.
 */
export function takenFromOthers(ws: Workspace, active: string, before: Design, after: Design): Taken[] {
  if (ws.guests.length < 2) return [];
  const had = new Set(before.guest.devices.map(passedThrough).filter((a): a is string => a !== undefined));
  const added = after.guest.devices.map(passedThrough).filter((a): a is string => a !== undefined && !had.has(a));
  if (added.length === 0) return [];
  const host = after.host;
  const groups = new Set<number>();
  const loose = new Set<string>();
  for (const a of added) {
    const n = host?.devices.get(a)?.iommuGroup;
    if (n === undefined) loose.add(a);
    else groups.add(n);
  }
  const out: Taken[] = [];
  for (const g of ws.guests) {
    if (g.name === active) continue;
    const addresses = new Set<string>();
    const hit = new Set<number>();
    for (const d of g.design.guest.devices) {
      const a = passedThrough(d);
      if (a === undefined) continue;
      const n = host?.devices.get(a)?.iommuGroup;
      if (n !== undefined && groups.has(n)) {
        addresses.add(a);
        hit.add(n);
      } else if (loose.has(a)) addresses.add(a);
    }
    if (addresses.size) out.push({ guest: g.name, addresses: [...addresses].sort(), groups: [...hit].sort((x, y) => x - y) });
  }
  return out;
}

/**
 * The workspace with what `taken` lists given up by those guests: each of their devices passing
 * through one of those host functions is removed (engine `remove-device`, its address freed), so
 * the group moves to the active guest. Guests not named stay the same objects.
 */
export function releaseTaken(w: WorkspaceDoc, taken: readonly Taken[]): WorkspaceDoc {
  const byGuest = new Map(taken.map((t) => [t.guest, new Set(t.addresses)]));
  const guests = w.workspace.guests.map((g): DocGuest => {
    const gone = byGuest.get(g.name);
    if (!gone) return g;
    const commands: Command[] = g.design.guest.devices.filter((d) => {
      const a = passedThrough(d);
      return a !== undefined && gone.has(a);
    }).map((d) => ({ kind: 'remove-device', device: d.key }));
    return commands.length ? { ...g, design: applyCommand(g.design, { kind: 'batch', label: 'Give the group up', commands }) } : g;
  });
  return { ...w, workspace: { ...w.workspace, guests } };
}

/** A domain the export gives back: the zip entry's (or download's) file name and its XML. */
export interface ChangedFile {
  readonly name: string;
  readonly fileName: string;
  readonly xml: string;
  /** the file's encoding its text does not say (DomainSource.encoding): the download writes its bytes in it */
  readonly encoding?: XmlEncoding | undefined;
}

/** What Windows refuses in a file name besides control characters (macOS and Linux refuse '/'). */
const REFUSED_IN_FILE_NAMES = '/\\:*?"<>|';

/**
 * `name` made safe as a file name on every desktop system: the characters Windows, macOS or Linux
 * refuse in a name (control characters, `/ \ : * ? " < > |`) become `_`; every other character
 * stays (`.xml` follows, so no name ends in a dot or space), so `p9-démo` downloads as `p9-démo.xml`,
 * as the CLI writes it (cli/workspaceio domainFile). libvirt names may hold any of them but '/'
 * (virDomainDefParseXML). '' for a name with nothing left.
 */
export function fileStem(name: string): string {
  let out = '';
  let refused = false;
  for (const ch of name) {
    const c = ch.charCodeAt(0);
    const bad = c < 0x20 || c === 0x7f || REFUSED_IN_FILE_NAMES.includes(ch);
    // a run of refused characters is one `_`
    if (!bad) out += ch;
    else if (!refused) out += '_';
    refused = bad;
  }
  return out;
}


/** `alpha.xml` for a real file name, else `<name>.xml`; safe as a file name (fileStem). */
function fileNameOf(g: DocGuest): string {
  const base = g.file?.split(/[\\/]/).pop();
  const stem = base && /\.xml$/i.test(base) ? base.replace(/\.xml$/i, '') : g.name;
  return `${fileStem(stem) || 'domain'}.xml`;
}

/**
 * The guests whose export differs from the text they were opened from (their baseline: the domain
 * as opened, before XML edits too), in workspace order, with distinct file names.
 */
const changedCache = new WeakMap<DocWorkspace, readonly ChangedFile[]>();

export function changedFiles(ws: DocWorkspace): readonly ChangedFile[] {
  let out = changedCache.get(ws);
  if (!out) {
    out = listChanged(ws);
    changedCache.set(ws, out);
  }
  return out;
}

function listChanged(ws: DocWorkspace): ChangedFile[] {
  const out: ChangedFile[] = [];
  const used = new Set<string>();
  for (const g of ws.guests) {
    const xml = exportDomain(g.design);
    if (xml === (g.baseline ?? g.design.source.text)) continue;
    let fileName = fileNameOf(g);
    for (let i = 2; used.has(fileName.toLowerCase()); i++) fileName = fileNameOf(g).replace(/\.xml$/, `-${i}.xml`);
    used.add(fileName.toLowerCase());
    out.push({ name: g.name, fileName, xml, ...(g.design.source.encoding ? { encoding: g.design.source.encoding } : {}) });
  }
  return out;
}
