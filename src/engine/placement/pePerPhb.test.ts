import { describe, expect, it } from 'vitest';
import type { Guest, GuestDevice } from '../model/guest.ts';
import { joinUserSlots, placePePerPhb } from './pePerPhb.ts';
import { createDesign } from '../xml/domain.ts';
import { validate } from '../rules/index.ts';
import { placeWithReport } from './index.ts';
import { defineDomain } from './defineTime.ts';
import { bridgesPastTheirRoom, busNumbering } from '../model/busNumbering.ts';
import { addresses, at, controller, emulated, guestOf, hostdev, hostOf, phb } from './testkit.ts';

/**
 * The branches of the pe-per-phb policy (issue 11's surviving mutants), called directly so that
 * libvirt's implicit devices are not added first: define time (predictDefine, after
 * qemuDomainDefAddDefaultDevices) then puts them on the first free bus, which shows in the notes.
 */

const host = hostOf([
  { group: 5, devices: ['0001:01:00.0', '0001:01:00.1', '0001:01:00.2', '0001:01:00.3'] },
  { group: 7, devices: ['0005:90:01.0'] },
  { group: 8, devices: Array.from({ length: 8 }, (_, i) => `0002:02:00.${i}`) },
  // one host slot whose function 0 is PCIe and function 1 conventional PCI (as the host file says)
  { group: 9, devices: ['0003:00:00.0'], pcie: true },
  { group: 10, devices: ['0003:00:00.1'], pcie: false },
]);

const controllersOf = (g: Guest): string[] =>
  g.controllers.map((c) => `${c.model}#${c.index ?? '-'}@${c.address ? `${c.address.bus}:${c.address.slot}.${c.address.function}${c.address.multifunction === 'on' ? '+' : ''}` : '-'}`);

describe('pe-per-phb: spare notes', () => {
  it('q35: libvirt puts its implicit USB controller and memballoon on the first empty root ports at define time, and the note says which and how many stay empty', () => {
    const g = guestOf('q35', { controllers: [controller('pcie-root', 0)], devices: [emulated({ key: 'vda' })] });
    const r = placePePerPhb(g, undefined, 2);
    expect(r.notes).toEqual([
      'libvirt will put implicit usb controller qemu-xhci on the empty root port 2 at define time',
      'libvirt will put implicit virtio memballoon on the empty root port 3 at define time',
      'only 0 of 2 spare root ports stay empty after define',
    ]);
    expect(addresses(r.guest)).toEqual({ vda: '1:0.0' });
    expect(controllersOf(r.guest)).toEqual(['pcie-root#0@-', 'pcie-root-port#1@0:1.0+', 'pcie-root-port#2@0:1.1', 'pcie-root-port#3@0:1.2']);
  });

  // spareKind: an empty pcie-to-pci-bridge is a spare of another kind (a bridge); the note counts
  // the root ports asked for only.
  it('q35: an empty pcie-to-pci-bridge does not count as a spare root port in the note', () => {
    const g = guestOf('q35', { controllers: [controller('pcie-root', 0), controller('pcie-root-port', 1, at(0, 2)), controller('pcie-to-pci-bridge', 2, at(1, 0))], devices: [emulated({ key: 'vda' })] });
    expect(placePePerPhb(g, undefined, 2).notes).toEqual([
      'libvirt will put implicit usb controller qemu-xhci on the empty root port 4 at define time',
      'libvirt will put implicit virtio memballoon on the empty root port 5 at define time',
      'only 0 of 2 spare root ports stay empty after define',
    ]);
  });

  it('q35 asked for no spare: no spare note even when libvirt will take the ports', () => {
    const g = guestOf('q35', { controllers: [controller('pcie-root', 0)], devices: [emulated({ key: 'vda' })] });
    expect(placePePerPhb(g, undefined, 0).notes).toEqual([]);
  });

  it('pseries with PHB 0 full: libvirt puts its implicit devices on the first empty vPHB, and the note names the vPHB', () => {
    const devices = Array.from({ length: 31 }, (_, i) => emulated({ key: `d${i}`, address: at(0, i + 1) }));
    const r = placePePerPhb(guestOf('pseries', { controllers: [phb(0, 0)], devices }), undefined, 2);
    expect(r.notes).toEqual([
      'libvirt will put implicit usb controller pci-ohci on the empty vPHB 1 at define time',
      'libvirt will put implicit virtio memballoon on the empty vPHB 1 at define time',
      'only 1 of 2 spare vPHBs stay empty after define',
    ]);
    expect(controllersOf(r.guest)).toEqual(['pci-root#0@-', 'pci-root#1@-', 'pci-root#2@-']);
  });

  // virDomainDefAddImplicitVideo: a <graphics> without a <video> gets one at define (on aarch64
  // virt a virtio-gpu, PCIe), placed by qemuDomainAssignPCIAddresses on the first empty root port.
  it('virt with a <graphics> and no <video>: the video libvirt adds at define takes the first spare root port, and the note says so', () => {
    const g: Guest = { ...guestOf('virt', { controllers: [controller('pcie-root', 0)], devices: [emulated({ key: 'vda' })] }), graphics: 1 };
    const r = placePePerPhb(g, undefined, 2);
    expect(r.notes).toEqual(['libvirt will put implicit video on the empty root port 2 at define time', 'only 1 of 2 spare root ports stay empty after define']);
    expect(addresses(r.guest)).toEqual({ vda: '1:0.0' });
  });

  it('i440fx gets no spares (there is no root port or vPHB to keep empty), and a note says so; slot 1 is the PIIX3', () => {
    const pc: Guest = { ...guestOf('q35'), machine: 'pc-i440fx-9.1', controllers: [controller('pci-root', 0)], devices: [emulated({ key: 'vda' })] };
    const r = placePePerPhb(pc, undefined, 2);
    expect(r.notes).toEqual(['no spares were added: spare root ports apply to PCIe machines (q35, virt) and spare vPHBs to pseries; i440fx hot-plugs into the free slots of its PCI buses']);
    expect(placePePerPhb(pc, undefined, 0).notes).toEqual([]);
    expect(addresses(r.guest)).toEqual({ vda: '0:2.0' });
    expect(r.guest.controllers.map((c) => c.model)).toEqual(['pci-root']);
  });
});

