/**
 * Seeded generator of designs for the differential check against real libvirt + QEMU
 * (test/real/differential.ts, scripts/differential.mjs; issues 12 and 13).
 *
 * `generateDesign(seed, n, family)` always gives the same design for the same arguments. A design is
 * a list of items (PCI controllers and devices, each with or without an address) on a pseries, q35,
 * aarch64 virt or i440fx domain, optional NUMA cells, and hostdevs with the host file (node-device
 * XML) that describes them. Most designs are built to be accepted; about one in four then gets one
 * mutation of a kind libvirt or QEMU refuse (chassis clash, address on a missing bus, slot taken
 * twice, PHB target clash, …), so verdicts are tested both ways. Whether a design is really refused
 * is for libvirt and QEMU to say: the mutation name is only a label.
 *
 * The domains are made to run in the sandbox of `pcitopo verify` as they are: domain type qemu
 * (TCG), 256 MiB per NUMA cell, `<interface type='user'>`, no graphics. The host functions of a
 * design (IOMMU group, PCI Express or conventional, NUMA node) are written as node-device XML for
 * pcitopo and shown to libvirt as sysfs (test/real/differential.ts); their addresses and group
 * numbers are drawn per design, so most designs of a batch can share one sysfs.
 */

export type Family = 'pseries' | 'q35' | 'virt' | 'i440fx';
export const FAMILIES: readonly Family[] = ['pseries', 'q35', 'virt', 'i440fx'];

export interface Addr {
  bus: number;
  slot: number;
  fn: number;
  mf?: 'on' | 'off' | undefined;
}

/** A `<controller type='pci'>`, in the fields the generator and its mutations work on. */
export interface PciCtrl {
  index?: number | undefined;
  model: string;
  modelName?: string | undefined;
  targetIndex?: number | undefined;
  chassis?: number | undefined;
  port?: number | undefined;
  chassisNr?: number | undefined;
  busNr?: number | undefined;
  node?: number | undefined;
  /** `<target hotplug='on|off'/>` */
  hotplug?: 'on' | 'off' | undefined;
}

export interface Item {
  /** what it is, for people: "pcie-root-port 3", "virtio NIC", "hostdev 0000:41:00.0" */
  what: string;
  /** a PCI controller, or any other element (its tag, attributes and inner XML) */
  pci?: PciCtrl | undefined;
  tag?: string | undefined;
  attrs?: Array<[string, string]> | undefined;
  inner?: string[] | undefined;
  address?: Addr | undefined;
  /** host address of a PCI hostdev (`dddd:bb:ss.f`) */
  host?: string | undefined;
}

export interface HostFunction {
  address: string;
  group: number;
  /** PCI Express (`<pci-express/>`), or conventional PCI */
  pcie: boolean;
  driver?: string | undefined;
  node?: number | undefined;
}

export interface GeneratedDesign {
  /** `<family>-<seed>-<n>` */
  name: string;
  seed: number;
  n: number;
  family: Family;
  cells: number;
  vcpus: number;
  items: Item[];
  host: HostFunction[];
  /** `<numatune>` children (`<memnode …/>`), written after `<vcpu>` */
  numatune?: string[] | undefined;
  /** the mutation applied, if any (a label: libvirt and QEMU decide whether it is refused) */
  mutation?: string | undefined;
  /** set on a design made smaller by the differential check's shrinking: the design it came from */
  shrunkFrom?: string | undefined;
}

/**
 * mulberry32: a 32-bit seeded PRNG. Own code on purpose: the designs of a fixed seed must stay the
 * same across library upgrades (the known-disagreement table of the real stage depends on them).
 */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** integer in [lo, hi] */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    if (!xs.length) throw new Error('pick from an empty list');
    return xs[Math.floor(this.next() * xs.length)] as T;
  }
  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [xs[i], xs[j]] = [xs[j] as T, xs[i] as T];
    }
    return xs;
  }
}

/** A seed per design: the same (seed, n) always gives the same stream, whatever else was generated. */
function designSeed(seed: number, n: number, family: Family): number {
  let h = 2166136261 ^ seed;
  for (const c of `${family}/${n}`) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return Math.imul(h ^ (h >>> 13), 0x5bd1e995) >>> 0;
}

const hex = (n: number, w = 2): string => `0x${n.toString(16).padStart(w, '0')}`;

// ---------------------------------------------------------------------------------------------
// Buses: where the generator may write addresses so that the design stays acceptable.

/** What a bus takes, as libvirt's connect flags have it (domain_addr.h VIR_PCI_CONNECT_*), simplified. */
type BusKind = 'phb' | 'pci-root' | 'pcie-root' | 'root-port' | 'downstream' | 'upstream' | 'pci-bridge' | 'pcie-to-pci-bridge' | 'dmi-to-pci-bridge' | 'pxb' | 'pxb-pcie';

interface Bus {
  index: number;
  kind: BusKind;
  used: Set<number>;
}

/** Endpoint classes: PCIe-capable (virtio, e1000e, hostdevs), conventional PCI only, or not on PCI. */
type Conn = 'pcie' | 'pci';

function busSlots(b: Bus, family: Family): number[] {
  switch (b.kind) {
    case 'root-port':
    case 'downstream':
      return [0];
    case 'upstream':
    case 'pxb-pcie':
    case 'dmi-to-pci-bridge':
      return range(0, 31);
    case 'pcie-root':
      // q35: 00:00 host bridge, 00:1f ICH9, 00:01 for the primary video, 00:1a/1d for ICH9 USB
      return family === 'q35' ? range(2, 0x19) : range(1, 31);
    case 'pci-root':
      // i440fx: 00:00 host bridge, 00:01 PIIX3, 00:02 primary video
      return range(3, 31);
    default:
      return range(1, 31);
  }
}

function range(a: number, b: number): number[] {
  const out: number[] = [];
  for (let i = a; i <= b; i++) out.push(i);
  return out;
}

function takes(b: Bus, conn: Conn): boolean {
  switch (b.kind) {
    case 'phb':
    case 'pci-root':
    case 'pci-bridge':
    case 'pcie-to-pci-bridge':
    case 'pxb':
      return true;
    case 'pcie-root':
      // an endpoint with an address from the config may sit on any endpoint bus
      // (virDomainPCIAddressFlagsCompatible, fromConfig), PCI ones as integrated devices
      return true;
    case 'root-port':
    case 'downstream':
      return conn === 'pcie';
    default:
      return false;
  }
}

class Topology {
  buses: Bus[] = [];
  nextIndex = 1;
  constructor(readonly family: Family, readonly rng: Rng) {}

  add(index: number, kind: BusKind): Bus {
    const b = { index, kind, used: new Set<number>() };
    this.buses.push(b);
    return b;
  }

  /** a free slot on a bus of one of `kinds` (or any bus taking `conn`), marked used */
  freeSlot(filter: (b: Bus) => boolean): Addr | undefined {
    const cands: Array<[Bus, number]> = [];
    for (const b of this.buses) {
      if (!filter(b)) continue;
      for (const s of busSlots(b, this.family)) if (!b.used.has(s)) cands.push([b, s]);
    }
    if (!cands.length) return undefined;
    const [b, s] = this.rng.pick(cands);
    b.used.add(s);
    return { bus: b.index, slot: s, fn: 0 };
  }

  forEndpoint(conn: Conn): Addr | undefined {
    return this.freeSlot((b) => takes(b, conn));
  }
}

// ---------------------------------------------------------------------------------------------
// Devices

