import { describe, expect, it } from 'vitest';
import type { Guest } from '../model/guest.ts';
import { place, placeWithReport } from './index.ts';
import { guestCellForHostNode, nodesetHas } from '../model/numa.ts';
import { validate } from '../rules/index.ts';
import { addresses, at, controller, designOf, emulated, guestOf, hostdev, hostOf, phb } from './testkit.ts';

const phbs = (g: Guest): string[] =>
  g.controllers
    .filter((c) => c.model === 'pci-root')
    .map((c) => `${c.index}/${c.target.index}${c.target.node !== undefined ? `@${c.target.node}` : ''}`)
    .sort();

const host = hostOf([
  { group: 5, devices: ['0001:01:00.0', '0001:01:00.1'], numaNode: 0 },
  { group: 7, devices: ['0005:90:01.0'], numaNode: 1 },
  { group: 9, devices: ['0006:01:00.0', '0006:01:00.1', '0006:01:00.2', '0006:01:00.3'], numaNode: 1 },
]);

describe('policy libvirt (pseries)', () => {
  // qemuDomainFillDeviceIsolationGroup(): with no host file the real host still has the devices, so
  // libvirt reads a real IOMMU group (> 0 after the +1) and isolates each hostdev off PHB 0.
  it('with no host loaded, hostdevs are isolated as libvirt does on the real host: off PHB 0, one PHB per host device, no PAPR-ISO-4/PAPR-DMA-1', () => {
    const g = guestOf('pseries', { devices: [emulated({ key: 'vda' }), hostdev('0001:01:00.0'), hostdev('0005:90:01.0'), hostdev('0001:01:00.1'), emulated({ key: 'vdb' })] });
    const out = place(designOf(g), { policy: 'libvirt', implicitDevices: false });
    const where = addresses(out.guest);
    const bus = (k: string): string => (where[k] ?? '-').split(':')[0] ?? '-';
    expect(bus('vda')).toBe('0');
    expect(bus('vdb')).toBe('0');
    for (const k of ['0001:01:00.0', '0005:90:01.0', '0001:01:00.1']) expect(['0', '-']).not.toContain(bus(k));
    expect(bus('0001:01:00.0')).toBe(bus('0001:01:00.1'));
    expect(bus('0001:01:00.0')).not.toBe(bus('0005:90:01.0'));
    const ids = validate(out).map((f) => f.ruleId);
    expect(ids).not.toContain('PAPR-ISO-4');
    expect(ids).not.toContain('PAPR-DMA-1');
  });

  it("a host is loaded and lacks the device: libvirt cannot read its IOMMU group and leaves it in group 0 (\"device won't be isolated\"), beside the emulated devices", () => {
    const g = guestOf('pseries', { devices: [emulated({ key: 'vda' }), hostdev('0007:00:01.0')] });
    const out = place(designOf(g, host), { policy: 'libvirt', implicitDevices: false }).guest;
    expect(phbs(out)).toEqual(['0/0']);
    expect(addresses(out)['0007:00:01.0']?.startsWith('0:')).toBe(true);
  });

  it('puts one IOMMU group per new PHB, never on PHB 0, functions on separate slots (PAPR-ISO-2/3, GEN-MF-4)', () => {
    const g = guestOf('pseries', { devices: [hostdev('0001:01:00.0'), hostdev('0005:90:01.0'), hostdev('0001:01:00.1'), emulated({ key: 'vda' })] });
    const out = place(designOf(g, host), { policy: 'libvirt', implicitDevices: false }).guest;
    expect(phbs(out)).toEqual(['0/0', '1/1', '2/2']);
    expect(addresses(out)).toEqual({ '0001:01:00.0': '1:1.0', '0005:90:01.0': '2:1.0', '0001:01:00.1': '1:2.0', vda: '0:1.0' });
  });

  it('reserves a spare slot: 31 emulated devices fill PHB 0 and leave an empty PHB 1 (GEN-AUTO-2)', () => {
    const devs = Array.from({ length: 31 }, (_, i) => emulated({ key: `d${i}` }));
    const out = place(designOf(guestOf('pseries', { devices: devs })), { policy: 'libvirt', implicitDevices: false }).guest;
    expect(phbs(out)).toEqual(['0/0', '1/1']);
    expect(out.devices.every((d) => d.address?.bus === 0)).toBe(true);
  });

  it('adds no PHB while a slot besides the spare one is left', () => {
    const devs = Array.from({ length: 30 }, (_, i) => emulated({ key: `d${i}` }));
    const out = place(designOf(guestOf('pseries', { devices: devs })), { policy: 'libvirt', implicitDevices: false }).guest;
    expect(phbs(out)).toEqual(['0/0']);
  });

  it('gives a declared empty spare PHB to the first cold-plugged group (PAPR-HP-6)', () => {
    const g = guestOf('pseries', { controllers: [phb(0, 0), phb(1)], devices: [hostdev('0005:90:01.0')] });
    const out = place(designOf(g, host), { policy: 'libvirt', implicitDevices: false }).guest;
    expect(phbs(out)).toEqual(['0/0', '1/1']);
    expect(addresses(out)['0005:90:01.0']).toBe('1:1.0');
  });

  it('never moves a user address; replaceAll does', () => {
    const g = guestOf('pseries', { devices: [hostdev('0005:90:01.0', at(0, 5)), emulated({ key: 'vda' })] });
    const kept = place(designOf(g, host), { policy: 'libvirt', implicitDevices: false }).guest;
    expect(addresses(kept)['0005:90:01.0']).toBe('0:5.0');
    const moved = place(designOf(g, host), { policy: 'libvirt', implicitDevices: false, replaceAll: true }).guest;
    expect(addresses(moved)['0005:90:01.0']).toBe('1:1.0');
  });

  it('adds the implicit pci-ohci USB controller and virtio memballoon only when asked', () => {
    const g = guestOf('pseries', { devices: [emulated({ key: 'vda' })] });
    const withImplicit = place(designOf(g), { policy: 'libvirt' }).guest;
    expect(withImplicit.devices.map((d) => `${d.element}:${d.type ?? ''}:${d.model ?? ''}`).sort()).toEqual(['controller:usb:pci-ohci', 'disk:file:', 'memballoon::virtio']);
    expect(place(designOf(g), { policy: 'libvirt', implicitDevices: false }).guest.devices).toHaveLength(1);
  });

  it('fills gaps in controller indexes with PHBs and gives index-less PHBs the lowest free index (GEN-IDX-5/6)', () => {
    const g = guestOf('pseries', { controllers: [controller('pci-root', undefined), controller('pci-root', 3)] });
    const out = place(designOf(g), { policy: 'libvirt', implicitDevices: false }).guest;
    expect(phbs(out)).toEqual(['0/0', '1/1', '2/2', '3/3']);
  });

  it('leaves machines it does not model alone', () => {
    const g: Guest = { ...guestOf('pseries'), arch: 's390x', machine: 's390-ccw-virtio', devices: [emulated()] };
    const d = designOf(g);
    expect(place(d, { policy: 'libvirt' })).toBe(d);
  });
});

