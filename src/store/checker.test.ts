import { afterEach, describe, expect, it, vi } from 'vitest';
import { demoDesign, validate } from '../engine/index.ts';
import { createChecker, type CheckRequest, type CheckResponse, type Lane, type WorkerLike } from './checker.ts';
import { answerCheck, createCheckAnswerer } from './checkAnswer.ts';
import { appEvaluator, checkState, evaluationOf, HEAVY_CHECK_MS, setAppChecker, UNCHECKED_ID, CHECKING_ID, onChecked } from './findings.ts';
import { hypothetical, isBusTarget, lazyVerdicts, verdictOfEdit, verdictsBy } from './evaluate.ts';
import { applyCommand, createEvaluator, dropTargets, type Command, type Design, type Finding } from '../engine/index.ts';
import { createDesignerStore, docOf } from './store.ts';
import { largePseries, q35RootPorts, unplacedPseries } from '../../e2e/fixtures/designs.ts';
import { designFromXml } from '../ui/testDesign.ts';

type Mode = 'answer' | 'hang' | 'die';

/**
 * A worker that answers like check.worker.ts after `delayMs`, or never (`hang`), or dies (`die`), to
 * every request or as `mode` says for each; `workMs`: how long each reading of its clock says the
 * engine's work took (its own clock otherwise); `findings`: the findings it answers a validate
 * request with instead of the engine's, when it gives some (to tell its answer from a validation here).
 */
function fakeWorker(mode: Mode | ((req: CheckRequest) => Mode), delayMs = 0, workMs?: number, findings?: (req: CheckRequest) => Finding[] | undefined) {
  const made: { lane: Lane; terminated: boolean; posted: CheckRequest[] }[] = [];
  const spawn = (lane: Lane): WorkerLike => {
    const rec = { lane, terminated: false, posted: [] as CheckRequest[] };
    made.push(rec);
    // one answerer per worker, as check.worker.ts has: it keeps the design its verdicts judge
    let t = 0;
    const answer = createCheckAnswerer(workMs === undefined ? undefined : () => (t += workMs) - workMs);
    const w: WorkerLike = {
      onmessage: null,
      onerror: null,
      postMessage(req) {
        rec.posted.push(req);
        const does = typeof mode === 'function' ? mode(req) : mode;
        if (does === 'hang') return;
        setTimeout(() => {
          if (rec.terminated) return;
          if (does === 'die') w.onerror?.({ message: 'out of memory', preventDefault: () => {} } as unknown as ErrorEvent);
          // a copy, as postMessage gives the worker
          else {
            const own = findings?.(req);
            w.onmessage?.({ data: own ? { id: req.id, ok: true, value: own, ms: workMs ?? 0 } : answer(structuredClone(req)) } as MessageEvent<CheckResponse>);
          }
        }, delayMs);
      },
      terminate() {
        rec.terminated = true;
      },
    };
    return w;
  };
  return { spawn, made };
}

describe("the worker's answer (checkAnswer.ts)", () => {
  it("is validate's over the whole design, though only the guest and host reach the worker", () => {
    const designs = [demoDesign(), ...[largePseries(), q35RootPorts(), unplacedPseries()].map((g) => designFromXml(g.domain, g.host))];
    for (const d of designs) {
      const r = answerCheck(structuredClone({ id: 1, kind: 'validate', design: { guest: d.guest, host: d.host } }));
      expect(r).toEqual({ id: 1, ok: true, value: validate(d), ms: expect.any(Number) });
    }
  });

  it('says how long the engine took, by the clock it is given', () => {
    let t = 100;
    const r = answerCheck({ id: 2, kind: 'validate', design: { guest: demoDesign().guest, host: demoDesign().host } }, () => (t += 40));
    expect(r).toMatchObject({ id: 2, ok: true, ms: 40 });
  });

  it('says what the engine threw, as an error answer', () => {
    const broken = {
      get guest(): never {
        throw new Error('no guest here');
      },
    };
    expect(answerCheck({ id: 4, kind: 'validate', design: broken as never })).toEqual({ id: 4, ok: false, error: 'no guest here' });
  });
});

afterEach(() => {
  vi.useRealTimers();
  setAppChecker(null);
});

