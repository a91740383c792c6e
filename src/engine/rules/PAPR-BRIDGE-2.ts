import type { Finding, Rule, RuleMeta } from './types.ts';
import { finding } from './context.ts';
import { globalRule } from './define.ts';
import { lowestFree, setTargetFix } from './fixes.ts';
import { at, ctrl, pseries } from './testkit.ts';

const meta: RuleMeta = {
  id: 'PAPR-BRIDGE-2',
  severity: 'error',
  title: "pci-bridge chassisNr is unique across the machine",
  why: 'On pseries the bridge chassis number keys the hotplug connectors (DRCs); QEMU refuses two bridges with one chassis ("Bridge chassis N already in use").',
  source: 'QEMU hw/ppc/spapr_pci.c bridge_has_valid_chassis_nr, drc_id_from_devfn',
  families: ['pseries'],
};

export const rule: Rule = globalRule(meta, (ctx) => {
  const bridges = ctx.guest.controllers.filter((c) => c.model === 'pci-bridge');
  const chassis = (c: (typeof bridges)[number]): number | undefined => c.target.chassisNr ?? c.index;
  const used = new Set<number>();
  for (const b of bridges) {
    const n = chassis(b);
    if (n !== undefined) used.add(n);
  }
  const first = new Map<number, number | undefined>();
  const out: Finding[] = [];
  for (const b of bridges) {
    const n = chassis(b);
    if (n === undefined) continue;
    if (!first.has(n)) {
      first.set(n, b.index);
      continue;
    }
    const free = lowestFree(used, 1, 255);
    if (free !== undefined) used.add(free);
    const fixes = free !== undefined ? [setTargetFix(b, `Give bridge ${b.index ?? '(index unreadable)'} the free chassisNr ${free}`, { ...b.target, chassisNr: free })] : undefined;
    // a bridge whose index cannot be read (GEN-IDX-1's) still clashes by its chassisNr, but has no number to name
    const pair = [first.get(n), b.index];
    out.push(finding(meta, `pci-bridges ${pair.map((i) => i ?? '(index unreadable)').join(' and ')} both use chassis ${n}: QEMU refuses to start ("Bridge chassis ${n} already in use").`, { controllers: pair.filter((i) => i !== undefined) }, fixes));
  }
  return out;
});

export const cases = {
  pass: [{ name: 'chassis 1 and 2', design: pseries([ctrl('pci-bridge', 1, { address: at(0, 1), target: { chassisNr: 1 } }), ctrl('pci-bridge', 2, { address: at(0, 2), target: { chassisNr: 2 } })], []) }],
  fail: [{ name: 'chassis 1 twice', design: pseries([ctrl('pci-bridge', 1, { address: at(0, 1), target: { chassisNr: 1 } }), ctrl('pci-bridge', 2, { address: at(0, 2), target: { chassisNr: 1 } })], []), expect: { controllers: [1, 2] } }],
};