describe('policy libvirt (q35, virt)', () => {
  it('packs auto-added root ports 8 per slot with chassis=index, port=slot*8+fn, and adds the spare root port (Q35-RP-2)', () => {
    const devs = Array.from({ length: 9 }, (_, i) => emulated({ key: `d${i}` }));
    const out = place(designOf(guestOf('q35', { devices: devs })), { policy: 'libvirt', implicitDevices: false }).guest;
    const ports = out.controllers.filter((c) => c.model === 'pcie-root-port');
    expect(ports).toHaveLength(10);
    expect(ports[0]).toMatchObject({ index: 1, modelName: 'pcie-root-port', target: { chassis: 1, port: 8 }, address: at(0, 1, 0, 'on') });
    expect(ports[9]).toMatchObject({ index: 10, target: { chassis: 10, port: 0x11 }, address: at(0, 2, 1) });
    expect(addresses(out).d0).toBe('1:0.0');
    expect(out.devices.filter((d) => d.address?.bus === 10)).toHaveLength(0);
  });

  it('puts a conventional PCI device behind a root port + pcie-to-pci-bridge (Q35-PCI-1)', () => {
    const g = guestOf('virt', { controllers: [controller('pcie-root', 0)], devices: [emulated({ key: 'nic', element: 'interface', type: 'user', model: 'e1000' })] });
    const out = place(designOf(g), { policy: 'libvirt', implicitDevices: false }).guest;
    expect(out.controllers.map((c) => c.model)).toEqual(['pcie-root', 'pcie-root-port', 'pcie-to-pci-bridge', 'pcie-root-port']);
    expect(addresses(out).nic).toBe('2:1.0');
  });

  it('keeps 00:1f for ICH9 and puts the primary video at 00:01.0 and the SATA controller at 00:1f.2 (Q35-RSV-1/2)', () => {
    const g = guestOf('q35', { devices: [emulated({ key: 'video', element: 'video', model: 'vga' })] });
    const out = place(designOf(g), { policy: 'libvirt' }).guest;
    expect(addresses(out).video).toBe('0:1.0');
    expect(out.devices.find((d) => d.type === 'sata')?.address).toEqual(at(0, 0x1f, 2));
    expect(out.devices.find((d) => d.type === 'usb')?.model).toBe('qemu-xhci');
  });
});

