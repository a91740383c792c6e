/**
 * The canvas layout: a pure projection of the guest's PCI controllers onto React Flow nodes and
 * edges. Each controller is one node (its bus: slots and the devices on them); edges go from a bus
 * to the controllers plugged into it. Deterministic: the same guest and options give the same picture.
 *
 * Two levels of detail share one arrangement: `full` nodes show the slot grid and every device row,
 * `tile` nodes a summary (ControllerTile.tsx) small enough that 31 vPHBs fit a laptop's canvas
 * legibly. Every sibling set (the vPHBs of a pseries guest, the root ports under pcie-root, the
 * downstream ports of a switch) is a grid with the same column count, chosen for the canvas' aspect
 * ratio (planFit); a child sits below its parent, indented, with an edge down the indent.
 *
 * Why no layout library: d3-hierarchy's tree/cluster and dagre are layered layouts that put every
 * child of a parent in one row, so 16 root ports become a 5,000-px strip and 31 vPHBs a 10,000-px
 * one: the picture this layout exists to avoid. elkjs' rectpacking could wrap them, but its
 * GWT-compiled bundle is over a megabyte (beyond DESIGN.md §7's 300 KiB budget, even in a worker).
 * What is needed, a tree whose sibling sets wrap into grids, is the hundred lines below.
 */
import type { Edge, Node } from '@xyflow/react';
import type { ControllerOrder, FilledByLibvirt, Guest, GuestDevice, GuestPciAddress, MachineFamily, PciController } from '../engine/index.ts';
import { busModel, busName, controllerName, defineDomain, definedControllers, hexNumber, isPhb, libvirtControllerOrder, machineFamily, machineProfile, placementsUnread, takesPciAddress, virDomainDefPostParse } from '../engine/index.ts';

/** Level of detail: the summary tile or the full node with its slot grid. */
export type Lod = 'tile' | 'full';

/** Issue 10: node text is never under this size on screen (CSS size x zoom). */
export const MIN_TEXT_PX = 10;
/** The smallest text of a full node at rest (styles.css: .ckind, .cmeta, .pe, .slot, tags, .cfoot). */
export const FULL_TEXT_PX = 12;
/**
 * Below this zoom a full node's smallest text would be under MIN_TEXT_PX on screen: tiles are drawn.
 * Exactly the ratio, not a rounder number above it: a design that fits at 0.835 (12-px text at
 * 10.02 px) opens in full detail.
 */
export const FULL_MIN_ZOOM = MIN_TEXT_PX / FULL_TEXT_PX;
/** A fit never zooms in further than this: one small bus should not fill the screen. */
export const MAX_FIT_ZOOM = 1.1;
/** Screen pixels kept free around a fitted design. */
export const FIT_PADDING = 20;

export const NODE_WIDTH = 300;
export const TILE_WIDTH = 240;
export const TILE_HEIGHT = 150;

/** Heights of the parts of a full node (styles.css keeps them: .chead, .pe, .slots, .gdev, .cfoot). */
export const FULL_PARTS = { head: 50, pe: 28, slotRow: 26, slotPad: 8, device: 30, foot: 26, border: 2, phbBorder: 3 } as const;
const SLOT_COLUMNS = 8;

/** Gaps between boxes and the indent of a child grid under its parent, in flow units. */
export const SPACING: Readonly<Record<Lod, { col: number; row: number; indent: number }>> = {
  full: { col: 44, row: 44, indent: 32 },
  tile: { col: 20, row: 32, indent: 28 },
};

export interface ControllerNodeData extends Record<string, unknown> {
  readonly key: string;
  readonly lod: Lod;
  /** most device rows a full node stacks before its list wraps (the layout's {@link LayoutOptions.deviceRows}) */
  readonly deviceRows?: number | undefined;
}
export type ControllerFlowNode = Node<ControllerNodeData, 'controller'>;
export type TrunkEdgeData = { readonly busOffset: number };
export type TrunkFlowEdge = Edge<TrunkEdgeData, 'trunk'>;

/**
 * Whether a controller is a vPHB for people: a pci-root is a PAPR host bridge only on pseries (libvirt
 * gives it `<model name='spapr-pci-host-bridge'/>` there, qemuDomainPCIControllerSetDefaults in
 * src/qemu/qemu_domain_address.c); an i440fx guest's pci-root is its plain PCI root, with no PE.
 * The engine's isPhb() cannot tell them apart when no model name is written.
 */
export const shownAsPhb = (c: Pick<PciController, 'model' | 'modelName'>, family: MachineFamily): boolean => family === 'pseries' && isPhb(c);

/** What a controller is, in the machine's words the canvas, the diagram and the hints use ("vPHB" only on pseries). */
export function controllerKindLabel(c: PciController, family: MachineFamily): string {
  if (shownAsPhb(c, family)) return 'vPHB';
  switch (c.model) {
    case 'pcie-root':
      return 'PCIe root';
    case 'pci-root':
      return 'PCI root';
    case 'pcie-root-port':
      return 'Root port';
    case 'pcie-switch-upstream-port':
      return 'Switch upstream';
    case 'pcie-switch-downstream-port':
      return 'Switch downstream';
    case 'pci-bridge':
      return 'PCI bridge';
    case 'pcie-to-pci-bridge':
      return 'PCIe-to-PCI bridge';
    case 'dmi-to-pci-bridge':
      return 'DMI-to-PCI bridge';
    default:
      return c.model;
  }
}

/**
 * What a controller is in as few letters as still say it, for a summary tile too narrow for
 * {@link controllerKindLabel} (the full name stays in the tile's tooltip and aria label): the title
 * must keep the index whole, and "S… 4" says nothing.
 */
export function controllerShortKind(c: PciController, family: MachineFamily): string {
  if (shownAsPhb(c, family)) return 'vPHB';
  switch (c.model) {
    case 'pcie-root-port':
      return 'root port';
    case 'pcie-switch-upstream-port':
      return 'US port';
    case 'pcie-switch-downstream-port':
      return 'DS port';
    case 'pcie-expander-bus':
    case 'pci-expander-bus':
      return 'expander';
    case 'pcie-to-pci-bridge':
    case 'dmi-to-pci-bridge':
    case 'pci-bridge':
      return 'bridge';
    default:
      return controllerKindLabel(c, family);
  }
}

