import type { Rule, RuleMeta } from './types.ts';
import { finding } from './context.ts';
import { globalRule } from './define.ts';
import { hasIoBar } from './ioBar.ts';
import { at, ctrl, dev, q35, rootPort, virt } from './testkit.ts';
import type { Design } from '../model/design.ts';
import type { GuestDevice, PciController } from '../model/guest.ts';

const meta: RuleMeta = {
  id: 'Q35-IO-1',
  severity: 'warning',
  title: 'IO space: about 10 ports or bridges with IO BARs behind them',
  why: 'The 64 KiB IO space is handed out in 4 KiB windows, one per port or bridge with IO BARs behind it; past about ten, devices lose their IO BARs and legacy ones stop working. Plain virtio has an IO BAR everywhere but on a PCIe port (a pci-bridge or pcie-to-pci-bridge counts), transitional virtio always, non-transitional never, and on machine types 2.6 and older plain virtio always; e1000e and igb have one too.',
  source: 'QEMU docs/pcie.txt §3, §5.1; hw/virtio/virtio-pci.c virtio_pci_realize (disable-legacy=auto is on only when pci_bus_is_express && !pci_bus_is_root), virtio_pci_device_plugged (legacy IO BAR), virtio_pci_types_register; hw/core/machine.c hw_compat_2_6 (virtio-pci disable-legacy=off), hw_compat_5_0 (x-disable-legacy-check); hw/net/e1000e.c e1000e_pci_realize, hw/net/igb.c igb_pci_realize (IO BAR 2)',
  families: ['q35', 'virt'],
};

const LIMIT = 10;

export const rule: Rule = globalRule(meta, (ctx) => {
  const withIo: number[] = [];
  for (const bus of ctx.buses) {
    const c = bus.controller;
    // the bus's controller is controllerByIndex.get(bus.index): the bus's number is its index
    if (!c || c.model === 'pcie-root' || c.model === 'pci-root') continue;
    if (bus.devices.some((d) => ctx.takesPci(d) && hasIoBar(ctx, d, c))) withIo.push(bus.index);
  }
  const bridges = ctx.guest.controllers.filter((c) => c.model === 'pci-bridge').length;
  if (withIo.length <= LIMIT && bridges <= 9) return [];
  return [finding(meta, `${withIo.length} ports/bridges have devices with IO BARs behind them and there are ${bridges} pci-bridges: the 64 KiB IO space fits about ${LIMIT} (QEMU advises at most 9 pci-bridges).`, { controllers: withIo })];
});

/** 11 root ports (8 functions a slot from 00:01.0), each holding `inPort(i)`: buses 1..11 */
const elevenPorts = (inPort: (i: number) => GuestDevice, extra: { machine?: string } = {}, family = q35): Design =>
  family(
    Array.from({ length: 11 }, (_, i) => rootPort(i + 1, 1 + Math.floor(i / 8), i % 8)),
    Array.from({ length: 11 }, (_, i) => inPort(i)),
    undefined,
    extra,
  );
/** 11 root ports each holding a pcie-to-pci-bridge (indexes 12..22), each bridge holding `onBridge(i)` in slot 1 */
const elevenBridges = (onBridge: (i: number) => GuestDevice, extra: { machine?: string } = {}): Design => {
  const ports: PciController[] = Array.from({ length: 11 }, (_, i) => rootPort(i + 1, 1 + Math.floor(i / 8), i % 8));
  const bridges: PciController[] = Array.from({ length: 11 }, (_, i) => ctrl('pcie-to-pci-bridge', i + 12, { address: at(i + 1, 0) }));
  return q35([...ports, ...bridges], Array.from({ length: 11 }, (_, i) => ({ ...onBridge(i), address: at(i + 12, 1) })), undefined, extra);
};
const disk = (model?: string) => (i: number): GuestDevice => dev(`vd${i}`, 'disk', at(i + 1, 0), model === undefined ? {} : { model });
const bridgeIndexes = Array.from({ length: 11 }, (_, i) => i + 12);
const portIndexes = Array.from({ length: 11 }, (_, i) => i + 1);

