import type { Guest, PciController } from '../model/guest.ts';
import type { Host } from '../model/host.ts';
import type { GuestPciAddress } from '../model/pci.ts';
import { PlacementFailure } from '../libvirt/domainAddr.ts';
import { virDomainAssignControllerIndexes, virDomainDefImplicitDiskControllersBeyond, virDomainDefPostParse } from '../libvirt/domainConf.ts';
import { beyondLibvirtLimits } from '../libvirt/limits.ts';
import type { ControllerOrder } from '../libvirt/qemuDomainAddress.ts';
import { qemuDomainAssignPCIAddresses, qemuDomainPCIAddressSetCollect, qemuDomainPCIControllersSetDefaults } from '../libvirt/qemuDomainAddress.ts';
import type { LibvirtMachine } from '../libvirt/qemuDomain.ts';
import type { SpareKind } from '../machines/index.ts';
import { machineProfile, spareKind } from '../machines/index.ts';

/**
 * What `virsh define` will do to the buses a design leaves empty. A design only says where its
 * own devices go; libvirt then adds its default devices (USB controller, memballoon, …) and
 * places whatever has no address into the first free compatible bus. An empty root port or vPHB
 * kept for hotplug is only a spare if nothing of that lands on it.
 */

export interface Taker {
  readonly key: string;
  readonly label: string;
  /** a device libvirt adds on its own (not in the XML at all) */
  readonly implicit: boolean;
  readonly address: GuestPciAddress;
}

export interface EmptyBus {
  readonly index: number;
  readonly model: string;
  readonly kind: SpareKind;
  /** what libvirt puts on it at define time; empty: it stays a spare */
  readonly takers: readonly Taker[];
}

export interface DefinePrediction {
  /** the design's empty hotpluggable buses, by index */
  readonly empty: readonly EmptyBus[];
  /** of those, the ones that stay empty after define */
  readonly spares: readonly EmptyBus[];
}

/** What `virsh define` makes of a design: the guest libvirt defines, and what it could not place. */
export interface DefinedDomain {
  /** the guest as libvirt defines it: indexes, default devices, addresses, the controllers it adds, their defaults */
  readonly guest: Guest;
  /** keys of the devices and controllers libvirt could not place: it refuses the domain */
  readonly unplaced: readonly string[];
  /** keys of the PCI controllers the design writes (the others, implicit ones included, are libvirt's) */
  readonly written: ReadonlySet<string>;
  /** the highest bus the address searches read (libvirt/qemuDomainAddress.ts placementsUnread); Infinity when it failed */
  readonly reach: number;
  /** libvirt's error when its dry run fails, which fails the define (AssignResult.dryRunFailure) */
  readonly dryRunFailure?: string;
}

let runs = 0;

/**
 * How many times the define-time model has run (not answered from its memo) in this process: the
 * work a search over designs does is counted with it, not timed (test/q35-hp-1-bounded.test.ts).
 */
export function defineRuns(): number {
  return runs;
}

const definedCache = new WeakMap<Guest, { host: Host | undefined; order: ControllerOrder; result: DefinedDomain | undefined }>();

/**
 * Runs libvirt's define-time steps (controller indexes, root and default devices:
 * virDomainDefPostParse; address assignment and controller defaults: qemuDomainAssignPCIAddresses)
 * on the design as it would be written: devices placement marked `implicit` are dropped first
 * because export never writes them. Undefined for a machine pcitopo does not place, or beyond
 * libvirt's limits (the rules say why; simulating would grow as many buses as the input names).
 * `order`: the libvirt release's ({@link ControllerOrder}, libvirtControllerOrder): under
 * 'written-first' (libvirt 9.0) the controllers import shows as libvirt's (`implicit`) get their
 * defaults afresh, after the written ones, as placement does. Default 'index' (libvirt 10.7).
 * Memoised on the guest object, so the rules of one validation share one run.
 */
