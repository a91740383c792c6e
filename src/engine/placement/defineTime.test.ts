import { describe, expect, it } from 'vitest';
import type { Guest, GuestDevice } from '../model/guest.ts';
import { defineDomain, predictDefine } from './defineTime.ts';
import { place, placeWithReport } from './index.ts';
import { addresses, at, controller, designOf, emulated, guestOf, hostdev, hostOf, phb } from './testkit.ts';

const host = hostOf([
  { group: 5, devices: ['0001:01:00.0', '0001:01:00.1'] },
  { group: 7, devices: ['0005:90:01.0'] },
]);

/** The guest as export writes it (implicit devices are libvirt's to add) and as libvirt then defines it. */
const written = (g: Guest): Guest => ({ ...g, devices: g.devices.filter((d) => !d.implicit) });
const defined = (g: Guest): Guest => place(designOf(written(g), host), { policy: 'libvirt' }).guest;
const emptyPorts = (g: Guest): number[] => {
  const used = new Set([...g.devices, ...g.controllers].flatMap((x) => (x.address ? [x.address.bus] : [])));
  return g.controllers.flatMap((c) => (c.model === 'pcie-root-port' && c.index !== undefined && !used.has(c.index) ? [c.index] : []));
};

describe('predictDefine: what libvirt puts on the buses a design leaves empty', () => {
  it('q35: the default USB controller and memballoon take the lowest empty ports', () => {
    const g = guestOf('q35', { controllers: [controller('pcie-root', 0), controller('pcie-root-port', 1, at(0, 2)), controller('pcie-root-port', 2, at(0, 2, 1)), controller('pcie-root-port', 3, at(0, 2, 2))] });
    const p = predictDefine(g, undefined);
    expect(p.empty.map((b) => [b.index, b.kind, b.takers.map((t) => t.label)])).toEqual([
      [1, 'port', ['implicit usb controller qemu-xhci']],
      [2, 'port', ['implicit virtio memballoon']],
      [3, 'port', []],
    ]);
    expect(p.spares.map((b) => b.index)).toEqual([3]);
  });

  it("q35: with <controller type='usb' model='none'/> and <memballoon model='none'/> the port stays a spare", () => {
    const g = guestOf('q35', {
      controllers: [controller('pcie-root', 0), controller('pcie-root-port', 1, at(0, 2))],
      devices: [emulated({ key: 'usb', element: 'controller', type: 'usb', model: 'none' }), emulated({ key: 'mb', element: 'memballoon', model: 'none' })],
    });
    expect(predictDefine(g, undefined).spares.map((b) => b.index)).toEqual([1]);
  });

  it('pseries: with PHB 0 full the default USB controller takes an empty vPHB', () => {
    const full = Array.from({ length: 31 }, (_, i) => emulated({ key: `d${i}`, address: at(0, i + 1) }));
    const g = guestOf('pseries', { controllers: [phb(0, 0), phb(1, 1)], devices: [...full, emulated({ key: 'mb', element: 'memballoon', model: 'none' })] });
    const p = predictDefine(g, undefined);
    expect(p.empty.map((b) => [b.index, b.kind, b.takers.map((t) => t.implicit)])).toEqual([[1, 'vPHB', [true]]]);
    expect(p.spares).toEqual([]);
  });

  it('pseries: whether a hostdev takes an empty vPHB depends on the host (qemuDomainFillDeviceIsolationGroup), also for the same guest asked twice', () => {
    // No host file: libvirt reads the real host's IOMMU group and isolates the hostdev off PHB 0,
    // onto the empty vPHB. A host that lacks the device: group 0, beside the emulated devices.
    const g = guestOf('pseries', { controllers: [phb(0, 0), phb(1, 1)], devices: [emulated({ key: 'vda', address: at(0, 1) }), hostdev('0007:00:01.0'), emulated({ key: 'mb', element: 'memballoon', model: 'none' })] });
    expect(predictDefine(g, undefined).spares).toEqual([]);
    expect(predictDefine(g, host).spares.map((b) => b.index)).toEqual([1]);
    expect(predictDefine(g, undefined).empty.map((b) => b.takers.map((t) => t.key))).toEqual([['0007:00:01.0']]);
  });

  it('q35: devices placement marked implicit are libvirt\'s to add, not the design\'s: their port counts as empty, libvirt puts its own where it picks, a written device without an address takes a port too; listed by index', () => {
    // ports written out of index order; the memballoon place put on port 4 is not written
    const ports = [4, 3, 2, 1].map((i) => controller('pcie-root-port', i, at(0, 2, i - 1)));
    const g = guestOf('q35', {
      controllers: [controller('pcie-root', 0), ...ports],
      devices: [emulated({ key: 'vdb' }), emulated({ key: 'mb', element: 'memballoon', model: 'virtio', implicit: true, address: at(4, 0) })],
    });
    const p = predictDefine(g, undefined);
    expect(p.empty.map((b) => [b.index, b.takers.map((t) => [t.label, t.implicit])])).toEqual([
      [1, [['implicit usb controller qemu-xhci', true]]],
      [2, [['disk', false]]],
      [3, [['implicit virtio memballoon', true]]],
      [4, []],
    ]);
    expect(p.empty[1]?.takers[0]?.key).toBe('vdb');
    expect(p.spares.map((b) => b.index)).toEqual([4]);
  });

  it('q35: a controller libvirt adds on an empty port (the pcie-to-pci-bridge a conventional PCI NIC needs) takes it, named by model and index', () => {
    const g = guestOf('q35', {
      controllers: [controller('pcie-root', 0), controller('pcie-root-port', 1, at(0, 2)), controller('pcie-root-port', 2, at(0, 2, 1))],
      devices: [emulated({ key: 'nic', element: 'interface', type: 'network', model: 'e1000' }), emulated({ key: 'usb', element: 'controller', type: 'usb', model: 'none' }), emulated({ key: 'mb', element: 'memballoon', model: 'none' })],
    });
    const p = predictDefine(g, undefined);
    expect(p.empty.map((b) => [b.index, b.takers.map((t) => [t.implicit, t.address.bus])])).toEqual([[1, [[false, 1]]], [2, []]]);
    expect(p.empty[0]?.takers[0]?.label).toMatch(/^pcie-to-pci-bridge \(controller \d+\)$/);
    expect(p.spares.map((b) => b.index)).toEqual([2]);
  });

  it('beyond libvirt\'s limits (a device on bus 300) libvirt refuses the domain: no spare is predicted', () => {
    const g = guestOf('q35', { controllers: [controller('pcie-root', 0), controller('pcie-root-port', 1, at(0, 2))], devices: [emulated({ key: 'far', address: at(300, 0) })] });
    expect(predictDefine(g, undefined)).toEqual({ empty: [], spares: [] });
  });

  it('counts neither buses with devices nor ports with hotplug off', () => {
    const off = { ...controller('pcie-root-port', 2, at(0, 2, 1)), target: { hotplug: 'off' as const } };
    const g = guestOf('q35', { controllers: [controller('pcie-root', 0), controller('pcie-root-port', 1, at(0, 2)), off], devices: [emulated({ key: 'vda', address: at(1, 0) })] });
    expect(predictDefine(g, undefined)).toEqual({ empty: [], spares: [] });
  });

  // qemuDomainAssignDevicePCISlots (qemu_domain_address.c) places the controllers the XML writes
  // without an address first; a pcie-to-pci-bridge connects only to a root port (its connect type,
  // virDomainPCIAddressBusSetModel: pcie-root does not take VIR_PCI_CONNECT_TYPE_PCIE_TO_PCI_BRIDGE),
  // so the written bridge takes the one empty port: it is the design's controller, yet libvirt's to place.
  it('q35: a pcie-to-pci-bridge written without an address takes the empty root port: a taker there, not the design\'s placed device; the bridge itself stays a spare', () => {
    const g = guestOf('q35', {
      controllers: [controller('pcie-root', 0), controller('pcie-root-port', 1, at(0, 2)), { ...controller('pcie-to-pci-bridge', 2), key: 'bridge' }],
      devices: [emulated({ key: 'usb', element: 'controller', type: 'usb', model: 'none' }), emulated({ key: 'mb', element: 'memballoon', model: 'none' })],
    });
    const p = predictDefine(g, undefined);
    expect(p.empty.map((b) => [b.index, b.takers.map((t) => [t.key, t.implicit, t.address.bus, t.address.slot])])).toEqual([[1, [['bridge', false, 1, 0]]], [2, []]]);
    expect(p.spares.map((b) => b.index)).toEqual([2]);
  });
});

