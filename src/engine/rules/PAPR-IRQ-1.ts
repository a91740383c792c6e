import type { Rule, RuleMeta } from './types.ts';
import { finding } from './context.ts';
import { globalRule } from './define.ts';
import { isHostdev } from './context.ts';
import { at, hostdev, phb, pseries } from './testkit.ts';

const meta: RuleMeta = {
  id: 'PAPR-IRQ-1',
  severity: 'warning',
  title: 'MSI vectors fit the machine-wide pool',
  why: 'All PHBs draw MSIs from one pool of 3,328 vectors (1,024 IRQs in all on pseries-3.0 and older); devices that cannot get their vectors fall back to fewer queues or fail to probe.',
  source: 'QEMU include/hw/ppc/spapr_irq.h, hw/ppc/spapr_irq.c spapr_irq_nr_msis, hw/ppc/spapr_pci.c spapr_phb_realize',
  families: ['pseries'],
};

/** Rough MSI-X demand: passed-through NICs/HBAs ask for one vector per queue (commonly 32-64), virtio a few. */
const HOSTDEV_VECTORS = 32;
const EMULATED_VECTORS = 3;

function legacyPool(machine: string | undefined): boolean {
  const m = /^pseries-(\d+)\.(\d+)/.exec(machine ?? '');
  return !!m && (Number(m[1]) < 3 || (Number(m[1]) === 3 && Number(m[2]) === 0));
}

export const rule: Rule = globalRule(meta, (ctx) => {
  const pool = legacyPool(ctx.guest.machine) ? 1024 : 3328;
  let want = 0;
  for (const d of ctx.guest.devices) {
    if (isHostdev(d)) want += HOSTDEV_VECTORS;
    else if (ctx.takesPci(d)) want += EMULATED_VECTORS;
  }
  if (want < pool * 0.9) return [];
  return [finding(meta, `The devices may ask for about ${want} MSI vectors (estimate: ${HOSTDEV_VECTORS} per hostdev function, ${EMULATED_VECTORS} per emulated device); the machine-wide pool holds ${pool}.`, {})];
});

export const cases = {
  pass: [{ name: 'a few hostdevs', design: pseries([phb(1)], [hostdev('0000:01:00.0', at(1, 1))]) }],
  fail: [
    {
      name: '100 hostdev functions',
      design: pseries(
        Array.from({ length: 4 }, (_, i) => phb(i + 1)),
        Array.from({ length: 100 }, (_, i) => hostdev(`0000:${(i + 1).toString(16).padStart(2, '0')}:00.0`, at(1 + (i % 4), 1 + Math.floor(i / 4)))),
      ),
      expect: {},
    },
  ],
};
