import type { Guest, PciController } from '../model/guest.ts';
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

/** `index='-1'`, `index='x'`: written, but not a number libvirt reads. */
export function unreadableIndex(c: PciController): boolean {
  return c.unreadable?.some((u) => u.startsWith('index=')) ?? false;
}

/**
 * What libvirt's post-parse adds to a domain before it assigns addresses (virDomainDefPostParse):
 * controller indexes (virDomainAssignControllerIndexes), then the QEMU driver's
 * qemuDomainDefPostParse(): the root bus at index 0 and, unless `defaultDevices` is false, the
 * devices libvirt adds by itself (qemuDomainDefAddDefaultDevices). Returns the same guest when
 * nothing is added.
 */
export function virDomainDefPostParse(guest: Guest, machine: LibvirtMachine, opts: { readonly defaultDevices?: boolean } = {}): Guest {
  const controllers = qemuDomainDefAddDefaultRoot(virDomainAssignControllerIndexes(guest.controllers), machine);
  const indexed = controllers === guest.controllers ? guest : { ...guest, controllers: controllers.slice() };
  return (opts.defaultDevices ?? true) ? qemuDomainDefAddDefaultDevices(indexed, machine) : indexed;
}
