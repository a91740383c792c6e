import { describe, expect, it } from 'vitest';
import { applyCommand } from '../commands/commands.ts';
import { addrText, buildContext, occupantsBySlot, occupantSubjects } from './context.ts';
import { createValidator, validate } from './validate.ts';
import { at, ctrl, design, dev, hostdev, phb, q35, rootPort } from './testkit.ts';


/**
 * Rules judge the guest libvirt will run: index-less controllers get libvirt's indexes and a
 * missing root is added at index 0, as libvirt does before it checks addresses.
 */
const errors = (d: Parameters<typeof validate>[0]) => validate(d).filter((f) => f.severity === 'error').map((f) => `${f.ruleId}: ${f.message}`);

describe('the guest as libvirt runs it', () => {
  it('adds the machine root at index 0 when none is written', () => {
    expect(buildContext(design({ machine: 'q35', controllers: [] })).controllerByIndex.get(0)?.model).toBe('pcie-root');
    expect(buildContext(design({ machine: 'pseries', controllers: [] })).controllerByIndex.get(0)).toMatchObject({ model: 'pci-root', modelName: 'spapr-pci-host-bridge', target: { index: 0 } });
    expect(buildContext(design({ machine: 'pc-i440fx-9.1', controllers: [] })).controllerByIndex.get(0)?.model).toBe('pci-root');
  });

  it('gives index-less controllers the lowest free index first, so an index-less pcie-root is the root', () => {
    const ctx = buildContext(design({ machine: 'q35', controllers: [ctrl('pcie-root', undefined, { key: 'r' }), ctrl('pcie-root-port', undefined, { key: 'p' }), ctrl('pcie-root-port', 1, { key: 'one' })] }));
    expect(ctx.guest.controllers.map((c) => [c.key, c.index])).toEqual([['r', 0], ['p', 2], ['one', 1]]);
  });

  it('q35 without a written pcie-root: unaddressed root ports have room (libvirt test q35-pcie)', () => {
    const ports = Array.from({ length: 13 }, (_, i) => ctrl('pcie-root-port', i + 1));
    expect(errors(design({ machine: 'q35', controllers: ports }))).toEqual([]);
  });

  it('pseries: devices on buses no controller has get PHBs from libvirt (pseries-hostdevs-3)', () => {
    const d = design({ machine: 'pseries', controllers: [], devices: [hostdev('0001:01:00.0', at(2, 1)), dev('vda', 'disk', at(0, 2))] });
    expect(errors(d)).toEqual([]);
  });

  it('the incremental validator keeps agreeing when the root is implicit', () => {
    let d = design({ machine: 'pseries', controllers: [], devices: [dev('vda', 'disk', at(0, 2)), dev('vdb', 'disk', at(0, 3))] });
    const incremental = createValidator();
    incremental(d);
    d = applyCommand(d, { kind: 'move-device', device: 'vdb', address: at(0, 2) });
    expect(incremental(d)).toEqual(validate(d));
    expect(errors(d).some((e) => e.startsWith('GEN-ADDR-4'))).toBe(true);
  });
});