export function defineDomain(guest: Guest, host: Host | undefined, order: ControllerOrder = 'index'): DefinedDomain | undefined {
  const known = definedCache.get(guest);
  if (known && known.host === host && known.order === order) return known.result;
  runs++;
  const result = runDefine(guest, host, order);
  definedCache.set(guest, { host, order, result });
  return result;
}

function runDefine(guest: Guest, host: Host | undefined, order: ControllerOrder): DefinedDomain | undefined {
  const machine = machineProfile(guest);
  if (!machine.placeable) return undefined;
  // Beyond libvirt's limits (bus 0xffffffff, 254 gap PHBs, a disk on drive controller 100000) libvirt
  // refuses the domain, or never returns (issue 11).
  if (beyondLibvirtLimits(guest, machine.family, 1).length > 0 || virDomainDefImplicitDiskControllersBeyond(guest)) return undefined;
  const devices = qemuDomainPCIAddressSetCollect({ controllers: guest.controllers, devices: guest.devices.some((d) => d.implicit) ? guest.devices.filter((d) => !d.implicit) : guest.devices , controllerTypeOrder: guest.controllerTypeOrder }, machine);
  const written: Guest = devices !== guest.devices ? { ...guest, devices: devices.slice() } : guest;
  try {
    // import showed the controllers libvirt adds with the defaults 10.7's index order gives them
    const shown = order === 'index' ? written : { ...written, controllers: written.controllers.map((c) => (c.implicit && c.index !== 0 ? { ...c, target: {} } : c)) };
    const r = qemuDomainAssignPCIAddresses(virDomainDefPostParse(shown, machine), machine, host, { order });
    return { guest: r.guest, unplaced: r.unplaced, reach: r.reach, written: new Set(written.controllers.filter((c) => !c.implicit).map((c) => c.key)), ...(r.dryRunFailure !== undefined ? { dryRunFailure: r.dryRunFailure } : {}) };
  } catch (e) {
    // libvirt's define fails the same way (a controller on a bus it cannot add)
    if (e instanceof PlacementFailure) return { guest: written, unplaced: ['*'], reach: Infinity, written: new Set(written.controllers.filter((c) => !c.implicit).map((c) => c.key)) };
    throw e;
  }
}

/**
 * What libvirt puts at define time on the buses the design leaves empty ({@link defineDomain}):
 * an empty root port or vPHB is a spare only if nothing lands on it.
 */
export function predictDefine(guest: Guest, host: Host | undefined, order: ControllerOrder = 'index'): DefinePrediction {
  const machine = machineProfile(guest);
  const family = machine.family;
  if (!machine.placeable) return { empty: [], spares: [] };
  const written: Guest = guest.devices.some((d) => d.implicit) ? { ...guest, devices: guest.devices.filter((d) => !d.implicit) } : guest;
  const occupied = new Set<number>();
  for (const x of [...written.devices, ...written.controllers]) if (x.address) occupied.add(x.address.bus);
  const candidates = written.controllers.filter((c) => spareKind(c, family) !== undefined && !occupied.has(c.index as number));
  if (candidates.length === 0) return { empty: [], spares: [] };

  const run = defineDomain(guest, host, order);
  // Beyond limits, or a define libvirt refuses: no spare to predict.
  if (!run || run.unplaced.includes('*')) return { empty: [], spares: [] };
  const defined = run.guest;
  const designedKeys = new Set([...written.devices.filter((d) => d.address).map((d) => d.key), ...written.controllers.filter((c) => c.address).map((c) => c.key)]);
  const implicitKeys = new Set(defined.devices.filter((d) => d.implicit).map((d) => d.key));
  const takersOf = (bus: number): Taker[] => [
    ...defined.devices
      .filter((d) => d.address?.bus === bus && !designedKeys.has(d.key))
      .map((d) => ({ key: d.key, label: d.label, implicit: implicitKeys.has(d.key), address: d.address as GuestPciAddress })),
    ...defined.controllers
      .filter((c) => c.address?.bus === bus && !designedKeys.has(c.key))
      .map((c) => ({ key: c.key, label: `${c.model} (controller ${c.index ?? '?'})`, implicit: false, address: c.address as GuestPciAddress })),
  ];
  const empty = candidates
    .map((c) => ({ index: c.index as number, model: c.model, kind: spareKind(c, family) as SpareKind, takers: takersOf(c.index as number) }))
    .sort((a, b) => a.index - b.index);
  return { empty, spares: empty.filter((b) => b.takers.length === 0) };
}