describe('pe-per-phb keeps spares empty through define (issue 5)', () => {
  for (const machine of ['q35', 'virt'] as const) {
    it(`${machine}: --spare-ports 2 leaves the two highest root ports empty after libvirt adds its own devices`, () => {
      const g = guestOf(machine, { devices: [emulated({ key: 'vda' }), emulated({ key: 'nic', element: 'interface', type: 'network', model: 'virtio' }), hostdev('0005:90:01.0')] });
      const r = placeWithReport(designOf(g, host), { policy: 'pe-per-phb', spare: 2 });
      expect(r.notes).toEqual([]);
      const out = r.design.guest;
      const ports = out.controllers.filter((c) => c.model === 'pcie-root-port').map((c) => c.index as number);
      const spares = ports.slice(-2);
      // as written, libvirt's devices have ports of their own besides the spares ...
      // (virt: libvirt adds neither a USB controller nor a memballoon on ARM)
      const implicitPorts = machine === 'q35' ? 2 : 0;
      expect(emptyPorts(written(out))).toHaveLength(2 + implicitPorts);
      expect(predictDefine(out, host).spares.map((b) => b.index)).toEqual(spares);
      // ... and libvirt, placing them in its own order, fills those and never the spares
      const after = defined(out);
      expect(emptyPorts(after)).toEqual(spares);
      for (const d of out.devices.filter((x) => x.implicit)) expect(after.devices.find((x) => x.key === d.key)?.address).toEqual(d.address);
    });
  }

  it('without modelling the implicit devices the spares are eaten, and the report says so', () => {
    const g = guestOf('q35', { devices: [emulated({ key: 'vda' })] });
    const r = placeWithReport(designOf(g, host), { policy: 'pe-per-phb', spare: 2, implicitDevices: false });
    expect(r.notes).toEqual([
      'libvirt will put implicit usb controller qemu-xhci on the empty root port 2 at define time',
      'libvirt will put implicit virtio memballoon on the empty root port 3 at define time',
      'only 0 of 2 spare root ports stay empty after define',
    ]);
  });

  it('q35: the functions of one host device share a root port as functions of slot 0 (multifunction on .0)', () => {
    const g = guestOf('q35', { devices: [hostdev('0001:01:00.0'), hostdev('0001:01:00.1'), hostdev('0005:90:01.0')] });
    const out = place(designOf(g, host), { policy: 'pe-per-phb', implicitDevices: false }).guest;
    const a = addresses(out);
    const bus = out.devices[0]?.address?.bus;
    expect(out.controllers.find((c) => c.index === bus)?.model).toBe('pcie-root-port');
    expect(a['0001:01:00.0']).toBe(`${bus}:0.0+`);
    expect(a['0001:01:00.1']).toBe(`${bus}:0.1`);
    expect(a['0005:90:01.0']).not.toMatch(new RegExp(`^${bus}:`));
  });

  it('q35: a host function joins its sibling the user put on a root port', () => {
    const g = guestOf('q35', { controllers: [controller('pcie-root', 0), controller('pcie-root-port', 1, at(0, 2))], devices: [hostdev('0001:01:00.0', at(1, 0)), hostdev('0001:01:00.1')] });
    const out = place(designOf(g, host), { policy: 'pe-per-phb', implicitDevices: false }).guest;
    expect(addresses(out)).toMatchObject({ '0001:01:00.0': '1:0.0', '0001:01:00.1': '1:0.1' });
  });
});

