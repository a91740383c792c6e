import { describe, expect, it } from 'vitest';
import { applyCommand } from '../commands/commands.ts';
import { validate } from '../rules/validate.ts';
import { createDesign, exportDomain } from './domain.ts';

// A value libvirt cannot read must never silently become "not written" (libvirt would then fill
// it in itself, and pcitopo would call a design clean that libvirt refuses).
const doc = (controller: string, address: string): string => `<domain type='kvm'>
  <name>u</name>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
  </os>
  <devices>
    <controller type='pci' index='0' model='pcie-root'/>
${controller}
    <interface type='network'>
      <source network='default'/>
      <model type='e1000e'/>
      ${address}
    </interface>
  </devices>
</domain>
`;
const rootPort = (attrs: string) => `    <controller type='pci' ${attrs} model='pcie-root-port'>
      <target chassis='1' port='0x8'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0'/>
    </controller>`;
const goodAddress = "<address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>";

function design(text: string) {
  const r = createDesign(text, undefined, 'u.xml');
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}
const errors = (text: string) => validate(design(text)).filter((f) => f.severity === 'error').map((f) => f.ruleId);

describe('unreadable values', () => {
  it('a well-formed design is clean', () => {
    expect(errors(doc(rootPort("index='1'"), goodAddress))).toEqual([]);
  });

  it("a negative controller index is read as such and refused (GEN-IDX-1), not renumbered", () => {
    const d = design(doc(rootPort("index='-1'"), goodAddress));
    expect(d.guest.controllers.find((c) => c.key === 'pci-1')?.index).toBe(-1);
    expect(errors(doc(rootPort("index='-1'"), goodAddress))).toContain('GEN-IDX-1');
  });

  it("an index that is not a number is noted and refused (GEN-IDX-1)", () => {
    const d = design(doc(rootPort("index='one'"), goodAddress));
    expect(d.guest.controllers.find((c) => c.key === 'pci-1')?.index).toBeUndefined();
    expect(d.guest.controllers.find((c) => c.key === 'pci-1')?.unreadable).toEqual(["index='one'"]);
    expect(errors(doc(rootPort("index='one'"), goodAddress))).toContain('GEN-IDX-1');
  });

  it('a target attribute that is not a number is refused (GEN-TGT-1)', () => {
    const text = doc(rootPort("index='1'"), goodAddress).replace("chassis='1'", "chassis='x'");
    expect(errors(text)).toContain('GEN-TGT-1');
  });

  it('an unreadable device address is refused (GEN-ADDR-3), and its fix drops just that line', () => {
    const text = doc(rootPort("index='1'"), "<address type='pci' domain='0x0000' bus='0x01' slot='0xzz' function='0x0'/>");
    const d = design(text);
    expect(d.guest.devices[0]?.unreadable).toEqual(["slot='0xzz'"]);
    const finding = validate(d).find((f) => f.ruleId === 'GEN-ADDR-3');
    expect(finding?.severity).toBe('error');
    expect(finding?.message).toContain("slot='0xzz'");
    const fixed = applyCommand(d, finding?.fixes?.[0]?.command ?? { kind: 'batch', label: 'none', commands: [] });
    const out = exportDomain(fixed);
    expect(out).toBe(text.replace("\n      <address type='pci' domain='0x0000' bus='0x01' slot='0xzz' function='0x0'/>", ''));
    expect(errors(out)).toEqual([]);
  });

  it('moving a device with an unreadable address rewrites that address in place', () => {
    const text = doc(rootPort("index='1'"), "<address type='pci' domain='0x0000' bus='0x01' slot='0xzz' function='0x0'/>");
    const moved = applyCommand(design(text), { kind: 'move-device', device: 'interface-0', address: { domain: 0, bus: 1, slot: 0, function: 0 } });
    expect(exportDomain(moved)).toBe(doc(rootPort("index='1'"), goodAddress));
  });
});

describe('placement leaves unreadable values as written', () => {
  it("index='-1' and index='one' are not renumbered by place", async () => {
    const { place } = await import('../placement/index.ts');
    for (const attrs of ["index='-1'", "index='one'"]) {
      const text = doc(rootPort(attrs), '');
      const out = exportDomain(place(design(text), { policy: 'libvirt' }));
      expect(out).toContain(`<controller type='pci' ${attrs} model='pcie-root-port'>`);
    }
  });
});

