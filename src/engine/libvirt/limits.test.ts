import { describe, expect, it } from 'vitest';
import { at, ctrl, dev, phb, pseries, q35 } from '../rules/testkit.ts';
import { place, placeWithReport } from '../placement/index.ts';
import { defineDomain, predictDefine } from '../placement/defineTime.ts';
import { beyondLibvirtLimits, MAX_CONTROLLER_INDEX, MAX_FUNCTION, MAX_PHB_TARGET_INDEX, MAX_PHBS, MAX_SLOT, pseriesPhbCount } from './limits.ts';

describe("libvirt's limits", () => {
  it('are the numbers libvirt and QEMU use', () => {
    expect([MAX_CONTROLLER_INDEX, MAX_SLOT, MAX_FUNCTION, MAX_PHB_TARGET_INDEX, MAX_PHBS]).toEqual([255, 31, 7, 30, 31]);
  });

  it('a design within them has no problem; each bound is inclusive', () => {
    expect(beyondLibvirtLimits(q35([ctrl('pci-bridge', 255, { address: at(0, 31, 7) })], [dev('vda', 'disk', at(255, 31, 7))]).guest, 'q35')).toEqual([]);
    expect(beyondLibvirtLimits(pseries([phb(30, { index: undefined })], []).guest, 'pseries')).toEqual([]);
  });

  it('names what lies beyond: bus, slot, function, controller index, PHB count', () => {
    const g = q35([ctrl('pci-bridge', 256)], [dev('a', 'disk', at(256, 0)), dev('b', 'disk', at(0, 32)), dev('c', 'disk', at(0, 1, 8))]).guest;
    expect(beyondLibvirtLimits(g, 'q35').map((p) => [p.what, p.value])).toEqual([
      ['controller index', 256],
      ['bus', 256],
      ['slot', 32],
      ['function', 8],
    ]);
    expect(beyondLibvirtLimits(pseries([phb(31, { index: undefined })], []).guest, 'pseries').map((p) => [p.what, p.value])).toEqual([['PHB count', 32]]);
    // the same controller index on q35 is fine: gaps become root ports, not PHBs
    expect(beyondLibvirtLimits(q35([ctrl('pcie-root-port', 31, { address: at(0, 2) })], []).guest, 'q35')).toEqual([]);
  });

  it('lists at most `max` problems however many the input holds', () => {
    const many = Array.from({ length: 10000 }, (_, i) => dev(`d${i}`, 'disk', at(0x10000 + i, 0)));
    expect(beyondLibvirtLimits(q35([], many).guest, 'q35', 5)).toHaveLength(5);
  });

  it('counts pseries PHBs once libvirt fills index gaps, without building them', () => {
    expect(pseriesPhbCount(pseries([], []).guest)).toBe(1);
    expect(pseriesPhbCount(pseries([phb(255, { index: undefined })], []).guest)).toBe(256);
    // a non-PHB controller holds its index; an address naming a bus counts unless told not to
    expect(pseriesPhbCount(pseries([ctrl('pci-bridge', 3, { address: at(0, 2) })], []).guest)).toBe(3);
    expect(pseriesPhbCount(pseries([], [dev('vda', 'disk', at(40, 1))]).guest)).toBe(41);
    expect(pseriesPhbCount(pseries([], [dev('vda', 'disk', at(40, 1))]).guest, false)).toBe(1);
    // numbers beyond 255 are refused on their own, not counted
    expect(pseriesPhbCount(pseries([], [dev('vda', 'disk', at(0xffffffff, 1))]).guest)).toBe(1);
  });
});

describe('placement and define-time prediction stop at the limits (h01, h06)', () => {
  it('place returns the design unchanged with a note, for every policy', () => {
    const d = pseries([phb(1)], [dev('vda', 'disk', at(0xffffffff, 1)), dev('vdb', 'disk')]);
    for (const opts of [{ policy: 'libvirt' as const }, { policy: 'pe-per-phb' as const, spare: 3 }]) {
      const r = placeWithReport(d, opts);
      expect(r.design).toBe(d);
      expect(r.notes).toHaveLength(1);
      expect(r.notes[0]).toMatch(/^nothing was placed: an address names bus 0xffffffff/);
    }
    expect(place(d, { policy: 'libvirt' })).toBe(d);
  });

  // libvirt 9.0 spins adding SCSI controllers for controller='2147483647' (pcitopo placed 256 and said nothing)
  it('a drive address naming more controllers than any guest holds: nothing placed or defined, and the note says which', () => {
    const d = q35([], [dev('sda', 'disk', undefined, { bus: 'scsi', otherAddressType: 'drive', addressController: 2147483647 }), dev('vdb', 'disk')]);
    const r = placeWithReport(d, { policy: 'libvirt' });
    expect(r.design).toBe(d);
    expect(r.notes).toEqual(["nothing was placed: sda: its drive address names scsi controller 2147483647, so libvirt adds scsi controllers 0 to 2147483647, more than the 8192 PCI slots of any guest; libvirt refuses such a domain (see validate)"]);
    expect(defineDomain(d.guest, undefined)).toBeUndefined();
    // below the bound it is simulated: 301 SCSI controllers, as libvirt 9.0 defines them
    const within = q35([], [dev('sda', 'disk', undefined, { bus: 'scsi', otherAddressType: 'drive', addressController: 300 })]);
    expect(defineDomain(within.guest, undefined)?.guest.devices.filter((x) => x.element === 'controller' && x.type === 'scsi')).toHaveLength(301);
  });

  it('predictDefine predicts nothing for such a design', () => {
    const d = pseries([phb(1), phb(255, { index: undefined })], []);
    expect(predictDefine(d.guest, undefined)).toEqual({ empty: [], spares: [] });
  });

  it('place never throws: a design placement cannot handle comes back with a note', () => {
    const d = q35([], [dev('vda', 'disk')]);
    const broken = { ...d, guest: { ...d.guest, devices: [null] } } as unknown as typeof d;
    const r = placeWithReport(broken, { policy: 'pe-per-phb' });
    expect(r.design).toBe(broken);
    expect(r.notes[0]).toMatch(/^nothing was placed: placement failed on this design \(.+\); please report it/);
  });
});
