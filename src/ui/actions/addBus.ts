import { defaultBlock, machineFamily } from '../../engine/index.ts';
import type { DesignerState } from '../../store/index.ts';
import { blockEnabled, blockOutcome } from './addBlock.ts';
import { register } from './registry.ts';

const block = (s: DesignerState) => (s.present ? defaultBlock(s.present.design.guest) : 'vphb');

/** The toolbar's main "+" button: a vPHB on pseries, a root port under pcie-root, else a pci-bridge. */
export const addBus = register({
  id: 'add-bus',
  label: (s) => {
    const b = block(s);
    return b === 'vphb' ? 'Add a vPHB' : b === 'root-port' ? 'Add a root port' : 'Add a pci-bridge';
  },
  description: (s) => (!s.present || machineFamily(s.present.design.guest) === 'pseries' ? 'Add a vPHB: its own PE, DMA window and EEH domain' : 'Add a bus for one more device'),
  enabled: (s) => blockEnabled(s, { block: block(s) }),
  perform: ({ store }) => blockOutcome(store.getState(), { block: block(store.getState()) }),
});
