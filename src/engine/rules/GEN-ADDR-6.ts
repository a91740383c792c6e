import type { Finding, Rule, RuleMeta } from './types.ts';
import type { GuestDevice } from '../model/guest.ts';
import { addrText, finding } from './context.ts';
import { globalRule } from './define.ts';
import { deviceName } from './fixes.ts';
import { at, design, dev, hostdev, q35, virt } from './testkit.ts';

const meta: RuleMeta = {
  id: 'GEN-ADDR-6',
  severity: 'error',
  title: 'A PCI address only on a device that plugs into PCI, and no other address on one that is PCI only',
  why: 'A device that sits on another bus (an IDE, SATA, SCSI or USB disk, a USB input or NIC, a ramfb display, an ISA sound card, watchdog, serial port or panic device) cannot be given a PCI address: libvirt refuses the domain, or QEMU refuses to start it ("can\'t go on PCI bus"). And a device that is PCI only (pvpanic-pci, a virtio IOMMU, ivshmem, a PCI or vfio-pci mdev host device) takes no address of another type.',
  source:
    'libvirt src/conf/domain_validate.c virDomainDiskAddressDiskBusCompatibility via virDomainDiskDefValidate ("Invalid address type \'pci\' for the disk \'…\' with the bus type \'…\'"), virDomainVideoDefValidate ("address not supported for video type ramfb"); src/qemu/qemu_validate.c qemuValidateDomainDeviceDefDiskFrontend ("unexpected address type for usb disk"), qemuValidateDomainWatchdogDef ("ib700 model of watchdog does not support configuring the address", "itco model of watchdog is part of the machine and cannot have any address set.", "i6300esb model of watchdog can go only on PCI bus"), qemuValidateDomainChrTargetDef ("Target type \'isa-serial\' requires address type \'isa\'"), qemuValidateDomainDefPanic ("panic is supported only with ISA address type", "pvpanic is supported only with PCI address type": libvirt 9.0 knows no model pvpanic, 10.7 does), qemuValidateDomainDeviceDefIOMMU ("IOMMU device: \'virtio\' needs a PCI address"); src/qemu/qemu_command.c, building the ivshmem device ("only \'pci\' addresses are supported for the shared memory device", refused at start); src/conf/domain_postparse.c virDomainHostdevDefPostParse ("PCI host devices must use \'pci\' or \'unassigned\' address type", "Unsupported address type \'…\' with mediated device model \'vfio-pci\'"); src/conf/domain_conf.c virDomainInputDefParseXML ("Invalid address for a USB device"); QEMU qdev_device_add ("Device \'sb16\' can\'t go on PCI bus", the same for usb-net); each checked with libvirt 9.0 and QEMU 7.2',
  families: 'all',
};

/** The disk buses whose disks take a drive (ide, sata, scsi, fdc) or USB address, never a PCI one. */
const DRIVE_BUSES = new Set(['ide', 'sata', 'scsi', 'fdc']);
/** qemuValidateDomainWatchdogDef's words for an address on the watchdogs that take none: ib700 is ISA, iTCO part of q35's LPC, diag288 s390's. */
const WATCHDOG_WORDS: Readonly<Record<string, string>> = {
  ib700: 'libvirt refuses the domain ("ib700 model of watchdog does not support configuring the address")',
  itco: 'libvirt refuses the domain ("itco model of watchdog is part of the machine and cannot have any address set.")',
  diag288: 'libvirt refuses the domain ("diag288 model of watchdog is virtual and cannot go on any bus.")',
};
/** Sound models that are a device of another bus (qemuDomainDeviceCalculatePCIConnectFlags gives them no connect flags): QEMU refuses them on PCI. pcspk is no device at all. */
const NON_PCI_SOUND = new Set(['sb16', 'usb']);

/** libvirt's or QEMU's words for a PCI address on `d`, or undefined when the device may have one. */
function refusal(d: GuestDevice, family: string): string | undefined {
  switch (d.element) {
    case 'disk':
      if (d.bus === 'usb') return 'libvirt refuses the domain ("unexpected address type for usb disk")';
      if (d.bus !== undefined && DRIVE_BUSES.has(d.bus)) return `libvirt refuses the domain ("Invalid address type 'pci' for the disk '${d.targetDev ?? ''}' with the bus type '${d.bus}'")`;
      return undefined;
    case 'video':
      return d.model === 'ramfb' ? 'libvirt refuses the domain ("address not supported for video type ramfb")' : undefined;
    case 'watchdog':
      return d.model !== undefined ? WATCHDOG_WORDS[d.model] : undefined;
    case 'input':
      return d.bus === 'usb' ? 'libvirt refuses the domain ("Invalid address for a USB device")' : undefined;
    case 'serial':
      // the importer reads `<target type>` as the bus; with none written libvirt makes a serial
      // with a PCI address a pci-serial (qemuDomainChrDefPostParse), so only a written ISA one is refused
      return d.bus === 'isa-serial' ? 'libvirt refuses the domain ("Target type \'isa-serial\' requires address type \'isa\'")' : undefined;
    case 'sound':
      return d.model !== undefined && NON_PCI_SOUND.has(d.model) ? `QEMU refuses to start it ("Device '${d.model === 'usb' ? 'usb-audio' : d.model}' can't go on PCI bus")` : undefined;
    case 'interface':
      return d.type !== 'hostdev' && d.model === 'usb-net' ? 'QEMU refuses to start it ("Device \'usb-net\' can\'t go on PCI bus")' : undefined;
    case 'panic':
      // model isa (x86's default, qemuDomainDevicePanicDefPostParse) is the ISA pvpanic at 0x505
      return (d.model === undefined || d.model === 'isa') && (family === 'q35' || family === 'i440fx') ? 'libvirt refuses the domain ("panic is supported only with ISA address type")' : undefined;
    default:
      return undefined;
  }
}