describe('checker: work in a worker with a time budget', () => {
  it('an answer within the budget is the worker\'s findings', async () => {
    const f = fakeWorker('answer', 5);
    const c = createChecker(f.spawn, 1000);
    const d = demoDesign();
    const o = await c.validate(d);
    expect(o.ok && o.value).toEqual(validate(d));
    // only what validation reads goes to the worker: not the source text and its layout, not the imported guest
    expect(Object.keys(f.made[0]?.posted[0]?.design ?? {}).sort()).toEqual(['guest', 'host']);
    expect(f.made).toHaveLength(1);
    expect(f.made[0]?.terminated).toBe(false);
  });

  it('no answer within the budget: the worker is ended, the outcome says so, and the next job gets a new worker', async () => {
    vi.useFakeTimers();
    const f = fakeWorker('hang');
    const c = createChecker(f.spawn, 50);
    const first = c.validate(demoDesign());
    const second = c.validate(demoDesign());
    await vi.advanceTimersByTimeAsync(60);
    const o = await first;
    expect(o).toMatchObject({ ok: false, reason: 'over-budget' });
    expect(f.made[0]?.terminated).toBe(true);
    // the queued job started on a fresh worker, with its own budget
    expect(f.made).toHaveLength(2);
    expect(f.made[1]?.posted).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(60);
    expect(await second).toMatchObject({ ok: false, reason: 'over-budget' });
  });

  it('a worker that dies answers "failed", and is replaced', async () => {
    const f = fakeWorker('die', 1);
    const c = createChecker(f.spawn, 1000);
    expect(await c.validate(demoDesign())).toMatchObject({ ok: false, reason: 'failed', message: 'out of memory' });
    expect(f.made[0]?.terminated).toBe(true);
  });
});

describe('findings: a document is checked off the main thread first', () => {
  it('checking, then the worker\'s findings; listeners hear of it', async () => {
    setAppChecker(createChecker(fakeWorker('answer', 5).spawn, 1000));
    const d = demoDesign();
    expect(evaluationOf(d).findings.map((f) => f.ruleId)).toEqual([CHECKING_ID]);
    const target = dropTargets(d, { kind: 'group', number: 5 })[0];
    expect(target && hypothetical(d, target.command).message).toMatch(/^Not judged yet/);
    await new Promise<void>((resolve) => onChecked(resolve));
    expect(checkState(d)).toEqual({ state: 'done' });
    expect(evaluationOf(d).findings).toEqual(validate(d));
    expect((target && hypothetical(d, target.command).message) ?? '').not.toMatch(/^Not judged/);
  });

  it('over the budget: one finding says the design was not checked, and nothing is judged on the main thread', async () => {
    vi.useFakeTimers();
    setAppChecker(createChecker(fakeWorker('hang').spawn, 30));
    const d = demoDesign();
    evaluationOf(d);
    await vi.advanceTimersByTimeAsync(40);
    const e = evaluationOf(d);
    expect(e.findings).toHaveLength(1);
    expect(e.findings[0]).toMatchObject({ ruleId: UNCHECKED_ID, severity: 'warning' });
    expect(e.findings[0]?.message).toMatch(/^This design was not checked: checking it took longer than 0\.03 s/);
    const target = dropTargets(d, { kind: 'group', number: 5 })[0];
    expect(target && hypothetical(d, target.command)).toMatchObject({ level: 'warning', message: expect.stringMatching(/^Not judged: the design was not checked/) });
  });

  it('without a worker (Node) a design is evaluated here at once', () => {
    setAppChecker(null);
    const d = demoDesign();
    expect(evaluationOf(d).findings).toEqual(validate(d));
  });
});