const releaseShown = new WeakMap<readonly PciController[], { readonly machine: LibvirtMachine; readonly result: readonly PciController[] }>();

/**
 * The controllers import shows as libvirt's (`implicit`, not the root: the buses it adds for a gap
 * in the indexes or an address, GEN-IDX-5) with the defaults the release gives them. Import gives
 * them 10.7's (qemuDomainPCIControllersSetDefaults in index order); under 'written-first' (libvirt
 * 9.0 appends the controllers it adds to def->controllers, so qemuDomainPCIControllerSetDefaults
 * reaches them after the written ones) they get theirs afresh after the written ones: a pseries
 * PHB's target index. The written controllers are kept as they are (the same objects), and so is the
 * list under 'index' or when nothing changes. Memoised on the list (and the machine).
 */
export function releaseControllerDefaults(controllers: readonly PciController[], machine: LibvirtMachine, order: ControllerOrder): readonly PciController[] {
  if (order === 'index' || !controllers.some((c) => c.implicit && c.index !== 0)) return controllers;
  const known = releaseShown.get(controllers);
  if (known?.machine === machine) return known.result;
  const cleared = controllers.map((c) => (c.implicit && c.index !== 0 ? { ...c, target: {} } : c));
  const given = qemuDomainPCIControllersSetDefaults(cleared, machine, { order });
  let changed = false;
  const out = controllers.map((c, i) => {
    if (!c.implicit || c.index === 0) return c;
    const next = given[i] as PciController;
    if (sameTarget(next.target, c.target)) return c;
    changed = true;
    return { ...c, target: next.target };
  });
  const result = changed ? out : controllers;
  releaseShown.set(controllers, { machine, result });
  return result;
}

