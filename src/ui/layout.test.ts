import { describe, expect, it } from 'vitest';
import type { Guest } from '../engine/index.ts';
import { applyCommand, defineDomain, DEMO_DOMAIN_XML, DEMO_HOST_XML, MACHINE_TEMPLATES } from '../engine/index.ts';
import { fullPhbs, largePseries, q35RootPorts, unplacedPseries } from '../../e2e/fixtures/designs.ts';
import { addedAtDefine, busNodeName, changedNodes, chooseColumns, DEVICE_ROW_CHOICES, shownControllers, controllerKindLabel, createLayoutMemory, DEVICE_ROWS, deviceGrid, estimateHeight, fitZoom, FULL_MIN_ZOOM, FULL_PARTS, fullWidth, groupsLabel, layoutGuest, MAX_FIT_ZOOM, NODE_WIDTH, nodeIdOf, pciDevices, planFit, planFitColumns, setShownRelease, TILE_HEIGHT, TILE_WIDTH, unplacedDevices, type GuestLayout, type Rect } from './layout.ts';
import { designFromXml } from './testDesign.ts';

const design = designFromXml;

const overlap = (a: Rect, b: Rect) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
function overlaps(l: GuestLayout): string[] {
  const boxes = [...l.boxes];
  const out: string[] = [];
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) if (overlap((boxes[i] as [string, Rect])[1], (boxes[j] as [string, Rect])[1])) out.push(`${boxes[i]?.[0]} ${boxes[j]?.[0]}`);
  return out;
}
const boxOf = (l: GuestLayout, g: Guest, index: number): Rect => {
  const c = g.controllers.find((x) => x.index === index);
  const r = c ? l.boxes.get(nodeIdOf(c)) : undefined;
  if (!r) throw new Error(`no box for controller ${index}`);
  return r;
};

const LAPTOP = { width: 652, height: 640 };
const WIDE = { width: 1240, height: 775 };

describe('layoutGuest: 31 vPHBs of a pseries guest', () => {
  const g = largePseries();
  const guest = design(g.domain, g.host).guest;

  it('puts them in a grid whose column count follows the canvas aspect ratio', () => {
    const wide = chooseColumns(guest, 'tile', { width: 1600, height: 600 }).columns;
    const tall = chooseColumns(guest, 'tile', { width: 600, height: 1600 }).columns;
    expect(wide).toBeGreaterThan(tall);
    expect(tall).toBeGreaterThan(1);
    const l = layoutGuest(guest, { lod: 'tile', columns: wide });
    expect(l.nodes).toHaveLength(31);
    expect(overlaps(l)).toEqual([]);
    // row-major: vPHB 0 .. columns-1 share the first row
    const first = [...Array(wide).keys()].map((i) => boxOf(l, guest, i).y);
    expect(new Set(first).size).toBe(1);
    expect(boxOf(l, guest, wide).y).toBeGreaterThan(boxOf(l, guest, 0).y);
  });

  it('opens as legible tiles on a laptop canvas, all 31 in view', () => {
    const plan = planFit(guest, LAPTOP);
    expect(plan.lod).toBe('tile');
    expect(plan.zoom).toBeLessThan(FULL_MIN_ZOOM);
    const l = layoutGuest(guest, { lod: 'tile', columns: plan.columns });
    expect(l.width * plan.zoom).toBeLessThanOrEqual(LAPTOP.width);
    expect(l.height * plan.zoom).toBeLessThanOrEqual(LAPTOP.height);
    // a tile gets at least 90 x 55 screen pixels: room for its title and a few lines of 11.5 px text
    expect(TILE_WIDTH * plan.zoom).toBeGreaterThanOrEqual(90);
    expect(TILE_HEIGHT * plan.zoom).toBeGreaterThanOrEqual(55);
  });

  it('keeps one arrangement at both levels of detail: the same grid cells', () => {
    const tile = layoutGuest(guest, { lod: 'tile', columns: 6 });
    const full = layoutGuest(guest, { lod: 'full', columns: 6 });
    expect(full.cells).toEqual(tile.cells);
    expect(overlaps(full)).toEqual([]);
  });
});

