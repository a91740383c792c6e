/**
 * An expander bus whose written busNr leaves too few bus numbers below it, against the real libvirt
 * and QEMU (scripts/test-real.mjs): libvirt 9.0 defines it and QEMU 7.2 starts it, so GEN-TGT-1's
 * error is the guest's: booted (SeaBIOS, QEMU 7.2 TCG, query-pci), the firmware gives the second root
 * port of pcie-root the secondary bus 2 that is the pxb-pcie's own number, and the device behind that
 * port is gone; with busNr 4 both are seen. The check here pins what libvirt and QEMU do at define
 * and start (neither refuses), and that pcitopo's only error is GEN-TGT-1's room finding.
 */
import { describe, expect, it } from 'vitest';
import { validate } from '../../src/engine/index.ts';
import { formatVerifyReport } from '../../src/cli/verify/index.ts';
import { design, guestXml, verify } from './helpers.ts';

const port = (i: number, bus: number, slot: number): string =>
  `    <controller type='pci' index='${i}' model='pcie-root-port'><target chassis='${i}' port='${i}'/><address type='pci' domain='0' bus='${bus}' slot='${slot}' function='0'/></controller>\n` +
  `    <rng model='virtio'><backend model='random'>/dev/urandom</backend><address type='pci' domain='0' bus='${i}' slot='0' function='0'/></rng>\n`;

const domain = (busNr: number): string =>
  guestXml({
    name: 'expander-busnr-room',
    machine: 'q35',
    devices: `    <controller type='pci' index='0' model='pcie-root'/>
${port(1, 0, 2)}${port(2, 0, 3)}${port(3, 0, 4)}    <controller type='pci' index='4' model='pcie-expander-bus'><target busNr='${busNr}'/><address type='pci' domain='0' bus='0' slot='5' function='0'/></controller>
${port(5, 4, 0)}    <controller type='usb' model='none'/>
    <memballoon model='none'/>
`,
  });

describe('an expander busNr below the bus numbers of the root ports before it', () => {
  it('busNr 2 after three root ports: libvirt defines it, QEMU starts it, GEN-TGT-1 says the guest loses a device; busNr 4 is clean', async () => {
    const errors = (xml: string) => validate(design(xml), undefined, { libvirtVersion: '9.0' }).filter((f) => f.severity === 'error');
    const low = domain(2);
    expect(errors(low).map((f) => [f.ruleId, f.subjects])).toEqual([['GEN-TGT-1', { controllers: [0, 4] }]]);
    const started = await verify(low);
    if (started.error) console.log(formatVerifyReport(started));
    expect(started.error).toBeUndefined();
    expect(started.ok).toBe(true);
    expect(errors(domain(4))).toEqual([]);
  });
});