interface Gen {
  rng: Rng;
  family: Family;
  topo: Topology;
  items: Item[];
  host: HostFunction[];
  cells: number;
  /** disks so far per name prefix (SATA and SCSI disks share `sd`) */
  disks: { vd: number; sd: number; hd: number };
  /** probability that a device gets an address */
  pAddr: number;
  /** next host bus and IOMMU group for hostdevs (each host device is passed through once) */
  hostBus: number;
  hostGroup: number;
  hostNodes: number;
  hostDomain: number;
}

function device(g: Gen, what: string, tag: string, attrs: Array<[string, string]>, inner: string[], conn: Conn | undefined): Item {
  const it: Item = { what, tag, attrs, inner };
  if (conn && g.rng.chance(g.pAddr)) it.address = g.topo.forEndpoint(conn);
  g.items.push(it);
  return it;
}

const diskName = (prefix: string, i: number): string => `${prefix}${String.fromCharCode(97 + i)}`;

function disk(g: Gen, bus: 'virtio' | 'sata' | 'scsi' | 'ide', cdrom = false): void {
  const prefix = bus === 'virtio' ? 'vd' : bus === 'ide' ? 'hd' : 'sd';
  const dev = diskName(prefix, g.disks[prefix]++);
  const inner = [
    `<driver name='qemu' type='raw'/>`,
    ...(cdrom ? [] : [`<source file='/var/lib/libvirt/images/${dev}.img'/>`]),
    `<target dev='${dev}' bus='${bus}'/>`,
    ...(cdrom ? ['<readonly/>'] : []),
  ];
  device(g, `${bus} ${cdrom ? 'cdrom' : 'disk'} ${dev}`, 'disk', [['type', 'file'], ['device', cdrom ? 'cdrom' : 'disk']], inner, bus === 'virtio' ? 'pcie' : undefined);
}

function nic(g: Gen, model: string | undefined): void {
  const conn: Conn | undefined = model === undefined ? undefined : model === 'spapr-vlan' ? undefined : ['virtio', 'e1000e'].includes(model) ? 'pcie' : 'pci';
  device(g, `${model ?? 'model-less'} NIC`, 'interface', [['type', 'user']], model ? [`<model type='${model}'/>`] : [], conn);
}

function usb(g: Gen, model: string | undefined, index = 0): void {
  const conn: Conn | undefined = model === 'none' || model === undefined ? undefined : ['qemu-xhci', 'nec-xhci'].includes(model) ? 'pcie' : 'pci';
  device(g, `usb ${model ?? 'model-less'} ${index}`, 'controller', [['type', 'usb'], ['index', String(index)], ...(model ? ([['model', model]] as Array<[string, string]>) : [])], [], conn);
}

function ich9Usb2(g: Gen, index: number): void {
  // ICH9 EHCI with its UHCI companions: libvirt puts them in one slot (ehci1 at function 7)
  for (const m of ['ich9-ehci1', 'ich9-uhci1', 'ich9-uhci2', 'ich9-uhci3']) {
    g.items.push({ what: `usb ${m} ${index}`, tag: 'controller', attrs: [['type', 'usb'], ['index', String(index)], ['model', m]], inner: m === 'ich9-ehci1' ? [] : [`<master startport='${m === 'ich9-uhci1' ? 0 : m === 'ich9-uhci2' ? 2 : 4}'/>`] });
  }
}

function hostdevs(g: Gen): void {
  const groups = g.rng.int(1, 3);
  for (let i = 0; i < groups; i++) {
    const bus = g.hostBus++;
    const group = g.hostGroup++;
    const fns = g.rng.chance(0.3) ? 2 : 1;
    const node = g.hostNodes > 1 ? g.rng.int(0, g.hostNodes - 1) : undefined;
    const pcie = g.rng.chance(0.85);
    const addrs: string[] = [];
    for (let f = 0; f < fns; f++) {
      const a = `${g.hostDomain.toString(16).padStart(4, '0')}:${bus.toString(16).padStart(2, '0')}:00.${f}`;
      addrs.push(a);
      g.host.push({ address: a, group, pcie, driver: g.rng.chance(0.9) ? 'vfio-pci' : undefined, node });
    }
    // all functions of the group (most of the time), or one
    const passed = fns > 1 && g.rng.chance(0.25) ? [addrs[0] as string] : addrs;
    const together = passed.length > 1 && g.rng.chance(0.5) ? g.topo.forEndpoint('pcie') : undefined;
    passed.forEach((a, f) => {
      const [d, b, sf] = a.split(':') as [string, string, string];
      const [s, fn] = sf.split('.') as [string, string];
      const it: Item = {
        what: `hostdev ${a}`,
        tag: 'hostdev',
        attrs: [['mode', 'subsystem'], ['type', 'pci'], ['managed', 'yes']],
        inner: [`<source>`, `  <address domain='0x${d}' bus='0x${b}' slot='0x${s}' function='0x${fn}'/>`, `</source>`],
        host: a,
      };
      if (together) it.address = { ...together, fn: f, mf: f === 0 ? 'on' : undefined };
      else if (g.rng.chance(g.pAddr)) it.address = g.topo.forEndpoint('pcie');
      g.items.push(it);
    });
  }
}

type Maker = (g: Gen) => void;

const COMMON: Array<[number, Maker]> = [
  [4, (g) => disk(g, 'virtio')],
  [3, (g) => nic(g, 'virtio')],
  [2, (g) => nic(g, 'e1000')],
  [2, (g) => nic(g, 'rtl8139')],
  [2, (g) => nic(g, undefined)],
  [2, (g) => device(g, 'memballoon virtio', 'memballoon', [['model', 'virtio']], [], 'pcie')],
  [1, (g) => device(g, 'memballoon none', 'memballoon', [['model', 'none']], [], undefined)],
  [2, (g) => device(g, 'rng virtio', 'rng', [['model', 'virtio']], [`<backend model='random'>/dev/urandom</backend>`], 'pcie')],
  [2, (g) => {
    device(g, 'virtio-serial controller', 'controller', [['type', 'virtio-serial'], ['index', '0']], [], 'pcie');
    device(g, 'virtio channel', 'channel', [['type', 'pty']], [`<target type='virtio' name='org.example.${g.items.length}'/>`], undefined);
  }],
  [1, (g) => device(g, 'virtio channel', 'channel', [['type', 'pty']], [`<target type='virtio' name='org.example.${g.items.length}'/>`], undefined)],
  [1, (g) => device(g, 'virtio console', 'console', [['type', 'pty']], [`<target type='virtio'/>`], undefined)],
  [2, (g) => {
    device(g, 'scsi controller virtio-scsi', 'controller', [['type', 'scsi'], ['index', '0'], ['model', 'virtio-scsi']], [], 'pcie');
    disk(g, 'scsi');
  }],
  [1, (g) => disk(g, 'scsi')],
  [2, (g) => device(g, 'virtio input', 'input', [['type', 'keyboard'], ['bus', 'virtio']], [], 'pcie')],
  [3, hostdevs],
];

