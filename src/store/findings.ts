/**
 * Findings are derived from the document, never stored (STYLE.md §9). The app holds one engine
 * evaluator (rules/evaluate.ts): the findings panel, the badges, drop verdicts and "Move to…" all
 * read its one evaluation of a design, memoised by the design's identity.
 *
 * Off the main thread (issue 11): each document the app opens (an import, a share link, a restored
 * or re-imported XML) is first checked in a Web Worker with a time budget (checker.ts). Until it
 * answers, the evaluation is one "checking" note; a document whose check does not finish within the
 * budget keeps one finding that says so, and is never validated on the main thread, so it cannot
 * freeze the tab. Once a document passed, its edits are evaluated here, incrementally (a move
 * re-checks the buses it touched), unless the document is heavy (HEAVY_CHECK_MS): then each edit is
 * checked in the worker too. Where there is no Worker (Node, tests) everything runs here.
 */
import type { Design, Evaluation, Evaluator, Finding, RuleCatalog, RuleMeta, Severity } from '../engine/index.ts';
import { findingKey, loadRuleCatalog, SEVERITY_RANK, worse } from '../engine/index.ts';
import { CHECK_BUDGET_MS, createChecker, spawnCheckWorker, type Checker } from './checker.ts';

/**
 * The rule catalog (engine catalog.ts) is a chunk of its own, loaded after the first paint: the page
 * draws the design first, saying it is being checked, and judges it once the catalog is in (issue
 * 10, DESIGN.md §7: first render under 1 s). Until then no document is "done", so nothing shows as
 * clean before it was checked.
 */
let catalog: RuleCatalog | null = null;
let catalogLoad: Promise<RuleCatalog> | null = null;

/** The rule catalog if it is loaded (null: not yet). */
export function ruleCatalog(): RuleCatalog | null {
  return catalog;
}

/**
 * Loads the rule catalog once (a later call after a failure tries again); resolves to it, or
 * rejects with the loader's error (the chunk could not be fetched).
 */
export function loadCatalog(): Promise<RuleCatalog> {
  catalogLoad ??= loadRuleCatalog().then(
    (c) => {
      catalog = c;
      return c;
    },
    (e: unknown) => {
      catalogLoad = null;
      throw e;
    },
  );
  return catalogLoad;
}

/** A rule's meta (title, why, source), single-guest or across guests; undefined until the catalog is loaded. */
export function ruleMetaOf(id: string): RuleMeta | undefined {
  return catalog?.anyRuleMeta(id);
}

let evaluator: Evaluator | null = null;
let validator: ((d: Design) => Finding[]) | null = null;

/**
 * The libvirt release the app judges designs as (the design's setting, DocState.libvirtVersion: the
 * toolbar's release select, saved and shared with it), read from the store at each evaluation: the
 * engine's rules follow it where libvirt releases differ (ValidateOptions.libvirtVersion: libvirt 9.0
 * gives the controllers it adds their defaults, a pseries PHB's target index, after the written
 * ones). Undefined: the default release (10.7).
 */
let releaseSource: () => string | undefined = () => undefined;
let release: string | undefined;

/** Where the app's release setting is read (the app's store sets it; tests may too). */
export function setReleaseSource(source: () => string | undefined): void {
  releaseSource = source;
  syncRelease();
}

/**
 * Follows the release setting: when it changed, the findings and verdicts known (the evaluator's,
 * the worker's of heavy designs) were of another release, so they are dropped and judged again.
 */
function syncRelease(): string | undefined {
  const now = releaseSource();
  if (now !== release) {
    release = now;
    validator = null;
    evaluator = null;
    judged = new WeakSet();
    edits = new WeakMap();
  }
  return release;
}

/**
 * The app's evaluator, made on first use (building the validator costs a little), judging as the
 * release the design is set to ({@link syncRelease}). Throws while the rule catalog is not loaded:
 * only a document whose check is done (checkState) is evaluated.
 */
