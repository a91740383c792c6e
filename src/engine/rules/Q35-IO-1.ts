import type { Rule, RuleMeta } from './types.ts';
import { finding } from './context.ts';
import { globalRule } from './define.ts';
import { at, ctrl, dev, q35, rootPort } from './testkit.ts';

const meta: RuleMeta = {
  id: 'Q35-IO-1',
  severity: 'warning',
  title: 'IO space: about 10 ports or bridges with IO BARs behind them',
  why: 'The 64 KiB IO space is handed out in 4 KiB windows, one per port or bridge with IO BARs behind it; past about ten, devices lose their IO BARs and legacy ones stop working.',
  source: 'QEMU docs/pcie.txt §3, §5.1',
  families: ['q35', 'virt'],
};

const LIMIT = 10;

export const rule: Rule = globalRule(meta, (ctx) => {
  const withIo: number[] = [];
  for (const bus of ctx.buses) {
    const c = bus.controller;
    if (!c || c.model === 'pcie-root' || c.model === 'pci-root' || c.index === undefined) continue;
    if (bus.devices.some((d) => ctx.takesPci(d) && ctx.endpointType(d) === 'pci-endpoint')) withIo.push(c.index);
  }
  const bridges = ctx.guest.controllers.filter((c) => c.model === 'pci-bridge').length;
  if (withIo.length <= LIMIT && bridges <= 9) return [];
  return [finding(meta, `${withIo.length} ports/bridges have devices with IO BARs behind them and there are ${bridges} pci-bridges: the 64 KiB IO space fits about ${LIMIT} (QEMU advises at most 9 pci-bridges).`, { controllers: withIo })];
});

export const cases = {
  pass: [{ name: 'one bridge with a legacy NIC', design: q35([rootPort(1, 1), ctrl('pcie-to-pci-bridge', 2, { address: at(1, 0) })], [dev('nic', 'interface', at(2, 1), { model: 'e1000' })]) }],
  fail: [
    {
      name: '11 root ports with transitional virtio',
      design: q35(
        Array.from({ length: 11 }, (_, i) => rootPort(i + 1, 1 + Math.floor(i / 8), i % 8)),
        Array.from({ length: 11 }, (_, i) => dev(`vd${i}`, 'disk', at(i + 1, 0), { model: 'virtio-transitional' })),
      ),
      expect: {},
    },
  ],
};
