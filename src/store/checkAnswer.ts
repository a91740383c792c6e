/**
 * The checking worker's answer to one request (check.worker.ts runs it on each message; tests run
 * it in a fake worker): the engine's `validate` or `placeWithReport`, or the error it threw.
 */
import type { Design } from '../engine/index.ts';
import { placeWithReport, validate } from '../engine/index.ts';
import type { CheckedDesign, CheckRequest, CheckResponse } from './checker.ts';

/**
 * A design validation can run on, from what a request carries of it: validation reads the guest and
 * the host only, so no source text is needed (an empty one, as the engine's rule testkit builds).
 */
export const designToCheck = (d: CheckedDesign): Design => ({ guest: d.guest, original: d.guest, source: { text: '' }, host: d.host });

/**
 * The answer, with the milliseconds the engine's work took in the worker (`ms`: what the page's
 * measure, from posting to answer, would add the copies and the worker's start to).
 */
export function answerCheck(req: CheckRequest, now: () => number = () => performance.now()): CheckResponse {
  try {
    const started = now();
    const value = req.kind === 'validate' ? validate(designToCheck(req.design)) : placeWithReport(req.design, req.options);
    return { id: req.id, ok: true, value, ms: now() - started };
  } catch (err) {
    return { id: req.id, ok: false, error: (err as Error).message };
  }
}
