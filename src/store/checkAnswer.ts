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

export function answerCheck(req: CheckRequest): CheckResponse {
  try {
    if (req.kind === 'validate') return { id: req.id, ok: true, value: validate(designToCheck(req.design)) };
    return { id: req.id, ok: true, value: placeWithReport(req.design, req.options) };
  } catch (err) {
    return { id: req.id, ok: false, error: (err as Error).message };
  }
}