/**
 * The libvirt release the canvas shows the design as: the design's setting (the toolbar's release
 * select, DocState.libvirtVersion), read at each computation through {@link setShownRelease} (the app
 * wires it to its store, as store/findings.ts reads it for the findings). Undefined: the default.
 */
let shownRelease: () => string | undefined = () => undefined;

/** Where the release the canvas follows is read (app.tsx: the store's setting; tests may set it). */
export function setShownRelease(source: () => string | undefined): void {
  shownRelease = source;
}

/** The controller order of the release shown now (engine libvirtControllerOrder). */
export const shownOrder = (): ControllerOrder => libvirtControllerOrder(shownRelease());

/** A cache per release order: what libvirt fills differs between releases, the guest object does not. */
function perOrder<K extends object, V>(): (order: ControllerOrder) => WeakMap<K, V> {
  const maps = new Map<ControllerOrder, WeakMap<K, V>>();
  return (order) => {
    let m = maps.get(order);
    if (!m) maps.set(order, (m = new WeakMap<K, V>()));
    return m;
  };
}

/**
 * The guest's PCI controllers as libvirt will define them, for drawing, as the release the design is
 * set to defines them (the engine's definedControllers, the one place that decides it): a controller
 * the XML writes without `index` gets the one libvirt gives it (virDomainAssignControllerIndexes), one
 * written without an address is drawn where libvirt plugs it in (qemuDomainAssignPCIAddresses), and
 * the target attributes the XML leaves out carry libvirt's defaults (qemuDomainPCIControllerSetDefaults:
 * a pseries PHB's target index, a root port's chassis and port), so a hand-written q35 guest is the
 * same tree as its addressed twin, and a PHB written without `<target index>` shows the one libvirt
 * 9.0 or 10.7 gives it. Only the picture uses these: the design, and what export writes, keep what the
 * XML says.
 */
export interface ShownControllers {
  /** guest.controllers in the same order; a controller given nothing is the guest's own object */
  readonly list: readonly PciController[];
  readonly byKey: ReadonlyMap<string, PciController>;
  /** keys of the controllers whose index is libvirt's, not the XML's */
  readonly assignedIndex: ReadonlySet<string>;
  /** keys of the controllers whose address is libvirt's, not the XML's */
  readonly assignedAddress: ReadonlySet<string>;
  /** per controller key, what of it libvirt fills (engine FilledByLibvirt) */
  readonly filled: ReadonlyMap<string, ReadonlySet<FilledByLibvirt>>;
}

const isRootModel = (c: PciController): boolean => c.model === 'pci-root' || c.model === 'pcie-root';
const sameAddress = (a: GuestPciAddress | undefined, b: GuestPciAddress | undefined): boolean =>
  a === b || (!!a && !!b && a.domain === b.domain && a.bus === b.bus && a.slot === b.slot && a.function === b.function && a.multifunction === b.multifunction);
const sameTarget = (a: PciController['target'], b: PciController['target']): boolean => {
  const ka = Object.keys(a) as (keyof PciController['target'])[];
  return a === b || (ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]));
};
/**
 * Memoised per release order and guest (the engine's definedControllers runs define, ~2-3 ms of CPU
 * on a hand-written q35 guest, only when a controller has no address). Controllers whose index,
 * address and target stay are the same objects as before (lastShown), so memoised nodes do not
 * re-render and the layout keeps its cells.
 */
const shownCache = perOrder<Guest, ShownControllers>();
const NOTHING: ReadonlySet<string> = new Set();
/** the last answer's controllers by key, with the written object each was made from: an edit elsewhere keeps them, so memoised nodes do not re-render */
let lastShown = new Map<string, { readonly own: PciController; readonly shown: PciController }>();

export function shownControllers(guest: Guest): ShownControllers {
  const order = shownOrder();
  const cache = shownCache(order);
  const known = cache.get(guest);
  if (known) return known;
  const written = guest.controllers;
  const defined = definedControllers(guest, order);
  let out: ShownControllers;
  if (defined.filled.size === 0) {
    out = { list: written, byKey: new Map(written.map((c) => [c.key, c])), assignedIndex: NOTHING, assignedAddress: NOTHING, filled: defined.filled };
  } else {
    const assignedIndex = new Set<string>();
    const assignedAddress = new Set<string>();
    for (const [key, what] of defined.filled) {
      if (what.has('index')) assignedIndex.add(key);
      if (what.has('address')) assignedAddress.add(key);
    }
    const list = defined.list.map((c, i) => {
      const own = written[i] as PciController;
      if (c === own) return own;
      const before = lastShown.get(c.key);
      if (before && before.own === own && before.shown.index === c.index && sameAddress(before.shown.address, c.address) && sameTarget(before.shown.target, c.target)) return before.shown;
      return c;
    });
    out = { list, byKey: new Map(list.map((c) => [c.key, c])), assignedIndex, assignedAddress, filled: defined.filled };
  }
  lastShown = new Map(out.list.map((c, i) => [c.key, { own: written[i] as PciController, shown: c }]));
  cache.set(guest, out);
  return out;
}

/** The controller `key` as drawn ({@link shownControllers}). */
export const shownController = (guest: Guest, key: string): PciController | undefined => shownControllers(guest).byKey.get(key);

export const nodeIdOf = (c: Pick<PciController, 'key'>): string => `n:${c.key}`;

/** The id of the element a bus node draws its name in (the node wrapper's aria-labelledby). */
export const busNameIdOf = (c: Pick<PciController, 'key'>): string => `${nodeIdOf(c)}-name`;

/**
 * What screen readers call a bus node: its kind, index and how many devices it holds ("vPHB 1,
 * 8 devices", "Root port 3, no devices"); `devices` counts the devices on the bus (devicesByBus).
 */
/**
 * A controller as the canvas names it ("vPHB 0", "PCIe root 0", "Root port 3"): the tile's title,
 * the node's accessible name and the diagram's box read the same words.
 */
export const controllerLabel = (c: Pick<PciController, 'model' | 'modelName' | 'index'>, family: MachineFamily): string => `${controllerKindLabel(c as PciController, family)} ${c.index ?? '(no index)'}`;

export function busNodeName(c: PciController, family: MachineFamily, devices: number): string {
  return `${controllerLabel(c, family)}, ${devices === 0 ? 'no devices' : `${devices} device${devices === 1 ? '' : 's'}`}`;
}