describe('findings: an edit of a heavy document is checked off the main thread too', () => {
  const moveCommand = (d: ReturnType<typeof demoDesign>) => {
    const t = dropTargets(d, { kind: 'group', number: 5 })[0];
    if (!t) throw new Error('the demo has a target for group 5');
    return t.command;
  };
  const checked = () => new Promise<void>((resolve) => {
    const off = onChecked(() => {
      off();
      resolve();
    });
  });

  it(`a document whose check took the worker over ${HEAVY_CHECK_MS} ms: its edit says "checking", goes to the worker, then shows the worker's findings`, async () => {
    const f = fakeWorker('answer', 1, HEAVY_CHECK_MS + 1);
    setAppChecker(createChecker(f.spawn, 1000));
    const d = demoDesign();
    evaluationOf(d);
    await checked();
    const edit = applyCommand(d, moveCommand(d));
    expect(checkState(edit)).toEqual({ state: 'checking' });
    expect(evaluationOf(edit).findings.map((x) => x.ruleId)).toEqual([CHECKING_ID]);
    expect(f.made[0]?.posted).toHaveLength(2);
    await checked();
    expect(checkState(edit)).toEqual({ state: 'done' });
    expect(evaluationOf(edit).findings).toEqual(validate(edit));
    // the document's own design is known: undo to it asks the worker nothing
    expect(checkState(d)).toEqual({ state: 'done' });
    expect(f.made[0]?.posted).toHaveLength(2);
  });

  it(`a document checked within ${HEAVY_CHECK_MS} ms: its edit is evaluated here at once`, async () => {
    const f = fakeWorker('answer', 1, HEAVY_CHECK_MS);
    setAppChecker(createChecker(f.spawn, 1000));
    const d = demoDesign();
    evaluationOf(d);
    await checked();
    const edit = applyCommand(d, moveCommand(d));
    expect(checkState(edit)).toEqual({ state: 'done' });
    expect(evaluationOf(edit).findings).toEqual(validate(edit));
    expect(f.made[0]?.posted).toHaveLength(1);
  });

  it('edits made while one is checked wait, and only the newest of them is checked next', async () => {
    const f = fakeWorker('answer', 1, HEAVY_CHECK_MS + 1);
    setAppChecker(createChecker(f.spawn, 1000));
    const d = demoDesign();
    evaluationOf(d);
    await checked();
    const cmd = moveCommand(d);
    const first = applyCommand(d, cmd);
    const second = { ...first, guest: { ...first.guest } };
    const third = { ...first, guest: { ...first.guest } };
    for (const x of [first, second, third]) expect(checkState(x).state).toBe('checking');
    await checked();
    expect(checkState(first)).toEqual({ state: 'done' });
    await checked();
    expect(checkState(third)).toEqual({ state: 'done' });
    // the worker saw the document, the first edit and the newest one; the one between was never sent
    expect(f.made[0]?.posted.map((r) => r.design?.guest === second.guest)).toEqual([false, false, false]);
    expect(f.made[0]?.posted).toHaveLength(3);
    // shown again, it is checked then
    expect(checkState(second)).toEqual({ state: 'checking' });
    await checked();
    expect(checkState(second)).toEqual({ state: 'done' });
  });
});

