import { describe, expect, it } from 'vitest';
import { findingsOf } from './alone.ts';
import { at, ctrl, dev, q35, rootPort } from '../../src/engine/rules/testkit.ts';
import type { Design } from '../../src/engine/model/design.ts';

/**
 * Q35-PCI-2's branches beyond its case table (issue 11; docs/mutation.md): a conventional PCI device
 * on pcie-root is an integrated endpoint QEMU cannot hot-unplug (docs/pcie.txt §2.1, §5: the root
 * buses do not support hot-plug); behind a pcie-to-pci-bridge it could. The primary video and the
 * ICH9 SATA controller at 00:1f.2 are integrated by design (libvirt qemuDomainDeviceIsIntegrated,
 * qemuDomainValidateDevicePCISlotsQ35), so they are not named.
 */

const of = (d: Design) => findingsOf(d, 'Q35-PCI-2').map((f) => [f.message, f.subjects]);
const e1000 = (key: string, address: ReturnType<typeof at>) => dev(key, 'interface', address, { model: 'e1000' });

describe('Q35-PCI-2: conventional PCI on pcie-root', () => {
  it('an e1000 on pcie-root: named in its words, with pcie-root and the device', () => {
    expect(of(q35([], [e1000('nic', at(0, 3))]))).toEqual([
      ['nic at bus 0x00 slot 0x03 function 0x0 is a conventional PCI device on pcie-root: an integrated endpoint that cannot be hot-unplugged.', { controllers: [0], devices: ['nic'] }],
    ]);
  });

  it('the same e1000 behind a pcie-to-pci-bridge is hot-unpluggable: nothing', () => {
    expect(of(q35([rootPort(1, 1), ctrl('pcie-to-pci-bridge', 2, { address: at(1, 0) })], [e1000('nic', at(2, 1))]))).toEqual([]);
  });

  it('a conventional USB controller (piix3-uhci) on pcie-root is named: only SATA among controllers is spared', () => {
    expect(of(q35([], [dev('usb1', 'controller', at(0, 4), { type: 'usb', model: 'piix3-uhci' })])).map(([, s]) => s)).toEqual([{ controllers: [0], devices: ['usb1'] }]);
  });

  it('the ICH9 SATA controller at 00:1f.2 and the primary VGA at 00:01.0 are integrated by design', () => {
    expect(of(q35([], [dev('sata0', 'controller', at(0, 0x1f, 2), { type: 'sata', index: 0 }), dev('video0', 'video', at(0, 1), { model: 'vga' })]))).toEqual([]);
  });

  it('a device on a bus no controller makes is not on pcie-root: nothing, and no failure', () => {
    expect(of(q35([], [e1000('nic', at(5, 1))]))).toEqual([]);
  });
});
