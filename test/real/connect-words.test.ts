/**
 * GEN-CONNECT-1 quotes libvirt's own refusal (scripts/test-real.mjs): where libvirt's dry run fails
 * (qemuDomainAssignPCIAddresses: the buses it grows for what it places need slots too), its words
 * are the dry run's, not the real pass's "No more available PCI slots"; `virsh define` refuses each
 * design with the words pcitopo's error quotes.
 */
import { describe, expect, it } from 'vitest';
import { validate } from '../../src/engine/index.ts';
import { formatVerifyReport } from '../../src/cli/verify/index.ts';
import { design, guestXml, nicLines, verify } from './helpers.ts';

const nics = (machine: string, arch: string, n: number, model: string): string =>
  guestXml({ name: 'connect-words', machine, arch, devices: nicLines(n, model) });

/** The words a GEN-CONNECT-1 error quotes: its last "…" part. */
const quoted = (message: string): string | undefined => /"([^"]+)"[^"]*$/.exec(message)?.[1];

describe("GEN-CONNECT-1 quotes libvirt's own refusal", () => {
  it.each([
    // 62 conventional NICs on ARM virt: the pcie-to-pci-bridge and a pci-bridge hold 31 each, and
    // the pci-bridge libvirt adds in its dry run finds no slot
    ['virt, 62 e1000 NICs', nics('virt', 'aarch64', 62, 'e1000')],
  ])('%s: virsh define refuses with the words pcitopo quotes', async (_name, xml) => {
    const errors = validate(design(xml)).filter((f) => f.ruleId === 'GEN-CONNECT-1' && f.severity === 'error');
    expect(errors).toHaveLength(1);
    const words = quoted(errors[0]?.message ?? '');
    expect(words).toContain("a PCI slot is needed to connect a PCI controller model='pci-bridge'");
    const report = await verify(xml);
    if (!report.error?.includes(words ?? '')) console.log(formatVerifyReport(report));
    expect(report.ok).toBe(false);
    expect(report.error).toContain(words);
  });
});
