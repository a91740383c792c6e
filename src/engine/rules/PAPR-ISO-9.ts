import type { Finding, Rule, RuleMeta } from './types.ts';
import { finding, needsHostFinding } from './context.ts';
import { globalRule } from './define.ts';
import { emptyBuses, homelessGroups } from './spares.ts';
import { isPhb } from '../model/guest.ts';
import { at, hostdev, phb, pseries } from './testkit.ts';

const meta: RuleMeta = {
  id: 'PAPR-ISO-9',
  severity: 'error',
  title: 'At most 30 IOMMU groups can get a PHB of their own',
  why: "PHBs 1-30 are all libvirt accepts (target index 0-30). When it must add a PHB for one more IOMMU group, or give a PHB without target index one, and 1-30 are taken, it picks 31 and refuses the domain (\"target index '31' out of range - must be 0-30\").",
  source: 'libvirt src/qemu/qemu_domain_address.c qemuDomainAddressFindNewTargetIndex (searches 1..31); src/conf/domain_validate.c virDomainControllerDefValidate (0-30)',
  needsHost: true,
  families: ['pseries'],
};

export const rule: Rule = globalRule(meta, (ctx) => {
  const used = new Set<number>();
  for (const c of ctx.guest.controllers) if (isPhb(c) && c.target.index !== undefined) used.add(c.target.index);
  const take = (): number | undefined => {
    for (let t = 1; t <= 31; t++) {
      if (used.has(t)) continue;
      used.add(t);
      return t;
    }
    return undefined;
  };
  const out: Finding[] = [];
  // libvirt keeps controllers sorted by index and hands target indexes out in that order.
  const untargeted = ctx.guest.controllers.filter((c) => isPhb(c) && c.index !== undefined && c.index !== 0 && c.target.index === undefined).sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
  for (const c of untargeted) {
    const t = take();
    if (t !== undefined && t <= 30) continue;
    out.push(finding(meta, t === 31 ? `PHB controller ${c.index} has no target index and 1-30 are all taken: libvirt gives it 31 and refuses the domain ("target index '31' out of range - must be 0-30").` : `PHB controller ${c.index} has no target index and none is left: libvirt refuses the domain ("No usable target index found").`, { controllers: [c.index ?? -1] }));
  }

  const homeless = homelessGroups(ctx);
  const newPhbs = homeless.count - emptyBuses(ctx, { hotpluggable: false }).length;
  if (newPhbs <= 0) return out;
  let overflow = false;
  for (let i = 0; i < newPhbs; i++) {
    const t = take();
    if (t === undefined || t > 30) overflow = true;
  }
  if (!overflow) return out;
  // Without the host every device counts as its own group, which can only overcount.
  if (!ctx.host) return [...out, needsHostFinding(meta)];
  const groups = [...new Set(homeless.devices.flatMap((d) => {
    const g = ctx.groupOf(d);
    return g === undefined ? [] : [g];
  }))].sort((a, b) => a - b);
  out.push(
    finding(
      meta,
      `${homeless.count} IOMMU group(s) of hostdevs without an address need a PHB of their own, but only ${homeless.count - newPhbs} empty bus(es) exist and the target indexes 1-30 run out: libvirt would add a PHB with target index 31 and refuse the domain ("target index '31' out of range - must be 0-30"). Give some hostdevs addresses on shared PHBs, or pass fewer groups through.`,
      { devices: homeless.devices.map((d) => d.key), groups },
    ),
  );
  return out;
});

const hex = (n: number): string => n.toString(16).padStart(2, '0');
/** 29 PHBs (targets 1-29), each holding one addressed group, and `extra` unaddressed groups. */
function full(extra: number, withHost = true) {
  const groups: Record<number, string[]> = {};
  const devices = [];
  for (let g = 1; g <= 29 + extra; g++) {
    const a = `0000:${hex(g)}:00.0`;
    groups[g] = [a];
    devices.push(hostdev(a, g <= 29 ? at(g, 1) : undefined));
  }
  return pseries(Array.from({ length: 29 }, (_, i) => phb(i + 1)), devices, withHost ? { groups } : undefined);
}

export const cases = {
  pass: [
    { name: '30 groups: the 30th gets target index 30', design: full(1) },
    { name: 'two unaddressed functions of one group need one PHB', design: pseries(Array.from({ length: 29 }, (_, i) => phb(i + 1)), [hostdev('0000:40:00.0'), hostdev('0000:40:00.1')], { groups: { 40: ['0000:40:00.0', '0000:40:00.1'] } }) },
    { name: '30 PHBs without target index', design: pseries(Array.from({ length: 30 }, (_, i) => phb(i + 1, { index: undefined })), []) },
  ],
  fail: [
    { name: '31 groups: the 31st would get target index 31', design: full(2), expect: { devices: ['0000:1e:00.0', '0000:1f:00.0'], groups: [30, 31] } },
    { name: '31 PHBs, the last without target index', design: pseries([...Array.from({ length: 30 }, (_, i) => phb(i + 1)), phb(31, { index: undefined })], []), expect: { controllers: [31] } },
  ],
};
