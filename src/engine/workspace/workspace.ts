import type { Design } from '../model/design.ts';
import type { Host } from '../model/host.ts';
import type { Workspace, WorkspaceGuest } from '../model/workspace.ts';
import type { Result } from '../errors.ts';
import { fail, ok } from '../errors.ts';
import type { XmlEncoding } from '../xml/decode.ts';
import { createDesign, exportDomain } from '../xml/domain.ts';

/**
 * Building and editing a workspace (issue 15): several domains of one host. Like designs,
 * workspaces are immutable: every function returns a new one and shares what did not change, so
 * the store can keep them in its undo history and compare guests by reference.
 */

/** Guests one workspace holds at most (as many as a share link may carry). */
export const MAX_WORKSPACE_GUESTS = 256;

/** A domain to open: its XML text and where it came from (a file name, `share link`). */
export interface DomainInput {
  readonly text: string;
  readonly file?: string | undefined;
  /** the encoding of the file's bytes when its text does not say it (xml/decode.ts encodingBeyondText) */
  readonly encoding?: XmlEncoding | undefined;
}

/** `alpha.xml` -> `alpha`; a path's last part only. */
function stem(file: string | undefined): string | undefined {
  const base = file?.split(/[\\/]/).pop()?.replace(/\.xml$/i, '');
  return base ? base : undefined;
}

/**
 * The guest's name in the workspace: the domain's `<name>`, else the file's name without `.xml`,
 * else `domain N` (N counting from 1 in opening order).
 */
export function guestNameOf(design: Design, file: string | undefined, position: number): string {
  return design.guest.name?.trim() || stem(file) || `domain ${position + 1}`;
}

/**
 * Imports each domain as `createDesign` does, all on `host`. Errors: the first domain that cannot
 * be read (its file, line, column), more than {@link MAX_WORKSPACE_GUESTS} domains ('too-large'),
 * two domains with one name ('duplicate-domain', naming both files: libvirt keeps one domain per
 * name on a host, "domain 'X' already exists", so two definitions of one name cannot both be real).
 */
export function createWorkspace(domains: readonly DomainInput[], host?: Host): Result<Workspace> {
  if (domains.length > MAX_WORKSPACE_GUESTS) return fail({ code: 'too-large', message: `${domains.length} domains; a workspace holds up to ${MAX_WORKSPACE_GUESTS}` });
  let ws: Workspace = { host, guests: [] };
  for (const d of domains) {
    const r = createDesign(d.text, host, d.file, d.encoding);
    if (!r.ok) return r;
    const next = addGuest(ws, r.value, d.file);
    if (!next.ok) return next;
    ws = next.value;
  }
  return ok(ws);
}

/** Adds a design as the last guest, on the workspace's host. Error 'duplicate-domain' when its name is taken. */
export function addGuest(ws: Workspace, design: Design, file?: string): Result<Workspace> {
  if (ws.guests.length >= MAX_WORKSPACE_GUESTS) return fail({ code: 'too-large', file, message: `a workspace holds up to ${MAX_WORKSPACE_GUESTS} domains` });
  const name = guestNameOf(design, file, ws.guests.length);
  const taken = ws.guests.find((g) => g.name === name);
  if (taken) {
    return fail({
      code: 'duplicate-domain',
      file,
      message: `domain '${name}' is already open${taken.file ? ` (from ${taken.file})` : ''}: libvirt keeps one domain of a name on a host; rename one (<name>) or open it alone`,
    });
  }
  const guest: WorkspaceGuest = { name, ...(file !== undefined ? { file } : {}), design: design.host === ws.host ? design : { ...design, host: ws.host } };
  return ok({ ...ws, guests: [...ws.guests, guest] });
}

/** The guest named `name` (a domain name), or undefined. */
export function guestNamed(ws: Workspace, name: string): WorkspaceGuest | undefined {
  return ws.guests.find((g) => g.name === name);
}

/**
 * The workspace with guest `name`'s design replaced (an edit of that guest: a command's result).
 * Other guests stay the same objects. The design is put on the workspace's host. Unknown name:
 * the workspace unchanged.
 */
export function withGuestDesign(ws: Workspace, name: string, design: Design): Workspace {
  const at = ws.guests.findIndex((g) => g.name === name);
  if (at < 0) return ws;
  const guests = [...ws.guests];
  const g = guests[at] as WorkspaceGuest;
  guests[at] = { ...g, design: design.host === ws.host ? design : { ...design, host: ws.host } };
  return { ...ws, guests };
}

/** The workspace without guest `name`. */
export function withoutGuest(ws: Workspace, name: string): Workspace {
  return ws.guests.some((g) => g.name === name) ? { ...ws, guests: ws.guests.filter((g) => g.name !== name) } : ws;
}

/** Every guest on another host (or none). */
export function withHost(ws: Workspace, host: Host | undefined): Workspace {
  return { host, guests: ws.guests.map((g) => ({ ...g, design: { ...g.design, host } })) };
}

/** A domain export gives back: its name, the file it came from, and its XML. */
export interface ChangedDomain {
  readonly name: string;
  readonly file?: string | undefined;
  readonly xml: string;
}

/**
 * The domains whose exported XML differs from the text they were opened from (the export of a
 * workspace: each changed domain, patched as `exportDomain` patches one), in workspace order.
 */
export function changedDomains(ws: Workspace): ChangedDomain[] {
  const out: ChangedDomain[] = [];
  for (const g of ws.guests) {
    const xml = exportDomain(g.design);
    if (xml !== g.design.source.text) out.push({ name: g.name, ...(g.file !== undefined ? { file: g.file } : {}), xml });
  }
  return out;
}
