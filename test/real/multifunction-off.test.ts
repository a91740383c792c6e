/**
 * A slot whose function 0 says multifunction='off' while another function is used, against the real
 * libvirt and QEMU (scripts/test-real.mjs): libvirt 9.0 defines it (it turns multifunction on only
 * where none is written: virDomainPCIAddressSetAllMulti) and QEMU refuses to start it
 * (hw/pci/pci.c pci_init_multifunction), for root ports as for endpoints, so GEN-MF-2 says error;
 * without the attribute libvirt turns it on and QEMU starts, and GEN-MF-2 is silent. The third kind is
 * a root port libvirt places itself into the free function of such a slot (its aggregate slot).
 */
import { describe, expect, it } from 'vitest';
import { validate } from '../../src/engine/index.ts';
import { formatVerifyReport } from '../../src/cli/verify/index.ts';
import { design, guestXml, verify } from './helpers.ts';

const port = (index: number, slot: number, fn: number, mf = ''): string =>
  `    <controller type='pci' index='${index}' model='pcie-root-port'><target chassis='${index}' port='${index}'/><address type='pci' domain='0' bus='0' slot='${slot}' function='${fn}'${mf}/></controller>\n`;

const domain = (controllers: string): string =>
  guestXml({
    name: 'multifunction-off',
    machine: 'q35',
    devices: `    <controller type='pci' index='0' model='pcie-root'/>
${controllers}    <controller type='usb' model='none'/>
    <memballoon model='none'/>
`,
  });

const errors = (xml: string): string[] => validate(design(xml)).filter((f) => f.severity === 'error').map((f) => f.ruleId);

/** root ports filling every function of slots 1 and 2, then one at 00:03.0 with `mf` and one without an address */
const aggregate = (mf: string): string =>
  [1, 2].flatMap((slot) => Array.from({ length: 8 }, (_, fn) => port((slot - 1) * 8 + fn + 1, slot, fn, fn === 0 ? " multifunction='on'" : ''))).join('') +
  port(17, 3, 0, mf) +
  "    <controller type='pci' index='18' model='pcie-root-port'/>\n";

describe("function 0 multifunction='off' beside other functions", () => {
  it.each([
    ['two written root ports at 00:02.0 and 00:02.1', (mf: string) => port(1, 2, 0, mf) + port(2, 2, 1)],
    ['a written root port at 00:03.0 and one libvirt places at 00:03.1', aggregate],
  ])("%s: QEMU refuses 'off' and GEN-MF-2 says so; without the attribute it starts", async (_name, make) => {
    const off = domain(make(" multifunction='off'"));
    expect(errors(off)).toEqual(['GEN-MF-2']);
    const refused = await verify(off);
    if (!refused.error?.includes("single function device can't be populated")) console.log(formatVerifyReport(refused));
    expect(refused.ok).toBe(false);
    expect(refused.error).toContain("PCI: single function device can't be populated");
    const unset = domain(make(''));
    expect(errors(unset)).toEqual([]);
    const started = await verify(unset);
    if (started.error) console.log(formatVerifyReport(started));
    expect(started.error).toBeUndefined();
  });
});