/**
 * Devices on each bus, computed once per guest object so node selectors return stable arrays. A bus
 * whose devices are the same objects as in the guest before keeps its array: after an edit only the
 * buses it touched re-render.
 */
const busCache = new WeakMap<Guest, Map<number, GuestDevice[]>>();
let lastBuses = new Map<number, GuestDevice[]>();
const sameList = (a: readonly GuestDevice[], b: readonly GuestDevice[]) => a.length === b.length && a.every((x, i) => x === b[i]);
export function devicesByBus(guest: Guest): ReadonlyMap<number, readonly GuestDevice[]> {
  let m = busCache.get(guest);
  if (!m) {
    m = new Map();
    for (const d of guest.devices) {
      if (!d.address) continue;
      const list = m.get(d.address.bus) ?? [];
      list.push(d);
      m.set(d.address.bus, list);
    }
    for (const [bus, list] of m) {
      list.sort((a, b) => (a.address?.slot ?? 0) - (b.address?.slot ?? 0) || (a.address?.function ?? 0) - (b.address?.function ?? 0));
      const before = lastBuses.get(bus);
      if (before && sameList(before, list)) m.set(bus, before);
    }
    lastBuses = m;
    busCache.set(guest, m);
  }
  return m;
}

export const NO_DEVICES: readonly GuestDevice[] = [];
export const NO_CONTROLLERS: readonly PciController[] = [];

/** Controllers plugged into each bus (their address names it), stable per bus like devicesByBus. */
const childCaches = perOrder<Guest, Map<number, PciController[]>>();
let lastChildren = new Map<number, PciController[]>();
export function controllersByBus(guest: Guest): ReadonlyMap<number, readonly PciController[]> {
  const childCache = childCaches(shownOrder());
  let m = childCache.get(guest);
  if (!m) {
    m = new Map();
    for (const c of shownControllers(guest).list) {
      if (!c.address || c.address.bus === c.index) continue;
      m.set(c.address.bus, [...(m.get(c.address.bus) ?? []), c]);
    }
    for (const [bus, list] of m) {
      const before = lastChildren.get(bus);
      if (before && before.length === list.length && before.every((x, i) => x === list[i])) m.set(bus, before);
    }
    lastChildren = m;
    childCache.set(guest, m);
  }
  return m;
}

/**
 * The controller that draws bus `index`: the first with that index. A duplicated index is an error
 * the rules report (GEN-IDX-1); its devices are drawn once, on the first.
 */
const ownerCache = new WeakMap<Guest, Map<number, string>>();
export function busOwner(guest: Guest, index: number): string | undefined {
  let m = ownerCache.get(guest);
  if (!m) {
    m = new Map();
    for (const c of shownControllers(guest).list) if (c.index !== undefined && !m.has(c.index)) m.set(c.index, c.key);
    ownerCache.set(guest, m);
  }
  return m.get(index);
}

/**
 * The guest's PCI devices: those libvirt gives a PCI address (takesPciAddress) and those that have
 * one written. Every one of them has a `guest-device-<key>` node: on its bus, or in the Unplaced tray.
 */
const pciCache = new WeakMap<Guest, readonly GuestDevice[]>();
export function pciDevices(guest: Guest): readonly GuestDevice[] {
  let list = pciCache.get(guest);
  if (!list) {
    const machine = machineProfile(guest);
    list = guest.devices.filter((d) => d.address !== undefined || takesPciAddress(d, machine));
    pciCache.set(guest, list);
  }
  return list;
}

/** PCI devices with no place on a drawn bus: no address yet, or an address on a bus no controller draws. */
const unplacedCache = new WeakMap<Guest, readonly GuestDevice[]>();
export function unplacedDevices(guest: Guest): readonly GuestDevice[] {
  let list = unplacedCache.get(guest);
  if (!list) {
    list = pciDevices(guest).filter((d) => !d.address || busOwner(guest, d.address.bus) === undefined);
    unplacedCache.set(guest, list);
  }
  return list;
}

/** Something libvirt adds at define with no bus the canvas draws: a controller it adds, or a device on one. */
export interface AddedElsewhere {
  /** the device's key, or the controller's */
  readonly key: string;
  readonly kind: 'device' | 'controller';
  /** in libvirt's words: "implicit sata controller", "pcie-root-port 1" */
  readonly label: string;
  /** where libvirt puts it: "pcie-root 0 slot 0x01"; none for a root bus (a vPHB libvirt adds) */
  readonly where?: string | undefined;
  /** a controller's index */
  readonly index?: number | undefined;
}

/**
 * What libvirt adds to the design at define (virDomainDefPostParse: the implicit USB and SATA
 * controllers, memballoon, video, virtio-serial; qemuDomainAssignPCIAddresses: the buses it adds for
 * devices without an address), where it puts them, as the engine simulates define (defineDomain).
 * Never part of the design: export does not write them and no command moves them.
 */
export interface AddedAtDefine {
  /** devices libvirt adds, by the bus (drawn) it puts them on, in slot order */
  readonly byBus: ReadonlyMap<number, readonly GuestDevice[]>;
  /** the rest: controllers libvirt adds and devices on their buses */
  readonly elsewhere: readonly AddedElsewhere[];
}

const NOTHING_ADDED: AddedAtDefine = { byBus: new Map(), elsewhere: [] };
const addedCaches = perOrder<Guest, AddedAtDefine>();
let lastAdded = new Map<number, GuestDevice[]>();
const sameDevices = (a: readonly GuestDevice[], b: readonly GuestDevice[]) => a.length === b.length && a.every((x, i) => x.key === b[i]?.key && sameAddress(x.address, b[i]?.address) && x.label === b[i]?.label);

/** The last define run of {@link addedAtDefine}: its guest, the highest bus its searches read, its answer. */
let lastDefine: { readonly guest: Guest; readonly order: ControllerOrder; readonly reach: number; readonly out: AddedAtDefine } | undefined;

/**
 * {@link AddedAtDefine} of a guest, as the release shown defines it ({@link shownOrder}), memoised on both. Define is simulated only when it can add
 * something: when post-parse adds a device or controller (cheap, no address assignment), or
 * something PCI has no address for libvirt to give; a design that writes it all runs none. An edit
 * that only moves devices among buses the last run's searches never read (libvirt's searches stop
 * at the first bus with room: the added devices go to the first free slots, vPHB 0 on pseries)
 * keeps that run's answer (placementsUnread): a host group dropped on another vPHB of the 31-vPHB
 * bench design, where libvirt adds a USB controller and a memballoon, runs no define in the drop's
 * frame. A bus whose added devices are the same as before keeps its array, so its node does not
 * re-render.
 */
