import { workspaceLink } from '../../engine/index.ts';
import { activeGuestName, guestCount, workspaceOf } from '../../store/index.ts';
import { register } from './registry.ts';

/**
 * Puts the design in a link (nothing is uploaded) and shows it. A workspace of several guests
 * travels whole (payload version 2, the guest shown in its view); one guest stays version 1. The
 * libvirt release the design is placed as travels with it when it is not the default, and so do the
 * encodings of the domain and host files that their texts do not say (UTF-16).
 */
export const shareLink = register({
  id: 'share-link',
  label: 'Share link',
  description: 'Make a link that opens this design (the design travels in the link; nothing is uploaded)',
  enabled: (s) => (s.present ? true : 'No design is open'),
  perform: ({ store }) => {
    const present = store.getState().present;
    if (!present) return { kind: 'none' };
    const view = guestCount(present) > 1 ? { guest: activeGuestName(present) } : undefined;
    return {
      kind: 'effect',
      run: async () => {
        try {
          const url = await workspaceLink(workspaceOf(present), present.hostText, `${location.origin}${location.pathname}`, view, present.libvirtVersion, present.hostEncoding);
          store.getState().setShareUrl(url);
        } catch (e) {
          throw new Error(`Could not make a share link: ${(e as Error).message}`);
        }
      },
    };
  },
});
