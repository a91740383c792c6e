/**
 * Who may hold a PCI address, against the real libvirt and QEMU (scripts/test-real.mjs), kinds
 * found running libvirt's own tests beyond ../shared/corpus (disk-usb-pci,
 * video-ramfb-display-device-pci-address, isapc-pci, microvm-pci, pci-serial-dev-chardev):
 * - a device that plugs into no PCI bus, written with a PCI address, is refused by libvirt at define
 *   or by QEMU at start, and GEN-ADDR-6 says so; so is a device that is PCI only written with another
 *   address type (virtio-iommu-invalid-address-type, shmem-invalid-address, hostdev-mdev-invalid-target-address);
 * - a PCI controller written for isapc or microvm leaves what libvirt puts on it with no bus in QEMU
 *   ("Bus 'pci.0' not found"), and a device that needs a PCI slot written for one has no bus at all
 *   ("No PCI buses available", usb-controller-default-isapc): GEN-CONNECT-1 says so;
 * - the first serial console written at its pci-serial's address is that serial, not a second
 *   device in the slot: the guest starts, and pcitopo has no error.
 */
import { describe, expect, it } from 'vitest';
import { validate } from '../../src/engine/index.ts';
import { formatVerifyReport } from '../../src/cli/verify/index.ts';
import { design, guestXml, verify } from './helpers.ts';

const AT6 = `<address type='pci' domain='0x0000' bus='0x00' slot='0x06' function='0x0'/>`;
const errorRules = (xml: string): string[] => [...new Set(validate(design(xml)).filter((f) => f.severity === 'error').map((f) => f.ruleId))];
const pc = (devices: string, machine = 'pc'): string => guestXml({ name: 'pci-address-kinds', machine, devices: `${devices}    <memballoon model='none'/>\n` });

describe('a PCI address on a device that plugs into no PCI bus', () => {
  it.each([
    ['a USB disk', `<disk type='file' device='disk'><source file='/dev/null'/><target dev='sda' bus='usb'/>${AT6}</disk>`, 'unexpected address type for usb disk'],
    ['a SATA disk', `<disk type='file' device='disk'><source file='/dev/null'/><target dev='sda' bus='sata'/>${AT6}</disk>`, "Invalid address type 'pci' for the disk 'sda' with the bus type 'sata'"],
    ['a ramfb display', `<video><model type='ramfb'/>${AT6}</video>`, 'address not supported for video type ramfb'],
    ['an ib700 watchdog', `<watchdog model='ib700'>${AT6}</watchdog>`, 'ib700 model of watchdog does not support configuring the address'],
    ['a USB tablet', `<input type='tablet' bus='usb'>${AT6}</input>`, 'Invalid address for a USB device'],
    ['an isa-serial', `<serial type='pty'><target type='isa-serial'/>${AT6}</serial>`, "Target type 'isa-serial' requires address type 'isa'"],
    ['an sb16 sound card', `<sound model='sb16'>${AT6}</sound>`, "Device 'sb16' can't go on PCI bus"],
    ['a usb-net NIC', `<interface type='user'><model type='usb-net'/>${AT6}</interface>`, "Device 'usb-net' can't go on PCI bus"],
    ['an ISA panic (x86 default model)', `<panic>${AT6}</panic>`, 'panic is supported only with ISA address type'],
    ['a usb-audio sound card', `<sound model='usb'>${AT6}</sound>`, "Device 'usb-audio' can't go on PCI bus"],
  ])('%s: refused, and GEN-ADDR-6 says so', async (_name, device, words) => {
    const xml = pc(`    ${device}\n`);
    expect(errorRules(xml)).toEqual(['GEN-ADDR-6']);
    const r = await verify(xml);
    if (!r.error?.includes(words)) console.log(formatVerifyReport(r));
    expect(r.ok).toBe(false);
    expect(r.error).toContain(words);
  });
});

