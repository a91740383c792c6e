/**
 * Drop targets and what dropping there would do, for the canvas, the "Move to…" menus and the
 * context menu. What a drop means lives in the engine (commands/drop.ts) and what it gives is the
 * engine's one evaluation (rules/evaluate.ts); this module only schedules the judging.
 *
 * Listing the targets is cheap; judging one costs a validation. A drag therefore lists every target
 * at its start and judges them one by one (the one under the pointer first, the rest in idle slices),
 * so a large design never spends more than a frame on it (DESIGN.md §7).
 */
import type { Command, Design, DropTarget, Verdict, VerdictOptions } from '../engine/index.ts';
import { applyCommand, dropTargets } from '../engine/index.ts';
import { appEvaluator, checkState, ruleCatalog } from './findings.ts';
import type { DragPayload } from './store.ts';

export type { DropTarget, Verdict, VerdictLevel, VerdictNote } from '../engine/index.ts';
export { controllerTargetId, dropTargets, isBusTarget, NEW_BUS_TARGET, REMOVE_TARGET_ID, slotTargetId, takesEndpoints } from '../engine/index.ts';

/** "+2 more: PAPR-ISO-6 One IOMMU group per PHB (else EEH is off), …": the rest of a verdict, in a line. */
export function verdictMore(v: Verdict, shown = 2): string | undefined {
  const more = v.more ?? [];
  if (more.length === 0) return undefined;
  const names = more.slice(0, shown).map((n) => `${n.ruleId} ${n.title}`);
  return `+${more.length} more: ${names.join(', ')}${more.length > shown ? ', …' : ''}`;
}

/**
 * What applying `cmd` would give: the app evaluator's verdict (one answer with badges and findings).
 * While the design's document is being checked off the main thread, or when its check ran over the
 * time budget, nothing is judged here (that could freeze the page): the verdict says so.
 */
export function hypothetical(design: Design, cmd: Command, options?: VerdictOptions): Verdict {
  const s = checkState(design);
  if (s.state === 'checking') return { level: 'warning', message: 'Not judged yet: the design is still being checked.' };
  if (s.state === 'unchecked') return { level: 'warning', message: `Not judged: the design was not checked (${s.why}).` };
  return appEvaluator().verdict(design, cmd, options);
}

/**
 * The design `cmd` makes from `design`: the one its verdict judged, if it was judged (no second
 * validation); before the rule catalog is loaded nothing was judged, and the command is applied as is.
 */
export function appliedDesign(design: Design, cmd: Command): Design {
  return ruleCatalog() ? appEvaluator().applied(design, cmd) : applyCommand(design, cmd);
}

/** Targets and their verdicts; `which` narrows what is judged (the "Move to…" menu wants buses only). */
export function evaluate(design: Design, payload: DragPayload, which: (t: DropTarget) => boolean = () => true, options: { newBus?: boolean } = {}): { targets: Map<string, DropTarget>; verdicts: Map<string, Verdict> } {
  const targets = new Map<string, DropTarget>();
  const verdicts = new Map<string, Verdict>();
  for (const t of dropTargets(design, payload, options)) {
    if (!which(t)) continue;
    targets.set(t.id, t);
    verdicts.set(t.id, hypothetical(design, t.command));
  }
  return { targets, verdicts };
}

/**
 * Verdicts judged on demand, for the keyboard "Move to…" menu: listing its buses is cheap, judging
 * them all at once costs one validation each (~100 ms with 1,000 devices). The menu shows the list at
 * once, judges the chosen bus when asked, and the rest in idle slices, as a drag does.
 */
export interface LazyVerdicts {
  readonly targets: readonly DropTarget[];
  /** the verdict if judged already */
  get(id: string): Verdict | undefined;
  /** the verdict, judged now if it was not yet; undefined for an unknown target */
  judge(id: string): Verdict | undefined;
  /** judges targets not judged yet, in order, for about budgetMs (at least one); returns whether any remain */
  judgeSome(budgetMs: number): boolean;
  /** how many are judged */
  readonly judged: number;
  /** forgets every verdict, to judge again (they said "not judged yet" before the design's check landed) */
  forget(): void;
}

export function lazyVerdicts(design: Design, targets: readonly DropTarget[]): LazyVerdicts {
  const byId = new Map(targets.map((t) => [t.id, t]));
  const verdicts = new Map<string, Verdict>();
  let next = 0;
  const judge = (id: string): Verdict | undefined => {
    let v = verdicts.get(id);
    if (!v) {
      const t = byId.get(id);
      if (!t) return undefined;
      v = hypothetical(design, t.command);
      verdicts.set(id, v);
    }
    return v;
  };
  return {
    targets,
    get: (id) => verdicts.get(id),
    judge,
    judgeSome(budgetMs) {
      const until = performance.now() + budgetMs;
      do {
        const t = targets[next++];
        if (t) judge(t.id);
      } while (next < targets.length && performance.now() < until);
      return next < targets.length;
    },
    get judged() {
      return verdicts.size;
    },
    forget() {
      verdicts.clear();
      next = 0;
    },
  };
}
