import type { RuleContext } from './context.ts';

/** Bus numbers a guest uses: the root bus plus one per port, bridge or expander (QEMU docs/pcie.txt §4). */
export function busNumbersUsed(ctx: RuleContext): number {
  let n = 1;
  for (const c of ctx.guest.controllers) if (c.model !== 'pcie-root' && c.model !== 'pci-root') n++;
  return n;
}
