import { describe, expect, it } from 'vitest';
import { applyCommand } from '../../src/engine/commands/commands.ts';
import type { Command } from '../../src/engine/commands/commands.ts';
import { findingsOf } from './alone.ts';
import { validate } from '../../src/engine/rules/index.ts';
import { createDesign } from '../../src/engine/xml/domain.ts';
import { at, ctrl, dev, q35, rootPort, virt } from '../../src/engine/rules/testkit.ts';
import type { Design } from '../../src/engine/model/design.ts';
import type { PciController } from '../../src/engine/model/guest.ts';
import type { Finding } from '../../src/engine/rules/types.ts';

/**
 * Q35-HP-1's branches beyond its case table (issue 11; docs/mutation.md), the rule run alone: a PCIe
 * device is hotplugged only into an empty root or downstream port with hotplug on (libvirt
 * docs/pci-hotplug.rst, QEMU docs/pcie.txt), and libvirt's own devices take the first empty ports at
 * define (qemuDomainDefAddDefaultDevices, virDomainPCIAddressGetNextAddr).
 */

const noDefaults = [dev('usb', 'controller', undefined, { type: 'usb', model: 'none' }), dev('mb', 'memballoon', undefined, { model: 'none' })];
const of = (d: Design): Finding[] => findingsOf(d, 'Q35-HP-1');
const NONE_EMPTY = 'No empty hotpluggable root or downstream port: nothing can be hotplugged into this guest. Add one empty pcie-root-port per device you plan to hotplug.';
const addPort = (index: number, slot: number): Command => ({ kind: 'add-controller', controller: { model: 'pcie-root-port', index, target: { chassis: index, port: slot * 8 }, address: { domain: 0, bus: 0, slot, function: 0 } } });
/** A root port where libvirt puts one written without an address: function `fn` of a slot root ports aggregate (VIR_PCI_CONNECT_AGGREGATE_SLOT). */
const addFn = (index: number, slot: number, fn: number): Command => ({ kind: 'add-controller', controller: { model: 'pcie-root-port', index, target: { chassis: index, port: slot * 8 + fn }, address: { domain: 0, bus: 0, slot, function: fn } } });
const ADD = 'Add an empty pcie-root-port';
const found = (d: Design) => of(d).map((f) => [f.message, f.subjects, f.fixes?.map((x) => [x.label, x.command])]);
const up = ctrl('pcie-switch-upstream-port', 2, { address: at(1, 0) });
const down = (i: number, slot: number, extra: Partial<PciController> = {}): PciController => ctrl('pcie-switch-downstream-port', i, { address: at(2, slot), target: { chassis: i, port: slot }, ...extra });