describe('layoutGuest: a q35 tree of 16 root ports', () => {
  const guest = design(q35RootPorts().domain).guest;

  it('draws pcie-root above its ports, the ports in rows, not one column', () => {
    const { columns } = chooseColumns(guest, 'tile', WIDE);
    expect(columns).toBeGreaterThan(1);
    const l = layoutGuest(guest, { lod: 'tile', columns });
    const root = boxOf(l, guest, 0);
    const ports = [...Array(16).keys()].map((i) => boxOf(l, guest, i + 1));
    for (const p of ports) {
      expect(p.y).toBeGreaterThan(root.y + root.height);
      expect(p.x).toBeGreaterThan(root.x);
    }
    expect(new Set(ports.map((p) => p.y)).size).toBe(Math.ceil(16 / columns));
    expect(overlaps(l)).toEqual([]);
    expect(l.edges.map((e) => `${e.source}->${e.target}`).sort()).toEqual(guest.controllers.filter((c) => c.index !== 0).map((c) => `${nodeIdOf(guest.controllers[0] as Guest['controllers'][number])}->${nodeIdOf(c)}`).sort());
  });

  it('shows every port legibly at first view on a laptop canvas too', () => {
    const plan = planFit(guest, LAPTOP);
    const l = layoutGuest(guest, { lod: plan.lod, columns: plan.columns });
    expect(l.width * plan.zoom).toBeLessThanOrEqual(LAPTOP.width);
    expect(l.height * plan.zoom).toBeLessThanOrEqual(LAPTOP.height);
    expect(TILE_WIDTH * plan.zoom).toBeGreaterThanOrEqual(90);
  });

  it('nests a switch under its root port and its downstream ports under the switch', () => {
    const q = design(MACHINE_TEMPLATES.q35);
    const withSwitch = applyCommand(q, {
      kind: 'batch',
      label: 'switch',
      commands: [
        { kind: 'add-controller', controller: { model: 'pcie-root-port', index: 9, address: { domain: 0, bus: 0, slot: 9, function: 0 } } },
        { kind: 'add-controller', controller: { model: 'pcie-switch-upstream-port', index: 10, address: { domain: 0, bus: 9, slot: 0, function: 0 } } },
        { kind: 'add-controller', controller: { model: 'pcie-switch-downstream-port', index: 11, address: { domain: 0, bus: 10, slot: 0, function: 0 } } },
        { kind: 'add-controller', controller: { model: 'pcie-switch-downstream-port', index: 12, address: { domain: 0, bus: 10, slot: 1, function: 0 } } },
      ],
    }).guest;
    for (const lod of ['tile', 'full'] as const) {
      const l = layoutGuest(withSwitch, { lod, columns: 3 });
      const port = boxOf(l, withSwitch, 9);
      const up = boxOf(l, withSwitch, 10);
      const down = [boxOf(l, withSwitch, 11), boxOf(l, withSwitch, 12)];
      expect(up.y).toBeGreaterThan(port.y + port.height);
      for (const d of down) expect(d.y).toBeGreaterThan(up.y + up.height);
      expect(overlaps(l)).toEqual([]);
    }
  });
});

