import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_HOST_XML, encodeShareLink, exportDomain, validate, validateAcrossGuests } from '../../engine/index.ts';
import { createChecker, type CheckRequest, type CheckResponse, type WorkerLike } from '../../store/checker.ts';
import { changedFiles, setAppChecker, workspaceOf } from '../../store/index.ts';
import { leftText } from '../summary.ts';
import { openLinkedWorkspace } from '../linkedWorkspace.ts';
import { snapshotOf } from '../persistence.ts';
import { docFromState } from '../keeping.ts';
import { autoPlace } from './autoPlace.ts';
import { openWorkspace } from './openWorkspace.ts';
import { run } from './run.ts';
import { switchGuest } from './switchGuest.ts';
import { contextOf, demoStore } from './testkit.ts';
import { designToCheck } from '../../store/checkAnswer.ts';

const domain = (name: string, hostdev?: string) =>
  `<domain type='kvm'>\n  <name>${name}</name>\n  <memory unit='GiB'>4</memory>\n  <os>\n    <type arch='ppc64le' machine='pseries'>hvm</type>\n  </os>\n  <devices>\n${
    hostdev ? `    <hostdev mode='subsystem' type='pci' managed='yes'>\n      <source>\n        <address domain='0x${hostdev.slice(0, 4)}' bus='0x${hostdev.slice(5, 7)}' slot='0x${hostdev.slice(8, 10)}' function='0x${hostdev.slice(11)}'/>\n      </source>\n    </hostdev>\n` : ''
  }  </devices>\n</domain>\n`;

const FILES = [
  { file: 'dir/beta.xml', text: domain('beta', '0001:01:00.0') },
  { file: 'dir/host.xml', text: DEMO_HOST_XML },
  { file: 'dir/alpha.xml', text: domain('alpha', '0001:01:00.0') },
];

function opened() {
  const store = demoStore();
  const ctx = contextOf(store);
  expect(run(openWorkspace, FILES, ctx)).toBe(true);
  return { store, ctx };
}

describe('opening several files', () => {
  it('node devices are the host, the rest domains in the order of their names; one undo step back to what was there', () => {
    const { store } = opened();
    const ws = workspaceOf(store.getState().present);
    expect(ws.guests.map((g) => [g.name, g.file])).toEqual([
      ['alpha', 'dir/alpha.xml'],
      ['beta', 'dir/beta.xml'],
    ]);
    expect(store.getState().present?.hostText).toBe(DEMO_HOST_XML);
    expect(ws.guests.every((g) => g.design.host === ws.host && ws.host !== undefined)).toBe(true);
    expect(store.getState().present?.label).toBe('Open 2 domains');
    store.getState().undo();
    expect(store.getState().present?.design.guest.name).toBe('p9-demo');
    expect(store.getState().present?.workspace).toBeUndefined();
  });

  it('a file that cannot be read, two hosts, or two domains of one name leave the design as it was, saying which', () => {
    const store = demoStore();
    const ctx = contextOf(store);
    const before = store.getState().present;
    expect(run(openWorkspace, [FILES[0], { file: 'broken.xml', text: '<domain>\n<name>x</nam>' }] as never, ctx)).toBe(false);
    expect(store.getState().message?.text).toMatch(/broken\.xml:2/);
    expect(run(openWorkspace, [FILES[1], { file: 'host2.xml', text: DEMO_HOST_XML }, FILES[0]] as never, ctx)).toBe(false);
    expect(store.getState().message?.text).toMatch(/dir\/host\.xml and host2\.xml both hold node devices/);
    expect(run(openWorkspace, [FILES[0], { file: 'again.xml', text: domain('beta') }] as never, ctx)).toBe(false);
    expect(store.getState().message?.text).toMatch(/domain 'beta' is already open/);
    expect(store.getState().present).toBe(before);
  });

  it('switching shows each guest; what changed is told per guest', () => {
    const { store, ctx } = opened();
    run(switchGuest, 'beta', ctx);
    expect(store.getState().present?.design.guest.name).toBe('beta');
    store.getState().apply({ kind: 'move-group', group: 3, controller: 0 });
    expect(changedFiles(workspaceOf(store.getState().present)).map((f) => f.fileName)).toEqual(['beta.xml']);
  });
});

/** A worker that validates as check.worker.ts does (on a structured clone), each answer only when `answer()` is called. */
function heldWorker() {
  const held: Array<() => void> = [];
  const spawn = (): WorkerLike => {
    const w: WorkerLike = {
      onmessage: null,
      onerror: null,
      postMessage(req: CheckRequest) {
        held.push(() => w.onmessage?.({ data: { id: req.id, ok: true, value: req.kind === 'validate' ? validate(designToCheck(structuredClone(req.design))) : null } satisfies CheckResponse } as MessageEvent<CheckResponse>));
      },
      terminate() {},
    };
    return w;
  };
  /** answers the oldest request held; false when none is */
  const answer = (): boolean => {
    const next = held.shift();
    next?.();
    return next !== undefined;
  };
  return { spawn, answer };
}