const PER_FAMILY: Record<Family, Array<[number, Maker]>> = {
  pseries: [
    [2, (g) => usb(g, 'qemu-xhci')],
    [1, (g) => usb(g, 'pci-ohci')],
    [1, (g) => usb(g, 'nec-xhci')],
    [1, (g) => usb(g, undefined)],
    [1, (g) => usb(g, 'none')],
    [1, (g) => nic(g, 'spapr-vlan')],
    [1, (g) => device(g, 'video vga', 'video', [], [`<model type='vga'/>`], 'pci')],
    [1, (g) => device(g, 'video virtio', 'video', [], [`<model type='virtio'/>`], 'pcie')],
    [1, (g) => device(g, 'watchdog i6300esb', 'watchdog', [['model', 'i6300esb']], [], 'pci')],
  ],
  q35: [
    [2, (g) => usb(g, 'qemu-xhci')],
    [1, (g) => usb(g, 'nec-xhci')],
    [1, (g) => usb(g, 'piix3-uhci')],
    [1, (g) => usb(g, undefined)],
    [1, (g) => usb(g, 'none')],
    [1, (g) => ich9Usb2(g, 0)],
    [2, (g) => disk(g, 'sata')],
    [1, (g) => disk(g, 'sata', true)],
    [2, (g) => nic(g, 'e1000e')],
    [1, (g) => device(g, 'video vga', 'video', [], [`<model type='vga'/>`], 'pci')],
    [1, (g) => device(g, 'video qxl', 'video', [], [`<model type='qxl'/>`], 'pci')],
    [1, (g) => device(g, 'video virtio', 'video', [], [`<model type='virtio'/>`], 'pcie')],
    [1, (g) => device(g, 'sound ich9', 'sound', [['model', 'ich9']], [], 'pci')],
    [1, (g) => device(g, 'sound ich6', 'sound', [['model', 'ich6']], [], 'pci')],
    [1, (g) => device(g, 'watchdog i6300esb', 'watchdog', [['model', 'i6300esb']], [], 'pci')],
  ],
  virt: [
    [2, (g) => usb(g, 'qemu-xhci')],
    [1, (g) => usb(g, 'nec-xhci')],
    [1, (g) => usb(g, undefined)],
    [2, (g) => nic(g, 'e1000e')],
    [1, (g) => device(g, 'video virtio', 'video', [], [`<model type='virtio'/>`], 'pcie')],
    [1, (g) => device(g, 'video ramfb', 'video', [], [`<model type='ramfb'/>`], undefined)],
  ],
  i440fx: [
    [2, (g) => usb(g, 'piix3-uhci')],
    [1, (g) => usb(g, 'qemu-xhci')],
    [1, (g) => usb(g, undefined)],
    [1, (g) => usb(g, 'none')],
    [2, (g) => disk(g, 'ide')],
    [1, (g) => disk(g, 'sata')],
    [1, (g) => device(g, 'video cirrus', 'video', [], [`<model type='cirrus'/>`], 'pci')],
    [1, (g) => device(g, 'video vga', 'video', [], [`<model type='vga'/>`], 'pci')],
    [1, (g) => device(g, 'video qxl', 'video', [], [`<model type='qxl'/>`], 'pci')],
    [1, (g) => device(g, 'sound ich6', 'sound', [['model', 'ich6']], [], 'pci')],
    [1, (g) => device(g, 'sound ac97', 'sound', [['model', 'ac97']], [], 'pci')],
    [1, (g) => device(g, 'watchdog i6300esb', 'watchdog', [['model', 'i6300esb']], [], 'pci')],
  ],
};

function weighted(rng: Rng, table: Array<[number, Maker]>): Maker {
  const total = table.reduce((s, [w]) => s + w, 0);
  let x = rng.next() * total;
  for (const [w, m] of table) {
    x -= w;
    if (x < 0) return m;
  }
  return (table[table.length - 1] as [number, Maker])[1];
}

// ---------------------------------------------------------------------------------------------
// PCI controllers

function ctrl(g: Gen, c: PciCtrl, address?: Addr): Item {
  const it: Item = { what: `${c.model}${c.index !== undefined ? ` ${c.index}` : ''}`, pci: c, address };
  g.items.push(it);
  return it;
}

function nextIndex(g: Gen): number {
  const i = g.topo.nextIndex;
  g.topo.nextIndex += g.rng.chance(0.08) ? 2 : 1; // now and then a gap in the indexes
  return i;
}

function pseriesControllers(g: Gen): void {
  const { rng, topo } = g;
  topo.add(0, 'phb');
  if (rng.chance(0.4)) ctrl(g, { index: 0, model: 'pci-root', modelName: 'spapr-pci-host-bridge', targetIndex: 0 });
  const phbs = rng.pick([0, 0, 1, 1, 2, 3]);
  const targets = rng.chance(0.15) ? rng.shuffle(range(1, phbs)) : range(1, phbs);
  for (let i = 0; i < phbs; i++) {
    const index = nextIndex(g);
    const c: PciCtrl = { index, model: 'pci-root' };
    if (rng.chance(0.75)) c.modelName = 'spapr-pci-host-bridge';
    if (rng.chance(0.6)) c.targetIndex = rng.chance(0.8) ? index : (targets[i] as number);
    if (g.cells && rng.chance(0.5)) c.node = rng.int(0, g.cells - 1);
    ctrl(g, c);
    topo.add(index, 'phb');
  }
  if (rng.chance(0.2)) {
    const index = nextIndex(g);
    const c: PciCtrl = { index, model: 'pci-bridge' };
    if (rng.chance(0.3)) c.chassisNr = index;
    ctrl(g, c, rng.chance(0.7) ? topo.freeSlot((b) => b.kind === 'phb') : undefined);
    topo.add(index, 'pci-bridge');
  }
}

function rootPort(g: Gen, parent: BusKind[], withAddress: boolean): void {
  const { rng, topo } = g;
  const index = nextIndex(g);
  const c: PciCtrl = { index, model: 'pcie-root-port' };
  if (rng.chance(0.35)) {
    c.chassis = index;
    c.port = 0x8 + index;
  } else if (rng.chance(0.1)) c.chassis = index + rng.int(10, 30);
  if (rng.chance(0.15)) c.modelName = g.family === 'q35' && rng.chance(0.5) ? 'ioh3420' : 'pcie-root-port';
  const addr = withAddress ? topo.freeSlot((b) => parent.includes(b.kind)) : undefined;
  ctrl(g, c, addr);
  topo.add(index, 'root-port');
}

function pcieControllers(g: Gen): void {
  const { rng, topo } = g;
  topo.add(0, g.family === 'i440fx' ? 'pci-root' : 'pcie-root');
  if (rng.chance(0.7)) ctrl(g, { index: 0, model: 'pcie-root' });
  const ports = rng.pick([0, 0, 1, 2, 3, 4]);
  const addrAll = rng.chance(0.4);
  for (let i = 0; i < ports; i++) rootPort(g, ['pcie-root'], addrAll || rng.chance(0.2));
  if (rng.chance(0.2)) {
    // a switch on a root port of its own
    rootPort(g, ['pcie-root'], rng.chance(0.4));
    const rp = topo.buses[topo.buses.length - 1] as Bus;
    const up = nextIndex(g);
    rp.used.add(0);
    ctrl(g, { index: up, model: 'pcie-switch-upstream-port' }, rng.chance(0.6) ? { bus: rp.index, slot: 0, fn: 0 } : undefined);
    const upBus = topo.add(up, 'upstream');
    for (let d = rng.int(1, 3); d > 0; d--) {
      const index = nextIndex(g);
      const c: PciCtrl = { index, model: 'pcie-switch-downstream-port' };
      if (rng.chance(0.3)) c.chassis = index;
      ctrl(g, c, rng.chance(0.5) ? topo.freeSlot((b) => b === upBus) : undefined);
      topo.add(index, 'downstream');
    }
  }
  if (rng.chance(0.2)) {
    rootPort(g, ['pcie-root'], rng.chance(0.4));
    const rp = topo.buses[topo.buses.length - 1] as Bus;
    const index = nextIndex(g);
    rp.used.add(0);
    ctrl(g, { index, model: 'pcie-to-pci-bridge' }, rng.chance(0.6) ? { bus: rp.index, slot: 0, fn: 0 } : undefined);
    topo.add(index, 'pcie-to-pci-bridge');
    if (rng.chance(0.3)) {
      const b = nextIndex(g);
      ctrl(g, { index: b, model: 'pci-bridge' }, rng.chance(0.6) ? topo.freeSlot((x) => x.index === index) : undefined);
      topo.add(b, 'pci-bridge');
    }
  }
  if (g.family === 'q35' && rng.chance(0.08)) {
    const index = nextIndex(g);
    ctrl(g, { index, model: 'dmi-to-pci-bridge' }, rng.chance(0.5) ? { bus: 0, slot: 0x1e, fn: 0 } : undefined);
    topo.add(index, 'dmi-to-pci-bridge');
    const b = nextIndex(g);
    ctrl(g, { index: b, model: 'pci-bridge' }, rng.chance(0.5) ? topo.freeSlot((x) => x.index === index) : undefined);
    topo.add(b, 'pci-bridge');
  }
  if (rng.chance(0.15)) {
    const index = nextIndex(g);
    const c: PciCtrl = { index, model: 'pcie-expander-bus', busNr: rng.pick([0x80, 0xa0, 0xfe]) };
    if (g.cells) c.node = rng.int(0, g.cells - 1);
    ctrl(g, c, rng.chance(0.5) ? topo.freeSlot((b) => b.kind === 'pcie-root') : undefined);
    topo.add(index, 'pxb-pcie');
    for (let i = rng.int(1, 2); i > 0; i--) rootPort(g, ['pxb-pcie'], true);
  }
}

