import type { FileText } from './importDomain.ts';
import { openWorkspace } from './openWorkspace.ts';
import { register } from './registry.ts';

export interface FolderArg {
  /** the folder's name as picked */
  readonly folder: string;
  /** its `.xml` files (dropFiles.ts folderFiles) */
  readonly files: readonly FileText[];
}

/**
 * Opens a picked folder (issue 15: "Open folder…", what `pcitopo collect` writes: host.xml and one
 * `<name>.xml` per domain) as opening its files at once does. A folder without XML says so and
 * leaves the design as it was.
 */
export const openFolder = register<FolderArg>({
  id: 'open-folder',
  label: 'Open folder…',
  description: 'Open a folder of domain XML files and its host.xml (as pcitopo collect writes it) as one workspace',
  enabled: () => true,
  perform: (ctx, { folder, files }) => {
    if (files.length === 0) {
      return { kind: 'error', message: `${folder || 'The folder'} holds no .xml file: pick a folder as pcitopo collect writes it (host.xml and one <name>.xml per domain). Your design is unchanged.` };
    }
    return openWorkspace.perform(ctx, files);
  },
});