export function addedAtDefine(guest: Guest): AddedAtDefine {
  const order = shownOrder();
  const addedCache = addedCaches(order);
  const known = addedCache.get(guest);
  if (known) return known;
  const machine = machineProfile(guest);
  if (lastDefine && lastDefine.order === order && machine.placeable && placementsUnread(lastDefine.guest, lastDefine.reach, guest, machine)) {
    lastDefine = { ...lastDefine, guest };
    addedCache.set(guest, lastDefine.out);
    return lastDefine.out;
  }
  let out = NOTHING_ADDED;
  const parsed = machine.placeable ? virDomainDefPostParse(guest, machine) : guest;
  const adds = parsed.devices.length !== guest.devices.length || parsed.controllers.length !== guest.controllers.length;
  const wantsAddress = pciDevices(guest).some((d) => !d.address) || guest.controllers.some((c) => !c.address && !isRootModel(c));
  const defined = machine.placeable && (adds || wantsAddress) ? defineDomain(guest, undefined, order) : undefined;
  if (defined && !defined.unplaced.includes('*')) {
    const family = machineFamily(guest);
    const devices = new Set(guest.devices.map((d) => d.key));
    const controllers = new Set(guest.controllers.map((c) => c.key));
    const byBus = new Map<number, GuestDevice[]>();
    const elsewhere: AddedElsewhere[] = [];
    const where = (a: GuestPciAddress) => `${busName(defined.guest.controllers, a.bus, family)} slot ${hexNumber(a.slot, 2)}${a.function ? `.${a.function}` : ''}`;
    for (const c of defined.guest.controllers) {
      if (controllers.has(c.key)) continue;
      elsewhere.push({ key: c.key, kind: 'controller', label: controllerName(c, family), where: c.address ? where(c.address) : undefined, index: c.index });
    }
    for (const d of defined.guest.devices) {
      if (devices.has(d.key) || !d.address) continue;
      if (busOwner(guest, d.address.bus) === undefined) elsewhere.push({ key: d.key, kind: 'device', label: d.label, where: where(d.address) });
      else byBus.set(d.address.bus, [...(byBus.get(d.address.bus) ?? []), d]);
    }
    for (const [bus, list] of byBus) {
      list.sort((a, b) => (a.address?.slot ?? 0) - (b.address?.slot ?? 0) || (a.address?.function ?? 0) - (b.address?.function ?? 0));
      const before = lastAdded.get(bus);
      if (before && sameDevices(before, list)) byBus.set(bus, before);
    }
    lastAdded = byBus;
    if (byBus.size > 0 || elsewhere.length > 0) out = { byBus, elsewhere };
  }
  lastDefine = defined ? { guest, order, reach: defined.reach, out } : undefined;
  addedCache.set(guest, out);
  return out;
}

export const NO_ADDED: readonly GuestDevice[] = [];

/**
 * Most device rows a full node stacks before its list wraps into another column, and the width of
 * each column after the first. A bus with many devices (an i440fx pci.0 holding 32, libvirt's
 * qemuxmlconfdata__pci-many.xml) is then a wide block, not a 1,200-px column that only fits the
 * canvas as a summary tile: 3 columns of 11 fit a 1280x720 canvas at a readable zoom.
 */
export const DEVICE_ROWS = 12;
/**
 * The row limits a fit chooses from ({@link planFit}), the default first: the shape of a big bus
 * follows the canvas as the grid of buses does. Two vPHBs of 31 devices side by side are 1,448
 * units wide in columns of 12 rows, too wide for a 1920x1080 canvas at a readable zoom (0.83);
 * in columns of 16 rows they fit at 0.93.
 */
export const DEVICE_ROW_CHOICES: readonly number[] = [DEVICE_ROWS, 8, 16, 24, 32];
export const DEVICE_COLUMN_WIDTH = 230;
/** Horizontal padding of a full node's device list (styles.css .gdevs). */
const DEVICE_LIST_PAD = 12;

/** How a full node lays out `count` device rows: columns of at most `maxRows`, filled top to bottom. */
export function deviceGrid(count: number, maxRows = DEVICE_ROWS): { readonly columns: number; readonly rows: number } {
  const columns = Math.max(1, Math.ceil(count / maxRows));
  return { columns, rows: Math.max(1, Math.ceil(count / columns)) };
}

/** Width of a full node in flow units: {@link NODE_WIDTH}, or wider when its device list has several columns. */
export function fullWidth(deviceCount: number, maxRows = DEVICE_ROWS): number {
  const { columns } = deviceGrid(deviceCount, maxRows);
  return columns === 1 ? NODE_WIDTH : Math.max(NODE_WIDTH, DEVICE_LIST_PAD + columns * DEVICE_COLUMN_WIDTH);
}

/** Height of a full node in flow units; the CSS keeps every part at these sizes. */
export function estimateHeight(c: PciController, deviceCount: number, family: MachineFamily, maxRows = DEVICE_ROWS): number {
  const m = busModel(c);
  const slots = m ? m.maxSlot - m.minSlot + 1 : 0;
  const slotRows = Math.ceil(slots / SLOT_COLUMNS);
  const p = FULL_PARTS;
  return p.border + (shownAsPhb(c, family) ? p.phbBorder : 0) + p.head + p.pe + (slotRows ? slotRows * p.slotRow + p.slotPad : 0) + deviceGrid(deviceCount, maxRows).rows * p.device + p.foot;
}

export interface Size {
  readonly width: number;
  readonly height: number;
}

export function boxSize(c: PciController, deviceCount: number, lod: Lod, family: MachineFamily, maxRows = DEVICE_ROWS): Size {
  return lod === 'tile' ? { width: TILE_WIDTH, height: TILE_HEIGHT } : { width: fullWidth(deviceCount, maxRows), height: estimateHeight(c, deviceCount, family, maxRows) };
}

/** Where a box sat in its parent's grid: kept across edits so nothing jumps (see LayoutOptions.keep). */
export interface Cell {
  readonly parent: string;
  readonly cell: number;
}
export type CellMemory = ReadonlyMap<string, Cell>;