function i440fxControllers(g: Gen): void {
  const { rng, topo } = g;
  topo.add(0, 'pci-root');
  if (rng.chance(0.6)) ctrl(g, { index: 0, model: 'pci-root' });
  for (let i = rng.pick([0, 0, 1, 2]); i > 0; i--) {
    const index = nextIndex(g);
    const c: PciCtrl = { index, model: 'pci-bridge' };
    if (rng.chance(0.3)) c.chassisNr = index;
    ctrl(g, c, rng.chance(0.6) ? topo.freeSlot((b) => b.kind === 'pci-root' || b.kind === 'pci-bridge') : undefined);
    topo.add(index, 'pci-bridge');
  }
  if (rng.chance(0.12)) {
    const index = nextIndex(g);
    const c: PciCtrl = { index, model: 'pci-expander-bus', busNr: rng.pick([0x80, 0xfe]) };
    if (g.cells) c.node = rng.int(0, g.cells - 1);
    ctrl(g, c, rng.chance(0.5) ? topo.freeSlot((b) => b.kind === 'pci-root') : undefined);
    topo.add(index, 'pxb');
  }
}

// ---------------------------------------------------------------------------------------------
// Mutations: one kind of mistake libvirt or QEMU refuse (or, for a few, that only pcitopo flags)

type Mutation = (d: GeneratedDesign, rng: Rng) => boolean;

const pciItems = (d: GeneratedDesign, model?: string): Item[] => d.items.filter((i) => i.pci && (model === undefined || i.pci.model === model));
const addressed = (d: GeneratedDesign): Item[] => d.items.filter((i) => i.address);
/** an element that goes on PCI when it has an address (the devices the mutations move) */
function pciCapable(i: Item): boolean {
  if (i.pci || !i.tag) return false;
  const model = i.attrs?.find(([k]) => k === 'model')?.[1];
  if (model === 'none') return false;
  if (i.tag === 'disk') return !!i.inner?.some((l) => l.includes("bus='virtio'"));
  if (i.tag === 'interface') return !i.inner?.some((l) => l.includes('spapr-vlan')) && !!i.inner?.length;
  return ['hostdev', 'rng', 'memballoon', 'controller'].includes(i.tag);
}
const maxIndex = (d: GeneratedDesign): number => Math.max(0, ...pciItems(d).map((i) => i.pci?.index ?? 0));