describe('another address type on a device that is PCI only', () => {
  it.each([
    ['a virtio IOMMU with a virtio-mmio address (q35)', 'q35', `<iommu model='virtio'><address type='virtio-mmio'/></iommu>`, "IOMMU device: 'virtio' needs a PCI address"],
    ['an ivshmem with an ISA address', 'pc', `<shmem name='shmem0'><model type='ivshmem-plain'/><size unit='M'>4</size><address type='isa'/></shmem>`, "only 'pci' addresses are supported for the shared memory device"],
    ['a PCI hostdev with a drive address', 'q35', `<hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0x0000' bus='0x06' slot='0x12' function='0x5'/></source><address type='drive' controller='0' bus='0' target='0' unit='1'/></hostdev>`, "PCI host devices must use 'pci' or 'unassigned' address type"],
    ['an i6300esb watchdog with an ISA address', 'pc', `<watchdog model='i6300esb'><address type='isa' iobase='0x505'/></watchdog>`, 'i6300esb model of watchdog can go only on PCI bus'],
    ['a vfio-pci mdev with a drive address', 'pc', `<hostdev mode='subsystem' type='mdev' model='vfio-pci'><source><address uuid='53764d0e-85a0-42b4-af5c-2046b460b1dc'/></source><address type='drive' controller='0' bus='0' target='0' unit='1'/></hostdev>`, "Unsupported address type 'drive' with mediated device model 'vfio-pci'"],
  ])('%s: refused, and GEN-ADDR-6 says so', async (_name, machine, device, words) => {
    // a virtio IOMMU needs ACPI before libvirt looks at its address
    const xml = pc(`    ${device}\n`, machine).replace('</os>', '</os>\n  <features><acpi/></features>');
    expect(errorRules(xml)).toContain('GEN-ADDR-6');
    const r = await verify(xml);
    if (!r.error?.includes(words)) console.log(formatVerifyReport(r));
    expect(r.ok).toBe(false);
    expect(r.error).toContain(words);
  });
});

describe('a PCI controller on a machine without PCI', () => {
  it.each(['isapc', 'microvm'])("%s with a pci-root: QEMU finds no bus 'pci.0' for what libvirt puts on it, and GEN-CONNECT-1 says so", async (machine) => {
    // libvirt adds the memballoon (isapc) or a USB controller (microvm) on the pci-root it was given
    const xml = guestXml({ name: 'pci-address-kinds', machine, devices: `    <controller type='pci' index='0' model='pci-root'/>\n` });
    expect(errorRules(xml)).toEqual(['GEN-CONNECT-1']);
    const r = await verify(xml);
    if (!r.error?.includes("Bus 'pci.0' not found")) console.log(formatVerifyReport(r));
    expect(r.ok).toBe(false);
    expect(r.error).toContain("Bus 'pci.0' not found");
  });
});

describe('a device that needs a PCI slot on a machine without PCI', () => {
  it.each([
    ['isapc', `<controller type='usb' index='0'/>`],
    ['microvm', `<interface type='user'><model type='e1000'/></interface>`],
  ])('%s with %s: libvirt finds no PCI bus, and GEN-CONNECT-1 says so', async (machine, device) => {
    const xml = pc(`    ${device}\n`, machine);
    expect(errorRules(xml)).toEqual(['GEN-CONNECT-1']);
    const r = await verify(xml);
    if (!r.error?.includes('No PCI buses available')) console.log(formatVerifyReport(r));
    expect(r.ok).toBe(false);
    expect(r.error).toContain('No PCI buses available');
  });
});

describe('the first serial console is its serial port', () => {
  it('a pci-serial and the console written at its address: the guest starts, and pcitopo has no error', async () => {
    const xml = pc(`    <serial type='pty'><target type='pci-serial'/>${AT6}</serial>
    <console type='pty'><target type='serial'/>${AT6}</console>
`);
    expect(errorRules(xml)).toEqual([]);
    const r = await verify(xml);
    if (r.error) console.log(formatVerifyReport(r));
    expect(r.error).toBeUndefined();
  });
});