describe('chooseColumns', () => {
  // what it must pick: the column count whose full layout fits best (the way it was found before it only sized them)
  const byLayingOut = (guest: Guest, lod: 'full' | 'tile', view: { width: number; height: number }) => {
    let best = { columns: 1, zoom: -Infinity };
    for (let c = 1; c <= Math.max(1, guest.controllers.length); c++) {
      const l = layoutGuest(guest, { lod, columns: c });
      const z = fitZoom(l.width, l.height, view);
      if (z > best.zoom + 1e-9) best = { columns: c, zoom: z };
    }
    return best;
  };

  it('picks what laying the design out at every column count picks, at both levels of detail', () => {
    const nested = applyCommand(design(DEMO_DOMAIN_XML, DEMO_HOST_XML), { kind: 'add-controller', controller: { model: 'pci-bridge' } });
    const designs = [largePseries(), q35RootPorts(16), unplacedPseries()].map((g) => design(g.domain, g.host).guest);
    designs.push(design(DEMO_DOMAIN_XML, DEMO_HOST_XML).guest, nested.guest, design(MACHINE_TEMPLATES.q35).guest);
    for (const guest of designs)
      for (const lod of ['full', 'tile'] as const)
        for (const view of [LAPTOP, WIDE, { width: 1600, height: 400 }, { width: 300, height: 1400 }]) {
          const got = chooseColumns(guest, lod, view);
          const want = byLayingOut(guest, lod, view);
          expect(got.columns, `${guest.machine} ${guest.controllers.length} controllers, ${lod}, ${view.width}x${view.height}`).toBe(want.columns);
          expect(got.zoom).toBeCloseTo(want.zoom, 12);
        }
  });
});

describe('planFit', () => {
  it('shows a small design in full detail, never zoomed in beyond MAX_FIT_ZOOM', () => {
    const plan = planFit(design(DEMO_DOMAIN_XML, DEMO_HOST_XML).guest, { width: 1240, height: 775 });
    expect(plan.lod).toBe('full');
    expect(plan.zoom).toBeGreaterThanOrEqual(FULL_MIN_ZOOM);
    expect(plan.zoom).toBeLessThanOrEqual(MAX_FIT_ZOOM);
  });
});

describe('layout memory: stable across edits', () => {
  const demo = design(DEMO_DOMAIN_XML, DEMO_HOST_XML);
  const plan = { lod: 'full' as const, columns: 2, origin: { x: 0, y: 0 } };

  it('keeps every bus where it was when a vPHB is added, the new one in the next free cell', () => {
    const memory = createLayoutMemory();
    const before = memory.layout(demo.guest, plan);
    const added = applyCommand(demo, { kind: 'add-controller', controller: { model: 'pci-root' } }).guest;
    const after = memory.layout(added, plan);
    for (const [id, r] of before.boxes) expect(after.boxes.get(id)).toEqual(r);
    expect(after.boxes.size).toBe(before.boxes.size + 1);
    expect(overlaps(after)).toEqual([]);
  });

  it('leaves a gap where a removed vPHB was until the grid is tidied', () => {
    const memory = createLayoutMemory();
    const before = memory.layout(demo.guest, plan);
    const one = demo.guest.controllers.find((c) => c.index === 1);
    const removed = applyCommand(demo, { kind: 'remove-controller', controller: one?.key ?? '' }).guest;
    const after = memory.layout(removed, plan);
    const two = removed.controllers.find((c) => c.index === 2);
    expect(after.boxes.get(nodeIdOf(two as Guest['controllers'][number]))).toEqual(before.boxes.get(nodeIdOf(two as Guest['controllers'][number])));
    memory.forget();
    const tidy = memory.layout(removed, { ...plan });
    expect(tidy.cells.get(two?.key ?? '')?.cell).toBe(1);
  });

  it('moves the whole layout by its origin', () => {
    const memory = createLayoutMemory();
    const at0 = memory.peek(demo.guest, plan);
    const moved = memory.peek(demo.guest, { ...plan, origin: { x: 100, y: -50 } });
    for (const [id, r] of at0.boxes) expect(moved.boxes.get(id)).toEqual({ ...r, x: r.x + 100, y: r.y - 50 });
  });
});