describe('pe-per-phb: a host function passed through twice (HD-SRC-2)', () => {
  it('names each copy by its place among the elements of its kind, keeps the device order, the copy unplaced', () => {
    const g = guestOf('pseries', { controllers: [phb(0, 0)], devices: [emulated({ key: 'vda' }), hostdev('0005:90:01.0'), { ...hostdev('0005:90:01.0'), key: 'copy' }, emulated({ key: 'vdb' })] });
    const r = placePePerPhb(g, host, 0);
    expect(r.notes).toEqual([
      '<hostdev> number 2 passes through host device 0005:90:01.0, as <hostdev> number 1 does: libvirt refuses the domain ("Hostdev already exists in the domain configuration"), so it is not placed; keep one of them',
    ]);
    expect(r.guest.devices.map((d) => d.key)).toEqual(['vda', '0005:90:01.0', 'copy', 'vdb']);
    expect(addresses(r.guest)).toEqual({ vda: '0:1.0', '0005:90:01.0': '1:1.0', copy: '-', vdb: '0:2.0' });
    expect(r.guest.devices[2]).toBe(g.devices[2]);
  });

  it("an <interface type='hostdev'> is named as such", () => {
    const nic = (key: string): GuestDevice => ({ ...hostdev('0005:90:01.0'), element: 'interface', type: 'hostdev', key });
    const r = placePePerPhb(guestOf('pseries', { controllers: [phb(0, 0)], devices: [nic('n1'), nic('n2')] }), host, 0);
    expect(r.notes).toEqual([
      "<interface type='hostdev'> number 2 passes through host device 0005:90:01.0, as <interface type='hostdev'> number 1 does: libvirt refuses the domain (\"Hostdev already exists in the domain configuration\"), so it is not placed; keep one of them",
    ]);
    expect(addresses(r.guest)).toEqual({ n1: '1:1.0', n2: '-' });
  });

  it('hostdevs without a host PCI address (mdev-like) are no duplicates of each other and are placed like emulated devices', () => {
    const m = (key: string): GuestDevice => ({ ...hostdev('0005:90:01.0'), key, hostAddress: undefined });
    const r = placePePerPhb(guestOf('pseries', { controllers: [phb(0, 0)], devices: [m('m1'), m('m2'), emulated({ key: 'vda' })] }), host, 0);
    expect(r.notes).toEqual([]);
    expect(addresses(r.guest)).toEqual({ m1: '0:2.0', m2: '0:3.0', vda: '0:1.0' });
  });
});

describe('pe-per-phb: addresses the user wrote are returned exactly as written', () => {
  it('pseries: controllers the user addressed in one slot keep their addresses (no multifunction added), an unaddressed one is placed', () => {
    const b1 = controller('pci-bridge', 1, at(0, 3, 0));
    const b2 = controller('pci-bridge', 2, at(0, 3, 1));
    const r = placePePerPhb(guestOf('pseries', { controllers: [phb(0, 0), b1, b2], devices: [emulated({ key: 'vda' })] }), undefined, 0);
    expect(controllersOf(r.guest)).toEqual(['pci-root#0@-', 'pci-bridge#1@0:3.0', 'pci-bridge#2@0:3.1']);
    expect(r.guest.controllers[1]?.address).toBe(b1.address);
  });

  it('q35: root ports the user addressed keep their addresses, the unaddressed one gets one', () => {
    const g = guestOf('q35', { controllers: [controller('pcie-root', 0), controller('pcie-root-port', 1, at(0, 3, 0)), controller('pcie-root-port', 2, at(0, 3, 1)), controller('pcie-root-port', 3)], devices: [emulated({ key: 'vda' })] });
    const r = placePePerPhb(g, undefined, 0);
    expect(controllersOf(r.guest)).toEqual(['pcie-root#0@-', 'pcie-root-port#1@0:3.0', 'pcie-root-port#2@0:3.1', 'pcie-root-port#3@0:1.0']);
    expect(addresses(r.guest)).toEqual({ vda: '1:0.0' });
  });

  it('a device the user put at function 0 keeps its address without multifunction, its host sibling joins at function 1', () => {
    const g = guestOf('pseries', { controllers: [phb(0, 0)], devices: [hostdev('0001:01:00.0', at(0, 5, 0)), hostdev('0001:01:00.1')] });
    const r = placePePerPhb(g, host, 0);
    expect(addresses(r.guest)).toEqual({ '0001:01:00.0': '0:5.0', '0001:01:00.1': '0:5.1' });
    expect(r.guest.devices[0]?.address).toBe(g.devices[0]?.address);
  });
});

describe('pe-per-phb: host functions join the slot of a sibling the user addressed, at the host distance', () => {
  it('anchor host function 1 at guest function 3: host functions 2 and 0 go to guest functions 4 and 2', () => {
    const g = guestOf('pseries', { controllers: [phb(0, 0)], devices: [hostdev('0001:01:00.1', at(0, 5, 3)), hostdev('0001:01:00.2'), hostdev('0001:01:00.0')] });
    expect(addresses(placePePerPhb(g, host, 0).guest)).toEqual({ '0001:01:00.1': '0:5.3', '0001:01:00.2': '0:5.4', '0001:01:00.0': '0:5.2' });
  });

  it('a sibling the user addressed elsewhere stays there and its slot stays taken: an emulated device goes to the next free slot of PHB 0, not into it', () => {
    const before = Array.from({ length: 4 }, (_, i) => emulated({ key: `e${i + 1}`, address: at(0, i + 1) }));
    const g = guestOf('pseries', { controllers: [phb(0, 0), phb(1, 1)], devices: [...before, hostdev('0001:01:00.0', at(1, 1, 0)), hostdev('0001:01:00.1', at(0, 5, 0)), emulated({ key: 'vda' })] });
    const where = addresses(placePePerPhb(g, host, 0).guest);
    expect([where['0001:01:00.0'], where['0001:01:00.1'], where['vda']]).toEqual(['1:1.0', '0:5.0', '0:6.0']);
  });

  it('function 7 is the last: one past it is placed elsewhere (in the group: on the anchor bus)', () => {
    const g = guestOf('pseries', { controllers: [phb(0, 0)], devices: [hostdev('0001:01:00.0', at(0, 5, 6)), hostdev('0001:01:00.1'), hostdev('0001:01:00.2')] });
    expect(addresses(placePePerPhb(g, host, 0).guest)).toEqual({ '0001:01:00.0': '0:5.6', '0001:01:00.1': '0:5.7', '0001:01:00.2': '0:1.0' });
  });

  it('function 0 is a valid target: host function 0 joins at guest function 0 (libvirt then sets multifunction on it)', () => {
    const g = guestOf('pseries', { controllers: [phb(0, 0)], devices: [hostdev('0001:01:00.2', at(0, 5, 2)), hostdev('0001:01:00.0')] });
    expect(addresses(placePePerPhb(g, host, 0).guest)).toEqual({ '0001:01:00.2': '0:5.2', '0001:01:00.0': '0:5.0+' });
  });

  it('a function the user gave to another device is not taken', () => {
    const g = guestOf('pseries', { controllers: [phb(0, 0)], devices: [hostdev('0001:01:00.0', at(0, 5, 0)), emulated({ key: 'x', address: at(0, 5, 1) }), hostdev('0001:01:00.1')] });
    expect(addresses(placePePerPhb(g, host, 0).guest)).toEqual({ '0001:01:00.0': '0:5.0', x: '0:5.1', '0001:01:00.1': '0:1.0' });
  });
});

