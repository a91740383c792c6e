import { describe, expect, it } from 'vitest';
import { createDesign, exportDomain } from '../xml/domain.ts';
import { validate } from '../rules/index.ts';
import { applyCommand } from '../commands/commands.ts';
import { place } from '../placement/index.ts';
import { VIRT } from '../machines/index.ts';
import { qemuDomainPCIAddressSetCollect } from './qemuDomainAddress.ts';

// virDomainPCIAddressSetGrow() (libvirt src/conf/domain_addr.c) adds the buses an address names by
// the connect flags of the device that names it: the differential check against libvirt 9.0 found
// pcitopo giving every such bus the default model (a root port on q35/virt), so a conventional PCI
// device written at slot 0 of a missing bus passed validate while libvirt refused it
// ("Invalid PCI address 0000:02:00.0. slot must be >= 1").

const domain = (machine: string, arch: string, devices: string, controllers = ''): string => `<domain type='kvm'>
  <name>g</name>
  <os>
    <type arch='${arch}' machine='${machine}'>hvm</type>
  </os>
  <devices>
${controllers}${devices}  </devices>
</domain>
`;
const nic = (model: string, bus: number, slot: number): string =>
  `    <interface type='user'>\n      <model type='${model}'/>\n      <address type='pci' domain='0x0000' bus='${bus}' slot='${slot}' function='0x0'/>\n    </interface>\n`;
const q35 = (devices: string, controllers = ''): string => domain('q35', 'x86_64', devices, controllers);

function design(text: string) {
  const r = createDesign(text);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}
const models = (text: string): string[] => design(text).guest.controllers.map((c) => `${c.index}:${c.model}`).sort((a, b) => parseInt(a) - parseInt(b));
const errors = (text: string): string[] => validate(design(text)).filter((f) => f.severity === 'error').map((f) => f.ruleId);

describe('the buses libvirt adds for an address on a missing bus (virDomainPCIAddressSetGrow)', () => {
  it('a conventional PCI device on a PCIe-only guest: a root port that takes only a pcie-to-pci-bridge, the bridge, then pci-bridges', () => {
    expect(models(q35(nic('rtl8139', 2, 1)))).toEqual(['0:pcie-root', '1:pcie-root-port', '2:pcie-to-pci-bridge']);
    expect(models(q35(nic('rtl8139', 3, 1)))).toEqual(['0:pcie-root', '1:pcie-root-port', '2:pcie-to-pci-bridge', '3:pci-bridge']);
  });

  it('a PCIe device: root ports, as before', () => {
    expect(models(q35(nic('e1000e', 2, 0)))).toEqual(['0:pcie-root', '1:pcie-root-port', '2:pcie-root-port']);
    expect(errors(q35(nic('e1000e', 2, 0)))).toEqual([]);
  });

  it('a guest that already has a bus for a pci-bridge: pci-bridges only', () => {
    const bridge = "    <controller type='pci' index='1' model='pcie-root-port'/>\n    <controller type='pci' index='2' model='pcie-to-pci-bridge'/>\n";
    expect(models(q35(nic('rtl8139', 4, 1), bridge))).toEqual(['0:pcie-root', '1:pcie-root-port', '2:pcie-to-pci-bridge', '3:pci-bridge', '4:pci-bridge']);
  });

  it('buses up to the highest written index get the default model whatever the device (qemuDomainPCIAddressSetCreate)', () => {
    const at3 = "    <controller type='pci' index='3' model='pcie-root-port'/>\n";
    expect(models(q35(nic('rtl8139', 2, 0), at3))).toEqual(['0:pcie-root', '1:pcie-root-port', '2:pcie-root-port', '3:pcie-root-port']);
  });

  it('the first address in libvirt\'s collect order decides: disks before interfaces', () => {
    const disk = "    <disk type='file' device='disk'>\n      <target dev='vda' bus='virtio'/>\n      <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>\n    </disk>\n";
    // the interface comes first in the document, the virtio disk (PCIe) first in libvirt's order
    expect(models(q35(nic('rtl8139', 1, 0) + disk))).toEqual(['0:pcie-root', '1:pcie-root-port']);
  });

  it('slot 0 of the bridge libvirt adds is refused (GEN-ADDR-3), slot 1 is not', () => {
    expect(errors(q35(nic('rtl8139', 2, 0)))).toEqual(['GEN-ADDR-3']);
    expect(errors(q35(nic('rtl8139', 2, 1)))).toEqual([]);
  });

  it('one missing bus: libvirt bumps the device onto the bridge behind the root port it adds, and says so', () => {
    const text = domain('virt', 'aarch64', nic('rtl8139', 1, 0));
    const d = design(text);
    expect(d.guest.controllers.map((c) => `${c.index}:${c.model}`)).toEqual(['0:pcie-root', '1:pcie-root-port', '2:pcie-to-pci-bridge']);
    const dev = d.guest.devices.find((x) => x.element === 'interface');
    // the design keeps the written address; the rules and placement take libvirt's
    expect(dev?.address?.bus).toBe(1);
    expect(qemuDomainPCIAddressSetCollect(d.guest, VIRT).find((x) => x.key === dev?.key)?.address?.bus).toBe(2);
    const found = validate(d).filter((f) => f.severity === 'error');
    expect(found.map((f) => f.ruleId)).toEqual(['GEN-ADDR-3']);
    expect(found[0]?.message).toMatch(/written on bus 0x01.*slot must be >= 1 on a pcie-to-pci-bridge/);
    // shown where libvirt keeps it, written as the user wrote it
    expect(exportDomain(d)).toBe(text);
    expect(errors(domain('virt', 'aarch64', nic('rtl8139', 1, 1)))).toEqual([]);
  });

  it('place writes the moved device where libvirt puts it, beside the controllers it writes (a breaker found the written bus kept: libvirt refused the output)', () => {
    for (const [machine, arch] of [['virt', 'aarch64'], ['q35', 'x86_64']] as const) {
      const d = design(domain(machine, arch, nic('rtl8139', 1, 3)));
      const out = place(d, { policy: 'libvirt' });
      const text = exportDomain(out);
      expect(text).toMatch(/<model type='rtl8139'\/>\s*<address type='pci' domain='0x0000' bus='0x02' slot='0x03' function='0x0'\/>/);
      expect(validate(design(text)).filter((f) => f.severity === 'error')).toEqual([]);
    }
  });

  it('a spapr-vio device on a missing bus adds no PHB (its PCI address is not one)', () => {
    expect(models(domain('pseries', 'ppc64le', nic('spapr-vlan', 1, 0)))).toEqual(['0:pci-root']);
  });

  it('the fix clears the error and moving the device forgets the bus it was written on', () => {
    const d = design(domain('virt', 'aarch64', nic('rtl8139', 1, 0)));
    const f = validate(d).find((x) => x.ruleId === 'GEN-ADDR-3');
    const fix = f?.fixes?.[0];
    expect(fix).toBeDefined();
    if (!fix) return;
    const next = applyCommand(d, fix.command);
    expect(qemuDomainPCIAddressSetCollect(next.guest, VIRT).find((x) => x.element === 'interface')?.writtenBus).toBeUndefined();
    expect(validate(next).filter((x) => x.severity === 'error')).toEqual([]);
  });

  it('pseries: a PHB per missing bus, whatever the device', () => {
    expect(models(domain('pseries', 'ppc64le', nic('rtl8139', 2, 1)))).toEqual(['0:pci-root', '1:pci-root', '2:pci-root']);
  });
});
