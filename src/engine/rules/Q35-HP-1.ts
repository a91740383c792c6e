import type { Rule, RuleMeta } from './types.ts';
import { finding } from './context.ts';
import { globalRule } from './define.ts';
import { firstFreeSlot } from '../commands/commands.ts';
import { at, dev, q35, rootPort } from './testkit.ts';

const meta: RuleMeta = {
  id: 'Q35-HP-1',
  severity: 'warning',
  title: 'Keep an empty root port for hotplug',
  why: 'On PCIe machines a device can only be hotplugged into an empty root or downstream port, and libvirt cannot add ports to a running guest; without a spare, nothing can be hotplugged.',
  source: 'libvirt docs/pci-hotplug.rst (q35); QEMU docs/pcie.txt §5',
  families: ['q35', 'virt'],
};

export const rule: Rule = globalRule(meta, (ctx) => {
  const ports = ctx.guest.controllers.filter((c) => c.model === 'pcie-root-port' || c.model === 'pcie-switch-downstream-port');
  const empty = ports.filter((c) => {
    if (c.target.hotplug === 'off' || c.index === undefined) return false;
    const bus = ctx.busByIndex.get(c.index);
    return !bus || (bus.devices.length === 0 && bus.controllers.length === 0);
  });
  if (empty.length > 0) return [];
  const slot = firstFreeSlot(ctx.guest, 0);
  const fixes = slot !== undefined ? [{ label: 'Add an empty pcie-root-port', command: { kind: 'add-controller' as const, controller: { model: 'pcie-root-port', address: at(0, slot) } } }] : undefined;
  return [finding(meta, 'No empty hotpluggable root or downstream port: nothing can be hotplugged into this guest. Add one empty pcie-root-port per device you plan to hotplug.', { controllers: ports.flatMap((c) => (c.index !== undefined ? [c.index] : [])) }, fixes)];
});

export const cases = {
  pass: [{ name: 'one empty root port', design: q35([rootPort(1, 1), rootPort(2, 1, 1)], [dev('vda', 'disk', at(1, 0))]) }],
  fail: [{ name: 'every port used', design: q35([rootPort(1, 1)], [dev('vda', 'disk', at(1, 0))]), expect: { controllers: [1] } }],
};
