/**
 * The root ports the fixes of Q35-HP-2 and GEN-CONNECT-1 write, against the real libvirt and QEMU
 * (scripts/test-real.mjs): each goes where libvirt puts a root port written without an address in
 * the same design (a free function of pcie-root's slot 1, which root port 1 aggregates:
 * virDomainPCIAddressFindUnusedFunctionOnBus, src/conf/domain_addr.c), and QEMU starts the fixed
 * guest with the ports packed in that slot (multifunction='on' on function 0).
 */
import { describe, expect, it } from 'vitest';
import { exportDomain } from '../../src/engine/index.ts';
import type { Design } from '../../src/engine/index.ts';
import { applyCommand } from '../../src/engine/commands/commands.ts';
import type { Command } from '../../src/engine/commands/commands.ts';
import { formatVerifyReport } from '../../src/cli/verify/index.ts';
import type { VerifyReport } from '../../src/cli/verify/index.ts';
import { design, firstFix, guestXml, verify } from './helpers.ts';


const q35 = (devices: string): string =>
  guestXml({
    name: 'root-port-fixes',
    machine: 'q35',
    devices: `    <controller type='pci' index='0' model='pcie-root'/>
    <controller type='pci' index='1' model='pcie-root-port'>
      <target chassis='1' port='0x8'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0'/>
    </controller>
${devices}    <controller type='usb' model='none'/>
    <memballoon model='none'/>
`,
  });
const hex = (n: number): string => `0x${n.toString(16).padStart(2, '0')}`;
const rng = (model: string, bus: number, slot: number): string =>
  `    <rng model='${model}'>\n      <backend model='random'>/dev/urandom</backend>\n      <address type='pci' domain='0x0000' bus='${hex(bus)}' slot='${hex(slot)}' function='0x0'/>\n    </rng>\n`;

const fixOf = (d: Design, rule: string): Command => firstFix(d, rule).command;
const text = (x: { bus: number | string; slot: number; function: number } | undefined): string | undefined => (x ? `${x.bus}:${x.slot}.${x.function}` : undefined);

/** Where libvirt puts root port `index` of `xml` (libvirt's XML) and where QEMU has it. */
async function portIn(xml: string, index: number): Promise<{ libvirt: string | undefined; qemu: string | undefined; report: VerifyReport }> {
  const report = await verify(xml);
  if (report.stage !== 'done') console.log(formatVerifyReport(report));
  const row = report.devices.find((x) => x.key === `pci-ctrl-${index}`);
  return { libvirt: text(row?.libvirt), qemu: text(row?.qemu), report };
}

describe('fixes that add a root port put it where libvirt puts one', () => {
  it('Q35-HP-2: the port for the new pcie-to-pci-bridge takes 00:01.1, as libvirt puts that port written without an address; QEMU starts the fixed guest', async () => {
    // bridge 2 on root port 1, its 31 slots taken by conventional PCI devices (transitional virtio rngs)
    const bridge = `    <controller type='pci' index='2' model='pcie-to-pci-bridge'>\n      <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>\n    </controller>\n`;
    const d = design(q35(bridge + Array.from({ length: 31 }, (_, i) => rng('virtio-transitional', 2, i + 1)).join('')));
    const fixed = await portIn(exportDomain(applyCommand(d, fixOf(d, 'Q35-HP-2'))), 3);
    expect(fixed.report.ok).toBe(true);
    expect([fixed.libvirt, fixed.qemu]).toEqual(['0:1.1', 'pcie.0:1.1']);
    const unaddressed = await portIn(exportDomain(applyCommand(d, { kind: 'add-controller', controller: { model: 'pcie-root-port', index: 3 } })), 3);
    expect(unaddressed.libvirt).toBe('0:1.1');
  });

  it('GEN-CONNECT-1: the port added below the pcie-to-pci-bridge takes 00:01.1, as libvirt puts it; libvirt then puts the renumbered bridge on it', async () => {
    const d = design(q35(`    <controller type='pci' index='2' model='pcie-to-pci-bridge'/>\n${rng('virtio', 1, 0)}`));
    const fixed = await portIn(exportDomain(applyCommand(d, fixOf(d, 'GEN-CONNECT-1'))), 2);
    expect(fixed.report.ok).toBe(true);
    expect([fixed.libvirt, fixed.qemu]).toEqual(['0:1.1', 'pcie.0:1.1']);
    expect(text(fixed.report.devices.find((x) => x.key === 'pci-ctrl-3')?.libvirt)).toBe('2:0.0');
    const renumbered = applyCommand(d, { kind: 'update-controller', controller: d.guest.controllers.find((c) => c.index === 2)?.key ?? '', changes: { index: 3 } });
    const unaddressed = await portIn(exportDomain(applyCommand(renumbered, { kind: 'add-controller', controller: { model: 'pcie-root-port', index: 2 } })), 2);
    expect(unaddressed.libvirt).toBe('0:1.1');
  });

  it('GEN-CONNECT-1 with root port 1 written without an address: the new port takes 00:01.1 beside it, and libvirt fills function 0 of that slot with root port 1', async () => {
    const d = design(
      q35(`    <controller type='pci' index='2' model='pcie-to-pci-bridge'/>\n${rng('virtio', 1, 0)}`).replace(
        "<controller type='pci' index='1' model='pcie-root-port'>\n      <target chassis='1' port='0x8'/>\n      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0'/>\n    </controller>",
        "<controller type='pci' index='1' model='pcie-root-port'/>",
      ),
    );
    expect(d.guest.controllers.find((c) => c.index === 1)?.address).toBeUndefined();
    const fixed = await portIn(exportDomain(applyCommand(d, fixOf(d, 'GEN-CONNECT-1'))), 2);
    expect(fixed.report.ok).toBe(true);
    expect([fixed.libvirt, fixed.qemu]).toEqual(['0:1.1', 'pcie.0:1.1']);
    const port1 = fixed.report.devices.find((x) => x.key === 'pci-ctrl-1');
    expect([text(port1?.libvirt), text(port1?.qemu)]).toEqual(['0:1.0', 'pcie.0:1.0']);
  });
});
