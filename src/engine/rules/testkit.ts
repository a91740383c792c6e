import type { Design } from '../model/design.ts';
import type { ControllerTarget, Guest, GuestDevice, GuestDeviceElement, PciController } from '../model/guest.ts';
import type { HostDevice } from '../model/host.ts';
import { makeHost } from '../model/host.ts';
import type { Host } from '../model/host.ts';
import type { GuestPciAddress } from '../model/pci.ts';
import { formatPciAddress, parsePciAddress } from '../model/pci.ts';

/**
 * Compact fixtures for rule case tables: guests and hosts without XML.
 * `at(1, 2)` is bus 1 slot 2 function 0; hosts are `{ group: [addresses] }`.
 */

/**
 * The smallest domain XML a test needs: `<os><type arch machine>` and the given children of
 * `<devices>` (already indented), as text for the importer; `type` is the domain's (kvm or qemu).
 */
export function domainXml(machine: string, arch: string, devices: string, type = 'kvm'): string {
  return `<domain type='${type}'>\n  <name>g</name>\n  <memory unit='KiB'>1048576</memory>\n  <os>\n    <type arch='${arch}' machine='${machine}'>hvm</type>\n  </os>\n  <devices>\n${devices}\n  </devices>\n</domain>\n`;
}

export function at(bus: number, slot: number, fn = 0, multifunction?: 'on' | 'off', domain = 0): GuestPciAddress {
  return { domain, bus, slot, function: fn, ...(multifunction ? { multifunction } : {}) };
}

let keyCounter = 0;

export function ctrl(model: string, index: number | undefined, extra: Partial<Omit<PciController, 'model' | 'index'>> = {}): PciController {
  return { key: extra.key ?? `pci-${index ?? `x${keyCounter++}`}`, index, model, target: extra.target ?? {}, ...extra };
}

/** A pseries vPHB; target index defaults to the controller index. */
export function phb(index: number, target: ControllerTarget = {}, extra: Partial<PciController> = {}): PciController {
  return ctrl('pci-root', index, { modelName: 'spapr-pci-host-bridge', target: { index, ...target }, ...extra });
}

export function hostdev(hostAddress: string, address?: GuestPciAddress, extra: Partial<GuestDevice> = {}): GuestDevice {
  const pci = parsePciAddress(hostAddress);
  if (!pci) throw new Error(`bad host address ${hostAddress}`);
  const key = formatPciAddress(pci);
  return { key, element: 'hostdev', type: 'pci', mode: 'subsystem', managed: 'yes', hostAddress: pci, address, label: `hostdev ${key}`, ...extra };
}

export function dev(key: string, element: GuestDeviceElement, address?: GuestPciAddress, extra: Partial<GuestDevice> = {}): GuestDevice {
  const defaults: Partial<GuestDevice> =
    element === 'disk' ? { bus: 'virtio' } : element === 'interface' ? { type: 'network', model: 'virtio' } : element === 'memballoon' ? { model: 'virtio' } : {};
  return { key, element, address, label: key, ...defaults, ...extra };
}

export interface GuestSpec {
  readonly machine?: string;
  readonly arch?: string;
  readonly numaCells?: number;
  /** guest cell -> host nodeset */
  readonly memnodes?: Record<number, string>;
  readonly controllers?: readonly PciController[];
  readonly devices?: readonly GuestDevice[];
}

const ARCH: Record<string, string> = { pseries: 'ppc64le', q35: 'x86_64', virt: 'aarch64', pc: 'x86_64' };

export function guest(spec: GuestSpec): Guest {
  const machine = spec.machine ?? 'pseries';
  return {
    name: 'fixture',
    domainType: 'kvm',
    arch: spec.arch ?? ARCH[machine.replace(/-.*/, '')] ?? 'x86_64',
    machine,
    numaCells: Array.from({ length: spec.numaCells ?? 0 }, (_, id) => ({ id })),
    numaMemnodes: Object.entries(spec.memnodes ?? {}).map(([cellid, nodeset]) => ({ cellid: Number(cellid), nodeset })),
    controllers: spec.controllers ?? [],
    devices: spec.devices ?? [],
  };
}

export interface HostSpec {
  /** group number -> member addresses */
  readonly groups: Record<number, readonly string[]>;
  /** addresses that are conventional PCI (default: PCIe) */
  readonly conventional?: readonly string[];
  readonly bridges?: readonly string[];
  /** address -> host NUMA node */
  readonly numa?: Record<string, number>;
  /** address -> bound host driver (default: none) */
  readonly drivers?: Record<string, string>;
  /** address -> PCI class code, e.g. `0x060100` */
  readonly classes?: Record<string, string>;
  /** address -> its SR-IOV physical function */
  readonly physFunctions?: Record<string, string>;
}

export function host(spec: HostSpec): Host {
  const devices: HostDevice[] = [];
  for (const [g, members] of Object.entries(spec.groups)) {
    for (const a of members) {
      const pci = parsePciAddress(a);
      if (!pci) throw new Error(`bad host address ${a}`);
      const address = formatPciAddress(pci);
      devices.push({
        address,
        pci,
        iommuGroup: Number(g),
        pcie: !(spec.conventional ?? []).includes(a),
        bridge: (spec.bridges ?? []).includes(a),
        numaNode: spec.numa?.[a],
        driver: spec.drivers?.[a],
        classCode: spec.classes?.[a],
        physFunction: spec.physFunctions?.[a],
        virtFunctions: [],
      });
    }
  }
  return makeHost(devices, 'fixture');
}

export function design(g: Guest | GuestSpec, h?: Host | HostSpec): Design {
  const gg = Array.isArray((g as Guest).numaCells) ? (g as Guest) : guest(g as GuestSpec);
  const hh = h === undefined ? undefined : 'devices' in h ? (h as Host) : host(h as HostSpec);
  return { guest: gg, original: gg, source: { text: '' }, host: hh };
}

/** A pseries guest with PHB 0 and the given extra controllers/devices. */
export function pseries(controllers: readonly PciController[], devices: readonly GuestDevice[], h?: HostSpec, extra: Partial<GuestSpec> = {}): Design {
  return design({ machine: 'pseries', controllers: [phb(0), ...controllers], devices, ...extra }, h);
}

/** A q35 guest with pcie-root at index 0 and the given extra controllers/devices. */
export function q35(controllers: readonly PciController[], devices: readonly GuestDevice[], h?: HostSpec, extra: Partial<GuestSpec> = {}): Design {
  return design({ machine: 'q35', controllers: [ctrl('pcie-root', 0), ...controllers], devices, ...extra }, h);
}

export function virt(controllers: readonly PciController[], devices: readonly GuestDevice[], h?: HostSpec, extra: Partial<GuestSpec> = {}): Design {
  return design({ machine: 'virt', controllers: [ctrl('pcie-root', 0), ...controllers], devices, ...extra }, h);
}

/** A root port on pcie-root slot `slot` function `fn`, chassis = index as libvirt writes it. */
export function rootPort(index: number, slot: number, fn = 0, extra: Partial<PciController> = {}): PciController {
  return ctrl('pcie-root-port', index, { modelName: 'pcie-root-port', target: { chassis: index, port: slot * 8 + fn }, address: at(0, slot, fn, fn === 0 ? 'on' : undefined), ...extra });
}