/**
 * libvirt's or QEMU's words for a device that is PCI only written with an address of type `other`
 * (not 'pci'), or undefined when that address type is one it may have.
 */
function pciOnly(d: GuestDevice, other: string, family: string): string | undefined {
  switch (d.element) {
    case 'panic':
      return d.model === 'pvpanic' && family !== 'other' ? 'libvirt refuses the domain ("pvpanic is supported only with PCI address type")' : undefined;
    case 'iommu':
      return d.model === 'virtio' ? 'libvirt refuses the domain ("IOMMU device: \'virtio\' needs a PCI address")' : undefined;
    case 'watchdog':
      return d.model === 'i6300esb' ? 'libvirt refuses the domain ("i6300esb model of watchdog can go only on PCI bus")' : undefined;
    case 'shmem':
      return 'libvirt refuses to start it ("only \'pci\' addresses are supported for the shared memory device")';
    case 'hostdev':
      if (d.mode === 'capabilities') return undefined;
      if (d.type === 'pci' || d.type === undefined) return other === 'unassigned' ? undefined : 'libvirt refuses the domain ("PCI host devices must use \'pci\' or \'unassigned\' address type")';
      if (d.type === 'mdev' && (d.model === 'vfio-pci' || d.model === undefined)) return `libvirt refuses the domain ("Unsupported address type '${other}' with mediated device model 'vfio-pci'")`;
      return undefined;
    default:
      return undefined;
  }
}

export const rule: Rule = globalRule(meta, (ctx) => {
  const out: Finding[] = [];
  for (const d of ctx.design.guest.devices) {
    // the converse: a device that is PCI only, written with an address of another type
    const other = d.otherAddressType;
    const only = other !== undefined && other !== 'pci' ? pciOnly(d, other, ctx.family) : undefined;
    if (only) {
      out.push(finding(meta, `${deviceName(d)} plugs into PCI only, but it is written with an address of type '${other}': ${only}. Remove the <address> (libvirt gives it a PCI one), or write a PCI one.`, { devices: [d.key] }));
      continue;
    }
    if (!d.address) continue;
    const words = refusal(d, ctx.family);
    if (!words) continue;
    out.push(
      finding(meta, `${deviceName(d)} is written at PCI address ${addrText(d.address)}, but it does not plug into PCI: ${words}. Remove the <address>.`, { devices: [d.key] }, [
        { label: `Remove the PCI address of ${deviceName(d)}`, command: { kind: 'move-device', device: d.key, address: null } },
      ]),
    );
  }
  return out;
});

const i440fx = (devices: readonly GuestDevice[]) => design({ machine: 'pc', arch: 'x86_64', devices });