export interface LayoutOptions {
  readonly lod: Lod;
  /** most boxes side by side in any grid */
  readonly columns: number;
  /** most device rows a full node stacks before its list wraps ({@link DEVICE_ROWS} when not given) */
  readonly deviceRows?: number | undefined;
  /**
   * The cells of a previous layout: a box keeps its cell, a new box takes the first free cell of its
   * grid, a removed one leaves its cell empty until the next tidy (a fit to the whole design).
   */
  readonly keep?: CellMemory | undefined;
}

export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface GuestLayout {
  readonly nodes: ControllerFlowNode[];
  readonly edges: TrunkFlowEdge[];
  readonly cells: CellMemory;
  /** node id -> its box */
  readonly boxes: ReadonlyMap<string, Rect>;
  readonly width: number;
  readonly height: number;
}

const ROOT = '';

interface Tree {
  readonly roots: PciController[];
  readonly children: ReadonlyMap<string, PciController[]>;
}

function buildTree(guest: Guest): Tree {
  const shown = shownControllers(guest).list;
  const byIndex = new Map<number, PciController>();
  for (const c of shown) if (c.index !== undefined && !byIndex.has(c.index)) byIndex.set(c.index, c);
  const order = (a: PciController, b: PciController) =>
    (a.address?.slot ?? 0) - (b.address?.slot ?? 0) || (a.address?.function ?? 0) - (b.address?.function ?? 0) || (a.index ?? 999) - (b.index ?? 999) || a.key.localeCompare(b.key);
  const children = new Map<string, PciController[]>();
  const roots: PciController[] = [];
  // a controller whose bus is one of its own descendants (a loop the rules report) hangs from the root instead
  const parentOf = (c: PciController): PciController | undefined => {
    const bus = c.address?.bus;
    if (bus === undefined || bus === c.index) return undefined;
    const p = byIndex.get(bus);
    for (let up = p, steps = 0; up && steps < 300; up = up.address ? byIndex.get(up.address.bus) : undefined, steps++) {
      if (up.key === c.key) return undefined;
      if (up.address?.bus === up.index) break;
    }
    return p;
  };
  for (const c of shown) {
    const p = parentOf(c);
    if (!p) roots.push(c);
    else children.set(p.key, [...(children.get(p.key) ?? []), c]);
  }
  roots.sort((a, b) => (a.index ?? 999) - (b.index ?? 999) || a.key.localeCompare(b.key));
  for (const list of children.values()) list.sort(order);
  return { roots, children };
}

/** Cells for one sibling set: kept cells first, then the first free ones in sibling order. */
function assignCells(siblings: readonly PciController[], parent: string, keep: CellMemory | undefined): Map<string, number> {
  const out = new Map<string, number>();
  const taken = new Set<number>();
  for (const s of siblings) {
    const k = keep?.get(s.key);
    if (k && k.parent === parent && !taken.has(k.cell)) {
      out.set(s.key, k.cell);
      taken.add(k.cell);
    }
  }
  let next = 0;
  for (const s of siblings) {
    if (out.has(s.key)) continue;
    while (taken.has(next)) next++;
    out.set(s.key, next);
    taken.add(next);
  }
  return out;
}

interface Block {
  readonly width: number;
  readonly height: number;
  place(x: number, y: number): void;
}

/** A grid of blocks: columns as wide as their widest block, rows as tall as their tallest. */
function gridOf(items: readonly { cell: number; block: Block }[], columns: number, gapX: number, gapY: number): Block {
  const cells = Math.max(0, ...items.map((i) => i.cell + 1));
  const cols = Math.max(1, Math.min(columns, cells));
  const rows = Math.ceil(cells / cols);
  const colW = new Array<number>(cols).fill(0);
  const rowH = new Array<number>(rows).fill(0);
  for (const { cell, block } of items) {
    const c = cell % cols;
    const r = Math.floor(cell / cols);
    colW[c] = Math.max(colW[c] ?? 0, block.width);
    rowH[r] = Math.max(rowH[r] ?? 0, block.height);
  }
  const colX: number[] = [];
  const rowY: number[] = [];
  colW.reduce((x, w, i) => ((colX[i] = x), x + w + gapX), 0);
  rowH.reduce((y, h, i) => ((rowY[i] = y), y + h + gapY), 0);
  const width = colW.reduce((a, b) => a + b, 0) + gapX * (cols - 1);
  const height = rowH.reduce((a, b) => a + b, 0) + gapY * Math.max(0, rows - 1);
  return {
    width,
    height,
    place(x, y) {
      for (const { cell, block } of items) block.place(x + (colX[cell % cols] ?? 0), y + (rowY[Math.floor(cell / cols)] ?? 0));
    },
  };
}

