import { describe, expect, it } from 'vitest';
import { applyCommand } from '../../src/engine/commands/commands.ts';
import { findingsOf } from './alone.ts';
import { at, ctrl, dev, phb, pseries, q35, rootPort, virt } from '../../src/engine/rules/testkit.ts';
import type { Design } from '../../src/engine/model/design.ts';
import type { Finding } from '../../src/engine/rules/types.ts';

/**
 * The branches of the PCI address rules beyond their case tables' main path (issue 11: a rule's
 * mutants are judged by the rule tests, docs/mutation.md): controllers as well as devices, the
 * limits at their edges, and what the message and the fix say.
 */

const of = (d: Design, id: string): Finding[] => findingsOf(d, id);

/** Applies every fix of the rule's findings in turn; the rule then has nothing more to say. */
function fixedBy(d: Design, id: string): Design {
  let next = d;
  for (const f of of(d, id)) for (const fix of f.fixes ?? []) next = applyCommand(next, fix.command);
  return next;
}

describe('GEN-ADDR-1 (libvirt virDomainPCIAddressValidate: "Only PCI domain 0 is available")', () => {
  it('a device in domain 1: the message names it and its address, and the fix moves it to domain 0 at the same bus, slot and function', () => {
    const d = pseries([], [dev('vda', 'disk', at(0, 5, 0, undefined, 1))]);
    const [f, ...rest] = of(d, 'GEN-ADDR-1');
    expect(rest).toEqual([]);
    expect(f?.subjects).toEqual({ devices: ['vda'] });
    expect(f?.message).toMatch(/^vda is at domain 0x0001 bus 0x00 slot 0x05 function 0x0: /);
    expect(f?.fixes?.map((x) => x.label)).toEqual(['Use domain 0 for vda']);
    const fixed = fixedBy(d, 'GEN-ADDR-1');
    expect(of(fixed, 'GEN-ADDR-1')).toEqual([]);
    expect(fixed.guest.devices.find((x) => x.key === 'vda')?.address).toMatchObject({ domain: 0, bus: 0, slot: 5, function: 0 });
  });

  it('a controller in domain 2: named by its index, and the fix puts it in domain 0 at the same slot', () => {
    const port = rootPort(1, 3, 0, { address: at(0, 3, 0, undefined, 2) });
    const d = q35([port], []);
    const got = of(d, 'GEN-ADDR-1');
    expect(got.map((f) => f.subjects)).toEqual([{ controllers: [1] }]);
    expect(got[0]?.message).toMatch(/^controller 1 is at domain 0x0002 bus 0x00 slot 0x03 function 0x0: /);
    expect(got[0]?.fixes?.map((x) => x.label)).toEqual(['Use domain 0 for controller 1']);
    const fixed = fixedBy(d, 'GEN-ADDR-1');
    expect(of(fixed, 'GEN-ADDR-1')).toEqual([]);
    expect(fixed.guest.controllers.find((c) => c.index === 1)?.address).toMatchObject({ domain: 0, bus: 0, slot: 3 });
  });

  it('a controller in domain 1 whose index libvirt cannot read: named so, no index among the subjects, and the fix still moves it to domain 0', () => {
    const port = ctrl('pcie-root-port', undefined, { address: at(0, 2, 0, undefined, 1), unreadable: ["index='x'"] });
    const got = of(q35([port], []), 'GEN-ADDR-1');
    expect(got.map((f) => [f.message, f.subjects])).toEqual([['controller (index unreadable) is at domain 0x0001 bus 0x00 slot 0x02 function 0x0: only PCI domain 0 is available to guests.', { controllers: [] }]]);
    expect(got[0]?.fixes?.map((x) => [x.label, x.command])).toEqual([['Use domain 0 for controller (index unreadable)', { kind: 'update-controller', controller: port.key, changes: { address: { domain: 0, bus: 0, slot: 2, function: 0 } } }]]);
  });

  it('a controller and a device in domain 0 give nothing', () => {
    expect(of(q35([rootPort(1, 3)], [dev('nic', 'interface', at(1, 0))]), 'GEN-ADDR-1')).toEqual([]);
  });
});