export const cases = {
  pass: [
    { name: 'one bridge with a legacy NIC', design: q35([rootPort(1, 1), ctrl('pcie-to-pci-bridge', 2, { address: at(1, 0) })], [dev('nic', 'interface', at(2, 1), { model: 'e1000' })]) },
    { name: 'plain virtio in 11 root ports: disable-legacy=auto is on on a PCIe port, no IO BAR', design: elevenPorts(disk()) },
    { name: 'plain virtio in 11 root ports of aarch64 virt', design: elevenPorts(disk(), {}, virt) },
    { name: 'plain virtio in 11 root ports on pc-q35-2.7 (no hw_compat_2_6)', design: elevenPorts(disk(), { machine: 'pc-q35-2.7' }) },
    { name: 'virtio-non-transitional behind 11 pcie-to-pci-bridges', design: elevenBridges(disk('virtio-non-transitional')) },
    { name: 'virtio-non-transitional behind 11 bridges on pc-q35-2.6: the compat property skips the non-transitional type', design: elevenBridges(disk('virtio-non-transitional'), { machine: 'pc-q35-2.6' }) },
    { name: 'virtio input (modern-only, forced virtio 1) behind 11 bridges', design: elevenBridges((i) => dev(`in${i}`, 'input', undefined, { type: 'tablet', bus: 'virtio' })) },
    { name: 'vsock behind 11 bridges on pc-q35-5.1: forced virtio 1', design: elevenBridges((i) => dev(`vs${i}`, 'vsock', undefined, { model: 'virtio' }), { machine: 'pc-q35-5.1' }) },
    { name: "virtiofs shares behind 11 bridges: vhost-user-fs-pci is non-transitional only", design: elevenBridges((i) => dev(`fs${i}`, 'filesystem', undefined, { driverType: 'virtiofs' })) },
    { name: 'qemu-xhci USB controllers in 11 root ports: PCIe, MMIO only', design: elevenPorts((i) => dev(`usb${i}`, 'controller', at(i + 1, 0), { type: 'usb', model: 'qemu-xhci', index: i })) },
  ],
  fail: [
    { name: '11 root ports with transitional virtio', design: elevenPorts(disk('virtio-transitional')), expect: { controllers: portIndexes } },
    { name: 'plain virtio behind 11 pcie-to-pci-bridges: auto resolves off on a conventional bus', design: elevenBridges(disk()), expect: { controllers: bridgeIndexes } },
    { name: '9p shares behind 11 pcie-to-pci-bridges: virtio-9p-pci is legacy-capable', design: elevenBridges((i) => dev(`fs${i}`, 'filesystem')), expect: { controllers: bridgeIndexes } },
    { name: 'plain virtio NICs behind 11 pcie-to-pci-bridges', design: elevenBridges((i) => dev(`n${i}`, 'interface')), expect: { controllers: bridgeIndexes } },
    { name: 'plain virtio in 11 root ports on pc-q35-2.6: hw_compat_2_6 disable-legacy=off', design: elevenPorts(disk(), { machine: 'pc-q35-2.6' }), expect: { controllers: portIndexes } },
    { name: 'vsock behind 11 bridges on pc-q35-5.0: legacy check off, not forced to virtio 1', design: elevenBridges((i) => dev(`vs${i}`, 'vsock', undefined, { model: 'virtio' }), { machine: 'pc-q35-5.0' }), expect: { controllers: bridgeIndexes } },
    { name: 'e1000e NICs in 11 root ports: PCIe, with an IO BAR all the same', design: elevenPorts((i) => dev(`n${i}`, 'interface', at(i + 1, 0), { model: 'e1000e' })), expect: { controllers: portIndexes } },
  ],
};
