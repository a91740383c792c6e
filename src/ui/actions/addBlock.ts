import type { BlockOptions, BuildingBlock, Design } from '../../engine/index.ts';
import { planBlock } from '../../engine/index.ts';
import type { DesignerState } from '../../store/index.ts';
import { nodeIdOf } from '../layout.ts';
import { register } from './registry.ts';
import type { Outcome } from './types.ts';

/** Beyond this many nodes a fitted tree is too small to read: the view goes to the new nodes instead. */
export const FIT_ALL_MAX_NODES = 12;

export interface BlockArg {
  readonly block: BuildingBlock;
  readonly downstreamPorts?: number | undefined;
}

export const BLOCK_LABELS: Readonly<Record<BuildingBlock, string>> = {
  vphb: 'vPHB (its own PE)',
  'pci-bridge': 'PCI bridge',
  'root-port': 'Root port',
  'pcie-to-pci-bridge': 'PCIe-to-PCI bridge (for conventional PCI devices)',
  switch: 'Switch',
};

const optionsOf = (s: DesignerState, arg: BlockArg): BlockOptions => ({ selected: s.selection?.kind === 'controller' ? s.selection.key : undefined, downstreamPorts: arg.downstreamPorts });

/** Whether the block fits now, or why not (the control's tooltip says it). */
export function blockEnabled(s: DesignerState, arg: BlockArg): true | string {
  const design = s.present?.design;
  if (!design) return 'No design is open';
  const r = planBlock(design, arg.block, optionsOf(s, arg));
  return r.ok ? true : r.reason;
}

/**
 * Adds a building block with one engine command (one undo step), selects it and shows it in context:
 * the whole tree while that stays readable, else the new nodes.
 */
export function blockOutcome(s: DesignerState, arg: BlockArg): Outcome {
  const design: Design | undefined = s.present?.design;
  if (!design) return { kind: 'none' };
  const r = planBlock(design, arg.block, optionsOf(s, arg));
  if (!r.ok) return { kind: 'error', message: r.reason };
  const { plan } = r;
  // the keys the new controllers will get are the engine's; find them by index once added
  const total = design.guest.controllers.length + plan.added.length;
  return {
    kind: 'command',
    command: plan.command,
    label: plan.label,
    then: {
      notice: plan.notice,
      focusNodes: total <= FIT_ALL_MAX_NODES ? design.guest.controllers.map(nodeIdOf) : [],
      revealAdded: plan.added,
    },
  };
}

export const addBlock = register<BlockArg>({
  id: 'add-block',
  label: (_s, arg) => BLOCK_LABELS[arg.block],
  enabled: blockEnabled,
  perform: ({ store }, arg) => blockOutcome(store.getState(), arg),
});
