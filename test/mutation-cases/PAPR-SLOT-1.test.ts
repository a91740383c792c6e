import { describe, expect, it } from 'vitest';
import { findingsOf } from './alone.ts';
import { at, ctrl, dev, phb, pseries } from '../../src/engine/rules/testkit.ts';
import type { Design } from '../../src/engine/model/design.ts';
import type { Finding } from '../../src/engine/rules/types.ts';

/**
 * PAPR-SLOT-1's branches beyond its case table (issue 11; docs/mutation.md). libvirt gives a
 * pseries PHB (pci-root) slots 1-31 (virDomainPCIAddressBusSetModel: minSlot = 1) and refuses a
 * device or controller written at slot 0 of it (virDomainPCIAddressValidate: "Invalid PCI address
 * ... slot must be >= 1"). Slot 0 of a pci-bridge is refused the same way, but that is another
 * bus model's rule (GEN-ADDR), not this one's.
 */

const of = (d: Design): Finding[] => findingsOf(d, 'PAPR-SLOT-1');
const bridge = (index: number, address = at(0, 1)) => ctrl('pci-bridge', index, { address, target: { chassisNr: index } });

describe('PAPR-SLOT-1', () => {
  it('a disk at slot 0 of PHB 1: named with the PHB, moved to the first free slot of the same PHB', () => {
    expect(of(pseries([phb(1)], [dev('vda', 'disk', at(1, 0)), dev('vdb', 'disk', at(1, 1))]))).toEqual([
      {
        ruleId: 'PAPR-SLOT-1',
        severity: 'error',
        message: 'vda is at bus 0x01 slot 0x00 function 0x0: slot 0 of a PHB is not usable (slot must be >= 1).',
        subjects: { controllers: [1], devices: ['vda'] },
        fixes: [{ label: 'Move vda to slot 0x02 of bus 0x01', command: { kind: 'move-device', device: 'vda', address: { domain: 0, bus: 1, slot: 2, function: 0 } } }],
      },
    ]);
  });

  it('a pci-bridge at slot 0 of PHB 0: the controller is named with its PHB', () => {
    expect(of(pseries([bridge(1, at(0, 0))], []))).toEqual([
      { ruleId: 'PAPR-SLOT-1', severity: 'error', message: 'Controller 1 is at bus 0x00 slot 0x00 function 0x0: slot 0 of a PHB is not usable.', subjects: { controllers: [0, 1] } },
    ]);
  });

  it('slot 0 of a pci-bridge is not a PHB slot; controllers and devices at slot 1 and unaddressed devices are fine', () => {
    expect(of(pseries([bridge(1)], [dev('vda', 'disk', at(1, 0))]))).toEqual([]);
    expect(of(pseries([phb(1), bridge(2, at(1, 1))], [dev('vda', 'disk')]))).toEqual([]);
  });
});