describe('shownControllers: controllers written without an address, where define puts them', () => {
  // libvirt reserves every written address before it gives a controller one (qemuDomainAssignPCIAddresses):
  // with the NIC on 00:01.0 the ports go to 00:02.x; moved away, they take 00:01.x
  const q35 = design(`<domain type='kvm'><name>q35-ports-unaddressed</name><memory unit='GiB'>4</memory><os><type arch='x86_64' machine='q35'>hvm</type></os><devices>
    <controller type='pci' index='0' model='pcie-root'/>
    <controller type='pci' index='1' model='pcie-root-port'/>
    <controller type='pci' index='2' model='pcie-root-port'/>
    <interface type='user'><mac address='52:54:00:00:00:01'/><model type='e1000e'/><address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0'/></interface>
  </devices></domain>`);
  const nic = q35.guest.devices.find((d) => d.element === 'interface')?.key ?? '';
  const ports = q35.guest.controllers.filter((c) => c.model === 'pcie-root-port');
  const shownSlots = (g: Guest) => ports.map((p) => shownControllers(g).byKey.get(p.key)?.address?.slot);
  const definedSlots = (g: Guest) => ports.map((p) => defineDomain(g, undefined)?.guest.controllers.find((c) => c.key === p.key)?.address?.slot);

  it('follows a device move that changes where define puts them, with no controller edit', () => {
    expect(shownSlots(q35.guest)).toEqual([2, 2]);
    const moved = applyCommand(q35, { kind: 'move-device', device: nic, address: { domain: 0, bus: 0, slot: 5, function: 0 } });
    expect(moved.guest.controllers).toBe(q35.guest.controllers);
    expect(definedSlots(moved.guest)).toEqual([1, 1]);
    expect(shownSlots(moved.guest)).toEqual([1, 1]);
    // and back: the answer for the first guest is still its own
    expect(shownSlots(q35.guest)).toEqual([2, 2]);
  });

  it('keeps the same controller objects when a move leaves them where define put them (memoised nodes stay)', () => {
    const five = applyCommand(q35, { kind: 'move-device', device: nic, address: { domain: 0, bus: 0, slot: 5, function: 0 } });
    const before = ports.map((p) => shownControllers(five.guest).byKey.get(p.key));
    const six = applyCommand(five, { kind: 'move-device', device: nic, address: { domain: 0, bus: 0, slot: 6, function: 0 } });
    expect(ports.map((p) => shownControllers(six.guest).byKey.get(p.key))).toEqual(before);
    for (const [i, p] of ports.entries()) expect(shownControllers(six.guest).byKey.get(p.key)).toBe(before[i]);
  });
});