export function appEvaluator(): Evaluator {
  const c = catalog;
  if (!c) throw new Error('the rule catalog is not loaded yet');
  const libvirtVersion = syncRelease();
  validator ??= c.createValidator(undefined, { libvirtVersion });
  evaluator ??= c.createEvaluator(validator);
  return evaluator;
}

/** The release the app judges as now (the worker is asked to judge as it too). */
export function judgedRelease(): string | undefined {
  return syncRelease();
}

/**
 * Resolves after the page's first frame was drawn (and at once where nothing is drawn: Node, tests,
 * a hidden tab after 250 ms): the check of the first document, its worker and the rule catalog
 * start then, so they do not compete with the first render for the CPU.
 */
let painted: Promise<void> | null = null;
function firstPaint(): Promise<void> {
  painted ??=
    typeof requestAnimationFrame === 'function' && typeof document === 'object'
      ? new Promise<void>((resolve) => {
          requestAnimationFrame(() => setTimeout(resolve, 0));
          setTimeout(resolve, 250);
        })
      : Promise.resolve();
  return painted;
}

/**
 * A document checked in the worker has its findings here without being validated here; the
 * incremental validator still has to see it once, or the first edit re-checks every bus (ten times
 * a move's cost). That is done when the page is idle, for documents the worker checked quickly.
 */
const WARM_UP_LIMIT_MS = 500;

function warmUp(design: Design): void {
  const run = () => {
    if (!catalog) return;
    appEvaluator();
    validator?.(design);
  };
  if (typeof requestIdleCallback === 'function') requestIdleCallback(run, { timeout: 1000 });
  else setTimeout(run, 0);
}

const NO_FINDINGS: readonly Finding[] = [];
const EMPTY: Evaluation = { findings: NO_FINDINGS, controllers: new Map(), devices: new Map(), groups: new Map(), keys: new Set() };

/** Rule ids of the two notes about the check itself (never a rule of the catalog). */
export const CHECKING_ID = 'CHECKING';
export const UNCHECKED_ID = 'UNCHECKED';

/** Where a document's check stands: checking, done, or not checked (with why, in words). */
export type CheckState =
  | { readonly state: 'checking' }
  | { readonly state: 'done' }
  /** advice: what to do to have it checked (default: correct numbers far beyond libvirt's limits) */
  | { readonly state: 'unchecked'; readonly why: string; readonly advice?: string };

const CHECKING: CheckState = { state: 'checking' };
const DONE: CheckState = { state: 'done' };

/**
 * A document whose check took the worker more than this (its own measure of the validation, not the
 * copies and the worker's start) is heavy: re-validating an edit of it here would be a long task (the
 * Long Tasks API's 50 ms) in the frame that shows the edit. A 15,376-NIC q35 guest takes ~1 s, so Add
 * vPHB froze the page for as long; a 7,688-device pseries one ~150 ms, and its edits ~50-70 ms here
 * even warmed up. An edit of a heavy document is judged in the worker as the document was ({@link
 * editState}); the 31-vPHB design (~2 ms) and the 1,000-device drag design (~10 ms) stay judged here,
 * within a frame (DESIGN.md §7).
 */
export const HEAVY_CHECK_MS = 50;

/** A document is its imported source: edits by command keep it, a new import or XML edit makes a new one. */
const documentOf = (design: Design): object => design.source;
const checks = new WeakMap<object, CheckState>();
const listeners = new Set<() => void>();
/** heavy documents (HEAVY_CHECK_MS), the designs of them whose findings are known, and where each edit's check stands */
const heavy = new WeakSet<object>();
let judged = new WeakSet<Design>();
let edits = new WeakMap<Design, CheckState>();

/** localStorage knob for trying the budget out (e2e): a smaller budget in ms; ignored unless a positive number. */
export const BUDGET_KEY = 'pcitopo:check-budget-ms';

