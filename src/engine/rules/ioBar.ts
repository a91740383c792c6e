import type { GuestDevice, PciController } from '../model/guest.ts';
import { qemuDomainDeviceDefPostParse } from '../libvirt/qemuDomain.ts';
import type { RuleContext } from './context.ts';

/** `virtio`, `virtio-transitional`, `virtio-non-transitional`: libvirt's virtio models (qemuBuildVirtioDevGetConfigDev). */
const VIRTIO_MODEL = /^virtio(-(non-)?transitional)?$/;

/**
 * What QEMU's virtio-pci makes of a device libvirt writes:
 * - 'legacy-capable': a device id virtio_legacy_allowed() lists (hw/virtio/virtio.c: net, block,
 *   console, rng, balloon, scsi, 9p), which has the legacy IO BAR whenever disable-legacy resolves off;
 * - 'modern-only': one whose realize calls virtio_pci_force_virtio_1() (virtio-gpu/vga, virtio-input,
 *   virtio-iommu, virtio-crypto, virtio-mem, virtio-pmem, virtio-sound), never an IO BAR;
 * - 'vsock': vhost-vsock-pci forces virtio 1 only when the legacy check is on
 *   (vhost_vsock_pci_realize: `!virtio_legacy_check_disabled`), i.e. on machine types 5.1 and newer
 *   (hw_compat_5_0 sets `virtio-device.x-disable-legacy-check=true`);
 * - undefined: not a virtio-pci device.
 * A `<filesystem>` is 9p (virtio-9p-pci) but with `<driver type='virtiofs'/>`: vhost-user-fs-pci, which
 * QEMU registers only as a non-transitional name (hw/virtio/vhost-user-fs-pci.c
 * `.non_transitional_name`, whose instance_init sets disable-legacy=on): modern-only.
 */
function virtioKind(d: GuestDevice): 'legacy-capable' | 'modern-only' | 'vsock' | undefined {
  const model = d.model ?? '';
  switch (d.element) {
    case 'disk':
      return d.bus === 'virtio' ? 'legacy-capable' : undefined;
    case 'interface':
      return d.type !== 'hostdev' && VIRTIO_MODEL.test(model) ? 'legacy-capable' : undefined;
    case 'controller':
      if (d.type === 'virtio-serial') return 'legacy-capable';
      return d.type === 'scsi' && (model === 'virtio-scsi' || VIRTIO_MODEL.test(model)) ? 'legacy-capable' : undefined;
    case 'hostdev':
      return d.type === 'scsi_host' ? 'legacy-capable' : undefined;
    case 'memballoon':
    case 'rng':
      return VIRTIO_MODEL.test(model) ? 'legacy-capable' : undefined;
    case 'filesystem':
      if (d.driverType === 'virtiofs') return 'modern-only';
      return d.model === undefined || VIRTIO_MODEL.test(model) ? 'legacy-capable' : undefined;
    case 'vsock':
      return d.model === undefined || VIRTIO_MODEL.test(model) ? 'vsock' : undefined;
    case 'input':
      return d.bus === 'virtio' ? 'modern-only' : undefined;
    case 'video':
    case 'iommu':
    case 'crypto':
    case 'sound':
      return model === 'virtio' ? 'modern-only' : undefined;
    case 'memory':
      return model === 'virtio-mem' || model === 'virtio-pmem' ? 'modern-only' : undefined;
    default:
      return undefined;
  }
}

/**
 * The QEMU version of a versioned machine type (`pc-q35-2.6`, `pc-i440fx-5.0`, `pc-1.2`, `virt-2.6`,
 * `pseries-5.0`) as [major, minor]; undefined for an alias (`q35`, `pc`, `virt`, `pseries`), which
 * QEMU resolves to its newest type, and for names QEMU upstream does not version so (`pc-q35-rhel9.4.0`),
 * taken as newest too.
 */