describe('shownControllers and addedAtDefine follow the libvirt release the design is set to', () => {
  // A PHB written at index 2 without <target index>, a NIC on bus 1 for which libvirt adds PHB 1:
  // real libvirt 9.0 gives PHB 2 target index 1 and the PHB it adds 2; 10.7 goes by index.
  const pseries = design(`<domain type='kvm'><name>p</name><memory unit='GiB'>1</memory><os><type arch='ppc64le' machine='pseries'>hvm</type></os><devices>
    <controller type='pci' index='0' model='pci-root'><model name='spapr-pci-host-bridge'/><target index='0'/></controller>
    <controller type='pci' index='2' model='pci-root'><model name='spapr-pci-host-bridge'/></controller>
    <interface type='network'><source network='default'/><model type='virtio'/><address type='pci' domain='0x0000' bus='0x01' slot='0x01' function='0x0'/></interface>
  </devices></domain>`);
  // root port 5 alone on q35: libvirt adds ports 1-4; 9.0 plugs the written one in first
  const q35 = design(`<domain type='kvm'><name>rp5</name><memory unit='GiB'>1</memory><os><type arch='x86_64' machine='q35'>hvm</type></os><devices>
    <controller type='pci' index='5' model='pcie-root-port'/>
  </devices></domain>`);
  const as = <T,>(release: string | undefined, f: () => T): T => {
    setShownRelease(() => release);
    try {
      return f();
    } finally {
      setShownRelease(() => undefined);
    }
  };
  const targets = () => shownControllers(pseries.guest).list.map((c) => [c.index, c.target.index]);

  it('a PHB written without a target index is drawn with the one the release gives it, marked as libvirt\'s', () => {
    expect(as(undefined, targets)).toEqual([[1, 1], [0, 0], [2, 2]]);
    expect(as('10.7', targets)).toEqual([[1, 1], [0, 0], [2, 2]]);
    expect(as('9.0', targets)).toEqual([[1, 2], [0, 0], [2, 1]]);
    expect(as('9.0', () => [...(shownControllers(pseries.guest).filled.get('pci-1') ?? [])])).toEqual(['targetIndex']);
    // the design keeps what the XML says
    expect(pseries.guest.controllers.find((c) => c.key === 'pci-1')?.target.index).toBeUndefined();
  });

  it('where libvirt plugs in the root ports it leaves unaddressed, and the port numbers, follow the release', () => {
    const port5 = () => {
      const c = shownControllers(q35.guest).list.find((x) => x.index === 5);
      return [c?.address?.slot, c?.address?.function, c?.target.port];
    };
    expect(as(undefined, port5)).toEqual([1, 4, 12]);
    expect(as('9.0', port5)).toEqual([1, 0, 8]);
    // and the devices libvirt adds find the same tree: the same answer per release, memoised apart
    expect(as('9.0', () => addedAtDefine(q35.guest))).toBe(as('9.0', () => addedAtDefine(q35.guest)));
  });
});

describe('every PCI device has a place on screen', () => {
  it('puts devices without an address, and hostdevs of functions the host lacks, in the Unplaced tray', () => {
    const g = unplacedPseries();
    const guest = design(g.domain, DEMO_HOST_XML).guest;
    expect(pciDevices(guest)).toHaveLength(g.pciDevices);
    expect(unplacedDevices(guest).map((d) => d.key).sort()).toEqual([...g.unplaced].sort());
  });

  it('counts devices with a PCI address even where libvirt would not give one, and no device with another address type', () => {
    const xml = DEMO_DOMAIN_XML.replace("<panic model='pseries'/>", "<panic model='pseries'/>\n    <input type='keyboard' bus='usb'/>\n    <rng model='virtio'>\n      <backend model='random'>/dev/urandom</backend>\n      <address type='spapr-vio' reg='0x3000'/>\n    </rng>");
    const guest = design(xml, DEMO_HOST_XML).guest;
    const keys = pciDevices(guest).map((d) => d.key);
    expect(keys).not.toContain('input-0');
    expect(keys).not.toContain('rng-0');
    expect(unplacedDevices(guest)).toEqual([]);
  });
});

describe('changedNodes: what the view follows after an edit', () => {
  const demo = design(DEMO_DOMAIN_XML, DEMO_HOST_XML);
  it('names a new bus and the bus a device moved to, not the untouched ones', () => {
    const added = applyCommand(demo, { kind: 'add-controller', controller: { model: 'pci-root' } });
    const newOne = added.guest.controllers.find((c) => !demo.guest.controllers.includes(c));
    expect(changedNodes(demo.guest, added.guest)).toEqual([nodeIdOf(newOne as Guest['controllers'][number])]);
    const moved = applyCommand(demo, { kind: 'move-device', device: '0030:01:00.0', address: { domain: 0, bus: 1, slot: 5, function: 0 } });
    expect(changedNodes(demo.guest, moved.guest)).toEqual([nodeIdOf(demo.guest.controllers.find((c) => c.index === 1) as Guest['controllers'][number])]);
    expect(changedNodes(demo.guest, demo.guest)).toEqual([]);
  });
});

