import { describe, expect, it } from 'vitest';
import { findingsOf } from './alone.ts';
import { at, ctrl, dev, q35, rootPort, virt } from '../../src/engine/rules/testkit.ts';
import type { Design } from '../../src/engine/model/design.ts';
import type { GuestDevice, PciController } from '../../src/engine/model/guest.ts';

/**
 * Q35-IO-1's counts (issue 11; docs/mutation.md). QEMU docs/pcie.txt §5.1: firmware reserves a 4 KiB
 * IO window per bridge with IO BARs behind it, out of 64 KiB, "a hard IO limit of around 10 PCI
 * Bridges", and "don't use more than 9 PCI-PCI Bridges"; the root bus needs no window of its own.
 */

/** n root ports from index 1, 8 functions a slot from 00:01.0. */
const ports = (n: number): PciController[] => Array.from({ length: n }, (_, i) => rootPort(i + 1, 1 + Math.floor(i / 8), i % 8));
/** a transitional virtio disk (IO BAR) in each of root ports 1..n */
const legacy = (n: number): GuestDevice[] => Array.from({ length: n }, (_, i) => dev(`vd${i}`, 'disk', at(i + 1, 0), { model: 'virtio-transitional' }));
const of = (d: Design) => findingsOf(d, 'Q35-IO-1').map((f) => [f.message, f.subjects]);
const words = (io: number, bridges: number) =>
  `${io} ports/bridges have devices with IO BARs behind them and there are ${bridges} pci-bridges: the 64 KiB IO space fits about 10 (QEMU advises at most 9 pci-bridges).`;
/** n pci-bridges (no IO device behind them) on a pcie-to-pci-bridge behind root port 1 */
const pciBridges = (n: number): PciController[] => [
  rootPort(1, 1),
  ctrl('pcie-to-pci-bridge', 2, { address: at(1, 0) }),
  ...Array.from({ length: n }, (_, i) => ctrl('pci-bridge', i + 3, { address: at(2, i + 1), target: { chassisNr: i + 3 } })),
];

describe('Q35-IO-1: IO windows', () => {
  it('10 ports with IO BARs behind them fit; the 11th is named with every port', () => {
    expect(of(q35(ports(10), legacy(10)))).toEqual([]);
    expect(of(q35(ports(11), legacy(11)))).toEqual([[words(11, 0), { controllers: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] }]]);
  });

  it('modern virtio behind ports has no IO BAR: 11 such ports are no finding', () => {
    expect(of(q35(ports(11), Array.from({ length: 11 }, (_, i) => dev(`vd${i}`, 'disk', at(i + 1, 0)))))).toEqual([]);
  });

  it('devices on the root bus need no window: 10 ports and an e1000 on pcie-root fit', () => {
    expect(of(q35(ports(10), [...legacy(10), dev('nic', 'interface', at(0, 3), { model: 'e1000' })]))).toEqual([]);
  });

  it('a bridge counts when any one device behind it has IO BARs', () => {
    const d = q35(
      [...ports(10), ctrl('pcie-to-pci-bridge', 11, { address: at(0, 3) })],
      [...legacy(10), dev('nic0', 'interface', at(11, 1), { model: 'e1000' }), dev('nic1', 'interface', at(11, 2), { model: 'virtio-non-transitional' })],
    );
    expect(of(d).map(([, s]) => s)).toEqual([{ controllers: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] }]);
  });

  it('9 pci-bridges are within QEMU\'s advice; the 10th is named, even with no IO device', () => {
    expect(of(q35(pciBridges(9), []))).toEqual([]);
    expect(of(q35(pciBridges(10), []))).toEqual([[words(0, 10), { controllers: [] }]]);
  });

  it('a bus no controller makes is not counted, and does not fail the rule', () => {
    expect(of(q35(ports(10), [...legacy(10), dev('nic', 'interface', at(40, 1), { model: 'e1000' })]))).toEqual([]);
  });

  it('the root bus is never counted, whichever root the guest writes (pci-root on q35 is refused by libvirt, GEN-IDX-2)', () => {
    const d = q35([ctrl('pci-root', 0), ...ports(10)], [...legacy(10), dev('nic', 'interface', at(0, 3), { model: 'e1000' })], undefined, { controllers: [ctrl('pci-root', 0), ...ports(10)] });
    expect(of(d)).toEqual([]);
  });
});

/**
 * Which devices have IO BARs (src/engine/rules/ioBar.ts): virtio as QEMU's virtio_pci_realize resolves
 * disable-legacy=auto (on only on a PCIe port), after libvirt's default models (qemuDomainDeviceDefPostParse).
 */
describe('Q35-IO-1: virtio IO BARs by bus and default model', () => {
  const nic = (i: number, bus: number, slot: number): GuestDevice => dev(`n${i}`, 'interface', at(bus, slot), { type: 'network', model: undefined });
  const elevenBridges = (): PciController[] => [...ports(11), ...Array.from({ length: 11 }, (_, i) => ctrl('pcie-to-pci-bridge', i + 12, { address: at(i + 1, 0) }))];

  it('ARM virt: a NIC written without a model is virtio there (libvirt\'s default): behind 11 bridges it counts, in 11 root ports it does not', () => {
    const behind = virt(elevenBridges(), Array.from({ length: 11 }, (_, i) => nic(i, i + 12, 1)));
    expect(of(behind).map(([, s]) => s)).toEqual([{ controllers: Array.from({ length: 11 }, (_, i) => i + 12) }]);
    expect(of(virt(ports(11), Array.from({ length: 11 }, (_, i) => nic(i, i + 1, 0))))).toEqual([]);
  });

  it('q35: a NIC written without a model is an rtl8139 (libvirt\'s default), a conventional device with IO BARs, in a root port too', () => {
    expect(of(q35(ports(11), Array.from({ length: 11 }, (_, i) => nic(i, i + 1, 0)))).map(([, s]) => s)).toEqual([{ controllers: Array.from({ length: 11 }, (_, i) => i + 1) }]);
  });
});
