import { changedFiles, workspaceOf } from '../../store/index.ts';
import { changedBytes, download } from '../downloads.ts';
import { register } from './registry.ts';

/** Downloads one changed domain of the workspace (by its name) as its XML file. */
export const exportChangedFile = register<string>({
  id: 'export-changed-file',
  label: (_s, name) => `Export ${name}`,
  enabled: (s, name) => (changedFiles(workspaceOf(s.present)).some((f) => f.name === name) ? true : `${name} has not changed since it was opened`),
  perform: ({ store }, name) => {
    const f = changedFiles(workspaceOf(store.getState().present)).find((x) => x.name === name);
    return f ? { kind: 'effect', run: () => download(new Blob([changedBytes(f)], { type: 'application/xml' }), f.fileName) } : { kind: 'none' };
  },
});
