import type { Finding, FindingSubjects, RuleMeta } from '../types.ts';
import type { HostUsage, Workspace } from '../../model/workspace.ts';

/**
 * A finding about a workspace: a single guest's finding, or one that lies between guests. `domains`
 * names the domain(s) it is about: one for a guest's own finding, every guest involved (in
 * workspace order) for a finding across guests.
 */
export interface WorkspaceFinding extends Finding {
  readonly domains: readonly string[];
}

/** What a rule across guests sees: the workspace and who uses what on its host. */
export interface WorkspaceContext {
  readonly workspace: Workspace;
  readonly usage: HostUsage;
}

/**
 * A rule across the guests of one host (issue 15). Same contract as a single-guest rule (RULES.md id,
 * severity, source, a case table of passing and failing workspaces), judged on the whole workspace.
 * Its findings carry no fixes: which guest should give the device up is the user's call.
 */
export interface WorkspaceRule {
  readonly meta: RuleMeta;
  readonly check: (ctx: WorkspaceContext) => WorkspaceFinding[];
}

export interface WorkspaceRuleCase {
  readonly name: string;
  readonly workspace: Workspace;
}

export interface WorkspaceFailCase extends WorkspaceRuleCase {
  /** the subjects and domains of a finding of this rule, compared field by field where given */
  readonly expect: FindingSubjects & { readonly domains?: readonly string[] };
}

export interface WorkspaceRuleCases {
  readonly pass: readonly WorkspaceRuleCase[];
  readonly fail: readonly WorkspaceFailCase[];
}

export function workspaceFinding(meta: RuleMeta, message: string, subjects: FindingSubjects, domains: readonly string[]): WorkspaceFinding {
  return { ruleId: meta.id, severity: meta.severity, message, subjects, domains };
}

// the workspace rules' words for several guests; one list-joining for every rule
export { listNames } from '../../model/names.ts';
