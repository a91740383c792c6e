import { describe, expect, it } from 'vitest';
import { applyCommand } from '../commands/commands.ts';
import { buildContext } from './context.ts';
import { createValidator, validate } from './validate.ts';
import { at, ctrl, design, dev, hostdev } from './testkit.ts';

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
