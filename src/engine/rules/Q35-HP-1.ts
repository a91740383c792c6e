import type { Rule, RuleMeta } from './types.ts';
import { finding } from './context.ts';
import { globalRule } from './define.ts';
import { firstFreeSlot } from '../commands/commands.ts';
import { predictDefine } from '../placement/defineTime.ts';
import { atDefine, placesControllers } from './atDefine.ts';
import { at, ctrl, dev, q35, rootPort, virt } from './testkit.ts';

const meta: RuleMeta = {
  id: 'Q35-HP-1',
  severity: 'warning',
  title: 'Keep an empty root port for hotplug',
  why: 'On PCIe machines a device can only be hotplugged into an empty root or downstream port, and libvirt cannot add ports to a running guest; without a spare, nothing can be hotplugged. The devices libvirt adds on its own at define time (on q35 the default USB controller unless <controller type=\'usb\' model=\'none\'/> and the virtio memballoon unless <memballoon model=\'none\'/>; neither on ARM virt) go into the first empty ports, so those are no spares.',
  source: 'libvirt docs/pci-hotplug.rst (q35); QEMU docs/pcie.txt §5; libvirt qemuDomainDefAddDefaultDevices, virDomainPCIAddressGetNextAddr',
  families: ['q35', 'virt'],
};

export const rule: Rule = globalRule(meta, (ctx) => {
  const ports = ctx.guest.controllers.filter((c) => c.model === 'pcie-root-port' || c.model === 'pcie-switch-downstream-port');
  const empty = ports.filter((c) => {
    if (c.target.hotplug === 'off' || c.index === undefined) return false;
    const bus = ctx.busByIndex.get(c.index);
    return !bus || (bus.devices.length === 0 && bus.controllers.length === 0);
  });
  const slot = firstFreeSlot(ctx.guest, 0);
  // A controller libvirt cannot place (GEN-CONNECT-1) would take a new port at define, and from a
  // lower index than the port's (GEN-IDX-4): that fix comes first.
  const stranded = atDefine(ctx, placesControllers)?.unplaced.some((k) => ctx.guest.controllers.some((c) => c.key === k)) ?? false;
  const fixes = slot !== undefined && !stranded ? [{ label: 'Add an empty pcie-root-port', command: { kind: 'add-controller' as const, controller: { model: 'pcie-root-port', address: at(0, slot) } } }] : undefined;
  if (empty.length === 0) {
    return [finding(meta, 'No empty hotpluggable root or downstream port: nothing can be hotplugged into this guest. Add one empty pcie-root-port per device you plan to hotplug.', { controllers: ports.flatMap((c) => (c.index !== undefined ? [c.index] : [])) }, fixes)];
  }
  // The empty ports as the XML will have them, and what libvirt puts there at define time.
  const predicted = predictDefine(ctx.guest, ctx.host).empty.filter((b) => b.kind === 'port');
  if (predicted.length === 0 || predicted.some((b) => b.takers.length === 0)) return [];
  const implicit = predicted.flatMap((b) => b.takers.filter((t) => t.implicit).map((t) => `${t.label.replace(/^implicit /, '')} on port ${b.index}`));
  if (implicit.length === 0) return [];
  const others = predicted.flatMap((b) => b.takers.filter((t) => !t.implicit).map((t) => `${t.label} on port ${b.index}`));
  return [
    finding(
      meta,
      `Every empty port will be taken at define time: libvirt adds ${implicit.join(', ')}${others.length ? ` and places ${others.join(', ')}` : ''}, so no port is left for hotplug. Add one more empty pcie-root-port, or write <controller type='usb' model='none'/> / <memballoon model='none'/> if the guest does without them.`,
      { controllers: predicted.map((b) => b.index) },
      fixes,
    ),
  ];
});

const noDefaults = [dev('usb', 'controller', undefined, { type: 'usb', model: 'none' }), dev('mb', 'memballoon', undefined, { model: 'none' })];

export const cases = {
  pass: [
    { name: 'one empty root port, no default devices', design: q35([rootPort(1, 1), rootPort(2, 1, 1)], [dev('vda', 'disk', at(1, 0)), ...noDefaults]) },
    { name: 'a port each for the default USB controller and memballoon, and one spare', design: q35([rootPort(1, 1), rootPort(2, 1, 1), rootPort(3, 1, 2), rootPort(4, 1, 3)], [dev('vda', 'disk', at(1, 0))]) },
    { name: 'ARM virt: libvirt adds no USB controller or memballoon, so the one empty port is a spare', design: virt([rootPort(1, 1), rootPort(2, 1, 1)], [dev('vda', 'disk', at(1, 0))]) },
  ],
  fail: [
    { name: 'every port used', design: q35([rootPort(1, 1)], [dev('vda', 'disk', at(1, 0))]), expect: { controllers: [1] } },
    // d09: no add-port fix while a pcie-to-pci-bridge waits for a port (it would take it, from a lower index)
    { name: 'every port used and a bridge waiting for one', design: q35([rootPort(1, 1), ctrl('pcie-to-pci-bridge', 2)], [dev('vda', 'disk', at(1, 0)), ...noDefaults]), expect: { controllers: [1] } },
    { name: 'the one empty port goes to the default USB controller', design: q35([rootPort(1, 1), rootPort(2, 1, 1)], [dev('vda', 'disk', at(1, 0)), dev('mb', 'memballoon', undefined, { model: 'none' })]), expect: { controllers: [2] } },
    { name: 'the two empty ports go to the default USB controller and memballoon', design: q35([rootPort(1, 1), rootPort(2, 1, 1), rootPort(3, 1, 2)], [dev('vda', 'disk', at(1, 0))]), expect: { controllers: [2, 3] } },
  ],
};
