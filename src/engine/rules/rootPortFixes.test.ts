import { describe, expect, it } from 'vitest';
import { applyCommand } from '../commands/commands.ts';
import type { Command } from '../commands/commands.ts';
import type { Design } from '../model/design.ts';
import type { GuestPciAddress } from '../model/pci.ts';
import { defineDomain } from '../placement/defineTime.ts';
import { validate } from './validate.ts';
import { buildContext } from './context.ts';
import { newRootPort } from './fixes.ts';
import { at, ctrl, dev, hostdev, q35, rootPort } from './testkit.ts';

/**
 * The root ports the fixes of Q35-HP-2 and GEN-CONNECT-1 add go where libvirt puts a root port
 * written without an address (fixes.ts libvirtRootPort), as Q35-HP-1's do: root ports carry
 * VIR_PCI_CONNECT_AGGREGATE_SLOT, so libvirt gives a new one a free function of a pcie-root slot
 * whose first function a root port took before any wholly free slot
 * (virDomainPCIAddressFindUnusedFunctionOnBus, src/conf/domain_addr.c), writing multifunction='on'
 * on function 0 (virDomainPCIAddressSetAllMulti). The fixes used to take the lowest wholly free slot.
 */

const bsf = (a: GuestPciAddress | undefined): string => (a ? `${a.bus}:${a.slot}.${a.function}${a.multifunction ? ` mf=${a.multifunction}` : ''}` : 'none');
const noDefaults = [dev('usb', 'controller', undefined, { type: 'usb', model: 'none' }), dev('mb', 'memballoon', undefined, { model: 'none' })];

/** The commands of a fix, batches flattened. */
const flat = (c: Command): Command[] => (c.kind === 'batch' ? c.commands.flatMap(flat) : [c]);
/** Where the fix writes the new pcie-root-port of index `index`. */
const portOf = (command: Command, index: number): string => {
  const add = flat(command).find((c): c is Extract<Command, { kind: 'add-controller' }> => c.kind === 'add-controller' && c.controller.model === 'pcie-root-port' && c.controller.index === index);
  return bsf(add?.controller.address);
};
/** Where libvirt puts a pcie-root-port of index `index` added to `d` without an address. */
const libvirtPuts = (d: Design, index: number): string => {
  const trial = applyCommand(d, { kind: 'add-controller', controller: { model: 'pcie-root-port', index } });
  return bsf(defineDomain(trial.guest, trial.host)?.guest.controllers.find((c) => c.index === index)?.address);
};
const fixOf = (d: Design, rule: string) => {
  const fix = validate(d).find((f) => f.ruleId === rule)?.fixes?.[0];
  if (!fix) throw new Error(`${rule} offers no fix`);
  return fix;
};

describe('Q35-HP-2: the new root port for the new bridge goes where libvirt puts one', () => {
  // root port 1 written at 00:01.0 makes slot 1 aggregate; bridge 2 on it, every slot taken by a conventional NIC
  const nics = Array.from({ length: 31 }, (_, i) => dev(`nic${i}`, 'interface', at(2, i + 1), { model: 'e1000' }));
  // written without multifunction, which the fix then writes on it
  const full = q35([rootPort(1, 1, 0, { address: at(0, 1) }), ctrl('pcie-to-pci-bridge', 2, { address: at(1, 0) })], [...nics, ...noDefaults]);

  it('a free function of the root ports\' slot 1 (00:01.1, multifunction on 00:01.0), as libvirt places a port written without an address; the old fix took slot 2', () => {
    const fix = fixOf(full, 'Q35-HP-2');
    expect(portOf(fix.command, 3)).toBe('0:1.1');
    expect(libvirtPuts(full, 3)).toBe('0:1.1');
    const old = newRootPort(buildContext(full), 3);
    expect(old && portOf(old.command, 3)).toBe('0:2.0');
    const fixed = applyCommand(full, fix.command);
    expect(bsf(fixed.guest.controllers.find((c) => c.index === 1)?.address)).toBe('0:1.0 mf=on');
    expect(validate(fixed).filter((f) => f.ruleId === 'Q35-HP-2' || f.severity === 'error')).toEqual([]);
  });

  it('root port 1 at 00:02.1 beside a disk at 00:02.0: disks are reserved first, slot 2 does not aggregate, the port takes the wholly free slot 1 as the old fix did', () => {
    const d = q35([rootPort(1, 2, 1), ctrl('pcie-to-pci-bridge', 2, { address: at(1, 0) })], [dev('vda', 'disk', at(0, 2, 0, 'on')), ...nics, ...noDefaults]);
    const fix = fixOf(d, 'Q35-HP-2');
    expect(portOf(fix.command, 3)).toBe('0:1.0');
    expect(libvirtPuts(d, 3)).toBe('0:1.0');
  });
});