describe('pe-per-phb on q35: a root port per host slot, functions kept together (GEN-MF-3)', () => {
  it('without host function 0 the functions are renumbered from 0 in host order, whatever the XML order', () => {
    const g = guestOf('q35', { controllers: [controller('pcie-root', 0)], devices: [hostdev('0001:01:00.3'), hostdev('0001:01:00.1')] });
    const r = placePePerPhb(g, host, 0);
    expect(addresses(r.guest)).toEqual({ '0001:01:00.3': '1:0.1', '0001:01:00.1': '1:0.0+' });
    expect(controllersOf(r.guest)).toEqual(['pcie-root#0@-', 'pcie-root-port#1@0:1.0']);
  });

  it('with host function 0 the host numbering stays, gaps included', () => {
    const g = guestOf('q35', { controllers: [controller('pcie-root', 0)], devices: [hostdev('0001:01:00.2'), hostdev('0001:01:00.0')] });
    expect(addresses(placePePerPhb(g, host, 0).guest)).toEqual({ '0001:01:00.2': '1:0.2', '0001:01:00.0': '1:0.0+' });
  });

  it('a host slot with all 8 functions fills one port', () => {
    const g = guestOf('q35', { controllers: [controller('pcie-root', 0)], devices: Array.from({ length: 8 }, (_, i) => hostdev(`0002:02:00.${i}`)) });
    const r = placePePerPhb(g, host, 0);
    expect(Object.values(addresses(r.guest))).toEqual(['1:0.0+', '1:0.1', '1:0.2', '1:0.3', '1:0.4', '1:0.5', '1:0.6', '1:0.7']);
    expect(controllersOf(r.guest)).toEqual(['pcie-root#0@-', 'pcie-root-port#1@0:1.0']);
  });
});

describe('pe-per-phb on q35: how many ports and bridges are added', () => {
  it('an unaddressed pcie-to-pci-bridge takes an empty port before any device does: one port more, and the spare stays empty', () => {
    const g = guestOf('q35', {
      controllers: [controller('pcie-root', 0), controller('pcie-to-pci-bridge', undefined)],
      devices: [emulated({ key: 'vda' }), emulated({ key: 'usb', element: 'controller', type: 'usb', model: 'qemu-xhci' }), emulated({ key: 'bal', element: 'memballoon', model: 'virtio' })],
    });
    const r = placePePerPhb(g, undefined, 1);
    expect(controllersOf(r.guest)).toEqual([
      'pcie-root#0@-',
      'pcie-to-pci-bridge#-@1:0.0',
      'pcie-root-port#1@0:1.0+',
      'pcie-root-port#2@0:1.1',
      'pcie-root-port#3@0:1.2',
      'pcie-root-port#4@0:1.3',
      'pcie-root-port#5@0:1.4',
    ]);
    expect(addresses(r.guest)).toEqual({ vda: '3:0.0', usb: '2:0.0', bal: '4:0.0' });
    expect(r.notes).toEqual([]);
  });

  it('a conventional device goes into room left on an existing pcie-to-pci-bridge: no new bridge', () => {
    const g = guestOf('q35', { controllers: [controller('pcie-root', 0), controller('pcie-root-port', 1, at(0, 2, 0)), controller('pcie-to-pci-bridge', 2, at(1, 0, 0))], devices: [emulated({ key: 'nic', element: 'interface', type: 'user', model: 'rtl8139' })] });
    const r = placePePerPhb(g, undefined, 0);
    expect(controllersOf(r.guest)).toEqual(['pcie-root#0@-', 'pcie-root-port#1@0:2.0', 'pcie-to-pci-bridge#2@1:0.0']);
    expect(addresses(r.guest)).toEqual({ nic: '2:1.0' });
  });

  const rtl = (key: string, address?: ReturnType<typeof at>): GuestDevice => emulated({ key, element: 'interface', type: 'user', model: 'rtl8139', address });

  // qemuDomainDeviceCalculatePCIConnectFlags: an rtl8139 is conventional PCI, which a pci-bridge
  // takes as well as a pcie-to-pci-bridge; libvirt's search (virDomainPCIAddressGetNextAddr) finds
  // the free slot there, so no new bridge is needed.
  it('a conventional device goes into room left on an existing pci-bridge (behind a dmi-to-pci-bridge): no new bridge', () => {
    const g = guestOf('q35', { controllers: [controller('pcie-root', 0), controller('dmi-to-pci-bridge', 1, at(0, 0x1e, 0)), controller('pci-bridge', 2, at(1, 1, 0))], devices: [rtl('nic')] });
    const r = placePePerPhb(g, undefined, 0);
    expect(controllersOf(r.guest)).toEqual(['pcie-root#0@-', 'dmi-to-pci-bridge#1@0:30.0', 'pci-bridge#2@1:1.0']);
    expect(addresses(r.guest)).toEqual({ nic: '2:1.0' });
  });

  it('a pcie-to-pci-bridge with 30 of its slots 1-31 taken has room for one more: the conventional device takes slot 31, no new bridge (controllers on other buses take none of its room)', () => {
    const on2 = Array.from({ length: 30 }, (_, i) => rtl(`a${i}`, at(2, i + 1)));
    const g = guestOf('q35', { controllers: [controller('pcie-root', 0), controller('pcie-root-port', 1, at(0, 2, 0)), controller('pcie-to-pci-bridge', 2, at(1, 0, 0))], devices: [...on2, rtl('nic')] });
    const r = placePePerPhb(g, undefined, 0);
    expect(controllersOf(r.guest)).toEqual(['pcie-root#0@-', 'pcie-root-port#1@0:2.0', 'pcie-to-pci-bridge#2@1:0.0']);
    expect(addresses(r.guest)['nic']).toBe('2:31.0');
  });

  it('a bridge whose 31 slots hold devices and a controller has no room: a new root port and pcie-to-pci-bridge are added for the conventional device', () => {
    const on2 = Array.from({ length: 30 }, (_, i) => rtl(`a${i}`, at(2, i + 1)));
    const on3 = Array.from({ length: 31 }, (_, i) => rtl(`b${i}`, at(3, i + 1)));
    const g = guestOf('q35', {
      controllers: [controller('pcie-root', 0), controller('pcie-root-port', 1, at(0, 2, 0)), controller('pcie-to-pci-bridge', 2, at(1, 0, 0)), controller('pci-bridge', 3, at(2, 31, 0))],
      devices: [...on2, ...on3, rtl('nic')],
    });
    const r = placePePerPhb(g, undefined, 0);
    expect(controllersOf(r.guest)).toEqual(['pcie-root#0@-', 'pcie-root-port#1@0:2.0', 'pcie-to-pci-bridge#2@1:0.0', 'pci-bridge#3@2:31.0', 'pcie-root-port#4@0:1.0', 'pcie-to-pci-bridge#5@4:0.0']);
    expect(addresses(r.guest)['nic']).toBe('5:1.0');
  });

  // The port + pcie-to-pci-bridge pair is what virDomainPCIAddressSetGrow adds for a conventional
  // device on a PCIe-only guest (needPCIeToPCIBridge); pe-per-phb writes it first, so that it gets
  // the lowest indexes and the PCIe devices' ports come after it.
  it('a conventional device and a PCIe one: the root port and pcie-to-pci-bridge for the first come first (indexes 1, 2), the PCIe port after', () => {
    const g = guestOf('q35', { controllers: [controller('pcie-root', 0)], devices: [rtl('nic'), emulated({ key: 'vda' })] });
    const r = placePePerPhb(g, undefined, 0);
    expect(controllersOf(r.guest)).toEqual(['pcie-root#0@-', 'pcie-root-port#1@0:1.0+', 'pcie-to-pci-bridge#2@1:0.0', 'pcie-root-port#3@0:1.1']);
    expect(addresses(r.guest)).toEqual({ nic: '2:1.0', vda: '3:0.0' });
  });

  it('32 conventional devices: a pcie-to-pci-bridge has 31 slots (1-31), so a second port and bridge are added for the 32nd', () => {
    const g = guestOf('q35', { controllers: [controller('pcie-root', 0)], devices: Array.from({ length: 32 }, (_, i) => rtl(`n${i}`)) });
    const r = placePePerPhb(g, undefined, 0);
    expect(controllersOf(r.guest)).toEqual(['pcie-root#0@-', 'pcie-root-port#1@0:1.0+', 'pcie-to-pci-bridge#2@1:0.0', 'pcie-root-port#3@0:1.1', 'pcie-to-pci-bridge#4@3:0.0']);
    const where = addresses(r.guest);
    expect([where['n0'], where['n30'], where['n31']]).toEqual(['2:1.0', '2:31.0', '4:1.0']);
  });

  it('a new root port is numbered one past the highest index (libvirt numbers new buses that way); libvirt fills the gap below with ports of its own', () => {
    const g = guestOf('q35', { controllers: [controller('pcie-root', 0), controller('pcie-root-port', 5, at(0, 2, 0))], devices: [emulated({ key: 'x', address: at(5, 0) }), emulated({ key: 'vda' })] });
    const r = placePePerPhb(g, undefined, 0);
    expect(controllersOf(r.guest)).toEqual([
      'pcie-root#0@-',
      'pcie-root-port#5@0:2.0',
      'pcie-root-port#6@0:1.4',
      'pcie-root-port#1@0:1.0+',
      'pcie-root-port#2@0:1.1',
      'pcie-root-port#3@0:1.2',
      'pcie-root-port#4@0:1.3',
    ]);
  });
});

