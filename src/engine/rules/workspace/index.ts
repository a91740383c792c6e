/**
 * Rules across the guests of one host (issue 15): the registry, one rule per file named after its
 * id, like the single-guest catalog one folder up. Sorted by id (the meta-test checks it against
 * this folder).
 */
import type { WorkspaceRule } from './types.ts';
import { rule as HD_NUMA_1 } from './HD-NUMA-1.ts';
import { rule as HD_SHARE_1 } from './HD-SHARE-1.ts';
import { rule as HD_SHARE_2 } from './HD-SHARE-2.ts';

export type { WorkspaceContext, WorkspaceFinding, WorkspaceRule, WorkspaceRuleCases, WorkspaceRuleCase, WorkspaceFailCase } from './types.ts';

export const WORKSPACE_RULES: readonly WorkspaceRule[] = [HD_NUMA_1, HD_SHARE_1, HD_SHARE_2];