describe('GEN-CONNECT-1: the root port added below a controller libvirt cannot place goes where libvirt puts one', () => {
  // root port 1 written at 00:01.0 and taken by an rng; the pcie-to-pci-bridge 2 has no free port
  const d = q35([rootPort(1, 1), ctrl('pcie-to-pci-bridge', 2)], [dev('rng0', 'rng', at(1, 0)), ...noDefaults]);

  it('the new port (index 2, the bridge renumbered to 3) takes 00:01.1 beside root port 1, where libvirt puts it; the old fix took slot 2', () => {
    const fix = fixOf(d, 'GEN-CONNECT-1');
    expect(portOf(fix.command, 2)).toBe('0:1.1');
    const renumbered = applyCommand(d, { kind: 'update-controller', controller: d.guest.controllers.find((c) => c.index === 2)?.key ?? '', changes: { index: 3 } });
    expect(libvirtPuts(renumbered, 2)).toBe('0:1.1');
    const old = newRootPort(buildContext(d), 2);
    expect(old && portOf(old.command, 2)).toBe('0:2.0');
    const fixed = applyCommand(d, fix.command);
    expect(validate(fixed).filter((f) => f.ruleId === 'GEN-CONNECT-1' || f.severity === 'error')).toEqual([]);
    // libvirt puts the bridge, written without an address, on the new port
    expect(bsf(defineDomain(fixed.guest, fixed.host)?.guest.controllers.find((c) => c.index === 3)?.address)).toBe('2:0.0');
  });

  it('root port 1 written without an address: libvirt fills function 0 of its slot at define, so the port goes beside it at 00:01.1, where libvirt puts one (rootPortCommands takes a function 0 filled at define)', () => {
    // libvirt 9.0 defines it so, root port 1 at 00:01.0, and QEMU starts it (test/real/root-port-fixes.test.ts);
    // the fix once took the lowest wholly free slot, 00:02.0
    const unaddressed = q35([ctrl('pcie-root-port', 1), ctrl('pcie-to-pci-bridge', 2)], [dev('rng0', 'rng', at(1, 0)), ...noDefaults]);
    const fix = fixOf(unaddressed, 'GEN-CONNECT-1');
    expect(portOf(fix.command, 2)).toBe('0:1.1');
    const fixed = applyCommand(unaddressed, fix.command);
    expect(bsf(defineDomain(fixed.guest, fixed.host)?.guest.controllers.find((c) => c.index === 1)?.address)).toBe('0:1.0 mf=on');
    expect(validate(fixed).filter((f) => f.severity === 'error')).toEqual([]);
  });
});

describe('Q35-NUMA-1: a root port added on the expander of the cell goes where libvirt\'s search on that bus puts one', () => {
  const NIC = '0000:81:00.0';
  const H = { groups: { 1: [NIC] }, numa: { [NIC]: 1 } };
  const numa = { numaCells: 2, memnodes: { 0: '0', 1: '1' } };
  const pxb = ctrl('pcie-expander-bus', 2, { address: at(0, 2), target: { node: 1 } });
  // root port 3 at 02:00.0 on the expander of cell 1 holds a disk: not empty
  const port3 = ctrl('pcie-root-port', 3, { address: at(2, 0), target: { chassis: 3, port: 0 } });
  const d = q35([rootPort(1, 1), pxb, port3], [hostdev(NIC, at(1, 0)), dev('vda', 'disk', at(3, 0)), ...noDefaults], H, numa);

  it('beside root port 3 in a free function of its slot (02:00.1, multifunction on 02:00.0); the old fix took slot 1 of the expander', () => {
    const fix = fixOf(d, 'Q35-NUMA-1');
    expect(portOf(fix.command, 4)).toBe('2:0.1');
    const old = newRootPort(buildContext(d), 4, 2);
    expect(old && portOf(old.command, 4)).toBe('2:1.0');
    const fixed = applyCommand(d, fix.command);
    expect(bsf(fixed.guest.controllers.find((c) => c.index === 3)?.address)).toBe('2:0.0 mf=on');
    expect(bsf(fixed.guest.devices.find((x) => x.key === NIC)?.address)).toBe('4:0.0');
    expect(validate(fixed).filter((f) => f.ruleId === 'Q35-NUMA-1' || f.severity === 'error')).toEqual([]);
  });

  it('a dmi-to-pci-bridge at 02:00.0 instead of a root port: the slot does not aggregate, the port takes the wholly free slot 1 as the old fix did', () => {
    const bridged = q35([rootPort(1, 1), pxb, ctrl('dmi-to-pci-bridge', 3, { address: at(2, 0) })], [hostdev(NIC, at(1, 0)), ...noDefaults], H, numa);
    expect(portOf(fixOf(bridged, 'Q35-NUMA-1').command, 4)).toBe('2:1.0');
  });
});
