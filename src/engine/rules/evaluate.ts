import type { Command } from '../commands/commands.ts';
import { applyCommand } from '../commands/commands.ts';
import { commandSubjects } from '../commands/drop.ts';
import type { Design } from '../model/design.ts';
import type { Finding, Severity } from './types.ts';
import { findingKey, SEVERITY_RANK, worse } from './severity.ts';
import { createValidator, ruleMeta } from './validate.ts';

export { findingKey, SEVERITY_RANK, worse } from './severity.ts';

/**
 * The one evaluation of a design (issue 10, "one answer everywhere"): the findings panel, the badges
 * on buses, devices and host groups, the verdict a drag shows over a target, the "Move to…" menu and
 * the context menu all read it, so they cannot disagree. A verdict on a command is the evaluation of
 * the design the command makes, narrowed to what the command moves: "Move IOMMU group 5 to vPHB 0"
 * says PAPR-ISO-4 whenever the canvas and the findings would say it after that move, including
 * when group 5 is there already.
 */

export interface Evaluation {
  /** every finding, in the validator's order (severity, impact, rule id) */
  readonly findings: readonly Finding[];
  /** the worst severity each subject carries: what its badge shows */
  readonly controllers: ReadonlyMap<number, Severity>;
  readonly devices: ReadonlyMap<string, Severity>;
  readonly groups: ReadonlyMap<number, Severity>;
  /** {@link findingKey} of every finding: tells a finding a command adds from one that was there */
  readonly keys: ReadonlySet<string>;
}

export type VerdictLevel = 'clean' | Severity;

export interface VerdictNote {
  readonly ruleId: string;
  readonly severity: Severity;
  /** the rule's short title */
  readonly title: string;
}

export interface Verdict {
  /** the worst warning or error about what the command moves, or new anywhere; 'clean' when none */
  readonly level: VerdictLevel;
  /** that finding's message, or the engine's refusal */
  readonly message?: string | undefined;
  readonly ruleId?: string | undefined;
  /** the other warnings and errors, worst first: a drop that adds two must not hide the second */
  readonly more?: readonly VerdictNote[] | undefined;
}

export interface Evaluator {
  /** The evaluation of a design, memoised by the design's identity. */
  evaluate(design: Design): Evaluation;
  /**
   * What applying `cmd` to `design` gives: the worst warning or error of the resulting evaluation
   * that names a device, group or controller the command moves or edits, or that the command adds;
   * an error with the engine's message when the engine refuses the command. Info never counts.
   */
  verdict(design: Design, cmd: Command, options?: VerdictOptions): Verdict;
  /**
   * Takes findings computed elsewhere (the app validates in a Web Worker) as the evaluation of
   * `design`, so it is not validated again here; returns that evaluation.
   */
  remember(design: Design, findings: readonly Finding[]): Evaluation;
  /**
   * `applyCommand(design, cmd)`, the very design a verdict on that command judged when there was one:
   * applying a drop the drag judged then costs no validation (its evaluation is cached). Throws as
   * applyCommand does.
   */
  applied(design: Design, cmd: Command): Design;
}

export interface VerdictOptions {
  /** only what the command adds: an inspector edit is refused for a new error, not for one the design had */
  readonly newOnly?: boolean | undefined;
}

function index(findings: readonly Finding[]): Evaluation {
  const controllers = new Map<number, Severity>();
  const devices = new Map<string, Severity>();
  const groups = new Map<number, Severity>();
  const keys = new Set<string>();
  for (const f of findings) {
    keys.add(findingKey(f));
    for (const c of f.subjects.controllers ?? []) controllers.set(c, worse(controllers.get(c), f.severity));
    for (const d of f.subjects.devices ?? []) devices.set(d, worse(devices.get(d), f.severity));
    for (const g of f.subjects.groups ?? []) groups.set(g, worse(groups.get(g), f.severity));
  }
  return { findings, controllers, devices, groups, keys };
}

/**
 * An evaluator over `validate` (the incremental validator by default, DESIGN.md §7). A rule that
 * throws becomes an INTERNAL error finding instead of taking the caller down.
 */
export function createEvaluator(validate: (d: Design) => Finding[] = createValidator()): Evaluator {
  const cache = new WeakMap<Design, Evaluation>();
  const evaluate = (design: Design): Evaluation => {
    let e = cache.get(design);
    if (!e) {
      let findings: readonly Finding[];
      try {
        findings = validate(design);
      } catch (err) {
        findings = [{ ruleId: 'INTERNAL', severity: 'error', message: `validation failed: ${(err as Error).message}`, subjects: {} }];
      }
      e = index(findings);
      cache.set(design, e);
    }
    return e;
  };
  // design -> command -> the design it makes (commands are pure, designs immutable)
  const made = new WeakMap<Design, WeakMap<Command, Design>>();
  const applied = (design: Design, cmd: Command): Design => {
    let byCmd = made.get(design);
    let after = byCmd?.get(cmd);
    if (!after) {
      after = applyCommand(design, cmd);
      if (!byCmd) made.set(design, (byCmd = new WeakMap()));
      byCmd.set(cmd, after);
    }
    return after;
  };
  const verdict = (design: Design, cmd: Command, options: VerdictOptions = {}): Verdict => {
    let after: Design;
    try {
      after = applied(design, cmd);
    } catch (err) {
      return { level: 'error', message: (err as Error).message };
    }
    const before = evaluate(design);
    const subjects = commandSubjects(design, cmd);
    const concerns = (f: Finding): boolean =>
      !before.keys.has(findingKey(f)) ||
      (!options.newOnly &&
        ((f.subjects.devices ?? []).some((d) => subjects.devices.has(d)) ||
          (f.subjects.groups ?? []).some((g) => subjects.groups.has(g)) ||
          (f.subjects.controllers ?? []).some((c) => subjects.controllers.has(c))));
    // worst first; among equals the evaluation's order, so the same drop always reads the same
    const found = evaluate(after)
      .findings.filter((f) => f.severity !== 'info' && concerns(f))
      .map((f, i) => ({ f, i }))
      .sort((a, b) => SEVERITY_RANK[b.f.severity] - SEVERITY_RANK[a.f.severity] || a.i - b.i)
      .map(({ f }) => f);
    const [worst, ...rest] = found;
    if (!worst) return { level: 'clean' };
    // one note per rule: three vPHBs with PAPR-ISO-6 are one reason, not three
    const seen = new Set([worst.ruleId]);
    const more = rest.filter((f) => !seen.has(f.ruleId) && seen.add(f.ruleId)).map((f) => ({ ruleId: f.ruleId, severity: f.severity, title: ruleMeta(f.ruleId)?.title ?? f.message }));
    return { level: worst.severity, message: worst.message, ruleId: worst.ruleId, ...(more.length ? { more } : {}) };
  };
  const remember = (design: Design, findings: readonly Finding[]): Evaluation => {
    const e = index(findings);
    cache.set(design, e);
    return e;
  };
  return { evaluate, verdict, remember, applied };
}
