import { describe, expect, it } from 'vitest';
import type { GuestDevice, PciController } from '../model/guest.ts';
import { Q35 } from '../machines/index.ts';
import { controller, emulated, guestOf } from '../placement/testkit.ts';
import { virDomainControllerTypeOrder, virDomainDefPostParse } from './domainConf.ts';
import { qemuDomainAssignPCIAddresses, qemuDomainPCIAddressOnBus, virDomainDeviceInfoIterateOrder } from './qemuDomainAddress.ts';
import { F } from './domainAddr.ts';
import { createDesign } from '../xml/domain.ts';
import { defineDomain } from '../placement/defineTime.ts';
import { domainXml } from '../rules/testkit.ts';

/**
 * The order libvirt reserves written addresses in (qemuDomainPCIAddressSetCreate: qemuDomainCollectPCIAddress
 * over virDomainDeviceInfoIterate, src/conf/domain_conf.c): disks, nets, sounds, hostdevs, videos,
 * controllers, …, the memballoon, rngs, …. The first reservation in a slot sets its aggregate flag
 * (virDomainPCIAddressReserveAddrInternal), and only an aggregate slot takes the root ports libvirt
 * places (virDomainPCIAddressFindUnusedFunctionOnBus), so the order decides where they go.
 */
const bsf = (a: { bus: number; slot: number; function: number } | undefined): string =>
  a ? `${a.bus.toString(16).padStart(2, '0')}:${a.slot.toString(16).padStart(2, '0')}.${a.function}` : 'none';
const at = (slot: number, fn: number): NonNullable<PciController['address']> => ({ domain: 0, bus: 0, slot, function: fn });
const noDefaults = [emulated({ key: 'usb', element: 'controller', type: 'usb', model: 'none' }), emulated({ key: 'mb', element: 'memballoon', model: 'none' })];

/** Where libvirt puts root port index 2 (written without an address) next to `devices` and root port 1 at `port1`. */
function secondPort(port1: PciController['address'], devices: GuestDevice[]): string {
  const g = guestOf('q35', { controllers: [controller('pcie-root', 0), controller('pcie-root-port', 1, port1), controller('pcie-root-port', 2)], devices: [...devices, ...noDefaults] });
  const placed = qemuDomainAssignPCIAddresses(virDomainDefPostParse(g, Q35, { defaultDevices: false }), Q35, undefined);
  return bsf(placed.guest.controllers.find((c) => c.index === 2)?.address);
}

describe('written addresses are reserved in virDomainDeviceInfoIterate() order', () => {
  it('a root port at 00:01.0 is reserved before an rng at 00:01.2: the slot aggregates, the unaddressed port takes 00:01.1 (libvirt 9.0 + QEMU 7.2: test/real/collect-order.test.ts)', () => {
    // with every device reserved before every controller the rng made slot 1 non-aggregate: 00:02.0
    expect(secondPort(at(1, 0), [emulated({ key: 'rng', element: 'rng', model: 'virtio', address: at(1, 2) })])).toBe('00:01.1');
  });

  it('a disk at 00:01.0 is reserved before the root port at 00:01.1: the slot does not aggregate, the unaddressed port takes a slot of its own', () => {
    expect(secondPort(at(1, 1), [emulated({ key: 'vda', element: 'disk', bus: 'virtio', targetDev: 'vda', address: at(1, 0) })])).toBe('00:02.0');
  });

  it('the kinds in libvirt\'s order, each kind in libvirt\'s list order: def->disks by drive index, def->controllers by type then index', () => {
    const d = (key: string, element: GuestDevice['element'], extra: Partial<GuestDevice> = {}): GuestDevice => emulated({ key, element, ...extra });
    const devices = [
      d('rng', 'rng'),
      d('mb', 'memballoon'),
      d('usb1', 'controller', { type: 'usb', index: 1 }),
      d('vdb', 'disk', { bus: 'virtio', targetDev: 'vdb' }),
      d('hd', 'hostdev'),
      d('usb0', 'controller', { type: 'usb', index: 0 }),
      d('vda', 'disk', { bus: 'virtio', targetDev: 'vda' }),
      d('net', 'interface', { type: 'hostdev' }),
      d('video', 'video'),
      d('snd', 'sound'),
      d('wd', 'watchdog'),
      d('in', 'input'),
    ];
    const controllers = [controller('pcie-root-port', 3), controller('pcie-root', 0), controller('pcie-root-port', 1)];
    const order = virDomainDeviceInfoIterateOrder({ devices, controllers }).map((x) => (x.d ? x.d.key : `pci-${x.c.index}`));
    expect(order).toEqual(['vda', 'vdb', 'net', 'snd', 'hd', 'video', 'usb0', 'usb1', 'pci-0', 'pci-1', 'pci-3', 'in', 'wd', 'mb', 'rng']);
  });
});

/**
 * def->controllers keeps the types in the order of their first `<controller>`
 * (virDomainDefControllersParse + virDomainControllerInsertPreAlloced, src/conf/domain_conf.c), and
 * virDomainDeviceInfoIterate() walks it so: a non-PCI controller written after the PCI ones is
 * reserved after them. Checked with real libvirt 9.0 + QEMU 7.2: test/real/controller-type-order.test.ts.
 */