describe('policy pe-per-phb', () => {
  it('gives each host IOMMU group its own vPHB, host slot functions as guest functions, emulated on PHB 0, spare vPHBs', () => {
    const g = guestOf('pseries', {
      devices: [hostdev('0001:01:00.0'), hostdev('0001:01:00.1'), hostdev('0005:90:01.0'), emulated({ key: 'vda' })],
    });
    const out = place(designOf(g, host), { policy: 'pe-per-phb', spare: 2 }).guest;
    expect(phbs(out)).toEqual(['0/0', '1/1', '2/2', '3/3', '4/4']);
    // libvirt's default USB controller and memballoon get their slots on PHB 0, in libvirt's order
    expect(addresses(out)).toEqual({ '0001:01:00.0': '1:1.0+', '0001:01:00.1': '1:1.1', '0005:90:01.0': '2:1.0', vda: '0:2.0', 'controller-0': '0:1.0', 'memballoon-0': '0:3.0' });
    expect(out.devices.filter((d) => d.implicit).map((d) => d.label)).toEqual(['implicit usb controller pci-ohci', 'implicit virtio memballoon']);
  });

  it('never adds a spare vPHB past target index 30 (PAPR-PHB-2)', () => {
    const controllers = [phb(0, 0), ...Array.from({ length: 29 }, (_, i) => phb(i + 1, i + 1))];
    const devices = controllers.slice(1).map((c, i) => emulated({ key: `on-${i}`, address: at(c.index ?? 0, 1) }));
    const out = place(designOf(guestOf('pseries', { controllers, devices })), { policy: 'pe-per-phb', spare: 3 }).guest;
    expect(Math.max(...out.controllers.map((c) => c.target.index ?? 0))).toBe(30);
  });

  it('sends emulated devices that do not fit on PHB 0 behind a pci-bridge on PHB 0, not onto new vPHBs', () => {
    const devs = Array.from({ length: 40 }, (_, i) => emulated({ key: `d${i}` }));
    const out = place(designOf(guestOf('pseries', { devices: devs })), { policy: 'pe-per-phb', implicitDevices: false }).guest;
    expect(phbs(out)).toEqual(['0/0']);
    expect(out.controllers.find((c) => c.model === 'pci-bridge')).toMatchObject({ index: 1, address: at(0, 31), target: { chassisNr: 1 } });
    expect(out.devices.filter((d) => d.address?.bus === 1)).toHaveLength(10);
  });

  it('keeps the rest of a group with the member the user placed, in its slot when the function is free (PAPR-ISO-5, GEN-MF-1)', () => {
    const g = guestOf('pseries', { controllers: [phb(0, 0), phb(1, 1), phb(2, 2)], devices: [hostdev('0001:01:00.0', at(2, 4)), hostdev('0001:01:00.1')] });
    const out = place(designOf(g, host), { policy: 'pe-per-phb', implicitDevices: false }).guest;
    // the user's address is returned as written: libvirt sets multifunction='on' itself
    expect(addresses(out)).toEqual({ '0001:01:00.0': '2:4.0', '0001:01:00.1': '2:4.1' });
    expect(out.devices[0]?.address).toEqual(at(2, 4));
  });

  it("puts the rest of a group on a new slot of the user's bus when the function is taken or multifunction is off", () => {
    const taken = guestOf('pseries', { controllers: [phb(0, 0), phb(1, 1)], devices: [hostdev('0001:01:00.0', at(1, 4)), emulated({ key: 'x', address: at(1, 4, 1) }), hostdev('0001:01:00.1')] });
    expect(addresses(place(designOf(taken, host), { policy: 'pe-per-phb', implicitDevices: false }).guest)['0001:01:00.1']).toBe('1:1.0');
    const off = guestOf('pseries', { controllers: [phb(0, 0), phb(1, 1)], devices: [hostdev('0001:01:00.0', at(1, 4, 0, 'off')), hostdev('0001:01:00.1')] });
    expect(addresses(place(designOf(off, host), { policy: 'pe-per-phb', implicitDevices: false }).guest)['0001:01:00.1']).toBe('1:1.0');
  });

  it('pseries-hostdevs-3: the bus a user address names is a PHB libvirt adds, not a spare; spares are counted after it (GEN-IDX-5)', () => {
    const g = guestOf('pseries', { devices: [hostdev('0001:01:00.0', at(2, 1)), hostdev('0001:01:00.1')] });
    const r = placeWithReport(designOf(g, host), { policy: 'pe-per-phb', spare: 2 });
    const out = r.design.guest;
    expect(phbs(out)).toEqual(['0/0', '1/1', '2/2', '3/3']);
    expect(addresses(out)['0001:01:00.1']).toBe('2:1.1');
    const occupied = new Set(out.devices.map((d) => d.address?.bus));
    expect(out.controllers.filter((c) => c.model === 'pci-root' && !occupied.has(c.index)).map((c) => c.index)).toEqual([1, 3]);
    expect(r.notes).toEqual([]);
  });

  it('says when the requested spare vPHBs do not fit (PAPR-PHB-2) instead of capping silently', () => {
    const g = guestOf('pseries', { devices: [hostdev('0001:01:00.0'), hostdev('0001:01:00.1'), hostdev('0005:90:01.0')] });
    const r = placeWithReport(designOf(g, host), { policy: 'pe-per-phb', spare: 40 });
    expect(r.notes).toEqual(['only 28 spare vPHBs fit (target index max 30)']);
    expect(Math.max(...r.design.guest.controllers.map((c) => c.target.index ?? 0))).toBe(30);
    expect(placeWithReport(designOf(g, host), { policy: 'pe-per-phb', spare: 28 }).notes).toEqual([]);
    // two groups on PHBs 1-2, emulated devices on PHBs 3-29 written: one target index (30) is left
    const busy = Array.from({ length: 27 }, (_, i) => phb(i + 3, i + 3));
    const crowded = guestOf('pseries', { controllers: [phb(0, 0), ...busy], devices: [...g.devices, ...busy.map((c) => emulated({ address: at(c.index as number, 1) }))] });
    expect(placeWithReport(designOf(crowded, host), { policy: 'pe-per-phb', spare: 2 }).notes).toEqual(['only 1 spare vPHB fit (target index max 30)']);
  });

  it('a spare vPHB is never given controller index 31 or above, even when its target index is free: libvirt would fill the indexes below with PHBs, 32 in all (PAPR-PHB-2)', () => {
    // a PHB written without a target index (case d12) leaves target 30 free when index 31 comes up
    const noTarget = { ...phb(1), target: {} };
    const g = guestOf('pseries', { controllers: [phb(0, 0), noTarget, phb(2, 1)] });
    for (const spare of [31, 255]) {
      const r = placeWithReport(designOf(g, host), { policy: 'pe-per-phb', spare });
      expect(Math.max(...r.design.guest.controllers.map((c) => c.index ?? 0))).toBe(30);
      // PHBs 1 and 2, written empty, are spares too: 30 beside PHB 0
      expect(r.notes).toContain('only 30 spare vPHBs fit (target index max 30)');
      expect(validate(r.design).filter((f) => f.severity === 'error')).toEqual([]);
    }
  });

  it('q35: spare root ports are capped at what pcie-root has slots for, with a note, rather than written where libvirt finds no slot (GEN-CONNECT-1)', () => {
    const g = guestOf('q35');
    const fits = placeWithReport(designOf(g, host), { policy: 'pe-per-phb', spare: 200 });
    expect(fits.notes).toEqual([]);
    expect(fits.design.guest.controllers.filter((c) => c.model === 'pcie-root-port').every((c) => c.address !== undefined)).toBe(true);
    for (const spare of [240, 255]) {
      const r = placeWithReport(designOf(g, host), { policy: 'pe-per-phb', spare });
      const ports = r.design.guest.controllers.filter((c) => c.model === 'pcie-root-port');
      expect(ports.every((c) => c.address !== undefined)).toBe(true);
      const g2 = r.design.guest;
      const empty = ports.filter((p) => ![...g2.devices, ...g2.controllers].some((x) => x.address?.bus === p.index));
      expect(r.notes).toEqual([`only ${empty.length} spare root ports fit: libvirt finds no free slot for more on pcie-root`]);
      expect(empty.length).toBeLessThan(240);
      expect(validate(r.design).filter((f) => f.severity === 'error')).toEqual([]);
    }
  });

  it('i440fx: spares asked for are not added, and the note says why', () => {
    const pc = { ...guestOf('q35'), machine: 'pc' };
    const asked = placeWithReport(designOf(pc, host), { policy: 'pe-per-phb', spare: 4 });
    expect(asked.notes).toContain('no spares were added: spare root ports apply to PCIe machines (q35, virt) and spare vPHBs to pseries; i440fx hot-plugs into the free slots of its PCI buses');
    expect(placeWithReport(designOf(pc, host), { policy: 'pe-per-phb', spare: 0 }).notes.filter((n) => n.includes('spare'))).toEqual([]);
  });

  it('says that spares are not added under the libvirt policy, and only when some were asked for', () => {
    const g = guestOf('pseries', { devices: [hostdev('0001:01:00.0')] });
    const asked = placeWithReport(designOf(g, host), { policy: 'libvirt', spare: 2 });
    expect(asked.notes).toEqual(["spare counts apply to --policy pe-per-phb; libvirt's own policy adds no spares"]);
    expect(asked.design.guest).toEqual(placeWithReport(designOf(g, host), { policy: 'libvirt' }).design.guest);
    expect(placeWithReport(designOf(g, host), { policy: 'libvirt', spare: 0 }).notes).toEqual([]);
  });

  it('sets the vPHB NUMA node from the host node through numatune', () => {
    const g = guestOf('pseries', {
      numaCells: [{ id: 0 }, { id: 1 }],
      numaMemnodes: [
        { cellid: 0, nodeset: '1' },
        { cellid: 1, nodeset: '0' },
      ],
      devices: [hostdev('0001:01:00.0'), hostdev('0001:01:00.1'), hostdev('0005:90:01.0')],
    });
    const out = place(designOf(g, host), { policy: 'pe-per-phb' }).guest;
    expect(phbs(out)).toEqual(['0/0', '1/1@1', '2/2@0']);
  });

  it('maps host nodes to cells in sorted order without numatune, and sets no node without cells', () => {
    const cells = guestOf('pseries', { numaCells: [{ id: 0 }, { id: 1 }] });
    expect(guestCellForHostNode(cells, host, 1)).toBe(1);
    expect(guestCellForHostNode(cells, host, 7)).toBeUndefined();
    expect(guestCellForHostNode(guestOf('pseries'), host, 1)).toBeUndefined();
    expect(nodesetHas('0-3,^2', 2)).toBe(false);
    expect(nodesetHas('0-3,^2', 3)).toBe(true);
  });

  it('q35: one root port per PCIe device, conventional devices behind a bridge, spare root ports', () => {
    const g = guestOf('q35', {
      controllers: [controller('pcie-root', 0)],
      devices: [emulated({ key: 'a' }), emulated({ key: 'b' }), emulated({ key: 'nic', element: 'interface', type: 'user', model: 'rtl8139' })],
    });
    const out = place(designOf(g), { policy: 'pe-per-phb', spare: 3 }).guest;
    const busOf = (k: string): number | undefined => out.devices.find((d) => d.key === k)?.address?.bus;
    const modelOf = (bus: number | undefined): string | undefined => out.controllers.find((c) => c.index === bus)?.model;
    expect(modelOf(busOf('a'))).toBe('pcie-root-port');
    expect(busOf('a')).not.toBe(busOf('b'));
    expect(modelOf(busOf('nic'))).toBe('pcie-to-pci-bridge');
    const occupied = new Set([...out.devices, ...out.controllers].map((x) => x.address?.bus));
    expect(out.controllers.filter((c) => c.model === 'pcie-root-port' && !occupied.has(c.index))).toHaveLength(3);
  });
});

