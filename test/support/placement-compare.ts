import type { GuestDevice, PciController } from '../../src/engine/index.ts';
import { formatPciAddress } from '../../src/engine/index.ts';

/**
 * The semantic comparison of a placement with libvirt's: PCI controllers row by row (index, model,
 * model name, target attributes, address) and every device's PCI address under a key that survives
 * libvirt's reordering. Used by the corpus check (test/placement-corpus.test.ts) and the
 * differential check against real libvirt (test/real/differential.ts), so both judge alike.
 */

export const addr = (a: GuestDevice['address']): string => (a ? `${formatPciAddress(a)}${a.multifunction ? ` mf=${a.multifunction}` : ''}` : 'none');

/** One row per PCI controller, sorted by index: `3 pcie-root-port name=pcie-root-port target=- chassis=3 port=10 … at 0000:00:01.2`. */
export function controllerRows(cs: readonly PciController[]): string[] {
  return cs
    .map((c) => `${c.index} ${c.model} name=${c.modelName ?? '-'} target=${c.target.index ?? '-'} chassis=${c.target.chassis ?? '-'} port=${c.target.port ?? '-'} chassisNr=${c.target.chassisNr ?? '-'} node=${c.target.node ?? '-'} at ${addr(c.address)}`)
    .sort((a, b) => parseInt(a, 10) - parseInt(b, 10));
}

/**
 * Keys that survive libvirt's reordering: a PCI hostdev by its host address, a disk by its target
 * (libvirt orders disks by bus and target: virDomainDiskInsertPreAlloced), anything else by its position among the elements of
 * its kind (and controller type), an order libvirt keeps.
 */
export function deviceKeys(devices: readonly GuestDevice[]): Map<string, GuestDevice> {
  const seen = new Map<string, number>();
  const out = new Map<string, GuestDevice>();
  for (const d of devices) {
    if (d.hostAddress) {
      out.set(`${d.element} ${formatPciAddress(d.hostAddress)}`, d);
      continue;
    }
    // the label of a disk ends in its target dev ("virtio disk vda"), unique in a domain
    const dev = d.element === 'disk' ? d.label.split(' ').pop() : undefined;
    if (dev) {
      out.set(`disk#${dev}`, d);
      continue;
    }
    const kind = d.element === 'controller' ? `controller/${d.type ?? ''}` : d.element;
    const n = seen.get(kind) ?? 0;
    seen.set(kind, n + 1);
    out.set(`${kind}#${n}`, d);
  }
  return out;
}

/** `key address` for every device that has a PCI address on either side, sorted: equal lists = same placement. */
export function deviceRows(mine: Map<string, GuestDevice>, other: Map<string, GuestDevice>): string[] {
  return [...mine]
    .filter(([k, d]) => d.address || other.get(k)?.address)
    .map(([k, d]) => `${k} ${addr(d.address)}`)
    .sort();
}