describe('what the rules read of a bus (buildContext)', () => {
  it('duplicate indexes: the first controller written owns the bus (the duplicate is GEN-IDX-1\'s)', () => {
    const ctx = buildContext(design({ machine: 'pseries', controllers: [phb(0), ctrl('pci-bridge', 1, { key: 'first', address: at(0, 1) }), ctrl('pci-bridge', 1, { key: 'second', address: at(0, 2) })] }));
    expect(ctx.controllerByIndex.get(1)?.key).toBe('first');
    expect(ctx.busByIndex.get(1)?.controller?.key).toBe('first');
    expect(ctx.busByIndex.get(0)?.controllers.map((c) => c.key)).toEqual(['first', 'second']);
  });

  it('buses in index order, an addressed bus no controller has among them (GEN-ADDR-2)', () => {
    const ctx = buildContext(design({ machine: 'q35', controllers: [ctrl('pcie-root', 0), rootPort(3, 1), rootPort(1, 2)], devices: [dev('vda', 'disk', at(7, 0)), dev('vdb', 'disk', at(3, 0))] }));
    expect(ctx.buses.map((b) => [b.index, b.controller?.model, b.devices.map((d) => d.key)])).toEqual([
      [0, 'pcie-root', []],
      [1, 'pcie-root-port', []],
      [3, 'pcie-root-port', ['vdb']],
      [7, undefined, ['vda']],
    ]);
  });

  it('the root of a bus: up through bridges to the PHB; a loop of controllers ends instead of spinning', () => {
    const d = design({ machine: 'pseries', controllers: [phb(0), phb(2), ctrl('pci-bridge', 3, { address: at(2, 1) }), ctrl('pci-bridge', 4, { address: at(3, 1) }), ctrl('pci-bridge', 5, { address: at(6, 1) }), ctrl('pci-bridge', 6, { address: at(5, 1) })] });
    const ctx = buildContext(d);
    expect(ctx.rootOf(4)?.index).toBe(2);
    expect(ctx.rootOf(4)).toBe(ctx.rootOf(4));
    expect([5, 6]).toContain(ctx.rootOf(5)?.index);
    expect(ctx.rootOf(9)).toBeUndefined();
  });

  it('hostdevs by host IOMMU group; none without a host; a device the host does not list has no group', () => {
    const devices = [hostdev('0000:01:00.0', at(0, 1)), hostdev('0000:01:00.1', at(0, 2)), hostdev('0000:02:00.0', at(0, 3)), hostdev('0000:09:00.0', at(0, 4)), dev('vda', 'disk', at(0, 5))];
    const withHost = buildContext(design({ machine: 'pseries', controllers: [phb(0)], devices }, { groups: { 1: ['0000:01:00.0', '0000:01:00.1'], 2: ['0000:02:00.0'] } }));
    expect([...withHost.devicesByGroup].map(([g, l]) => [g, l.map((x) => x.key)])).toEqual([[1, ['0000:01:00.0', '0000:01:00.1']], [2, ['0000:02:00.0']]]);
    expect(withHost.hostdevs.map((x) => x.key)).toEqual(['0000:01:00.0', '0000:01:00.1', '0000:02:00.0', '0000:09:00.0']);
    expect(withHost.groupOf(devices[4]!)).toBeUndefined();
    const without = buildContext(design({ machine: 'pseries', controllers: [phb(0)], devices }));
    expect(without.devicesByGroup.size).toBe(0);
    expect(without.groupOf(devices[0]!)).toBeUndefined();
  });
});

describe('how findings name addresses and occupants', () => {
  it('addresses as libvirt writes them: hex, two digits, the domain only when not 0', () => {
    expect(addrText(at(1, 0x1f, 7))).toBe('bus 0x01 slot 0x1f function 0x7');
    expect(addrText(at(0x10, 2, 0, undefined, 1))).toBe('domain 0x0001 bus 0x10 slot 0x02 function 0x0');
  });

  it('occupants by slot in slot order, devices then controllers; subjects with the bus first', () => {
    const ctx = buildContext(q35([rootPort(1, 3), rootPort(2, 1)], [dev('vda', 'disk', at(0, 3, 1)), dev('vdb', 'disk', at(0, 5))]));
    const bus0 = ctx.busByIndex.get(0)!;
    expect([...occupantsBySlot(bus0)].map(([s, l]) => [s, l.map((o) => o.device?.key ?? o.controller?.index)])).toEqual([[1, [2]], [3, ['vda', 1]], [5, ['vdb']]]);
    expect(occupantSubjects(occupantsBySlot(bus0).get(3)!, 0)).toEqual({ controllers: [0, 1], devices: ['vda'] });
    expect(occupantSubjects(occupantsBySlot(bus0).get(5)!)).toEqual({ devices: ['vdb'] });
    expect(occupantSubjects([])).toEqual({});
  });
});