// Each refused by libvirt 9.0's `virsh define` at parse (the message in the comment), so each must
// be an error here, never read as "not written"; the last ones libvirt takes.
describe('controller values libvirt refuses at parse', () => {
  const port = (attrs: string, inner = '') => `    <controller type='pci' index='1' model='pcie-root-port'${attrs}>${inner}
      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0'/>
    </controller>`;
  const refused: Array<[string, string, string]> = [
    // "Unknown model type ''"
    ["a PCI controller with model=''", "    <controller type='pci' index='1' model=''/>", 'GEN-MODEL-3'],
    // "Invalid value for attribute 'ports' in element 'controller': 'x'. Expected integer value"
    ["a PCI controller with ports='x'", port(" ports='x'"), 'GEN-IDX-1'],
    ["virtio-serial ports='x'", "    <controller type='virtio-serial' index='0' ports='x'/>", 'GEN-IDX-1'],
    // "… '0x10'. Expected integer value": base 10, unlike addresses
    ["virtio-serial ports='0x10'", "    <controller type='virtio-serial' index='0' ports='0x10'/>", 'GEN-IDX-1'],
    // "… '-1'. Expected non-negative value"
    ["usb ports='-1'", "    <controller type='usb' index='0' model='qemu-xhci' ports='-1'/>", 'GEN-IDX-1'],
    ["virtio-serial vectors='x'", "    <controller type='virtio-serial' index='0' vectors='x'/>", 'GEN-IDX-1'],
    // "Invalid value for attribute 'hotplug' in element 'target': 'default'."
    ["<target hotplug='default'>", port('', "<target chassis='1' port='0x8' hotplug='default'/>"), 'GEN-TGT-1'],
    ["<target hotplug=''>", port('', "<target chassis='1' port='0x8' hotplug=''/>"), 'GEN-TGT-1'],
    // "Invalid value for attribute 'multifunction' in element 'address': 'x'."
    ["a controller address with multifunction='x'", "    <controller type='pci' index='1' model='pcie-root-port'><target chassis='1' port='0x8'/><address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0' multifunction='x'/></controller>", 'GEN-ADDR-3'],
  ];
  it.each(refused)('%s is an error (%s)', (_name, controller, rule) => {
    expect(errors(doc(controller, goodAddress))).toContain(rule);
  });

  // before, uhci1 took index 1 in the define simulation and GEN-MF-3 said ehci1 lacked its companion
  it("an ICH9 companion with index='x' is the parse error alone: no finding from an index libvirt never gives it", () => {
    expect(errors(doc("    <controller type='usb' index='x' model='ich9-uhci1'/>\n    <controller type='usb' index='0' model='ich9-ehci1'/>", ''))).toEqual(['GEN-IDX-1']);
  });

  // libvirt 9.0: "Invalid value for attribute 'controller' in element 'address': 'x'. Expected
  // non-negative integer value", and the same for a virtio-serial port and a hostdev's source bus
  it.each([
    ['a drive address controller', "    <disk type='file' device='disk'><source file='/x.img'/><target dev='sda' bus='sata'/><address type='drive' controller='x' bus='0' target='0' unit='0'/></disk>", "address controller='x'", 'GEN-ADDR-3'],
    ['a virtio-serial port', "    <controller type='virtio-serial' index='0'/>\n    <channel type='pty'><target type='virtio' name='a'/><address type='virtio-serial' controller='0' bus='0' port='x'/></channel>", "address port='x'", 'GEN-ADDR-3'],
    ["a hostdev's host address", "    <hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0' bus='x' slot='0' function='0'/></source></hostdev>", "source address bus='x'", 'HD-SRC-1'],
  ])("%s that libvirt cannot read is noted and refused", (_name, devices, written, rule) => {
    const text = doc(devices, goodAddress).replace("    <controller type='pci' index='0' model='pcie-root'/>\n", "    <controller type='pci' index='0' model='pcie-root'/>\n" + rootPort("index='1'") + '\n');
    expect(design(text).guest.devices.flatMap((d) => d.unreadableAttributes ?? [])).toEqual([written]);
    expect(errors(text)).toEqual([rule]);
    // HD-SRC-1 said libvirt's words for a hostdev with no <source> ("Missing <source> element")
    expect(validate(design(text)).find((f) => f.ruleId === rule)?.message).toContain(`${written.replace(/^(source )?address /, '')}`);
  });

  it("a device address with multifunction='' is unreadable, not an address without multifunction", () => {
    const text = doc(rootPort("index='1'"), "<address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0' multifunction=''/>");
    expect(design(text).guest.devices[0]?.unreadable).toEqual(["multifunction=''"]);
    expect(validate(design(text)).find((f) => f.ruleId === 'GEN-ADDR-3')?.message).toContain("multifunction='', which libvirt cannot read (multifunction is on or off)");
  });

  const taken: Array<[string, string]> = [
    // libvirt 9.0 defines these
    ["virtio-serial ports='4'", "    <controller type='virtio-serial' index='0' ports='4'/>"],
    ["virtio-serial ports=' 4' (leading blanks: strtol skips them)", "    <controller type='virtio-serial' index='0' ports=' 4'/>"],
    // vectors is read on virtio-serial only
    ["scsi vectors='x'", "    <controller type='scsi' index='0' model='virtio-scsi' vectors='x'/>"],
  ];
  it.each(taken)('%s reads as written', (_name, controller) => {
    expect(errors(doc(`${rootPort("index='1'")}\n${controller}`, goodAddress))).toEqual([]);
  });
});
