import { describe, expect, it } from 'vitest';
import { machineVersion, virtioLegacyIoBar } from './ioBar.ts';
import { ctrl, dev } from './testkit.ts';
import type { GuestDevice, PciController } from '../model/guest.ts';

/**
 * QEMU hw/virtio/virtio-pci.c virtio_pci_realize: disable-legacy=auto turns on only on a PCIe port
 * (pci_bus_is_express && !pci_bus_is_root), and virtio_pci_device_plugged registers the legacy IO
 * BAR whenever legacy stays on; hw/core/machine.c hw_compat_2_6 and hw_compat_5_0.
 */
const port = ctrl('pcie-root-port', 1);
const downstream = ctrl('pcie-switch-downstream-port', 3);
const upstream = ctrl('pcie-switch-upstream-port', 2);
const bridge = ctrl('pcie-to-pci-bridge', 4);
const pciBridge = ctrl('pci-bridge', 5);
const dmi = ctrl('dmi-to-pci-bridge', 6);
const pcieRoot = ctrl('pcie-root', 0);
const pxb = ctrl('pcie-expander-bus', 7);

const io = (d: GuestDevice, parent: PciController | undefined, machine = 'q35') => virtioLegacyIoBar(d, parent, machine);
const disk = (model?: string) => dev('vda', 'disk', undefined, model === undefined ? {} : { model });

describe('virtioLegacyIoBar: plain virtio (disable-legacy=auto)', () => {
  it('has no IO BAR on a PCIe port: root, downstream or upstream port', () => {
    for (const p of [port, downstream, upstream]) expect(io(disk(), p), p.model).toBe(false);
  });

  it('has one on every conventional bus and on a root bus (pcie-root, a pxb-pcie bus), and on a bus no controller makes', () => {
    for (const p of [bridge, pciBridge, dmi, pcieRoot, pxb, undefined]) expect(io(disk(), p), p?.model ?? 'none').toBe(true);
  });

  it('on machine types 2.6 and older has one even on a PCIe port (hw_compat_2_6 disable-legacy=off); 2.7 and aliases do not', () => {
    expect(io(disk(), port, 'pc-q35-2.6')).toBe(true);
    expect(io(disk(), port, 'pc-q35-2.4')).toBe(true);
    expect(io(disk(), port, 'pc-q35-1.7')).toBe(true);
    expect(io(disk(), port, 'virt-2.6')).toBe(true);
    expect(io(disk(), port, 'pc-q35-2.7')).toBe(false);
    expect(io(disk(), port, 'pc-q35-3.0')).toBe(false);
    expect(io(disk(), port, 'pc-q35-rhel9.4.0')).toBe(false);
    expect(io(disk(), port, 'q35')).toBe(false);
  });
});

describe('virtioLegacyIoBar: the (non-)transitional types', () => {
  it('virtio-transitional always has the IO BAR, on a port too', () => {
    expect(io(disk('virtio-transitional'), port)).toBe(true);
  });

  it('virtio-non-transitional never, on a bridge, nor on an old machine (the compat property skips it)', () => {
    expect(io(disk('virtio-non-transitional'), bridge)).toBe(false);
    expect(io(disk('virtio-non-transitional'), bridge, 'pc-q35-2.6')).toBe(false);
  });
});