describe('pe-per-phb on pseries: which vPHB a host PE gets (PAPR-NUMA-4)', () => {
  // Without numatune the host's NUMA nodes map to the guest cells in sorted order (model/numa.ts).
  const numaHost = hostOf([
    { group: 5, devices: ['0001:01:00.0'], numaNode: 0 },
    { group: 7, devices: ['0005:90:01.0'], numaNode: 1 },
    { group: 9, devices: ['0006:01:00.0'] },
    { group: 9, devices: ['0006:01:00.1'], numaNode: 1 },
  ]);
  const cells = [{ id: 0 }, { id: 1 }];

  it('an empty declared vPHB of the host node\'s cell is taken before one of another cell', () => {
    const g = guestOf('pseries', { numaCells: cells, controllers: [phb(0, 0), phb(1, 1, 0), phb(2, 2, 1)], devices: [hostdev('0005:90:01.0')] });
    const r = placePePerPhb(g, numaHost, 0);
    expect(addresses(r.guest)).toEqual({ '0005:90:01.0': '2:1.0' });
    expect(r.guest.controllers).toHaveLength(3);
  });

  it('without one of its cell, an empty vPHB of no node is taken, never one of another cell', () => {
    const g = guestOf('pseries', { numaCells: cells, controllers: [phb(0, 0), phb(1, 1, 0), phb(2, 2)], devices: [hostdev('0005:90:01.0')] });
    const r = placePePerPhb(g, numaHost, 0);
    expect(addresses(r.guest)).toEqual({ '0005:90:01.0': '2:1.0' });
    expect(r.guest.controllers).toHaveLength(3);
  });

  it('the node of a PE is the first node known among its functions (a function without numa_node is skipped)', () => {
    const g = guestOf('pseries', { numaCells: cells, controllers: [phb(0, 0), phb(1, 1, 0), phb(2, 2, 1)], devices: [hostdev('0006:01:00.0'), hostdev('0006:01:00.1')] });
    const r = placePePerPhb(g, numaHost, 0);
    expect(addresses(r.guest)).toEqual({ '0006:01:00.0': '2:1.0+', '0006:01:00.1': '2:1.1' });
    expect(r.guest.controllers).toHaveLength(3);
  });

  it('a host slot the loaded host file lacks is one PE by its slot: a vPHB of its own, functions kept together', () => {
    const g = guestOf('pseries', { controllers: [phb(0, 0)], devices: [hostdev('0007:00:01.0'), hostdev('0007:00:01.1')] });
    const r = placePePerPhb(g, numaHost, 0);
    expect(addresses(r.guest)).toEqual({ '0007:00:01.0': '1:1.0+', '0007:00:01.1': '1:1.1' });
    expect(r.guest.controllers.map((c) => `${c.index}/${c.target.index}`)).toEqual(['0/0', '1/1']);
  });
});

