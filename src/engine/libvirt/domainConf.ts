import type { Guest, GuestDevice, PciController } from '../model/guest.ts';
import type { LibvirtMachine } from './qemuDomain.ts';
import { qemuDomainDefAddDefaultDevices, qemuDomainDefAddDefaultRoot } from './qemuDomain.ts';

/**
 * The generic part of libvirt's define, src/conf/domain_conf.c (libvirt 10.7): how controllers
 * written without an index get one, and the post-parse steps that add to a domain's PCI topology.
 */

/**
 * virDomainAssignControllerIndexes() (GEN-IDX-6): a PCI controller written without `index` gets
 * the lowest index no PCI controller uses, in document order, before libvirt adds the default
 * root. An index written but unreadable is not "no index": libvirt refuses the domain (GEN-IDX-1),
 * and filling one in would silently rewrite what the user wrote, so it stays without one.
 * Returns the same array when nothing changes; otherwise controllers that change are new objects.
 */
export function virDomainAssignControllerIndexes(controllers: readonly PciController[]): readonly PciController[] {
  if (!controllers.some((c) => c.index === undefined && !unreadableIndex(c))) return controllers;
  const used = new Set<number>();
  for (const c of controllers) if (c.index !== undefined) used.add(c.index);
  return controllers.map((c) => {
    if (c.index !== undefined || unreadableIndex(c)) return c;
    let i = 0;
    while (used.has(i)) i++;
    used.add(i);
    return { ...c, index: i };
  });
}

const ICH9_USB2 = new Set(['ich9-ehci1', 'ich9-uhci1', 'ich9-uhci2', 'ich9-uhci3']);
const isUsb2 = (d: GuestDevice): boolean => d.element === 'controller' && d.type === 'usb' && ICH9_USB2.has(d.model ?? '');

/**
 * virDomainAssignControllerIndexes() for the other controllers (usb, sata, scsi, ide,
 * virtio-serial, …): one written without `index` gets the lowest index its type leaves unused, in
 * document order; except an ICH9 USB2 controller that follows another of a different model whose
 * set (index) has none of its model yet: it joins that set ("USB2 controllers are the only
 * exception"), so `ehci1, uhci1, uhci2, uhci3` written without indexes are one set, index 0.
 * Returns the same array when nothing changes.
 */
export function virDomainAssignDeviceControllerIndexes(devices: readonly GuestDevice[]): readonly GuestDevice[] {
  if (!devices.some((d) => d.element === 'controller' && d.index === undefined)) return devices;
  const used = new Map<string, Set<number>>();
  const usedOf = (type: string): Set<number> => used.get(type) ?? used.set(type, new Set()).get(type) ?? new Set();
  for (const d of devices) if (d.element === 'controller' && d.index !== undefined) usedOf(d.type ?? '').add(d.index);
  const out = devices.slice();
  let prev: GuestDevice | undefined;
  for (const [i, d] of out.entries()) {
    if (d.element !== 'controller') continue;
    const sameType = prev?.type === d.type ? prev : undefined;
    if (d.type === 'usb') prev = d;
    if (d.index !== undefined) continue;
    let index: number | undefined;
    if (isUsb2(d) && sameType && isUsb2(sameType) && sameType.model !== d.model) {
      const set = sameType.index;
      if (set !== undefined && !out.some((x) => isUsb2(x) && x.index === set && x.model === d.model)) index = set;
    }
    if (index === undefined) {
      const taken = usedOf(d.type ?? '');
      index = 0;
      while (taken.has(index)) index++;
      taken.add(index);
    }
    const next = { ...d, index };
    out[i] = next;
    if (d.type === 'usb') prev = next;
  }
  return out;
}

/** `index='-1'`, `index='x'`: written, but not a number libvirt reads. */
export function unreadableIndex(c: PciController): boolean {
  return c.unreadable?.some((u) => u.startsWith('index=')) ?? false;
}

/**
 * What libvirt's post-parse adds to a domain before it assigns addresses (virDomainDefPostParse):
 * controller indexes (virDomainAssignControllerIndexes, PCI and other controllers), then the QEMU driver's
 * qemuDomainDefPostParse(): the root bus at index 0 and, unless `defaultDevices` is false, the
 * devices libvirt adds by itself (qemuDomainDefAddDefaultDevices). Returns the same guest when
 * nothing is added.
 */
export function virDomainDefPostParse(guest: Guest, machine: LibvirtMachine, opts: { readonly defaultDevices?: boolean } = {}): Guest {
  const controllers = qemuDomainDefAddDefaultRoot(virDomainAssignControllerIndexes(guest.controllers), machine);
  const devices = virDomainAssignDeviceControllerIndexes(guest.devices);
  const indexed = controllers === guest.controllers && devices === guest.devices ? guest : { ...guest, controllers: controllers.slice(), devices: devices.slice() };
  return (opts.defaultDevices ?? true) ? qemuDomainDefAddDefaultDevices(indexed, machine) : indexed;
}
