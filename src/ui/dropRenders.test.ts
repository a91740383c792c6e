/**
 * What keeps a drop's frame small (DESIGN.md §7: a drop shows its findings within one frame): the
 * decisions that let React skip every part of the page a drop does not change. There is no DOM in
 * the unit tests (vitest runs in Node), so each memo's decision is tested where it is made: the
 * props comparison, the selector, the list kept, the node React Flow would measure again.
 */
import { describe, expect, it } from 'vitest';
import type { Design, Finding, HostDevice, IommuGroup } from '../engine/index.ts';
import { applyCommand, controllerTargetId, createDesign, dropTargets, importHost, REMOVE_TARGET_ID } from '../engine/index.ts';
import { largePseries, q35RootPorts } from '../../e2e/fixtures/designs.ts';
import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { actionViewSelector } from './ActionButton.tsx';
import { Menu } from './Toolbar.tsx';
import { findingRows, findingsClass, LONG_FINDINGS, sameItem, samePlain, windowed, withFocusRows } from './FindingsPanel.tsx';
import { sameCards } from './HostPanel.tsx';
import { busNameIdOf, createLayoutMemory, layoutGuest } from './layout.ts';
import { undo, zoomIn } from './actions/index.ts';
import { demoStore } from './actions/testkit.ts';

/** The full-size pseries design of the drop benchmark (31 vPHBs, 30 host groups of 4 functions). */
function fullSize(): Design {
  const g = largePseries();
  if (g.host === undefined) throw new Error('the full-size design comes with its host');
  const host = importHost(g.host);
  if (!host.ok) throw new Error(host.error.message);
  const d = createDesign(g.domain, host.value);
  if (!d.ok) throw new Error(d.error.message);
  return d.value;
}

describe('action controls re-render only when what they show changes', () => {
  it('renders no item of a closed lazy menu (the Add… menu: each building-block item planned its block on every edit, a drop included)', () => {
    let rendered = 0;
    const Item = () => {
      rendered++;
      return createElement('button', { 'data-testid': 'item' }, 'item');
    };
    const menu = (lazy: boolean) => renderToString(createElement(Menu, { label: 'Add', testId: 'menu', title: 'Add…', lazy, children: createElement(Item) }));
    const closed = menu(true);
    expect(closed).toContain('data-testid="menu"');
    expect(closed).not.toContain('data-testid="item"');
    expect(rendered).toBe(0);
    // a menu that is not lazy keeps its items mounted (a file input in it stays usable while closed)
    expect(menu(false)).toContain('data-testid="item"');
    expect(rendered).toBe(1);
  });

  it('gives the same view object while the action reads the same, across changes of its inputs and of anything else', () => {
    const store = demoStore();
    const select = actionViewSelector(zoomIn, undefined);
    const before = select(store.getState());
    // not an input (a drag's move, a share link): not even computed again
    store.setState({ shareUrl: 'https://example.invalid/#/d/x' });
    expect(select(store.getState())).toBe(before);
    // an input that leaves the view as it was: a selection, an edit
    const c = store.getState().present?.design.guest.controllers[0];
    if (!c) throw new Error('the demo has no controller');
    store.getState().select({ kind: 'controller', key: c.key });
    const p = store.getState().present;
    if (!p) throw new Error('no design');
    store.getState().commit({ design: p.design, hostText: p.hostText, file: p.file }, 'Move IOMMU group 2');
    expect(select(store.getState())).toBe(before);
    expect(before).toEqual({ label: 'Zoom in', enabled: true, title: expect.stringContaining('Zoom in') });
  });

  it('gives a new view when the label or state changes (an edit makes Undo name it)', () => {
    const store = demoStore();
    const select = actionViewSelector(undo, undefined);
    const before = select(store.getState());
    expect(before.enabled).toBe(false);
    const p = store.getState().present;
    if (!p) throw new Error('no design');
    store.getState().commit({ design: p.design, hostText: p.hostText, file: p.file }, 'Move IOMMU group 2');
    const after = select(store.getState());
    expect(after).not.toBe(before);
    expect(after).toMatchObject({ label: 'Undo: Move IOMMU group 2', enabled: true });
  });
});