describe('groupsLabel', () => {
  it("names a vPHB's host groups as its guest PE", () => {
    expect(groupsLabel(true, new Set())).toBe('PE: none (emulated devices only)');
    expect(groupsLabel(true, new Set(), true)).toBe('PE: none (emulated devices only)');
    expect(groupsLabel(true, new Set(), false)).toBe('PE: none (empty: spare for hotplug)');
    expect(groupsLabel(true, new Set(), false, 1)).toBe('PE: none (1 bus plugged in)');
    expect(groupsLabel(true, new Set([4]), true)).toBe('PE: host group 4');
    expect(groupsLabel(true, new Set([3]))).toBe('PE: host group 3');
    expect(groupsLabel(true, new Set([3, 1]))).toBe('PE: host groups 1, 3');
  });
  it('calls them IOMMU groups on PCIe ports and bridges, where PAPR PEs do not exist', () => {
    expect(groupsLabel(false, new Set([3]))).toBe('IOMMU group 3');
    expect(groupsLabel(false, new Set([2, 5]))).toBe('IOMMU groups 2, 5');
    expect(groupsLabel(false, new Set([7]), false)).toBe('IOMMU group 7');
    expect(groupsLabel(false, new Set(), true)).toBe('emulated devices only');
    expect(groupsLabel(false, new Set(), false, 16)).toBe('16 buses plugged in');
    expect(groupsLabel(false, new Set(), false)).toBe('empty');
  });
});

describe('a bus in its machine\'s words', () => {
  const i440fx = design(`<domain type='kvm'><name>pc</name><memory>1048576</memory><os><type arch='x86_64' machine='pc-i440fx-9.0'>hvm</type></os><devices>
    <controller type='pci' index='0' model='pci-root'/>
    <disk type='file' device='disk'><source file='/a.img'/><target dev='vda' bus='virtio'/><address type='pci' domain='0x0000' bus='0x00' slot='0x05' function='0x0'/></disk>
  </devices></domain>`).guest;
  const pseries = design(DEMO_DOMAIN_XML, DEMO_HOST_XML).guest;

  it('an i440fx pci-root is its PCI root, never a vPHB (libvirt names a pci-root spapr-pci-host-bridge only on pseries)', () => {
    const root = i440fx.controllers.find((c) => c.index === 0);
    if (!root) throw new Error('no pci-root');
    expect(controllerKindLabel(root, 'i440fx')).toBe('PCI root');
    const node = layoutGuest(i440fx, { lod: 'full', columns: 4 }).nodes.find((n) => n.data.key === root.key);
    expect(node?.ariaLabel).toBe('PCI root 0');
    expect(busNodeName(root, 'i440fx', 1)).toBe('PCI root 0, 1 device');
    // no vPHB border in its height either
    expect(estimateHeight(root, 1, 'i440fx')).toBeLessThan(estimateHeight(root, 1, 'pseries'));
  });

  it('a pseries pci-root is a vPHB', () => {
    const phb = pseries.controllers.find((c) => c.index === 0);
    if (!phb) throw new Error('no PHB');
    expect(controllerKindLabel(phb, 'pseries')).toBe('vPHB');
    expect(layoutGuest(pseries, { lod: 'full', columns: 4 }).nodes.find((n) => n.data.key === phb.key)?.ariaLabel).toBe('vPHB 0');
    expect(busNodeName(phb, 'pseries', 0)).toBe('vPHB 0, no devices');
    expect(busNodeName(phb, 'pseries', 8)).toBe('vPHB 0, 8 devices');
  });
});

