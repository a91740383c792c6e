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

// Numbers libvirt reads with virXMLPropUInt() in base 10 (virStrToLong_uip: blanks and a `+` may
// lead, nothing may follow, no `-` at all, at most UINT_MAX). Each value below was put through
// libvirt 9.0's `virsh define` (test driver); the comment gives its words for the refused ones.
describe('numbers libvirt reads in base 10: NUMA cell ids and the numbers of a non-PCI <address>', () => {
  const numa = (cells: string, numatune = '') => `<domain type='kvm'>
  <name>n</name>${numatune}
  <cpu><numa>${cells}</numa></cpu>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
  </os>
  <devices>
    <controller type='pci' index='0' model='pcie-root'/>
  </devices>
</domain>
`;
  const cell = (id: string, cpus: string) => `<cell${id === '' ? '' : ` id='${id}'`} cpus='${cpus}' memory='262144' unit='KiB'/>`;
  const twoCells = (id1: string) => numa(cell('0', '0') + cell(id1, '1'));

  // "Invalid value for attribute 'id' in element 'cell': '0x1'. Expected non-negative integer value"
  it.each(['0x1', 'x', '-0', '1 ', '', '4294967296'])("<cell id='%s'> is noted in Guest.unreadable, still counts as a cell, and is refused (GEN-IDX-1)", (id) => {
    // cell('') writes no id at all: an empty one is written by hand
    const d = design(id === '' ? numa(cell('0', '0') + "<cell id='' cpus='1' memory='262144' unit='KiB'/>") : twoCells(id));
    expect(d.guest.unreadable).toEqual([`cell id='${id}'`]);
    expect(d.guest.numaCells.map((c) => c.id)).toEqual([0, undefined]);
    const f = validate(d).find((x) => x.ruleId === 'GEN-IDX-1');
    expect(f?.severity).toBe('error');
    expect(f?.message).toContain(`"Invalid value for attribute 'id' in element 'cell': '${id}'. Expected non-negative integer value"`);
  });

  it.each([['1', 1], ['01', 1], ['+1', 1], [' 1', 1]])("<cell id='%s'> reads as %d, as libvirt 9.0 reads it", (id, n) => {
    const d = design(twoCells(id));
    expect(d.guest.unreadable).toBeUndefined();
    expect(d.guest.numaCells.map((c) => c.id)).toEqual([0, n]);
    expect(validate(d).filter((f) => f.ruleId === 'GEN-IDX-1')).toEqual([]);
  });

  // "Invalid value for attribute 'cellid' in element 'memnode': 'x'. Expected non-negative integer value"
  it.each(['x', '0x1', '-1', ''])("<memnode cellid='%s'> is noted and refused (GEN-IDX-1); it maps no cell", (cellid) => {
    const d = design(numa(cell('0', '0') + cell('1', '1'), `\n  <numatune><memnode cellid='${cellid}' mode='strict' nodeset='0'/></numatune>`));
    expect(d.guest.unreadable).toEqual([`memnode cellid='${cellid}'`]);
    expect(d.guest.numaMemnodes).toEqual([]);
    expect(validate(d).find((x) => x.ruleId === 'GEN-IDX-1')?.message).toContain(`'cellid' in element 'memnode': '${cellid}'`);
  });

  it("<memnode cellid='+1'> is cell 1", () => {
    const d = design(numa(cell('0', '0') + cell('1', '1'), "\n  <numatune><memnode cellid='+1' mode='strict' nodeset='0'/></numatune>"));
    expect(d.guest.unreadable).toBeUndefined();
    expect(d.guest.numaMemnodes).toEqual([{ cellid: 1, nodeset: '0', mode: 'strict' }]);
  });

  // libvirt 9.0's virsh define refuses each (virDomainNumatuneNodeParseXML)
  it.each([
    ['without nodeset', "<memnode cellid='0' mode='strict'/>", 'Missing required nodeset attribute in memnode element'],
    ['two for cell 1', "<memnode cellid='1' nodeset='0'/><memnode cellid='1' nodeset='1'/>", 'Multiple memnode elements with cellid 1'],
    ["mode='x'", "<memnode cellid='0' mode='x' nodeset='0'/>", "Invalid value for attribute 'mode' in element 'memnode': 'x'."],
    ["nodeset='0-'", "<memnode cellid='0' nodeset='0-'/>", "Failed to parse bitmap '0-'"],
  ])('a <memnode> %s is read as written and refused (GEN-IDX-1)', (_name, memnodes, words) => {
    const d = design(numa(cell('0', '0') + cell('1', '1'), `\n  <numatune>${memnodes}</numatune>`));
    expect(d.guest.memnodesWritten?.length).toBe(memnodes.split('<memnode').length - 1);
    expect(validate(d).find((x) => x.ruleId === 'GEN-IDX-1')?.message).toContain(`("${words}")`);
  });

  it('memnodes libvirt reads give no finding, and a domain without any has none written', () => {
    const d = design(numa(cell('0', '0') + cell('1', '1'), "\n  <numatune><memnode cellid='0' nodeset=' 0 '/><memnode cellid='1' mode='restrictive' nodeset='0-3,^2'/></numatune>"));
    expect(d.guest.memnodesWritten).toEqual([{ cellid: 0, mode: undefined, nodeset: ' 0 ' }, { cellid: 1, mode: 'restrictive', nodeset: '0-3,^2' }]);
    expect(validate(d).filter((x) => x.ruleId === 'GEN-IDX-1')).toEqual([]);
    expect(design(numa(cell('0', '0'), '')).guest.memnodesWritten).toBeUndefined();
  });

  const withDevice = (devices: string) => doc(`${rootPort("index='1'")}\n${devices}`, goodAddress);
  const disk = (address: string) => `    <controller type='scsi' index='0' model='virtio-scsi'/>\n    <controller type='scsi' index='1' model='virtio-scsi'/>\n    <disk type='file' device='disk'><source file='/x.img'/><target dev='sda' bus='scsi'/><address type='drive' ${address}/></disk>`;
  // "Invalid value for attribute 'controller' in element 'address': '0x1'. Expected non-negative integer value", and so on
  it.each([
    ['a drive controller in hex', disk("controller='0x1' bus='0' target='0' unit='0'"), "address controller='0x1'"],
    ["a drive bus='x'", disk("controller='0' bus='x' target='0' unit='0'"), "address bus='x'"],
    ["a drive target='-1'", disk("controller='0' bus='0' target='-1' unit='0'"), "address target='-1'"],
    ["a drive unit='0x1'", disk("controller='0' bus='0' target='0' unit='0x1'"), "address unit='0x1'"],
    ["a drive controller='0 ' (nothing may follow)", disk("controller='0 ' bus='0' target='0' unit='0'"), "address controller='0 '"],
    ["a virtio-serial controller='0x0'", "    <controller type='virtio-serial' index='0'/>\n    <channel type='pty'><target type='virtio' name='a'/><address type='virtio-serial' controller='0x0' bus='0' port='1'/></channel>", "address controller='0x0'"],
    ["a virtio-serial bus='x'", "    <controller type='virtio-serial' index='0'/>\n    <channel type='pty'><target type='virtio' name='a'/><address type='virtio-serial' controller='0' bus='x' port='1'/></channel>", "address bus='x'"],
    ["a ccid slot='x'", "    <controller type='usb' index='0' model='qemu-xhci'/>\n    <controller type='ccid' index='0'/>\n    <smartcard mode='passthrough' type='spicevmc'><address type='ccid' controller='0' slot='x'/></smartcard>", "address slot='x'"],
    ["a usb bus='0x0'", "    <controller type='usb' index='0' model='qemu-xhci'/>\n    <input type='tablet' bus='usb'><address type='usb' bus='0x0' port='1'/></input>", "address bus='0x0'"],
  ])('%s is noted and refused (GEN-ADDR-3)', (_name, devices, written) => {
    const d = design(withDevice(devices));
    expect(d.guest.devices.flatMap((x) => x.unreadableAttributes ?? [])).toEqual([written]);
    expect(errors(withDevice(devices))).toEqual(['GEN-ADDR-3']);
    expect(validate(d).find((f) => f.ruleId === 'GEN-ADDR-3')?.message).toContain(written.slice('address '.length));
  });

  it.each([
    ["a drive address with ' 1', '+0' and '00'", disk("controller=' 1' bus='+0' target='00' unit='0'"), 'disk', 1],
    ['a virtio-serial address with +0 and 01', "    <controller type='virtio-serial' index='0'/>\n    <channel type='pty'><target type='virtio' name='a'/><address type='virtio-serial' controller='+0' bus=' 0' port='01'/></channel>", 'channel', 0],
  ])('%s reads as libvirt 9.0 reads it', (_name, devices, element, controller) => {
    const d = design(withDevice(devices));
    const dev = d.guest.devices.find((x) => x.element === element);
    expect(dev?.unreadableAttributes).toBeUndefined();
    expect(dev?.addressController).toBe(controller);
    if (element === 'channel') expect(dev?.addressPort).toBe(1);
    expect(errors(withDevice(devices))).toEqual([]);
  });

  // libvirt reads no `controller` on these address types, whatever is written there
  it.each([
    ['an isa address', "    <serial type='pty'><target type='isa-serial' port='0'/><address type='isa' controller='x' iobase='0x3f8' irq='4'/></serial>"],
    ['a usb address', "    <controller type='usb' index='0' model='qemu-xhci'/>\n    <input type='tablet' bus='usb'><address type='usb' bus='0' port='1' controller='x'/></input>"],
  ])("controller='x' on %s is not read, as libvirt does not read it", (_name, devices) => {
    const d = design(withDevice(devices));
    expect(d.guest.devices.flatMap((x) => x.unreadableAttributes ?? [])).toEqual([]);
    expect(d.guest.devices.every((x) => x.addressController === undefined)).toBe(true);
  });
});