function sameTarget(a: PciController['target'], b: PciController['target']): boolean {
  const ka = Object.keys(a) as (keyof PciController['target'])[];
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

/** What libvirt fills in a PCI controller the XML leaves it to: its index, its address, one of its target attributes (`targetIndex`: a PHB's `<target index>`). */
export type FilledByLibvirt = 'index' | 'address' | 'targetIndex' | 'chassis' | 'port' | 'chassisNr' | 'busNr';

/** The design's PCI controllers as a libvirt release defines them ({@link definedControllers}). */
export interface DefinedControllers {
  /** guest.controllers in the same order and keys; one libvirt fills nothing in is the guest's own object */
  readonly list: readonly PciController[];
  /** per controller key, what of it is libvirt's, not the XML's (only controllers given something) */
  readonly filled: ReadonlyMap<string, ReadonlySet<FilledByLibvirt>>;
}

const TARGET_FIELDS = ['index', 'chassis', 'port', 'chassisNr', 'busNr'] as const;
const filledName = (k: (typeof TARGET_FIELDS)[number]): FilledByLibvirt => (k === 'index' ? 'targetIndex' : k);
const isRootBus = (c: PciController): boolean => c.model === 'pci-root' || c.model === 'pcie-root';
const definedShown = new WeakMap<Guest, Map<ControllerOrder, DefinedControllers>>();
/** the answer for a controller list whose every controller is addressed: it depends on the list, machine and order alone, so an edit of devices keeps it */
const definedByList = new WeakMap<readonly PciController[], Map<ControllerOrder, { readonly machine: LibvirtMachine; readonly result: DefinedControllers }>>();

/**
 * The values libvirt fills in the design's PCI controllers when it defines the domain, as the
 * release of `order` (libvirtControllerOrder) gives them: what the app shows for them (canvas,
 * inspector, diagram) and writes when the user edits a controller import shows as libvirt's. The
 * index of one written without (virDomainAssignControllerIndexes, src/conf/domain_postparse.c), the
 * address of one written without (qemuDomainAssignPCIAddresses, src/qemu/qemu_domain_address.c, as
 * {@link defineDomain} simulates it), and the target attributes qemuDomainPCIControllerSetDefaults
 * gives (a pseries PHB's target index, a port's chassis and port, a bridge's chassisNr, an expander's
 * busNr) in the release's order: libvirt 9.0 reaches the controllers it adds itself after the written
 * ones, so a PHB written without `<target index>` takes the lowest free index before a gap PHB does;
 * 10.7 goes by controller index. What the XML writes is kept. A controller import shows as libvirt's
 * (`implicit`, not the root) takes the release's target whole ({@link releaseControllerDefaults}).
 * Memoised per guest and order; a machine pcitopo does not place gets indexes only.
 */
export function definedControllers(guest: Guest, order: ControllerOrder): DefinedControllers {
  const known = definedShown.get(guest)?.get(order);
  if (known) return known;
  const machine = machineProfile(guest);
  const listOnly = !guest.controllers.some((c) => !c.address && !isRootBus(c));
  const byList = listOnly ? definedByList.get(guest.controllers)?.get(order) : undefined;
  const out = byList?.machine === machine ? byList.result : computeDefinedControllers(guest, order);
  if (listOnly && byList?.result !== out) {
    const l = definedByList.get(guest.controllers) ?? new Map<ControllerOrder, { readonly machine: LibvirtMachine; readonly result: DefinedControllers }>();
    l.set(order, { machine, result: out });
    definedByList.set(guest.controllers, l);
  }
  const m = definedShown.get(guest) ?? new Map<ControllerOrder, DefinedControllers>();
  m.set(order, out);
  definedShown.set(guest, m);
  return out;
}

function computeDefinedControllers(guest: Guest, order: ControllerOrder): DefinedControllers {
  const written = guest.controllers;
  const indexed = virDomainAssignControllerIndexes(written);
  const machine = machineProfile(guest);
  const wantsAddress = indexed.some((c) => !c.address && !isRootBus(c));
  let byKey: ReadonlyMap<string, PciController> | undefined;
  if (machine.placeable && wantsAddress) {
    // defineDomain is undefined beyond libvirt's limits, and a define libvirt refuses gives no addresses: indexes only then
    const defined = defineDomain(guest, undefined, order);
    if (defined && !defined.unplaced.includes('*')) byKey = new Map(defined.guest.controllers.map((c) => [c.key, c]));
  } else if (machine.placeable) {
    // every controller addressed: no define run, only the defaults (cheap), in the release's order
    const cleared = order === 'index' ? indexed : indexed.map((c) => (c.implicit && c.index !== 0 ? { ...c, target: {} } : c));
    const given = qemuDomainPCIControllersSetDefaults(cleared, machine, { order });
    byKey = new Map(given.map((c) => [c.key, c]));
  }
  const filled = new Map<string, Set<FilledByLibvirt>>();
  const list = indexed.map((c, i) => {
    const own = written[i] as PciController;
    const mark = (what: FilledByLibvirt) => {
      const s = filled.get(c.key) ?? new Set<FilledByLibvirt>();
      s.add(what);
      filled.set(c.key, s);
    };
    if (c !== own) mark('index');
    const lib = byKey?.get(c.key);
    let address = c.address;
    if (!address && !isRootBus(c) && lib?.address) {
      address = lib.address;
      mark('address');
    }
    let target = c.target;
    if (lib) {
      const implicitBus = c.implicit && c.index !== 0;
      const next: Record<string, unknown> = implicitBus ? { ...lib.target } : { ...c.target };
      for (const k of TARGET_FIELDS) {
        const v = lib.target[k];
        if (v === undefined) continue;
        if (implicitBus) mark(filledName(k));
        else if (c.target[k] === undefined) {
          next[k] = v;
          mark(filledName(k));
        }
      }
      if (!sameTarget(next as PciController['target'], c.target)) target = next as PciController['target'];
    }
    return c === own && address === c.address && target === c.target ? own : { ...c, address, target };
  });
  return { list, filled };
}
