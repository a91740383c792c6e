/**
 * Work that may take long, off the main thread with a time budget (issue 11): validation and
 * placement run in a Web Worker (check.worker.ts); an answer that does not come within the budget
 * ends the worker (terminate() stops even an endless loop) and says so, so the page never freezes
 * and never runs out of memory with the tab. Drop verdicts have a worker of their own, the checks of
 * edits and placement another; each runs one request at a time, and the budget of each request starts
 * when it reaches its worker. Framework-free; the worker is made by `spawn`, so tests give a fake.
 */
import type { Command, Design, Finding, PlaceOptions, PlaceReport, Verdict } from '../engine/index.ts';

/**
 * What validation reads of a design: its guest and host (engine rules/context.ts buildContext reads
 * nothing else). The request carries only these: the source text, its element layout (a span per
 * element) and the imported guest would be copied to the worker for nothing, on the main thread
 * (structured clone; ~40% of the copy of a 7,688-device design).
 */
export type CheckedDesign = Pick<Design, 'guest' | 'host'> & {
  /** the libvirt release it is judged as (engine ValidateOptions.libvirtVersion; the design's setting); undefined: the default */
  readonly libvirtVersion?: string | undefined;
};

export type CheckRequest =
  | { readonly id: number; readonly kind: 'validate'; readonly design: CheckedDesign }
  | { readonly id: number; readonly kind: 'place'; readonly design: Design; readonly options: PlaceOptions }
  /**
   * Drop verdicts (engine `Evaluator.verdict`) of `commands` applied to one design, in order, for about
   * `sliceMs` (at least one): the answer holds the verdicts of the commands judged, a prefix. The
   * worker keeps the design of its last verdicts request and its evaluator, so `design` is left out
   * when this worker has it already (the copy of a 7,688-device design costs the main thread more
   * than a batch of commands), and each verdict after the first re-validates only the buses its
   * command touched.
   */
  | { readonly id: number; readonly kind: 'verdicts'; readonly design?: CheckedDesign; readonly commands: readonly Command[]; readonly sliceMs: number };

export type CheckResponse = { readonly id: number; readonly ok: true; readonly value: unknown; readonly ms?: number } | { readonly id: number; readonly ok: false; readonly error: string };

/** What a worker must offer: the browser's Worker, or a fake in tests. */
export interface WorkerLike {
  postMessage(message: CheckRequest): void;
  terminate(): void;
  onmessage: ((e: MessageEvent<CheckResponse>) => void) | null;
  onerror: ((e: ErrorEvent) => void) | null;
}

export type Outcome<T> =
  /** ms: from the request reaching the worker to its answer; workMs: the engine's work alone, as the worker timed it (ms when it did not say) */
  | { readonly ok: true; readonly value: T; readonly ms: number; readonly workMs: number }
  /** 'over-budget': no answer within budgetMs (the worker was ended); 'failed': it threw or could not start */
  | { readonly ok: false; readonly reason: 'over-budget' | 'failed'; readonly message: string; readonly ms: number };

export interface Checker {
  /** The design's findings (engine `validate`, as `libvirtVersion` defines it), computed in the worker. */
  validate(design: Design, libvirtVersion?: string): Promise<Outcome<Finding[]>>;
  /** `placeWithReport(design, options)`, computed in the worker. */
  place(design: Design, options: PlaceOptions): Promise<Outcome<PlaceReport>>;
  /**
   * The verdicts of `commands` on `design` (engine `Evaluator.verdict`), computed in the worker for
   * about `sliceMs`: those of a prefix of `commands`, at least the first.
   */
  verdicts(design: Design, commands: readonly Command[], sliceMs: number, libvirtVersion?: string): Promise<Outcome<Verdict[]>>;
  readonly budgetMs: number;
}

/**
 * Milliseconds a check may take before it is stopped: generous, since a full-size design takes a few
 * ms in Node and the worker's first answer also loads the engine; a design that needs longer is
 * hostile or broken (issue 11's four-billion-bus address), not one to wait for.
 */
export const CHECK_BUDGET_MS = 5000;

interface Job {
  readonly req: CheckRequest;
  resolve(o: Outcome<unknown>): void;
}

/** Which worker a request runs in: edits' checks and placement, or drop verdicts. */
export type Lane = 'check' | 'verdicts';

/**
 * A checker over two workers made by `spawn`, each running one request at a time with its own budget:
 * validation and placement in one, drop verdicts in the other, so an edit's check never waits behind
 * a drag's verdicts (~1 s a request on a 15,376-NIC q35 design, the whole budget when that worker hangs).
 */
