/**
 * Two expander buses of one busNr, against the real libvirt and QEMU (scripts/test-real.mjs): libvirt
 * defines the guest and QEMU refuses to start it ("Bus N is already in use"), which GEN-TGT-1 says;
 * busNrs that differ start, and pcitopo has no error when each leaves room for the bus numbers of the
 * one before it (GEN-TGT-1 busNrRoom: a pxb holds a bridge of its own, so 250 and 252 on i440fx).
 */
import { describe, expect, it } from 'vitest';
import { validate } from '../../src/engine/index.ts';
import { formatVerifyReport } from '../../src/cli/verify/index.ts';
import { design, guestXml, verify } from './helpers.ts';

const domain = (machine: string, root: string, model: string, a: number, b: number): string =>
  guestXml({
    name: 'expander-busnr',
    machine,
    devices: `    <controller type='pci' index='0' model='${root}'/>
    <controller type='pci' index='1' model='${model}'><target busNr='${a}'/></controller>
    <controller type='pci' index='2' model='${model}'><target busNr='${b}'/></controller>
    <memballoon model='none'/>
`,
  });

describe('expander buses of one busNr', () => {
  it.each([
    ['q35, pcie-expander-bus', 'q35', 'pcie-root', 'pcie-expander-bus', 251],
    ['pc, pci-expander-bus', 'pc', 'pci-root', 'pci-expander-bus', 252],
  ])('%s: QEMU refuses the same busNr twice, and GEN-TGT-1 says so; 250 and a busNr past its bus numbers start', async (_name, machine, root, model, next) => {
    const twice = domain(machine, root, model, 250, 250);
    expect(validate(design(twice)).filter((f) => f.severity === 'error').map((f) => f.ruleId)).toEqual(['GEN-TGT-1']);
    const refused = await verify(twice);
    if (!refused.error?.includes('Bus 250 is already in use')) console.log(formatVerifyReport(refused));
    expect(refused.ok).toBe(false);
    expect(refused.error).toContain('Bus 250 is already in use');
    const apart = domain(machine, root, model, 250, next);
    expect(validate(design(apart)).filter((f) => f.severity === 'error')).toEqual([]);
    const started = await verify(apart);
    if (started.error) console.log(formatVerifyReport(started));
    expect(started.error).toBeUndefined();
  });
});
