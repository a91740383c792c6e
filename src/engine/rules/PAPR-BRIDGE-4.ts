import type { Rule, RuleMeta } from './types.ts';
import { finding } from './context.ts';
import { globalRule } from './define.ts';
import { at, ctrl, phb, pseries } from './testkit.ts';

const meta: RuleMeta = {
  id: 'PAPR-BRIDGE-4',
  severity: 'warning',
  title: 'Prefer PHBs to pci-bridges on pseries',
  why: "A pci-bridge creates no new PE: what sits behind it shares its PHB's DMA window, IOMMU address space and EEH scope. Another PHB gives real isolation.",
  source: 'QEMU hw/ppc/spapr_pci.c spapr_pci_dma_iommu; libvir-list "[PATCH 00/26] Support multiple PHBs for pSeries guests" (2017)',
  families: ['pseries'],
};

export const rule: Rule = globalRule(meta, (ctx) =>
  ctx.guest.controllers
    .filter((c) => c.model === 'pci-bridge')
    .map((c) => finding(meta, `pci-bridge ${c.index ?? '(index unreadable)'} adds no isolation on pseries: its devices share the PHB's DMA window and EEH PE. Prefer another PHB (pci-root).`, { controllers: c.index !== undefined ? [c.index] : [] })),
);

export const cases = {
  pass: [{ name: 'PHBs only', design: pseries([phb(1)], []) }],
  fail: [{ name: 'a bridge', design: pseries([ctrl('pci-bridge', 1, { address: at(0, 1), target: { chassisNr: 1 } })], []), expect: { controllers: [1] } }],
};
