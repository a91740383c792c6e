import { describe, expect, it } from 'vitest';
import { applyCommand } from '../commands/commands.ts';
import { validate } from './validate.ts';
import { blocksVfio, boundToVfio, chipsetFunction, passThroughRefusal } from '../model/vfio.ts';
import { at, host, hostdev, phb, pseries, q35, rootPort } from './testkit.ts';
import type { HostSpec } from './testkit.ts';

/** HD-VFIO-1 branch by branch: the rule table (HD-VFIO-1.ts cases) checks its errors; here the warnings and the host facts. */

const GPU = '0000:01:00.0';
const AUDIO = '0000:01:00.1';
const LPC = '0000:00:1f.0';
const SMBUS = '0000:00:1f.4';
const vfio = (d: ReturnType<typeof q35>) => validate(d).filter((f) => f.ruleId === 'HD-VFIO-1');

describe('host facts', () => {
  const h = host({ groups: { 1: [GPU, AUDIO, LPC, '0000:00:01.0', '0000:02:00.0'] }, drivers: { [GPU]: 'vfio-pci', [AUDIO]: 'snd_hda_intel', [LPC]: 'lpc_ich', '0000:00:01.0': 'pcieport', '0000:02:00.0': 'mlx5_vfio_pci' }, classes: { [LPC]: '0x060100', [GPU]: '0x030000', '0000:00:01.0': '0x060400' }, bridges: ['0000:00:01.0'] });
  const d = (a: string) => h.devices.get(a)!;

  it('vfio drivers, vfio-pci variants and pci-stub leave a group viable; host drivers do not; bridges never block', () => {
    expect(boundToVfio('vfio-pci')).toBe(true);
    expect(boundToVfio('mlx5_vfio_pci')).toBe(true);
    expect(boundToVfio(undefined)).toBe(false);
    expect(blocksVfio(d(GPU))).toBe(false);
    expect(blocksVfio(d('0000:02:00.0'))).toBe(false);
    expect(blocksVfio(d(AUDIO))).toBe(true);
    expect(blocksVfio(d('0000:00:01.0'))).toBe(false);
  });

  it('chipset functions are known by class code, whatever the spelling', () => {
    expect(chipsetFunction(d(LPC))).toBe('ISA/LPC bridge');
    expect(chipsetFunction({ ...d(LPC), classCode: '060000' })).toBe('host bridge');
    expect(chipsetFunction({ ...d(LPC), classCode: '0x0C0500' })).toBe('SMBus controller');
    expect(chipsetFunction(d(GPU))).toBeUndefined();
    expect(chipsetFunction(d('0000:00:01.0')), 'a PCI bridge (0604) is not a chipset function').toBeUndefined();
    expect(chipsetFunction({ ...d(GPU), classCode: '0x088000' }), 'other system peripherals (DSA, …) stay passable').toBeUndefined();
    expect(chipsetFunction({ ...d(GPU), classCode: 'junk' })).toBeUndefined();
  });

  it('passThroughRefusal says why for chipset functions only', () => {
    expect(passThroughRefusal(h, LPC)).toMatch(/ISA\/LPC bridge, a chipset function/);
    expect(passThroughRefusal(h, GPU)).toBeUndefined();
    expect(passThroughRefusal(undefined, LPC)).toBeUndefined();
  });

  it('dragging a whole group never passes its bridges or chipset functions', () => {
    const design = q35([rootPort(1, 1)], [], { groups: { 1: [GPU, AUDIO, LPC, '0000:00:01.0'] }, classes: { [LPC]: '0x060100' }, bridges: ['0000:00:01.0'] });
    const next = applyCommand(design, { kind: 'move-group', group: 1, controller: 1 });
    expect(next.guest.devices.map((x) => x.key).sort()).toEqual([GPU, AUDIO]);
  });
});

describe('HD-VFIO-1 warnings', () => {
  const gpuAlone = (spec: Partial<HostSpec>) => q35([rootPort(1, 1)], [hostdev(GPU, at(1, 0))], { groups: { 1: [GPU, AUDIO] }, ...spec });

  it('a left-out member with no driver: a warning, with the fix that passes it too', () => {
    const [f, ...rest] = vfio(gpuAlone({ drivers: { [GPU]: 'vfio-pci' } }));
    expect(rest).toEqual([]);
    expect(f?.severity).toBe('warning');
    expect(f?.message).toMatch(/0000:01:00\.1 \(no driver\)/);
    const fixed = applyCommand(gpuAlone({ drivers: { [GPU]: 'vfio-pci' } }), f!.fixes![0]!.command);
    expect(vfio(fixed)).toEqual([]);
  });

  it('a left-out member held by vfio-pci: a warning that it serves no one', () => {
    const [f] = vfio(gpuAlone({ drivers: { [AUDIO]: 'vfio-pci' } }));
    expect(f?.severity).toBe('warning');
    expect(f?.message).toMatch(/held by vfio or pci-stub serves no one/);
  });

  it('a driver-less chipset function in the group: a warning that says why and what to do, and no fix', () => {
    const [f] = vfio(q35([rootPort(1, 1)], [hostdev(GPU, at(1, 0))], { groups: { 1: [GPU, LPC, SMBUS] }, classes: { [LPC]: '0x060100', [SMBUS]: '0x0c0500' } }));
    expect(f?.severity).toBe('warning');
    expect(f?.message).toMatch(/chipset functions of the host: 0000:00:1f\.0 \(ISA\/LPC bridge, no driver\), 0000:00:1f\.4 \(SMBus controller, no driver\)/);
    expect(f?.message).toMatch(/no ACS isolation/);
    expect(f?.message).toMatch(/another slot/);
    expect(f?.fixes).toBeUndefined();
  });

  it('a chipset function bound to its host driver: an error, still with no fix that would pass it', () => {
    const [f] = vfio(q35([rootPort(1, 1)], [hostdev(GPU, at(1, 0))], { groups: { 1: [GPU, AUDIO, LPC] }, drivers: { [LPC]: 'lpc_ich', [AUDIO]: 'snd_hda_intel' }, classes: { [LPC]: '0x060100' } }));
    expect(f?.severity).toBe('error');
    expect(f?.message).toMatch(/not viable/);
    expect(f?.fixes).toBeUndefined();
  });

  it('passing a chipset function itself: a warning naming it', () => {
    const found = vfio(q35([rootPort(1, 1)], [hostdev(SMBUS, at(1, 0))], { groups: { 7: [SMBUS] }, classes: { [SMBUS]: '0x0c0500' } }));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ severity: 'warning', subjects: { devices: [SMBUS], groups: [7] } });
    expect(found[0]?.message).toMatch(/SMBus controller, a chipset function/);
  });

  it('the pass-the-rest fix is offered only when the rest fits next to it', () => {
    // a root port has one slot: the GPU's; a second host slot in the group cannot join it there
    const d = q35([rootPort(1, 1)], [hostdev(GPU, at(1, 0))], { groups: { 1: [GPU, '0000:02:00.0'] }, drivers: { '0000:02:00.0': 'igb' } });
    const [f] = vfio(d);
    expect(f?.severity).toBe('error');
    expect(f?.fixes).toBeUndefined();
    const p = pseries([phb(1)], [hostdev(GPU, at(1, 1))], { groups: { 1: [GPU, '0000:02:00.0'] }, drivers: { '0000:02:00.0': 'igb' } });
    expect(vfio(p)[0]?.fixes).toHaveLength(1);
  });
});
