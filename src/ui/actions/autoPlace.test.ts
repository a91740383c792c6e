import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_DOMAIN_XML, placeWithReport } from '../../engine/index.ts';
import { createChecker, type CheckResponse, type WorkerLike } from '../../store/checker.ts';
import { setAppChecker } from '../../store/index.ts';
import { autoPlace, importDomain, run, setLibvirtVersion } from './index.ts';
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
    expect(s.getState().present?.label).toBe('Auto-place (PE per vPHB, 1 spare)');
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

// q35 with only root port 5 written: libvirt adds ports 1-4 for the gap. 10.7 addresses them by
// index (port 1 first); 9.0 addresses the written port first (engine libvirtControllerOrder).
const ROOT_PORT_5_ALONE = `<domain type='kvm'>
  <name>rp5</name>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
  </os>
  <devices>
    <controller type='pci' index='5' model='pcie-root-port'/>
  </devices>
</domain>
`;

describe('auto-place as the libvirt release the design targets (issue 12)', () => {
  const at = (s: ReturnType<typeof demoStore>, index: number) => {
    const a = s.getState().present?.design.guest.controllers.find((c) => c.index === index)?.address;
    return a ? `${a.bus}:${a.slot}.${a.function}` : undefined;
  };

  for (const where of ['on the main thread', 'in the worker'] as const) {
    it(`root port 5 alone: the default (10.7) puts port 1 first, 9.0 the written port 5 (${where})`, async () => {
      if (where === 'in the worker') setAppChecker(createChecker(placingWorker(), 1000));
      const byDefault = demoStore();
      await run(importDomain, { text: ROOT_PORT_5_ALONE, file: 'rp5.xml' }, contextOf(byDefault));
      await run(autoPlace, { policy: 'libvirt', spare: 0 }, contextOf(byDefault));
      expect([at(byDefault, 1), at(byDefault, 5)]).toEqual(['0:1.0', '0:1.4']);
      expect(byDefault.getState().present?.label).toBe('Auto-place (like libvirt)');

      const as90 = demoStore();
      await run(importDomain, { text: ROOT_PORT_5_ALONE, file: 'rp5.xml' }, contextOf(as90));
      await run(setLibvirtVersion, '9.0', contextOf(as90));
      const steps = as90.getState().past.length;
      await run(autoPlace, { policy: 'libvirt', spare: 0 }, contextOf(as90));
      expect([at(as90, 5), at(as90, 1)]).toEqual(['0:1.0', '0:1.1']);
      expect(as90.getState().present?.label).toBe('Auto-place (like libvirt 9.0)');
      // setting the release was no undo step; the placement is one
      expect(as90.getState().past.length).toBe(steps + 1);
    });
  }

  it('pe-per-phb does not depend on the release, and says none', async () => {
    const s = demoStore();
    await run(importDomain, { text: ROOT_PORT_5_ALONE, file: 'rp5.xml' }, contextOf(s));
    await run(setLibvirtVersion, '9.0', contextOf(s));
    await run(autoPlace, { policy: 'pe-per-phb', spare: 1 }, contextOf(s));
    expect(s.getState().present?.label).toBe('Auto-place (one port each, 1 spare)');
  });

  it('the release select accepts a libvirt release and keeps the default as no setting', async () => {
    const s = demoStore();
    await run(setLibvirtVersion, '9.0', contextOf(s));
    expect(s.getState().present?.libvirtVersion).toBe('9.0');
    await run(setLibvirtVersion, '10.7', contextOf(s));
    expect(s.getState().present?.libvirtVersion).toBeUndefined();
    expect(await run(setLibvirtVersion, 'latest', contextOf(s))).toBe(false);
    expect(s.getState().present?.libvirtVersion).toBeUndefined();
  });
});