describe('findings that read the same keep their item', () => {
  const f: Finding = { ruleId: 'PAPR-ISO-4', severity: 'warning', message: 'Two PEs on vPHB 1', subjects: { controllers: [1], groups: [1, 2] }, fixes: [{ label: 'Isolate', command: { kind: 'move-group', group: 2, to: { kind: 'new-phb' } } as never }] };
  it('skips a finding the new evaluation made again, as data equal', () => {
    expect(sameItem({ f }, { f: structuredClone(f) })).toBe(true);
    expect(sameItem({ f, guests: [{ name: 'a', colour: '#111' }] }, { f, guests: [{ name: 'a', colour: '#111' }] })).toBe(true);
  });
  it('renders one whose message, subjects, fix or guests differ', () => {
    expect(sameItem({ f }, { f: { ...f, message: 'Three PEs on vPHB 1' } })).toBe(false);
    expect(sameItem({ f }, { f: { ...f, subjects: { controllers: [2], groups: [1, 2] } } })).toBe(false);
    expect(sameItem({ f }, { f: { ...f, fixes: [{ label: 'Isolate', command: { kind: 'move-group', group: 3, to: { kind: 'new-phb' } } as never }] } })).toBe(false);
    expect(sameItem({ f, guests: [{ name: 'a', colour: '#111' }] }, { f, guests: [{ name: 'b', colour: '#111' }] })).toBe(false);
    expect(sameItem({ f }, { f, guests: [] })).toBe(false);
  });
  it('renders a windowed row that moved or changed its index (its offset and what the virtualizer measures)', () => {
    expect(sameItem({ f, index: 3, top: 120 }, { f, index: 3, top: 120 })).toBe(true);
    expect(sameItem({ f, index: 3, top: 120 }, { f, index: 3, top: 190 })).toBe(false);
    expect(sameItem({ f, index: 3, top: 120 }, { f, index: 4, top: 120 })).toBe(false);
  });
  it('compares plain data as JSON would read it, whatever the order of fields', () => {
    expect(samePlain({ a: 1, b: [1, { c: 'x' }] }, { b: [1, { c: 'x' }], a: 1 })).toBe(true);
    expect(samePlain({ a: 1, u: undefined }, { a: 1 })).toBe(true);
    expect(samePlain({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(samePlain({ a: 1, b: 2 }, { a: 1 })).toBe(false);
    expect(samePlain([1, 2], [1, 2, 3])).toBe(false);
    expect(samePlain([1], { 0: 1 })).toBe(false);
    expect(samePlain({ 0: 1 }, [1])).toBe(false);
    expect(samePlain(null, {})).toBe(false);
    expect(samePlain('1', 1)).toBe(false);
  });
});

describe('the host list survives an edit of the guest', () => {
  const host = fullSize().host;
  if (!host) throw new Error('no host');
  const cards = [...host.groups.values()].map((group: IommuGroup) => ({ group, devices: group.members.map((a) => host.devices.get(a)).filter((d): d is HostDevice => !!d) }));
  it('keeps the previous array when the new one holds the same cards', () => {
    expect(cards.length).toBeGreaterThan(20);
    expect(sameCards(cards, cards.map((c) => ({ ...c })))).toBe(cards);
  });
  it('takes the new one when a card is gone, added or changed', () => {
    const fewer = cards.slice(1);
    expect(sameCards(cards, fewer)).toBe(fewer);
    const changed = cards.map((c, i) => (i === 3 ? { ...c, devices: [...c.devices] } : c));
    expect(sameCards(cards, changed)).toBe(changed);
    expect(sameCards(null, cards)).toBe(cards);
  });
});

describe('React Flow keeps what it measured of a node an edit renews', () => {
  it('gives every node its laid-out size as measured, so its handle bounds are kept (no re-measure, no forced layout)', () => {
    const guest = fullSize().guest;
    for (const lod of ['tile', 'full'] as const) {
      const { nodes } = layoutGuest(guest, { lod, columns: 6 });
      expect(nodes.length).toBeGreaterThan(30);
      for (const n of nodes) expect(n.measured).toEqual({ width: n.width, height: n.height });
    }
    // a renewed node (same place, new label) is a new object: what React Flow measures it by must travel with it
    const memory = createLayoutMemory();
    const plan = { lod: 'tile' as const, columns: 6, origin: { x: 0, y: 0 } };
    const first = memory.layout(guest, plan);
    expect(first.nodes.every((n) => n.measured?.width === n.width)).toBe(true);
  });
});

describe('React Flow takes in only the lists a drop changed', () => {
  /** A guest device of `design` dropped on the remove zone, as the canvas applies it. */
  const removed = (design: Design, key: string): Design => {
    const t = dropTargets(design, { kind: 'guest-device', key }).find((x) => x.id === REMOVE_TARGET_ID);
    if (!t) throw new Error(`${key} cannot be dropped on the remove zone`);
    return applyCommand(design, t.command);
  };

  it('keeps the edges array when the drop leaves every edge as it was, and the nodes array while every node keeps its place and size', () => {
    const g = q35RootPorts(16);
    const made = createDesign(g.domain);
    if (!made.ok) throw new Error(made.error.message);
    const design = made.value;
    const memory = createLayoutMemory();
    const plan = { lod: 'full' as const, columns: 4, origin: { x: 0, y: 0 } };
    const before = memory.layout(design.guest, plan);
    expect(before.edges.length).toBe(16);
    const key = design.guest.devices.find((d) => d.address?.bus === 1)?.key;
    if (!key) throw new Error('no device on root port 1');
    const after = memory.layout(removed(design, key).guest, plan);
    // the same array: React Flow's StoreUpdater skips setEdges (no re-adoption, no connection lookup rebuilt)
    expect(after.edges).toBe(before.edges);
    // root port 1 went from one device to none: its node, one row of devices high either way, is the same
    expect(after.nodes).toBe(before.nodes);
  });

  it('keeps the nodes array when a drop moves a host group onto another vPHB: a node names its device count in its own element, not in its props', () => {
    const design = fullSize();
    const memory = createLayoutMemory();
    const plan = { lod: 'tile' as const, columns: 6, origin: { x: 0, y: 0 } };
    const before = memory.layout(design.guest, plan);
    const phb1 = design.guest.controllers.find((c) => c.index === 1);
    const t = phb1 && dropTargets(design, { kind: 'group', number: 2 }).find((x) => x.id === controllerTargetId(phb1));
    if (!t) throw new Error('group 2 cannot be dropped on vPHB 1');
    const after = memory.layout(applyCommand(design, t.command).guest, plan);
    expect(after.nodes).toBe(before.nodes);
    // what the wrapper's aria-labelledby names is drawn by the node (ControllerTile, ControllerNode)
    for (const n of after.nodes) expect(n.domAttributes?.['aria-labelledby']).toBe(busNameIdOf({ key: n.data.key }));
  });

  it('keeps the nodes array too when nothing a node shows changed', () => {
    const design = fullSize();
    const memory = createLayoutMemory();
    const plan = { lod: 'tile' as const, columns: 6, origin: { x: 0, y: 0 } };
    const before = memory.layout(design.guest, plan);
    const same = memory.layout({ ...design.guest }, plan);
    expect(same.nodes).toBe(before.nodes);
    expect(same.edges).toBe(before.edges);
  });
});

describe('what the drop frame paints and layerizes', () => {
  interface NodeFs {
    readFileSync(path: URL, encoding: 'utf8'): string;
  }
  // as contrast.test.ts reads it: Vitest hands CSS imports over empty, the UI's tsconfig has no Node types
  const nodeProcess = (globalThis as unknown as { process: { getBuiltinModule(id: 'node:fs'): NodeFs } }).process;
  const css = nodeProcess.getBuiltinModule('node:fs').readFileSync(new URL('./styles.css', import.meta.url), 'utf8');
  /** the declarations of the last rule whose selector list is exactly `selector` */
  const rule = (selector: string): string => {
    const all = [...css.matchAll(/([^{}]+)\{([^}]*)\}/g)].filter((m) => (m[1] ?? '').replace(/\/\*[\s\S]*?\*\//g, '').trim() === selector);
    const last = all[all.length - 1];
    if (!last) throw new Error(`styles.css has no rule for ${selector}`);
    return last[2] ?? '';
  };

  it('clips text with overflow: clip, not hidden (no scroll container, paint layer and scroll node per line)', () => {
    for (const s of ['.tlines > .cut, .ttitle .tkind.cut', '.hdev .hname', '.hdev .hmeta > .vendor', '.glabel']) expect(rule(s), s).toMatch(/overflow:\s*clip/);
  });

  it('clips a tile once, and a line of it only when it overflows (.cut: a clip node and paint chunk per line doubled layerize)', () => {
    expect(rule('.tlines')).toMatch(/overflow:\s*clip/);
    for (const s of ['.ctile', '.tlines > *', '.trow', '.ttitle .tkind', '.tchips']) expect(rule(s), s).not.toMatch(/overflow/);
    expect(rule('.tlines > .cut, .ttitle .tkind.cut')).toMatch(/text-overflow:\s*ellipsis/);
  });

  it('windows a long list of findings (17,301 of a 15,376-NIC q35 guest: ~1.3 s of CPU in one task drawn whole), not a short one', () => {
    // a drop's findings on the 31-vPHB design (33) stay every one in the page, as e2e specs read them
    expect(findingsClass(33)).toBe('findings');
    expect(findingsClass(LONG_FINDINGS)).toBe('findings');
    expect(findingsClass(LONG_FINDINGS + 1)).toBe('findings long');
    expect(windowed(LONG_FINDINGS)).toBe(false);
    expect(windowed(LONG_FINDINGS + 1)).toBe(true);
    // rows are placed by offset: none of them takes the skipping (content-visibility) of the unwindowed list
    expect(rule('.fwindow > li')).toMatch(/position:\s*absolute/);
    expect(rule('.finding')).not.toMatch(/content-visibility/);
  });

  it("keeps a tile's size when it gets or loses a finding (its border grew: all 15,671 chips of a 15,376-NIC design laid out again on a check's answer)", () => {
    for (const s of ['.ctile.sev-error', '.ctile.sev-warning', '.ctile.phb.sev-error, .ctile.phb.sev-warning', '.ctile.phb.sev-error', '.ctile.phb.sev-warning']) expect(rule(s), s).not.toMatch(/border(-top)?-width|border:|padding/);
    expect(rule('.ctile.sev-warning')).toMatch(/box-shadow:\s*inset/);
  });

  it('hides React Flow handles without opacity (no effect node per handle)', () => {
    const h = rule('.react-flow__handle');
    expect(h).toMatch(/visibility:\s*hidden/);
    expect(h).not.toMatch(/opacity/);
  });
});

describe('the windowed findings list', () => {
  const finding = (severity: Finding['severity'], n: number): Finding => ({ ruleId: 'GEN-CONNECT-2', severity, message: `NIC #${n} on a conventional bus`, subjects: { devices: [`interface-${n}`] } });
  it('lists each severity under its heading, errors first, then the findings across guests with their guests', () => {
    const across = [{ ...finding('warning', 9), ruleId: 'HD-SHARE-1', domains: ['a', 'b'] }];
    const rows = findingRows([finding('info', 1), finding('warning', 2), finding('error', 3), finding('warning', 4)], across, (f) => f.domains.map((name) => ({ name, colour: '#111' })));
    expect(rows.map((r) => (r.kind === 'head' ? r.title : r.f.message))).toEqual(['Errors', 'NIC #3 on a conventional bus', 'Warnings', 'NIC #2 on a conventional bus', 'NIC #4 on a conventional bus', 'Notes', 'NIC #1 on a conventional bus', 'Across guests', 'NIC #9 on a conventional bus']);
    const last = rows[rows.length - 1];
    expect(last?.kind === 'item' ? last.guests?.map((g) => g.name) : undefined).toEqual(['a', 'b']);
    expect(new Set(rows.map((r) => r.key)).size).toBe(rows.length);
  });
  it('keys a finding by what it says, so one added before it keeps its row', () => {
    const a = finding('warning', 1);
    const b = finding('warning', 2);
    const key = (rows: ReturnType<typeof findingRows>) => rows.find((r) => r.kind === 'item' && r.f.message === b.message)?.key;
    expect(key(findingRows([a, b], [], () => []))).toBe(key(findingRows([b], [], () => [])));
  });
  it('keeps the focused row and two on each side in the page, in order (Tab and Shift+Tab reach the next finding)', () => {
    expect(withFocusRows([0, 1, 2, 3], null, 100)).toEqual([0, 1, 2, 3]);
    expect(withFocusRows([0, 1, 2, 3], 3, 100)).toEqual([0, 1, 2, 3, 4, 5]);
    // scrolled away from the focused row: it stays, after the rows in view when it is below them
    expect(withFocusRows([10, 11, 12], 50, 100)).toEqual([10, 11, 12, 48, 49, 50, 51, 52]);
    expect(withFocusRows([10, 11, 12], 0, 100)).toEqual([0, 1, 2, 10, 11, 12]);
    expect(withFocusRows([97, 98, 99], 99, 100)).toEqual([97, 98, 99]);
    // a focus left over from a longer list is no row
    expect(withFocusRows([0, 1], 7, 5)).toEqual([0, 1]);
    expect(withFocusRows([0, 1], -1, 5)).toEqual([0, 1]);
  });
});
