import type { Rule, RuleMeta } from './types.ts';
import { finding } from './context.ts';
import { globalRule } from './define.ts';
import { busNumbersUsed } from './buses.ts';
import { ctrl, q35, rootPort } from './testkit.ts';

const meta: RuleMeta = {
  id: 'Q35-SW-2',
  severity: 'warning',
  title: 'Bus numbers: 256 per PCI domain',
  why: 'Every root port, switch port and bridge takes one of the 256 bus numbers of domain 0 (q35 has no other, even with pxb-pcie); switches use them up fastest.',
  source: 'QEMU docs/pcie.txt §4, §5.1',
  families: ['q35', 'virt'],
};

const WARN_AT = 230;

export const rule: Rule = globalRule(meta, (ctx) => {
  const used = busNumbersUsed(ctx);
  if (used < WARN_AT) return [];
  return [finding(meta, `The topology uses ${used} of 256 bus numbers. Prefer multifunction root ports to switches.`, {})];
});

export const cases = {
  pass: [{ name: 'a few ports', design: q35([rootPort(1, 1), rootPort(2, 1, 1)], []) }],
  fail: [{ name: '240 ports and bridges', design: q35(Array.from({ length: 240 }, (_, i) => ctrl('pci-bridge', i + 1, { target: { chassisNr: i + 1 } })), []), expect: {} }],
};
