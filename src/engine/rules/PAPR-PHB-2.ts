import type { Finding, Rule, RuleMeta } from './types.ts';
import type { Guest } from '../model/guest.ts';
import { finding } from './context.ts';
import { globalRule } from './define.ts';
import { setTargetFix } from './fixes.ts';
import { nextPhbTargetIndex } from '../commands/commands.ts';
import { isPhb } from '../model/guest.ts';
import { MAX_PHBS, MAX_PHB_TARGET_INDEX, pseriesPhbCount } from '../libvirt/limits.ts';
import { at, ctrl, phb, pseries } from './testkit.ts';

const meta: RuleMeta = {
  id: 'PAPR-PHB-2',
  severity: 'error',
  title: 'PHB target index is 0-30',
  why: 'QEMU places at most 31 PHBs in the 32-64 TiB window; libvirt refuses a target index above 30.',
  source: "libvirt src/conf/domain_validate.c virDomainControllerDefValidate (\"target index 'N' out of range - must be 0-30\"); QEMU include/hw/pci-host/spapr.h SPAPR_MAX_PHBS",
  families: ['pseries'],
};

export const rule: Rule = globalRule(meta, (ctx) => [
  ...ctx.guest.controllers.flatMap((c) => {
    const t = c.target.index;
    if (!isPhb(c) || t === undefined || (t >= 0 && t <= 30)) return [];
    const free = nextPhbTargetIndex(ctx.guest);
    const fixes = free <= 30 && c.index !== 0 ? [setTargetFix(c, `Use the free target index ${free}`, { ...c.target, index: free })] : undefined;
    return [finding(meta, `PCI controller ${c.index ?? '(index unreadable)'} has target index ${t}, out of range: it must be 0-30.`, { controllers: c.index !== undefined ? [c.index] : [] }, fixes)];
  }),
  ...tooManyPhbs(ctx.guest),
]);

/**
 * issue 11 (h06-pseries-index-255): libvirt fills every index gap below a PHB with another PHB
 * (qemuDomainPCIAddressSetCreate), each needing its own target index; past 31 PHBs none is left
 * (qemuDomainAddressFindNewTargetIndex, virDomainControllerDefValidate). Counted, never built.
 */
function tooManyPhbs(guest: Guest): Finding[] {
  const n = pseriesPhbCount(guest, false);
  if (n <= MAX_PHBS) return [];
  // n > 31 needs a controller index above 30: those are the ones to renumber
  const high = guest.controllers.filter((c) => c.index !== undefined && c.index > MAX_PHB_TARGET_INDEX && c.index <= 255).map((c) => c.index as number);
  return [finding(meta, `Controller index ${Math.max(...high)} makes libvirt fill the indexes below it with PHBs: ${n} PHBs, but target indexes 0-${MAX_PHB_TARGET_INDEX} allow only ${MAX_PHBS} ("No usable target index found"). Use controller indexes up to ${MAX_PHB_TARGET_INDEX} for PHBs.`, { controllers: high })];
}

export const cases = {
  pass: [
    { name: 'target index 30', design: pseries([phb(1, { index: 30 })], []) },
    { name: 'target index 0 on the default PHB', design: pseries([], []) },
    { name: 'PHB at controller index 30: 31 PHBs once the gaps are filled', design: pseries([phb(30, { index: undefined })], []) },
  ],
  fail: [
    { name: 'target index 31', design: pseries([phb(1, { index: 31 })], []), expect: { controllers: [1] } },
    // h09-phb-negative-target: libvirt reads the target index as a signed int and refuses below 0
    { name: 'target index -2', design: pseries([phb(1, { index: -2 })], []), expect: { controllers: [1] } },
    // h06-pseries-index-255: 254 gap PHBs, never built
    { name: 'a PHB at controller index 255', design: pseries([phb(255, { index: undefined })], []), expect: { controllers: [255] } },
    { name: 'a PHB at controller index 31: 32 PHBs', design: pseries([phb(31, { index: undefined })], []), expect: { controllers: [31] } },
    { name: 'a pci-bridge at index 40 on pseries: the gaps below it become PHBs', design: pseries([ctrl('pci-bridge', 40, { address: at(0, 2) })], []), expect: { controllers: [40] } },
  ],
};