// virDomainDeviceSpaprVioAddressParseXML: virXMLPropULongLong(reg, base 16), i.e. strtoull with a
// `0x` allowed, nothing after, no `-`, at most 64 bits; each value through libvirt 9.0's QEMU driver.
describe('a spapr-vio reg', () => {
  const vio = (reg: string) => `<domain type='kvm'>
  <name>v</name>
  <os>
    <type arch='ppc64' machine='pseries'>hvm</type>
  </os>
  <devices>
    <serial type='pty'><target type='spapr-vio-serial' port='0'/><address type='spapr-vio' reg='${reg}'/></serial>
  </devices>
</domain>
`;
  // "Invalid value for attribute 'reg' in element 'address': 'x'. Expected non-negative integer value"
  it.each(['x', '', '0x', '-1', '-0', '2000 ', '0x+10', '0x1g', '10000000000000000'])("reg='%s' is noted and refused (GEN-ADDR-3)", (reg) => {
    const d = design(vio(reg));
    expect(d.guest.devices[0]?.unreadableAttributes).toEqual([`address reg='${reg}'`]);
    expect(d.guest.devices[0]?.addressReg).toBeUndefined();
    expect(validate(d).find((f) => f.ruleId === 'GEN-ADDR-3')?.message).toContain(`reg='${reg}'`);
  });

  it.each([['2000', 0x2000], ['0X2000', 0x2000], ['+10', 0x10], ['+0x10', 0x10], [' 2000', 0x2000], ['00000000000000000010', 0x10]])("reg='%s' reads as %i", (reg, n) => {
    const d = design(vio(reg));
    expect(d.guest.devices[0]?.unreadableAttributes).toBeUndefined();
    expect(d.guest.devices[0]?.addressReg).toBe(n);
  });
});

