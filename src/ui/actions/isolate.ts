import { isolatingBlock, newBusTarget } from '../../engine/index.ts';
import type { DesignerState } from '../../store/index.ts';
import { afterMove } from './moveTo.ts';
import { register } from './registry.ts';
import { selectionPayload } from './selection.ts';

/** The bus Isolate adds, in the machine's words: a vPHB only on pseries (an i440fx guest, which has neither, is never told of vPHBs). */
const busWord = (s: DesignerState): string => {
  const block = s.present ? isolatingBlock(s.present.design.guest) : undefined;
  return block === 'root-port' ? 'a new root port' : block === 'vphb' ? 'a new vPHB' : 'a bus of its own';
};

/**
 * Puts the selected group, host function or guest device on a bus of its own: a new vPHB on pseries
 * (its own PE, DMA window and EEH), a new root port on q35/virt. One undo step.
 */
export const isolate = register({
  id: 'isolate',
  label: (s) => `Isolate on ${busWord(s)}`,
  keys: ['I'],
  inContextMenu: (s) => selectionPayload(s) !== null,
  enabled: (s) => {
    const design = s.present?.design;
    const payload = selectionPayload(s);
    if (!design || !payload) return 'Select a host group, a host function or a guest device';
    if (!isolatingBlock(design.guest)) return 'This machine has no bus that isolates a device (no PHBs, no root ports)';
    return newBusTarget(design, payload) ? true : `There is no room for ${busWord(s)}`;
  },
  perform: ({ store }) => {
    const s = store.getState();
    const design = s.present?.design;
    const payload = selectionPayload(s);
    const t = design && payload ? newBusTarget(design, payload) : undefined;
    if (!t || !payload) return { kind: 'none' };
    return { kind: 'command', command: t.command, label: t.label, then: afterMove(payload) };
  },
});
