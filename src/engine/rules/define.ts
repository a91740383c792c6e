import type { Bus, RuleContext } from './context.ts';
import { needsHostFinding } from './context.ts';
import type { Finding, Rule, RuleMeta } from './types.ts';

/** A rule that looks at one bus at a time, so the incremental validator can cache it per bus. */
export function busRule(meta: RuleMeta, checkBus: (ctx: RuleContext, bus: Bus) => Finding[], checkOffBus?: (ctx: RuleContext) => Finding[]): Rule {
  return {
    meta,
    checkBus,
    ...(checkOffBus ? { checkOffBus } : {}),
    check: (ctx) => [...ctx.buses.flatMap((b) => checkBus(ctx, b)), ...(checkOffBus?.(ctx) ?? [])],
  };
}

export function globalRule(meta: RuleMeta, check: (ctx: RuleContext) => Finding[]): Rule {
  return { meta, check };
}

/**
 * A rule that needs the host. Without one it says so once, but only when the guest has something
 * for it to judge (`relevant`), so a guest with no hostdevs is not told to load a host.
 */
export function hostRule(meta: RuleMeta, relevant: (ctx: RuleContext) => boolean, check: (ctx: RuleContext) => Finding[]): Rule {
  return { meta, check: (ctx) => (ctx.host ? check(ctx) : relevant(ctx) ? [needsHostFinding(meta)] : []) };
}
