import { createWorkspace, importHost as readHost } from '../../engine/index.ts';
import { docOfWorkspace } from '../../store/index.ts';
import { importFailure, unreadableFile, xmlKind } from '../importing.ts';
import type { FileText } from './importDomain.ts';
import { importAny } from './importAny.ts';
import { register } from './registry.ts';

/**
 * Opens several files at once (issue 15: the multi-file picker, several files or a folder dropped,
 * what `pcitopo collect` writes): node-device files are the host, every other file a domain, and
 * the domains become one workspace, each a guest named by its `<name>`, in name order (docOfWorkspace). One
 * file goes through the single importer as before. Without a host file the present host stays.
 * One undo step; the work it replaces is kept aside. A file that cannot be read leaves the design
 * as it was, with a message naming the file, line and column.
 */
export const openWorkspace = register<readonly FileText[]>({
  id: 'open-workspace',
  label: 'Open domains',
  description: 'Open several domain XML files and a host at once (or drop them, or a folder, on the window)',
  enabled: () => true,
  perform: (ctx, files) => {
    const first = files[0];
    if (!first) return { kind: 'none' };
    if (files.length === 1) return importAny.perform(ctx, first);
    const unread = files.find((f) => f.refused)?.refused;
    if (unread) return { kind: 'error', message: unreadableFile(unread) };
    const sorted = [...files].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
    const hosts = sorted.filter((f) => xmlKind(f.text) === 'node-devices');
    const domains = sorted.filter((f) => xmlKind(f.text) !== 'node-devices');
    if (hosts.length > 1) return { kind: 'error', message: `${hosts.map((h) => h.file).join(' and ')} both hold node devices: a workspace has one host. Open one of them. Your design is unchanged.` };
    const hostFile = hosts[0];
    if (domains.length === 0) return hostFile ? importAny.perform(ctx, hostFile) : { kind: 'none' };
    const present = ctx.store.getState().present;
    let host = present?.design.host;
    let hostText = present?.hostText;
    let hostEncoding = present?.hostEncoding;
    if (hostFile) {
      const h = readHost(hostFile.text, hostFile.file);
      if (!h.ok) return { kind: 'error', message: importFailure('host', h.error) };
      host = h.value;
      hostText = hostFile.text;
      hostEncoding = hostFile.encoding;
    }
    const ws = createWorkspace(
      domains.map((d) => ({ text: d.text, file: d.file, encoding: d.encoding })),
      host,
    );
    if (!ws.ok) return { kind: 'error', message: importFailure('domain', ws.error) };
    const opened = docOfWorkspace(ws.value, hostText);
    if (!opened) return { kind: 'none' };
    const doc = { ...opened, hostEncoding };
    const n = ws.value.guests.length;
    return { kind: 'document', doc, label: n === 1 ? `Import ${domains[0]?.file ?? 'a domain'}` : `Open ${n} domains`, then: { select: null, summary: 'import' } };
  },
});
