import type { Rule, RuleMeta } from './types.ts';
import { addrText, finding } from './context.ts';
import { busRule } from './define.ts';
import { at, dev, q35 } from './testkit.ts';

const meta: RuleMeta = {
  id: 'Q35-PCI-2',
  severity: 'warning',
  title: 'A legacy PCI device on pcie-root cannot be hot-unplugged',
  why: 'A conventional PCI device written onto pcie-root becomes an integrated endpoint: it works, but it can never be hot-unplugged. Behind a pcie-to-pci-bridge it could.',
  source: 'QEMU docs/pcie.txt §2.1, §5',
  families: ['q35', 'virt'],
};

export const rule: Rule = busRule(meta, (ctx, bus) => {
  if (bus.controller?.model !== 'pcie-root') return [];
  return bus.devices.flatMap((d) => {
    // The primary video and the ICH9 SATA controller are integrated by design.
    if (!d.address || !ctx.takesPci(d) || d.element === 'video' || (d.element === 'controller' && d.type === 'sata')) return [];
    if (ctx.endpointType(d) !== 'pci-endpoint') return [];
    return [finding(meta, `${d.label} at ${addrText(d.address)} is a conventional PCI device on pcie-root: an integrated endpoint that cannot be hot-unplugged.`, { controllers: [0], devices: [d.key] })];
  });
});

export const cases = {
  pass: [{ name: 'virtio on pcie-root', design: q35([], [dev('vda', 'disk', at(0, 3))]) }],
  fail: [{ name: 'e1000 on pcie-root', design: q35([], [dev('nic', 'interface', at(0, 3), { model: 'e1000' })]), expect: { devices: ['nic'] } }],
};
