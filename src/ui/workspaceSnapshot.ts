/**
 * What autosave and the kept-aside design must carry for a workspace of several guests (issue 15),
 * as a small hook for persistence.ts: `savedWorkspaceOf(doc)` when saving, `docOfSnapshot(saved)`
 * when restoring. A snapshot keeps its single-domain fields (`domain` is the shown guest's export),
 * so a reader that knows nothing of workspaces still restores that guest.
 */
import type { Result, XmlEncoding } from '../engine/index.ts';
import { createWorkspace, exportDomain, fail } from '../engine/index.ts';
import type { DocGuest, DocState } from '../store/index.ts';
import { docOfWorkspace } from '../store/index.ts';
import { buildDesign, hostFrom } from './documents.ts';

/** One guest as saved: its domain `<name>`, the file it came from, its exported XML and the text it was opened from. */
export interface SavedGuest {
  readonly name: string;
  readonly file?: string | undefined;
  readonly domain: string;
  /** the domain as opened, when it differs from `domain` (what "changed" compares against) */
  readonly baseline?: string | undefined;
  /** its file's encoding when the text does not say it (engine DomainSource.encoding) */
  readonly encoding?: XmlEncoding | undefined;
}

export interface SavedWorkspace {
  /** every guest, in workspace order */
  readonly guests: readonly SavedGuest[];
  /** the guest shown */
  readonly active: string;
}

/** The workspace part of a snapshot: undefined for a document of one guest (nothing more to save). */
export function savedWorkspaceOf(doc: DocState): SavedWorkspace | undefined {
  const w = doc.workspace;
  if (!w) return undefined;
  return {
    active: w.active,
    guests: w.workspace.guests.map((g) => {
      const domain = exportDomain(g.design);
      const baseline = g.baseline ?? g.design.source.text;
      const encoding = g.design.source.encoding;
      return { name: g.name, ...(g.file !== undefined ? { file: g.file } : {}), domain, ...(baseline !== domain ? { baseline } : {}), ...(encoding !== undefined ? { encoding } : {}) };
    }),
  };
}

/** The fields of a snapshot this reads (persistence.ts's Snapshot has them). */
export interface SnapshotLike {
  readonly domain: string;
  readonly host?: string | undefined;
  /** the host file's encoding when its text does not say it (DocState.hostEncoding) */
  readonly hostEncoding?: XmlEncoding | undefined;
  readonly file?: string | undefined;
  readonly pristine?: boolean | undefined;
  readonly baseline?: string | undefined;
  readonly workspace?: SavedWorkspace | undefined;
}

/**
 * The document a snapshot restores: its workspace of guests when it has one (each guest's saved
 * XML on the saved host, its baseline, the guest it showed), else its one domain. Errors name the
 * guest's file, line and column.
 */
export function docOfSnapshot(saved: SnapshotLike, file: string): Result<Omit<DocState, 'label'>> {
  const common = { hostText: saved.host, hostEncoding: saved.hostEncoding, pristine: saved.pristine };
  const w = saved.workspace;
  if (!w || w.guests.length < 2) {
    const d = buildDesign(saved.domain, saved.host, saved.file ?? file);
    return d.ok ? { ok: true, value: { ...common, design: d.value, file: saved.file, baseline: saved.baseline, workspace: undefined } } : d;
  }
  const host = hostFrom(saved.host, `${file} (host)`);
  if (!host.ok) return host;
  const ws = createWorkspace(
    w.guests.map((g) => ({ text: g.domain, file: g.file ?? `${file} (${g.name})`, encoding: g.encoding })),
    host.value,
  );
  if (!ws.ok) return ws;
  // the saved name and baseline go back on each guest, by position (createWorkspace keeps the order)
  const guests = ws.value.guests.map((g, i): DocGuest => {
    const s = w.guests[i];
    return { ...g, name: s?.name ?? g.name, file: s?.file, ...(s?.baseline !== undefined ? { baseline: s.baseline } : {}) };
  });
  const doc = docOfWorkspace({ ...ws.value, guests }, saved.host, w.active);
  if (!doc) return fail({ code: 'not-a-domain', file, message: 'no domain to restore' });
  const shown = guests.find((g) => g.name === doc.workspace?.active);
  return { ok: true, value: { ...doc, ...common, baseline: shown?.baseline } };
}
