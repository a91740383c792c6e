import type { Finding, Rule, RuleMeta } from './types.ts';
import { finding } from './context.ts';
import { globalRule } from './define.ts';
import { lowestFree, setTargetFix } from './fixes.ts';
import { isPhb } from '../model/guest.ts';
import { phb, pseries } from './testkit.ts';

const meta: RuleMeta = {
  id: 'PAPR-PHB-5',
  severity: 'error',
  title: 'PHB target indexes are unique',
  why: 'libvirt does not check this, but QEMU refuses to start with two PHBs of one target index ("PHB N already attached").',
  source: 'QEMU hw/ppc/spapr.c spapr_phb_pre_plug; hw/ppc/spapr_pci.c spapr_phb_realize',
  families: ['pseries'],
};

export const rule: Rule = globalRule(meta, (ctx) => {
  const out: Finding[] = [];
  const used = new Set<number>();
  for (const c of ctx.guest.controllers) if (isPhb(c) && c.target.index !== undefined) used.add(c.target.index);
  const first = new Map<number, number | undefined>();
  for (const c of ctx.guest.controllers) {
    const t = c.target.index;
    if (!isPhb(c) || t === undefined) continue;
    if (!first.has(t)) {
      first.set(t, c.index);
      continue;
    }
    const free = lowestFree(used, 1, 30);
    if (free !== undefined) used.add(free);
    const fixes = free !== undefined && c.index !== 0 ? [setTargetFix(c, `Use the free target index ${free}`, { ...c.target, index: free })] : undefined;
    out.push(finding(meta, `PHB controllers ${first.get(t)} and ${c.index} both have target index ${t}: QEMU refuses to start ("PHB ${t} already attached").`, { controllers: [first.get(t) ?? -1, c.index ?? -1] }, fixes));
  }
  return out;
});

export const cases = {
  pass: [{ name: 'targets 1 and 2', design: pseries([phb(1), phb(2)], []) }],
  fail: [{ name: 'two PHBs with target 1', design: pseries([phb(1), phb(2, { index: 1 })], []), expect: { controllers: [1, 2] } }],
};