describe('a single bus with many devices (an i440fx pci.0 of 30 disks, like libvirt\'s pci-many.xml)', () => {
  const disks = (n: number) =>
    Array.from({ length: n }, (_, i) => `<disk type='file' device='disk'><source file='/d${i}.img'/><target dev='vd${String.fromCharCode(97 + (i % 26))}${i >= 26 ? 'a' : ''}' bus='virtio'/><address type='pci' domain='0x0000' bus='0x00' slot='0x${(i + 2).toString(16).padStart(2, '0')}' function='0x0'/></disk>`).join('');
  const guest = (n: number) =>
    design(`<domain type='kvm'><name>many</name><memory>1048576</memory><os><type arch='x86_64' machine='pc'>hvm</type></os><devices><controller type='pci' index='0' model='pci-root'/>${disks(n)}</devices></domain>`).guest;
  // the canvas of a 1280x720 window (issue 10), with nothing in the Unplaced tray
  const canvas = { width: 652, height: 576 };

  it('opens in full detail at a readable zoom: its device list wraps into columns instead of one 1,100-px column', () => {
    const g = guest(30);
    const plan = planFit(g, canvas);
    expect(plan.lod).toBe('full');
    expect(plan.zoom).toBeGreaterThanOrEqual(FULL_MIN_ZOOM);
    const l = layoutGuest(g, { lod: 'full', columns: plan.columns, deviceRows: plan.deviceRows });
    const box = [...l.boxes.values()][0];
    if (!box) throw new Error('no box');
    expect(box.width).toBeGreaterThan(box.height * 0.8);
    expect(l.width * plan.zoom).toBeLessThanOrEqual(canvas.width);
    expect(l.height * plan.zoom).toBeLessThanOrEqual(canvas.height);
  });

  it('columns hold at most DEVICE_ROWS devices, filled top to bottom; a short list stays one column of NODE_WIDTH', () => {
    expect(deviceGrid(0)).toEqual({ columns: 1, rows: 1 });
    expect(deviceGrid(DEVICE_ROWS)).toEqual({ columns: 1, rows: DEVICE_ROWS });
    expect(deviceGrid(DEVICE_ROWS + 1)).toEqual({ columns: 2, rows: 7 });
    expect(deviceGrid(32)).toEqual({ columns: 3, rows: 11 });
    expect(fullWidth(4)).toBe(NODE_WIDTH);
    expect(fullWidth(32)).toBeGreaterThan(2 * NODE_WIDTH);
    const root = guest(30).controllers[0];
    if (!root) throw new Error('no root');
    expect(estimateHeight(root, 30, 'i440fx') - estimateHeight(root, 1, 'i440fx')).toBe((deviceGrid(30).rows - 1) * FULL_PARTS.device);
  });
});

describe('big buses side by side: two vPHBs of 31 devices (pseries-many-devices.xml once libvirt fills vPHB 0)', () => {
  const g = design(fullPhbs(2).domain).guest;
  // the canvas of a 1920x1080 window with the XML drawer open, and of a 1280x720 one (issue 10)
  const wide = { width: 1240, height: 694 };
  const laptop = { width: 652, height: 574 };
  const fullZoom = (view: { width: number; height: number }, deviceRows: number) => {
    const l = layoutGuest(g, { lod: 'full', columns: chooseColumns(g, 'full', view, deviceRows).columns, deviceRows });
    return fitZoom(l.width, l.height, view);
  };

  it('opens in full detail where its text stays legible: the device lists take the row limit that fits the canvas', () => {
    const plan = planFit(g, wide);
    expect(plan.lod).toBe('full');
    // 12-px text at the fitted zoom: 10 px or more on screen
    expect(12 * plan.zoom).toBeGreaterThanOrEqual(10);
    const l = layoutGuest(g, { lod: 'full', columns: plan.columns, deviceRows: plan.deviceRows });
    expect(l.width * plan.zoom).toBeLessThanOrEqual(wide.width);
    expect(l.height * plan.zoom).toBeLessThanOrEqual(wide.height);
    expect(l.nodes.every((n) => n.data.deviceRows === plan.deviceRows)).toBe(true);
    // in columns of DEVICE_ROWS the same design would not be legible in full detail
    expect(fullZoom(wide, DEVICE_ROWS)).toBeLessThan(FULL_MIN_ZOOM);
  });

  it('is all the guest has: libvirt adds nothing to it at define', () => {
    expect(addedAtDefine(g)).toEqual({ byBus: new Map(), elsewhere: [] });
  });

  it('opens as tiles where no row limit makes full nodes legible', () => {
    for (const rows of DEVICE_ROW_CHOICES) expect(fullZoom(laptop, rows)).toBeLessThan(FULL_MIN_ZOOM);
    expect(planFit(g, laptop).lod).toBe('tile');
  });

  it('keeps the default row limit where it already fits, and when the columns are fixed picks the rows too', () => {
    expect(planFit(design(DEMO_DOMAIN_XML, DEMO_HOST_XML).guest, wide).deviceRows).toBe(DEVICE_ROWS);
    expect(planFit(g, { width: 2400, height: 1400 })).toMatchObject({ lod: 'full', deviceRows: DEVICE_ROWS });
    const fixed = planFitColumns(g, wide, 2);
    expect(fixed).toMatchObject({ lod: 'full', columns: 2 });
    expect(fixed.deviceRows).not.toBe(DEVICE_ROWS);
  });
});

