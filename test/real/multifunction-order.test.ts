/**
 * QEMU's pci_init_multifunction (hw/pci/pci.c) refuses other functions in a slot whose function 0 is
 * written multifunction='off', controllers as endpoints: GEN-MF-2 says so, in QEMU's own words for the
 * order QEMU creates the functions in (libvirt's command line has the controllers by index), against the
 * real libvirt + QEMU (scripts/test-real.mjs). Found by the differential check (root ports packed in
 * one slot, docs/differential.md).
 */
import { describe, expect, it } from 'vitest';
import { validate } from '../../src/engine/index.ts';
import { formatVerifyReport } from '../../src/cli/verify/index.ts';
import { design, guestXml, verify } from './helpers.ts';

const q35 = (ports: Array<[index: number, fn: number, mf?: string]>): string =>
  guestXml({
    name: 'multifunction-order',
    machine: 'q35',
    memoryMiB: 512,
    devices: `${ports.map(([index, fn, mf]) => `    <controller type='pci' index='${index}' model='pcie-root-port'><address type='pci' domain='0x0000' bus='0x00' slot='0x14' function='${fn}'${mf ? ` multifunction='${mf}'` : ''}/></controller>`).join('\n')}\n    <memballoon model='none'/>\n`,
  });

describe("root ports in one slot, function 0 multifunction='off'", () => {
  it.each([
    ['function 0 first (lower index)', q35([[1, 0, 'off'], [2, 1]]), "PCI: single function device can't be populated in function 14.1"],
    ['function 1 first (lower index)', q35([[2, 0, 'off'], [1, 1]]), 'PCI: 14.0 indicates single function, but 14.1 is already populated'],
  ])('%s: QEMU refuses it, and GEN-MF-2 quotes it', async (_name, xml, words) => {
    const errors = validate(design(xml)).filter((f) => f.severity === 'error');
    expect(errors.map((f) => f.ruleId)).toEqual(['GEN-MF-2']);
    expect(errors[0]?.message).toContain(`"${words}"`);
    const report = await verify(xml);
    if (!report.error?.includes(words)) console.log(formatVerifyReport(report));
    expect(report.ok).toBe(false);
    expect(report.error).toContain(words);
  });

  it('function 0 without the attribute: libvirt sets multifunction on, QEMU starts it, and pcitopo has no error', async () => {
    const xml = q35([[1, 0], [2, 1]]);
    expect(validate(design(xml)).filter((f) => f.severity === 'error')).toEqual([]);
    const report = await verify(xml);
    if (!report.ok) console.log(formatVerifyReport(report));
    expect(report.ok).toBe(true);
  });
});