describe('defineDomain', () => {
  // virDomainPCIAddressSetGrow (domain_addr.c): a root port written on bus 3, which no controller
  // provides, needs a slot libvirt cannot add ("a PCI slot is needed to connect a PCI controller
  // model='pcie-root-port', but none is available, and it cannot be automatically added"): define fails.
  it('q35, a root port written on a missing bus: the define fails as a whole (unplaced *), the written controllers are the non-implicit ones, and no spare is predicted on the empty port', () => {
    const g = guestOf('q35', { controllers: [{ ...controller('pcie-root', 0), key: 'root', implicit: true }, { ...controller('pcie-root-port', 1, at(3, 0)), key: 'lost' }, { ...controller('pcie-root-port', 2, at(0, 3)), key: 'empty' }] });
    const run = defineDomain(g, undefined);
    expect(run?.unplaced).toEqual(['*']);
    expect(run?.reach).toBe(Infinity);
    expect([...(run?.written ?? [])]).toEqual(['lost', 'empty']);
    expect(run?.guest.controllers.map((c) => c.key)).toEqual(['root', 'lost', 'empty']);
    expect(predictDefine(g, undefined)).toEqual({ empty: [], spares: [] });
  });

  // libvirt 9.0: "Invalid value for attribute 'index' in element 'controller': 'x'. Expected integer
  // value": refused at parse, before virDomainAssignControllerIndexes. The simulation (which the
  // fixes still need, for what libvirt does once the index is fixed) gives it none.
  it("a non-PCI controller with index='x' gets no index in the simulation, unlike one written without an index", () => {
    const usb = (index: Partial<GuestDevice>): GuestDevice => emulated({ key: 'u', element: 'controller', type: 'usb', model: 'ich9-uhci1', ...index });
    const indexOf = (d: GuestDevice) => defineDomain(guestOf('q35', { devices: [d] }), undefined)?.guest.devices.find((x) => x.key === 'u')?.index;
    expect(indexOf(usb({}))).toBe(0);
    expect(indexOf(usb({ unreadableIndex: 'x' }))).toBeUndefined();
  });

  it('a machine pcitopo does not place (s390 ccw) has no define to simulate', () => {
    const s390: Guest = { ...guestOf('q35'), arch: 's390x', machine: 's390-ccw-virtio', devices: [emulated({ key: 'vda' })] };
    expect(defineDomain(s390, undefined)).toBeUndefined();
    expect(predictDefine(s390, undefined)).toEqual({ empty: [], spares: [] });
  });

  // virDomainDefPostParse -> virDomainDefAddImplicitControllers / qemuDomainPCIAddressSetCreate: the
  // root port for index 1 below a written index 2 is libvirt's (import shows it implicit), and so is the
  // root; `written` holds the design's own, which the rules name as written (atDefine.ts addedByLibvirt).
  it('q35, a root port libvirt adds for an index gap: define succeeds and `written` holds only the written controllers', () => {
    const g = guestOf('q35', {
      controllers: [{ ...controller('pcie-root', 0), key: 'root', implicit: true }, { ...controller('pcie-root-port', 1), key: 'gap', implicit: true }, { ...controller('pcie-root-port', 2, at(0, 3)), key: 'mine' }],
    });
    const run = defineDomain(g, undefined);
    expect(run?.unplaced).toEqual([]);
    expect([...(run?.written ?? [])]).toEqual(['mine']);
  });
});