export const cases = {
  pass: [
    { name: 'a virtio disk at a PCI address', design: i440fx([dev('vda', 'disk', at(0, 6), { bus: 'virtio', targetDev: 'vda' })]) },
    { name: 'a USB disk without an address', design: i440fx([dev('sda', 'disk', undefined, { bus: 'usb', targetDev: 'sda' })]) },
    { name: 'a SATA disk without an address', design: q35([], [dev('sda', 'disk', undefined, { bus: 'sata', targetDev: 'sda' })]) },
    { name: 'a VGA display at a PCI address', design: i440fx([dev('video0', 'video', at(0, 2), { model: 'vga' })]) },
    { name: 'a ramfb display without an address', design: i440fx([dev('video0', 'video', undefined, { model: 'ramfb' })]) },
    { name: 'an i6300esb watchdog at a PCI address', design: i440fx([dev('wd', 'watchdog', at(0, 6), { model: 'i6300esb' })]) },
    { name: 'a virtio tablet at a PCI address', design: i440fx([dev('tab', 'input', at(0, 6), { bus: 'virtio' })]) },
    { name: 'a pci-serial at a PCI address', design: i440fx([dev('ser', 'serial', at(0, 6), { bus: 'pci-serial' })]) },
    { name: 'a serial without a target type at a PCI address (libvirt makes it a pci-serial)', design: i440fx([dev('ser', 'serial', at(0, 6))]) },
    { name: 'an ich9 sound card at a PCI address', design: i440fx([dev('snd', 'sound', at(0, 6), { model: 'ich9' })]) },
    { name: 'a pvpanic (pvpanic-pci) at a PCI address on q35', design: q35([], [dev('panic', 'panic', at(0, 4), { model: 'pvpanic' })]) },
    { name: 'an ISA panic without an address', design: i440fx([dev('panic', 'panic', undefined, { model: 'isa', otherAddressType: 'isa' })]) },
    { name: 'a PCI hostdev with an unassigned address', design: q35([], [hostdev('0000:06:12.5', undefined, { otherAddressType: 'unassigned' })]) },
    { name: 'a vfio-ccw mdev with a ccw address', design: design({ machine: 's390-ccw-virtio', arch: 's390x', devices: [dev('mdev', 'hostdev', undefined, { type: 'mdev', model: 'vfio-ccw', otherAddressType: 'ccw' })] }) },
    { name: 'an e1000 NIC at a PCI address', design: i440fx([dev('nic', 'interface', at(0, 6), { model: 'e1000' })]) },
  ],
  fail: [
    { name: 'a USB disk at a PCI address', design: i440fx([dev('sda', 'disk', at(0, 6), { bus: 'usb', targetDev: 'sda' })]), expect: { devices: ['sda'] } },
    { name: 'a SATA disk at a PCI address', design: q35([], [dev('sda', 'disk', at(0, 6), { bus: 'sata', targetDev: 'sda' })]), expect: { devices: ['sda'] } },
    { name: 'an IDE disk at a PCI address', design: i440fx([dev('hda', 'disk', at(0, 6), { bus: 'ide', targetDev: 'hda' })]), expect: { devices: ['hda'] } },
    { name: 'a ramfb display at a PCI address', design: i440fx([dev('video0', 'video', at(0, 2), { model: 'ramfb' })]), expect: { devices: ['video0'] } },
    { name: 'an ib700 watchdog at a PCI address', design: i440fx([dev('wd', 'watchdog', at(0, 6), { model: 'ib700' })]), expect: { devices: ['wd'] } },
    { name: 'a USB tablet at a PCI address', design: i440fx([dev('tab', 'input', at(0, 6), { bus: 'usb' })]), expect: { devices: ['tab'] } },
    { name: 'an isa-serial at a PCI address', design: i440fx([dev('ser', 'serial', at(0, 6), { bus: 'isa-serial' })]), expect: { devices: ['ser'] } },
    { name: 'an sb16 sound card at a PCI address', design: i440fx([dev('snd', 'sound', at(0, 6), { model: 'sb16' })]), expect: { devices: ['snd'] } },
    { name: 'an ISA panic (no model on x86) at a PCI address', design: i440fx([dev('panic', 'panic', at(0, 6))]), expect: { devices: ['panic'] } },
    // libvirt's test pvpanic-pci-invalid-address-aarch64
    { name: 'an iTCO watchdog at a PCI address', design: q35([], [dev('wd', 'watchdog', at(0, 6), { model: 'itco' })]), expect: { devices: ['wd'] } },
    { name: 'an i6300esb watchdog with an ISA address', design: i440fx([dev('wd', 'watchdog', undefined, { model: 'i6300esb', otherAddressType: 'isa' })]), expect: { devices: ['wd'] } },
    { name: 'a pvpanic on virt with an ISA address', design: virt([], [dev('panic', 'panic', undefined, { model: 'pvpanic', otherAddressType: 'isa' })]), expect: { devices: ['panic'] } },
    // libvirt's tests virtio-iommu-invalid-address-type, shmem-invalid-address, hostdev-mdev-invalid-target-address
    { name: 'a virtio IOMMU with a virtio-mmio address', design: q35([], [dev('iommu', 'iommu', undefined, { model: 'virtio', otherAddressType: 'virtio-mmio' })]), expect: { devices: ['iommu'] } },
    { name: 'an ivshmem with an ISA address', design: i440fx([dev('shm', 'shmem', undefined, { otherAddressType: 'isa' })]), expect: { devices: ['shm'] } },
    { name: 'a vfio-pci mdev with a drive address', design: i440fx([dev('mdev', 'hostdev', undefined, { type: 'mdev', model: 'vfio-pci', otherAddressType: 'drive' })]), expect: { devices: ['mdev'] } },
    { name: 'a PCI hostdev with a drive address', design: q35([], [hostdev('0000:06:12.5', undefined, { otherAddressType: 'drive' })]), expect: { devices: ['0000:06:12.5'] } },
    { name: 'a usb-net NIC at a PCI address', design: i440fx([dev('nic', 'interface', at(0, 6), { model: 'usb-net' })]), expect: { devices: ['nic'] } },
  ],
};