describe('placeWithReport says what it could not do', () => {
  it('an i440fx guest is placed best effort, and says so', () => {
    const pc: Guest = { ...guestOf('q35'), arch: 'x86_64', machine: 'pc-i440fx-9.1', controllers: [] };
    const r = placeWithReport(designOf(pc), { policy: 'libvirt' });
    expect(r.notes).toContain('i440fx (pc) is placed best effort: check the result with pcitopo verify');
  });

  it('a design beyond libvirt\'s limits (a device on bus 300) comes back unchanged, with a note naming the limit', () => {
    const d = designOf(guestOf('q35', { controllers: [controller('pcie-root', 0)], devices: [emulated({ key: 'far', address: at(300, 0) }), emulated({ key: 'vdb' })] }));
    for (const policy of ['libvirt', 'pe-per-phb'] as const) {
      const r = placeWithReport(d, { policy });
      expect(r.design).toBe(d);
      expect(r.notes).toEqual([expect.stringMatching(/^nothing was placed: .*bus 0x12c.*; libvirt refuses such a domain \(see validate\)$/)]);
    }
  });

  it('a USB controller written without an index is placed and still written without one (libvirt numbers it at define)', () => {
    const g = guestOf('q35', { devices: [emulated({ key: 'usb', element: 'controller', type: 'usb', model: 'qemu-xhci' }), emulated({ key: 'vda' })] });
    for (const policy of ['libvirt', 'pe-per-phb'] as const) {
      const usb = place(designOf(g), { policy }).guest.devices.find((x) => x.key === 'usb');
      expect(usb?.address).toBeDefined();
      expect(usb?.index).toBeUndefined();
    }
  });

  it('pe-per-phb: a host device passed through twice (libvirt: "Hostdev already exists") places the first copy only and names both', () => {
    const g = guestOf('pseries', { controllers: [phb(0, 0)], devices: [hostdev('0005:90:01.0'), { ...hostdev('0005:90:01.0'), key: 'copy', alias: 'ua-copy' }] });
    const r = placeWithReport(designOf(g, host), { policy: 'pe-per-phb', implicitDevices: false });
    const where = addresses(r.design.guest);
    expect(where['0005:90:01.0']).toMatch(/^[1-9]\d*:/);
    expect(where['copy']).toBe('-');
    expect(r.notes).toEqual(["hostdev 'ua-copy' passes through host device 0005:90:01.0, as <hostdev> number 1 does: libvirt refuses the domain (\"Hostdev already exists in the domain configuration\"), so it is not placed; keep one of them"]);
  });

  it('pe-per-phb: with target indexes 1-30 all taken by PHBs in use, a new IOMMU group gets no vPHB and the note says so (PAPR-PHB-2)', () => {
    const phbsInUse = Array.from({ length: 30 }, (_, i) => phb(i + 1, i + 1));
    const g = guestOf('pseries', { controllers: [phb(0, 0), ...phbsInUse], devices: [...phbsInUse.map((c) => emulated({ address: at(c.index as number, 1) })), hostdev('0005:90:01.0')] });
    const r = placeWithReport(designOf(g, host), { policy: 'pe-per-phb', implicitDevices: false });
    expect(addresses(r.design.guest)['0005:90:01.0']).toBe('-');
    expect(r.notes).toEqual(['no vPHB left for hostdev 0005:90:01.0 (target indexes 1-30 are taken): not placed']);
  });

  it('a machine it does not model is left alone, and says so', () => {
    const s390: Guest = { ...guestOf('q35'), arch: 's390x', machine: 's390-ccw-virtio', controllers: [] };
    const d = designOf(s390);
    const r = placeWithReport(d, { policy: 'pe-per-phb', spare: 1 });
    expect(r.design).toBe(d);
    expect(r.notes).toEqual(["machine 's390-ccw-virtio' is not one pcitopo places (pseries, q35, aarch64 virt, i440fx): nothing was placed"]);
  });
});
