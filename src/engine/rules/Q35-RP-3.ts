import type { Finding, Rule, RuleMeta } from './types.ts';
import { finding } from './context.ts';
import { globalRule } from './define.ts';
import { lowestFree, setTargetFix } from './fixes.ts';
import { q35, rootPort } from './testkit.ts';

const meta: RuleMeta = {
  id: 'Q35-RP-3',
  severity: 'error',
  title: 'Root and downstream port chassis numbers are unique',
  why: 'libvirt never sets the port slot, so each (chassis, slot) pair is (chassis, 0): two ports with one chassis make QEMU fail at start ("Can\'t add chassis slot, error -16"). libvirt does not check this.',
  source: 'QEMU hw/pci-bridge/pcie_root_port.c, xio3130_downstream.c realize -> pcie_chassis_add_slot; docs/pcie.txt §2.2',
  families: ['q35', 'virt', 'i440fx', 'other'],
};

export const rule: Rule = globalRule(meta, (ctx) => {
  const ports = ctx.guest.controllers.filter((c) => c.model === 'pcie-root-port' || c.model === 'pcie-switch-downstream-port');
  const chassisOf = (c: (typeof ports)[number]): number | undefined => c.target.chassis ?? c.index;
  const used = new Set<number>();
  for (const p of ports) {
    const n = chassisOf(p);
    if (n !== undefined) used.add(n);
  }
  const first = new Map<number, number | undefined>();
  const out: Finding[] = [];
  for (const p of ports) {
    const n = chassisOf(p);
    if (n === undefined) continue;
    if (!first.has(n)) {
      first.set(n, p.index);
      continue;
    }
    const free = lowestFree(used, 1, 255);
    if (free !== undefined) used.add(free);
    out.push(finding(meta, `Ports ${first.get(n)} and ${p.index} both use chassis ${n}: QEMU refuses to start ("Can't add chassis slot, error -16").`, { controllers: [first.get(n) ?? -1, p.index ?? -1] }, free !== undefined ? [setTargetFix(p, `Give port ${p.index} the free chassis ${free}`, { ...p.target, chassis: free })] : undefined));
  }
  return out;
});

export const cases = {
  pass: [{ name: 'chassis = index', design: q35([rootPort(1, 1), rootPort(2, 1, 1)], []) }],
  fail: [{ name: 'chassis 1 twice', design: q35([rootPort(1, 1), rootPort(2, 1, 1, { target: { chassis: 1, port: 9 } })], []), expect: { controllers: [1, 2] } }],
};
