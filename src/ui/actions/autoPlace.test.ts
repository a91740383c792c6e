import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_DOMAIN_XML, placeWithReport } from '../../engine/index.ts';
import { createChecker, type CheckResponse, type WorkerLike } from '../../store/checker.ts';
import { setAppChecker } from '../../store/index.ts';
import { autoPlace, importDomain, run } from './index.ts';
import { contextOf, demoStore } from './testkit.ts';

/** A worker that places as check.worker.ts does (on a structured clone), or never answers. */
function placingWorker(hang = false) {
  return (): WorkerLike => {
    const w: WorkerLike = {
      onmessage: null,
      onerror: null,
      postMessage(req) {
        if (hang || req.kind !== 'place') return;
        const value = placeWithReport(structuredClone(req.design), req.options);
        setTimeout(() => w.onmessage?.({ data: { id: req.id, ok: true, value } satisfies CheckResponse } as MessageEvent<CheckResponse>), 1);
      },
      terminate() {},
    };
    return w;
  };
}

const bare = DEMO_DOMAIN_XML.replace(/\n\s*<address type='pci'[^>]*\/>/g, '');

afterEach(() => setAppChecker(null));

describe('auto-place off the main thread (issue 11)', () => {
  it('places in the worker: one undo step, the document and its host keep their identity', async () => {
    const s = demoStore();
    await run(importDomain, { text: bare, file: 'bare.xml' }, contextOf(s));
    const before = s.getState().present?.design;
    setAppChecker(createChecker(placingWorker(), 1000));
    await run(autoPlace, { policy: 'pe-per-phb', spare: 1 }, contextOf(s));
    const after = s.getState().present?.design;
    expect(s.getState().present?.label).toBe('Auto-place (pe-per-phb, 1 spare)');
    expect(after?.source).toBe(before?.source);
    expect(after?.host).toBe(before?.host);
    expect(after?.guest.devices.every((d) => !d.element.startsWith('hostdev') || d.address)).toBe(true);
    expect(after?.guest).toEqual(before && placeWithReport(before, { policy: 'pe-per-phb', spare: 1 }).design.guest);
    expect(s.getState().past.length).toBeGreaterThan(0);
  });

  it('a placement over the time budget is stopped and said; the design is unchanged', async () => {
    const s = demoStore();
    await run(importDomain, { text: bare, file: 'bare.xml' }, contextOf(s));
    const before = s.getState().present;
    setAppChecker(createChecker(placingWorker(true), 20));
    await run(autoPlace, { policy: 'pe-per-phb', spare: 1 }, contextOf(s));
    expect(s.getState().present).toBe(before);
    expect(s.getState().message).toMatchObject({ kind: 'error', text: expect.stringMatching(/^Auto-placement was stopped: it took longer than 0\.02 s on this design; the design is unchanged/) });
  });
});
