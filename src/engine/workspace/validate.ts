import type { Workspace } from '../model/workspace.ts';
import { hostUsage } from '../model/workspace.ts';
import type { RuleMeta } from '../rules/types.ts';
import type { ValidateOptions } from '../rules/validate.ts';
import { internalFinding, ruleMeta, validate } from '../rules/validate.ts';
import { RULES } from '../rules/index.ts';
import { WORKSPACE_RULES } from '../rules/workspace/index.ts';
import type { WorkspaceFinding } from '../rules/workspace/types.ts';

/**
 * Checks a workspace: every guest with the whole single-domain catalog (exactly `validate` of its
 * design), then the rules across guests (rules/workspace). Each finding names its domain(s) in
 * `domains`. Order: each guest's findings in workspace order (as `validate` orders them), then the
 * findings across guests, errors first. A rule that throws becomes its one `internal` finding, as
 * in `validate`. `opts`: the libvirt release every guest is judged as ({@link ValidateOptions}).
 */
export function validateWorkspace(ws: Workspace, opts: ValidateOptions = {}): WorkspaceFinding[] {
  const out: WorkspaceFinding[] = [];
  for (const g of ws.guests) for (const f of validate(g.design, RULES, opts)) out.push({ ...f, domains: [g.name] });
  out.push(...validateAcrossGuests(ws));
  return out;
}

const RANK = { error: 0, warning: 1, info: 2 } as const;

/** Only the rules across guests (the host panel's usage warnings), errors first then by rule id. */
export function validateAcrossGuests(ws: Workspace): WorkspaceFinding[] {
  const ctx = { workspace: ws, usage: hostUsage(ws) };
  const out: WorkspaceFinding[] = [];
  for (const rule of WORKSPACE_RULES) {
    try {
      out.push(...rule.check(ctx));
    } catch (e) {
      out.push({ ...internalFinding(rule.meta, e), domains: ws.guests.map((g) => g.name) });
    }
  }
  return out.sort((a, b) => RANK[a.severity] - RANK[b.severity] || (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0));
}

/** The meta of a rule, single-guest or across guests. */
export function anyRuleMeta(id: string): RuleMeta | undefined {
  return ruleMeta(id) ?? WORKSPACE_RULES.find((r) => r.meta.id === id)?.meta;
}
