import { describe, expect, it } from 'vitest';
import { applyCommand } from '../commands/commands.ts';
import { placeWithReport } from '../placement/index.ts';
import { validate } from '../rules/validate.ts';
import { createDesign, exportDomain } from '../xml/domain.ts';
import type { Design } from './design.ts';

/**
 * A device aliased like a PCI controller's key (`<alias name='pci-1'/>`: a user may write any
 * alias, and libvirt's own controller aliases are `pci.1`) must stay a device: its key never
 * equals the controller's, or the define-time prediction counts it as the controller (designed,
 * so libvirt's placement of it unseen) and a move or a finding names the wrong thing.
 */
const xml = `<domain type='kvm'>
  <name>g</name>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <devices>
    <controller type='pci' index='0' model='pcie-root'/>
    <controller type='pci' index='1' model='pcie-root-port'>
      <target chassis='1' port='0x8'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0'/>
    </controller>
    <controller type='usb' index='0' model='none'/>
    <disk type='file' device='disk'>
      <source file='/x.img'/>
      <target dev='vda' bus='virtio'/>
      <alias name='pci-1'/>
    </disk>
    <memballoon model='none'/>
  </devices>
</domain>
`;

function designOf(text: string): Design {
  const d = createDesign(text);
  if (!d.ok) throw new Error(d.error.message);
  return d.value;
}

describe('a device aliased like a controller key', () => {
  const design = designOf(xml);
  const disk = design.guest.devices.find((d) => d.element === 'disk');
  const port = design.guest.controllers.find((c) => c.index === 1);

  it('keeps a key of its own, apart from the controller it is aliased like', () => {
    expect(port?.key).toBe('pci-1');
    expect(disk?.key).toBe('pci-1#2');
    expect(disk?.alias).toBe('pci-1');
  });

  it('is the device define-time prediction sees land on the one empty port (Q35-HP-1 names it)', () => {
    const hp = validate(design).filter((f) => f.ruleId === 'Q35-HP-1');
    expect(hp).toHaveLength(1);
    expect(hp[0]?.message).toContain('libvirt places disk vda on port 1');
  });

  it('moves as the device, leaving the controller where it is', () => {
    const moved = applyCommand(design, { kind: 'move-device', device: disk?.key ?? '', address: { domain: 0, bus: 1, slot: 0, function: 0 } });
    expect(moved.guest.devices.find((d) => d.element === 'disk')?.address).toEqual({ domain: 0, bus: 1, slot: 0, function: 0 });
    expect(moved.guest.controllers.find((c) => c.index === 1)?.address).toEqual(port?.address);
    expect(exportDomain(moved)).toContain("<alias name='pci-1'/>\n      <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>");
  });

  it('is placed like libvirt places it, on the port', () => {
    const r = placeWithReport(design, { policy: 'libvirt' });
    expect(r.design.guest.devices.find((d) => d.element === 'disk')?.address?.bus).toBe(1);
    expect(r.design.guest.controllers.find((c) => c.index === 1)?.address).toEqual(port?.address);
  });
});