describe('Q35-HP-1: no empty hotpluggable port', () => {
  it('every port used: the words, every port a subject, the fix adds a port where libvirt would (the next function of the root ports\' slot), which clears it', () => {
    const d = q35([rootPort(1, 1)], [dev('vda', 'disk', at(1, 0)), ...noDefaults]);
    expect(found(d)).toEqual([[NONE_EMPTY, { controllers: [1] }, [[ADD, addFn(2, 1, 1)]]]]);
    expect(of(applyCommand(d, of(d)[0]!.fixes![0]!.command))).toEqual([]);
  });

  it('an empty downstream port is a spare', () => {
    expect(of(q35([rootPort(1, 1), up, down(3, 0), down(4, 1)], [dev('vda', 'disk', at(3, 0)), ...noDefaults]))).toEqual([]);
  });

  it('an empty port with hotplug=\'off\' is no spare, root or downstream', () => {
    expect(found(q35([rootPort(1, 1), up, down(3, 0), down(4, 1, { target: { chassis: 4, port: 1, hotplug: 'off' } })], [dev('vda', 'disk', at(3, 0)), ...noDefaults]))).toEqual([
      [NONE_EMPTY, { controllers: [1, 3, 4] }, [[ADD, addFn(5, 1, 1)]]],
    ]);
    expect(found(q35([rootPort(1, 1), rootPort(2, 1, 1, { target: { chassis: 2, port: 9, hotplug: 'off' } })], [dev('vda', 'disk', at(1, 0)), ...noDefaults]))).toEqual([
      [NONE_EMPTY, { controllers: [1, 2] }, [[ADD, addFn(3, 1, 2)]]],
    ]);
  });

  it('a port holding a switch (a controller, no device) is not empty', () => {
    expect(found(q35([rootPort(1, 1), up, down(3, 0)], [dev('vda', 'disk', at(3, 0)), ...noDefaults]))).toEqual([[NONE_EMPTY, { controllers: [1, 3] }, [[ADD, addFn(4, 1, 1)]]]]);
  });

  it('a design libvirt cannot define (a NIC on bus 300): judged as written, every port used', () => {
    expect(of(q35([rootPort(1, 1)], [dev('vda', 'disk', at(1, 0)), dev('nic', 'interface', at(300, 1)), ...noDefaults])).map((f) => [f.message, f.subjects])).toEqual([[NONE_EMPTY, { controllers: [1] }]]);
  });

  it('a root port whose index libvirt cannot read (index=\'two\') is no spare: it has no bus number, so nothing is counted on it, and it is no subject', () => {
    // libvirt refuses such a controller (virDomainControllerDefParseXML reads index with
    // virXMLPropInt); the model still places it, at 00:01.1, with no index: the port holding vda is
    // the only one the rule can judge, and it is used
    const xml = `<domain type='kvm'><name>g</name><memory>1048576</memory><os><type arch='x86_64' machine='q35'>hvm</type></os><devices>
<controller type='pci' index='0' model='pcie-root'/>
<controller type='pci' index='1' model='pcie-root-port'><target chassis='1' port='0x8'/><address type='pci' domain='0' bus='0' slot='1' function='0'/></controller>
<controller type='pci' index='two' model='pcie-root-port'/>
<disk type='file' device='disk'><source file='/a'/><target dev='vda' bus='virtio'/><address type='pci' domain='0' bus='1' slot='0' function='0'/></disk>
<controller type='usb' model='none'/><memballoon model='none'/>
</devices></domain>`;
    const r = createDesign(xml, undefined, 'g.xml');
    if (!r.ok) throw new Error(r.error.message);
    expect(found(r.value)).toEqual([
      [NONE_EMPTY, { controllers: [1] }, [[ADD, { kind: 'batch', label: ADD, commands: [{ kind: 'add-controller', controller: { model: 'pcie-root-port', index: 2, target: { chassis: 2, port: 10 }, address: at(0, 1, 2) } }, { kind: 'update-controller', controller: 'pci-1', changes: { address: at(0, 1, 0, 'on') } }] }]]],
    ]);
  });

  it('a design libvirt cannot define (a NIC on bus 300) with an empty port: a spare as written, though the default USB controller would take one of two at define', () => {
    expect(of(q35([rootPort(1, 1), rootPort(2, 1, 1)], [dev('vda', 'disk', at(1, 0)), dev('nic', 'interface', at(300, 1)), dev('mb', 'memballoon', undefined, { model: 'none' })]))).toEqual([]);
    expect(of(q35([rootPort(1, 1), rootPort(2, 1, 1)], [dev('vda', 'disk', at(1, 0)), dev('nic', 'interface', at(300, 1))]))).toEqual([]);
  });

  it('a pcie-to-pci-bridge waiting for a port: no add-port fix (the bridge would take it, from a lower index: GEN-CONNECT-1 first)', () => {
    expect(found(q35([rootPort(1, 1), ctrl('pcie-to-pci-bridge', 2)], [dev('vda', 'disk', at(1, 0)), ...noDefaults]))).toEqual([
      [`${NONE_EMPTY} No fix adds a port here: a controller libvirt cannot place would take it first (GEN-CONNECT-1).`, { controllers: [1] }, undefined],
    ]);
  });
});

