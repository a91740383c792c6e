/**
 * Findings are derived from the document, never stored (STYLE.md §9): one validator for the app,
 * answers memoised by the design's identity, so every panel and node asking about the same design
 * shares one validation.
 */
import type { Design, Finding, Severity } from '../engine/index.ts';
import { createValidator } from '../engine/index.ts';

let validator: ((d: Design) => Finding[]) | null = null;
const cache = new WeakMap<Design, readonly Finding[]>();

const NO_FINDINGS: readonly Finding[] = [];

export function findingsOf(design: Design | undefined | null): readonly Finding[] {
  if (!design) return NO_FINDINGS;
  let f = cache.get(design);
  if (!f) {
    validator ??= createValidator();
    try {
      f = validator(design);
    } catch (e) {
      // A rule that throws must not take the editor down; show it as a finding instead.
      f = [{ ruleId: 'INTERNAL', severity: 'error', message: `validation failed: ${(e as Error).message}`, subjects: {} }];
    }
    cache.set(design, f);
  }
  return f;
}

export const SEVERITY_RANK: Readonly<Record<Severity, number>> = { info: 0, warning: 1, error: 2 };

export function worse(a: Severity | undefined, b: Severity): Severity {
  return a === undefined || SEVERITY_RANK[b] > SEVERITY_RANK[a] ? b : a;
}

export interface SubjectIndex {
  readonly controllers: ReadonlyMap<number, Severity>;
  readonly devices: ReadonlyMap<string, Severity>;
  readonly groups: ReadonlyMap<number, Severity>;
}

const subjectCache = new WeakMap<readonly Finding[], SubjectIndex>();

/** The worst severity each subject carries: the canvas badges read this. */
export function subjectIndex(findings: readonly Finding[]): SubjectIndex {
  let idx = subjectCache.get(findings);
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
    subjectCache.set(findings, idx);
  }
  return idx;
}

export const findingKey = (f: Finding): string => `${f.ruleId}|${f.message}`;
