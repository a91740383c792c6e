import type { Design } from './design.ts';
import type { GuestDevice } from './guest.ts';
import type { Host } from './host.ts';
import { formatPciAddress } from './pci.ts';

/**
 * A workspace: several guests (libvirt domains) of one host, designed together (issue 15). Each
 * guest is a whole {@link Design} whose `host` is the workspace's host, so every single-domain rule,
 * command and export works on it unchanged; what is new is only what lies between guests: which
 * guest uses which host device and IOMMU group.
 */
export interface WorkspaceGuest {
  /**
   * The domain's `<name>`: libvirt's key for a domain on one host, unique in a workspace. The file
   * name (without `.xml`) stands in when the document has no `<name>`.
   */
  readonly name: string;
  /** where the domain came from (file name, `share link`), for messages; not part of the design */
  readonly file?: string | undefined;
  readonly design: Design;
}

export interface Workspace {
  /** the host every guest's design carries (`guest.design.host === workspace.host`) */
  readonly host?: Host | undefined;
  /** in the order they were opened: the order the UI lists them and share links keep */
  readonly guests: readonly WorkspaceGuest[];
}

/** A host PCI function as one guest uses it: through a `<hostdev>` or an `<interface type='hostdev'>`. */
export interface HostDeviceUse {
  /** the domain name */
  readonly guest: string;
  /** the guest device's key (GuestDevice.key, the data-testid key) */
  readonly device: string;
  /** `<hostdev>` or `<interface>` */
  readonly element: GuestDevice['element'];
}

/** Who uses what on the host, across all guests of a workspace. */
export interface HostUsage {
  /** host address `dddd:bb:ss.f` -> its uses, in guest order; only addresses some guest uses */
  readonly devices: ReadonlyMap<string, readonly HostDeviceUse[]>;
  /**
   * host IOMMU group -> guest name -> the group's addresses that guest uses (sorted); only groups
   * some guest uses, and only with a host that knows the device's group
   */
  readonly groups: ReadonlyMap<number, ReadonlyMap<string, readonly string[]>>;
}

/**
 * The host side of a PCI passthrough device: `<hostdev mode='subsystem' type='pci'>` or
 * `<interface type='hostdev'>` with a `<source><address>` (libvirt virHostdevGetPCIHostDevice takes
 * the same two from def->hostdevs, where an interface of type hostdev puts its hostdev).
 */
export function passedThrough(d: GuestDevice): string | undefined {
  if (!d.hostAddress) return undefined;
  const hostdev = (d.element === 'hostdev' && (d.type === 'pci' || d.type === undefined) && (d.mode === undefined || d.mode === 'subsystem')) || (d.element === 'interface' && d.type === 'hostdev');
  return hostdev ? formatPciAddress(d.hostAddress) : undefined;
}

/**
 * Which guest uses each host device and IOMMU group. A device listed twice in one guest counts
 * once for that guest (its double listing is HD-SRC-2's business). O(devices of all guests).
 */
export function hostUsage(ws: Workspace): HostUsage {
  const devices = new Map<string, HostDeviceUse[]>();
  const groups = new Map<number, Map<string, Set<string>>>();
  for (const g of ws.guests) {
    for (const d of g.design.guest.devices) {
      const address = passedThrough(d);
      if (address === undefined) continue;
      let uses = devices.get(address);
      if (!uses) devices.set(address, (uses = []));
      if (uses.some((u) => u.guest === g.name)) continue;
      uses.push({ guest: g.name, device: d.key, element: d.element });
      const group = ws.host?.devices.get(address)?.iommuGroup;
      if (group === undefined) continue;
      let byGuest = groups.get(group);
      if (!byGuest) groups.set(group, (byGuest = new Map()));
      let set = byGuest.get(g.name);
      if (!set) byGuest.set(g.name, (set = new Set()));
      set.add(address);
    }
  }
  const sortedGroups = new Map<number, ReadonlyMap<string, readonly string[]>>();
  for (const n of [...groups.keys()].sort((a, b) => a - b)) {
    const byGuest = groups.get(n) as Map<string, Set<string>>;
    sortedGroups.set(n, new Map([...byGuest].map(([guest, set]) => [guest, [...set].sort()] as const)));
  }
  return { devices, groups: sortedGroups };
}