describe('GEN-ADDR-2 (libvirt virDomainPCIAddressSetGrow / virDomainPCIAddressValidate)', () => {
  it('pseries: libvirt adds PHBs up to target index 30, not 31', () => {
    expect(of(pseries([], [dev('vda', 'disk', at(30, 1))]), 'GEN-ADDR-2')).toEqual([]);
    const got = of(pseries([], [dev('vda', 'disk', at(31, 1))]), 'GEN-ADDR-2');
    expect(got.map((f) => f.subjects)).toEqual([{ devices: ['vda'] }]);
  });

  it('the pseries limit is the PHBs\' alone: bus 31 on q35 and virt is added', () => {
    expect(of(q35([], [dev('vda', 'disk', at(31, 0))]), 'GEN-ADDR-2')).toEqual([]);
    expect(of(virt([], [dev('vda', 'disk', at(40, 0))]), 'GEN-ADDR-2')).toEqual([]);
  });

  it('a switch upstream port on a missing bus is added for (libvirt grows the set for it); another controller is not', () => {
    const up = ctrl('pcie-switch-upstream-port', 5, { address: at(3, 0) });
    expect(of(q35([up], []), 'GEN-ADDR-2')).toEqual([]);
    const bridge = ctrl('pci-bridge', 6, { address: at(3, 1), target: { chassisNr: 6 } });
    const got = of(q35([bridge], []), 'GEN-ADDR-2');
    expect(got.map((f) => f.subjects)).toEqual([{ controllers: [6] }]);
    expect(got[0]?.message).toBe('controller 6 is at bus 0x03 slot 0x01 function 0x0, but there is no PCI controller with index 3, and libvirt cannot add one for it.');
  });

  it('a device on a missing bus above 255 is named, with its address and the highest controller index', () => {
    const got = of(q35([], [dev('vda', 'disk', at(256, 0))]), 'GEN-ADDR-2');
    expect(got[0]?.message).toBe('vda is at bus 0x100 slot 0x00 function 0x0, but there is no PCI controller with index 256, and libvirt cannot add one for it (controller indexes go up to 255).');
  });

  it('a bridge on missing bus 255, the highest index there is: refused, with no word about the limit it keeps to', () => {
    const bridge = ctrl('pci-bridge', 6, { address: at(255, 1), target: { chassisNr: 6 } });
    expect(of(q35([bridge], []), 'GEN-ADDR-2').map((f) => f.message)).toEqual(['controller 6 is at bus 0xff slot 0x01 function 0x0, but there is no PCI controller with index 255, and libvirt cannot add one for it.']);
  });

  it('bus 40 on pseries: no word about index 255, which it is under', () => {
    const got = of(pseries([], [dev('vda', 'disk', at(40, 1))]), 'GEN-ADDR-2');
    expect(got[0]?.message).toBe('vda is at bus 0x28 slot 0x01 function 0x0, but there is no PCI controller with index 40, and libvirt cannot add one for it.');
  });

  it('an existing bus gives nothing even for a controller that libvirt would not add one for', () => {
    const bridge = ctrl('pci-bridge', 6, { address: at(1, 1), target: { chassisNr: 6 } });
    expect(of(pseries([phb(1), bridge], []), 'GEN-ADDR-2')).toEqual([]);
  });
});

describe('GEN-ADDR-4 (libvirt virDomainPCIAddressReserveAddrInternal: "Attempted double use of PCI Address")', () => {
  it('three devices at one address: one finding naming all three in order, and the fix moves the last written', () => {
    const d = pseries([], [dev('vda', 'disk', at(0, 2)), dev('vdb', 'disk', at(0, 2)), dev('vdc', 'disk', at(0, 2))]);
    const got = of(d, 'GEN-ADDR-4');
    expect(got.map((f) => [f.message, f.subjects])).toEqual([['vda, vdb, vdc all use bus 0x00 slot 0x02 function 0x0: double use of a PCI address.', { devices: ['vda', 'vdb', 'vdc'] }]]);
    expect(got[0]?.fixes?.map((x) => x.label)).toEqual(['Move vdc to slot 0x01 of bus 0x00']);
  });

  it('a device on a root port\'s address: the port is named by model and index, and the fix moves the device (a controller is never moved)', () => {
    const d = q35([rootPort(1, 2)], [dev('nic', 'interface', at(0, 2), { model: 'e1000e' })]);
    const got = of(d, 'GEN-ADDR-4');
    expect(got.map((f) => f.message)).toEqual(['nic, pcie-root-port controller index 1 all use bus 0x00 slot 0x02 function 0x0: double use of a PCI address.']);
    expect(got[0]?.fixes?.map((x) => x.label)).toEqual(['Move nic to slot 0x01 of bus 0x00']);
    expect(of(fixedBy(d, 'GEN-ADDR-4'), 'GEN-ADDR-4')).toEqual([]);
  });

  it('two controllers at one address: both named, and no fix (moving a controller moves its whole subtree)', () => {
    const got = of(q35([rootPort(1, 2), rootPort(2, 2, 0, { address: at(0, 2) })], []), 'GEN-ADDR-4');
    expect(got.map((f) => [f.message, f.subjects, f.fixes])).toEqual([['pcie-root-port controller index 1, pcie-root-port controller index 2 all use bus 0x00 slot 0x02 function 0x0: double use of a PCI address.', { controllers: [1, 2] }, undefined]]);
  });
});
