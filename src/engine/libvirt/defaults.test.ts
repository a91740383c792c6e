import { describe, expect, it } from 'vitest';
import { machineProfile, VIRT } from '../machines/index.ts';
import { emulated, guestOf } from '../placement/testkit.ts';
import { readDomain } from '../xml/domainRead.ts';
import { virDomainDefPostParse } from './domainConf.ts';
import { endpointConnectType, takesPciAddress } from './qemuDomainAddress.ts';

/** Defaults libvirt fills in before it places devices, which decide where they go. */
const domain = (machine: string, arch: string, devices: string): string =>
  `<domain type='kvm'><name>t</name><memory>1</memory><os><type arch='${arch}' machine='${machine}'>hvm</type></os><devices>${devices}</devices></domain>`;

describe('a virtio channel needs the virtio-serial controller libvirt adds (virDomainDefMaybeAddVirtioSerialController)', () => {
  const virtioSerial = (devices: string): number => {
    const r = readDomain(domain('virt', 'aarch64', devices));
    if (!r.ok) throw new Error(r.error.message);
    return virDomainDefPostParse(r.value.guest, VIRT).devices.filter((d) => d.element === 'controller' && d.type === 'virtio-serial').length;
  };
  it('the importer reads a channel, with its target type as bus, and it takes no PCI address itself', () => {
    const r = readDomain(domain('virt', 'aarch64', "<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>"));
    if (!r.ok) throw new Error(r.error.message);
    const ch = r.value.guest.devices.find((d) => d.element === 'channel');
    expect(ch?.bus).toBe('virtio');
    expect(ch && takesPciAddress(ch, VIRT)).toBe(false);
  });
  it('a virtio channel or a virtio console adds one; a guestfwd channel or an existing controller adds none', () => {
    expect(virtioSerial("<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/></channel>")).toBe(1);
    expect(virtioSerial("<console type='pty'><target type='virtio'/></console>")).toBe(1);
    expect(virtioSerial("<channel type='unix'><target type='virtio' name='a'/></channel><console type='pty'><target type='virtio'/></console>")).toBe(1);
    expect(virtioSerial("<channel type='pipe'><source path='/tmp/g'/><target type='guestfwd' address='10.0.2.1' port='4600'/></channel>")).toBe(0);
    expect(virtioSerial("<controller type='virtio-serial' index='0'/><channel type='unix'><target type='virtio' name='a'/></channel>")).toBe(1);
  });
});

const endpointOf = (d: ReturnType<typeof emulated>, g: ReturnType<typeof guestOf>): string => endpointConnectType(d, g, machineProfile(g));

describe('default models that decide PCI or PCIe', () => {
  it('a scsi controller with no model is lsilogic (conventional PCI) on q35 and virt; virtio-scsi is PCIe', () => {
    for (const m of ['q35', 'virt'] as const) {
      const g = guestOf(m);
      expect(endpointOf(emulated({ element: 'controller', type: 'scsi' }), g)).toBe('pci-endpoint');
      expect(endpointOf(emulated({ element: 'controller', type: 'scsi', model: 'lsilogic' }), g)).toBe('pci-endpoint');
      expect(endpointOf(emulated({ element: 'controller', type: 'scsi', model: 'virtio-scsi' }), g)).toBe('pcie-endpoint');
      expect(endpointOf(emulated({ element: 'controller', type: 'scsi', model: 'virtio-non-transitional' }), g)).toBe('pcie-endpoint');
      expect(endpointOf(emulated({ element: 'controller', type: 'scsi', model: 'virtio-transitional' }), g)).toBe('pci-endpoint');
    }
  });
  it('a video with no model is virtio (PCIe) on aarch64 virt, conventional PCI on q35', () => {
    expect(endpointOf(emulated({ element: 'video' }), guestOf('virt'))).toBe('pcie-endpoint');
    expect(endpointOf(emulated({ element: 'video' }), guestOf('q35'))).toBe('pci-endpoint');
    expect(endpointOf(emulated({ element: 'video', model: 'vga' }), guestOf('virt'))).toBe('pci-endpoint');
  });
});