describe('the controller types in the order libvirt keeps def->controllers in', () => {
  const addr = (slot: number, fn: number): string => `<address type='pci' domain='0x0000' bus='0x00' slot='${slot}' function='${fn}'/>`;
  const xhci = (slot: number, fn: number): string => `    <controller type='usb' index='0' model='qemu-xhci'>${addr(slot, fn)}</controller>\n`;
  const ports = (slot: number, fn: number): string =>
    `    <controller type='pci' index='0' model='pcie-root'/>\n    <controller type='pci' index='1' model='pcie-root-port'>${addr(slot, fn)}</controller>\n    <controller type='pci' index='2' model='pcie-root-port'/>\n`;
  /** Where libvirt puts root port 2 (written without an address) in this q35 guest. */
  const port2 = (devices: string): string => {
    const r = createDesign(domainXml('q35', 'x86_64', `${devices}    <memballoon model='none'/>\n`));
    if (!r.ok) throw new Error(r.error.message);
    return bsf(defineDomain(r.value.guest, r.value.host)?.guest.controllers.find((c) => c.index === 2)?.address);
  };

  it('PCI controllers written first: the root port at 00:01.1 is reserved before the qemu-xhci at 00:01.0, slot 1 aggregates, root port 2 takes 00:01.2', () => {
    expect(port2(ports(1, 1) + xhci(1, 0))).toBe('00:01.2');
    expect(port2(ports(1, 0) + xhci(1, 1))).toBe('00:01.2');
  });

  it('qemu-xhci written first: it is reserved first, slot 1 does not aggregate, root port 2 takes 00:02.0', () => {
    expect(port2(xhci(1, 0) + ports(1, 1))).toBe('00:02.0');
    expect(port2(xhci(1, 1) + ports(1, 0))).toBe('00:02.0');
  });

  it('a second USB controller written after the PCI ones still sits in the USB group, before them', () => {
    const usb1 = `    <controller type='usb' index='1' model='qemu-xhci'>${addr(3, 0)}</controller>\n`;
    expect(port2(xhci(1, 0) + ports(1, 1) + usb1)).toBe('00:02.0');
  });

  it('the reader records the type order only when a type follows the PCI controllers', () => {
    expect(virDomainControllerTypeOrder(['pci', 'pci', 'usb', 'pci', 'sata'])).toEqual(['pci', 'usb', 'sata']);
    expect(virDomainControllerTypeOrder(['usb', 'pci', undefined])).toEqual(['usb', 'pci', '']);
    expect(virDomainControllerTypeOrder(['usb', 'pci', 'pci', 'usb'])).toBeUndefined();
    expect(virDomainControllerTypeOrder(['usb', 'sata'])).toBeUndefined();
    expect(virDomainControllerTypeOrder([])).toBeUndefined();
  });

  it('with the order, a type written after the PCI controllers and a type no controller of the XML has come after them', () => {
    const d = (key: string, type: string, index = 0): GuestDevice => emulated({ key, element: 'controller', type, index });
    const guest = { devices: [d('vs', 'virtio-serial'), d('usb', 'usb'), d('sata', 'sata')], controllers: [controller('pcie-root', 0), controller('pcie-root-port', 1)] };
    const keys = (g: Parameters<typeof virDomainDeviceInfoIterateOrder>[0]): string[] => virDomainDeviceInfoIterateOrder(g).map((x) => (x.d ? x.d.key : `pci-${x.c.index}`));
    expect(keys({ ...guest, controllerTypeOrder: ['virtio-serial', 'pci', 'usb'] })).toEqual(['vs', 'pci-0', 'pci-1', 'usb', 'sata']);
    expect(keys(guest)).toEqual(['vs', 'usb', 'sata', 'pci-0', 'pci-1']);
  });
});

describe('qemuDomainPCIAddressOnBus: libvirt\'s search on one bus, the written addresses reserved in virDomainDeviceInfoIterate() order', () => {
  const rootPortFlags = F.PCIE_ROOT_PORT | F.AGGREGATE_SLOT;
  const on = (controllers: PciController[], devices: GuestDevice[], bus: number, order?: readonly string[]): string =>
    bsf(qemuDomainPCIAddressOnBus({ ...guestOf('q35', { controllers, devices }), ...(order ? { controllerTypeOrder: order } : {}) }, Q35, undefined, bus, rootPortFlags));
  const xhci = emulated({ key: 'usb', element: 'controller', type: 'usb', model: 'qemu-xhci', index: 0, address: at(1, 0) });

  it('a root port takes a free function of a slot a root port reserved first, else the lowest wholly free slot', () => {
    expect(on([controller('pcie-root', 0), controller('pcie-root-port', 1, at(1, 1))], [xhci], 0, ['pci', 'usb'])).toBe('00:01.2');
    expect(on([controller('pcie-root', 0), controller('pcie-root-port', 1, at(1, 1))], [xhci], 0)).toBe('00:02.0');
  });

  it('undefined for a bus no controller has, and for a bus with no room', () => {
    expect(on([controller('pcie-root', 0)], [], 3)).toBe('none');
    const full = Array.from({ length: 31 }, (_, i) => emulated({ key: `d${i}`, element: 'disk', bus: 'virtio', targetDev: `vd${String.fromCharCode(97 + (i % 26))}${i}`, address: { domain: 0, bus: 0, slot: i + 1, function: 0 } }));
    expect(on([controller('pcie-root', 0)], full, 0)).toBe('none');
  });
});