describe('pe-per-phb on pseries: emulated devices on PHB 0, then a chain of pci-bridges', () => {
  const written = (n: number) => Array.from({ length: n }, (_, i) => emulated({ key: `u${i}`, address: at(0, i + 1) }));
  const placed = (g: Guest): Record<string, string> => Object.fromEntries(Object.entries(addresses(g)).filter(([k]) => !k.startsWith('u')));

  it('the last free slot of PHB 0 takes the last device: no bridge for nothing', () => {
    const r = placePePerPhb(guestOf('pseries', { controllers: [phb(0, 0)], devices: [...written(30), emulated({ key: 'a' })] }), undefined, 0);
    expect(placed(r.guest)).toEqual({ a: '0:31.0' });
    expect(controllersOf(r.guest)).toEqual(['pci-root#0@-']);
    expect(r.notes).toEqual([]);
  });

  it('with more devices than free slots, the last free slot takes a pci-bridge and the rest go behind it', () => {
    const r = placePePerPhb(guestOf('pseries', { controllers: [phb(0, 0)], devices: [...written(29), emulated({ key: 'a' }), emulated({ key: 'b' }), emulated({ key: 'c' })] }), undefined, 0);
    expect(placed(r.guest)).toEqual({ a: '0:30.0', b: '1:1.0', c: '1:2.0' });
    expect(controllersOf(r.guest)).toEqual(['pci-root#0@-', 'pci-bridge#1@0:31.0']);
  });

  it('PHB 0 full of written devices: the device is left to libvirt, with a note', () => {
    const r = placePePerPhb(guestOf('pseries', { controllers: [phb(0, 0)], devices: [...written(31), emulated({ key: 'a' })] }), undefined, 0);
    expect(placed(r.guest)).toEqual({ a: '-' });
    expect(r.notes).toEqual(['no free slot on PHB 0 or its pci-bridges for disk: libvirt will place it itself']);
  });
});

describe('pe-per-phb on q35: empty ports the design already has count', () => {
  // joinUserSlots keeps a host function at its distance from the written sibling: host .0 below a
  // sibling written at guest function 0 would be function -1, which no slot has (functions 0-7)
  it('pseries: a host function below its written sibling\'s guest function 0 does not join its slot', () => {
    const g = guestOf('pseries', { controllers: [phb(0, 0)], devices: [hostdev('0001:01:00.1', at(0, 5)), hostdev('0001:01:00.0')] });
    expect(joinUserSlots(g, host).devices.map((d) => d.address)).toEqual([at(0, 5), undefined]);
  });

  // pcie-root with slots 2-30 written: libvirt aggregates root ports into slot 1's eight functions
  // (virDomainPCIAddressFindUnusedFunctionOnBus), 7 for the devices and room for 1 of the 3 spares;
  // the 9th port would find no slot (virDomainPCIAddressSetGrow cannot add one to pcie-root)
  it('q35 with room for one spare of three: one spare root port is added, and the note says 1 fit, singular', () => {
    const written = Array.from({ length: 29 }, (_, i) => emulated({ key: `w${i}`, address: at(0, i + 2) }));
    const waiting = Array.from({ length: 7 }, (_, i) => emulated({ key: `v${i}` }));
    const r = placePePerPhb(guestOf('q35', { controllers: [controller('pcie-root', 0)], devices: [...written, ...waiting] }), undefined, 3);
    expect(controllersOf(r.guest)).toEqual(['pcie-root#0@-', ...Array.from({ length: 8 }, (_, f) => `pcie-root-port#${f + 1}@0:1.${f}${f === 0 ? '+' : ''}`)]);
    expect(r.notes[0]).toBe('only 1 spare root port fit: libvirt finds no free slot for more on pcie-root');
  });

  it('a declared empty root port takes the device: none added', () => {
    const r = placePePerPhb(guestOf('q35', { controllers: [controller('pcie-root', 0), controller('pcie-root-port', 1)], devices: [emulated({ key: 'vda' })] }), undefined, 0);
    expect(controllersOf(r.guest)).toEqual(['pcie-root#0@-', 'pcie-root-port#1@0:1.0']);
    expect(addresses(r.guest)).toEqual({ vda: '1:0.0' });
  });

  it('a root port a written device occupies is not empty: a port per device plus the spare are added', () => {
    const g = guestOf('q35', {
      controllers: [controller('pcie-root', 0), controller('pcie-root-port', 1, at(0, 2, 0))],
      devices: [emulated({ key: 'x', address: at(1, 0) }), emulated({ key: 'vda' }), emulated({ key: 'usb', element: 'controller', type: 'usb', model: 'qemu-xhci' }), emulated({ key: 'bal', element: 'memballoon', model: 'virtio' })],
    });
    const r = placePePerPhb(g, undefined, 1);
    expect(controllersOf(r.guest)).toEqual(['pcie-root#0@-', 'pcie-root-port#1@0:2.0', 'pcie-root-port#2@0:1.0+', 'pcie-root-port#3@0:1.1', 'pcie-root-port#4@0:1.2', 'pcie-root-port#5@0:1.3']);
    expect(addresses(r.guest)).toEqual({ x: '1:0.0', vda: '3:0.0', usb: '2:0.0', bal: '4:0.0' });
    expect(r.notes).toEqual([]);
  });
});