export function createChecker(spawn: (lane: Lane) => WorkerLike, budgetMs = CHECK_BUDGET_MS, now: () => number = () => performance.now()): Checker {
  let nextId = 1;
  const check = createLane(() => spawn('check'), budgetMs, now);
  const judge = createLane(() => spawn('verdicts'), budgetMs, now);
  return {
    validate: (design, libvirtVersion) => check<Finding[]>({ id: nextId++, kind: 'validate', design: checked(design, libvirtVersion) }),
    place: (design, options) => check<PlaceReport>({ id: nextId++, kind: 'place', design, options }),
    verdicts: (design, commands, sliceMs, libvirtVersion) => judge<Verdict[]>({ id: nextId++, kind: 'verdicts', design: checked(design, libvirtVersion), commands, sliceMs }),
    budgetMs,
  };
}

const checked = (design: Design, libvirtVersion: string | undefined): CheckedDesign => (libvirtVersion === undefined ? { guest: design.guest, host: design.host } : { guest: design.guest, host: design.host, libvirtVersion });

/** One worker, started when first needed and again after it failed, its requests run one at a time in order. */
function createLane(spawn: () => WorkerLike, budgetMs: number, now: () => number): <T>(req: CheckRequest) => Promise<Outcome<T>> {
  let worker: WorkerLike | null = null;
  // the design the current worker holds for verdicts (the last one a verdicts request carried to it)
  let held: CheckedDesign | null = null;
  let running: { job: Job; started: number; timer: ReturnType<typeof setTimeout> } | null = null;
  const queue: Job[] = [];

  const finish = (o: Outcome<unknown>, endWorker: boolean): void => {
    const r = running;
    if (!r) return;
    clearTimeout(r.timer);
    running = null;
    if (endWorker) {
      worker?.terminate();
      worker = null;
      held = null;
    }
    r.job.resolve(o);
    pump();
  };

  const start = (): WorkerLike => {
    const w = spawn();
    w.onmessage = (e) => {
      const r = running;
      if (!r || e.data.id !== r.job.req.id) return;
      const ms = now() - r.started;
      finish(e.data.ok ? { ok: true, value: e.data.value, ms, workMs: e.data.ms ?? ms } : { ok: false, reason: 'failed', message: e.data.error, ms }, false);
    };
    // a worker that cannot load or dies (out of memory) answers nothing more: a new one serves the next job
    w.onerror = (e) => {
      e.preventDefault?.();
      const r = running;
      if (r) finish({ ok: false, reason: 'failed', message: e.message || 'the checking worker stopped', ms: now() - r.started }, true);
    };
    return w;
  };

  function pump(): void {
    if (running) return;
    const job = queue.shift();
    if (!job) return;
    let w: WorkerLike;
    try {
      if (!worker) held = null;
      w = worker ??= start();
      w.postMessage(withoutHeldDesign(job.req));
      if (job.req.kind === 'verdicts' && job.req.design) held = job.req.design;
    } catch (e) {
      worker = null;
      held = null;
      job.resolve({ ok: false, reason: 'failed', message: (e as Error).message, ms: 0 });
      pump();
      return;
    }
    const started = now();
    const timer = setTimeout(() => finish({ ok: false, reason: 'over-budget', message: `no answer within ${budgetMs} ms`, ms: now() - started }, true), budgetMs);
    running = { job, started, timer };
  }

  // a verdicts request's design is left out when the worker holds that very guest and host, judged as the same release
  const withoutHeldDesign = (req: CheckRequest): CheckRequest => {
    if (req.kind !== 'verdicts' || !req.design || req.design.guest !== held?.guest || req.design.host !== held.host || req.design.libvirtVersion !== held.libvirtVersion) return req;
    return { id: req.id, kind: 'verdicts', commands: req.commands, sliceMs: req.sliceMs };
  };

  return <T>(req: CheckRequest): Promise<Outcome<T>> =>
    new Promise((resolve) => {
      queue.push({ req, resolve: resolve as (o: Outcome<unknown>) => void });
      pump();
    });
}

/** The browser's worker for the checker (a module worker: allowed by the CSP's worker-src 'self'). */
export const spawnCheckWorker = (lane: Lane = 'check'): WorkerLike => new Worker(new URL('./check.worker.ts', import.meta.url), { type: 'module', name: lane === 'check' ? 'pcitopo-check' : 'pcitopo-verdicts' }) as unknown as WorkerLike;
