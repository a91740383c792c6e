/**
 * Where libvirt puts a pcie-root-port it places itself in a slot written addresses already use,
 * against the real libvirt and QEMU (scripts/test-real.mjs): the first reservation in a slot sets its
 * aggregate flag (virDomainPCIAddressReserveAddrInternal, src/conf/domain_addr.c), written addresses
 * are reserved in virDomainDeviceInfoIterate() order (controllers before rngs; qemuDomainCollectPCIAddress),
 * and an unaddressed root port takes the first free function of an aggregate slot, function 0 included
 * (virDomainPCIAddressFindUnusedFunctionOnBus). pcitopo's define-time model must say the same, and
 * GEN-MF-3 must not call a slot without function 0 what libvirt fills at define.
 */
import { describe, expect, it } from 'vitest';
import { validate } from '../../src/engine/index.ts';
import { defineDomain } from '../../src/engine/placement/defineTime.ts';
import { formatVerifyReport } from '../../src/cli/verify/index.ts';
import type { VerifyReport } from '../../src/cli/verify/index.ts';
import { design, guestXml, verify } from './helpers.ts';


const q35 = (devices: string, defaults = `    <controller type='usb' model='none'/>\n    <memballoon model='none'/>\n`): string =>
  guestXml({ name: 'collect-order', machine: 'q35', devices: `    <controller type='pci' index='0' model='pcie-root'/>\n${devices}${defaults}` });

const port = (index: number, slot?: number, fn = 0): string =>
  slot === undefined
    ? `    <controller type='pci' index='${index}' model='pcie-root-port'/>\n`
    : `    <controller type='pci' index='${index}' model='pcie-root-port'>\n      <address type='pci' domain='0x0000' bus='0x00' slot='${slot}' function='${fn}'/>\n    </controller>\n`;
const rng = (slot: number, fn: number): string =>
  `    <rng model='virtio'>\n      <backend model='random'>/dev/urandom</backend>\n      <address type='pci' domain='0x0000' bus='0x00' slot='${slot}' function='${fn}'/>\n    </rng>\n`;

/** Where pcitopo's define-time model and the real libvirt put root port `index`, as bus:slot.function. */
async function portPlaces(xml: string, index: number): Promise<{ model: string | undefined; libvirt: string | undefined; report: VerifyReport }> {
  const d = design(xml);
  const a = defineDomain(d.guest, d.host)?.guest.controllers.find((c) => c.index === index)?.address;
  const report = await verify(xml);
  if (report.stage !== 'done') console.log(formatVerifyReport(report));
  const l = report.devices.find((x) => x.key === `pci-ctrl-${index}`)?.libvirt;
  const text = (x: { bus: number; slot: number; function: number } | undefined): string | undefined => (x ? `${x.bus}:${x.slot}.${x.function}` : undefined);
  return { model: text(a), libvirt: text(l), report };
}

describe('root ports libvirt places in a written slot', () => {
  it('a root port written at 00:01.1: libvirt puts the unaddressed one at 00:01.0, QEMU starts it, GEN-MF-3 says nothing', async () => {
    const xml = q35(port(1) + port(2, 1, 1));
    const r = await portPlaces(xml, 1);
    expect(r.report.ok).toBe(true);
    expect([r.libvirt, r.model]).toEqual(['0:1.0', '0:1.0']);
    expect(validate(design(xml)).filter((f) => f.ruleId === 'GEN-MF-3')).toEqual([]);
  });

  it('root port index 2 alone at 00:01.1, with libvirt\'s default devices: the port libvirt adds for index 1 takes 00:01.0, GEN-MF-3 says nothing', async () => {
    const xml = q35(port(2, 1, 1), '');
    const r = await portPlaces(xml, 1);
    // not ok: the USB controller and the memballoon take both ports (Q35-HP-1's warning), yet QEMU starts it
    expect(r.report.stage).toBe('done');
    expect(r.report.sparesTaken?.length).toBe(2);
    expect([r.libvirt, r.model]).toEqual(['0:1.0', '0:1.0']);
    expect(validate(design(xml)).filter((f) => f.ruleId === 'GEN-MF-3')).toEqual([]);
  });

  it('an rng written at 00:01.1 makes the slot non-aggregate: the unaddressed port goes to 00:02.0 and 00:01.0 stays empty (GEN-MF-3)', async () => {
    const xml = q35(port(1) + rng(1, 1));
    const r = await portPlaces(xml, 1);
    expect(r.report.stage).toBe('done');
    expect([r.libvirt, r.model]).toEqual(['0:2.0', '0:2.0']);
    expect(validate(design(xml)).filter((f) => f.ruleId === 'GEN-MF-3').map((f) => f.subjects)).toEqual([{ devices: ['rng-0'] }]);
  });

  it('a root port at 00:01.0 and an rng at 00:01.2: the port is reserved first (controllers before rngs), so the unaddressed port takes 00:01.1', async () => {
    const r = await portPlaces(q35(port(1, 1, 0) + port(2) + rng(1, 2)), 2);
    expect(r.report.ok).toBe(true);
    expect([r.libvirt, r.model]).toEqual(['0:1.1', '0:1.1']);
  });
});