describe('Q35-HP-1: every empty port taken at define', () => {
  it('an empty pci-bridge beside the taken port is no spare: the finding names the port only', () => {
    // a pci-bridge hot-plugs conventional PCI only (Q35-HP-2's count); the USB controller, a PCIe
    // device, goes to the empty root port (virDomainPCIAddressFlagsCompatible refuses the bridge)
    const d = q35(
      [rootPort(1, 1), rootPort(2, 1, 1), ctrl('pcie-to-pci-bridge', 3, { address: at(2, 0) }), ctrl('pci-bridge', 4, { address: at(3, 1), target: { chassisNr: 4 } }), rootPort(5, 1, 2)],
      [dev('vda', 'disk', at(1, 0)), dev('mb', 'memballoon', undefined, { model: 'none' })],
    );
    expect(of(d).map((f) => [f.message, f.subjects])).toEqual([
      [
        "Every empty port will be taken at define time: libvirt adds usb controller qemu-xhci on port 5, so no port is left for hotplug. Add one more empty pcie-root-port, or write <controller type='usb' model='none'/> / <memballoon model='none'/> if the guest does without them.",
        { controllers: [5] },
      ],
    ]);
  });

  it('the default USB controller: libvirt adds it there; the words offer model=\'none\' too', () => {
    expect(found(q35([rootPort(1, 1), rootPort(2, 1, 1)], [dev('vda', 'disk', at(1, 0)), dev('mb', 'memballoon', undefined, { model: 'none' })]))).toEqual([
      [
        "Every empty port will be taken at define time: libvirt adds usb controller qemu-xhci on port 2, so no port is left for hotplug. Add one more empty pcie-root-port, or write <controller type='usb' model='none'/> / <memballoon model='none'/> if the guest does without them.",
        { controllers: [2] },
        [[ADD, addFn(3, 1, 2)]],
      ],
    ]);
  });

  it('the USB controller and the memballoon: both named, both ports subjects', () => {
    expect(found(q35([rootPort(1, 1), rootPort(2, 1, 1), rootPort(3, 1, 2)], [dev('vda', 'disk', at(1, 0))]))).toEqual([
      [
        "Every empty port will be taken at define time: libvirt adds usb controller qemu-xhci on port 2, virtio memballoon on port 3, so no port is left for hotplug. Add one more empty pcie-root-port, or write <controller type='usb' model='none'/> / <memballoon model='none'/> if the guest does without them.",
        { controllers: [2, 3] },
        [[ADD, addFn(4, 1, 3)]],
      ],
    ]);
  });

  it('a device the design leaves to libvirt: "places", and no word of model=\'none\'', () => {
    expect(found(q35([ctrl('pcie-root-port', 1)], [dev('rng0', 'rng'), ...noDefaults]))).toEqual([
      ['Every empty port will be taken at define time: libvirt places rng0 on port 1, so no port is left for hotplug. Add one more empty pcie-root-port.', { controllers: [1] }, [[ADD, addFn(2, 1, 1)]]],
    ]);
  });

  it('two devices libvirt places on the two empty ports: both named', () => {
    expect(of(q35([ctrl('pcie-root-port', 1), ctrl('pcie-root-port', 2)], [dev('rng0', 'rng'), dev('rng1', 'rng'), ...noDefaults])).map((f) => f.message)).toEqual([
      'Every empty port will be taken at define time: libvirt places rng0 on port 1, rng1 on port 2, so no port is left for hotplug. Add one more empty pcie-root-port.',
    ]);
  });

  // issue 11's tester7: 40 root ports and 150 NICs written without addresses; the words said "Add one
  // more" while the fix added 113 (one more port is taken by a NIC libvirt would add a port for)
  it('devices beyond the empty ports, for which libvirt adds root ports of its own: the words say one port more would be taken too, and the fix adds enough', () => {
    const [f] = of(q35([ctrl('pcie-root-port', 1)], [dev('rng0', 'rng'), dev('rng1', 'rng'), dev('rng2', 'rng'), ...noDefaults]));
    expect(f?.message).toBe('Every empty port will be taken at define time: libvirt places rng0 on port 1, so no port is left for hotplug. One more empty pcie-root-port would be taken too: libvirt also adds 2 root ports of its own at define, and each port written takes the place of one of them; the fix adds as many as leave one empty.');
    expect(f?.fixes?.[0]?.label).toMatch(/^Add 3 empty pcie-root-ports /);
    expect(of(applyCommand(q35([ctrl('pcie-root-port', 1)], [dev('rng0', 'rng'), dev('rng1', 'rng'), dev('rng2', 'rng'), ...noDefaults]), f!.fixes![0]!.command))).toEqual([]);
  });

  it('one root port libvirt adds of its own: the words say it in the singular', () => {
    expect(of(q35([ctrl('pcie-root-port', 1)], [dev('rng0', 'rng'), dev('rng1', 'rng'), ...noDefaults]))[0]?.message).toMatch(/One more empty pcie-root-port would be taken too: libvirt also adds 1 root port of its own at define/);
  });

  it('one port to the USB controller and one to a device libvirt places: "adds … and places …"', () => {
    expect(of(q35([rootPort(1, 1), rootPort(2, 1, 1), rootPort(3, 1, 2)], [dev('vda', 'disk', at(1, 0)), dev('rng0', 'rng'), dev('mb', 'memballoon', undefined, { model: 'none' })])).map((f) => [f.message, f.subjects])).toEqual([
      [
        "Every empty port will be taken at define time: libvirt adds usb controller qemu-xhci on port 2 and places rng0 on port 3, so no port is left for hotplug. Add one more empty pcie-root-port, or write <controller type='usb' model='none'/> / <memballoon model='none'/> if the guest does without them.",
        { controllers: [2, 3] },
      ],
    ]);
  });
});

/**
 * The fix leaves a spare as libvirt will define the guest: libvirt gives its default USB controller
 * and memballoon (qemuDomainDefAddDefaultDevices; none on ARM virt) and every device written without
 * an address the first free compatible slot from bus 0 up (virDomainPCIAddressGetNextAddr, in
 * qemuDomainAssignDevicePCISlots' order), so one new port is not enough when those need ports too.
 */
