/**
 * The Web Worker that checks designs off the main thread (issue 11: "validation and placement run off
 * the main thread with a time budget, so no design can freeze or crash the tab"). It runs the engine
 * as it is (framework-free, no DOM) on a structured clone of the design and answers once; the page
 * (checker.ts) terminates it when an answer takes longer than the budget.
 */
import { placeWithReport, validate } from '../engine/index.ts';
import type { CheckRequest, CheckResponse } from './checker.ts';

const answer = (r: CheckResponse): void => postMessage(r);

addEventListener('message', (e: MessageEvent<CheckRequest>) => {
  const req = e.data;
  try {
    if (req.kind === 'validate') answer({ id: req.id, ok: true, value: validate(req.design) });
    else answer({ id: req.id, ok: true, value: placeWithReport(req.design, req.options) });
  } catch (err) {
    answer({ id: req.id, ok: false, error: (err as Error).message });
  }
});