export function machineVersion(machine: string | undefined): readonly [number, number] | undefined {
  const m = /^(?:pc-q35|pc-i440fx|pc|virt|pseries)-(\d+)\.(\d+)$/.exec(machine ?? '');
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** Is the machine type older than major.minor (an alias never is)? */
function olderThan(machine: string | undefined, major: number, minor: number): boolean {
  const v = machineVersion(machine);
  return v !== undefined && (v[0] < major || (v[0] === major && v[1] < minor));
}

/**
 * virtio_pci_realize()'s `pcie_port`: pci_bus_is_express && !pci_bus_is_root. The express buses
 * that are not root buses are those of PCIe ports; pcie-root and a pxb-pcie's bus are root buses,
 * pci-bridge, pcie-to-pci-bridge and dmi-to-pci-bridge make conventional buses.
 */
function isPciePort(parent: PciController | undefined): boolean {
  return parent?.model === 'pcie-root-port' || parent?.model === 'pcie-switch-downstream-port' || parent?.model === 'pcie-switch-upstream-port';
}

/**
 * Has this virtio device the legacy IO BAR (BAR 0, registered by virtio_pci_device_plugged() when
 * legacy is on), sitting on the bus `parent` makes, on machine type `machine`? undefined when the
 * device is not virtio-pci. `device` is as libvirt reads it after post-parse (default models set).
 * QEMU (hw/virtio/virtio-pci.c, hw/core/machine.c), per what libvirt writes (qemuBuildVirtioDevGetConfig):
 * - a modern-only device never has it (see virtioKind; vsock only from machine 5.1);
 * - `model='virtio-non-transitional'` (`…-pci-non-transitional`, instance_init disable-legacy=on) never;
 * - `model='virtio-transitional'` (`…-pci-transitional`, disable-legacy=off) always;
 * - plain `virtio` (the generic `…-pci`, disable-legacy=auto): on machine types 2.6 and older always
 *   (hw_compat_2_6 sets `virtio-pci.disable-legacy=off`; the (non-)transitional types have no such
 *   property, so the compat entry, optional, skips them); else virtio_pci_realize() turns auto on
 *   only on a PCIe port, so it has the IO BAR anywhere else: pci-bridge, pcie-to-pci-bridge,
 *   dmi-to-pci-bridge, and pcie-root or pci-root itself.
 */
export function virtioLegacyIoBar(device: GuestDevice, parent: PciController | undefined, machine: string | undefined): boolean | undefined {
  const kind = virtioKind(device);
  if (kind === undefined) return undefined;
  if (kind === 'modern-only' || (kind === 'vsock' && !olderThan(machine, 5, 1))) return false;
  if (device.model === 'virtio-non-transitional') return false;
  if (device.model === 'virtio-transitional' || olderThan(machine, 2, 7)) return true;
  return !isPciePort(parent);
}

/**
 * PCIe NICs QEMU gives an IO BAR all the same: e1000e and igb register BAR 2 as
 * PCI_BASE_ADDRESS_SPACE_IO (hw/net/e1000e.c e1000e_pci_realize, hw/net/igb.c igb_pci_realize, E1000E_IO_IDX).
 */
function pcieWithIoBar(d: GuestDevice): boolean {
  return d.element === 'interface' && d.type !== 'hostdev' && (d.model === 'e1000e' || d.model === 'igb');
}

/**
 * Does the device have an IO BAR on the bus of controller `parent` (undefined: a bus no controller
 * makes)? Virtio devices as QEMU realizes them ({@link virtioLegacyIoBar}); e1000e and igb, which
 * are PCIe and have one ({@link pcieWithIoBar}); any other device is taken to have one when it is a
 * conventional PCI endpoint (qemuDomainDeviceCalculatePCIConnectFlags), as legacy devices do (QEMU
 * docs/pcie.txt §5.1).
 */
export function hasIoBar(ctx: RuleContext, device: GuestDevice, parent: PciController | undefined): boolean {
  const d = qemuDomainDeviceDefPostParse(device, ctx.machine);
  return virtioLegacyIoBar(d, parent, ctx.guest.machine) ?? (pcieWithIoBar(d) || ctx.endpointType(device) === 'pci-endpoint');
}
