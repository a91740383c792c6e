import { describe, expect, it } from 'vitest';
import { demoDesign } from '../demo/demoDesign.ts';
import { MACHINE_TEMPLATES } from '../machines/index.ts';
import { DEMO_HOST_XML } from '../demo/demo.ts';
import { importHost } from '../xml/nodedev.ts';
import { createDesign } from '../xml/domain.ts';
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
