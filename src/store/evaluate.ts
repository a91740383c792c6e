/**
 * Drop targets and what dropping there would do, for the canvas, the "Move to…" menus and the
 * context menu. What a drop means lives in the engine (commands/drop.ts) and what it gives is the
 * engine's one evaluation (rules/evaluate.ts); this module only schedules the judging.
 *
 * Listing the targets is cheap; judging one costs a validation. A drag therefore lists every target
 * at its start and judges them one by one (the one under the pointer first, the rest in idle slices),
 * so a large design never spends more than a frame on it (DESIGN.md §7). A heavy document's targets
 * (findings.ts heavyVerdicts) are judged in the checking worker instead, a batch at a time
 * ({@link judgeInWorker}): there one verdict alone is a long task.
 */
import type { Command, Design, DropTarget, Verdict, VerdictOptions } from '../engine/index.ts';
import { applyCommand, dropTargets } from '../engine/index.ts';
import { appChecker, appEvaluator, checkState, heavyVerdicts, judgedRelease, ruleCatalog, whenChecked } from './findings.ts';
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

/** An edit's verdict, or why there is none (its check, or its design's, did not finish: "checking it took longer than 5 s, so it was stopped"). */
export type EditVerdict = { readonly judged: true; readonly verdict: Verdict } | { readonly judged: false; readonly why: string };

/**
 * The verdict on an edit before it is applied (the inspector refuses one that adds an error), with
 * no long task on this thread. A heavy document's design is never validated here (findings.ts
 * HEAVY_CHECK_MS): the design the edit makes is checked in the worker as an applied edit of it is
 * (findings.ts checkState), after the design's own check if that is still under way, and the verdict
 * is read from the two sets of findings. Applying the edit then finds its findings known (the same
 * design: engine `Evaluator.applied`) and asks the worker nothing more. Any other design is judged
 * here at once ({@link hypothetical}).
 */
