import { describe, expect, it } from 'vitest';
import { applyCommand } from '../../src/engine/commands/commands.ts';
import { findingsOf } from './alone.ts';
import { at, ctrl, design, dev } from '../../src/engine/rules/testkit.ts';
import type { Design } from '../../src/engine/model/design.ts';
import type { GuestDevice } from '../../src/engine/model/guest.ts';

/**
 * PC-PIIX3-1 beyond its case table (issue 11; docs/mutation.md): libvirt
 * src/qemu/qemu_domain_address.c qemuDomainValidateDevicePCISlotsPIIX3 wants IDE controller 0 at
 * exactly 0:0:1.1 and the PIIX3 USB controller 0 at 0:0:1.2: domain, bus, slot and function all.
 */

const pc = (devices: GuestDevice[]): Design => design({ machine: 'pc', controllers: [ctrl('pci-root', 0)], devices });
const ide0 = (address: ReturnType<typeof at>) => dev('ide0', 'controller', address, { type: 'ide', index: 0 });
const found = (d: Design) => findingsOf(d, 'PC-PIIX3-1').map((f) => [f.message, f.subjects, f.fixes?.map((x) => [x.label, x.command])]);

describe('PC-PIIX3-1: the PIIX3 functions', () => {
  it('IDE controller 0 at 00:02.1: the words, and the two fixes (move it home, or leave it to libvirt), each clearing it', () => {
    const d = pc([ide0(at(0, 2, 1))]);
    expect(found(d)).toEqual([
      [
        'The primary IDE controller (ide0, controller index 0) is at bus 0x00 slot 0x02 function 0x1; libvirt refuses it anywhere but 0:0:01.1 ("Primary IDE controller must have PCI address 0:0:1.1").',
        { devices: ['ide0'] },
        [
          ['Move it to 00:01.1', { kind: 'move-device', device: 'ide0', address: at(0, 1, 1) }],
          ['Clear its address (libvirt puts it at 00:01.1)', { kind: 'move-device', device: 'ide0', address: null }],
        ],
      ],
    ]);
    for (const f of findingsOf(d, 'PC-PIIX3-1')) for (const x of f.fixes ?? []) expect(findingsOf(applyCommand(d, x.command), 'PC-PIIX3-1')).toEqual([]);
  });

  it('USB controller 0 off 00:01.2: its own words and fixes', () => {
    expect(found(pc([dev('usb0', 'controller', at(0, 1, 3), { type: 'usb', index: 0 })])).map(([m, , f]) => [m, (f as unknown[][]).map((x) => x[0])])).toEqual([
      [
        'The PIIX3 USB controller (usb0, controller index 0) is at bus 0x00 slot 0x01 function 0x3; libvirt refuses it anywhere but 0:0:01.2 ("PIIX3 USB controller at index 0 must have PCI address 0:0:1.2").',
        ['Move it to 00:01.2', 'Clear its address (libvirt puts it at 00:01.2)'],
      ],
    ]);
  });

  it('IDE controller 0 at 0001:00:01.1 is in another PCI domain: refused', () => {
    expect(found(pc([ide0(at(0, 1, 1, undefined, 1))])).map(([, s]) => s)).toEqual([{ devices: ['ide0'] }]);
  });
});
