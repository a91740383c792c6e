import type { Guest, GuestDevice, MachineFamily, PciController } from '../model/guest.ts';
import { freshDeviceKey } from '../model/keys.ts';
import type { ChipsetSlots } from './qemuDomainAddress.ts';

/**
 * libvirt's QEMU driver at define time, the parts of src/qemu/qemu_domain.c (libvirt 10.7) that
 * decide PCI topology: which machine this is, the root bus and the devices libvirt adds by itself
 * (qemuDomainDefAddDefaultDevices), and the models a device gets when it names none
 * (qemuDomainDeviceDefPostParse and the qemuDomainDefault*Model functions).
 *
 * libvirt asks "is this pseries? q35?" (qemuDomainIsPSeries(), qemuDomainIsQ35(), …); pcitopo
 * answers with a machine profile (src/engine/machines/), passed in as a {@link LibvirtMachine}.
 */

/**
 * The models libvirt gives a device that names none, for this machine with the newest QEMU of
 * libvirt 10.7's tests (x86_64 QEMU 9.1, aarch64 8.2, ppc64 7.1). Undefined: pcitopo does not
 * model that default; the device keeps no model.
 */
export interface DefaultModels {
  /** `<controller type='usb'/>` written without a model (qemuDomainControllerDefPostParse) */
  readonly usb?: string | undefined;
  /** `<interface>` without `<model>` (qemuDomainDefaultNetModel) */
  readonly net?: string | undefined;
  /** `<controller type='scsi'/>` without a model (qemuDomainDefaultSCSIControllerModel) */
  readonly scsi?: string | undefined;
  /** `<video/>` without `<model type>` (qemuDomainDefaultVideoModel) */
  readonly video?: string | undefined;
}

/** The devices qemuDomainDefAddDefaultDevices() adds when the XML has none of their kind. */
export interface DefaultDevices {
  /** q35's SATA controller at 00:1f.2 (addImplicitSATA) */
  readonly sata: boolean;
  /** the model of the default USB controller (addDefaultUSB), undefined when none is added */
  readonly usb?: string | undefined;
  /** the virtio memballoon (addDefaultMemballoon) */
  readonly memballoon: boolean;
}

/** What libvirt's QEMU driver needs to know of a machine type. Machine profiles implement it. */
export interface LibvirtMachine {
  /** qemuDomainIsPSeries(), qemuDomainIsQ35(), qemuDomainIsARMVirt(), qemuDomainIsI440FX(); 'other' for none of them */
  readonly family: MachineFamily;
  /** the root bus libvirt adds at controller index 0 (addPCIRoot / addPCIeRoot) */
  readonly rootModel: 'pci-root' | 'pcie-root';
  /** that root as the design shows it before libvirt writes it: `implicit`, key `implicit-pci-root` */
  readonly root: PciController;
  readonly defaultModels: DefaultModels;
  readonly defaultDevices: DefaultDevices;
  /** the chipset's fixed functions (qemuDomainValidateDevicePCISlotsChipsets); none on machines without a chipset of its own */
  readonly chipset?: ChipsetSlots | undefined;
}

/** qemuDomainHasPCIeRoot(), as pcitopo needs it before libvirt adds the root: the machine's root or a written pcie-root. */
export function qemuDomainHasPCIeRoot(guest: Pick<Guest, 'controllers'>, machine: LibvirtMachine): boolean {
  if (machine.rootModel === 'pcie-root') return true;
  // asked once per device while placing: a plain loop, no closure
  const controllers = guest.controllers;
  for (let i = 0; i < controllers.length; i++) if ((controllers[i] as PciController).model === 'pcie-root') return true;
  return false;
}

/**
 * The device as libvirt sees it once its post-parse callbacks ran (qemuDomainDeviceDefPostParse,
 * qemuDomainControllerDefPostParse): a missing model filled from the machine's defaults. Used to
 * decide whether the device takes a PCI slot and of which kind; the design itself keeps the
 * device as written.
 */