function budgetHere(): number {
  try {
    const v = Number(localStorage.getItem(BUDGET_KEY));
    return Number.isFinite(v) && v > 0 ? v : CHECK_BUDGET_MS;
  } catch {
    return CHECK_BUDGET_MS;
  }
}

/**
 * localStorage knob for trying heavy documents out (e2e): a document whose check took the worker more
 * than this many ms is heavy, instead of HEAVY_CHECK_MS (0: every document); ignored unless a number
 * of 0 or more. Read once, when the first document's check lands.
 */
export const HEAVY_KEY = 'pcitopo:heavy-check-ms';

let heavyMs: number | undefined;
function heavyHere(): number {
  if (heavyMs === undefined) {
    try {
      const raw = localStorage.getItem(HEAVY_KEY);
      const v = raw === null ? NaN : Number(raw);
      heavyMs = Number.isFinite(v) && v >= 0 ? v : HEAVY_CHECK_MS;
    } catch {
      heavyMs = HEAVY_CHECK_MS;
    }
  }
  return heavyMs;
}

let checker: Checker | null | undefined;

/** The app's checker, or null where there is no Worker (Node, unit tests): evaluations then run here. */
export function appChecker(): Checker | null {
  if (checker === undefined) checker = typeof Worker === 'function' ? createChecker(spawnCheckWorker, budgetHere()) : null;
  return checker;
}

/** Replaces the checker (tests: a fake worker; null: evaluate on this thread). */
export function setAppChecker(c: Checker | null): void {
  checker = c;
}

