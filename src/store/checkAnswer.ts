/**
 * The checking worker's answers (check.worker.ts runs one answerer on its messages; tests run one in
 * a fake worker): the engine's `validate`, `placeWithReport` or drop verdicts, or the error it threw.
 * Findings and verdicts are those of the libvirt release the request names (CheckedDesign.libvirtVersion).
 */
import type { Design, Evaluator, Verdict } from '../engine/index.ts';
import { RULES, createEvaluator, createValidator, placeWithReport, validate } from '../engine/index.ts';
import type { CheckedDesign, CheckRequest, CheckResponse } from './checker.ts';

/**
 * A design validation can run on, from what a request carries of it: validation reads the guest and
 * the host only, so no source text is needed (an empty one, as the engine's rule testkit builds).
 */
export const designToCheck = (d: CheckedDesign): Design => ({ guest: d.guest, original: d.guest, source: { text: '' }, host: d.host });

type Now = () => number;
const clock: Now = () => performance.now();

/**
 * An answerer that keeps, between requests, the design of the last verdicts request and the engine
 * evaluator that judged it: the drag that sent it asks for the rest of its targets' verdicts next,
 * without the design (checker.ts leaves it out), and each of them re-validates only the buses its
 * command touched (the incremental validator, rules/validate.ts createValidator) after the design's
 * own validation, done once. `ms` of an answer: the engine's work, by `now`.
 */
export function createCheckAnswerer(now: Now = clock): (req: CheckRequest) => CheckResponse {
  let held: { readonly design: Design; readonly evaluator: Evaluator } | null = null;
  const verdicts = (req: Extract<CheckRequest, { kind: 'verdicts' }>, started: number): Verdict[] => {
    if (req.design) held = { design: designToCheck(req.design), evaluator: createEvaluator(createValidator(RULES, { libvirtVersion: req.design.libvirtVersion })) };
    if (!held) throw new Error('no design to judge the drop on');
    const out: Verdict[] = [];
    for (const cmd of req.commands) {
      out.push(held.evaluator.verdict(held.design, cmd));
      if (now() - started >= req.sliceMs) break;
    }
    return out;
  };
  return (req) => {
    try {
      const started = now();
      const value = req.kind === 'validate' ? validate(designToCheck(req.design), RULES, { libvirtVersion: req.design.libvirtVersion }) : req.kind === 'place' ? placeWithReport(req.design, req.options) : verdicts(req, started);
      return { id: req.id, ok: true, value, ms: now() - started };
    } catch (err) {
      return { id: req.id, ok: false, error: (err as Error).message };
    }
  };
}

/**
 * One answer with no state kept (a verdicts request must then carry its design), with the
 * milliseconds the engine's work took (`ms`: what the page's measure, from posting to answer, would
 * add the copies and the worker's start to).
 */
export function answerCheck(req: CheckRequest, now: Now = clock): CheckResponse {
  return createCheckAnswerer(now)(req);
}