describe('pe-per-phb: which buses and addresses it takes (issue 11 survivors)', () => {
  // A pci-bridge is no vPHB: a host PE needs a PHB of its own (PAPR-ISO-3), so an empty bridge on
  // PHB 0 is never handed to it; a new PHB is added.
  it('pseries: an empty pci-bridge is not taken for a host PE; a new vPHB is', () => {
    const g = guestOf('pseries', { controllers: [phb(0, 0), controller('pci-bridge', 1, at(0, 5))], devices: [hostdev('0005:90:01.0')] });
    const r = placePePerPhb(g, host, 0);
    expect(controllersOf(r.guest)).toEqual(['pci-root#0@-', 'pci-bridge#1@0:5.0', 'pci-root#2@-']);
    expect(addresses(r.guest)).toEqual({ '0005:90:01.0': '2:1.0' });
  });

  // takesPciAddress (virDeviceInfoPCIAddressIsWanted, qemuDomainAssignDevicePCISlots): a SCSI disk
  // sits on its controller, not on PCI.
  it('pseries: a disk on the SCSI bus gets no PCI address, a virtio disk does', () => {
    const g = guestOf('pseries', { controllers: [phb(0, 0)], devices: [emulated({ key: 'sda', bus: 'scsi' }), emulated({ key: 'vda' })] });
    expect(addresses(placePePerPhb(g, host, 0).guest)).toEqual({ sda: '-', vda: '0:1.0' });
  });

  it('pseries: two host slots the loaded host file lacks are two PEs (one by slot each): a vPHB each', () => {
    const g = guestOf('pseries', { controllers: [phb(0, 0)], devices: [hostdev('0007:00:01.0'), hostdev('0007:00:02.0')] });
    const r = placePePerPhb(g, host, 0);
    expect(addresses(r.guest)).toEqual({ '0007:00:01.0': '1:1.0', '0007:00:02.0': '2:1.0' });
  });

  it('pseries: with target indexes 1-30 taken, the note names every waiting function of the PE', () => {
    const inUse = Array.from({ length: 30 }, (_, i) => phb(i + 1, i + 1));
    const g = guestOf('pseries', { controllers: [phb(0, 0), ...inUse], devices: [...inUse.map((c) => emulated({ address: at(c.index as number, 1) })), hostdev('0001:01:00.0'), hostdev('0001:01:00.1')] });
    expect(placePePerPhb(g, host, 0).notes).toEqual(['no vPHB left for hostdev 0001:01:00.0, hostdev 0001:01:00.1 (target indexes 1-30 are taken): not placed']);
  });

  // GEN-IDX-5: libvirt adds PHBs 1 and 2 for an address on bus 2; pe-per-phb writes them (not
  // implicit), else export would leave them out and libvirt could number them otherwise.
  it('pseries: the PHBs an address on bus 2 implies are written, not implicit', () => {
    const g = guestOf('pseries', { controllers: [phb(0, 0)], devices: [emulated({ key: 'far', address: at(2, 1) }), hostdev('0005:90:01.0')] });
    const r = placePePerPhb(g, host, 0);
    expect(r.guest.controllers.map((c) => `${c.index}${c.implicit ? ' implicit' : ''}`)).toEqual(['0', '1', '2']);
    expect(addresses(r.guest)).toEqual({ far: '2:1.0', '0005:90:01.0': '1:1.0' });
  });

  // The function a host sibling would join is taken when any written device uses it, whatever
  // the order of the devices and whatever else sits on the bus.
  it('a sibling does not join a function another written device holds, written before its anchor or with more devices on the bus after it', () => {
    const before = guestOf('pseries', { controllers: [phb(0, 0)], devices: [emulated({ key: 'other', address: at(0, 5, 1) }), hostdev('0001:01:00.0', at(0, 5, 0)), hostdev('0001:01:00.1')] });
    expect(addresses(placePePerPhb(before, host, 0).guest)['0001:01:00.1']).toBe('0:1.0');
    const after = guestOf('pseries', { controllers: [phb(0, 0)], devices: [hostdev('0001:01:00.0', at(0, 5, 0)), emulated({ key: 'other', address: at(0, 5, 1) }), emulated({ key: 'later', address: at(0, 6, 0) }), hostdev('0001:01:00.1')] });
    expect(addresses(placePePerPhb(after, host, 0).guest)['0001:01:00.1']).toBe('0:1.0');
  });

  // virDomainPCIAddressFlagsCompatible: a conventional PCI device cannot sit on a PCIe root port's
  // slot, so the PCI function of a host slot does not join its PCIe sibling there; it goes behind
  // a pcie-to-pci-bridge.
  it('q35: a conventional PCI host function does not join its PCIe sibling on the root port; it goes behind a pcie-to-pci-bridge', () => {
    const g = guestOf('q35', { controllers: [controller('pcie-root', 0), controller('pcie-root-port', 1, at(0, 2))], devices: [hostdev('0003:00:00.0', at(1, 0, 0)), hostdev('0003:00:00.1')] });
    const r = placePePerPhb(g, host, 0);
    expect(controllersOf(r.guest)).toEqual(['pcie-root#0@-', 'pcie-root-port#1@0:2.0', 'pcie-root-port#2@0:1.0', 'pcie-to-pci-bridge#3@2:0.0']);
    expect(addresses(r.guest)).toEqual({ '0003:00:00.0': '1:0.0', '0003:00:00.1': '3:1.0' });
  });

  // virDomainPCIAddressBusSetModel: a pcie-switch-downstream-port's one slot takes a PCIe endpoint
  // and is hotpluggable, as a root port's is, so an empty one counts as a port the device can take.
  it('q35: an empty switch downstream port takes the PCIe device; no root port is added', () => {
    const g = guestOf('q35', {
      controllers: [controller('pcie-root', 0), controller('pcie-root-port', 1, at(0, 2)), controller('pcie-switch-upstream-port', 2, at(1, 0)), controller('pcie-switch-downstream-port', 3, at(2, 0))],
      devices: [emulated({ key: 'vda' })],
    });
    const r = placePePerPhb(g, undefined, 0);
    expect(controllersOf(r.guest)).toEqual(['pcie-root#0@-', 'pcie-root-port#1@0:2.0', 'pcie-switch-upstream-port#2@1:0.0', 'pcie-switch-downstream-port#3@2:0.0']);
    expect(addresses(r.guest)).toEqual({ vda: '3:0.0' });
  });

  // A PCI bus number is 0-255 (virDomainPCIAddressBusSetModel): with index 255 taken, the port
  // added for the disk gets the lowest free index, never 256. (libvirt would then add ports for the
  // gap 2-254 that pcie-root cannot hold, and refuse the domain: the note says so.)
  it('q35 with root ports at indexes 1 (in use) and 255: the port added for a disk takes the lowest free index, 2; none is past 255 or below 0', () => {
    const g = guestOf('q35', {
      controllers: [controller('pcie-root', 0), controller('pcie-root-port', 1, at(0, 3)), controller('pcie-root-port', 255, at(0, 2))],
      devices: [emulated({ key: 'near', address: at(1, 0) }), emulated({ key: 'far', address: at(255, 0) }), emulated({ key: 'vda' })],
    });
    const r = placePePerPhb(g, undefined, 0);
    const indexes = r.guest.controllers.map((c) => c.index ?? 0);
    expect([Math.min(...indexes), Math.max(...indexes)]).toEqual([0, 255]);
    expect(r.guest.controllers.filter((c) => c.index === 1 || c.index === 2).map((c) => `${c.index}@${c.address?.bus}:${c.address?.slot}`)).toEqual(['1@0:3', '2@0:1']);
    expect(addresses(r.guest)).toEqual({ near: '1:0.0', far: '255:0.0', vda: '2:0.0' });
    expect(r.notes).toEqual([expect.stringMatching(/^no free slot for pcie-root-port \(controller \d+\): libvirt would refuse the domain$/)]);
  });

  // 255 is still a bus number (virDomainPCIAddressBusSetModel: 0-255): with indexes 1-254 taken by
  // pci-bridges the host PE's vPHB is controller 255, target index 1 (qemuDomainAddressFindNewTargetIndex).
  // Real libvirt 9.0 defines that guest as written (virsh define: PHB index 255, target 1).
  it('pseries with indexes 1-254 taken by pci-bridges: the host PE gets a vPHB at index 255, target 1', () => {
    const bridges = Array.from({ length: 254 }, (_, k) => controller('pci-bridge', k + 1, at(k < 31 ? 0 : Math.floor(k / 31) * 31, (k % 31) + 1)));
    const g = guestOf('pseries', { controllers: [phb(0, 0), ...bridges], devices: [hostdev('0005:90:01.0')] });
    const r = placePePerPhb(g, host, 0);
    expect(r.notes).toEqual([]);
    expect(r.guest.controllers.filter((c) => c.model === 'pci-root' && c.index !== 0).map((c) => [c.index, c.target.index])).toEqual([[255, 1]]);
    expect(r.guest.devices.map((d) => d.address?.bus)).toEqual([255]);
  });

  it('pseries with indexes 1-255 all taken by pci-bridges: no vPHB (controller 256 is no bus number), the host PE is not placed, with a note', () => {
    const bridges = Array.from({ length: 255 }, (_, k) => controller('pci-bridge', k + 1, at(k < 31 ? 0 : Math.floor(k / 31) * 31, (k % 31) + 1)));
    const g = guestOf('pseries', { controllers: [phb(0, 0), ...bridges], devices: [hostdev('0005:90:01.0')] });
    const r = placePePerPhb(g, host, 0);
    expect(r.guest.controllers.filter((c) => c.model === 'pci-root').map((c) => c.index)).toEqual([0]);
    expect(r.guest.devices.map((d) => d.address)).toEqual([undefined]);
    expect(r.notes).toEqual(['no vPHB left for hostdev 0005:90:01.0 (controller indexes 1-255 are taken): not placed']);
  });

  // qemuDomainAssignDevicePCISlots takes disks before hostdevs: a single-function hostdev gets no
  // port of its own ahead of them, libvirt's order gives the first port to the disk.
  it('q35: a single-function hostdev and a virtio disk: the disk takes port 1 and the hostdev port 2, in libvirt\'s order', () => {
    const g = guestOf('q35', { controllers: [controller('pcie-root', 0)], devices: [hostdev('0005:90:01.0'), emulated({ key: 'vda' })] });
    expect(addresses(placePePerPhb(g, host, 0).guest)).toEqual({ '0005:90:01.0': '2:0.0', vda: '1:0.0' });
  });
});

