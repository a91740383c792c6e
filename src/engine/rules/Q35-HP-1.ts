import type { Rule, RuleMeta } from './types.ts';
import type { PciController } from '../model/guest.ts';
import type { RuleContext } from './context.ts';
import { finding, nextFreeIndex } from './context.ts';
import { globalRule } from './define.ts';
import { newRootPort } from './fixes.ts';
import { predictDefine } from '../placement/defineTime.ts';
import { atDefine, placesControllers } from './atDefine.ts';
import { at, ctrl, dev, q35, rootPort, virt } from './testkit.ts';

const meta: RuleMeta = {
  id: 'Q35-HP-1',
  severity: 'warning',
  title: 'Keep an empty root port for hotplug',
  why: 'On PCIe machines a device can only be hotplugged into an empty root or downstream port, and libvirt cannot add ports to a running guest; without a spare, nothing can be hotplugged. The devices libvirt adds on its own at define time (on q35 the default USB controller unless <controller type=\'usb\' model=\'none\'/> and the virtio memballoon unless <memballoon model=\'none\'/>; neither on ARM virt) go into the first empty ports, so those are no spares.',
  source: 'libvirt docs/pci-hotplug.rst (q35); QEMU docs/pcie.txt §5; libvirt qemuDomainDefAddDefaultDevices, virDomainPCIAddressGetNextAddr; src/qemu/qemu_domain_address.c qemuDomainAssignPCIAddresses (the spare root port it adds with the ones it auto-adds)',
  families: ['q35', 'virt'],
};

const isPort = (c: PciController): boolean => c.model === 'pcie-root-port' || c.model === 'pcie-switch-downstream-port';

/**
 * Is a hotpluggable port still empty once libvirt has defined the guest? The ports libvirt adds
 * count too: when it adds root ports to a design with no PCI controller of its own it adds one
 * more, kept empty (qemuDomainAssignPCIAddresses reserves a spare PCIe slot), so validate on the
 * input says what it says on the output of `place` (issue 13).
 */
function spareAfterDefine(ctx: RuleContext): boolean | undefined {
  const defined = atDefine(ctx, () => true);
  if (!defined) return undefined;
  const used = new Set<number>();
  for (const x of [...defined.guest.devices, ...defined.guest.controllers]) if (x.address) used.add(x.address.bus);
  return defined.guest.controllers.some((c) => isPort(c) && c.target.hotplug !== 'off' && c.index !== undefined && !used.has(c.index));
}

export const rule: Rule = globalRule(meta, (ctx) => {
  const spare = spareAfterDefine(ctx);
  if (spare) return [];
  const ports = ctx.guest.controllers.filter(isPort);
  const empty = ports.filter((c) => {
    if (c.target.hotplug === 'off' || c.index === undefined) return false;
    const bus = ctx.busByIndex.get(c.index);
    return !bus || (bus.devices.length === 0 && bus.controllers.length === 0);
  });
  // a chassis no port has, nor takes at define (newRootPort), so the new port clashes with none (d10)
  const port = newRootPort(ctx, nextFreeIndex(ctx.guest));
  // A controller libvirt cannot place (GEN-CONNECT-1) would take a new port at define, and from a
  // lower index than the port's (GEN-IDX-4): that fix comes first.
  const stranded = atDefine(ctx, placesControllers)?.unplaced.some((k) => ctx.guest.controllers.some((c) => c.key === k)) ?? false;
  const fixes = port && !stranded ? [{ label: 'Add an empty pcie-root-port', command: port.command }] : undefined;
  if (empty.length === 0) {
    return [finding(meta, 'No empty hotpluggable root or downstream port: nothing can be hotplugged into this guest. Add one empty pcie-root-port per device you plan to hotplug.', { controllers: ports.flatMap((c) => (c.index !== undefined ? [c.index] : [])) }, fixes)];
  }
  // The empty ports as the XML will have them, and what libvirt puts there at define time.
  const predicted = predictDefine(ctx.guest, ctx.host).empty.filter((b) => b.kind === 'port');
  if (predicted.length === 0 || predicted.some((b) => b.takers.length === 0)) return [];
  const implicit = predicted.flatMap((b) => b.takers.filter((t) => t.implicit).map((t) => `${t.label.replace(/^implicit /, '')} on port ${b.index}`));
  // Only the define-time model can say the ports the design leaves to libvirt's placement are gone
  // (spare === false); without it, the ones libvirt's own devices take are what is sure.
  if (implicit.length === 0 && spare !== false) return [];
  const others = predicted.flatMap((b) => b.takers.filter((t) => !t.implicit).map((t) => `${t.label} on port ${b.index}`));
  const what = [...(implicit.length ? [`adds ${implicit.join(', ')}`] : []), ...(others.length ? [`places ${others.join(', ')}`] : [])].join(' and ');
  return [
    finding(
      meta,
      `Every empty port will be taken at define time: libvirt ${what}, so no port is left for hotplug. Add one more empty pcie-root-port${implicit.length ? ", or write <controller type='usb' model='none'/> / <memballoon model='none'/> if the guest does without them" : ''}.`,
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
    // d15, d17: with no PCI controller written, libvirt adds the root ports the devices need and one spare
    { name: 'no controller written: libvirt adds ports and keeps one empty', design: q35([], [dev('rng0', 'rng'), ...noDefaults]) },
  ],
  fail: [
    { name: 'every port used', design: q35([rootPort(1, 1)], [dev('vda', 'disk', at(1, 0))]), expect: { controllers: [1] } },
    // d09: no add-port fix while a pcie-to-pci-bridge waits for a port (it would take it, from a lower index)
    // d10: the one empty port goes to a device the design leaves to libvirt
    { name: 'the one empty port goes to a device libvirt places', design: q35([ctrl('pcie-root-port', 1)], [dev('rng0', 'rng'), ...noDefaults]), expect: { controllers: [1] } },
    { name: 'a controller written: libvirt adds the ports the devices need, and no spare', design: q35([rootPort(1, 1)], [dev('vda', 'disk', at(1, 0)), dev('rng0', 'rng'), ...noDefaults]), expect: { controllers: [1] } },
    { name: 'every port used and a bridge waiting for one', design: q35([rootPort(1, 1), ctrl('pcie-to-pci-bridge', 2)], [dev('vda', 'disk', at(1, 0)), ...noDefaults]), expect: { controllers: [1] } },
    { name: 'the one empty port goes to the default USB controller', design: q35([rootPort(1, 1), rootPort(2, 1, 1)], [dev('vda', 'disk', at(1, 0)), dev('mb', 'memballoon', undefined, { model: 'none' })]), expect: { controllers: [2] } },
    { name: 'the two empty ports go to the default USB controller and memballoon', design: q35([rootPort(1, 1), rootPort(2, 1, 1), rootPort(3, 1, 2)], [dev('vda', 'disk', at(1, 0))]), expect: { controllers: [2, 3] } },
  ],
};
