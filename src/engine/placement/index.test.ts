import { describe, expect, it } from 'vitest';
import type { Guest } from '../model/guest.ts';
import { placeWithReport } from './index.ts';
import { validate } from '../rules/index.ts';
import { addresses, at, controller, designOf, emulated, guestOf, hostdev, hostOf, phb } from './testkit.ts';

/**
 * placeWithReport's own steps (index.ts), each case what libvirt does with the design: the limits
 * note, the controllers libvirt adds (written, and numbered by the release asked for), the note
 * for a device libvirt finds no slot for, and controller indexes left as written.
 */

/** `index/target@implicit` of each PHB, by index */
const phbs = (g: Guest): string[] =>
  g.controllers
    .filter((c) => c.model === 'pci-root')
    .sort((a, b) => (a.index ?? 0) - (b.index ?? 0))
    .map((c) => `${c.index}/${c.target.index}${c.implicit ? ' implicit' : ''}`);

describe('placeWithReport', () => {
  it('beyond libvirt\'s limits in two ways (bus 0x12c, slot 0x28), the note names both, each as virDomainPCIAddressValidate refuses it', () => {
    const g = guestOf('q35', { devices: [emulated({ key: 'a', address: at(300, 0) }), emulated({ key: 'b', address: at(0, 40) })] });
    expect(placeWithReport(designOf(g), { policy: 'libvirt' }).notes).toEqual([
      'nothing was placed: an address names bus 0x12c, above the highest controller index 0xff; an address names slot 0x28, above 0x1f; libvirt refuses such a domain (see validate)',
    ]);
  });

  // qemuDomainPCIControllerSetDefaults (qemu_domain_address.c) hands out PHB target indexes in
  // def->controllers order: libvirt 9.0 appends the PHB it adds for a gap (index 1 below a written
  // PHB 2) after the written ones, 10.7 goes by index (docs/differential.md §3). Import shows the
  // added PHB with 10.7's target (1); placing like 9.0 numbers it afresh.
  const gap = (): Guest => guestOf('pseries', { controllers: [phb(0, 0), { ...phb(1, 1), implicit: true }, phb(2)] });

  it('pseries, PHB 2 written above a gap: like libvirt 9.0 the written PHB gets target 1 and the added PHB 1 target 2; like 10.7 each gets its index', () => {
    const old = placeWithReport(designOf(gap()), { policy: 'libvirt', implicitDevices: false, libvirtVersion: '9.0' });
    expect(phbs(old.design.guest)).toEqual(['0/0', '1/2', '2/1']);
    expect(old.notes).toEqual([]);
    const now = placeWithReport(designOf(gap()), { policy: 'libvirt', implicitDevices: false, libvirtVersion: '10.7.0' });
    expect(phbs(now.design.guest)).toEqual(['0/0', '1/1', '2/2']);
  });

  // GEN-IDX-5: libvirt adds the PHB a gap names; left unwritten it would be added again at define,
  // maybe numbered otherwise, so the placement writes it. The root bus may stay implicit.
  it('writes the controller libvirt added for an index gap (implicit no more), for both policies', () => {
    for (const policy of ['libvirt', 'pe-per-phb'] as const) {
      expect(phbs(placeWithReport(designOf(gap()), { policy, implicitDevices: false }).design.guest)).toEqual(['0/0', '1/1', '2/2']);
    }
  });

  it('leaves an implicit root bus (index 0) implicit while writing the added PHB 1', () => {
    const g = guestOf('pseries', { controllers: [{ ...phb(0, 0), implicit: true }, { ...phb(1, 1), implicit: true }, phb(2)] });
    expect(phbs(placeWithReport(designOf(g), { policy: 'libvirt', implicitDevices: false }).design.guest)).toEqual(['0/0 implicit', '1/1', '2/2']);
  });

  // virtio-iommu is an integrated device (qemuDomainDeviceCalculatePCIConnectFlags:
  // VIR_PCI_CONNECT_INTEGRATED): only pcie-root itself takes it and virDomainPCIAddressSetGrow adds
  // no bus for it, so with pcie-root's slots 1-30 taken libvirt's define fails.
  it('q35, pcie-root full: the virtio-iommu libvirt finds no slot for is named by its label in the note, left unaddressed', () => {
    const full = Array.from({ length: 30 }, (_, i) => emulated({ key: `e${i + 1}`, address: at(0, i + 1) }));
    const g = guestOf('q35', { controllers: [controller('pcie-root', 0)], devices: [...full, emulated({ key: 'viommu', element: 'iommu', model: 'virtio', label: 'iommu virtio' })] });
    const r = placeWithReport(designOf(g), { policy: 'libvirt', implicitDevices: false });
    expect(r.notes).toEqual(['no free slot for iommu virtio: libvirt would refuse the domain']);
    expect(addresses(r.design.guest)['viommu']).toBe('-');
  });

  // A virtio disk is a PCIe endpoint: virDomainPCIAddressSetGrow adds a pcie-root-port for it, and
  // that port finds no slot on the full pcie-root (qemuDomainAssignDevicePCISlots, controllers first).
  it('q35, pcie-root full: the root port libvirt adds for a disk finds no slot; the note names it by model and index', () => {
    const full = Array.from({ length: 30 }, (_, i) => emulated({ key: `e${i + 1}`, address: at(0, i + 1) }));
    const g = guestOf('q35', { controllers: [controller('pcie-root', 0)], devices: [...full, emulated({ key: 'vdz' })] });
    expect(placeWithReport(designOf(g), { policy: 'libvirt', implicitDevices: false }).notes).toEqual(['no free slot for pcie-root-port (controller 1): libvirt would refuse the domain']);
  });

  // qemuDomainAssignPCIAddresses (qemu_domain_address.c) reserves a spare root port only when the XML's
  // highest controller index is 0 ("max_idx <= 0 && addrs->nbuses > max_idx + 1"): a written root port
  // (index 1, no address) makes max_idx 1, so the disk's port is the one written and no port 2 is added.
  // Real libvirt 9.0 defines this with root port 1 at 00:01.0 and nothing else.
  it('q35, a root port written with index 1 and no address: libvirt adds no spare port beside it (max_idx is 1)', () => {
    const g = guestOf('q35', { controllers: [controller('pcie-root', 0), controller('pcie-root-port', 1)], devices: [emulated({ key: 'vda' })] });
    const r = placeWithReport(designOf(g), { policy: 'libvirt', implicitDevices: false });
    expect(r.design.guest.controllers.map((c) => [c.index, c.model, c.address && `${c.address.bus}:${c.address.slot}.${c.address.function}`])).toEqual([
      [0, 'pcie-root', undefined],
      [1, 'pcie-root-port', '0:1.0'],
    ]);
    expect(addresses(r.design.guest)).toEqual({ vda: '1:0.0' });
    expect(r.notes).toEqual([]);
  });

  // virDomainAssignDeviceControllerIndexes numbers a controller written without an index at
  // define; `place` writes addresses only, so a written index stays and an absent one stays absent.
  it('q35: a SCSI controller written with index 0 keeps it beside a USB controller written without one', () => {
    const g = guestOf('q35', { devices: [emulated({ key: 'usb', element: 'controller', type: 'usb', model: 'qemu-xhci' }), emulated({ key: 'scsi', element: 'controller', type: 'scsi', model: 'virtio-scsi', index: 0 }), emulated({ key: 'vda' })] });
    for (const policy of ['libvirt', 'pe-per-phb'] as const) {
      const out = placeWithReport(designOf(g), { policy }).design.guest.devices;
      expect(out.filter((d) => d.key === 'usb' || d.key === 'scsi').map((d) => [d.key, d.index, d.address !== undefined])).toEqual([
        ['usb', undefined, true],
        ['scsi', 0, true],
      ]);
    }
  });

  // With controller indexes 1-255 all taken, libvirt grows a bus for a conventional device anyway
  // (virDomainPCIAddressSetGrow) and adds controller 256, which no PCI bus number can be
  // (virDomainPCIAddressBusSetModel: 0-255): its define fails. place says so and writes no
  // controller 256, so its output has no error the input lacks (GEN-IDX-1).
  it('q35 with indexes 1-255 all taken: no controller past 255 is written, the note says libvirt refuses, no new error', () => {
    const ports = Array.from({ length: 240 }, (_, i) => controller('pcie-root-port', i + 1, at(0, 1 + Math.floor(i / 8), i % 8)));
    const downstream = Array.from({ length: 15 }, (_, i) => controller('pcie-switch-downstream-port', 241 + i));
    const g = guestOf('q35', { controllers: [controller('pcie-root', 0), ...ports, ...downstream], devices: [emulated({ key: 'vda' }), emulated({ key: 'nic', element: 'interface', type: 'user', model: 'rtl8139', label: 'interface rtl8139' })] });
    const d = designOf(g);
    const errors = (x: typeof d): Set<string> => new Set(validate(x).filter((f) => f.severity === 'error').map((f) => f.ruleId));
    for (const policy of ['libvirt', 'pe-per-phb'] as const) {
      const r = placeWithReport(d, { policy, implicitDevices: false });
      expect(r.design.guest.controllers.every((c) => (c.index ?? 0) <= 255)).toBe(true);
      expect(r.notes).toContain('libvirt would add pcie-root-port 256, past the highest controller index 255, and refuse the domain; it is not written');
      expect(r.notes).toContain('no free slot for interface rtl8139: libvirt would refuse the domain');
      const before = errors(d);
      expect([...errors(r.design)].filter((id) => !before.has(id))).toEqual([]);
    }
  });

  // A pcie-to-pci-bridge plugs into a root port only (virDomainPCIAddressBusSetModel: pcie-root does not
  // take VIR_PCI_CONNECT_TYPE_PCIE_TO_PCI_BRIDGE), and virDomainPCIAddressSetGrow adds no bus for it:
  // real libvirt 9.0 refuses this domain ("Cannot automatically add a new PCI bus for a device with
  // connect flags 2000"). The root port pe-per-phb would add for the disk comes after index 1, and
  // libvirt would put the bridge there, a bus QEMU creates after it: nothing is placed, with or without spares.
  it('q35, the only non-root controller a pcie-to-pci-bridge written at index 1 without an address: pe-per-phb leaves the domain unchanged and names it, pcie-root written or not', () => {
    const bridge = controller('pcie-to-pci-bridge', 1);
    for (const [g, spare] of [
      [guestOf('q35', { controllers: [controller('pcie-root', 0), bridge], devices: [emulated({ key: 'vda' })] }), 0],
      [guestOf('q35', { controllers: [controller('pcie-root', 0), bridge], devices: [emulated({ key: 'vda' })] }), 2],
      [guestOf('q35', { controllers: [bridge], devices: [emulated({ key: 'vda' })] }), 0],
    ] as const) {
      const r = placeWithReport(designOf(g), { policy: 'pe-per-phb', spare, implicitDevices: false });
      expect(r.design.guest).toBe(g);
      expect(r.notes).toEqual([
        'nothing was placed: libvirt refuses such a domain whatever is placed (no bus of this domain has a free slot for pcie-to-pci-bridge 1 and libvirt cannot add one; any bus placed comes after its index, and libvirt would put it there, which QEMU refuses: "Bus \'pci.N\' not found"; see validate)',
      ]);
    }
  });

  // virt's pcie-root has 32 slots of 8 root ports each: 300 virtio disks need more buses than the
  // 0-255 a PCI bus number can be. libvirt refuses the domain (GEN-CONNECT-1); place wrote the disks
  // it could not give a root port on buses 0x100 and up, which no controller has (GEN-ADDR-2 on its output).
  it('virt, more devices than 255 buses hold: no address place writes names a bus past 255', () => {
    const g = guestOf('virt', { controllers: [controller('pcie-root', 0)], devices: Array.from({ length: 300 }, (_, i) => emulated({ key: `vd${i}` })) });
    for (const policy of ['libvirt', 'pe-per-phb'] as const) {
      const r = placeWithReport(designOf(g), { policy, spare: 0, implicitDevices: false });
      const buses = [...r.design.guest.devices, ...r.design.guest.controllers].flatMap((x) => (x.address ? [x.address.bus] : []));
      expect(Math.max(...buses), policy).toBeLessThanOrEqual(255);
      expect(r.notes.some((n) => n.includes('past 255')), policy).toBe(true);
    }
  });

  // A root port written on bus 3, which no controller makes: its slot is reserved in libvirt's dry run
  // before anything is placed, and virDomainPCIAddressSetGrow cannot add a bus for a controller (real
  // libvirt 9.0: "a PCI slot is needed to connect a PCI controller model='pcie-root-port', but none is
  // available, and it cannot be automatically added"). pe-per-phb says so as the libvirt policy does,
  // before its own ports could give bus 3 a number after the controller's.
  it('q35, a root port written on a missing bus 3 beside a disk to place: pe-per-phb leaves the domain unchanged with libvirt\'s refusal', () => {
    const g = guestOf('q35', { controllers: [controller('pcie-root', 0), controller('pcie-root-port', 1, at(3, 0))], devices: [emulated({ key: 'vda' })] });
    for (const spare of [0, 2]) {
      const r = placeWithReport(designOf(g), { policy: 'pe-per-phb', spare, implicitDevices: false });
      expect(r.design.guest).toBe(g);
      expect(r.notes).toEqual(['nothing was placed: libvirt refuses such a domain whatever is placed ("a PCI slot is needed to connect a PCI controller model=\'pcie-root-port\', but none is available, and it cannot be automatically added"; see validate)']);
    }
  });
});