const MUTATIONS: Record<string, { families: readonly Family[]; apply: Mutation }> = {
  'chassis-clash': {
    families: ['q35', 'virt'],
    apply: (d, rng) => {
      const ports = d.items.filter((i) => i.pci && ['pcie-root-port', 'pcie-switch-downstream-port'].includes(i.pci.model));
      const a = ports.length ? rng.pick(ports) : undefined;
      if (!a?.pci) return false;
      const b = ports.find((p) => p !== a);
      // the other port's chassis, or the index of a port libvirt will add (chassis defaults to the index)
      a.pci.chassis = b?.pci ? (b.pci.chassis ?? b.pci.index) : maxIndex(d) + 1;
      return true;
    },
  },
  'address-on-missing-bus': {
    families: FAMILIES,
    apply: (d, rng) => {
      const cands = d.items.filter((i) => pciCapable(i) && i.tag !== 'controller');
      if (!cands.length) return false;
      const it = rng.pick(cands);
      it.address = { bus: maxIndex(d) + rng.int(1, 3), slot: d.family === 'pseries' || d.family === 'i440fx' ? rng.int(1, 5) : 0, fn: 0 };
      return true;
    },
  },
  'slot-taken-twice': {
    families: FAMILIES,
    apply: (d, rng) => {
      const withAddr = addressed(d).filter((i) => !i.pci);
      const others = d.items.filter((i) => !i.address && pciCapable(i) && i.tag !== 'controller');
      if (!withAddr.length || !others.length) return false;
      const a = rng.pick(withAddr);
      rng.pick(others).address = { ...(a.address as Addr), mf: undefined };
      return true;
    },
  },
  'phb-target-clash': {
    families: ['pseries'],
    apply: (d, rng) => {
      const phbs = pciItems(d, 'pci-root').filter((i) => (i.pci?.index ?? 0) > 0);
      if (phbs.length < 1) return false;
      const a = rng.pick(phbs);
      if (!a.pci) return false;
      const other = phbs.find((p) => p !== a);
      a.pci.modelName = 'spapr-pci-host-bridge';
      a.pci.targetIndex = other?.pci ? (other.pci.targetIndex ?? other.pci.index) : rng.pick([0, 1]);
      return true;
    },
  },
  'phb-target-out-of-range': {
    families: ['pseries'],
    apply: (d, rng) => {
      const phbs = pciItems(d, 'pci-root').filter((i) => (i.pci?.index ?? 0) > 0);
      if (!phbs.length) return false;
      const a = rng.pick(phbs);
      if (!a.pci) return false;
      a.pci.targetIndex = rng.pick([31, 32, 255]);
      return true;
    },
  },
  'slot-0-on-phb': {
    families: ['pseries', 'i440fx'],
    apply: (d, rng) => {
      const cands = d.items.filter((i) => !i.pci && i.tag && ['interface', 'rng', 'hostdev'].includes(i.tag));
      if (!cands.length) return false;
      rng.pick(cands).address = { bus: 0, slot: 0, fn: 0 };
      return true;
    },
  },
  'slot-1-behind-port': {
    families: ['q35', 'virt'],
    apply: (d, rng) => {
      const ports = pciItems(d, 'pcie-root-port');
      const cands = d.items.filter((i) => !i.pci && i.tag && ['interface', 'rng', 'hostdev'].includes(i.tag));
      if (!ports.length || !cands.length) return false;
      rng.pick(cands).address = { bus: rng.pick(ports).pci?.index ?? 1, slot: rng.int(1, 3), fn: 0 };
      return true;
    },
  },
  'numa-node-missing': {
    families: ['pseries', 'q35', 'virt', 'i440fx'],
    apply: (d, rng) => {
      const cands = d.items.filter((i) => i.pci && ['pci-root', 'pcie-expander-bus', 'pci-expander-bus'].includes(i.pci.model) && (i.pci.index ?? 0) > 0);
      if (!cands.length) return false;
      const c = rng.pick(cands);
      if (!c.pci) return false;
      c.pci.node = d.cells + rng.int(0, 2);
      return true;
    },
  },
  'duplicate-index': {
    families: FAMILIES,
    apply: (d, rng) => {
      const cs = pciItems(d).filter((i) => (i.pci?.index ?? 0) > 0);
      if (cs.length < 2) return false;
      const [a, b] = rng.shuffle([...cs]);
      if (!a?.pci || !b?.pci) return false;
      a.pci.index = b.pci.index;
      return true;
    },
  },
  'same-hostdev-twice': {
    families: FAMILIES,
    apply: (d, rng) => {
      const hs = d.items.filter((i) => i.host);
      if (!hs.length) return false;
      const h = rng.pick(hs);
      d.items.push({ ...h, inner: [...(h.inner ?? [])], address: undefined });
      return true;
    },
  },
  'usb-none-plus-controller': {
    families: ['pseries', 'q35', 'i440fx'],
    apply: (d) => {
      d.items.push({ what: 'usb none 0', tag: 'controller', attrs: [['type', 'usb'], ['index', '0'], ['model', 'none']], inner: [] });
      d.items.push({ what: 'usb qemu-xhci 1', tag: 'controller', attrs: [['type', 'usb'], ['index', '1'], ['model', 'qemu-xhci']], inner: [] });
      return true;
    },
  },
  'function-without-0': {
    families: FAMILIES,
    apply: (d, rng) => {
      const cands = d.items.filter((i) => !i.pci && !i.address && i.tag && ['interface', 'rng'].includes(i.tag));
      if (!cands.length) return false;
      rng.pick(cands).address = { bus: 0, slot: 0x0c, fn: rng.int(1, 3) };
      return true;
    },
  },
  'function-1-without-multifunction': {
    families: FAMILIES,
    apply: (d, rng) => {
      const cands = d.items.filter((i) => !i.address && pciCapable(i) && i.tag !== 'controller');
      if (cands.length < 2) return false;
      const [a, b] = rng.shuffle([...cands]);
      if (!a || !b) return false;
      a.address = { bus: 0, slot: 0x0d, fn: 0, mf: rng.chance(0.5) ? 'off' : undefined };
      b.address = { bus: 0, slot: 0x0d, fn: 1 };
      return true;
    },
  },
  'pcie-port-on-pseries': {
    families: ['pseries'],
    apply: (d) => {
      d.items.push({ what: 'pcie-root-port', pci: { index: maxIndex(d) + 1, model: 'pcie-root-port' } });
      return true;
    },
  },
  'port-on-conventional-bridge': {
    families: ['q35', 'virt'],
    apply: (d) => {
      const br = d.items.find((i) => i.pci && ['pcie-to-pci-bridge', 'pci-bridge'].includes(i.pci.model));
      if (!br?.pci?.index) return false;
      d.items.push({ what: 'pcie-root-port', pci: { index: maxIndex(d) + 1, model: 'pcie-root-port' }, address: { bus: br.pci.index, slot: 0x1e, fn: 0 } });
      return true;
    },
  },
  'controller-index-below-its-bus': {
    families: ['q35', 'virt', 'i440fx'],
    apply: (d, rng) => {
      const cs = d.items.filter((i) => i.pci && i.address && i.address.bus > 0 && i.pci.index !== undefined);
      if (!cs.length) return false;
      const c = rng.pick(cs);
      if (!c.pci || !c.address) return false;
      // swap the index of a controller and its parent bus
      const parent = pciItems(d).find((p) => p.pci?.index === c.address?.bus);
      if (!parent?.pci) return false;
      const [pi, ci] = [parent.pci.index as number, c.pci.index as number];
      parent.pci.index = ci;
      c.pci.index = pi;
      c.address = { ...c.address, bus: ci };
      for (const it of d.items) if (it !== c && it.address?.bus === ci) it.address = { ...it.address, bus: pi };
      return true;
    },
  },
  // --- kinds real users write that testers found pcitopo wrong on before (expander busNr, chassis of
  // switch ports, indexes past 255, drive addresses, spapr-vio regs, numatune, NUMA nodes, hotplug)
  'expander-busnr-clash': {
    families: ['q35', 'i440fx'],
    apply: (d, rng) => {
      // a second expander bus on the busNr of another, or on one just past it (its range may overlap)
      const model = d.family === 'q35' ? 'pcie-expander-bus' : 'pci-expander-bus';
      const had = pciItems(d, model)[0]?.pci;
      const base = had?.busNr ?? rng.pick([0x40, 0x80, 0xfe]);
      if (!had) addExpander(d, rng, base, rng.int(0, 1));
      addExpander(d, rng, Math.min(base + rng.pick([0, 0, 1, 2]), 0xff), rng.int(0, 2));
      return true;
    },
  },
  'expander-busnr-below-its-buses': {
    families: ['q35', 'i440fx'],
    apply: (d, rng) => {
      // a busNr no larger than the buses behind it, or than the buses the main root already has
      addExpander(d, rng, rng.int(1, Math.max(2, pciItems(d).length)), rng.int(1, 3));
      return true;
    },
  },
  'switch-port-chassis-of-root-port': {
    families: ['q35', 'virt'],
    apply: (d, rng) => {
      let rp = rng.shuffle(pciItems(d, 'pcie-root-port'))[0]?.pci;
      if (!rp) {
        rp = { index: maxIndex(d) + 1, model: 'pcie-root-port', chassis: rng.int(1, 8), port: rng.int(8, 0x10) };
        d.items.push({ what: `pcie-root-port ${rp.index}`, pci: rp });
      }
      const chassis = rp.chassis ?? rp.index ?? 1;
      // a port number written on both (libvirt numbers an unwritten one from the port's own address)
      if (rp.port === undefined) rp.port = rng.int(8, 0x1f);
      const port = rp.port;
      const up = maxIndex(d) + 1;
      d.items.push({ what: `pcie-root-port ${up}`, pci: { index: up, model: 'pcie-root-port' } });
      d.items.push({ what: `pcie-switch-upstream-port ${up + 1}`, pci: { index: up + 1, model: 'pcie-switch-upstream-port' }, address: { bus: up, slot: 0, fn: 0 } });
      // the root port's chassis (QEMU's chassis/slot pair), its port number only, or both
      const how = rng.pick(['chassis', 'port', 'both'] as const);
      d.items.push({
        what: `pcie-switch-downstream-port ${up + 2}`,
        pci: { index: up + 2, model: 'pcie-switch-downstream-port', chassis: how === 'port' ? chassis + 40 : chassis, port: how === 'chassis' ? undefined : port },
        address: rng.chance(0.5) ? { bus: up + 1, slot: rng.int(0, 2), fn: 0 } : undefined,
      });
      return true;
    },
  },
  'controller-index-past-255': {
    families: FAMILIES,
    apply: (d, rng) => {
      const model = d.family === 'pseries' ? 'pci-root' : d.family === 'i440fx' ? 'pci-bridge' : 'pcie-root-port';
      d.items.push({ what: `${model} past 255`, pci: { index: rng.int(254, 258), model } });
      return true;
    },
  },
  'many-devices': {
    families: ['q35', 'virt'],
    apply: (d, rng) => {
      // each wants a root port of its own: libvirt adds them while pcie-root has functions free (about 230), to index 255 and past it
      const n = rng.int(180, 262);
      for (let i = 0; i < n; i++) d.items.push({ what: `virtio input ${i}`, tag: 'input', attrs: [['type', 'keyboard'], ['bus', 'virtio']], inner: [] });
      return true;
    },
  },
  'drive-controller-high': {
    families: FAMILIES,
    apply: (d, rng) => {
      // a drive address naming controller N: libvirt adds the controllers 0..N it lacks
      const bus = d.family === 'q35' && rng.chance(0.4) ? 'sata' : 'scsi';
      // libvirt's schema takes two digits (driveController): past 99 is for the rule's case table, not the generator
      const n = rng.pick([rng.int(1, 6), rng.int(20, 40), rng.int(90, 99)]);
      const dev = `sd${String.fromCharCode(110 + rng.int(0, 11))}`;
      d.items.push({
        what: `${bus} disk ${dev} on drive controller ${n}`,
        tag: 'disk',
        attrs: [['type', 'file'], ['device', 'disk']],
        inner: [`<driver name='qemu' type='raw'/>`, `<source file='/var/lib/libvirt/images/${dev}.img'/>`, `<target dev='${dev}' bus='${bus}'/>`, `<address type='drive' controller='${n}' bus='0' target='0' unit='0'/>`],
      });
      return true;
    },
  },
  'spapr-vio-reg': {
    families: ['pseries'],
    apply: (d, rng) => {
      const regs = [0x0, 0x1000, 0x2000, 0x3000, 0x4000, 0xf0000, 0x100000, 0x20000000, 0x30000000, 0x71000001];
      for (let k = rng.int(1, 2); k > 0; k--) {
        const reg = `<address type='spapr-vio' reg='0x${rng.pick(regs).toString(16)}'/>`;
        const kind = rng.pick(['nic', 'scsi', 'serial'] as const);
        if (kind === 'nic') d.items.push({ what: 'spapr-vlan NIC with reg', tag: 'interface', attrs: [['type', 'user']], inner: [`<model type='spapr-vlan'/>`, reg] });
        else if (kind === 'scsi') d.items.push({ what: 'ibmvscsi with reg', tag: 'controller', attrs: [['type', 'scsi'], ['index', String(5 + k)], ['model', 'ibmvscsi']], inner: [reg] });
        else d.items.push({ what: 'serial with reg', tag: 'serial', attrs: [['type', 'pty']], inner: [reg] });
      }
      return true;
    },
  },
  'numatune-memnode': {
    families: FAMILIES,
    apply: (d, rng) => {
      const how = rng.pick(['fits', 'fits', 'cell-missing', 'no-cells', 'twice'] as const);
      if (how !== 'no-cells' && d.cells === 0) {
        d.cells = rng.int(1, 2);
        d.vcpus = d.cells;
      }
      const cell = how === 'cell-missing' ? d.cells + rng.int(0, 1) : rng.int(0, Math.max(0, d.cells - 1));
      const mode = rng.pick(['strict', 'preferred', 'interleave', 'restrictive']);
      d.numatune = [`<memnode cellid='${cell}' mode='${mode}' nodeset='0'/>`];
      if (how === 'twice') d.numatune.push(`<memnode cellid='${cell}' mode='strict' nodeset='0'/>`);
      return true;
    },
  },
  'expander-on-missing-node': {
    families: ['pseries', 'q35', 'i440fx'],
    apply: (d, rng) => {
      // a new PHB or expander bus whose target <node> is past the guest's cells (or with no cells at all)
      const node = d.cells + rng.int(0, 1);
      if (d.family === 'pseries') d.items.push({ what: 'pci-root on a missing node', pci: { index: maxIndex(d) + 1, model: 'pci-root', node } });
      else addExpander(d, rng, rng.pick([0x80, 0xc0]), rng.int(0, 1), node);
      return true;
    },
  },
  'hotplug-off': {
    families: ['q35', 'virt'],
    apply: (d, rng) => {
      // hotplug='off' (now and then 'on') on root ports and switch ports, now and then on a model that has no such switch
      const ports = d.items.filter((i) => i.pci && ['pcie-root-port', 'pcie-switch-downstream-port'].includes(i.pci.model));
      if (!ports.length || rng.chance(0.3)) {
        const index = maxIndex(d) + 1;
        const it: Item = { what: `pcie-root-port ${index}`, pci: { index, model: 'pcie-root-port' } };
        d.items.push(it);
        ports.push(it);
      }
      for (const p of ports) if (p.pci && rng.chance(0.6)) p.pci.hotplug = rng.chance(0.85) ? 'off' : 'on';
      const first = ports[0]?.pci;
      if (first && !ports.some((p) => p.pci?.hotplug)) first.hotplug = 'off';
      const other = pciItems(d).find((i) => i.pci && ['pci-bridge', 'pcie-to-pci-bridge', 'pcie-expander-bus'].includes(i.pci.model));
      if (other?.pci && rng.chance(0.2)) other.pci.hotplug = 'off';
      return true;
    },
  },
  'root-ports-multifunction': {
    families: ['q35', 'virt'],
    apply: (d, rng) => {
      // root ports packed in the functions of one slot of pcie-root, as virt-manager writes them; now
      // and then without multifunction='on' on function 0, or without function 0
      const taken = new Set(d.items.filter((i) => i.address?.bus === 0).map((i) => i.address?.slot));
      const slot = rng.shuffle(range(3, 0x18)).find((x) => !taken.has(x));
      if (slot === undefined) return false;
      const ports = pciItems(d, 'pcie-root-port').filter((i) => !i.address || i.address.bus === 0);
      for (let k = rng.int(2, 8) - ports.length; k > 0; k--) {
        const index = maxIndex(d) + 1;
        const it: Item = { what: `pcie-root-port ${index}`, pci: { index, model: 'pcie-root-port' } };
        d.items.push(it);
        ports.push(it);
      }
      const mf = rng.pick(['on', 'on', 'on', 'off', undefined] as const);
      const from = rng.chance(0.85) ? 0 : 1;
      ports.slice(0, 8 - from).forEach((p, f) => {
        p.address = { bus: 0, slot, fn: f + from, mf: f + from === 0 ? mf : undefined };
      });
      return true;
    },
  },
  'bridge-chassisnr-clash': {
    families: ['pseries', 'q35', 'i440fx'],
    apply: (d, rng) => {
      // two pci-bridges with one chassisNr (or 0, or 255): each bridge is a chassis of its own for SHPC and slot ids
      const parent = d.family === 'q35' ? 'pcie-to-pci-bridge' : undefined;
      const bridges = pciItems(d, 'pci-bridge');
      for (let k = 2 - bridges.length; k > 0; k--) {
        const index = maxIndex(d) + 1;
        const hub = parent ? pciItems(d, parent)[0]?.pci?.index : 0;
        if (hub === undefined) {
          // q35: a pcie-to-pci-bridge first, which libvirt places on a root port it adds
          d.items.push({ what: `pcie-to-pci-bridge ${index}`, pci: { index, model: 'pcie-to-pci-bridge' } });
          k++;
          continue;
        }
        const it: Item = { what: `pci-bridge ${index}`, pci: { index, model: 'pci-bridge' } };
        d.items.push(it);
        bridges.push(it);
      }
      const [a, b] = rng.shuffle([...bridges]);
      if (!a?.pci || !b?.pci) return false;
      const v = rng.pick([b.pci.chassisNr ?? b.pci.index ?? 1, b.pci.chassisNr ?? b.pci.index ?? 1, 0, 255]);
      a.pci.chassisNr = v;
      if (b.pci.chassisNr === undefined && rng.chance(0.5)) b.pci.chassisNr = v;
      return true;
    },
  },
  'bridge-on-the-wrong-bus': {
    families: ['q35', 'virt'],
    apply: (d, rng) => {
      // what users write from i440fx habits: a pci-bridge or pcie-to-pci-bridge straight on pcie-root,
      // a pcie-to-pci-bridge on a switch port, a root port on a root port
      const taken = new Set(d.items.filter((i) => i.address?.bus === 0).map((i) => i.address?.slot));
      const slot = rng.shuffle(range(3, 0x18)).find((x) => !taken.has(x));
      if (slot === undefined) return false;
      const index = maxIndex(d) + 1;
      const how = rng.pick(['pci-bridge', 'pcie-to-pci-bridge', 'port-on-port'] as const);
      if (how === 'port-on-port') {
        d.items.push({ what: `pcie-root-port ${index}`, pci: { index, model: 'pcie-root-port' }, address: { bus: 0, slot, fn: 0 } });
        d.items.push({ what: `pcie-root-port ${index + 1}`, pci: { index: index + 1, model: 'pcie-root-port' }, address: { bus: index, slot: 0, fn: 0 } });
      } else {
        d.items.push({ what: `${how} ${index}`, pci: { index, model: how }, address: { bus: 0, slot, fn: 0 } });
        // a device behind it, as the user wanted
        const dev = d.items.find((i) => !i.address && pciCapable(i) && i.tag !== 'controller');
        if (dev) dev.address = { bus: index, slot: rng.int(1, 3), fn: 0 };
      }
      return true;
    },
  },
  'endpoint-on-expander': {
    families: ['q35', 'i440fx'],
    apply: (d, rng) => {
      // an endpoint written straight on the expander bus (pxb-pcie takes root ports only, pxb takes endpoints)
      const model = d.family === 'q35' ? 'pcie-expander-bus' : 'pci-expander-bus';
      let pxb = pciItems(d, model)[0]?.pci;
      if (!pxb) {
        addExpander(d, rng, rng.pick([0x40, 0x80]), rng.int(0, 1));
        pxb = pciItems(d, model)[0]?.pci;
      }
      const dev = rng.shuffle(d.items.filter((i) => pciCapable(i) && i.tag !== 'controller'))[0];
      if (!pxb?.index || !dev) return false;
      dev.address = { bus: pxb.index, slot: rng.int(0, 3), fn: 0 };
      return true;
    },
  },
  crowded: {
    families: FAMILIES,
    apply: (d, rng) => {
      // a guest with many devices: libvirt adds buses (bridges, root ports, PHBs) as slots run out
      const n = rng.int(20, 45);
      for (let i = 0; i < n; i++) {
        const kind = rng.pick(['e1000', 'virtio', 'rng', 'disk'] as const);
        if (kind === 'disk') {
          const dev = `vd${String.fromCharCode(97 + Math.floor(i / 26))}${String.fromCharCode(97 + (i % 26))}`;
          d.items.push({ what: `virtio disk ${dev}`, tag: 'disk', attrs: [['type', 'file'], ['device', 'disk']], inner: [`<driver name='qemu' type='raw'/>`, `<source file='/var/lib/libvirt/images/${dev}.img'/>`, `<target dev='${dev}' bus='virtio'/>`] });
        } else if (kind === 'rng') d.items.push({ what: 'rng virtio', tag: 'rng', attrs: [['model', 'virtio']], inner: [`<backend model='random'>/dev/urandom</backend>`] });
        else d.items.push({ what: `${kind} NIC`, tag: 'interface', attrs: [['type', 'user']], inner: [`<model type='${kind}'/>`] });
      }
      return true;
    },
  },
};

