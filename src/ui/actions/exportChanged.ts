import { changedFiles, guestCount, workspaceOf, type DesignerState } from '../../store/index.ts';
import { changedBytes, download } from '../downloads.ts';
import { register } from './registry.ts';

const enabled = (s: DesignerState): true | string => {
  if (guestCount(s.present) < 2) return 'Open several domains to export the changed ones';
  return changedFiles(workspaceOf(s.present)).length ? true : 'No domain has changed since it was opened';
};

/** The zip's name: the host's domains as changed in pcitopo. */
export const CHANGED_ZIP = 'pcitopo-changed-domains.zip';

/**
 * Downloads the domains of the workspace that changed since they were opened, as a zip of
 * `<file>.xml` (the name each was opened from, else `<name>.xml`); unchanged domains are left out.
 * The zip is made by fflate (small, well-kept, tree-shaken to its zip writer) loaded only on use,
 * so it costs the app's first load nothing (DESIGN.md §7).
 */
export const exportChanged = register({
  id: 'export-changed',
  label: 'Export changed domains (zip)',
  description: (s) => {
    const n = changedFiles(workspaceOf(s.present)).length;
    return `Download the ${n} changed domain${n === 1 ? '' : 's'} as a zip of their XML files`;
  },
  enabled,
  perform: ({ store }) => {
    const files = changedFiles(workspaceOf(store.getState().present));
    if (!files.length) return { kind: 'none' };
    return {
      kind: 'effect',
      run: async () => {
        const { zipSync } = await import('fflate');
        // a fixed time makes the same workspace give the same zip bytes; each file in its own encoding
        const zip = zipSync(Object.fromEntries(files.map((f) => [f.fileName, [changedBytes(f), { mtime: new Date('2000-01-01T00:00:00Z') }]])));
        download(new Blob([zip as Uint8Array<ArrayBuffer>], { type: 'application/zip' }), CHANGED_ZIP);
      },
    };
  },
});
