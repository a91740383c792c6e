import type { Design } from '../model/design.ts';
import type { Guest, GuestDevice, NumaCell, NumaMemnode, PciController } from '../model/guest.ts';
import type { Host, HostDevice } from '../model/host.ts';
import { makeHost } from '../model/host.ts';
import type { GuestPciAddress } from '../model/pci.ts';
import { formatPciAddress, parsePciAddress } from '../model/pci.ts';

/** Small builders for placement tests: guests and hosts straight from the model, no XML. */

export interface HostGroupSpec {
  readonly group: number;
  readonly devices: readonly string[];
  readonly numaNode?: number;
  readonly pcie?: boolean;
}

export function hostOf(groups: readonly HostGroupSpec[]): Host {
  const devices: HostDevice[] = [];
  for (const g of groups) {
    for (const a of g.devices) {
      const pci = parsePciAddress(a);
      if (!pci) throw new Error(`bad host address ${a}`);
      devices.push({ address: formatPciAddress(pci), pci, iommuGroup: g.group, numaNode: g.numaNode, pcie: g.pcie ?? true, bridge: false, virtFunctions: [], driver: 'vfio-pci' });
    }
  }
  return makeHost(devices, 'testkit');
}

export const at = (bus: number, slot: number, fn = 0, multifunction?: 'on' | 'off'): GuestPciAddress => ({
  domain: 0,
  bus,
  slot,
  function: fn,
  ...(multifunction ? { multifunction } : {}),
});

export function hostdev(hostAddress: string, address?: GuestPciAddress): GuestDevice {
  const pci = parsePciAddress(hostAddress);
  if (!pci) throw new Error(`bad host address ${hostAddress}`);
  const key = formatPciAddress(pci);
  return { key, element: 'hostdev', type: 'pci', mode: 'subsystem', managed: 'yes', hostAddress: pci, address, label: `hostdev ${key}` };
}

let counter = 0;
/** An emulated PCI device: a virtio disk unless told otherwise. */
export function emulated(fields: Partial<GuestDevice> = {}): GuestDevice {
  const element = fields.element ?? 'disk';
  const base: GuestDevice = { key: `${element}-t${counter++}`, element, label: element, ...(element === 'disk' ? { bus: 'virtio', type: 'file' } : {}) };
  return { ...base, ...fields };
}

export function phb(index: number, targetIndex?: number, node?: number): PciController {
  return {
    key: `pci-${index}`,
    index,
    model: 'pci-root',
    modelName: 'spapr-pci-host-bridge',
    target: { ...(targetIndex !== undefined ? { index: targetIndex } : {}), ...(node !== undefined ? { node } : {}) },
  };
}

export function controller(model: string, index: number | undefined, address?: GuestPciAddress): PciController {
  return { key: `pci-${model}-${index ?? 'x'}-${counter++}`, index, model, target: {}, address };
}

export interface GuestSpec {
  readonly controllers?: readonly PciController[];
  readonly devices?: readonly GuestDevice[];
  readonly numaCells?: readonly NumaCell[];
  readonly numaMemnodes?: readonly NumaMemnode[];
}

export function guestOf(machine: 'pseries' | 'q35' | 'virt', spec: GuestSpec = {}): Guest {
  const arch = machine === 'pseries' ? 'ppc64le' : machine === 'q35' ? 'x86_64' : 'aarch64';
  return {
    name: 'testkit',
    domainType: 'kvm',
    arch,
    machine,
    numaCells: spec.numaCells ?? [],
    numaMemnodes: spec.numaMemnodes ?? [],
    controllers: spec.controllers ?? [],
    devices: spec.devices ?? [],
  };
}

export function designOf(guest: Guest, host?: Host): Design {
  return { guest, original: guest, source: { text: '' }, host };
}

/** Where each device ended up, by key: `bus:slot.fn`. */
export function addresses(guest: Guest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const d of guest.devices) out[d.key] = d.address ? `${d.address.bus}:${d.address.slot}.${d.address.function}${d.address.multifunction === 'on' ? '+' : ''}` : '-';
  return out;
}