describe('Q35-HP-1: the fix adds as many ports as libvirt takes, plus the spare', () => {
  const usbNone = dev('usb', 'controller', undefined, { type: 'usb', model: 'none' });
  const mbNone = dev('mb', 'memballoon', undefined, { model: 'none' });
  const key = (f: Finding): string => `${f.ruleId} ${f.message}`;
  /** The one fix applied: no Q35-HP-1 finding at all, no new error, and no new finding on indexes, chassis or addresses. */
  const fixed = (d: Design): Design => {
    const fix = of(d)[0]?.fixes?.[0];
    if (!fix) throw new Error('no fix');
    const next = applyCommand(d, fix.command);
    expect(of(next)).toEqual([]);
    const before = new Set(validate(d).map(key));
    const added = validate(next).filter((f) => !before.has(key(f)) && (f.severity === 'error' || /^(GEN-IDX|GEN-ADDR|Q35-RP-3)/.test(f.ruleId)));
    expect(added.map(key)).toEqual([]);
    return next;
  };
  const fixOf = (d: Design) => of(d).map((f) => f.fixes?.map((x) => [x.label, x.command]));
  const batch = (n: number, commands: Command[]): Command => ({ kind: 'batch', label: `Add ${n} empty pcie-root-ports`, commands });
  const used = [rootPort(1, 1)];
  const vda = dev('vda', 'disk', at(1, 0));

  it('the default USB controller and memballoon: three ports in one command, the third stays empty', () => {
    const d = q35(used, [vda]);
    expect(fixOf(d)).toEqual([[["Add 3 empty pcie-root-ports (libvirt's usb controller qemu-xhci and virtio memballoon take two)", batch(3, [addFn(2, 1, 1), addFn(3, 1, 2), addFn(4, 1, 3)])]]]);
    expect(fixed(d).guest.controllers.filter((c) => c.model === 'pcie-root-port').map((c) => [c.index, c.target.chassis, c.address?.slot, c.address?.function])).toEqual([[1, 1, 1, 0], [2, 2, 1, 1], [3, 3, 1, 2], [4, 4, 1, 3]]);
  });

  it('only the default USB controller (memballoon model=none): two ports', () => {
    const d = q35(used, [vda, mbNone]);
    expect(fixOf(d)).toEqual([[["Add 2 empty pcie-root-ports (libvirt's usb controller qemu-xhci takes one)", batch(2, [addFn(2, 1, 1), addFn(3, 1, 2)])]]]);
    fixed(d);
  });

  it('only the default memballoon (USB model=none): two ports', () => {
    const d = q35(used, [vda, usbNone]);
    expect(fixOf(d)).toEqual([[["Add 2 empty pcie-root-ports (libvirt's virtio memballoon takes one)", batch(2, [addFn(2, 1, 1), addFn(3, 1, 2)])]]]);
    fixed(d);
  });

  it('model=none for both: one port, as before', () => {
    const d = q35(used, [vda, usbNone, mbNone]);
    expect(fixOf(d)).toEqual([[[ADD, addFn(2, 1, 1)]]]);
    fixed(d);
  });

  it('devices written without an address take ports too, after libvirt\'s own', () => {
    const d = q35(used, [vda, dev('rng0', 'rng'), usbNone, mbNone]);
    expect(fixOf(d)).toEqual([[['Add 2 empty pcie-root-ports (rng0 takes one)', batch(2, [addFn(2, 1, 1), addFn(3, 1, 2)])]]]);
    fixed(d);
    const all = q35(used, [vda, dev('rng0', 'rng')]);
    expect(fixOf(all).map((f) => f?.map((x) => x[0]))).toEqual([["Add 4 empty pcie-root-ports (libvirt's usb controller qemu-xhci and virtio memballoon, and rng0 take three)"]]);
    fixed(all);
  });

  it('two devices written without an address besides libvirt\'s two: five ports, the count in figures past three', () => {
    const d = q35(used, [vda, dev('rng0', 'rng'), dev('rng1', 'rng')]);
    expect(fixOf(d).map((f) => f?.map((x) => x[0]))).toEqual([["Add 5 empty pcie-root-ports (libvirt's usb controller qemu-xhci and virtio memballoon, and rng0 and rng1 take 4)"]]);
    fixed(d);
  });

  it('three devices written without an address: named in a list, the last after "and"', () => {
    const d = q35(used, [vda, dev('rng0', 'rng'), dev('rng1', 'rng'), dev('rng2', 'rng'), usbNone, mbNone]);
    expect(fixOf(d).map((f) => f?.map((x) => x[0]))).toEqual([['Add 4 empty pcie-root-ports (rng0, rng1 and rng2 take three)']]);
    fixed(d);
  });

  it('a conventional NIC written without an address: one port, which the pcie-to-pci-bridge libvirt adds (a higher index, no GEN-IDX-4) takes, while its own root port stays empty', () => {
    // virDomainPCIAddressSetGrow adds a pcie-root-port and a pcie-to-pci-bridge (no bus accepts a
    // pci-bridge); the real pass places controllers by index, the bridge in the first free port,
    // the new one (index 2), so libvirt's root port (index 3) is left empty: a spare after define
    const d = q35(used, [vda, dev('nic', 'interface', undefined, { model: 'e1000' }), usbNone, mbNone]);
    expect(fixOf(d)).toEqual([[[ADD, addFn(2, 1, 1)]]]);
    fixed(d);
  });

  it('a conventional NIC and the default USB controller: two ports, one for the USB controller, one for the pcie-to-pci-bridge libvirt adds, its root port the spare; counted one at a time', () => {
    // the count from one define would be short: libvirt's own root port (added with the bridge,
    // virDomainPCIAddressSetGrow) is left empty there, so the ports are added one by one
    const d = q35(used, [vda, dev('nic', 'interface', undefined, { model: 'e1000' }), mbNone]);
    expect(fixOf(d)).toEqual([[["Add 2 empty pcie-root-ports (libvirt's usb controller qemu-xhci, and pcie-to-pci-bridge (controller 5) take two)", batch(2, [addFn(2, 1, 1), addFn(3, 1, 2)])]]]);
    fixed(d);
  });

  it('a conventional NIC, function 0 written without multifunction: one port, counted alone, its command with the multifunction=\'on\' libvirt writes', () => {
    const port1 = ctrl('pcie-root-port', 1, { target: { chassis: 1, port: 8 }, address: at(0, 1) });
    const d = q35([port1], [vda, dev('nic', 'interface', undefined, { model: 'e1000' }), usbNone, mbNone]);
    expect(fixOf(d)).toEqual([[[ADD, { kind: 'batch', label: ADD, commands: [addFn(2, 1, 1), { kind: 'update-controller', controller: port1.key, changes: { address: at(0, 1, 0, 'on') } }] }]]]);
    fixed(d);
  });

  it('an empty port the USB controller takes: the fix adds the memballoon\'s port and the spare', () => {
    const d = q35([rootPort(1, 1), rootPort(2, 1, 1)], [vda]);
    expect(fixOf(d)).toEqual([[["Add 2 empty pcie-root-ports (libvirt's virtio memballoon takes one)", batch(2, [addFn(3, 1, 2), addFn(4, 1, 3)])]]]);
    fixed(d);
  });

  it('the last empty port is a switch\'s downstream port, which the USB controller takes: root ports for the memballoon and the spare', () => {
    const d = q35([rootPort(1, 1), up, down(3, 0), down(4, 1)], [dev('vda', 'disk', at(3, 0))]);
    expect(fixOf(d)).toEqual([[["Add 2 empty pcie-root-ports (libvirt's virtio memballoon takes one)", batch(2, [addFn(5, 1, 1), addFn(6, 1, 2)])]]]);
    fixed(d);
  });

  // pcie-root slots 1-0x1e (0x1f is ICH9's): `free` of them left empty at the top, one root port at
  // function 0 of each of the others (multifunction='on', as libvirt writes a root-port slot)
  const full = (free: number): PciController[] => Array.from({ length: 30 - free }, (_, i) => rootPort(i + 1, i + 1));
  const onEach = (ports: readonly PciController[]) => ports.map((p) => dev(`d${p.index}`, 'disk', at(p.index as number, 0)));
  /**
   * `ports` used root ports in functions 0.. of slot 1, every other slot of pcie-root (2-0x1e) holding
   * an integrated virtio disk: the room left for root ports is the 8 - `ports` free functions of slot 1
   */
  const crowded = (ports: number): Design => {
    const rps = Array.from({ length: ports }, (_, i) => rootPort(i + 1, 1, i));
    const integrated = Array.from({ length: 29 }, (_, i) => dev(`i${i + 2}`, 'disk', at(0, i + 2)));
    return q35(rps, [...onEach(rps), ...integrated]);
  };
  const withoutDefaults = (d: Design): Design => ({ ...d, guest: { ...d.guest, devices: [...d.guest.devices, usbNone, mbNone] } });

  it('a root bus almost full: the ports go into free functions of a root-port slot, where libvirt packs them, not into the last free slots', () => {
    const ports = full(3);
    const d = q35(ports, onEach(ports));
    expect(fixOf(d)).toEqual([[["Add 3 empty pcie-root-ports (libvirt's usb controller qemu-xhci and virtio memballoon take two)", batch(3, [addFn(28, 1, 1), addFn(29, 1, 2), addFn(30, 1, 3)])]]]);
    fixed(d);
  });

  it('no whole slot free: the ports still fit in the free functions of the root ports\' slot', () => {
    const d = crowded(5);
    expect(fixOf(d)).toEqual([[["Add 3 empty pcie-root-ports (libvirt's usb controller qemu-xhci and virtio memballoon take two)", batch(3, [addFn(6, 1, 5), addFn(7, 1, 6), addFn(8, 1, 7)])]]]);
    expect(validate(fixed(d)).filter((f) => f.severity !== 'info')).toEqual([]);
  });

  it('too little room for the ports libvirt takes and a spare: no fix, and the words say why', () => {
    expect(of(crowded(6)).map((f) => [f.message, f.fixes])).toEqual([
      [`${NONE_EMPTY} Only 2 more root ports fit (in the free functions of the buses that take them, and in controller indexes up to 255), and libvirt would fill every port added at define (its own devices and those written without an address), so none would stay a spare.`, undefined],
    ]);
    expect(of(crowded(7)).map((f) => f.message)).toEqual([
      `${NONE_EMPTY} Only 1 more root port fits (in the free functions of the buses that take them, and in controller indexes up to 255), and libvirt would fill every port added at define (its own devices and those written without an address), so none would stay a spare.`,
    ]);
    // one free function is enough when libvirt adds nothing
    const alone = withoutDefaults(crowded(7));
    expect(fixOf(alone)).toEqual([[[ADD, addFn(8, 1, 7)]]]);
    fixed(alone);
  });

  it('a full root bus: no fix, and the words say so', () => {
    expect(of(withoutDefaults(crowded(8))).map((f) => [f.message, f.fixes])).toEqual([
      [`${NONE_EMPTY} pcie-root has no free slot, nor a free function in a slot of root ports, for another root port: free one, or add a switch.`, undefined],
    ]);
  });

  it('a domain libvirt refuses at define (devices without an address find no slot, GEN-CONNECT-1) gets no fix, and the words say why: a port written takes a slot too', () => {
    // 232 root ports written on slots 1-29, each holding a disk: libvirt adds root ports for the 12
    // NICs on the functions left on pcie-root and refuses the domain when they run out ("a PCI slot
    // is needed to connect a PCI controller model='pcie-root-port'"). Before, the fix tried the
    // ports left one at a time, each with a whole define, and named the room for them
    const ports = Array.from({ length: 232 }, (_, i) => rootPort(i + 1, 1 + Math.floor(i / 8), i % 8));
    const nics = Array.from({ length: 12 }, (_, i) => dev(`net${i}`, 'interface', undefined, { model: 'virtio' }));
    const d = q35(ports, [...onEach(ports), ...nics, usbNone, mbNone]);
    expect(validate(d).some((f) => f.ruleId === 'GEN-CONNECT-1' && f.severity === 'error')).toBe(true);
    expect(of(d).map((f) => [f.message, f.fixes])).toEqual([[REFUSED, undefined]]);
  });

  const REFUSED = `${NONE_EMPTY} No fix adds a port here: libvirt or QEMU refuses this domain as libvirt defines it (what it must place finds no slot, GEN-CONNECT-1; a controller lands on a bus QEMU creates after it, GEN-IDX-4; or a controller index passes 255, GEN-IDX-1), and a port added changes none of them.`;

  it('a domain QEMU refuses as libvirt defines it (a controller on a bus after its own index, GEN-IDX-4) gets no fix either, though one counted port would clear the finding', () => {
    // libvirt puts downstream port 2, written without an address, on upstream port 3's bus: QEMU
    // creates bus 3 after it ("Bus 'pci.3' not found"). One new root port would leave a spare, and
    // the counted path offered it before refusals were judged for every path
    const d = q35([rootPort(1, 1), ctrl('pcie-switch-upstream-port', 3, { address: at(1, 0) }), ctrl('pcie-switch-downstream-port', 2)], [dev('vda', 'disk', at(2, 0)), ...noDefaults]);
    expect(validate(d).some((f) => f.ruleId === 'GEN-IDX-4' && f.severity === 'error')).toBe(true);
    expect(of(d).map((f) => [f.message, f.fixes])).toEqual([[REFUSED, undefined]]);
    // the same switch with the downstream port numbered after its bus: the fix is offered
    const ok = q35([rootPort(1, 1), ctrl('pcie-switch-upstream-port', 2, { address: at(1, 0) }), ctrl('pcie-switch-downstream-port', 3)], [dev('vda', 'disk', at(3, 0)), ...noDefaults]);
    expect(of(ok).map((f) => f.fixes?.map((x) => x.label))).toEqual([[ADD]]);
  });

  it('a domain libvirt refuses for a controller index it numbers past 255 at define (GEN-IDX-1) gets no fix: a port written takes an index too', () => {
    // an expander bus leaves room for more root ports than indexes: libvirt adds one per NIC, the
    // 255th at index 256 (libvirt 9.0: "PCI controller index 256 too high", test/real/index-limit.test.ts);
    // its busNr 233 leaves the firmware bus numbers for the 232 ports on pcie-root and the ones below it (GEN-TGT-1)
    const nics = (n: number) => Array.from({ length: n }, (_, i) => dev(`net${i}`, 'interface', undefined, { model: 'virtio' }));
    const d = q35([ctrl('pcie-expander-bus', 1, { target: { busNr: 233 } }), rootPort(2, 1)], [dev('vda', 'disk', at(2, 0)), ...nics(254), ...noDefaults]);
    // (255 bridges and the expander need 256 bus numbers: GEN-TGT-1 too, whatever the busNr)
    expect(validate(d).filter((f) => f.severity === 'error').map((f) => f.ruleId)).toEqual(['GEN-IDX-1', 'GEN-TGT-1']);
    expect(of(d).map((f) => [f.message, f.fixes])).toEqual([[REFUSED, undefined]]);
    // one NIC fewer: the last root port libvirt adds is index 255, so the spare would be 256
    const full = q35([ctrl('pcie-expander-bus', 1, { target: { busNr: 233 } }), rootPort(2, 1)], [dev('vda', 'disk', at(2, 0)), ...nics(253), ...noDefaults]);
    expect(validate(full).filter((f) => f.severity === 'error')).toEqual([]);
    expect(of(full).map((f) => [f.message, f.fixes])).toEqual([
      [`${NONE_EMPTY} Only 253 more root ports fit (in the free functions of the buses that take them, and in controller indexes up to 255), and libvirt would fill every port added at define (its own devices and those written without an address), so none would stay a spare.`, undefined],
    ]);
    // two fewer: 253 ports written (those libvirt would add, and the spare at 255) clear it
    const ok = q35([ctrl('pcie-expander-bus', 1, { target: { busNr: 233 } }), rootPort(2, 1)], [dev('vda', 'disk', at(2, 0)), ...nics(252), ...noDefaults]);
    const fix = of(ok)[0]?.fixes?.[0];
    expect(fix?.label.startsWith('Add 253 empty pcie-root-ports')).toBe(true);
    expect(of(applyCommand(ok, fix!.command))).toEqual([]);
  });

  it('a root port libvirt cannot add (pcie-root full to its last function) is no stranded controller of the design: the words say the bus is full', () => {
    // libvirt puts the root ports it adds on any free function of a root-port slot (their connect
    // flags aggregate), so pcie-root is full only with all 8 functions of its 30 slots taken; the
    // rng then needs a root port libvirt cannot address (virDomainPCIAddressSetGrow, then
    // virDomainPCIAddressReserveNextAddr fails), while the pci-bridge written without an address
    // finds its slot on the pcie-to-pci-bridge
    const ports = Array.from({ length: 240 }, (_, i) => rootPort(i + 1, 1 + Math.floor(i / 8), i % 8));
    const d = q35([...ports, ctrl('pcie-to-pci-bridge', 241, { address: at(240, 0) }), ctrl('pci-bridge', 242)], [...onEach(ports.slice(0, -1)), dev('rng0', 'rng'), usbNone, mbNone]);
    expect(of(d).map((f) => f.message)).toEqual([`${NONE_EMPTY} pcie-root has no free slot, nor a free function in a slot of root ports, for another root port: free one, or add a switch.`]);
  });

  it('a controller written without an address would go on the new port, before its bus: no fix, and the words say why', () => {
    // libvirt places the upstream port in the first free port (virDomainPCIAddressGetNextAddr): the
    // new one, index 3, after the upstream port's 2 (GEN-IDX-4's "Bus 'pci.3' not found")
    const d = q35([rootPort(1, 1), ctrl('pcie-switch-upstream-port', 2)], [vda, usbNone, mbNone]);
    expect(of(d).map((f) => [f.message, f.fixes])).toEqual([
      [
        `${NONE_EMPTY} No fix adds a port here: libvirt would put pcie-switch-upstream-port controller index 2, written without an address, on the new port 3, which comes after it (GEN-IDX-4): renumber it or write its address first.`,
        undefined,
      ],
    ]);
  });

  it('a q35 design whose bus 0 is a pci-root (GEN-IDX-2): no root port to add there', () => {
    const xml = `<domain type='kvm'><name>g</name><memory>1048576</memory><os><type arch='x86_64' machine='q35'>hvm</type></os><devices>
<controller type='pci' index='0' model='pci-root'/>
<controller type='usb' model='none'/><memballoon model='none'/>
</devices></domain>`;
    const r = createDesign(xml, undefined, 'g.xml');
    if (!r.ok) throw new Error(r.error.message);
    expect(of(r.value).map((f) => [f.message, f.fixes])).toEqual([[`${NONE_EMPTY} No fix adds a port here: bus 0 is a pci-root, which takes no pcie-root-port.`, undefined]]);
  });

  it('ARM virt: libvirt adds no USB controller or memballoon, so one port is the spare', () => {
    const d = virt(used, [vda]);
    expect(fixOf(d)).toEqual([[[ADD, addFn(2, 1, 1)]]]);
    fixed(d);
  });

  it('a written port libvirt would renumber around (a bus libvirt adds for a conventional NIC): no fix, and the words say why', () => {
    const xml = `<domain type='kvm'><name>g</name><memory>1048576</memory><os><type arch='x86_64' machine='q35'>hvm</type></os><devices>
<controller type='pci' index='0' model='pcie-root'/>
<controller type='pci' index='1' model='pcie-root-port'><target chassis='1' port='0x8'/><address type='pci' domain='0' bus='0' slot='1' function='0'/></controller>
<disk type='file' device='disk'><source file='/a'/><target dev='vda' bus='virtio'/><address type='pci' domain='0' bus='1' slot='0' function='0'/></disk>
<interface type='network'><source network='default'/><model type='e1000'/><address type='pci' domain='0' bus='3' slot='1' function='0'/></interface>
</devices></domain>`;
    const r = createDesign(xml, undefined, 'g.xml');
    if (!r.ok) throw new Error(r.error.message);
    expect(of(r.value).map((f) => [f.message.replace(/^.*\. (No fix)/, '$1'), f.fixes])).toEqual([
      ['No fix adds a port here: a controller written at a new index would change the buses libvirt adds for this design (GEN-IDX-5).', undefined],
    ]);
  });
});

