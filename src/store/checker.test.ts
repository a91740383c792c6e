import { afterEach, describe, expect, it, vi } from 'vitest';
import { demoDesign, validate } from '../engine/index.ts';
import { createChecker, type CheckRequest, type CheckResponse, type WorkerLike } from './checker.ts';
import { answerCheck } from './checkAnswer.ts';
import { checkState, evaluationOf, HEAVY_CHECK_MS, setAppChecker, UNCHECKED_ID, CHECKING_ID, onChecked } from './findings.ts';
import { hypothetical } from './evaluate.ts';
import { applyCommand, dropTargets } from '../engine/index.ts';
import { largePseries, q35RootPorts, unplacedPseries } from '../../e2e/fixtures/designs.ts';
import { designFromXml } from '../ui/testDesign.ts';

/**
 * A worker that answers like check.worker.ts after `delayMs`, or never (`hang`), or dies (`die`);
 * `workMs`: how long it says the engine's work took (its own clock otherwise).
 */
function fakeWorker(mode: 'answer' | 'hang' | 'die', delayMs = 0, workMs?: number) {
  const made: { terminated: boolean; posted: CheckRequest[] }[] = [];
  const spawn = (): WorkerLike => {
    const rec = { terminated: false, posted: [] as CheckRequest[] };
    made.push(rec);
    const w: WorkerLike = {
      onmessage: null,
      onerror: null,
      postMessage(req) {
        rec.posted.push(req);
        if (mode === 'hang') return;
        setTimeout(() => {
          if (rec.terminated) return;
          if (mode === 'die') w.onerror?.({ message: 'out of memory', preventDefault: () => {} } as unknown as ErrorEvent);
          // a copy, as postMessage gives the worker
          else {
            let t = 0;
            const clock = workMs === undefined ? undefined : () => (t += workMs) - workMs;
            w.onmessage?.({ data: answerCheck(structuredClone(req), clock) } as MessageEvent<CheckResponse>);
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
    expect(f.made[0]?.posted.map((r) => r.design.guest === second.guest)).toEqual([false, false, false]);
    expect(f.made[0]?.posted).toHaveLength(3);
    // shown again, it is checked then
    expect(checkState(second)).toEqual({ state: 'checking' });
    await checked();
    expect(checkState(second)).toEqual({ state: 'done' });
  });
});