describe('pe-per-phb: spares never take the slot of what would be placed without them', () => {
  // virt's pvpanic-pci is an integrated device: it goes on pcie-root only. 255 spare root ports
  // took every slot of pcie-root (248 ports) and left it unplaced: place's own output then had
  // GEN-CONNECT-1 (libvirt: "…needs to be an integrated device (bus=0)"), for an input with no error.
  it('virt, a pvpanic panic without an address and 255 spares asked: the panic is placed on pcie-root, fewer spares fit, and a note says so', () => {
    const panic: GuestDevice = emulated({ key: 'panic', element: 'panic', model: 'pvpanic', label: 'pvpanic panic' });
    const g = guestOf('virt', { controllers: [controller('pcie-root', 0)], devices: [panic] });
    const r = placePePerPhb(g, undefined, 255);
    const placed = r.guest.devices.find((d) => d.key === 'panic');
    expect(placed?.address?.bus).toBe(0);
    expect(r.notes.some((n) => n.startsWith('no free slot for'))).toBe(false);
    expect(r.notes.some((n) => /^only \d+ spare root ports fit/.test(n))).toBe(true);
  });
});

describe('pe-per-phb on q35/virt: a host slot goes behind the pcie-expander-bus of its NUMA cell (Q35-NUMA-1)', () => {
  // Without numatune the host's NUMA nodes map to the guest cells in sorted order (model/numa.ts).
  const numaHost = hostOf([
    { group: 5, devices: ['0001:01:00.0'], numaNode: 0 },
    { group: 7, devices: ['0005:90:01.0'], numaNode: 1 },
    { group: 8, devices: ['0006:01:00.0', '0006:01:00.1'], numaNode: 1 },
    { group: 9, devices: ['0007:01:00.0'], numaNode: 1 },
  ]);
  const cells = [{ id: 0 }, { id: 1 }];
  const pxb = (index: number, node: number | undefined, busNr?: number, address = at(0, 2)) => ({
    ...controller('pcie-expander-bus', index, address),
    target: { ...(node !== undefined ? { node } : {}), ...(busNr !== undefined ? { busNr } : {}) },
  });
  const port = (index: number, address: ReturnType<typeof at>) => controller('pcie-root-port', index, address);

  it('a slot of node 1 lands behind a new root port on the node-1 expander; one of node 0 stays under pcie-root, with a note', () => {
    const g = guestOf('q35', { numaCells: cells, controllers: [controller('pcie-root', 0), pxb(1, 1, 200)], devices: [hostdev('0001:01:00.0'), hostdev('0005:90:01.0')] });
    const r = placePePerPhb(g, numaHost, 0);
    expect(controllersOf(r.guest)).toEqual(['pcie-root#0@-', 'pcie-expander-bus#1@0:2.0', 'pcie-root-port#2@1:0.0', 'pcie-root-port#3@0:1.0']);
    expect(addresses(r.guest)).toEqual({ '0001:01:00.0': '3:0.0', '0005:90:01.0': '2:0.0' });
    expect(r.notes).toEqual(['hostdev 0001:01:00.0 is on guest NUMA cell 0, which no pcie-expander-bus carries: it is placed off its cell (Q35-NUMA-1); add a pcie-expander-bus with <node>0</node> to place it on its cell']);
  });

  it('an empty root port of the expander is taken before one is added; the functions of a host slot stay together', () => {
    const g = guestOf('virt', {
      numaCells: cells,
      controllers: [controller('pcie-root', 0), pxb(1, 1, 200), port(2, at(1, 0))],
      devices: [hostdev('0005:90:01.0'), hostdev('0006:01:00.0'), hostdev('0006:01:00.1')],
    });
    const r = placePePerPhb(g, numaHost, 0);
    expect(controllersOf(r.guest)).toEqual(['pcie-root#0@-', 'pcie-expander-bus#1@0:2.0', 'pcie-root-port#2@1:0.0', 'pcie-root-port#3@1:1.0']);
    expect(addresses(r.guest)).toEqual({ '0005:90:01.0': '2:0.0', '0006:01:00.0': '3:0.0+', '0006:01:00.1': '3:0.1' });
    expect(r.notes).toEqual([]);
  });

  it("libvirt's own busNr (254, qemuDomainAddressFindNewBusNr) leaves room for one port: the next slot of that cell goes under pcie-root, and the note says why", () => {
    const g = guestOf('q35', { numaCells: cells, controllers: [controller('pcie-root', 0), pxb(1, 1)], devices: [hostdev('0005:90:01.0'), hostdev('0007:01:00.0')] });
    const r = placePePerPhb(g, numaHost, 0);
    expect(addresses(r.guest)).toEqual({ '0005:90:01.0': '2:0.0', '0007:01:00.0': '3:0.0' });
    expect(controllersOf(r.guest)).toContain('pcie-root-port#3@0:1.0');
    expect(r.notes).toEqual(['hostdev 0007:01:00.0 is on guest NUMA cell 1, but expander bus 1 has busNr 254, which leaves no bus number for another root port (GEN-TGT-1): a lower busNr gives it room; it is placed off its cell (Q35-NUMA-1)']);
  });

  it("a written busNr leaves room only below the next expander's", () => {
    const g = guestOf('q35', { numaCells: cells, controllers: [controller('pcie-root', 0), pxb(1, 1, 100), pxb(2, 0, 101, at(0, 3))], devices: [hostdev('0005:90:01.0')] });
    const r = placePePerPhb(g, numaHost, 0);
    expect(addresses(r.guest)).toEqual({ '0005:90:01.0': '3:0.0' });
    expect(controllersOf(r.guest)).toContain('pcie-root-port#3@0:1.0');
    expect(r.notes).toEqual(['hostdev 0005:90:01.0 is on guest NUMA cell 1, but expander bus 1 has busNr 100, which leaves no bus number for another root port (GEN-TGT-1): a lower busNr gives it room; it is placed off its cell (Q35-NUMA-1)']);
  });

  it('conventional PCI functions of the cell go behind a pcie-to-pci-bridge on a root port of the expander (two bus numbers), one bridge slot per host slot', () => {
    const pciHost = hostOf([
      { group: 7, devices: ['0005:90:01.0'], numaNode: 1, pcie: false },
      { group: 8, devices: ['0006:01:00.0', '0006:01:00.1'], numaNode: 1, pcie: false },
      { group: 9, devices: ['0007:01:00.0'], numaNode: 0, pcie: false },
    ]);
    const g = guestOf('q35', { numaCells: cells, controllers: [controller('pcie-root', 0), pxb(1, 1, 200), pxb(2, 0, 253, at(0, 3))], devices: [hostdev('0005:90:01.0'), hostdev('0006:01:00.0'), hostdev('0006:01:00.1'), hostdev('0007:01:00.0')] });
    const r = placePePerPhb(g, pciHost, 0);
    expect(controllersOf(r.guest).slice(0, 5)).toEqual(['pcie-root#0@-', 'pcie-expander-bus#1@0:2.0', 'pcie-expander-bus#2@0:3.0', 'pcie-root-port#3@1:0.0', 'pcie-to-pci-bridge#4@3:0.0']);
    expect(addresses(r.guest)).toMatchObject({ '0005:90:01.0': '4:1.0', '0006:01:00.0': '4:2.0+', '0006:01:00.1': '4:2.1' });
    // expander 2's busNr 253 leaves bus numbers 254 and 255: its root port and bridge
    expect(r.notes).toEqual([]);
    expect(controllersOf(r.guest)).toContain('pcie-to-pci-bridge#6@5:0.0');
    expect(addresses(r.guest)['0007:01:00.0']).toBe('6:1.0');
  });

  it('conventional PCI: an expander whose busNr leaves one bus number takes no bridge, and the note says so', () => {
    const pciHost = hostOf([
      { group: 5, devices: ['0001:01:00.0'], numaNode: 0 },
      { group: 7, devices: ['0005:90:01.0'], numaNode: 1, pcie: false },
    ]);
    const g = guestOf('q35', { numaCells: cells, controllers: [controller('pcie-root', 0), pxb(1, 1)], devices: [hostdev('0005:90:01.0')] });
    const r = placePePerPhb(g, pciHost, 0);
    expect(r.notes).toEqual(['hostdev 0005:90:01.0 is conventional PCI on guest NUMA cell 1, and its pcie-expander-bus has no two bus numbers, slot or indexes left for a root port and a pcie-to-pci-bridge: it is placed off its cell (Q35-NUMA-1)']);
    expect(r.guest.controllers.filter((c) => c.address?.bus === 1)).toEqual([]);
  });

  it('with no expander carrying a node, or no guest NUMA cells, placement is as before and says nothing of NUMA', () => {
    for (const g of [
      guestOf('q35', { numaCells: cells, controllers: [controller('pcie-root', 0), pxb(1, undefined, 200)], devices: [hostdev('0005:90:01.0')] }),
      guestOf('q35', { controllers: [controller('pcie-root', 0), pxb(1, 0, 200)], devices: [hostdev('0005:90:01.0')] }),
    ]) {
      const r = placePePerPhb(g, numaHost, 0);
      expect(addresses(r.guest)).toEqual({ '0005:90:01.0': '2:0.0' });
      expect(controllersOf(r.guest)).toEqual(['pcie-root#0@-', 'pcie-expander-bus#1@0:2.0', 'pcie-root-port#2@0:1.0']);
      expect(r.notes).toEqual([]);
    }
  });
});