/** Lays the guest's controllers out (see the module comment). Pure. */
export function layoutGuest(guest: Guest, opts: LayoutOptions): GuestLayout {
  const { lod } = opts;
  const deviceRows = lod === 'full' ? (opts.deviceRows ?? DEVICE_ROWS) : undefined;
  const gap = SPACING[lod];
  const family = machineFamily(guest);
  const { roots, children } = buildTree(guest);
  const byBus = devicesByBus(guest);
  const nodes: ControllerFlowNode[] = [];
  const edges: TrunkFlowEdge[] = [];
  const cells = new Map<string, Cell>();
  const boxes = new Map<string, Rect>();
  const visited = new Set<string>();

  const added = addedAtDefine(guest).byBus;
  // the rows of a full node: the bus's devices and those libvirt adds there at define
  const deviceCount = (c: PciController) => (c.index === undefined || busOwner(guest, c.index) !== c.key ? 0 : (byBus.get(c.index)?.length ?? 0) + (added.get(c.index)?.length ?? 0));

  const blockOf = (c: PciController): Block => {
    visited.add(c.key);
    const size = boxSize(c, deviceCount(c), lod, family, deviceRows);
    const kids = (children.get(c.key) ?? []).filter((k) => !visited.has(k.key));
    const own = (x: number, y: number) => {
      const id = nodeIdOf(c);
      // the name screen readers give the node (React Flow puts it on the focusable node wrapper): the
      // node's own element says it with the device count (busNodeName), so a drop, which changes a
      // count, renews no node here and React Flow takes in no new nodes array (a second render and
      // commit in the drop's frame); the label is what a reader says until that element is drawn
      const ariaLabel = `${controllerKindLabel(c, family)} ${c.index ?? '(no index)'}`;
      const domAttributes = { 'aria-labelledby': busNameIdOf(c) };
      // `measured` as laid out (React Flow sizes the node's element to width/height): a node that an
      // edit renews (its label names its device count) keeps the handle bounds React Flow measured, where
      // without it React Flow forgets them, observes the node again and measures it with a forced layout
      // and a second render in the frame that shows the edit (@xyflow/system adoptUserNodes, parseHandles)
      nodes.push({ id, type: 'controller', position: { x, y }, width: size.width, height: size.height, measured: { width: size.width, height: size.height }, data: deviceRows === undefined ? { key: c.key, lod } : { key: c.key, lod, deviceRows }, draggable: false, selectable: false, ariaLabel, domAttributes });
      boxes.set(id, { x, y, width: size.width, height: size.height });
    };
    if (kids.length === 0) return { width: size.width, height: size.height, place: own };
    const assigned = assignCells(kids, c.key, opts.keep);
    const items = kids.map((k) => {
      const cell = assigned.get(k.key) ?? 0;
      cells.set(k.key, { parent: c.key, cell });
      // React Flow names an edge by its node ids (internal keys) unless told: name the buses instead
      edges.push({ id: `e:${c.key}->${k.key}`, source: nodeIdOf(c), target: nodeIdOf(k), type: 'trunk', data: { busOffset: gap.row / 2 }, selectable: false, focusable: false, ariaLabel: `${controllerName(k, family)} plugs into ${controllerName(c, family)}` });
      return { cell, block: blockOf(k) };
    });
    const grid = gridOf(items, opts.columns, gap.col, gap.row);
    return {
      width: Math.max(size.width, gap.indent + grid.width),
      height: size.height + gap.row + grid.height,
      place(x, y) {
        own(x, y);
        grid.place(x + gap.indent, y + size.height + gap.row);
      },
    };
  };

  const assigned = assignCells(roots, ROOT, opts.keep);
  const top = roots.map((r) => {
    const cell = assigned.get(r.key) ?? 0;
    cells.set(r.key, { parent: ROOT, cell });
    return { cell, block: blockOf(r) };
  });
  // no edge runs between the top-level boxes: their rows need no room for one
  const grid = gridOf(top, opts.columns, gap.col, gap.col);
  grid.place(0, 0);
  return { nodes, edges, cells, boxes, width: grid.width, height: grid.height };
}

/** The zoom at which a box of `w` x `h` flow units fits a view of `view` screen pixels, with padding. */
export function fitZoom(w: number, h: number, view: Size, padding = FIT_PADDING): number {
  if (w <= 0 || h <= 0) return MAX_FIT_ZOOM;
  return Math.min((view.width - 2 * padding) / w, (view.height - 2 * padding) / h);
}

/** The most siblings any grid has: more columns than that change nothing. */
function widestSiblingSet(guest: Guest): number {
  const { roots, children } = buildTree(guest);
  return Math.max(1, roots.length, ...[...children.values()].map((l) => l.length));
}

/** A box and the boxes in its grid, as {@link layoutGuest} walks them: sizes only, for any column count. */
interface SizeNode {
  readonly size: Size;
  readonly kids: readonly SizeNode[];
}

/**
 * The tree {@link layoutGuest} lays out at this level of detail (same walk, same boxes, cells in
 * sibling order as a fresh layout assigns them), without building nodes, edges or labels.
 */
function sizeTree(guest: Guest, lod: Lod, deviceRows: number): readonly SizeNode[] {
  const family = machineFamily(guest);
  const { roots, children } = buildTree(guest);
  const byBus = devicesByBus(guest);
  const visited = new Set<string>();
  const added = addedAtDefine(guest).byBus;
  // the rows of a full node: the bus's devices and those libvirt adds there at define
  const deviceCount = (c: PciController) => (c.index === undefined || busOwner(guest, c.index) !== c.key ? 0 : (byBus.get(c.index)?.length ?? 0) + (added.get(c.index)?.length ?? 0));
  const walk = (c: PciController): SizeNode => {
    visited.add(c.key);
    const kids = (children.get(c.key) ?? []).filter((k) => !visited.has(k.key));
    return { size: boxSize(c, deviceCount(c), lod, family, deviceRows), kids: kids.map(walk) };
  };
  return roots.map(walk);
}

/** Width and height of a grid of `items` (cells 0..n-1) as {@link gridOf} makes it. */
function gridSize(items: readonly Size[], columns: number, gapX: number, gapY: number): Size {
  const cols = Math.max(1, Math.min(columns, items.length));
  const rows = Math.ceil(items.length / cols);
  const colW = new Array<number>(cols).fill(0);
  const rowH = new Array<number>(rows).fill(0);
  items.forEach((b, i) => {
    colW[i % cols] = Math.max(colW[i % cols] ?? 0, b.width);
    rowH[Math.floor(i / cols)] = Math.max(rowH[Math.floor(i / cols)] ?? 0, b.height);
  });
  return { width: colW.reduce((a, b) => a + b, 0) + gapX * (cols - 1), height: rowH.reduce((a, b) => a + b, 0) + gapY * Math.max(0, rows - 1) };
}

/** The size {@link layoutGuest} gives the whole design at `columns` (no kept cells). */
function layoutSize(tree: readonly SizeNode[], lod: Lod, columns: number): Size {
  const gap = SPACING[lod];
  const block = (n: SizeNode): Size => {
    if (n.kids.length === 0) return n.size;
    const grid = gridSize(n.kids.map(block), columns, gap.col, gap.row);
    return { width: Math.max(n.size.width, gap.indent + grid.width), height: n.size.height + gap.row + grid.height };
  };
  return gridSize(tree.map(block), columns, gap.col, gap.col);
}

/**
 * The column count whose layout fits `view` at the largest zoom (ties: fewer columns), full nodes'
 * device lists wrapping at `deviceRows`. Every count is sized, not laid out: the first view of a
 * 31-vPHB design tries 31 counts at each level of detail and row limit.
 */
