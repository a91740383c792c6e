/**
 * Findings are derived from the document, never stored (STYLE.md §9). The app holds one engine
 * evaluator (rules/evaluate.ts): the findings panel, the badges, drop verdicts and "Move to…" all
 * read its one evaluation of a design, memoised by the design's identity.
 */
import type { Design, Evaluation, Finding, Severity } from '../engine/index.ts';
import { createEvaluator, findingKey, SEVERITY_RANK, worse } from '../engine/index.ts';

let evaluator: ReturnType<typeof createEvaluator> | null = null;

/** The app's evaluator, made on first use (building the validator costs a little). */
export function appEvaluator(): ReturnType<typeof createEvaluator> {
  evaluator ??= createEvaluator();
  return evaluator;
}

const NO_FINDINGS: readonly Finding[] = [];
const EMPTY: Evaluation = { findings: NO_FINDINGS, controllers: new Map(), devices: new Map(), groups: new Map(), keys: new Set() };

/** The one evaluation of a design: findings and the severity every subject carries. */
export function evaluationOf(design: Design | undefined | null): Evaluation {
  if (!design) return EMPTY;
  const e = appEvaluator().evaluate(design);
  rememberIndex(e);
  return e;
}

export function findingsOf(design: Design | undefined | null): readonly Finding[] {
  return evaluationOf(design).findings;
}

export { findingKey, SEVERITY_RANK, worse };

export interface SubjectIndex {
  readonly controllers: ReadonlyMap<number, Severity>;
  readonly devices: ReadonlyMap<string, Severity>;
  readonly groups: ReadonlyMap<number, Severity>;
}

const byFindings = new WeakMap<readonly Finding[], SubjectIndex>();

/**
 * The worst severity each subject carries: the canvas badges read this. For findings that came from
 * {@link findingsOf} it is the evaluation's own index (one answer); other lists are indexed here.
 */
export function subjectIndex(findings: readonly Finding[]): SubjectIndex {
  let idx = byFindings.get(findings);
  if (!idx) {
    const controllers = new Map<number, Severity>();
    const devices = new Map<string, Severity>();
    const groups = new Map<number, Severity>();
    for (const f of findings) {
      for (const c of f.subjects.controllers ?? []) controllers.set(c, worse(controllers.get(c), f.severity));
      for (const d of f.subjects.devices ?? []) devices.set(d, worse(devices.get(d), f.severity));
      for (const g of f.subjects.groups ?? []) groups.set(g, worse(groups.get(g), f.severity));
    }
    idx = { controllers, devices, groups };
    byFindings.set(findings, idx);
  }
  return idx;
}

/** Registers an evaluation's own index for its findings array, so subjectIndex(findingsOf(d)) is that index. */
export function rememberIndex(e: Evaluation): void {
  if (!byFindings.has(e.findings)) byFindings.set(e.findings, e);
}
