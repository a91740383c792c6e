import { describe, expect, it } from 'vitest';
import type { GuestDevice } from '../model/guest.ts';
import { Q35 } from '../machines/index.ts';
import { controller, emulated, guestOf } from '../placement/testkit.ts';
import { virDomainAssignDeviceControllerIndexes, virDomainDefPostParse } from './domainConf.ts';
import { qemuDomainAssignPCIAddresses } from './qemuDomainAddress.ts';

/**
 * ICH9 USB2 sets (an ich9-ehci1 and its ich9-uhci1/2/3 companions of one controller index): libvirt
 * gives a set one slot, the EHCI function 7 and the UHCIs 0, 1, 2 (qemuDomainAssignDevicePCISlots),
 * the first two sets q35's ICH9 slots 00:1d and 00:1a (qemuDomainValidateDevicePCISlotsQ35), and
 * companions written without an index the index of their set (virDomainAssignControllerIndexes).
 */
const usb = (key: string, model: string, index?: number): GuestDevice => emulated({ key, element: 'controller', type: 'usb', model, ...(index === undefined ? {} : { index }) });
const at = (d: GuestDevice | undefined): string => (d?.address ? `${d.address.bus.toString(16).padStart(2, '0')}:${d.address.slot.toString(16).padStart(2, '0')}.${d.address.function}` : 'none');

function placeQ35(devices: GuestDevice[]): Map<string, GuestDevice> {
  const defined = virDomainDefPostParse(guestOf('q35', { controllers: [controller('pcie-root', 0)], devices }), Q35, { defaultDevices: false });
  return new Map(qemuDomainAssignPCIAddresses(defined, Q35, undefined).guest.devices.map((d) => [d.key, d]));
}

describe('ICH9 USB2 sets share one slot', () => {
  it('a set in any document order: EHCI at function 7, UHCI1/2/3 at 0/1/2 of one slot, the first set at 00:1d and the second at 00:1a', () => {
    const placed = placeQ35([usb('u3b', 'ich9-uhci3', 1), usb('e', 'ich9-ehci1', 0), usb('u1', 'ich9-uhci1', 0), usb('eb', 'ich9-ehci1', 1), usb('u2', 'ich9-uhci2', 0), usb('u1b', 'ich9-uhci1', 1), usb('u3', 'ich9-uhci3', 0)]);
    expect(['e', 'u1', 'u2', 'u3'].map((k) => at(placed.get(k)))).toEqual(['00:1d.7', '00:1d.0', '00:1d.1', '00:1d.2']);
    expect(['eb', 'u1b', 'u3b'].map((k) => at(placed.get(k)))).toEqual(['00:1a.7', '00:1a.0', '00:1a.2']);
    expect(placed.get('u1')?.address?.multifunction).toBe('on');
  });

  it('a set past the two ICH9 slots, or an EHCI alone, takes a free slot of its own with the same functions', () => {
    const placed = placeQ35([usb('a', 'ich9-uhci1', 0), usb('b', 'ich9-uhci1', 1), usb('c', 'ich9-uhci1', 2), usb('c7', 'ich9-ehci1', 2), usb('lone', 'ich9-ehci1', 3)]);
    const c = placed.get('c')?.address;
    expect(at(placed.get('c7'))).toBe(`${at(placed.get('c')).slice(0, 5)}.7`);
    expect(c?.function).toBe(0);
    const lone = placed.get('lone')?.address;
    expect(lone?.function).toBe(7);
    expect([...placed.values()].filter((d) => d.address && lone && d.address.bus === lone.bus && d.address.slot === lone.slot)).toHaveLength(1);
  });
});

describe('virDomainAssignDeviceControllerIndexes: controllers written without an index', () => {
  const indexes = (ds: GuestDevice[]): Array<number | undefined> => virDomainAssignDeviceControllerIndexes(ds).map((d) => d.index);

  it('companions join the set of the USB2 controller before them while it lacks their model; a repeated model starts a new set', () => {
    expect(indexes([usb('a', 'ich9-ehci1'), usb('b', 'ich9-uhci1'), usb('c', 'ich9-uhci2'), usb('d', 'ich9-uhci3'), usb('e', 'ich9-ehci1'), usb('f', 'ich9-uhci1'), usb('g', 'ich9-uhci1'), usb('h', 'ich9-ehci1')])).toEqual([0, 0, 0, 0, 1, 1, 2, 2]);
  });

  it('any other controller takes the lowest index its type leaves unused, in document order; other types do not count', () => {
    const sata = (key: string, index?: number): GuestDevice => emulated({ key, element: 'controller', type: 'sata', ...(index === undefined ? {} : { index }) });
    expect(indexes([sata('a'), sata('b', 0), sata('c'), usb('x', 'qemu-xhci', 0), usb('y', 'qemu-xhci')])).toEqual([1, 0, 2, 0, 1]);
  });

  it("one written with an unreadable index keeps none: libvirt refuses the domain at parse, it numbers nothing", () => {
    const bad: GuestDevice = { ...usb('b', 'ich9-uhci1'), unreadableIndex: 'x' };
    expect(indexes([usb('a', 'ich9-ehci1', 0), bad, usb('c', 'qemu-xhci')])).toEqual([0, undefined, 1]);
  });

  it('returns the same list when every controller has its index', () => {
    const ds = [usb('a', 'qemu-xhci', 0)];
    expect(virDomainAssignDeviceControllerIndexes(ds)).toBe(ds);
  });
});