export function chooseColumns(guest: Guest, lod: Lod, view: Size, deviceRows = DEVICE_ROWS): { columns: number; zoom: number } {
  let best = { columns: 1, zoom: -Infinity };
  const most = widestSiblingSet(guest);
  const tree = sizeTree(guest, lod, deviceRows);
  for (let c = 1; c <= most; c++) {
    const l = layoutSize(tree, lod, c);
    const z = fitZoom(l.width, l.height, view);
    if (z > best.zoom + 1e-9) best = { columns: c, zoom: z };
  }
  return best;
}

export interface FitPlan {
  readonly lod: Lod;
  readonly columns: number;
  readonly zoom: number;
  /** the row limit of full nodes' device lists this fit chose (kept for a tile plan: what zooming in shows) */
  readonly deviceRows: number;
}

/** Whether a design has a bus whose device list wraps at all: only then does the row limit change anything. */
const wraps = (guest: Guest): boolean => Math.max(0, ...[...devicesByBus(guest).values()].map((l) => l.length)) > Math.min(...DEVICE_ROW_CHOICES);

/**
 * The full layout that fits `view` at the largest zoom (a fit never zooms past MAX_FIT_ZOOM, so
 * beyond it the default row limit wins), over the row limits and, unless fixed, the column counts.
 */
function bestFull(guest: Guest, view: Size, columns: number | undefined): { columns: number; zoom: number; deviceRows: number } {
  let best = { columns: 1, zoom: -Infinity, deviceRows: DEVICE_ROWS };
  for (const rows of wraps(guest) ? DEVICE_ROW_CHOICES : [DEVICE_ROWS]) {
    let c: { columns: number; zoom: number };
    if (columns === undefined) c = chooseColumns(guest, 'full', view, rows);
    else {
      const l = layoutGuest(guest, { lod: 'full', columns, deviceRows: rows });
      c = { columns, zoom: fitZoom(l.width, l.height, view) };
    }
    if (Math.min(c.zoom, MAX_FIT_ZOOM) > Math.min(best.zoom, MAX_FIT_ZOOM) + 1e-9) best = { ...c, deviceRows: rows };
  }
  return best;
}

/**
 * How to show the whole design in `view`: full nodes when they fit at a zoom where their text is
 * still legible (FULL_MIN_ZOOM: 12-px text at 10 px or more on screen), else tiles, each at the
 * column count that suits the view's aspect ratio; big buses' device lists take the row limit that
 * gives the full layout its largest zoom. The zoom of a tile plan stays below FULL_MIN_ZOOM, so the
 * level of detail the zoom implies is the one planned.
 */
export function planFit(guest: Guest, view: Size): FitPlan {
  const full = bestFull(guest, view, undefined);
  if (full.zoom >= FULL_MIN_ZOOM) return { lod: 'full', columns: full.columns, zoom: Math.min(full.zoom, MAX_FIT_ZOOM), deviceRows: full.deviceRows };
  const tile = chooseColumns(guest, 'tile', view);
  return { lod: 'tile', columns: tile.columns, zoom: Math.max(0.05, Math.min(tile.zoom, FULL_MIN_ZOOM - 0.01)), deviceRows: full.deviceRows };
}

/** {@link planFit} with the column count fixed (a refit that must not rearrange the grids); the row limit is still chosen. */
export function planFitColumns(guest: Guest, view: Size, columns: number): FitPlan {
  const full = bestFull(guest, view, columns);
  if (full.zoom >= FULL_MIN_ZOOM) return { lod: 'full', columns, zoom: Math.min(full.zoom, MAX_FIT_ZOOM), deviceRows: full.deviceRows };
  const tile = layoutGuest(guest, { lod: 'tile', columns });
  return { lod: 'tile', columns, zoom: Math.max(0.05, Math.min(fitZoom(tile.width, tile.height, view), FULL_MIN_ZOOM - 0.01)), deviceRows: full.deviceRows };
}

/** The level of detail a zoom shows. */
export const lodAt = (zoom: number): Lod => (zoom >= FULL_MIN_ZOOM ? 'full' : 'tile');

/** The smallest rectangle holding every rect. */
export function unionOf(rects: readonly Rect[]): Rect | undefined {
  if (rects.length === 0) return undefined;
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const r of rects) {
    x0 = Math.min(x0, r.x);
    y0 = Math.min(y0, r.y);
    x1 = Math.max(x1, r.x + r.width);
    y1 = Math.max(y1, r.y + r.height);
  }
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/**
 * What a bus carries from the host, in the right words: on a pseries vPHB the host IOMMU groups
 * are its guest PE (PAPR); on PCIe ports and bridges they are plain IOMMU groups. A vPHB with no
 * device at all is a spare (hotplug lands there), not a home for emulated devices.
 */
export function groupsLabel(phb: boolean, groups: ReadonlySet<number>, hasDevices = true, buses = 0): string {
  const list = [...groups].sort((a, b) => a - b).join(', ');
  const noun = `group${groups.size > 1 ? 's' : ''}`;
  const plugged = `${buses} bus${buses === 1 ? '' : 'es'} plugged in`;
  if (!phb) return groups.size ? `IOMMU ${noun} ${list}` : hasDevices ? 'emulated devices only' : buses ? plugged : 'empty';
  if (groups.size > 0) return `PE: host ${noun} ${list}`;
  return hasDevices ? 'PE: none (emulated devices only)' : buses ? `PE: none (${plugged})` : 'PE: none (empty: spare for hotplug)';
}

export interface Point {
  readonly x: number;
  readonly y: number;
}

/** Options of a remembered layout: level of detail, columns, device rows, and the flow point its (0, 0) sits at. */
export interface ViewPlan {
  readonly lod: Lod;
  readonly columns: number;
  readonly deviceRows?: number | undefined;
  readonly origin: Point;
}

export interface LayoutMemory {
  /**
   * The layout for this plan; it becomes the one whose cells later layouts keep. Cached per input:
   * the guest, the plan, and the libvirt release shown (where libvirt plugs in the controllers the XML
   * leaves unaddressed follows it: shownControllers).
   */
  layout(guest: Guest, plan: ViewPlan, release?: string): GuestLayout;
  /** The layout this plan would give now, keeping the remembered cells, without remembering it. */
  peek(guest: Guest, plan: ViewPlan): GuestLayout;
  /** Forgets the cells: the next layout is tidy (every grid filled from its first cell, no gaps). */
  forget(): void;
}