/**
 * An expander bus (pxb-pcie on q35, pxb on i440fx) with `busNr` and `behind` ports or bridges on it,
 * none of them addressed but the first one behind (libvirt places the rest).
 */
function addExpander(d: GeneratedDesign, rng: Rng, busNr: number, behind: number, node?: number): void {
  const q35 = d.family === 'q35';
  const index = maxIndex(d) + 1;
  d.items.push({ what: `${q35 ? 'pcie-expander-bus' : 'pci-expander-bus'} ${index}`, pci: { index, model: q35 ? 'pcie-expander-bus' : 'pci-expander-bus', busNr, node: node ?? (d.cells ? rng.int(0, d.cells - 1) : undefined) } });
  for (let k = 0; k < behind; k++) {
    const i = index + 1 + k;
    d.items.push({ what: `${q35 ? 'pcie-root-port' : 'pci-bridge'} ${i}`, pci: { index: i, model: q35 ? 'pcie-root-port' : 'pci-bridge' }, address: k === 0 ? { bus: index, slot: q35 ? 0 : 1, fn: 0 } : undefined });
  }
}

export const MUTATION_NAMES = Object.keys(MUTATIONS);

// ---------------------------------------------------------------------------------------------

/** Design `n` of `seed` for `family`: deterministic. `pMutate` is the share of designs given a mutation. */
export function generateDesign(seed: number, n: number, family: Family, pMutate = 0.28): GeneratedDesign {
  const rng = new Rng(designSeed(seed, n, family));
  const cells = rng.pick([0, 0, 0, 1, 2, 2, 3]);
  const vcpus = Math.max(1, cells) * rng.int(1, 2);
  const topo = new Topology(family, rng);
  const g: Gen = {
    rng,
    family,
    topo,
    items: [],
    host: [],
    cells,
    disks: { vd: 0, sd: 0, hd: 0 },
    pAddr: rng.pick([0, 0.2, 0.5, 0.9]),
    // host addresses and groups differ from design to design, so a batch of designs mostly fits one sysfs
    hostBus: rng.int(1, 0xf0),
    hostGroup: rng.int(1, 200),
    hostNodes: rng.chance(0.5) ? 2 : 1,
    hostDomain: family === 'pseries' ? rng.int(1, 0x3f) : 0,
  };
  if (family === 'pseries') pseriesControllers(g);
  else if (family === 'i440fx') i440fxControllers(g);
  else pcieControllers(g);
  const table = [...COMMON, ...PER_FAMILY[family]];
  for (let k = rng.int(1, 8); k > 0; k--) weighted(rng, table)(g);
  // at most one of each singleton the generator may pick twice
  const items = dedupe(g.items);
  const d: GeneratedDesign = { name: `${family}-${seed}-${n}`, seed, n, family, cells, vcpus, items, host: g.host };
  if (rng.chance(pMutate)) {
    const names = MUTATION_NAMES.filter((m) => (MUTATIONS[m] as { families: readonly Family[] }).families.includes(family));
    for (const m of rng.shuffle([...names])) {
      if ((MUTATIONS[m] as { apply: Mutation }).apply(d, rng)) {
        d.mutation = m;
        break;
      }
    }
  }
  if (rng.chance(0.1)) {
    // libvirt sorts controllers by index; a design may list them in any order
    const cs = d.items.filter((i) => i.pci);
    const rest = d.items.filter((i) => !i.pci);
    d.items = [...rng.shuffle(cs), ...rest];
  }
  return d;
}