export function qemuDomainDeviceDefPostParse(d: GuestDevice, machine: LibvirtMachine): GuestDevice {
  if (d.model !== undefined) return d;
  const models = machine.defaultModels;
  let model: string | undefined;
  if (d.element === 'controller' && d.type === 'usb') model = models.usb;
  else if (d.element === 'controller' && d.type === 'scsi') model = models.scsi;
  else if (d.element === 'interface' && d.type !== 'hostdev') model = models.net;
  else if (d.element === 'video') model = models.video;
  return model === undefined ? d : { ...d, model };
}

/**
 * qemuDomainDefAddDefaultDevices()'s refusal (src/qemu/qemu_domain.c, libvirt 10.7): on a machine
 * whose root libvirt adds (addPCIRoot: pseries, i440fx; addPCIeRoot: q35, aarch64 virt), a PCI
 * controller at index 0 of another model makes libvirt refuse the domain ("The PCI controller with
 * index='0' must be model='pcie-root' for this machine type, but model='pci-root' was found
 * instead", libvirt's test q35-wrong-root), in post-parse, before any address is assigned. libvirt
 * looks at the first index-0 controller only (virDomainControllerFind); a second one of another
 * model is refused all the same, as a duplicate index (virDomainDefRejectDuplicateControllers), so
 * every wrong one counts. Returns libvirt's message for the first, undefined when index 0 is the
 * machine's root or not written.
 */
export function qemuDomainDefAddDefaultDevicesRootError(controllers: readonly PciController[], machine: Pick<LibvirtMachine, 'rootModel'>): string | undefined {
  const wrong = controllers.find((c) => c.index === 0 && c.model !== machine.rootModel);
  return wrong === undefined ? undefined : `The PCI controller with index='0' must be model='${machine.rootModel}' for this machine type, but model='${wrong.model}' was found instead`;
}

/** qemuDomainDefAddDefaultDevices(): the root bus at index 0 when no PCI controller has index 0. */
export function qemuDomainDefAddDefaultRoot(controllers: readonly PciController[], machine: LibvirtMachine): readonly PciController[] {
  return controllers.some((c) => c.index === 0) ? controllers : [machine.root, ...controllers];
}

/**
 * The devices the QEMU driver adds on its own that take PCI slots, qemuDomainDefAddDefaultDevices()
 * (src/qemu/qemu_domain.c): q35's SATA controller and the default USB controller, each at index 0
 * when no controller of its type has index 0, and the virtio memballoon. Each is `implicit`:
 * export never writes it, libvirt adds it again. (The controllers disks and channels need come
 * after: domainConf.ts virDomainDefAddImplicitControllers.)
 */
export function qemuDomainDefAddDefaultDevices(guest: Guest, machine: LibvirtMachine): Guest {
  const devices = guest.devices.slice();
  const add = (d: Omit<GuestDevice, 'key'>): void => {
    devices.push({ ...d, key: freshDeviceKey(devices, d.element), implicit: true });
  };
  const has = (p: (d: GuestDevice) => boolean): boolean => devices.some(p);
  // virDomainControllerFind(def, type, 0) / virDomainDefMaybeAddController(def, type, 0, …): libvirt
  // looks for a controller of that type *with index 0*, so one written at index 1 alone still gets
  // the default at index 0 beside it (checked with libvirt 9.0: q35 with only a qemu-xhci at index 1
  // gets a second qemu-xhci, index 0). An index not written is the lowest free one of its type
  // (virDomainAssignControllerIndexes): 0 unless another of the type has 0, which then counts.
  const hasIndex0 = (type: string): boolean => has((d) => d.element === 'controller' && d.type === type && (d.index === undefined || d.index === 0));
  const wanted = machine.defaultDevices;
  if (wanted.sata && !hasIndex0('sata')) {
    add({ element: 'controller', type: 'sata', index: 0, label: 'implicit sata controller' });
  }
  const usb = wanted.usb;
  if (usb && !hasIndex0('usb')) {
    add({ element: 'controller', type: 'usb', index: 0, model: usb, label: `implicit usb controller ${usb}` });
  }
  if (wanted.memballoon && !has((d) => d.element === 'memballoon')) {
    add({ element: 'memballoon', model: 'virtio', label: 'implicit virtio memballoon' });
  }
  return devices.length === guest.devices.length ? guest : { ...guest, devices };
}
