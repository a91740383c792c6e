import { importHost as readHost } from '../../engine/index.ts';
import { importFailure, wrongButton } from '../importing.ts';
import type { FileText } from './importDomain.ts';
import { register } from './registry.ts';

/** Replaces the host; the guest stays and is judged against the new host. One undoable step. */
export const importHost = register<FileText>({
  id: 'import-host',
  label: 'Import host',
  description: "Import the host's node devices (virsh nodedev-dumpxml)",
  enabled: (s) => (s.present ? true : 'No design is open'),
  perform: ({ store }, { text, file, encoding, refused }) => {
    if (refused) return { kind: 'error', message: importFailure('host', refused) };
    const wrong = wrongButton('host', text, file);
    if (wrong) return { kind: 'error', message: wrong };
    const h = readHost(text, file);
    if (!h.ok) return { kind: 'error', message: importFailure('host', h.error) };
    const present = store.getState().present;
    if (!present) return { kind: 'none' };
    // the host keeps its file's encoding (UTF-16) for share links and autosave, as a domain does
    return { kind: 'design', design: { ...present.design, host: h.value }, hostText: text, hostEncoding: encoding, label: `Import host ${file}` };
  },
});
