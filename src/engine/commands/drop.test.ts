import { describe, expect, it } from 'vitest';
import { demoDesign } from '../demo/demoDesign.ts';
import { MACHINE_TEMPLATES } from '../machines/index.ts';
import { DEMO_HOST_XML } from '../demo/demo.ts';
import { importHost } from '../xml/nodedev.ts';
import { createDesign, exportDomain } from '../xml/domain.ts';
import { virDomainAssignControllerIndexes } from '../libvirt/domainConf.ts';
import { createEvaluator } from '../rules/evaluate.ts';
import type { Design } from '../model/design.ts';
import { INTERNAL_KEY } from '../model/names.ts';
import { applyCommand } from './commands.ts';
import { commandSubjects, controllerTargetId, dropTargets, isBusTarget, NEW_BUS_TARGET, newBusTarget, payloadName, slotTargetId } from './drop.ts';

function q35(): Design {
  const host = importHost(DEMO_HOST_XML, 'demo host');
  if (!host.ok) throw new Error(host.error.message);
  const r = createDesign(MACHINE_TEMPLATES.q35, host.value, 'q35.xml');
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

describe('what a drop means', () => {
  it('a host group goes on a whole bus, never on one slot', () => {
    const demo = demoDesign();
    const targets = dropTargets(demo, { kind: 'group', number: 5 });
    expect(targets.map((t) => t.id)).toEqual(demo.guest.controllers.map(controllerTargetId));
    expect(targets.map((t) => t.command)).toEqual([0, 1, 2].map((i) => ({ kind: 'move-group', group: 5, controller: i })));
    expect(targets.map((t) => t.label)).toEqual(['Place IOMMU group 5 on vPHB 0', 'Place IOMMU group 5 on vPHB 1', 'Place IOMMU group 5 on vPHB 2']);
  });

  it('a guest device moves to other buses and re-slots on its own bus, named in libvirt words', () => {
    const demo = demoDesign();
    const disk = demo.guest.devices.find((d) => d.element === 'disk');
    if (!disk) throw new Error('demo has no disk');
    const targets = dropTargets(demo, { kind: 'guest-device', key: disk.key });
    const buses = targets.filter(isBusTarget);
    expect(buses.map((t) => t.label)).toEqual(['Move disk vda to vPHB 1', 'Move disk vda to vPHB 2']);
    const own = targets.find((t) => t.id === slotTargetId(0, 5));
    expect(own?.command).toEqual({ kind: 'move-device', device: disk.key, address: { domain: 0, bus: 0, slot: 5, function: 0 } });
    expect(own?.label).toBe('Move disk vda to vPHB 0 slot 0x05');
    // its own slot stays free for it: dropping it back there is a no-op target, not a clash
    expect(targets.some((t) => t.id === slotTargetId(0, 2))).toBe(true);
    for (const t of targets) expect(t.label).not.toMatch(INTERNAL_KEY);
  });

  it('a host function dropped on a slot is passed through at exactly that slot', () => {
    const demo = demoDesign();
    const t = dropTargets(demo, { kind: 'host-device', address: '0035:03:00.0' }).find((x) => x.id === slotTargetId(2, 5));
    if (!t) throw new Error('no target for slot 5 of vPHB 2');
    expect(t.label).toBe('Pass 0035:03:00.0 through on vPHB 2 slot 0x05');
    const after = applyCommand(demo, t.command);
    expect(after.guest.devices.find((d) => d.key === '0035:03:00.0')?.address).toEqual({ domain: 0, bus: 2, slot: 5, function: 0 });
  });

  it('"a new vPHB" adds a PHB and puts the payload on it, as one command', () => {
    const demo = demoDesign();
    const t = newBusTarget(demo, { kind: 'group', number: 4 });
    expect(t?.id).toBe(NEW_BUS_TARGET);
    expect(t?.where).toBe('a new vPHB');
    expect(t?.label).toBe('Place IOMMU group 4 on a new vPHB');
    const after = applyCommand(demo, t?.command ?? { kind: 'batch', label: '', commands: [] });
    expect(after.guest.controllers.find((c) => c.index === 3)).toMatchObject({ model: 'pci-root', target: { index: 3 } });
    expect(after.guest.devices.find((d) => d.key === '0035:03:00.0')?.address?.bus).toBe(3);
    expect(dropTargets(demo, { kind: 'group', number: 4 }, { newBus: true }).at(-1)?.id).toBe(NEW_BUS_TARGET);
  });

  it('"a new root port" on q35 plugs a port into pcie-root and the device into its slot 0', () => {
    const d = q35();
    const t = newBusTarget(d, { kind: 'host-device', address: '0035:03:00.0' });
    expect(t?.where).toBe('a new root port');
    const after = applyCommand(d, t?.command ?? { kind: 'batch', label: '', commands: [] });
    expect(after.guest.controllers.find((c) => c.index === 1)).toMatchObject({ model: 'pcie-root-port', address: { bus: 0, slot: 1 }, target: { chassis: 1, port: 8 } });
    expect(after.guest.devices.find((x) => x.key === '0035:03:00.0')?.address).toEqual({ domain: 0, bus: 1, slot: 0, function: 0 });
  });

  it('names what is moved, and what a command is about', () => {
    const demo = demoDesign();
    const balloon = demo.guest.devices.find((d) => d.element === 'memballoon');
    expect(payloadName(demo, { kind: 'guest-device', key: balloon?.key ?? '' })).toBe('memballoon');
    expect(payloadName(demo, { kind: 'group', number: 2 })).toBe('IOMMU group 2');
    const s = commandSubjects(demo, { kind: 'move-group', group: 2, controller: 1 });
    expect([...s.groups]).toEqual([2]);
    expect([...s.devices]).toEqual(['0001:01:00.0', '0001:01:00.1', '0001:01:00.2', '0001:01:00.3']);
    expect([...commandSubjects(demo, { kind: 'add-hostdevs', hostAddresses: ['35:03:00.0'], controller: 1 }).devices]).toEqual(['0035:03:00.0']);
    const c2 = demo.guest.controllers.find((c) => c.index === 2);
    expect([...commandSubjects(demo, { kind: 'update-controller', controller: c2?.key ?? '', changes: { index: 7 } }).controllers]).toEqual([2, 7]);
  });
});

describe('a drop onto a controller written without index', () => {
  // a hand-written q35 guest as libvirt's own test inputs have it (qemuxmlconfdata__q35-pcie.xml):
  // define gives pcie-root 0, the first port 1 (2 is written), the last 3
  const written = `<domain type='kvm'>
  <name>q35-no-index</name>
  <memory unit='GiB'>4</memory>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <devices>
    <controller type='pci' model='pcie-root'/>
    <controller type='pci' model='pcie-root-port'/>
    <controller type='pci' index='2' model='pcie-root-port'/>
    <controller type='pci' model='pcie-root-port'/>
    <interface type='user'>
      <mac address='52:54:00:00:00:01'/>
      <model type='virtio'/>
    </interface>
  </devices>
</domain>
`;
  const design = (xml: string): Design => {
    const r = createDesign(xml, undefined, 'q35-no-index.xml');
    if (!r.ok) throw new Error(r.error.message);
    return r.value;
  };
  // the same guest with every index written as define gives it
  const twin = written.replace("<controller type='pci' model='pcie-root'/>", "<controller type='pci' index='0' model='pcie-root'/>").replace(/<controller type='pci' model='pcie-root-port'\/>/, "<controller type='pci' index='1' model='pcie-root-port'/>").replace(/<controller type='pci' model='pcie-root-port'\/>/, "<controller type='pci' index='3' model='pcie-root-port'/>");
  const nic = (d: Design) => d.guest.devices.find((x) => x.element === 'interface')?.key ?? '';

  it('is offered as its indexed twin is: the same targets, labels and verdicts', () => {
    const d = design(written);
    const t = design(twin);
    const mine = dropTargets(d, { kind: 'guest-device', key: nic(d) });
    const theirs = dropTargets(t, { kind: 'guest-device', key: nic(t) });
    expect(mine.map((x) => x.label)).toEqual(theirs.map((x) => x.label));
    expect(mine.map((x) => x.label)).toEqual(expect.arrayContaining(['Move interface 52:54:00:00:00:01 to pcie-root-port 1', 'Move interface 52:54:00:00:00:01 to pcie-root-port 3', 'Move interface 52:54:00:00:00:01 to pcie-root-port 3 slot 0x00']));
    const port3 = d.guest.controllers[3];
    expect(mine.map((x) => x.id)).toEqual(expect.arrayContaining([controllerTargetId(port3 ?? { key: '' }), slotTargetId(3, 0)]));
    const evaluator = createEvaluator();
    expect(mine.map((x) => evaluator.verdict(d, x.command))).toEqual(theirs.map((x) => evaluator.verdict(t, x.command)));
    // writing the assigned index is no subject of the verdict: the drop is
    for (const x of mine.filter((y) => y.label.endsWith('pcie-root-port 3'))) expect(commandSubjects(d, x.command)).toEqual({ devices: new Set([nic(d)]), groups: new Set(), controllers: new Set() });
  });

  it('writes the index define gives the controller and the address on its bus, as one command; every other controller keeps its index', () => {
    const d = design(written);
    const target = dropTargets(d, { kind: 'guest-device', key: nic(d) }).find((x) => x.label === 'Move interface 52:54:00:00:00:01 to pcie-root-port 3');
    if (!target) throw new Error('pcie-root-port 3 not offered');
    expect(target.command.kind).toBe('batch');
    const after = applyCommand(d, target.command);
    expect(virDomainAssignControllerIndexes(after.guest.controllers).map((c) => c.index)).toEqual(virDomainAssignControllerIndexes(d.guest.controllers).map((c) => c.index));
    // the lines export changes: the port's (its index written) and the interface's new address
    const out = exportDomain(after).split('\n');
    const before = written.split('\n');
    expect(out).toEqual([...before.slice(0, 8), "    <controller type='pci' model='pcie-root-port' index='3'/>", ...before.slice(9, 12), "      <address type='pci' domain='0x0000' bus='0x03' slot='0x00' function='0x0'/>", ...before.slice(12)]);
  });

  it('takes host groups and functions there too, on the slots of that bus', () => {
    const host = importHost(DEMO_HOST_XML, 'demo host');
    if (!host.ok) throw new Error(host.error.message);
    const r = createDesign(written, host.value, 'q35-no-index.xml');
    if (!r.ok) throw new Error(r.error.message);
    const t = dropTargets(r.value, { kind: 'host-device', address: '0035:03:00.0' }).find((x) => x.id === slotTargetId(1, 0));
    if (!t) throw new Error('slot 0 of pcie-root-port 1 not offered');
    const after = applyCommand(r.value, t.command);
    expect(after.guest.devices.find((x) => x.key === '0035:03:00.0')?.address).toEqual({ domain: 0, bus: 1, slot: 0, function: 0 });
    expect(after.guest.controllers[1]?.index).toBe(1);
    expect(dropTargets(r.value, { kind: 'group', number: 5 }).map((x) => x.label)).toEqual(expect.arrayContaining(['Place IOMMU group 5 on pcie-root-port 1', 'Place IOMMU group 5 on pcie-root-port 3']));
  });
});