describe("drop verdicts of a heavy document are judged in the worker", () => {
  // a host function: a target for each bus and each free slot (more than one request's worth)
  const GROUP_5 = { kind: 'host-device', address: '0035:03:00.0' } as const;
  /** a store on a fresh demo design whose check the worker answered as heavy (over HEAVY_CHECK_MS) */
  async function heavyStore(mode: Mode | ((req: CheckRequest) => Mode), budgetMs = 1000) {
    const f = fakeWorker(mode, 1, HEAVY_CHECK_MS + 1);
    setAppChecker(createChecker(f.spawn, budgetMs));
    const d = demoDesign();
    const landed = new Promise<void>((resolve) => {
      const off = onChecked(() => {
        off();
        resolve();
      });
    });
    checkState(d);
    await landed;
    const store = createDesignerStore(docOf(d, 'demo'));
    return { f, d, store, verdictsPosted: () => f.made.flatMap((m) => m.posted).filter((r) => r.kind === 'verdicts') };
  }
  /** what the main thread's evaluator says of every target of that drag */
  const expected = (d: Design) => new Map(dropTargets(d, GROUP_5).map((t) => [t.id, createEvaluator().verdict(d, t.command)]));
  const verdictCalls = () => vi.spyOn(appEvaluator(), 'verdict');
  const until = async (cond: () => boolean) => {
    for (let i = 0; i < 2000 && !cond(); i++) await vi.advanceTimersByTimeAsync(1);
    expect(cond()).toBe(true);
  };

  it("answers the main thread's evaluator would give, for every target, none judged here; the first request carries the design, the next ones only commands", async () => {
    const { d, store, verdictsPosted } = await heavyStore('answer');
    vi.useFakeTimers();
    const here = verdictCalls();
    expect(verdictsBy(d)).toBe('worker');
    store.getState().startDrag({ ...GROUP_5 }, '0035:03:00.0', 0, 0);
    // judging in idle slices has nothing to do on this thread
    expect(store.getState().judgePending(100)).toBe(false);
    await until(() => store.getState().drag?.pending.length === 0);
    const want = expected(d);
    expect(store.getState().drag?.verdicts).toEqual(want);
    expect(want.size).toBeGreaterThan(32);
    expect(here).not.toHaveBeenCalled();
    const posted = verdictsPosted();
    // several requests (32 commands at most each, fewer judged per 150 ms slice), the design in the first only
    expect(posted.length).toBeGreaterThan(1);
    expect(posted.map((r) => r.kind === 'verdicts' && r.design !== undefined)).toEqual([true, ...posted.slice(1).map(() => false)]);
  });

  it('a target the pointer enters is judged next, shown "not judged yet" (no verdict) until the worker answers', async () => {
    const { d, store, verdictsPosted } = await heavyStore('answer');
    vi.useFakeTimers();
    store.getState().startDrag({ ...GROUP_5 }, '0035:03:00.0', 0, 0);
    const last = [...(store.getState().drag?.targets.keys() ?? [])].at(-1) as string;
    await until(() => verdictsPosted().length >= 1);
    const asked = verdictsPosted().length;
    store.getState().moveDrag(5, 5, last);
    expect(store.getState().drag?.over).toBe(last);
    expect(store.getState().drag?.verdicts.has(last)).toBe(false);
    await until(() => store.getState().drag?.verdicts.has(last) ?? false);
    expect(store.getState().drag?.verdicts.get(last)).toEqual(expected(d).get(last));
    // it led the request after the one under way when the pointer entered it
    const second = verdictsPosted()[asked];
    expect(second?.kind === 'verdicts' && second.commands[0]).toEqual(store.getState().drag?.targets.get(last)?.command);
  });

  it('a worker that hangs on verdicts is ended at the budget: the targets stay not judged, asked no more, and the drop still applies', async () => {
    const { store, f, verdictsPosted } = await heavyStore((r) => (r.kind === 'verdicts' ? 'hang' : 'answer'), 30);
    vi.useFakeTimers();
    const here = verdictCalls();
    store.getState().startDrag({ ...GROUP_5 }, '0035:03:00.0', 0, 0);
    await vi.advanceTimersByTimeAsync(40);
    // the verdicts' own worker is ended; the one that checks edits is not
    expect(f.made.map((m) => [m.lane, m.terminated])).toEqual([
      ['check', false],
      ['verdicts', true],
    ]);
    const drag = store.getState().drag;
    expect(drag?.verdicts.size).toBe(0);
    // the pointer entering a target, or the idle slices, ask nothing more of a worker that failed
    store.getState().moveDrag(1, 1, drag?.pending[3] ?? null);
    expect(store.getState().judgePending(10)).toBe(false);
    await vi.advanceTimersByTimeAsync(100);
    expect(verdictsPosted()).toHaveLength(1);
    expect(store.getState().drag?.verdicts.size).toBe(0);
    expect(here).not.toHaveBeenCalled();
    // the drag says why (the ghost shows it)
    expect(store.getState().drag?.unjudged).toBe('checking took over 0.03 s');
    expect(store.getState().endDrag(drag?.pending[0] ?? null)).toBe(true);
  });

  it('a worker that dies on verdicts: the targets stay not judged, never judged wrong', async () => {
    const { store, verdictsPosted } = await heavyStore((r) => (r.kind === 'verdicts' ? 'die' : 'answer'));
    vi.useFakeTimers();
    store.getState().startDrag({ ...GROUP_5 }, '0035:03:00.0', 0, 0);
    await vi.advanceTimersByTimeAsync(20);
    expect(verdictsPosted()).toHaveLength(1);
    expect(store.getState().drag?.verdicts.size).toBe(0);
    expect(store.getState().drag?.pending.length).toBe(store.getState().drag?.targets.size);
    expect(store.getState().drag?.unjudged).toBe('the checker stopped (out of memory)');
  });

  it('while the worker judges, the drag gives no reason: the targets are not judged yet, not refused', async () => {
    const { store } = await heavyStore((r) => (r.kind === 'verdicts' ? 'hang' : 'answer'), 30);
    vi.useFakeTimers();
    store.getState().startDrag({ ...GROUP_5 }, '0035:03:00.0', 0, 0);
    await vi.advanceTimersByTimeAsync(20);
    expect(store.getState().drag?.unjudged).toBeUndefined();
  });

  it('"Move to…" lists whose worker fails say why their buses are not judged, and their listeners hear of it', async () => {
    const { d } = await heavyStore((r) => (r.kind === 'verdicts' ? 'hang' : 'answer'), 30);
    vi.useFakeTimers();
    const lazy = lazyVerdicts(d, dropTargets(d, GROUP_5).filter(isBusTarget));
    let heard = 0;
    lazy.subscribe(() => heard++);
    expect(lazy.judgeSome(10)).toBe(false);
    await vi.advanceTimersByTimeAsync(20);
    expect(lazy.unjudged).toBeUndefined();
    await vi.advanceTimersByTimeAsync(20);
    expect(lazy.unjudged).toBe('checking took over 0.03 s');
    expect(heard).toBe(1);
    expect(lazy.judged).toBe(0);
  });

  it('an answer that comes after the design changed is dropped; the new drag gets its own', async () => {
    const { d, store } = await heavyStore('answer');
    vi.useFakeTimers();
    store.getState().startDrag({ ...GROUP_5 }, '0035:03:00.0', 0, 0);
    // before the worker answers: an edit (the drag ends with it), then a drag of the same group on the new design
    expect(store.getState().apply({ kind: 'move-group', group: 2, controller: 1 })).toBe(true);
    const edited = store.getState().present?.design as Design;
    await until(() => verdictsBy(edited) === 'worker');
    store.getState().startDrag({ ...GROUP_5 }, '0035:03:00.0', 0, 0);
    await until(() => store.getState().drag?.pending.length === 0);
    const want = expected(edited);
    expect(store.getState().drag?.verdicts).toEqual(want);
    // the two designs' verdicts differ somewhere: an answer for the first would have shown
    expect([...expected(d)].some(([id, v]) => JSON.stringify(want.get(id)) !== JSON.stringify(v))).toBe(true);
  });

  it('"Move to…" lists: judge() asks the worker for that bus first and the answer reaches subscribers', async () => {
    const { d, verdictsPosted } = await heavyStore('answer');
    vi.useFakeTimers();
    const here = verdictCalls();
    const lazy = lazyVerdicts(d, dropTargets(d, GROUP_5).filter(isBusTarget));
    let heard = 0;
    lazy.subscribe(() => heard++);
    const last = lazy.targets.at(-1)?.id as string;
    expect(lazy.judge(last)).toBeUndefined();
    expect(lazy.judgeSome(10)).toBe(false);
    await until(() => lazy.judged === lazy.targets.length);
    expect(heard).toBeGreaterThan(0);
    const want = expected(d);
    for (const t of lazy.targets) expect(lazy.get(t.id)).toEqual(want.get(t.id));
    const first = verdictsPosted()[0];
    expect(first?.kind === 'verdicts' && first.commands[0]).toEqual(lazy.targets.at(-1)?.command);
    expect(here).not.toHaveBeenCalled();
  });

  it('a light document keeps judging on the main thread: the worker is asked for no verdict', async () => {
    const f = fakeWorker('answer', 1, HEAVY_CHECK_MS);
    setAppChecker(createChecker(f.spawn, 1000));
    const d = demoDesign();
    checkState(d);
    await new Promise<void>((resolve) => onChecked(resolve));
    expect(verdictsBy(d)).toBe('here');
    const store = createDesignerStore(docOf(d, 'demo'));
    store.getState().startDrag({ ...GROUP_5 }, '0035:03:00.0', 0, 0);
    while (store.getState().judgePending(100));
    expect(store.getState().drag?.verdicts).toEqual(expected(d));
    expect(f.made.flatMap((m) => m.posted).filter((r) => r.kind === 'verdicts')).toHaveLength(0);
  });
});