describe("placeWithReport, libvirt's own policy with guest NUMA cells (Q35-NUMA-1)", () => {
  const host = hostOf([
    { group: 5, devices: ['0001:01:00.0'], numaNode: 0 },
    { group: 7, devices: ['0005:90:01.0'], numaNode: 1 },
  ]);
  const cells = [{ id: 0 }, { id: 1 }];
  const pxb = (node: number) => ({ ...controller('pcie-expander-bus', 1, at(0, 2)), target: { node, busNr: 200 } });
  const libvirtOf = (g: Guest) => placeWithReport(designOf(g, host), { policy: 'libvirt', implicitDevices: false });

  it('places as libvirt does (never behind the expander) and names the hostdev it leaves off the cell an expander carries', () => {
    const g = guestOf('q35', { numaCells: cells, controllers: [controller('pcie-root', 0), pxb(1)], devices: [hostdev('0001:01:00.0'), hostdev('0005:90:01.0')] });
    const r = libvirtOf(g);
    const onExpander = r.design.guest.controllers.filter((c) => c.address?.bus === 1);
    expect(onExpander).toEqual([]);
    expect(r.notes).toContain(
      "libvirt's own policy puts hostdev 0005:90:01.0 off its guest NUMA cell, which a pcie-expander-bus carries (Q35-NUMA-1): --policy pe-per-phb places it behind that expander where there is room",
    );
    expect(r.notes.filter((n) => n.includes('0001:01:00.0'))).toEqual([]);
    const warned = validate(r.design).filter((f) => f.ruleId === 'Q35-NUMA-1').flatMap((f) => f.subjects.devices ?? []);
    expect(warned).toContain('0005:90:01.0');
  });

  it('says nothing of NUMA when no expander carries the cell of a placed hostdev', () => {
    const g = guestOf('q35', { numaCells: cells, controllers: [controller('pcie-root', 0), pxb(0)], devices: [hostdev('0005:90:01.0')] });
    expect(libvirtOf(g).notes.filter((n) => n.includes('NUMA'))).toEqual([]);
  });
});