describe('virtioLegacyIoBar: which devices are virtio-pci', () => {
  it('legacy-capable ones (virtio_legacy_allowed: net, block, console, rng, balloon, scsi, 9p) follow the bus', () => {
    const legacyCapable: GuestDevice[] = [
      disk(),
      dev('nic', 'interface', undefined, { type: 'network', model: 'virtio' }),
      dev('vs', 'controller', undefined, { type: 'virtio-serial' }),
      dev('scsi', 'controller', undefined, { type: 'scsi', model: 'virtio-scsi' }),
      dev('vhost-scsi', 'hostdev', undefined, { type: 'scsi_host' }),
      dev('balloon', 'memballoon', undefined, { model: 'virtio' }),
      dev('rng', 'rng', undefined, { model: 'virtio' }),
      dev('fs', 'filesystem'),
      dev('fs-v', 'filesystem', undefined, { model: 'virtio' }),
      // 9p's own drivers: virtio-9p-pci still
      dev('fs-path', 'filesystem', undefined, { driverType: 'path' }),
      dev('fs-handle', 'filesystem', undefined, { driverType: 'handle', model: 'virtio' }),
    ];
    for (const d of legacyCapable) {
      expect(io(d, bridge), d.key).toBe(true);
      expect(io(d, port), d.key).toBe(false);
    }
    expect(io(dev('scsi-t', 'controller', undefined, { type: 'scsi', model: 'virtio-transitional' }), port)).toBe(true);
  });

  it('modern-only ones (virtio_pci_force_virtio_1) never have it, even on an old machine', () => {
    const modernOnly: GuestDevice[] = [
      dev('tablet', 'input', undefined, { type: 'tablet', bus: 'virtio' }),
      dev('gpu', 'video', undefined, { model: 'virtio' }),
      dev('viommu', 'iommu', undefined, { model: 'virtio' }),
      dev('crypto', 'crypto', undefined, { model: 'virtio' }),
      dev('snd', 'sound', undefined, { model: 'virtio' }),
      dev('mem', 'memory', undefined, { model: 'virtio-mem' }),
      dev('pmem', 'memory', undefined, { model: 'virtio-pmem' }),
      // vhost-user-fs-pci (hw/virtio/vhost-user-fs-pci.c: a non_transitional_name only)
      dev('virtiofs', 'filesystem', undefined, { driverType: 'virtiofs' }),
      dev('virtiofs-v', 'filesystem', undefined, { driverType: 'virtiofs', model: 'virtio' }),
    ];
    for (const d of modernOnly) {
      expect(io(d, bridge), d.key).toBe(false);
      expect(io(d, bridge, 'pc-q35-2.6'), d.key).toBe(false);
    }
  });

  it('vsock is modern-only from machine 5.1; on 5.0 and older it follows the bus and the model', () => {
    const vsock = dev('vsock', 'vsock');
    expect(io(vsock, bridge, 'pc-q35-5.1')).toBe(false);
    expect(io(vsock, bridge, 'q35')).toBe(false);
    expect(io(vsock, bridge, 'pc-q35-5.0')).toBe(true);
    expect(io(vsock, port, 'pc-q35-5.0')).toBe(false);
    expect(io(dev('vsock', 'vsock', undefined, { model: 'virtio' }), bridge, 'pc-q35-4.2')).toBe(true);
    expect(io(dev('vsock', 'vsock', undefined, { model: 'virtio-non-transitional' }), bridge, 'pc-q35-5.0')).toBe(false);
  });

  it('answers nothing for devices that are not virtio-pci', () => {
    const others: GuestDevice[] = [
      dev('e1000', 'interface', undefined, { type: 'network', model: 'e1000' }),
      dev('hostnet', 'interface', undefined, { type: 'hostdev', model: 'virtio' }),
      dev('sata', 'disk', undefined, { bus: 'sata' }),
      dev('lsi', 'controller', undefined, { type: 'scsi', model: 'lsilogic' }),
      dev('usb', 'controller', undefined, { type: 'usb', model: 'qemu-xhci' }),
      dev('hd', 'hostdev', undefined, { type: 'pci' }),
      dev('balloon', 'memballoon', undefined, { model: 'none' }),
      dev('rng', 'rng', undefined, { model: 'other' }),
      dev('fs', 'filesystem', undefined, { model: 'other' }),
      dev('vs', 'vsock', undefined, { model: 'other' }),
      dev('ps2', 'input', undefined, { type: 'mouse', bus: 'ps2' }),
      dev('vga', 'video', undefined, { model: 'vga' }),
      dev('ich9', 'sound', undefined, { model: 'ich9' }),
      dev('dimm', 'memory', undefined, { model: 'dimm' }),
      dev('wd', 'watchdog', undefined, { model: 'i6300esb' }),
    ];
    for (const d of others) expect(io(d, bridge), d.key).toBeUndefined();
  });
});

describe('machineVersion', () => {
  it('reads the versioned types of every family, and not aliases or vendor names', () => {
    expect(machineVersion('pc-q35-2.6')).toEqual([2, 6]);
    expect(machineVersion('pc-i440fx-5.0')).toEqual([5, 0]);
    expect(machineVersion('pc-1.2')).toEqual([1, 2]);
    expect(machineVersion('virt-2.12')).toEqual([2, 12]);
    expect(machineVersion('pseries-9.1')).toEqual([9, 1]);
    expect(machineVersion('q35')).toBeUndefined();
    expect(machineVersion('pc-q35-rhel9.4.0')).toBeUndefined();
    expect(machineVersion('pc-q35-2.6-extra')).toBeUndefined();
    expect(machineVersion('xpc-q35-2.6')).toBeUndefined();
    expect(machineVersion(undefined)).toBeUndefined();
  });
});