describe('an inspector edit of a heavy document is judged in the worker, never here', () => {
  // vPHB 2 renumbered 1: a second index 1 and a double use of its devices' address (GEN-ADDR-4, an error)
  const RENUMBER: Command = { kind: 'update-controller', controller: 'pci-2', changes: { index: 1 } };
  /** a fresh demo design whose check the worker answered as heavy, and the store on it */
  async function heavy(mode: Mode | ((req: CheckRequest) => Mode) = 'answer', budgetMs = 1000, findings?: (req: CheckRequest) => Finding[] | undefined) {
    const f = fakeWorker(mode, 1, HEAVY_CHECK_MS + 1, findings);
    setAppChecker(createChecker(f.spawn, budgetMs));
    const d = demoDesign();
    const landed = new Promise<void>((resolve) => {
      const off = onChecked(() => {
        off();
        resolve();
      });
    });
    checkState(d);
    await landed;
    return { f, d, store: createDesignerStore(docOf(d, 'demo')), validatePosted: () => f.made.flatMap((m) => m.posted).filter((r) => r.kind === 'validate') };
  }

  it("is read from the worker's findings of the design the edit makes (one request), and applying the edit asks nothing more", async () => {
    const { d, store, validatePosted } = await heavy();
    const v = await verdictOfEdit(d, RENUMBER, { newOnly: true });
    expect(v).toEqual({ judged: true, verdict: createEvaluator().verdict(d, RENUMBER, { newOnly: true }) });
    expect(v.judged && v.verdict).toMatchObject({ level: 'error', ruleId: 'GEN-ADDR-4' });
    const asked = validatePosted();
    expect(asked).toHaveLength(2);
    expect(asked[1]?.design.guest).toEqual(applyCommand(d, RENUMBER).guest);
    // an edit with no new error (a NUMA warning): applied, its findings known at once (the design the worker checked)
    const numa: Command = { kind: 'update-controller', controller: 'pci-2', changes: { target: { ...d.guest.controllers[2]?.target, node: 1 } } };
    expect(await verdictOfEdit(d, numa, { newOnly: true })).toEqual({ judged: true, verdict: createEvaluator().verdict(d, numa, { newOnly: true }) });
    expect(store.getState().apply(numa)).toBe(true);
    const edited = store.getState().present?.design as Design;
    expect(checkState(edited)).toEqual({ state: 'done' });
    expect(evaluationOf(edited).findings).toEqual(validate(edited));
    expect(validatePosted()).toHaveLength(3);
  });

  it("no validation here: the verdict is the worker's answer, even one the engine here would not give", async () => {
    // the worker says the renumbered design has no finding at all
    const { d } = await heavy('answer', 1000, (r) => (r.kind === 'validate' && r.design.guest.controllers[2]?.index === 1 ? [] : undefined));
    expect(await verdictOfEdit(d, RENUMBER, { newOnly: true })).toEqual({ judged: true, verdict: { level: 'clean' } });
  });

  it('an edit whose check runs over the budget is not judged, with why; its verdict is not guessed here', async () => {
    const { d } = await heavy((r) => (r.kind === 'validate' && r.design.guest.controllers[2]?.index === 1 ? 'hang' : 'answer'), 30);
    const here = vi.spyOn(appEvaluator(), 'verdict');
    here.mockClear();
    vi.useFakeTimers();
    const v = verdictOfEdit(d, RENUMBER, { newOnly: true });
    await vi.advanceTimersByTimeAsync(40);
    expect(await v).toEqual({ judged: false, why: 'checking it took longer than 0.03 s, so it was stopped' });
    expect(here).not.toHaveBeenCalled();
  });

  it('an edit of a design still being checked waits for that check, then its own', async () => {
    const { d, store, validatePosted } = await heavy();
    const numa: Command = { kind: 'update-controller', controller: 'pci-2', changes: { target: { ...d.guest.controllers[2]?.target, node: 1 } } };
    expect(store.getState().apply(numa)).toBe(true);
    const edited = store.getState().present?.design as Design;
    expect(checkState(edited)).toEqual({ state: 'checking' });
    const v = await verdictOfEdit(edited, RENUMBER, { newOnly: true });
    expect(v).toEqual({ judged: true, verdict: createEvaluator().verdict(edited, RENUMBER, { newOnly: true }) });
    expect(validatePosted()).toHaveLength(3);
  });

  it("an edit of a design whose check failed is not judged, with that check's why", async () => {
    const { d, store } = await heavy((r) => (r.kind === 'validate' && r.design.guest.controllers[2]?.target.node === 1 ? 'die' : 'answer'));
    const numa: Command = { kind: 'update-controller', controller: 'pci-2', changes: { target: { ...d.guest.controllers[2]?.target, node: 1 } } };
    expect(store.getState().apply(numa)).toBe(true);
    const edited = store.getState().present?.design as Design;
    expect(await verdictOfEdit(edited, RENUMBER, { newOnly: true })).toEqual({ judged: false, why: 'the checker stopped (out of memory)' });
  });

  it("an edit the engine refuses is an error with the engine's message, asking the worker nothing", async () => {
    const { d, validatePosted } = await heavy();
    expect(await verdictOfEdit(d, { kind: 'update-controller', controller: 'nope', changes: {} })).toEqual({ judged: true, verdict: { level: 'error', message: 'no controller nope' } });
    expect(validatePosted()).toHaveLength(1);
  });

  it("the store's applyEdit: an edit adding an error is refused with the rule's message, one that does not is applied", async () => {
    const { d, store } = await heavy();
    expect(await store.getState().applyEdit(RENUMBER, 'renumber')).toBe(createEvaluator().verdict(d, RENUMBER, { newOnly: true }).message);
    expect(store.getState().present?.design).toBe(d);
    const numa: Command = { kind: 'update-controller', controller: 'pci-2', changes: { target: { ...d.guest.controllers[2]?.target, node: 1 } } };
    expect(await store.getState().applyEdit(numa, 'NUMA 1')).toBeNull();
    expect(store.getState().present?.design.guest.controllers[2]?.target.node).toBe(1);
    expect(store.getState().present?.label).toBe('NUMA 1');
  });

  it('applyEdit: an edit judged while the design changed is judged again on the new one, then applied on it', async () => {
    const { d, store, validatePosted } = await heavy();
    const numa: Command = { kind: 'update-controller', controller: 'pci-2', changes: { target: { ...d.guest.controllers[2]?.target, node: 1 } } };
    const edit = store.getState().applyEdit(numa, 'NUMA 1');
    // meanwhile another edit (Add vPHB's command, say): the verdict under way judges the design before it
    expect(store.getState().apply({ kind: 'remove-device', device: '0030:01:00.0' })).toBe(true);
    const between = store.getState().present?.design as Design;
    expect(await edit).toBeNull();
    const now = store.getState().present?.design as Design;
    expect(now.guest.controllers[2]?.target.node).toBe(1);
    expect(now.guest.devices.some((x) => x.key === '0030:01:00.0')).toBe(false);
    // the worker checked the edit on the design before, then the other edit's design, then the edit on it
    expect(validatePosted().some((r) => r.design.guest === between.guest)).toBe(true);
    expect(validatePosted().filter((r) => r.design.guest.controllers[2]?.target.node === 1).map((r) => r.design.guest.devices.length)).toEqual([d.guest.devices.length, d.guest.devices.length - 1]);
  });

  it('applyEdit: an edit whose check did not finish is applied, its findings saying why they are missing', async () => {
    const { d, store } = await heavy((r) => (r.kind === 'validate' && r.design.guest.controllers[2]?.target.node === 1 ? 'die' : 'answer'));
    const numa: Command = { kind: 'update-controller', controller: 'pci-2', changes: { target: { ...d.guest.controllers[2]?.target, node: 1 } } };
    expect(await store.getState().applyEdit(numa, 'NUMA 1')).toBeNull();
    const now = store.getState().present?.design as Design;
    expect(now.guest.controllers[2]?.target.node).toBe(1);
    expect(checkState(now)).toEqual({ state: 'unchecked', why: 'the checker stopped (out of memory)' });
    expect(evaluationOf(now).findings.map((f) => f.ruleId)).toEqual([UNCHECKED_ID]);
  });

  it('a light document\'s edit is judged here at once, the worker asked nothing', async () => {
    const f = fakeWorker('answer', 1, HEAVY_CHECK_MS);
    setAppChecker(createChecker(f.spawn, 1000));
    const d = demoDesign();
    checkState(d);
    await new Promise<void>((resolve) => onChecked(resolve));
    expect(await verdictOfEdit(d, RENUMBER, { newOnly: true })).toEqual({ judged: true, verdict: createEvaluator().verdict(d, RENUMBER, { newOnly: true }) });
    expect(f.made.flatMap((m) => m.posted)).toHaveLength(1);
  });
});

