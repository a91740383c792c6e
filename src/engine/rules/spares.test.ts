import { describe, expect, it } from 'vitest';
import { buildContext } from './context.ts';
import { emptyBuses, homelessGroups, hotplugSpares } from './spares.ts';
import { at, ctrl, dev, hostdev, phb, pseries } from './testkit.ts';

/**
 * What PAPR-HP-1/2 and PAPR-ISO-9 share: virDomainPCIAddressGetNextAddr() puts a hostdev on a bus
 * its isolation group already holds (step 1), else on the lowest empty bus in index order (step 2),
 * else libvirt adds a PHB; only the empty buses left after that are hotplug spares.
 */
describe('empty buses in index order (virDomainPCIAddressGetNextAddr step 2)', () => {
  // written out of index order; PHB 0 never counts (PAPR-ISO-2); a pci-bridge is a bus too
  const d = pseries([phb(3), phb(1), phb(2, { hotplug: 'off' }), phb(5), ctrl('pci-bridge', 4, { address: at(1, 1) }), ctrl('pcie-root-port', 6, { address: at(3, 9) })], [dev('vda', 'disk', at(5, 1))]);

  it('lists the non-default PHBs and pci-bridges with nothing on them, lowest index first', () => {
    // PHB 1 holds the bridge, PHB 5 the disk, PHB 3 the (unusable) root port
    expect(emptyBuses(buildContext(d), { hotpluggable: false }).map((c) => c.index)).toEqual([2, 4]);
  });

  it("hotplug='off' takes a bus out of the hotplug spares, not out of the empty buses", () => {
    expect(emptyBuses(buildContext(d), { hotpluggable: true }).map((c) => c.index)).toEqual([4]);
  });

  it('sorted by index whatever order the XML writes them in', () => {
    const e = pseries([phb(9), phb(7), phb(8)], []);
    expect(emptyBuses(buildContext(e), { hotpluggable: true }).map((c) => c.index)).toEqual([7, 8, 9]);
  });
});

describe('hostdevs libvirt still has to place, by isolation group (step 1: a bus of their own group)', () => {
  const groups = {
    1: ['0000:01:00.0', '0000:01:00.1'],
    2: ['0000:02:00.0', '0000:02:00.1'],
    3: ['0000:03:00.0', '0000:03:00.1'],
    4: ['0000:04:00.0', '0000:04:00.1'],
    5: ['0000:05:00.0', '0000:05:00.1'],
  };
  const d = pseries(
    [phb(1), phb(2), phb(4), ctrl('pci-bridge', 6, { address: at(4, 2) }), phb(7), phb(8)],
    [
      hostdev('0000:01:00.0', at(1, 1)), // group 1 has PHB 1 to itself: 01:00.1 goes there
      hostdev('0000:01:00.1'),
      hostdev('0000:02:00.0', at(2, 1)),
      dev('vda', 'disk', at(2, 2)), // PHB 2 mixes group 2 with an emulated disk: no home for 02:00.1
      hostdev('0000:02:00.1'),
      hostdev('0000:03:00.0'), // group 3 on no bus: one group, two devices
      hostdev('0000:03:00.1'),
      hostdev('0000:04:00.0', at(4, 1)), // PHB 4 also holds a pci-bridge: no home
      hostdev('0000:04:00.1'),
      hostdev('0000:05:00.0', at(0, 3)), // bus 0 is never a group's home (PAPR-ISO-2)
      hostdev('0000:05:00.1'),
      hostdev('0000:05:00.1', undefined, { key: 'unassigned', otherAddressType: 'unassigned' }), // takes no PCI address
    ],
    { groups },
  );

  it('counts each group without a bus of its own once, and lists its devices in the order written', () => {
    const h = homelessGroups(buildContext(d));
    expect(h.count).toBe(4);
    expect(h.devices.map((x) => x.key)).toEqual(['0000:02:00.1', '0000:03:00.0', '0000:03:00.1', '0000:04:00.1', '0000:05:00.1']);
  });

  it('a bus whose first device is emulated and second a hostdev of the group is no home either', () => {
    const e = pseries([phb(1)], [dev('vda', 'disk', at(1, 1)), hostdev('0000:01:00.0', at(1, 2)), hostdev('0000:01:00.1')], { groups });
    expect(homelessGroups(buildContext(e)).count).toBe(1);
  });

  it('a bus holding two functions of one group is that group\'s home: a third function goes there', () => {
    const three = { groups: { 1: ['0000:01:00.0', '0000:01:00.1', '0000:01:00.2'] } };
    const e = pseries([phb(1)], [hostdev('0000:01:00.0', at(1, 1, 0, 'on')), hostdev('0000:01:00.1', at(1, 1, 1)), hostdev('0000:01:00.2')], three);
    expect(homelessGroups(buildContext(e))).toEqual({ count: 0, devices: [] });
  });

  it('without a host each hostdev is its own group', () => {
    const e = pseries([phb(1)], [hostdev('0000:01:00.0', at(1, 1)), hostdev('0000:01:00.1'), hostdev('0000:03:00.0')]);
    expect(homelessGroups(buildContext(e))).toMatchObject({ count: 2 });
  });

  it('nothing to place: none', () => {
    const e = pseries([phb(1)], [hostdev('0000:01:00.0', at(1, 1))], { groups });
    expect(homelessGroups(buildContext(e))).toEqual({ count: 0, devices: [] });
  });

  it('the spares are the hotpluggable empty buses the homeless groups leave, lowest ones taken first', () => {
    const ctx = buildContext(d);
    // empty and hotpluggable: 6 (the bridge), 7, 8; four homeless groups take all three
    expect(emptyBuses(ctx, { hotpluggable: true }).map((c) => c.index)).toEqual([6, 7, 8]);
    expect(hotplugSpares(ctx)).toEqual([]);
    const one = pseries([phb(1), phb(2), phb(3)], [hostdev('0000:03:00.0')], { groups });
    expect(hotplugSpares(buildContext(one)).map((c) => c.index)).toEqual([2, 3]);
  });
});