/**
 * Where the fix writes a port, as libvirt places a pcie-root-port written without an address
 * (src/conf/domain_addr.c virDomainPCIAddressFindUnusedFunctionOnBus, virDomainPCIAddressReserveAddrInternal,
 * virDomainPCIAddressSetAllMulti; src/qemu/qemu_domain_address.c qemuDomainAssignDevicePCISlots).
 */
describe('Q35-HP-1: the fix packs ports as libvirt does', () => {
  const vda = dev('vda', 'disk', at(1, 0));
  const fixOf = (d: Design) => of(d).map((f) => f.fixes?.map((x) => [x.label, x.command]));

  it('function 0 written without multifunction: the fix writes multifunction=\'on\' there, as libvirt does at define', () => {
    const port1 = ctrl('pcie-root-port', 1, { target: { chassis: 1, port: 8 }, address: at(0, 1) });
    const d = q35([port1], [vda, ...noDefaults]);
    expect(fixOf(d)).toEqual([
      [[ADD, { kind: 'batch', label: ADD, commands: [addFn(2, 1, 1), { kind: 'update-controller', controller: port1.key, changes: { address: at(0, 1, 0, 'on') } }] }]],
    ]);
    const next = applyCommand(d, of(d)[0]!.fixes![0]!.command);
    expect(next.guest.controllers.map((c) => [c.index, c.address])).toEqual([[0, undefined], [1, at(0, 1, 0, 'on')], [2, at(0, 1, 1)]]);
    expect(of(next)).toEqual([]);
    expect(validate(next).filter((f) => f.severity === 'error')).toEqual([]);
  });

  it('another controller at function 0 of a root-port slot: multifunction=\'on\' is written on it', () => {
    // controllers are reserved in index order (def->controllers, qemuDomainCollectPCIAddress): the
    // root port at 00:01.1 first, so slot 1 aggregates although a dmi-to-pci-bridge holds function 0
    const dmi = ctrl('dmi-to-pci-bridge', 2, { address: at(0, 1, 0) });
    const d = q35([ctrl('pcie-root-port', 1, { target: { chassis: 1, port: 9 }, address: at(0, 1, 1) }), dmi], [vda, ...noDefaults]);
    expect(fixOf(d)).toEqual([
      [[ADD, { kind: 'batch', label: ADD, commands: [addFn(3, 1, 2), { kind: 'update-controller', controller: dmi.key, changes: { address: at(0, 1, 0, 'on') } }] }]],
    ]);
  });

  it('the lowest slot wins: a wholly free slot below the root ports\' slot takes the port', () => {
    expect(fixOf(q35([rootPort(1, 2)], [dev('vdb', 'disk', at(1, 0)), ...noDefaults]))).toEqual([[[ADD, addFn(2, 1, 0)]]]);
  });

  it('function 0 written multifunction=\'off\': the port takes a slot of its own (QEMU would refuse it beside)', () => {
    const off = ctrl('pcie-root-port', 1, { target: { chassis: 1, port: 8 }, address: at(0, 1, 0, 'off') });
    expect(fixOf(q35([off], [vda, ...noDefaults]))).toEqual([[[ADD, addPort(2, 2)]]]);
  });

  it('a slot whose function 0 libvirt fills only at define (a port written without an address): the new port goes beside it, where libvirt puts one', () => {
    // the unaddressed port 1 goes to 00:01.0 at define, the first free function of the slot the
    // written port 2 makes a root-port slot (virDomainPCIAddressFindUnusedFunctionOnBus); libvirt 9.0
    // defines it so and QEMU starts it (test/real/root-port-fixes.test.ts). The fix once took a slot
    // of its own, taking the written slot for one without function 0 (GEN-MF-3 judges it as defined)
    const d = q35([ctrl('pcie-root-port', 1)], [dev('rng0', 'rng'), ...noDefaults]);
    expect(fixOf(d)).toEqual([[[ADD, addFn(2, 1, 1)]]]);
    const fixed = applyCommand(d, of(d)[0]!.fixes![0]!.command);
    expect(of(fixed)).toEqual([]);
    expect(validate(fixed).filter((f) => f.severity === 'error')).toEqual([]);
  });

  it('the root ports\' slot full: the new ports open the next slot, multifunction=\'on\' on its function 0', () => {
    const eight = Array.from({ length: 8 }, (_, f) => rootPort(f + 1, 1, f));
    const d = q35(eight, eight.map((p) => dev(`d${p.index}`, 'disk', at(p.index as number, 0))));
    const on = (index: number): Command => ({ kind: 'add-controller', controller: { model: 'pcie-root-port', index, target: { chassis: index, port: 16 }, address: at(0, 2, 0, 'on') } });
    expect(fixOf(d)).toEqual([
      [["Add 3 empty pcie-root-ports (libvirt's usb controller qemu-xhci and virtio memballoon take two)", { kind: 'batch', label: 'Add 3 empty pcie-root-ports', commands: [on(9), addFn(10, 2, 1), addFn(11, 2, 2)] }]],
    ]);
  });

  it('a slot of endpoints is no root-port slot: its free functions are not used', () => {
    // slot 1 holds two disks (reserved first: not aggregate), slot 2 a root port (aggregate)
    const d = q35([rootPort(1, 2)], [dev('vdb', 'disk', at(1, 0)), dev('e0', 'disk', at(0, 1, 0, 'on')), dev('e1', 'disk', at(0, 1, 1)), ...noDefaults]);
    expect(fixOf(d)).toEqual([[[ADD, addFn(2, 2, 1)]]]);
  });

  it('a design libvirt cannot define (a NIC on bus 300): the port takes the first wholly free slot, as before', () => {
    expect(fixOf(q35([rootPort(1, 1)], [vda, dev('nic', 'interface', at(300, 1)), ...noDefaults]))).toEqual([[[ADD, addPort(2, 2)]]]);
  });
});