describe('the summary of an opening, with checks off the main thread', () => {
  afterEach(() => setAppChecker(null));

  it('waits until every guest is checked, then counts their findings on the host and those across guests', async () => {
    const worker = heldWorker();
    setAppChecker(createChecker(worker.spawn, 60_000));
    const { store } = opened();
    const ws = workspaceOf(store.getState().present);
    // nothing is said of designs not judged yet (it used to say "no errors or warnings left")
    expect(store.getState().summary).toBeNull();
    let answered = 0;
    for (;;) {
      await Promise.resolve();
      if (!worker.answer()) break;
      answered++;
      // checks answer in turn: the summary waits for the last
      await new Promise((r) => setTimeout(r, 0));
      if (answered < ws.guests.length) expect(store.getState().summary).toBeNull();
    }
    expect(answered).toBe(ws.guests.length);
    const findings = [...ws.guests.flatMap((g) => validate(g.design)), ...validateAcrossGuests(ws)];
    expect(findings.some((f) => f.severity !== 'info')).toBe(true);
    expect(store.getState().summary?.text).toBe(`2 domains, 2 PCI devices on 2 PCI controllers, 2 without an address (Auto-place gives them one); ${leftText(findings)}.`);
  });

  it('what a change leaves of the guest shown counts the findings across guests naming it, as its tab does', () => {
    const { store, ctx } = opened();
    const ws = workspaceOf(store.getState().present);
    const across = validateAcrossGuests(ws).filter((f) => f.domains.includes('alpha') && f.severity === 'warning');
    expect(across.length).toBeGreaterThan(0);
    expect(run(autoPlace, { policy: 'pe-per-phb', spare: 1 }, ctx)).toBe(true);
    const shown = store.getState().present?.design;
    if (!shown) throw new Error('no design');
    const own = validate(shown);
    expect(store.getState().summary?.text).toMatch(new RegExp(`; ${leftText([...own, ...across]).replace(/[()]/g, '\\$&')}\\.$`));
    expect(leftText([...own, ...across])).not.toBe(leftText(own));
  });

  it('a document replaced before its check ends gets no summary of it', async () => {
    const worker = heldWorker();
    setAppChecker(createChecker(worker.spawn, 60_000));
    const { store } = opened();
    store.getState().undo();
    while (worker.answer()) await new Promise((r) => setTimeout(r, 0));
    expect(store.getState().summary).toBeNull();
  });
});

describe('autosave and share links of a workspace', () => {
  it('a snapshot holds every guest, the one shown and what each was opened from; restoring gives the same workspace', () => {
    const { store } = opened();
    store.getState().switchGuest('beta');
    store.getState().apply({ kind: 'move-group', group: 3, controller: 0 });
    const present = store.getState().present;
    if (!present) throw new Error('no present');
    const snap = JSON.parse(JSON.stringify(snapshotOf(present))) as ReturnType<typeof snapshotOf>;
    expect(snap.guests[snap.active]?.domain).toBe(exportDomain(present.design));
    expect(snap.guests[snap.active]?.name).toBe('beta');
    expect(snap.guests.map((g) => [g.name, g.file, g.baseline !== undefined])).toEqual([
      ['alpha', 'dir/alpha.xml', false],
      ['beta', 'dir/beta.xml', true],
    ]);
    const back = docFromState(snap, 'autosave');
    if (!back.ok) throw new Error(back.error.message);
    expect(back.value.design.guest.name).toBe('beta');
    const ws = back.value.workspace?.workspace;
    expect(ws?.guests.map((g) => exportDomain(g.design))).toEqual(workspaceOf(present).guests.map((g) => exportDomain(g.design)));
    expect(ws && changedFiles(ws).map((f) => f.name)).toEqual(['beta']);
  });

  it('a version 2 link opens on the guest its view names; a version 1 link opens one domain as shared.xml', async () => {
    const two = await openLinkedWorkspace(await encodeShareLink({ v: 2, domains: [domain('a'), domain('b')], host: DEMO_HOST_XML, view: { guest: 'b' } }, 'http://x/'));
    expect(two.ok && [two.doc.workspace?.active, two.doc.design.guest.name, two.doc.workspace?.workspace.guests.length]).toEqual(['b', 'b', 2]);
    const one = await openLinkedWorkspace(await encodeShareLink({ v: 1, domain: domain('solo') }, 'http://x/'));
    expect(one.ok && [one.doc.file, one.doc.workspace]).toEqual(['shared.xml', undefined]);
    const bad = await openLinkedWorkspace(await encodeShareLink({ v: 2, domains: [domain('a'), '<domain><name>b</domain>'] }, 'http://x/'));
    expect(bad.ok ? 'opened' : [bad.broken, bad.message]).toEqual([false, expect.stringMatching(/^share link \(domain 2\)/)]);
    const broken = await openLinkedWorkspace('#/d/AAAA');
    expect(broken.ok ? 'opened' : broken.broken).toBe(true);
  });

  it('a link opens placed as the libvirt release it names, one for the whole workspace; a link without one says the default (issue 12)', async () => {
    const two = await openLinkedWorkspace(await encodeShareLink({ v: 2, domains: [domain('a'), domain('b')], libvirtVersion: '9.0' }, 'http://x/'));
    expect(two.ok && two.doc.libvirtVersion).toBe('9.0');
    const one = await openLinkedWorkspace(await encodeShareLink({ v: 1, domain: domain('solo'), libvirtVersion: '9.0' }, 'http://x/'));
    expect(one.ok && one.doc.libvirtVersion).toBe('9.0');
    const none = await openLinkedWorkspace(await encodeShareLink({ v: 1, domain: domain('solo') }, 'http://x/'));
    expect(none.ok && 'libvirtVersion' in none.doc && none.doc.libvirtVersion === undefined).toBe(true);
  });
});