describe('the checker leaves out the design a worker holds', () => {
  it('the same design twice: the second verdicts request has commands only; a new worker (after a hang) gets the design again', async () => {
    vi.useFakeTimers();
    let hang = false;
    const f = fakeWorker(() => (hang ? 'hang' : 'answer'), 1);
    const c = createChecker(f.spawn, 30);
    const d = demoDesign();
    const cmds = dropTargets(d, { kind: 'group', number: 5 }).map((t) => t.command);
    const first = c.verdicts(d, cmds.slice(0, 2), 1000);
    await vi.advanceTimersByTimeAsync(5);
    expect(await first).toMatchObject({ ok: true, value: cmds.slice(0, 2).map((cmd) => createEvaluator().verdict(d, cmd)) });
    const second = c.verdicts(d, cmds.slice(2, 4), 1000);
    await vi.advanceTimersByTimeAsync(5);
    expect(await second).toMatchObject({ ok: true, value: cmds.slice(2, 4).map((cmd) => createEvaluator().verdict(d, cmd)) });
    expect(f.made[0]?.posted.map((r) => 'design' in r)).toEqual([true, false]);
    hang = true;
    const hung = c.verdicts(d, cmds.slice(4, 5), 1000);
    await vi.advanceTimersByTimeAsync(40);
    expect(await hung).toMatchObject({ ok: false, reason: 'over-budget' });
    hang = false;
    const third = c.verdicts(d, cmds.slice(0, 1), 1000);
    await vi.advanceTimersByTimeAsync(5);
    expect(await third).toMatchObject({ ok: true });
    expect(f.made.map((m) => m.lane)).toEqual(['verdicts', 'verdicts']);
    expect(f.made[1]?.posted.map((r) => 'design' in r)).toEqual([true]);
  });

  it("an edit's check does not wait behind drop verdicts: it is answered while a verdicts request hangs, which then meets its own budget", async () => {
    vi.useFakeTimers();
    const f = fakeWorker((r) => (r.kind === 'verdicts' ? 'hang' : 'answer'), 1);
    const c = createChecker(f.spawn, 1000);
    const d = demoDesign();
    const cmds = dropTargets(d, { kind: 'group', number: 5 }).map((t) => t.command);
    let verdictsDone = false;
    const verdicts = c.verdicts(d, cmds, 150).then((o) => {
      verdictsDone = true;
      return o;
    });
    const edit = applyCommand(d, cmds[0] as Command);
    let checked: unknown = null;
    void c.validate(edit).then((o) => (checked = o));
    await vi.advanceTimersByTimeAsync(5);
    // answered within 5 ms, 995 ms before the hung verdicts request is stopped
    expect(verdictsDone).toBe(false);
    expect(checked).toMatchObject({ ok: true, value: validate(edit) });
    await vi.advanceTimersByTimeAsync(1000);
    expect(await verdicts).toMatchObject({ ok: false, reason: 'over-budget' });
    expect(f.made.map((m) => [m.lane, m.terminated])).toEqual([
      ['verdicts', true],
      ['check', false],
    ]);
  });

  it('a worker answers for as long as the slice lasts, at least one command; without a design it has none to judge', () => {
    const d = demoDesign();
    const cmds = dropTargets(d, { kind: 'group', number: 5 }).map((t) => t.command);
    let t = 0;
    const answer = createCheckAnswerer(() => (t += 10));
    const r = answer({ id: 1, kind: 'verdicts', design: { guest: d.guest, host: d.host }, commands: cmds.slice(0, 10), sliceMs: 35 });
    // started at 10; 20, 30, 40: the third verdict ends the slice
    expect(r.ok && (r.value as unknown[]).length).toBe(3);
    expect(answer({ id: 2, kind: 'verdicts', commands: cmds.slice(0, 5), sliceMs: 0 })).toMatchObject({ ok: true, value: [createEvaluator().verdict(d, cmds[0] as Command)] });
    expect(createCheckAnswerer()({ id: 3, kind: 'verdicts', commands: cmds.slice(0, 1), sliceMs: 10 })).toEqual({ id: 3, ok: false, error: 'no design to judge the drop on' });
  });
});