// virDomainControllerDefParseXML: virXPathInt("string(./target/node)"), base 10; libvirt 9.0 (test driver)
describe("a PCI controller's <target><node>", () => {
  const pxb = (node: string) => `<domain type='kvm'>
  <name>p</name>
  <cpu><numa><cell id='0' cpus='0' memory='262144' unit='KiB'/><cell id='1' cpus='1' memory='262144' unit='KiB'/></numa></cpu>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
  </os>
  <devices>
    <controller type='pci' index='0' model='pcie-root'/>
    <controller type='pci' index='1' model='pcie-expander-bus'><target busNr='254'>${node}</target><address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'/></controller>
  </devices>
</domain>
`;
  const pxbOf = (node: string) => design(pxb(node)).guest.controllers.find((c) => c.index === 1);
  // "invalid NUMA node in target"
  it.each(['0x0', 'x', '0 ', ' ', '2147483648'])('<node>%s</node> is noted and refused (GEN-TGT-1)', (text) => {
    const c = pxbOf(`<node>${text}</node>`);
    expect(c?.unreadable).toEqual([`target node='${text}'`]);
    expect(c?.target.node).toBeUndefined();
    const f = validate(design(pxb(`<node>${text}</node>`))).find((x) => x.ruleId === 'GEN-TGT-1');
    expect(f?.message).toContain(`<node>${text}</node> cannot be read as a number ("invalid NUMA node in target")`);
  });

  it('<node>-1</node> reads as -1, which Q35-PXB-1 refuses in libvirt\'s words', () => {
    expect(pxbOf('<node>-1</node>')?.target.node).toBe(-1);
    expect(validate(design(pxb('<node>-1</node>'))).find((x) => x.ruleId === 'Q35-PXB-1')?.message).toContain('invalid NUMA node in target');
  });

  it.each([['<node>1</node>', 1], ['<node> 1</node>', 1], ['<node>+1</node>', 1], ['<node>01</node>', 1], ['<node>-0</node>', 0], ['<node>1<!-- c -->0</node>', 10]])('%s reads as %i', (node, n) => {
    const c = pxbOf(node);
    expect(c?.unreadable).toBeUndefined();
    expect(Object.is(c?.target.node, n)).toBe(true);
  });

  it('an empty <node/> is no node, as libvirt reads it', () => {
    const c = pxbOf('<node/>');
    expect(c?.unreadable).toBeUndefined();
    expect(c?.target).toEqual({ busNr: 254 });
    expect(errors(pxb('<node/>'))).toEqual([]);
  });
});
