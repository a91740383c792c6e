import { encodeShareLink, exportDomain } from '../../engine/index.ts';
import { register } from './registry.ts';

/** Puts the design in a link (nothing is uploaded) and shows it. */
export const shareLink = register({
  id: 'share-link',
  label: 'Share link',
  description: 'Make a link that opens this design (the design travels in the link; nothing is uploaded)',
  enabled: (s) => (s.present ? true : 'No design is open'),
  perform: ({ store }) => {
    const present = store.getState().present;
    if (!present) return { kind: 'none' };
    return {
      kind: 'effect',
      run: async () => {
        try {
          const url = await encodeShareLink({ v: 1, domain: exportDomain(present.design), host: present.hostText }, `${location.origin}${location.pathname}`);
          store.getState().setShareUrl(url);
        } catch (e) {
          throw new Error(`Could not make a share link: ${(e as Error).message}`);
        }
      },
    };
  },
});
