import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Design, GuestDevice } from '../src/engine/index.ts';
import { createDesign, placeWithReport } from '../src/engine/index.ts';
import { endpointConnectType } from '../src/engine/libvirt/qemuDomainAddress.ts';
import { machineProfile } from '../src/engine/machines/index.ts';
import { buildContext } from '../src/engine/rules/context.ts';
import { hasIoBar } from '../src/engine/rules/ioBar.ts';
import { sharedPath } from './support/shared.ts';

/**
 * `<filesystem>` with `<driver type='virtiofs'/>` is vhost-user-fs-pci (libvirt
 * qemuBuildVirtioDevGetConfig: baseName "vhost-user-fs"), not virtio-9p-pci: QEMU registers it
 * under a non-transitional name only (hw/virtio/vhost-user-fs-pci.c), so it never has the legacy IO
 * BAR, and libvirt gives it virtioFlags whatever its model (qemuDomainDeviceCalculatePCIConnectFlags).
 * QEMU 7.2 agrees: `-device vhost-user-fs-pci,help` lists no disable-legacy (as the
 * *-non-transitional types), where virtio-9p-pci has disable-legacy=auto.
 */
const fsXml = (driver: string, model = ''): string => `<domain type='kvm'><name>t</name><memory>1</memory>
  <os><type arch='x86_64' machine='q35'>hvm</type></os><devices>
    <controller type='pci' index='0' model='pcie-root'/>
    <controller type='pci' index='1' model='pcie-root-port'><address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0'/></controller>
    <controller type='pci' index='2' model='pcie-to-pci-bridge'><address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/></controller>
    <filesystem type='mount' accessmode='passthrough'${model}>${driver}<source dir='/p'/><target dir='tag'/>
      <address type='pci' domain='0x0000' bus='0x02' slot='0x01' function='0x0'/>
    </filesystem>
  </devices></domain>`;

function designOf(text: string): Design {
  const d = createDesign(text);
  if (!d.ok) throw new Error(d.error.message);
  return d.value;
}
const fsOf = (d: Design): GuestDevice => d.guest.devices.find((x) => x.element === 'filesystem') as GuestDevice;
const ioBarBehindBridge = (d: Design): boolean => hasIoBar(buildContext(d), fsOf(d), d.guest.controllers.find((c) => c.index === 2));

describe('virtiofs is vhost-user-fs-pci', () => {
  it('is read with its driver type', () => {
    expect(fsOf(designOf(fsXml("<driver type='virtiofs'/>"))).driverType).toBe('virtiofs');
    expect(fsOf(designOf(fsXml(''))).driverType).toBeUndefined();
  });

  it('has no IO BAR behind a pcie-to-pci-bridge, where a 9p share (default, path or handle driver) has one', () => {
    expect(ioBarBehindBridge(designOf(fsXml("<driver type='virtiofs'/>")))).toBe(false);
    expect(ioBarBehindBridge(designOf(fsXml("<driver type='virtiofs'/>", " model='virtio-transitional'")))).toBe(false);
    expect(ioBarBehindBridge(designOf(fsXml('')))).toBe(true);
    expect(ioBarBehindBridge(designOf(fsXml("<driver type='path'/>")))).toBe(true);
    expect(ioBarBehindBridge(designOf(fsXml("<driver type='handle'/>")))).toBe(true);
  });

  it('is a PCIe endpoint whatever its model; 9p with the transitional model is conventional PCI', () => {
    const endpoint = (text: string): string => {
      const d = designOf(text);
      return endpointConnectType(fsOf(d), d.guest, machineProfile(d.guest));
    };
    expect(endpoint(fsXml("<driver type='virtiofs'/>", " model='virtio-transitional'"))).toBe('pcie-endpoint');
    expect(endpoint(fsXml("<driver type='virtiofs'/>"))).toBe('pcie-endpoint');
    expect(endpoint(fsXml('', " model='virtio-transitional'"))).toBe('pci-endpoint');
    expect(endpoint(fsXml(''))).toBe('pcie-endpoint');
  });
});

const dir = sharedPath('the libvirt corpus (vhost-user-fs-hugepages)', 'corpus', 'libvirt-upstream');
if (dir) {
  describe("libvirt's vhost-user-fs-hugepages", () => {
    const read = (name: string): Design => designOf(fs.readFileSync(path.join(dir, name), 'utf8'));
    it('reads both shares as virtiofs and places the unaddressed one on the free root port, as libvirt 10.7 does', () => {
      const input = read('qemuxmlconfdata__vhost-user-fs-hugepages.xml');
      const expected = read('qemuxmlconfdata__vhost-user-fs-hugepages.x86_64-latest.xml');
      expect(input.guest.devices.filter((d) => d.element === 'filesystem').map((d) => d.driverType)).toEqual(['virtiofs', 'virtiofs']);
      const placed = placeWithReport(input, { policy: 'libvirt' }).design;
      const addresses = (d: Design): unknown[] => d.guest.devices.filter((x) => x.element === 'filesystem').map((x) => x.address);
      expect(addresses(placed)).toEqual(addresses(expected));
      const ctx = buildContext(expected);
      for (const d of expected.guest.devices.filter((x) => x.element === 'filesystem')) expect(hasIoBar(ctx, d, expected.guest.controllers.find((c) => c.index === d.address?.bus))).toBe(false);
    });
  });
}
