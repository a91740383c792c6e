/**
 * The hovered target's verdict is always there (bench drag-findings-1000 waited once, under load,
 * for one that it blamed on the app): judged when the pointer enters it, and judged again, not
 * dropped, when the design's check lands from the worker, whichever comes first. The worker's answer
 * is released by hand, so each order is played out exactly.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_HOST_XML, demoDesign, validate } from '../engine/index.ts';
import { createChecker, type CheckRequest, type CheckResponse, type WorkerLike } from './checker.ts';
import { checkState, setAppChecker } from './findings.ts';
import { docOf } from './store.ts';
import { designerStore } from './index.ts';
import { designToCheck } from './checkAnswer.ts';

/**
 * A worker whose answers wait until `release()`: the test decides when the check lands. It says the
 * engine's work took 1 ms: without it the page takes the wait for the release as the work, and a
 * design held over HEAVY_CHECK_MS became heavy, its verdicts asked of this worker (findings.ts).
 */
function heldWorker() {
  const held: (() => void)[] = [];
  const spawn = (): WorkerLike => {
    const w: WorkerLike = {
      onmessage: null,
      onerror: null,
      postMessage(req: CheckRequest) {
        held.push(() => w.onmessage?.({ data: { id: req.id, ok: true, value: req.kind === 'validate' ? validate(designToCheck(req.design)) : null, ms: 1 } satisfies CheckResponse } as MessageEvent<CheckResponse>));
      },
      terminate() {},
    };
    return w;
  };
  return { spawn, release: () => held.splice(0).forEach((f) => f()), held };
}

/** A fresh demo design (its own document: checked anew) in the app store, and a drag of host group 5 over it. */
async function dragOverFreshDesign() {
  const w = heldWorker();
  setAppChecker(createChecker(w.spawn, 60_000));
  designerStore.getState().load(docOf(demoDesign(), 'demo', DEMO_HOST_XML));
  const design = designerStore.getState().present?.design;
  if (!design) throw new Error('no design');
  expect(checkState(design).state).toBe('checking');
  designerStore.getState().startDrag({ kind: 'group', number: 5 }, 'group 5', 0, 0);
  const ids = [...(designerStore.getState().drag?.targets.keys() ?? [])];
  // the check is posted once the first paint is done (findings.ts firstPaint): wait until it is held
  for (let i = 0; i < 100 && w.held.length === 0; i++) await new Promise((r) => setTimeout(r, 0));
  expect(w.held.length).toBeGreaterThan(0);
  return { w, design, ids };
}

const drag = () => {
  const d = designerStore.getState().drag;
  if (!d) throw new Error('the drag ended');
  return d;
};
const settle = () => new Promise((r) => setTimeout(r, 0));

afterEach(() => {
  designerStore.getState().cancelDrag();
  setAppChecker(null);
});

describe('a hovered target always has its verdict, whatever the order of hover and the worker\'s answer', () => {
  it('pointer enters while the check is in flight, then the check lands: the hovered target is judged again, at once', async () => {
    const { w, design, ids } = await dragOverFreshDesign();
    const over = ids[1] as string;
    designerStore.getState().moveDrag(10, 10, over);
    expect(drag().verdicts.get(over)?.message).toMatch(/^Not judged yet/);
    // some idle slices ran meanwhile: their "not judged yet" verdicts are forgotten when the check lands
    designerStore.getState().judgePending(0);
    w.release();
    await settle();
    expect(checkState(design).state).toBe('done');
    expect(drag().over).toBe(over);
    expect(drag().verdicts.get(over)?.message ?? '').not.toMatch(/^Not judged/);
    // the others are pending again, and the slices judge every one
    expect(drag().pending).toEqual(ids.filter((id) => id !== over));
    while (designerStore.getState().judgePending(50));
    for (const id of ids) expect(drag().verdicts.get(id)?.message ?? '').not.toMatch(/^Not judged/);
  });

  it('the check lands between slices, then the pointer enters a target no slice reached: judged as it enters', async () => {
    const { w, ids } = await dragOverFreshDesign();
    designerStore.getState().judgePending(0);
    w.release();
    await settle();
    const last = ids[ids.length - 1] as string;
    expect(drag().verdicts.has(last)).toBe(false);
    designerStore.getState().moveDrag(10, 10, last);
    expect(drag().verdicts.get(last)?.level).toMatch(/^(clean|warning|error)$/);
    expect(drag().verdicts.get(last)?.message ?? '').not.toMatch(/^Not judged/);
  });
});
