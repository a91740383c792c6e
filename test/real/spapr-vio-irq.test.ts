/**
 * QEMU gives each spapr-vio device the interrupt its reg maps to (hw/ppc/spapr_vio.c
 * spapr_vio_reg_to_irq) and refuses a second device on one ("IRQ %d is not free"): PAPR-VIO-2 says
 * so for what libvirt defines, against the real libvirt + QEMU (scripts/test-real.mjs). The regs are
 * written here; the SCSI controllers libvirt adds for a drive address take the same regs in turn
 * (0x2000 on, 0x1000 apart: the 255th is 0x100000), which the rule's case table covers.
 */
import { describe, expect, it } from 'vitest';
import { validate } from '../../src/engine/index.ts';
import { formatVerifyReport } from '../../src/cli/verify/index.ts';
import fs from 'node:fs';
import path from 'node:path';
import { design, guestXml, verify } from './helpers.ts';
import { QEMU_REFUSES } from '../support/qemuRefuses.ts';
import { SHARED, sharedPaths } from '../support/shared.ts';

const pseries = (devices: string): string =>
  guestXml({ name: 'spapr-vio-irq', machine: 'pseries', arch: 'ppc64', memoryMiB: 512, devices: `${devices}\n    <memballoon model='none'/>\n` });
const vscsi = (reg: string): string => `    <controller type='scsi' index='0' model='ibmvscsi'><address type='spapr-vio' reg='${reg}'/></controller>`;
const vlan = (address: string): string => `    <interface type='user'><model type='spapr-vlan'/>${address}</interface>`;
const pciAt = (slot: number): string => `<address type='pci' domain='0x0000' bus='0x00' slot='${slot}' function='0x0'/>`;
const vty = "    <console type='pty'><target type='serial' port='0'/></console>";

describe('spapr-vio interrupts, as QEMU gives them', () => {
  it.each([
    // the nvram QEMU creates has reg 0x71000000: interrupt 4352, as 0x100000's
    ['an ibmvscsi at reg 0x100000', pseries(vscsi('0x100000')), 'IRQ 4352 is not free'],
    // a console without a serial is libvirt's spapr-vty at 0x30000000: interrupt 4592, as 0xf0000's
    ['an ibmvscsi at reg 0xf0000 and a console', pseries(`${vscsi('0xf0000')}\n${vty}`), 'IRQ 4592 is not free'],
    // reg 0 (a PCI address read as spapr-vio, slot not 0) is not passed on: QEMU gives 0x71000001, interrupt 4353, as the default NIC reg 0x1000's
    ['a spapr-vlan read as reg 0 and one without an address', pseries(`${vlan(pciAt(3))}\n${vlan('')}`), 'IRQ 4353 is not free'],
    ['a pseries serial read as reg 0 and a spapr-vlan without an address', pseries(`    <serial type='pty'>${pciAt(3)}</serial>\n${vlan('')}`), 'IRQ 4353 is not free'],
    // QEMU creates the NIC (reg 0: its own 0x71000001) before the serial that has that reg written
    ['a serial at reg 0x71000001 after a spapr-vlan with reg 0', pseries(`${vlan("<address type='spapr-vio' reg='0x0'/>")}\n    <serial type='pty'><address type='spapr-vio' reg='0x71000001'/></serial>`), 'spapr-vty and spapr-vlan devices conflict at address 0x71000001'],
    ['a spapr-vlan written with reg 0 and one without an address', pseries(`${vlan("<address type='spapr-vio' reg='0x0'/>")}\n${vlan('')}`), 'IRQ 4353 is not free'],
  ])('%s: QEMU refuses it, and pcitopo says so (PAPR-VIO-2)', async (_name, xml, words) => {
    expect(validate(design(xml)).filter((f) => f.severity === 'error').map((f) => f.ruleId)).toEqual(['PAPR-VIO-2']);
    const report = await verify(xml);
    if (!report.error?.includes(words)) console.log(formatVerifyReport(report));
    expect(report.ok).toBe(false);
    expect(report.error).toContain(words);
  });

  it.each([
    ['an ibmvscsi at reg 0xff000', pseries(vscsi('0xff000'))],
    ['an ibmvscsi at reg 0xef000 and a console', pseries(`${vscsi('0xef000')}\n${vty}`)],
    // (written as spapr-vio: verify would count a PCI address libvirt reads as a reg as not kept)
    // the ibmvscsi (controllers come first) holds 0x71000001: QEMU gives the NIC's reg 0 the next, 0x71000002
    ['an ibmvscsi at reg 0x71000001 and a spapr-vlan with reg 0', pseries(`${vscsi('0x71000001')}\n${vlan("<address type='spapr-vio' reg='0x0'/>")}`)],
    ['a spapr-vlan written with reg 0 beside an ibmvscsi', pseries(`${vlan("<address type='spapr-vio' reg='0x0'/>")}\n    <controller type='scsi' index='0'/>`)],
  ])('%s: QEMU starts it, and pcitopo has no error', async (_name, xml) => {
    expect(validate(design(xml)).filter((f) => f.severity === 'error')).toEqual([]);
    const report = await verify(xml);
    if (!report.ok) console.log(formatVerifyReport(report));
    expect(report.ok).toBe(true);
  });
});

// libvirt's own test data its tests accept without starting QEMU (test/support/qemuRefuses.ts)
if (sharedPaths('the QEMU refusals of libvirt test data', ['corpus', 'libvirt'])) {
  describe('libvirt test data QEMU refuses', () => {
    it.each(Object.entries(QEMU_REFUSES))('%s: verify says what QEMU says', async (n, { qemu, newer }) => {
      const dir = path.join(SHARED, 'corpus', 'libvirt');
      const file = fs.readdirSync(dir).find((f) => f.startsWith(`qemuxmlconfdata__${n}.`) && f.endsWith('-latest.xml'));
      expect(file).toBeDefined();
      const text = fs.readFileSync(path.join(dir, file ?? ''), 'utf8');
      // what libvirt 10.7 wrote in its output that the libvirt installed here cannot read
      if (newer) expect(text).toMatch(newer);
      const report = await verify(newer ? text.replace(newer, '') : text);
      if (!report.error?.includes(qemu)) console.log(formatVerifyReport(report));
      expect(report.error).toContain(qemu);
    });
  });
}
