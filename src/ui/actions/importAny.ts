import { unreadableFile, xmlKind } from '../importing.ts';
import { importDomain, type FileText } from './importDomain.ts';
import { importHost } from './importHost.ts';
import { register } from './registry.ts';

/** A dropped or pasted text: a domain or node devices, told apart by its root element. */
export const importAny = register<FileText>({
  id: 'import-any',
  label: 'Import',
  enabled: () => true,
  // anything else goes to the domain importer, which says what is wrong with line and column
  perform: (ctx, arg) => {
    // a file that could not be decoded has no text to tell domain from host by
    if (arg.refused) return { kind: 'error', message: unreadableFile(arg.refused) };
    return xmlKind(arg.text) === 'node-devices' ? importHost.perform(ctx, arg) : importDomain.perform(ctx, arg);
  },
});