/** Called when a document's check ends (the store refreshes what shows findings and verdicts). */
export function onChecked(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function settle(doc: object, state: CheckState): void {
  checks.set(doc, state);
  for (const fn of listeners) fn();
}

/** The edit of a heavy document being judged in the worker, and the newest one waiting for it (the ones between are never judged unless shown again). */
let editRunning: Design | null = null;
let editWaiting: Design | null = null;

function judgeEdit(c: Checker, design: Design): void {
  editRunning = design;
  const asked = syncRelease();
  void c.validate(design, asked).then((o) => {
    editRunning = null;
    if (asked !== syncRelease()) {
      // judged as a release the setting has left since: not this release's findings
      edits.delete(design);
    } else if (o.ok) {
      appEvaluator().remember(design, o.value);
      judged.add(design);
      edits.delete(design);
    } else {
      edits.set(design, { state: 'unchecked', why: o.reason === 'over-budget' ? `checking it took longer than ${(c.budgetMs / 1000).toLocaleString('en')} s, so it was stopped` : `the checker stopped (${o.message})` });
    }
    const next = editWaiting;
    editWaiting = null;
    if (next) judgeEdit(c, next);
    for (const fn of listeners) fn();
  });
}

/**
 * Where the check of a design of a heavy document stands: done when its findings are known (the
 * document's own check, an edit judged before, undo back to it), else judged in the worker, one
 * edit at a time: edits made while one is judged wait, and only the newest of them is judged next
 * (the ones it replaced are judged again only if shown again, by undo).
 */
function editState(design: Design): CheckState {
  if (judged.has(design)) return DONE;
  const known = edits.get(design);
  if (known) return known;
  const c = appChecker();
  if (!c) return DONE;
  edits.set(design, CHECKING);
  if (editRunning) {
    if (editWaiting) edits.delete(editWaiting);
    editWaiting = design;
  } else judgeEdit(c, design);
  return CHECKING;
}

/** Where the check of this design's document stands (of the design itself, for a heavy document); starts it the first time it is asked. */
export function checkState(design: Design): CheckState {
  // a release changed since: what is known of the design's edits was judged as another one
  syncRelease();
  const doc = documentOf(design);
  const known = checks.get(doc);
  if (known) return known.state === 'done' && heavy.has(doc) ? editState(design) : known;
  const c = appChecker();
  if (!c && catalog) {
    checks.set(doc, DONE);
    return DONE;
  }
  checks.set(doc, CHECKING);
  const loaded = firstPaint().then(loadCatalog);
  if (!c) {
    // no worker (Node): the catalog evaluates here once it is loaded
    loaded.then(
      () => settle(doc, DONE),
      (e: unknown) => settle(doc, notLoaded(e)),
    );
    return CHECKING;
  }
  let asked: string | undefined;
  void Promise.all([firstPaint().then(() => c.validate(design, (asked = syncRelease()))), loaded.then(() => null, notLoaded)]).then(([o, failed]) => {
    if (failed) {
      settle(doc, failed);
    } else if (o.ok) {
      // findings of the release asked for; the setting may have changed since (then judged again)
      if (asked === syncRelease()) {
        appEvaluator().remember(design, o.value);
        judged.add(design);
      }
      // a heavy document is never validated here: its edits go to the worker too
      if (o.workMs > heavyHere()) heavy.add(doc);
      settle(doc, DONE);
      if (o.ms <= WARM_UP_LIMIT_MS && !heavy.has(doc)) warmUp(design);
    } else if (o.reason === 'over-budget') {
      settle(doc, { state: 'unchecked', why: `checking it took longer than ${(c.budgetMs / 1000).toLocaleString('en')} s, so it was stopped` });
    } else {
      settle(doc, { state: 'unchecked', why: `the checker stopped (${o.message})` });
    }
  });
  return CHECKING;
}

/**
 * Where the check of `design` stands once it is not 'checking' any more: at once when it is known,
 * else when the check ends (started by asking, as {@link checkState} does). An edit of a heavy
 * document that a newer one displaced while it waited is asked again, so it is checked in its turn.
 */
export function whenChecked(design: Design): Promise<CheckState> {
  return new Promise((resolve) => {
    let off = (): void => {};
    const settled = (): boolean => {
      const s = checkState(design);
      if (s.state === 'checking') return false;
      off();
      resolve(s);
      return true;
    };
    if (!settled()) off = onChecked(() => void settled());
  });
}

/**
 * Whether drop verdicts on `design` are judged in the worker: its document is heavy (HEAVY_CHECK_MS),
 * so one verdict here, a validation of the design the drop makes, would be a long task, and there is
 * a worker. A light document's verdicts are judged here, faster than a copy to the worker.
 */
export function heavyVerdicts(design: Design): boolean {
  return heavy.has(documentOf(design)) && appChecker() !== null;
}

const notLoaded = (e: unknown): CheckState => ({
  state: 'unchecked',
  why: `the rule catalog could not be loaded (${e instanceof Error ? e.message : String(e)})`,
  advice: 'Reload the page to have it checked.',
});

const CHECKING_EVALUATION: Evaluation = {
  ...EMPTY,
  findings: [{ ruleId: CHECKING_ID, severity: 'info', message: "Checking the design against libvirt's and QEMU's rules…", subjects: {} }],
};
const unchecked = new WeakMap<object, Evaluation>();

const NUMBERS_ADVICE = "Numbers far beyond libvirt's limits (a bus above 0xff, a slot above 0x1f) are the usual cause: correct them in the XML to have it checked again.";

function uncheckedEvaluation(doc: object, why: string, advice = NUMBERS_ADVICE): Evaluation {
  let e = unchecked.get(doc);
  if (!e) {
    const message = `This design was not checked: ${why}. No finding about it is shown and drops are not judged; the design is kept. ${advice}`;
    e = { ...EMPTY, findings: [{ ruleId: UNCHECKED_ID, severity: 'warning', message, subjects: {} }] };
    unchecked.set(doc, e);
  }
  return e;
}

/** The one evaluation of a design: findings and the severity every subject carries. */
export function evaluationOf(design: Design | undefined | null): Evaluation {
  if (!design) return EMPTY;
  const s = checkState(design);
  if (s.state === 'checking') return CHECKING_EVALUATION;
  if (s.state === 'unchecked') return uncheckedEvaluation(documentOf(design), s.why, s.advice);
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
