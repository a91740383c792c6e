import { describe, expect, it } from 'vitest';
import { F, VirDomainPCIAddressSet, newBus } from '../libvirt/domainAddr.ts';

/**
 * The address set's search shortcuts (libvirt/domainAddr.ts): a search for a free slot starts
 * after the buses found full, which placing hundreds of devices would otherwise pass again for each
 * one. They change where the search starts, never what it finds: the answers are
 * virDomainPCIAddressGetNextAddr()'s, bus by bus from the first.
 */
describe('the PCI address set finds what a search from bus 0 finds', () => {
  const device = F.PCI_DEVICE | F.AUTOASSIGN;
  const fill = (set: VirDomainPCIAddressSet, n: number, flags = device): string[] =>
    Array.from({ length: n }, () => {
      const a = set.reserveNextAddr(flags, 0);
      return `${a.bus}:${a.slot}.${a.function}`;
    });

  it('fills pci-roots slot by slot, bus after bus, and grows a new one (dry run) once all are full', () => {
    const set = new VirDomainPCIAddressSet({ dryRun: true, multipleRoots: true });
    set.buses.push(newBus('pci-root'), newBus('pci-root'));
    const got = fill(set, 64);
    expect(got.slice(0, 3)).toEqual(['0:1.0', '0:2.0', '0:3.0']);
    expect(got[30]).toBe('0:31.0');
    expect(got.slice(31, 33)).toEqual(['1:1.0', '1:2.0']);
    expect(got[61]).toBe('1:31.0');
    expect(got.slice(62)).toEqual(['2:1.0', '2:2.0']);
    expect(set.buses).toHaveLength(3);
  });

  it('an aggregating device still finds a free function in an aggregate slot of a bus found full', () => {
    const set = new VirDomainPCIAddressSet({ dryRun: false, multipleRoots: true });
    set.buses.push(newBus('pci-root'), newBus('pci-root'));
    const aggregate = device | F.AGGREGATE_SLOT;
    expect(set.reserveNextAddr(aggregate, 0)).toMatchObject({ bus: 0, slot: 1, function: 0 });
    // bus 0 full for devices that need a slot of their own: they go to bus 1
    expect(fill(set, 31)).toEqual([...Array.from({ length: 30 }, (_, i) => `0:${i + 2}.0`), '1:1.0']);
    expect(set.reserveNextAddr(aggregate, 0)).toMatchObject({ bus: 0, slot: 1, function: 1 });
    expect(set.reserveNextAddr(device, 0)).toMatchObject({ bus: 1, slot: 2, function: 0 });
  });

  it('a bus found full for one isolation group is full for every group; an empty bus of another group is taken', () => {
    const set = new VirDomainPCIAddressSet({ dryRun: false, multipleRoots: true });
    set.buses.push(newBus('pci-root'), newBus('pci-root'), newBus('pci-root'));
    fill(set, 31);
    // group 7: no bus of its own yet, bus 0 is full, bus 1 is empty and unlocked
    expect(set.reserveNextAddr(device, 7)).toMatchObject({ bus: 1, slot: 1 });
    expect(set.reserveNextAddr(device, 0)).toMatchObject({ bus: 2, slot: 1 });
    expect(set.reserveNextAddr(device, 7)).toMatchObject({ bus: 1, slot: 2 });
  });
});
