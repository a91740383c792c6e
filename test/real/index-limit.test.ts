/**
 * The controller indexes libvirt gives at define (qemuDomainAssignPCIAddresses adds a bus, and so
 * a controller, for each device it cannot fit on the buses it has), against the real libvirt
 * (scripts/test-real.mjs): past index 255 `virsh define` refuses the domain in its validation after
 * post-parse (virDomainControllerDefValidate), which pcitopo's GEN-IDX-1 says before; one device
 * fewer than that, the domain defines and QEMU starts, and pcitopo has no error.
 */
import { describe, expect, it } from 'vitest';
import { validate } from '../../src/engine/index.ts';
import { formatVerifyReport } from '../../src/cli/verify/index.ts';
import { design, guestXml, nicLines, verify } from './helpers.ts';

/**
 * q35 with a pcie-expander-bus (room for root ports beyond pcie-root's) and `nics` virtio NICs written
 * without an address. Its busNr 233 is the one that fits 254 NICs: the 232 root ports libvirt puts on
 * pcie-root take bus numbers 1-232 in the firmware (GEN-TGT-1), the 22 behind the expander 234-255.
 */
const xml = (nics: number): string =>
  guestXml({
    name: 'index-limit',
    machine: 'q35',
    devices: `    <controller type='pci' index='0' model='pcie-root'/>
    <controller type='pci' index='1' model='pcie-expander-bus'><target busNr='233'/></controller>
    <controller type='usb' model='none'/>
${nicLines(nics, 'virtio')}    <memballoon model='none'/>
`,
  });

describe('controller indexes libvirt gives at define', () => {
  it('one root port past index 255: virsh define refuses, and GEN-IDX-1 says so first', async () => {
    // bus 0 and the expander bus 1, then a root port per NIC from index 2: the 255th NIC's is 256
    const doc = xml(255);
    // (255 root ports and the expander need 256 bus numbers: GEN-TGT-1 too, whatever the busNr)
    expect(validate(design(doc)).filter((f) => f.severity === 'error').map((f) => f.ruleId)).toEqual(['GEN-IDX-1', 'GEN-TGT-1']);
    const report = await verify(doc);
    if (!report.error?.includes('PCI controller index 256 too high, maximum is 255')) console.log(formatVerifyReport(report));
    expect(report.ok).toBe(false);
    expect(report.error).toContain('PCI controller index 256 too high, maximum is 255');
  });

  it('the last root port at index 255: libvirt defines it, and pcitopo has no error', async () => {
    const doc = xml(254);
    expect(validate(design(doc)).filter((f) => f.severity === 'error')).toEqual([]);
    const report = await verify(doc);
    if (!report.ok) console.log(formatVerifyReport(report));
    expect(report.error).toBeUndefined();
  });
});
