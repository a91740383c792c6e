/**
 * Opening a share link of either version (DESIGN.md §5): version 1 holds one domain, version 2 a
 * workspace of several guests on one host (issue 15), shown on the guest its view names, placed as
 * the libvirt release the link names (issue 12; none: the default).
 */
import { decodeAnyShareLink, formatInputError, workspaceOfPayload } from '../engine/index.ts';
import type { DocState } from '../store/index.ts';
import { docOfWorkspace } from '../store/index.ts';

export type LinkedDoc = { readonly ok: true; readonly doc: Omit<DocState, 'label'> } | { readonly ok: false; readonly message: string; readonly broken: boolean };

/** The guest a version 2 link's view shows (`{ guest: name }`), if it names one. */
function viewGuest(view: unknown): string | undefined {
  const g = view && typeof view === 'object' ? (view as { guest?: unknown }).guest : undefined;
  return typeof g === 'string' ? g : undefined;
}

/**
 * The document a link opens to. Not ok: `broken` for a link that cannot be decoded (size, version,
 * shape, tampering), else a document in it cannot be read (the message names which, with line and
 * column).
 */
export async function openLinkedWorkspace(hash: string): Promise<LinkedDoc> {
  const r = await decodeAnyShareLink(hash);
  if (!r.ok) return { ok: false, message: r.error.message, broken: true };
  const w = workspaceOfPayload(r.value);
  if (!w.ok) return { ok: false, message: formatInputError(w.error), broken: false };
  const doc = docOfWorkspace(w.value.workspace, w.value.hostText, viewGuest(w.value.view));
  if (!doc) return { ok: false, message: 'the link holds no domain', broken: true };
  // the link's libvirt release, or the default for a link without one (issue 12); the host file's
  // encoding its text does not say (UTF-16), or none
  const placed = { ...doc, libvirtVersion: w.value.libvirtVersion, hostEncoding: w.value.hostEncoding };
  // one domain opens as it always did, as shared.xml
  return { ok: true, doc: doc.workspace ? placed : { ...placed, file: 'shared.xml' } };
}
