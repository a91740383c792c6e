import { describe, expect, it } from 'vitest';
import { createWorkspace, DEMO_HOST_XML, exportDomain, importHost, passedThrough } from '../engine/index.ts';
import { createDesignerStore } from './store.ts';
import { acrossFindingsOf, changedFiles, docOfWorkspace, fileStem, GUEST_COLOURS, guestColour, usageOf, workspaceOf } from './workspace.ts';

/** A pseries guest with these host functions passed through (libvirt places them). */
function domain(name: string, hostdevs: readonly string[]): string {
  const src = (a: string) => {
    const [d, b, sf] = a.split(':') as [string, string, string];
    const [s, f] = sf.split('.') as [string, string];
    return `<address domain='0x${d}' bus='0x${b}' slot='0x${s}' function='0x${f}'/>`;
  };
  const devs = hostdevs.map((a) => `    <hostdev mode='subsystem' type='pci' managed='yes'>\n      <source>\n        ${src(a)}\n      </source>\n    </hostdev>\n`).join('');
  return `<domain type='kvm'>\n  <name>${name}</name>\n  <memory unit='GiB'>4</memory>\n  <os>\n    <type arch='ppc64le' machine='pseries'>hvm</type>\n  </os>\n  <devices>\n${devs}  </devices>\n</domain>\n`;
}

/** Three guests on the demo host: alpha holds group 1, beta two functions of group 2, gamma nothing. */
function store3() {
  const h = importHost(DEMO_HOST_XML, 'host.xml');
  if (!h.ok) throw new Error(h.error.message);
  const ws = createWorkspace(
    [
      { text: domain('alpha', ['0000:01:00.0', '0000:01:00.1']), file: 'alpha.xml' },
      { text: domain('beta', ['0001:01:00.0', '0001:01:00.1']), file: 'beta.xml' },
      { text: domain('gamma', []), file: 'gamma.xml' },
    ],
    h.value,
  );
  if (!ws.ok) throw new Error(ws.error.message);
  const doc = docOfWorkspace(ws.value, DEMO_HOST_XML, 'gamma');
  if (!doc) throw new Error('no guests');
  return createDesignerStore({ ...doc, label: 'Open' });
}

const holds = (s: ReturnType<typeof store3>, name: string) =>
  workspaceOf(s.getState().present)
    .guests.find((g) => g.name === name)
    ?.design.guest.devices.map(passedThrough)
    .filter((a) => a !== undefined)
    .sort();

describe('workspace in the store', () => {
  it('shows the active guest; an edit changes only that guest, and other guests keep their objects', () => {
    const s = store3();
    const before = workspaceOf(s.getState().present);
    expect(s.getState().present?.design.guest.name).toBe('gamma');
    expect(s.getState().apply({ kind: 'move-group', group: 3, controller: 0 })).toBe(true);
    const after = workspaceOf(s.getState().present);
    expect(after.guests[0]).toBe(before.guests[0]);
    expect(after.guests[1]).toBe(before.guests[1]);
    expect(after.guests[2]?.design).toBe(s.getState().present?.design);
    expect(changedFiles(after).map((c) => c.fileName)).toEqual(['gamma.xml']);
  });

  it('switching guests is not an undo step, clears the selection, and ends an XML edit session', () => {
    const s = store3();
    const gamma = s.getState().present;
    if (!gamma) throw new Error('no present');
    s.getState().commit({ design: gamma.design, file: gamma.file, coalesce: 'xml-1' }, 'Edit the XML');
    s.getState().select({ kind: 'group', number: 1 });
    s.getState().switchGuest('alpha');
    expect([s.getState().present?.design.guest.name, s.getState().present?.file, s.getState().past.length, s.getState().selection]).toEqual(['alpha', 'alpha.xml', 1, null]);
    s.getState().switchGuest('nobody');
    expect(s.getState().present?.coalesce).toBeUndefined();
    expect(s.getState().present?.design.guest.name).toBe('alpha');
  });

  it('taking a group another guest holds asks first; "move" takes it from that guest in one undo step', () => {
    const s = store3();
    const start = s.getState().present;
    expect(s.getState().apply({ kind: 'move-group', group: 2, controller: 0 })).toBe(false);
    expect(s.getState().present).toBe(start);
    expect(s.getState().pendingTake?.taken).toEqual([{ guest: 'beta', addresses: ['0001:01:00.0', '0001:01:00.1'], groups: [2] }]);
    expect(s.getState().resolveTake('move')).toBe(true);
    expect(holds(s, 'beta')).toEqual([]);
    expect(holds(s, 'gamma')).toEqual(['0001:01:00.0', '0001:01:00.1', '0001:01:00.2', '0001:01:00.3']);
    expect(s.getState().past).toHaveLength(1);
    expect(s.getState().present?.label).toMatch(/taken from beta/);
    expect(acrossFindingsOf(workspaceOf(s.getState().present)).filter((f) => f.ruleId.startsWith('HD-SHARE'))).toEqual([]);
    s.getState().undo();
    expect(s.getState().present).toBe(start);
    expect(holds(s, 'beta')).toEqual(['0001:01:00.0', '0001:01:00.1']);
  });

  it('"share" gives the group to both (then HD-SHARE-1 and HD-SHARE-2 warn naming both); "cancel" changes nothing', () => {
    const s = store3();
    const start = s.getState().present;
    s.getState().apply({ kind: 'move-group', group: 2, controller: 0 });
    expect(s.getState().resolveTake('cancel')).toBe(false);
    expect([s.getState().present, s.getState().pendingTake]).toEqual([start, null]);
    s.getState().apply({ kind: 'add-hostdevs', hostAddresses: ['0001:01:00.0'], controller: 0 });
    expect(s.getState().resolveTake('share')).toBe(true);
    expect(holds(s, 'beta')).toEqual(['0001:01:00.0', '0001:01:00.1']);
    const across = acrossFindingsOf(workspaceOf(s.getState().present));
    expect(across.filter((f) => f.ruleId.startsWith('HD-SHARE')).map((f) => [f.ruleId, f.severity, f.domains])).toEqual([
      ['HD-SHARE-1', 'warning', ['beta', 'gamma']],
      ['HD-SHARE-2', 'warning', ['beta', 'gamma']],
    ]);
    expect(usageOf(workspaceOf(s.getState().present)).devices.get('0001:01:00.0')?.map((u) => u.guest)).toEqual(['beta', 'gamma']);
  });

  it('a free group is taken without asking; a new host is every guest\'s host', () => {
    const s = store3();
    expect(s.getState().apply({ kind: 'move-group', group: 3, controller: 0 })).toBe(true);
    expect(s.getState().pendingTake).toBeNull();
    const h = importHost(DEMO_HOST_XML, 'other.xml');
    if (!h.ok) throw new Error(h.error.message);
    const present = s.getState().present;
    if (!present) throw new Error('no present');
    s.getState().commit({ design: { ...present.design, host: h.value }, hostText: DEMO_HOST_XML, file: present.file }, 'Import host');
    const ws = workspaceOf(s.getState().present);
    expect(ws.host).toBe(h.value);
    expect(ws.guests.every((g) => g.design.host === h.value)).toBe(true);
  });

  it('a new document of one domain leaves the workspace; undo brings the whole workspace back', () => {
    const s = store3();
    const start = s.getState().present;
    const present = s.getState().present;
    if (!present) throw new Error('no present');
    s.getState().commit({ design: present.design, file: 'x.xml', workspace: undefined }, 'Import x.xml');
    expect(workspaceOf(s.getState().present).guests).toHaveLength(1);
    s.getState().undo();
    expect(s.getState().present).toBe(start);
    expect(workspaceOf(s.getState().present).guests.map((g) => g.name)).toEqual(['alpha', 'beta', 'gamma']);
  });

  it('the changed files compare with the domain as opened, and name each by its file', () => {
    const s = store3();
    s.getState().switchGuest('alpha');
    s.getState().apply({ kind: 'remove-device', device: '0000:01:00.1' });
    const changed = changedFiles(workspaceOf(s.getState().present));
    expect(changed.map((c) => [c.name, c.fileName])).toEqual([['alpha', 'alpha.xml']]);
    expect(changed[0]?.xml).toBe(exportDomain(s.getState().present?.design as never));
  });
});

