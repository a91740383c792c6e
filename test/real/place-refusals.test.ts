/**
 * `place` on a domain libvirt refuses for want of a slot (issue 11), against the real libvirt
 * (scripts/test-real.mjs): the note quotes libvirt's own refusal of the input, and the document is
 * written back unchanged under both policies (src/engine/placement/index.ts refusedOtherwise: the
 * placement libvirt's second pass makes, written, would be refused another way).
 */
import { describe, expect, it } from 'vitest';
import { exportDomain, placeWithReport } from '../../src/engine/index.ts';
import { formatVerifyReport } from '../../src/cli/verify/index.ts';
import { design, guestXml, nicLines, verify } from './helpers.ts';

const pcWithNics = (n: number): string => guestXml({ name: 'place-refusals', machine: 'pc', memoryMiB: 512, devices: nicLines(n, 'e1000', 'network') });

describe('place on an i440fx domain whose NICs libvirt refuses in its dry run', () => {
  const xml = pcWithNics(271);
  const words = "a PCI slot is needed to connect a PCI controller model='pci-bridge', but none is available, and it cannot be automatically added";

  it('virsh define refuses the input in the words the notes quote', async () => {
    const report = await verify(xml);
    if (!report.error?.includes(words)) console.log(formatVerifyReport(report));
    expect(report.ok).toBe(false);
    expect(report.error).toContain(words);
  });

  it.each(['libvirt', 'pe-per-phb'] as const)('%s policy: nothing is placed, and the note quotes that refusal', (policy) => {
    const r = placeWithReport(design(xml), { policy });
    expect(exportDomain(r.design)).toBe(xml);
    expect(r.notes[0]).toContain(`nothing was placed: libvirt refuses such a domain ("${words}")`);
    expect(r.notes[0]).toContain(`where ${policy} puts it would be refused otherwise`);
  });
});
