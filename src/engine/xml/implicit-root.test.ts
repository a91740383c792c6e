import { describe, expect, it } from 'vitest';
import { applyCommand, CommandError } from '../commands/commands.ts';
import { createDesign, exportDomain, importDomain } from './domain.ts';

// libvirt adds the machine's root bus when the XML has none (qemuDomainDefAddDefaultDevices); the
// design shows it so the tree has a root, and export never writes it unless it is edited.
const text = `<domain type='kvm'>
  <name>r</name>
  <os>
    <type arch='ppc64le' machine='pseries'>hvm</type>
  </os>
  <devices>
    <hostdev mode='subsystem' type='pci' managed='yes'>
      <source>
        <address domain='0x0001' bus='0x01' slot='0x00' function='0x0'/>
      </source>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0'/>
    </hostdev>
  </devices>
</domain>
`;

function design(t = text) {
  const r = createDesign(t);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

describe("libvirt's implicit root", () => {
  it('is in the design (pseries: PHB 0, target 0) but not in the imported document', () => {
    const imported = importDomain(text);
    expect(imported.ok && imported.value.guest.controllers).toEqual([]);
    expect(design().guest.controllers).toEqual([expect.objectContaining({ index: 0, model: 'pci-root', modelName: 'spapr-pci-host-bridge', target: { index: 0 }, implicit: true })]);
  });

  it('is pcie-root on q35, and absent when the XML writes a root or an index-less controller', () => {
    const q35 = text.replace("arch='ppc64le' machine='pseries'", "arch='x86_64' machine='q35'");
    expect(design(q35).guest.controllers.map((c) => c.model)).toEqual(['pcie-root']);
    const written = text.replace('  <devices>\n', "  <devices>\n    <controller type='pci' index='0' model='pci-root'/>\n");
    expect(design(written).guest.controllers.map((c) => c.implicit === true)).toEqual([false]);
    const indexless = text.replace('  <devices>\n', "  <devices>\n    <controller type='pci' model='pci-root'/>\n");
    expect(design(indexless).guest.controllers.map((c) => c.index)).toEqual([undefined]);
  });

  it('is never written by an export whose edits leave it alone', () => {
    const moved = applyCommand(design(), { kind: 'move-device', device: '0001:01:00.0', address: { domain: 0, bus: 0, slot: 2, function: 0 } });
    expect(exportDomain(moved)).toBe(text.replace("slot='0x01' function='0x0'/>\n    </hostdev>", "slot='0x02' function='0x0'/>\n    </hostdev>"));
  });

  it('is written, as libvirt writes it, once the design edits it; and cannot be removed', () => {
    const d = design();
    const root = d.guest.controllers[0]!;
    expect(() => applyCommand(d, { kind: 'remove-controller', controller: root.key })).toThrow(CommandError);
    const edited = applyCommand(d, { kind: 'update-controller', controller: root.key, changes: { target: { index: 0, hotplug: 'off' } } });
    expect(exportDomain(edited)).toContain("<controller type='pci' index='0' model='pci-root'>\n      <model name='spapr-pci-host-bridge'/>\n      <target index='0' hotplug='off'/>\n    </controller>");
  });

  it("adds the vPHB libvirt adds for a bus an address names (GEN-IDX-5), with the next target index", () => {
    const onBus2 = text.replace("bus='0x00' slot='0x01'", "bus='0x02' slot='0x01'");
    const controllers = design(onBus2).guest.controllers;
    expect(controllers.map((c) => [c.index, c.model, c.target.index, c.implicit])).toEqual([
      [0, 'pci-root', 0, true],
      [1, 'pci-root', 1, true],
      [2, 'pci-root', 2, true],
    ]);
    expect(exportDomain(applyCommand(design(onBus2), { kind: 'move-device', device: '0001:01:00.0', address: { domain: 0, bus: 2, slot: 3, function: 0 } }))).toBe(onBus2.replace("slot='0x01' function='0x0'/>\n    </hostdev>", "slot='0x03' function='0x0'/>\n    </hostdev>"));
  });
});
