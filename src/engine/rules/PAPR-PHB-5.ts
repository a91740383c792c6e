import type { Finding, Rule, RuleMeta } from './types.ts';
import type { RuleContext } from './context.ts';
import { finding } from './context.ts';
import { atDefine } from './atDefine.ts';
import { globalRule } from './define.ts';
import { lowestFree, setTargetFix } from './fixes.ts';
import type { PciController } from '../model/guest.ts';
import { isPhb } from '../model/guest.ts';
import { ctrl, phb, pseries } from './testkit.ts';

const meta: RuleMeta = {
  id: 'PAPR-PHB-5',
  severity: 'error',
  title: 'PHB target indexes are unique',
  why: 'libvirt does not check this, but QEMU refuses to start with two PHBs of one target index ("PHB N already attached").',
  source: 'QEMU hw/ppc/spapr.c spapr_phb_pre_plug; hw/ppc/spapr_pci.c spapr_phb_realize; the target indexes libvirt gives: libvirt src/qemu/qemu_domain_address.c qemuDomainPCIControllerSetDefaults, qemuDomainAddressFindNewTargetIndex (src/conf/domain_conf.c virDomainControllerIsPSeriesPHB: only PHBs with the model name count)',
  families: ['pseries'],
};

/** A PHB other than the default one written without a target index: libvirt gives it one at define. */
const untargeted = (ctx: RuleContext): boolean => ctx.guest.controllers.some((c) => isPhb(c) && c.index !== 0 && c.target.index === undefined);

export const rule: Rule = globalRule(meta, (ctx) => {
  const out: Finding[] = [];
  // The target indexes libvirt gives (qemuDomainPCIControllerSetDefaults) are judged as well: its
  // search sees only PHBs named spapr-pci-host-bridge by then, so a later PHB written without
  // <model name> keeps a target index the search does not see (d12).
  const defined = atDefine(ctx, untargeted);
  const given = new Map<string, number>();
  if (defined) for (const c of defined.guest.controllers) if (isPhb(c) && c.target.index !== undefined) given.set(c.key, c.target.index);
  const targetOf = (c: PciController): number | undefined => c.target.index ?? given.get(c.key);
  const used = new Set<number>();
  for (const c of ctx.guest.controllers) {
    const t = targetOf(c);
    if (isPhb(c) && t !== undefined) used.add(t);
  }
  const first = new Map<number, PciController>();
  for (const c of ctx.guest.controllers) {
    const t = targetOf(c);
    if (!isPhb(c) || t === undefined) continue;
    const earlier = first.get(t);
    if (!earlier) {
      first.set(t, c);
      continue;
    }
    const free = lowestFree(used, 1, 30);
    if (free !== undefined) used.add(free);
    const fixes = free !== undefined && c.index !== 0 ? [setTargetFix(c, `Use the free target index ${free}`, { ...c.target, index: free })] : undefined;
    const told = [earlier, c].filter((x) => x.target.index === undefined).map((x) => `controller ${x.index} gets target index ${t} from libvirt, whose search does not see a PHB written later without <model name='spapr-pci-host-bridge'/>`);
    // a PHB whose index cannot be read (GEN-IDX-1's) still holds its target index: named without a number
    const pair = [earlier, c];
    out.push(finding(meta, `PHB controllers ${pair.map((x) => x.index ?? '(index unreadable)').join(' and ')} both have target index ${t}${told.length ? ` (${told.join('; ')})` : ''}: QEMU refuses to start ("PHB ${t} already attached").`, { controllers: pair.flatMap((x) => (x.index === undefined ? [] : [x.index])) }, fixes));
  }
  return out;
});

export const cases = {
  pass: [
    { name: 'targets 1 and 2', design: pseries([phb(1), phb(2)], []) },
    { name: 'libvirt sees a later PHB written with its model name', design: pseries([ctrl('pci-root', 1), ctrl('pci-root', 2, { modelName: 'spapr-pci-host-bridge', target: { index: 1 } })], []) },
    { name: 'libvirt has named an earlier PHB written without model name', design: pseries([ctrl('pci-root', 1, { target: { index: 1 } }), ctrl('pci-root', 2)], []) },
  ],
  fail: [
    { name: 'two PHBs with target 1', design: pseries([phb(1), phb(2, { index: 1 })], []), expect: { controllers: [1, 2] } },
    // d12-pseries-phb-target-index-without-model-name
    { name: 'libvirt gives a target index a later PHB without model name has', design: pseries([ctrl('pci-root', 1), ctrl('pci-root', 2, { target: { index: 1 } })], []), expect: { controllers: [1, 2] } },
  ],
};