/**
 * One memballoon, watchdog, console and video (a second video must be virtio or qxl: a rule about
 * models, not topology), one controller per type and index (the ICH9 USB2 set shares its index by
 * design).
 */
function dedupe(items: Item[]): Item[] {
  const seen = new Set<string>();
  const out: Item[] = [];
  const attr = (it: Item, k: string): string | undefined => it.attrs?.find(([a]) => a === k)?.[1];
  for (const it of items) {
    let key: string | undefined;
    if (it.tag === 'memballoon' || it.tag === 'watchdog' || it.tag === 'console' || it.tag === 'video') key = it.tag;
    else if (it.tag === 'controller') {
      const model = attr(it, 'model') ?? '';
      key = `controller ${attr(it, 'type')} ${attr(it, 'index')}`;
      if (model.startsWith('ich9-')) {
        // the set may fill its index, as long as nothing else took it
        if (seen.has(`${key} other`) || seen.has(`${key} ${model}`)) continue;
        seen.add(`${key} ${model}`);
        seen.add(`${key} ich9`);
        out.push(it);
        continue;
      }
      if (seen.has(`${key} ich9`)) continue;
      seen.add(`${key} other`);
    }
    if (key && seen.has(key)) continue;
    if (key) seen.add(key);
    out.push(it);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// XML

const ARCH: Record<Family, { arch: string; machine: string; emulator: string }> = {
  pseries: { arch: 'ppc64', machine: 'pseries', emulator: '/usr/bin/qemu-system-ppc64' },
  q35: { arch: 'x86_64', machine: 'q35', emulator: '/usr/bin/qemu-system-x86_64' },
  virt: { arch: 'aarch64', machine: 'virt', emulator: '/usr/bin/qemu-system-aarch64' },
  i440fx: { arch: 'x86_64', machine: 'pc', emulator: '/usr/bin/qemu-system-x86_64' },
};

function addressXml(a: Addr): string {
  return `<address type='pci' domain='0x0000' bus='${hex(a.bus)}' slot='${hex(a.slot)}' function='${hex(a.fn, 1)}'${a.mf ? ` multifunction='${a.mf}'` : ''}/>`;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/'/g, '&apos;').replace(/</g, '&lt;');

export function itemXml(it: Item): string {
  const lines: string[] = [];
  if (it.pci) {
    const c = it.pci;
    const inner: string[] = [];
    if (c.modelName) inner.push(`<model name='${c.modelName}'/>`);
    const t: string[] = [];
    if (c.chassisNr !== undefined) t.push(`chassisNr='${c.chassisNr}'`);
    if (c.chassis !== undefined) t.push(`chassis='${c.chassis}'`);
    if (c.port !== undefined) t.push(`port='${hex(c.port)}'`);
    if (c.busNr !== undefined) t.push(`busNr='${c.busNr}'`);
    if (c.targetIndex !== undefined) t.push(`index='${c.targetIndex}'`);
    if (c.hotplug !== undefined) t.push(`hotplug='${c.hotplug}'`);
    if (t.length || c.node !== undefined) {
      inner.push(c.node !== undefined ? `<target${t.length ? ` ${t.join(' ')}` : ''}>\n        <node>${c.node}</node>\n      </target>` : `<target ${t.join(' ')}/>`);
    }
    if (it.address) inner.push(addressXml(it.address));
    const open = `<controller type='pci'${c.index !== undefined ? ` index='${c.index}'` : ''} model='${c.model}'`;
    lines.push(inner.length ? `${open}>\n${inner.map((l) => `      ${l}`).join('\n')}\n    </controller>` : `${open}/>`);
    return lines.join('\n');
  }
  const attrs = (it.attrs ?? []).map(([k, v]) => ` ${k}='${esc(v)}'`).join('');
  const inner = [...(it.inner ?? []), ...(it.address ? [addressXml(it.address)] : [])];
  return inner.length ? `<${it.tag}${attrs}>\n${inner.map((l) => `      ${l}`).join('\n')}\n    </${it.tag}>` : `<${it.tag}${attrs}/>`;
}

/** The domain XML (runs as it is in the verify sandbox: TCG, user networking, small memory). */
export function domainXml(d: GeneratedDesign): string {
  const a = ARCH[d.family];
  const mem = 256 * Math.max(1, d.cells);
  const cpuLines: string[] = [];
  if (d.family === 'virt' || d.cells) {
    const per = d.vcpus / Math.max(1, d.cells);
    const numa = d.cells
      ? [
          '    <numa>',
          ...range(0, d.cells - 1).map((c) => `      <cell id='${c}' cpus='${c * per}${per > 1 ? `-${c * per + per - 1}` : ''}' memory='256' unit='MiB'/>`),
          '    </numa>',
        ]
      : [];
    if (d.family === 'virt') cpuLines.push(numa.length ? "  <cpu mode='maximum'>" : "  <cpu mode='maximum'/>", ...(numa.length ? [...numa, '  </cpu>'] : []));
    else cpuLines.push('  <cpu>', ...numa, '  </cpu>');
  }
  const features = d.family === 'virt' ? ["  <features>", "    <gic version='2'/>", '  </features>'] : d.family === 'pseries' ? [] : ['  <features>', '    <acpi/>', '  </features>'];
  return [
    "<domain type='qemu'>",
    `  <name>${d.name}</name>`,
    `  <memory unit='MiB'>${mem}</memory>`,
    `  <vcpu placement='static'>${d.vcpus}</vcpu>`,
    ...(d.numatune?.length ? ['  <numatune>', ...d.numatune.map((l) => `    ${l}`), '  </numatune>'] : []),
    '  <os>',
    `    <type arch='${a.arch}' machine='${a.machine}'>hvm</type>`,
    '  </os>',
    ...features,
    ...cpuLines,
    '  <devices>',
    `    <emulator>${a.emulator}</emulator>`,
    ...d.items.map((it) => `    ${itemXml(it)}`),
    '  </devices>',
    '</domain>',
    '',
  ].join('\n');
}

/** Node-device XML for the host functions the design passes through (undefined: none). */
export function hostXml(d: GeneratedDesign): string | undefined {
  if (!d.host.length) return undefined;
  const out: string[] = [];
  for (const h of d.host) {
    const [dom, bus, sf] = h.address.split(':') as [string, string, string];
    const [slot, fn] = sf.split('.') as [string, string];
    const members = d.host.filter((m) => m.group === h.group);
    out.push(
      '<device>',
      `  <name>pci_${dom}_${bus}_${slot}_${fn}</name>`,
      ...(h.driver ? ['  <driver>', `    <name>${h.driver}</name>`, '  </driver>'] : []),
      "  <capability type='pci'>",
      '    <class>0x020000</class>',
      `    <domain>${parseInt(dom, 16)}</domain>`,
      `    <bus>${parseInt(bus, 16)}</bus>`,
      `    <slot>${parseInt(slot, 16)}</slot>`,
      `    <function>${parseInt(fn, 10)}</function>`,
      "    <product id='0x1017'>Example Ethernet Controller</product>",
      "    <vendor id='0x15b3'>Example Vendor</vendor>",
      `    <iommuGroup number='${h.group}'>`,
      ...members.map((m) => {
        const [md, mb, ms] = m.address.split(':') as [string, string, string];
        const [mslot, mfn] = ms.split('.') as [string, string];
        return `      <address domain='0x${md}' bus='0x${mb}' slot='0x${mslot}' function='0x${mfn}'/>`;
      }),
      '    </iommuGroup>',
      ...(h.node !== undefined ? [`    <numa node='${h.node}'/>`] : []),
      ...(h.pcie ? ['    <pci-express/>'] : []),
      '  </capability>',
      '</device>',
    );
  }
  return `${out.join('\n')}\n`;
}

/** A copy of the design without item `i` (for shrinking a disagreement to its smallest form). */
export function withoutItem(d: GeneratedDesign, i: number): GeneratedDesign {
  const items = d.items.filter((_, k) => k !== i);
  const hostAddrs = new Set(items.map((it) => it.host).filter(Boolean));
  const groups = new Set(d.host.filter((h) => hostAddrs.has(h.address)).map((h) => h.group));
  return { ...d, items, host: d.host.filter((h) => groups.has(h.group)) };
}

/** A copy of the design with item `i`'s address dropped. */
export function withoutAddress(d: GeneratedDesign, i: number): GeneratedDesign {
  return { ...d, items: d.items.map((it, k) => (k === i ? { ...it, address: undefined } : it)) };
}

/** A copy without NUMA cells (and without the nodes and the `<numatune>` that name them). */
export function withoutNuma(d: GeneratedDesign): GeneratedDesign {
  return { ...d, cells: 0, vcpus: 1, numatune: undefined, items: d.items.map((it) => (it.pci?.node !== undefined ? { ...it, pci: { ...it.pci, node: undefined } } : it)) };
}
