/**
 * A pcie-switch-upstream-port without an address in a guest with no root port, against the real
 * libvirt and QEMU (scripts/test-real.mjs): libvirt 9.0 defines it, adding a pcie-root-port for it
 * (virDomainPCIAddressSetGrow), and QEMU refuses to start because that port comes after the upstream
 * port ("Bus 'pci.2' not found"). pcitopo's only error is GEN-IDX-4, which says so; GEN-CONNECT-1
 * ("libvirt cannot add one") would be libvirt's refusal, which does not happen.
 */
import { describe, expect, it } from 'vitest';
import { validate } from '../../src/engine/index.ts';
import { formatVerifyReport } from '../../src/cli/verify/index.ts';
import { design, guestXml, verify } from './helpers.ts';

const domain = (machine: string, arch: string): string =>
  guestXml({
    name: 'upstream-port-grown',
    machine,
    arch,
    devices: `    <controller type='pci' index='0' model='pcie-root'/>
    <controller type='pci' index='1' model='pcie-switch-upstream-port'/>
    <controller type='usb' model='none'/>
    <memballoon model='none'/>
`,
  });

describe('an upstream port libvirt grows a root port for', () => {
  it.each([
    ['q35', 'q35', 'x86_64'],
    ['aarch64 virt', 'virt', 'aarch64'],
  ])('%s: libvirt defines it, QEMU refuses the order, and the only error is GEN-IDX-4', async (_name, machine, arch) => {
    const xml = domain(machine, arch);
    expect(validate(design(xml), undefined, { libvirtVersion: '9.0' }).filter((f) => f.severity === 'error').map((f) => f.ruleId)).toEqual(['GEN-IDX-4']);
    const r = await verify(xml);
    if (r.stage !== 'qemu') console.log(formatVerifyReport(r));
    expect(r.ok).toBe(false);
    expect(r.stage).toBe('qemu');
    expect(r.error).toContain("Bus 'pci.2' not found");
  });
});