describe('guest order and colours stay with the domain names', () => {
  /** The shown workspace of domains `names`, their files given in that order, named so file order is not name order. */
  function opened(names: readonly string[]) {
    const ws = createWorkspace(names.map((n, i) => ({ text: domain(n, []), file: `${String.fromCharCode(0x7a - i)}-${n}.xml` })));
    if (!ws.ok) throw new Error(ws.error.message);
    const doc = docOfWorkspace(ws.value, undefined);
    if (!doc?.workspace) throw new Error('no workspace');
    return doc.workspace.workspace;
  }
  const colours = (ws: ReturnType<typeof opened>) => Object.fromEntries(ws.guests.map((g) => [g.name, guestColour(ws, g.name)]));

  it('the guests are in the order of their names, whatever order their files came in', () => {
    expect(opened(['web', 'db', 'cache']).guests.map((g) => g.name)).toEqual(['cache', 'db', 'web']);
    expect(opened(['cache', 'web', 'db']).guests.map((g) => g.name)).toEqual(['cache', 'db', 'web']);
  });

  it('each guest keeps its colour however the files were picked, and a workspace of up to eight gives each its own', () => {
    const names = ['web', 'db', 'cache', 'gpu-a', 'gpu-b', 'nfv', 'p10-lpar1', 'p10-lpar2'];
    const first = colours(opened(names));
    expect(colours(opened([...names].reverse()))).toEqual(first);
    expect(colours(opened([...names.slice(3), ...names.slice(0, 3)]))).toEqual(first);
    expect(new Set(Object.values(first)).size).toBe(names.length);
    for (const c of Object.values(first)) expect(GUEST_COLOURS).toContain(c);
  });

  it("a guest's colour comes from its name: the same in every workspace where no other name takes it first", () => {
    const alone = opened(['web', 'x']);
    // a name whose own colour differs from web's and from x's: web keeps its colour beside it
    const other = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'].find((n) => {
      const own = guestColour(alone, n);
      return own !== guestColour(alone, 'web') && own !== guestColour(alone, 'x') && n < 'web';
    });
    expect(other).toBeDefined();
    const beside = opened(['x', other as string, 'web']);
    expect(guestColour(beside, 'web')).toBe(guestColour(alone, 'web'));
    expect(guestColour(beside, 'x')).toBe(guestColour(alone, 'x'));
  });
});

describe('fileStem: a domain name as a download file name', () => {
  it.each([
    ['p9-démo', 'p9-démo'],
    ['web server', 'web server'],
    ['日本語', '日本語'],
    ['a/b\\c', 'a_b_c'],
    ['x:y*z?"<>|', 'x_y_z_'],
    ['tab\there\u0001', 'tab_here_'],
    ['', ''],
  ])('%j downloads as %j.xml (what every desktop system refuses is _, every other character stays)', (name, stem) => {
    expect(fileStem(name)).toBe(stem);
  });
});