export async function verdictOfEdit(design: Design, cmd: Command, options?: VerdictOptions): Promise<EditVerdict> {
  if (!heavyVerdicts(design)) return { judged: true, verdict: hypothetical(design, cmd, options) };
  const before = await whenChecked(design);
  if (before.state === 'unchecked') return { judged: false, why: before.why };
  let after: Design;
  try {
    after = appEvaluator().applied(design, cmd);
  } catch (e) {
    // the engine refuses it: the verdict says so, as the evaluator's would
    return { judged: true, verdict: { level: 'error', message: (e as Error).message } };
  }
  const s = await whenChecked(after);
  if (s.state === 'unchecked') return { judged: false, why: s.why };
  return { judged: true, verdict: appEvaluator().verdict(design, cmd, options) };
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

/** Commands per request to the worker: a request answers sooner, with fewer, after WORKER_SLICE_MS. */
const WORKER_BATCH = 32;
/**
 * How long the worker judges before it answers: short enough that a target the pointer enters is
 * judged next soon after, long enough that the copies of a request cost little beside the work.
 */
export const WORKER_SLICE_MS = 150;

/** What is done on the main thread when the worker judges: which target next, and stop. */
export interface WorkerJudging {
  /** judges this target before the others not judged yet (the pointer entered it, the menu chose it) */
  first(id: string): void;
  /** asks for nothing more; an answer still coming is dropped */
  stop(): void;
  /** false once stopped, or when every target was judged, or after the worker failed */
  readonly running: boolean;
  /** the worker failed (over the time budget, or it died): the targets left are not judged */
  readonly failed: boolean;
  /** why, once it failed, in the user's words ("checking took over 5 s"); undefined until then */
  readonly why: string | undefined;
}

/** Why a worker's verdicts did not come, in the user's words: "checking took over 5 s", "the checker stopped (out of memory)". */
export function whyNotJudged(reason: 'over-budget' | 'failed', message: string, budgetMs: number): string {
  return reason === 'over-budget' ? `checking took over ${(budgetMs / 1000).toLocaleString('en')} s` : `the checker stopped (${message})`;
}

const workerVerdicts = new WeakSet<Verdict>();

/** Whether the worker judged this verdict (it is a real one: never a "not judged yet" placeholder). */
export const judgedInWorker = (v: Verdict): boolean => workerVerdicts.has(v);

/**
 * Whether `design`'s drop verdicts come from the worker, and whether they can come now: 'worker' for
 * a heavy document whose design's check is done, 'wait' for one still being checked (nothing is
 * judged meanwhile: its targets show "not judged yet"), 'here' otherwise (a light document, or a
 * design that was not checked: {@link hypothetical} then says so without validating).
 */
export function verdictsBy(design: Design): 'here' | 'worker' | 'wait' {
  if (!heavyVerdicts(design)) return 'here';
  const s = checkState(design).state;
  return s === 'done' ? 'worker' : s === 'checking' ? 'wait' : 'here';
}

/**
 * Judges targets of a heavy design in the checking worker (checker.ts `verdicts`), WORKER_BATCH
 * commands a request, in `order` (ids of `targets`), each answer handed to `onVerdicts` (target id ->
 * verdict); `onVerdicts` returning false stops it (the drag it served ended or moved on to another
 * design). A request that fails (over the time budget: the worker was ended; it died) stops it too:
 * the targets left stay not judged, never judged wrong, and `onFailed` hears why ({@link
 * whyNotJudged}). The verdicts are those the main thread's evaluator would give (the same engine
 * `Evaluator.verdict`).
 */
export function judgeInWorker(
  design: Design,
  targets: ReadonlyMap<string, DropTarget>,
  order: readonly string[],
  onVerdicts: (verdicts: ReadonlyMap<string, Verdict>) => boolean,
  onFailed: (why: string) => void = () => {},
): WorkerJudging {
  const checker = appChecker();
  let queue = order.filter((id) => targets.has(id));
  const done = new Set<string>();
  let busy = false;
  let running = checker !== null;
  let why: string | undefined;
  const pump = (): void => {
    if (!checker || busy || !running) return;
    queue = queue.filter((id) => !done.has(id));
    const batch = queue.slice(0, WORKER_BATCH);
    if (batch.length === 0) {
      running = false;
      return;
    }
    busy = true;
    void checker.verdicts(design, batch.map((id) => (targets.get(id) as DropTarget).command), WORKER_SLICE_MS, judgedRelease()).then((o) => {
      busy = false;
      if (!running) return;
      if (!o.ok) {
        running = false;
        why = whyNotJudged(o.reason, o.message, checker.budgetMs);
        onFailed(why);
        return;
      }
      const got = new Map<string, Verdict>();
      o.value.forEach((v, i) => {
        const id = batch[i];
        if (id === undefined) return;
        workerVerdicts.add(v);
        got.set(id, v);
        done.add(id);
      });
      if (!onVerdicts(got)) running = false;
      pump();
    });
  };
  // the first request goes after the caller's turn: a target it names first() leads it
  queueMicrotask(pump);
  return {
    first(id) {
      if (!targets.has(id) || done.has(id)) return;
      queue = [id, ...queue.filter((x) => x !== id)];
      pump();
    },
    stop() {
      running = false;
    },
    get running() {
      return running;
    },
    get failed() {
      return why !== undefined;
    },
    get why() {
      return why;
    },
  };
}

/**
 * Verdicts judged on demand, for the keyboard "Move to…" menu: listing its buses is cheap, judging
 * them all at once costs one validation each (~100 ms with 1,000 devices). The menu shows the list at
 * once, judges the chosen bus when asked, and the rest in idle slices, as a drag does; on a heavy
 * document the worker judges them ({@link judgeInWorker}), the chosen bus first.
 */
export interface LazyVerdicts {
  readonly targets: readonly DropTarget[];
  /** the verdict if judged already */
  get(id: string): Verdict | undefined;
  /**
   * the verdict, judged now if it was not yet; undefined for an unknown target, and on a heavy
   * document until the worker answers (it judges this one next; {@link subscribe} hears of it)
   */
  judge(id: string): Verdict | undefined;
  /**
   * judges targets not judged yet, in order, for about budgetMs (at least one); returns whether any
   * remain to judge here (on a heavy document: starts the worker on them, and returns false)
   */
  judgeSome(budgetMs: number): boolean;
  /** how many are judged */
  readonly judged: number;
  /** why the targets not judged yet never will be (the worker failed: {@link whyNotJudged}); undefined while they may */
  readonly unjudged: string | undefined;
  /** forgets every verdict, to judge again (they said "not judged yet" before the design's check landed) */
  forget(): void;
  /** asks the worker for nothing more (the list closed); judgeSome starts it again */
  stop(): void;
  /** calls fn when verdicts arrive from the worker; returns the unsubscribe */
  subscribe(fn: () => void): () => void;
}

export function lazyVerdicts(design: Design, targets: readonly DropTarget[]): LazyVerdicts {
  const byId = new Map(targets.map((t) => [t.id, t]));
  const verdicts = new Map<string, Verdict>();
  const listeners = new Set<() => void>();
  let next = 0;
  let worker: WorkerJudging | null = null;
  const inWorker = (): WorkerJudging | null => {
    if (verdictsBy(design) !== 'worker') return null;
    if (!worker || (!worker.running && !worker.failed)) {
      const left = targets.map((t) => t.id).filter((id) => !verdicts.has(id));
      if (left.length === 0) return null;
      const mine = judgeInWorker(
        design,
        byId,
        left,
        (got) => {
          if (worker !== mine) return false;
          for (const [id, v] of got) verdicts.set(id, v);
          for (const fn of listeners) fn();
          return true;
        },
        () => {
          if (worker === mine) for (const fn of listeners) fn();
        },
      );
      worker = mine;
    }
    return worker;
  };
  const judge = (id: string): Verdict | undefined => {
    let v = verdicts.get(id);
    if (!v) {
      const t = byId.get(id);
      if (!t) return undefined;
      const by = verdictsBy(design);
      if (by !== 'here') {
        if (by === 'worker') inWorker()?.first(id);
        return undefined;
      }
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
      if (verdictsBy(design) !== 'here') {
        inWorker();
        return false;
      }
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
    get unjudged() {
      return worker?.why;
    },
    forget() {
      worker?.stop();
      worker = null;
      verdicts.clear();
      next = 0;
    },
    stop() {
      worker?.stop();
      worker = null;
    },
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
}
