import { DEFAULT_LIBVIRT_RELEASE, isLibvirtRelease } from '../../engine/index.ts';
import { register } from './registry.ts';

/**
 * Sets the libvirt release the design is placed as (issue 12): a setting of the document, saved and
 * shared with it, one for every guest of a workspace, and no undo step. The default release is kept as
 * no setting, so a design that never chose one saves and shares as it did before.
 */
export const setLibvirtVersion = register<string>({
  id: 'set-libvirt-version',
  label: (_s, version) => `Place as libvirt ${version}`,
  enabled: (s, version) => (!s.present ? 'No design is open' : isLibvirtRelease(version) ? true : `${version} is not a libvirt release such as 9.0`),
  perform: (_ctx, version) => ({ kind: 'session', change: (store) => store.getState().setLibvirtVersion(version === DEFAULT_LIBVIRT_RELEASE ? undefined : version) }),
});
