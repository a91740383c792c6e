import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RuleCatalog } from '../engine/index.ts';
import * as engine from '../engine/index.ts';
import type { CheckRequest, CheckResponse, WorkerLike } from './checker.ts';
import { designToCheck } from './checkAnswer.ts';

/**
 * The rule catalog is a lazy chunk (engine catalog.ts, loaded after the first paint): until it is in,
 * a design is "checking" everywhere (findings, badges, verdicts, findings across guests), never
 * clean; once it is in, the evaluation is the catalog's. Each test loads the store afresh with a
 * catalog loader it controls (the unit tests' setup loads the real catalog up front).
 */
function deferred<T>() {
  let resolve: (v: T) => void = () => {};
  let reject: (e: unknown) => void = () => {};
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

async function freshStore(load: () => Promise<RuleCatalog>) {
  vi.resetModules();
  vi.doMock('../engine/index.ts', async (original) => ({ ...(await original<typeof engine>()), loadRuleCatalog: load }));
  const findings = await import('./findings.ts');
  const evaluate = await import('./evaluate.ts');
  const workspace = await import('./workspace.ts');
  return { ...findings, ...evaluate, ...workspace };
}

/** A worker that answers in the next task, as check.worker.ts does; `log` hears what it was asked and when it answered. */
const answeringWorker = (log: string[]): WorkerLike => {
  const w: WorkerLike = {
    onmessage: null,
    onerror: null,
    postMessage(req: CheckRequest) {
      log.push(req.kind);
      const value = req.kind === 'validate' ? engine.validate(designToCheck(req.design)) : null;
      setTimeout(() => {
        w.onmessage?.({ data: { id: req.id, ok: true, value } satisfies CheckResponse } as MessageEvent<CheckResponse>);
        log.push('answered');
      }, 0);
    },
    terminate() {},
  };
  return w;
};

const realCatalog = (): Promise<RuleCatalog> => import('../engine/catalog.ts');

afterEach(() => {
  vi.doUnmock('../engine/index.ts');
  vi.resetModules();
});

describe('before the rule catalog is loaded, nothing is judged clean', () => {
  it('a design is checking: findings, badges, verdicts and rule titles wait; then they are the catalog\'s', async () => {
    const catalog = deferred<RuleCatalog>();
    const s = await freshStore(() => catalog.promise);
    s.setAppChecker(null);
    const d = engine.demoDesign();
    const e = s.evaluationOf(d);
    expect(e.findings.map((f) => f.ruleId)).toEqual([s.CHECKING_ID]);
    expect([e.controllers.size, e.devices.size, e.groups.size]).toEqual([0, 0, 0]);
    expect(s.checkState(d)).toEqual({ state: 'checking' });
    const target = s.dropTargets(d, { kind: 'group', number: 5 })[0];
    if (!target) throw new Error('the demo has targets for group 5');
    expect(s.hypothetical(d, target.command)).toEqual({ level: 'warning', message: 'Not judged yet: the design is still being checked.' });
    expect(s.ruleMetaOf('PAPR-ISO-4')).toBeUndefined();
    expect(s.ruleCatalog()).toBeNull();
    // an edit still applies (the command as is, no verdict to reuse)
    expect(s.appliedDesign(d, target.command)).toEqual(engine.applyCommand(d, target.command));

    const checked = new Promise<void>((resolve) => s.onChecked(resolve));
    catalog.resolve(await realCatalog());
    await checked;
    expect(s.checkState(d)).toEqual({ state: 'done' });
    expect(s.evaluationOf(d).findings).toEqual(engine.validate(d));
    expect(s.hypothetical(d, target.command).message ?? '').not.toMatch(/^Not judged/);
    expect(s.ruleMetaOf('PAPR-ISO-4')?.title).toBeTruthy();
  });

  it('the "Move to…" list judged while checking says "not judged yet"; forgotten once the check lands, it judges for real', async () => {
    const catalog = deferred<RuleCatalog>();
    const s = await freshStore(() => catalog.promise);
    s.setAppChecker(null);
    const d = engine.demoDesign();
    const targets = s.dropTargets(d, { kind: 'group', number: 5 });
    const lazy = s.lazyVerdicts(d, targets);
    const first = targets[0];
    if (!first) throw new Error('the demo has targets for group 5');
    expect(lazy.judge(first.id)?.message).toMatch(/^Not judged yet/);
    const checked = new Promise<void>((resolve) => s.onChecked(resolve));
    catalog.resolve(await realCatalog());
    await checked;
    // the list keeps what it judged until it is told to forget (ContextMenu does on the check's end)
    expect(lazy.judge(first.id)?.message).toMatch(/^Not judged yet/);
    lazy.forget();
    expect(lazy.judged).toBe(0);
    expect(lazy.judge(first.id)).toEqual(s.hypothetical(d, first.command));
    expect(lazy.judge(first.id)?.message ?? '').not.toMatch(/^Not judged/);
  });

  it('the worker\'s answer alone does not make a design checked: it waits for the catalog too', async () => {
    const catalog = deferred<RuleCatalog>();
    const s = await freshStore(() => catalog.promise);
    const { createChecker } = await import('./checker.ts');
    const log: string[] = [];
    s.setAppChecker(createChecker(() => answeringWorker(log), 1000));
    const d = engine.demoDesign();
    expect(s.evaluationOf(d).findings.map((f) => f.ruleId)).toEqual([s.CHECKING_ID]);
    await vi.waitFor(() => expect(log).toEqual(['validate', 'answered']));
    // the worker has answered; the catalog has not arrived
    expect(s.checkState(d)).toEqual({ state: 'checking' });
    expect(s.evaluationOf(d).findings.map((f) => f.ruleId)).toEqual([s.CHECKING_ID]);
    const checked = new Promise<void>((resolve) => s.onChecked(resolve));
    catalog.resolve(await realCatalog());
    await checked;
    expect(s.evaluationOf(d).findings).toEqual(engine.validate(d));
  });

  it('findings across guests wait for the catalog, and are not remembered as none', async () => {
    const catalog = deferred<RuleCatalog>();
    const s = await freshStore(() => catalog.promise);
    s.setAppChecker(null);
    const d = engine.demoDesign();
    // two guests passing through the same host group: HD-SHARE-1 once the catalog is in
    const ws: engine.Workspace = { host: d.host, guests: [{ name: 'a', design: d }, { name: 'b', design: d }] };
    expect(s.acrossFindingsOf(ws)).toEqual([]);
    catalog.resolve(await realCatalog());
    await s.loadCatalog();
    const across = s.acrossFindingsOf(ws);
    expect(across.map((f) => f.ruleId)).toContain('HD-SHARE-1');
    expect(across).toEqual(engine.validateAcrossGuests(ws));
  });

  it('a catalog that cannot be loaded leaves the design unchecked, says so and how to get it checked', async () => {
    const s = await freshStore(() => Promise.reject(new Error('Failed to fetch dynamically imported module')));
    s.setAppChecker(null);
    const d = engine.demoDesign();
    const checked = new Promise<void>((resolve) => s.onChecked(resolve));
    s.evaluationOf(d);
    await checked;
    const [only, ...rest] = s.evaluationOf(d).findings;
    expect(rest).toEqual([]);
    expect(only).toMatchObject({ ruleId: s.UNCHECKED_ID, severity: 'warning' });
    expect(only?.message).toBe(
      'This design was not checked: the rule catalog could not be loaded (Failed to fetch dynamically imported module). No finding about it is shown and drops are not judged; the design is kept. Reload the page to have it checked.',
    );
    const target = s.dropTargets(d, { kind: 'group', number: 5 })[0];
    expect(target && s.hypothetical(d, target.command).message).toMatch(/^Not judged: the design was not checked \(the rule catalog could not be loaded/);
  });
});