describe('pe-per-phb spares and the bus numbers the firmware gives below an expander bus', () => {
  // aarch64 virt with a pcie-expander-bus written without busNr (libvirt gives 254: room for one
  // bridge below it): the spares libvirt would put there past that room are not added (GEN-TGT-1)
  const xml = `<domain type='kvm'><name>pxb</name><memory unit='MiB'>512</memory><os><type arch='aarch64' machine='virt'>hvm</type></os><devices>
    <controller type='pci' index='0' model='pcie-root'/>
    <controller type='pci' index='1' model='pcie-expander-bus'/>
    <memballoon model='none'/>
  </devices></domain>`;

  it('asks for 255 spares: those that fit, no bridge past the firmware room, and a note that names the expander', () => {
    const r = createDesign(xml);
    if (!r.ok) throw new Error(r.error.message);
    const placed = placeWithReport(r.value, { policy: 'pe-per-phb', spare: 255 });
    expect(validate(placed.design).filter((f) => f.severity === 'error').map((f) => f.ruleId)).toEqual([]);
    expect(placed.notes.some((n) => /spare root ports fit: .*below an expander bus past the bus numbers/.test(n))).toBe(true);
    const defined = defineDomain(placed.design.guest, undefined);
    expect(bridgesPastTheirRoom(busNumbering(defined?.guest ?? placed.design.guest, (c) => c.target.busNr))).toBe(0);
  });
});
