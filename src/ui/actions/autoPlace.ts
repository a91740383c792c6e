import type { PlacementPolicy, PlaceReport } from '../../engine/index.ts';
import { machineFamily, placeWithReport } from '../../engine/index.ts';
import { appChecker } from '../../store/index.ts';
import { applyOutcome } from './run.ts';
import type { Outcome } from './types.ts';
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

/**
 * A placement policy in the toolbar's words ("PE per vPHB" on pseries, "one port each" elsewhere,
 * "like libvirt"), for the undo label: the user never sees the policy's internal id.
 */
export const policyWords = (policy: PlacementPolicy, pseries: boolean): string => (policy === 'libvirt' ? 'like libvirt' : pseries ? 'PE per vPHB' : 'one port each');

/**
 * Places every device without an address, as one undo step, and says what it did. The libvirt policy
 * places as the libvirt release the design targets (DocState.libvirtVersion; issue 12), here or in
 * the worker alike.
 */
export const autoPlace = register<PlaceArg>({
  id: 'auto-place',
  label: 'Auto-place',
  description: 'Place every device that has no address yet',
  enabled: (s) => (s.present ? true : 'No design is open'),
  perform: (ctx, { policy, spare }) => {
    const present = ctx.store.getState().present;
    if (!present) return { kind: 'none' };
    const release = policy === 'libvirt' ? present.libvirtVersion : undefined;
    const options = { policy, spare: policy === 'pe-per-phb' ? spare : 0, libvirtVersion: release };
    const label = `Auto-place (${policyWords(policy, machineFamily(present.design.guest) === 'pseries')}${policy === 'pe-per-phb' ? `, ${spare} spare` : ''}${release !== undefined ? ` ${release}` : ''})`;
    // auto-place may add many buses: show the whole result, not the view of the design before
    const outcome = ({ design, notes }: PlaceReport): Outcome => ({ kind: 'design', design, label, then: { summary: 'change', notes, focusNodes: design.guest.controllers.map(nodeIdOf) } });
    const checker = appChecker();
    if (!checker) {
      try {
        return outcome(placeWithReport(present.design, options));
      } catch (e) {
        return { kind: 'error', message: `Auto-placement failed: ${(e as Error).message}` };
      }
    }
    // in the worker, with its time budget (issue 11): no design can freeze the page while it is placed
    return {
      kind: 'effect',
      run: async () => {
        const from = present.design;
        const o = await checker.place(from, options);
        if (!o.ok) throw new Error(o.reason === 'over-budget' ? `Auto-placement was stopped: it took longer than ${checker.budgetMs / 1000} s on this design; the design is unchanged` : `Auto-placement failed: ${o.message}`);
        // the user edited meanwhile: a placement of the design before that would undo the edit
        if (ctx.store.getState().present?.design !== from) throw new Error('Auto-placement was dropped: the design changed while it ran; run it again');
        // placement changes the guest only; the rest keeps its identity (the document, its host)
        await applyOutcome(outcome({ design: { ...from, guest: o.value.design.guest }, notes: o.value.notes }), ctx);
      },
    };
  },
});
