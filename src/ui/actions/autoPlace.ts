import type { PlacementPolicy } from '../../engine/index.ts';
import { placeWithReport } from '../../engine/index.ts';
import { nodeIdOf } from '../layout.ts';
import { register } from './registry.ts';

export interface PlaceArg {
  readonly policy: PlacementPolicy;
  /** spare empty vPHBs or root ports; pe-per-phb only */
  readonly spare: number;
}

/** Whether the spare count means anything under this policy, or why not. */
export const spareEnabled = (policy: PlacementPolicy): true | string =>
  policy === 'pe-per-phb' ? true : "Like libvirt places devices as libvirt's own assignment does, which keeps no spares: choose the other policy to keep spares for hotplug";

/** Places every device without an address, as one undo step, and says what it did. */
export const autoPlace = register<PlaceArg>({
  id: 'auto-place',
  label: 'Auto-place',
  description: 'Place every device that has no address yet',
  enabled: (s) => (s.present ? true : 'No design is open'),
  perform: ({ store }, { policy, spare }) => {
    const present = store.getState().present;
    if (!present) return { kind: 'none' };
    try {
      const { design, notes } = placeWithReport(present.design, { policy, spare: policy === 'pe-per-phb' ? spare : 0 });
      return {
        kind: 'design',
        design,
        label: `Auto-place (${policy}${policy === 'pe-per-phb' ? `, ${spare} spare` : ''})`,
        // auto-place may add many buses: show the whole result, not the view of the design before
        then: { summary: 'change', notes, focusNodes: design.guest.controllers.map(nodeIdOf) },
      };
    } catch (e) {
      return { kind: 'error', message: `Auto-placement failed: ${(e as Error).message}` };
    }
  },
});