describe('addedAtDefine: what libvirt adds to the design at define, where it puts it', () => {
  // a q35 guest that writes no SATA controller: libvirt adds the ICH9 AHCI one at 00:1f.2
  // (qemuDomainDefAddDefaultDevices, qemuDomainValidateDevicePCISlotsQ35); its USB controller is written
  const q35 = design(`<domain type='kvm'><name>q35-added</name><memory unit='GiB'>4</memory><os><type arch='x86_64' machine='q35'>hvm</type></os><devices>
    <controller type='pci' index='0' model='pcie-root'/>
    <controller type='pci' index='1' model='pcie-root-port'><target chassis='1' port='0x10'/><address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'/></controller>
    <controller type='usb' index='0' model='qemu-xhci'><address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/></controller>
    <memballoon model='none'/>
  </devices></domain>`);

  it('lists a device libvirt adds on the bus it puts it on, never among the design\'s devices', () => {
    const a = addedAtDefine(q35.guest);
    const root = a.byBus.get(0) ?? [];
    expect(root.map((d) => [d.label, d.address?.slot, d.address?.function])).toEqual([['implicit sata controller', 0x1f, 2]]);
    expect(q35.guest.devices.some((d) => root.some((x) => x.key === d.key))).toBe(false);
    expect(pciDevices(q35.guest).map((d) => d.key)).not.toContain(root[0]?.key);
    expect(a.elsewhere).toEqual([]);
    // its row counts in the node's height
    const l = layoutGuest(q35.guest, { lod: 'full', columns: 2 });
    const c0 = q35.guest.controllers.find((c) => c.index === 0);
    expect(l.boxes.get(nodeIdOf(c0 as Guest['controllers'][number]))?.height).toBe(estimateHeight(c0 as Guest['controllers'][number], 1, 'q35'));
  });

  it('lists the buses libvirt adds, and where they plug in, apart from the drawn ones', () => {
    // an aarch64 virt guest with a virtio disk and no root port: libvirt adds one for it
    const virt = design(`<domain type='kvm'><name>virt-added</name><memory unit='GiB'>4</memory><os><type arch='aarch64' machine='virt'>hvm</type></os><devices>
      <controller type='pci' index='0' model='pcie-root'/>
      <disk type='file' device='disk'><source file='/d.img'/><target dev='vda' bus='virtio'/></disk>
      <memballoon model='none'/>
    </devices></domain>`);
    const a = addedAtDefine(virt.guest);
    expect(a.elsewhere.filter((x) => x.kind === 'controller').map((x) => `${x.label} on ${x.where}`)).toContain('pcie-root-port 1 on pcie-root 0 slot 0x01');
  });

  it('simulates nothing for a design that writes everything libvirt would add', () => {
    expect(addedAtDefine(design(DEMO_DOMAIN_XML, DEMO_HOST_XML).guest)).toEqual({ byBus: new Map(), elsewhere: [] });
  });
});