function shifted(l: GuestLayout, origin: Point): GuestLayout {
  if (origin.x === 0 && origin.y === 0) return l;
  const move = (r: Rect): Rect => ({ ...r, x: r.x + origin.x, y: r.y + origin.y });
  return {
    ...l,
    nodes: l.nodes.map((n) => ({ ...n, position: { x: n.position.x + origin.x, y: n.position.y + origin.y } })),
    boxes: new Map([...l.boxes].map(([id, r]) => [id, move(r)])),
  };
}

/** `next`, or `before` when it holds the same objects in the same order. */
function sameArray<T>(next: T[], before: T[]): T[] {
  return next.length === before.length && next.every((x, i) => x === before[i]) ? before : next;
}

/**
 * The layout with the node and edge objects of `before` wherever nothing about them changed: React
 * Flow then re-measures and re-renders only the nodes an edit touched. A list whose objects are all
 * kept is the same array, so React Flow does not take it in again (its StoreUpdater re-adopts the
 * nodes or edges, and rebuilds the connection lookup, whenever the prop is a new array): a drop
 * moves devices between buses and leaves every edge as it was, on a 31-vPHB design too.
 */
function reuse(next: GuestLayout, before: GuestLayout | undefined): GuestLayout {
  if (!before) return next;
  const nodes = new Map(before.nodes.map((n) => [n.id, n]));
  const edges = new Map(before.edges.map((e) => [e.id, e]));
  const same = (a: ControllerFlowNode, b: ControllerFlowNode | undefined) =>
    !!b && b.position.x === a.position.x && b.position.y === a.position.y && b.width === a.width && b.height === a.height && b.data.key === a.data.key && b.data.lod === a.data.lod && b.data.deviceRows === a.data.deviceRows && b.ariaLabel === a.ariaLabel;
  const keptNodes = next.nodes.map((n) => {
    const b = nodes.get(n.id);
    return same(n, b) ? (b as ControllerFlowNode) : n;
  });
  const keptEdges = next.edges.map((e) => {
    const b = edges.get(e.id);
    return b && b.source === e.source && b.target === e.target && b.data?.busOffset === e.data?.busOffset && b.ariaLabel === e.ariaLabel ? b : e;
  });
  return { ...next, nodes: sameArray(keptNodes, before.nodes), edges: sameArray(keptEdges, before.edges) };
}

/**
 * Keeps the layout stable across edits: each layout keeps the cells of the one before it, so an
 * added bus takes a free cell and nothing else moves; a removed one leaves a gap until a tidy.
 */
export function createLayoutMemory(): LayoutMemory {
  let keep: CellMemory | undefined;
  let last: { guest: Guest; plan: ViewPlan; release: string | undefined; result: GuestLayout } | undefined;
  const compute = (guest: Guest, plan: ViewPlan) => shifted(layoutGuest(guest, { lod: plan.lod, columns: plan.columns, deviceRows: plan.deviceRows, keep }), plan.origin);
  return {
    layout(guest, plan, release) {
      if (last && last.guest === guest && last.plan === plan && last.release === release) return last.result;
      const result = reuse(compute(guest, plan), last?.result);
      keep = result.cells;
      last = { guest, plan, release, result };
      return result;
    },
    peek: compute,
    forget() {
      keep = undefined;
      last = undefined;
    },
  };
}

/** Node ids whose bus changed between two guests: new buses, and buses that gained or lost a device. */
export function changedNodes(before: Guest, after: Guest): string[] {
  const old = new Map(before.devices.map((d) => [d.key, d.address]));
  const known = new Set(before.controllers.map((c) => c.key));
  // buses by the index libvirt gives them, as drawn
  const buses = new Set<number>();
  for (const d of after.devices) {
    const a = old.get(d.key);
    if (d.address && (!old.has(d.key) || a?.bus !== d.address.bus || a.slot !== d.address.slot || a.function !== d.address.function)) buses.add(d.address.bus);
  }
  const ids: string[] = [];
  for (const c of shownControllers(after).list) if (!known.has(c.key) || (c.index !== undefined && buses.has(c.index))) ids.push(nodeIdOf(c));
  return ids;
}

/** Who takes a slot of a bus: a device or bus of the design, or a device libvirt adds there at define. */
export interface SlotTaker {
  readonly label: string;
  /** taken by a device libvirt adds at define (addedAtDefine), not by the design */
  readonly byLibvirt: boolean;
}

/** The slots of a bus and who takes each, as its slot grid and its tile's counts show them. */
export interface SlotUse {
  /** every slot of the bus, in order (none for a bus without slots, or without an index) */
  readonly slots: readonly number[];
  readonly takenBy: ReadonlyMap<number, SlotTaker>;
  readonly used: number;
  readonly free: number;
  /** of `used`, the slots only libvirt's additions at define take */
  readonly byLibvirt: number;
}

/**
 * Slot use of bus `c`: its devices and child buses, and the devices libvirt adds there at define
 * (`added`, from the memoised addedAtDefine): a slot libvirt fills at define is not free for the
 * user, and a "3 free" that counts it would be wrong once the domain is defined. A slot the design
 * itself takes stays the design's (libvirt never puts its additions on a taken slot).
 */
export function slotUse(c: PciController, devices: readonly GuestDevice[], children: readonly PciController[], added: readonly GuestDevice[], family: MachineFamily): SlotUse {
  const m = busModel(c);
  const takenBy = new Map<number, SlotTaker>();
  for (const d of devices) if (d.address) takenBy.set(d.address.slot, { label: d.label, byLibvirt: false });
  for (const k of children) if (k.address) takenBy.set(k.address.slot, { label: `${controllerKindLabel(k, family)} ${k.index ?? '?'}`, byLibvirt: false });
  for (const d of added) if (d.address && !takenBy.has(d.address.slot)) takenBy.set(d.address.slot, { label: d.label, byLibvirt: true });
  const slots: number[] = [];
  if (m && c.index !== undefined) for (let s = m.minSlot; s <= m.maxSlot; s++) slots.push(s);
  const used = slots.filter((s) => takenBy.has(s)).length;
  return { slots, takenBy, used, free: slots.length - used, byLibvirt: slots.filter((s) => takenBy.get(s)?.byLibvirt).length };
}

/** A tile's slot count line: libvirt's additions at define are counted used, and said so. */
export function slotsLine(use: SlotUse): string {
  return `${use.used} used · ${use.free} free${use.byLibvirt ? ` · ${use.byLibvirt} taken by libvirt at define` : ''}`;
}
