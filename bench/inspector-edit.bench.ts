import type { Bench } from './types.ts';
import type { Command, Design, Evaluator, Finding } from '../src/engine/index.ts';
import { applyCommand, createDesign, createEvaluator, createValidator } from '../src/engine/index.ts';
import { q35BridgedNics } from '../e2e/fixtures/designs.ts';

/**
 * What the main thread spends on an inspector edit's verdict (refused when it adds an error) on a
 * heavy document: issue 11's q35 guest with 15,376 virtio NICs behind 62 pcie-to-pci-bridges (17,301
 * findings, e2e/fixtures/designs.ts q35BridgedNics). The app holds the document's findings from the
 * worker (Evaluator.remember) and its validator never saw the design. Before store/evaluate.ts
 * verdictOfEdit the verdict validated the edited design here (inspector-edit-heavy-here); now the
 * worker checks it and the main thread applies the edit and reads the verdict from the two sets of
 * findings (inspector-edit-heavy-read; remembering the worker's answer is a task of its own when it
 * lands, as it was for the edit's commit before).
 */
interface Ctx {
  readonly design: Design;
  readonly cmd: Command;
  readonly findings: readonly Finding[];
  readonly after: readonly Finding[];
}

function setup(): Ctx {
  const d = createDesign(q35BridgedNics().domain);
  if (!d.ok) throw new Error(d.error.message);
  const design = d.value;
  const port = design.guest.controllers.find((c) => c.model === 'pcie-root-port');
  if (!port) throw new Error('the design has root ports');
  // the inspector's controller form: hotplug off on the first root port
  const cmd: Command = { kind: 'update-controller', controller: port.key, changes: { target: { ...port.target, hotplug: 'off' } } };
  return { design, cmd, findings: createValidator()(design), after: createValidator()(applyCommand(design, cmd)) };
}

/** an evaluator as the app's is for a heavy document: the document's findings remembered, nothing validated */
function appLike(ctx: Ctx): Evaluator {
  const ev = createEvaluator(createValidator());
  ev.remember(ctx.design, ctx.findings);
  return ev;
}

export const benchmarks: Bench[] = [
  {
    name: 'inspector-edit-heavy-here',
    setup,
    run: (c) => {
      const ctx = c as Ctx;
      return appLike(ctx).verdict(ctx.design, ctx.cmd, { newOnly: true }).level;
    },
    iterations: 9,
  },
  {
    name: 'inspector-edit-heavy-read',
    // the evaluators are made untimed: each run takes the next, its answer from the worker remembered
    setup: () => {
      const ctx = setup();
      const ready = Array.from({ length: 30 }, () => {
        const ev = appLike(ctx);
        ev.remember(ev.applied(ctx.design, ctx.cmd), ctx.after);
        return ev;
      });
      return { ctx, ready };
    },
    run: (c) => {
      const { ctx, ready } = c as { ctx: Ctx; ready: Evaluator[] };
      const ev = ready.pop();
      if (!ev) throw new Error('more runs than evaluators');
      // the edit applied here (the app's Evaluator.applied does it once; this one has it cached)
      applyCommand(ctx.design, ctx.cmd);
      return ev.verdict(ctx.design, ctx.cmd, { newOnly: true }).level;
    },
    iterations: 21,
  },
];
