import { describe, expect, it } from 'vitest';
import { DEMO_HOST_XML, demoDesign } from '../engine/index.ts';
import { createDesignerStore, docOf } from './store.ts';
import { evaluate } from './evaluate.ts';

function demoStore() {
  return createDesignerStore(docOf(demoDesign(), 'demo', DEMO_HOST_XML));
}

const busOf = (s: ReturnType<typeof demoStore>, key: string) => s.getState().present?.design.guest.devices.find((d) => d.key === key)?.address?.bus;

describe('designer store history', () => {
  it('makes one undo step per command and redoes it', () => {
    const s = demoStore();
    const start = s.getState().present;
    expect(s.getState().apply({ kind: 'move-group', group: 2, controller: 0 })).toBe(true);
    expect(s.getState().past).toHaveLength(1);
    expect(busOf(s, '0001:01:00.3')).toBe(0);
    s.getState().undo();
    expect(s.getState().present).toBe(start);
    expect(busOf(s, '0001:01:00.3')).toBeUndefined();
    s.getState().redo();
    expect(busOf(s, '0001:01:00.3')).toBe(0);
    expect(s.getState().future).toHaveLength(0);
  });

  it('keeps selection and drag out of the history', () => {
    const s = demoStore();
    s.getState().select({ kind: 'group', number: 2 });
    s.getState().startDrag({ kind: 'group', number: 2 }, 'g2', 0, 0);
    s.getState().cancelDrag();
    expect(s.getState().past).toHaveLength(0);
    expect(s.getState().selection).toEqual({ kind: 'group', number: 2 });
  });

  it('a whole drag is one step: only the drop applies a command', () => {
    const s = demoStore();
    s.getState().startDrag({ kind: 'guest-device', key: '0030:01:00.0' }, 'nvme', 0, 0);
    const target = [...(s.getState().drag?.targets.keys() ?? [])].find((id) => id.startsWith('c:'));
    expect(target).toBeDefined();
    for (let i = 0; i < 5; i++) s.getState().moveDrag(i, i, target ?? null);
    expect(s.getState().past).toHaveLength(0);
    expect(s.getState().endDrag(target ?? null)).toBe(true);
    expect(s.getState().past).toHaveLength(1);
    expect(s.getState().drag).toBeNull();
  });

  it('a drop outside every target changes nothing', () => {
    const s = demoStore();
    s.getState().startDrag({ kind: 'group', number: 4 }, 'g4', 0, 0);
    expect(s.getState().endDrag(null)).toBe(false);
    expect(s.getState().past).toHaveLength(0);
  });

  it('a command the engine refuses leaves the design and reports why', () => {
    const s = demoStore();
    const before = s.getState().present;
    expect(s.getState().apply({ kind: 'remove-device', device: 'no-such-device' })).toBe(false);
    expect(s.getState().present).toBe(before);
    expect(s.getState().message?.kind).toBe('error');
  });

  it('offers every bus that takes endpoints and the free slots as drop targets', () => {
    const s = demoStore();
    const design = s.getState().present?.design;
    if (!design) throw new Error('no design');
    const { targets, verdicts } = evaluate(design, { kind: 'host-device', address: '0035:03:00.0' });
    expect([...targets.keys()].filter((k) => k.startsWith('c:'))).toHaveLength(3);
    expect(targets.has('s:2:1')).toBe(false); // the NVMe sits there
    expect(targets.has('s:2:2')).toBe(true);
    for (const v of verdicts.values()) expect(['clean', 'warning', 'error']).toContain(v.level);
  });

  it('a drag judges lazily: the target under the pointer at once, the rest in slices, same verdicts as a full evaluation', () => {
    const s = demoStore();
    const design = s.getState().present?.design;
    if (!design) throw new Error('no design');
    const payload = { kind: 'group', number: 4 } as const;
    const full = evaluate(design, payload);
    s.getState().startDrag(payload, 'g4', 0, 0);
    const drag = s.getState().drag;
    expect([...(drag?.targets.keys() ?? [])]).toEqual([...full.targets.keys()]);
    expect(drag?.verdicts.size).toBe(0);
    // buses are judged before slots
    expect(drag?.pending.slice(0, 3).every((id) => id.startsWith('c:'))).toBe(true);
    s.getState().moveDrag(1, 1, 's:2:5');
    expect(s.getState().drag?.verdicts.get('s:2:5')).toEqual(full.verdicts.get('s:2:5'));
    expect(s.getState().drag?.pending).not.toContain('s:2:5');
    let rounds = 0;
    while (s.getState().judgePending(0)) rounds++;
    expect(rounds).toBeGreaterThan(0);
    expect(s.getState().drag?.pending).toEqual([]);
    expect(new Map(s.getState().drag?.verdicts)).toEqual(full.verdicts);
    expect(s.getState().judgePending(5)).toBe(false);
    s.getState().cancelDrag();
    expect(s.getState().judgePending(5)).toBe(false);
  });

  it('a drop on a target not judged yet still applies its command', () => {
    const s = demoStore();
    s.getState().startDrag({ kind: 'group', number: 4 }, 'g4', 0, 0);
    expect(s.getState().endDrag('c:' + (s.getState().present?.design.guest.controllers.find((c) => c.index === 0)?.key ?? ''))).toBe(true);
    expect(busOf(s, '0035:03:00.0')).toBe(0);
  });

  it('a drag keeps judging moves from the design it started on, even if the document changes meanwhile', () => {
    const s = demoStore();
    const start = s.getState().present?.design;
    if (!start) throw new Error('no design');
    s.getState().startDrag({ kind: 'group', number: 4 }, 'g4', 0, 0);
    expect(s.getState().apply({ kind: 'move-group', group: 2, controller: 0 })).toBe(true);
    const target = s.getState().drag?.pending[0] ?? '';
    s.getState().moveDrag(1, 1, target);
    expect(s.getState().drag?.verdicts.get(target)).toEqual(evaluate(start, { kind: 'group', number: 4 }).verdicts.get(target));
  });

  it('undo during a drag ends the drag without a drop', () => {
    const s = demoStore();
    expect(s.getState().apply({ kind: 'move-group', group: 2, controller: 0 })).toBe(true);
    s.getState().startDrag({ kind: 'group', number: 4 }, 'g4', 0, 0);
    const target = s.getState().drag?.pending[0] ?? null;
    s.getState().undo();
    expect(s.getState().drag).toBeNull();
    expect(s.getState().endDrag(target)).toBe(false);
    expect(s.getState().past).toHaveLength(0);
  });
});

describe('messages across edits', () => {
  it('an edit clears a stale message but keeps the offer to restore a kept design', () => {
    const s = demoStore();
    s.getState().setMessage({ kind: 'error', text: 'stale' });
    expect(s.getState().apply({ kind: 'add-controller', controller: { model: 'pci-root' } })).toBe(true);
    expect(s.getState().message).toBeNull();
    const offer = { kind: 'error', text: 'This share link cannot be opened', actions: ['restore-previous', 'open-demo'] } as const;
    s.getState().setMessage(offer);
    expect(s.getState().apply({ kind: 'add-controller', controller: { model: 'pci-root' } })).toBe(true);
    expect(s.getState().message).toBe(offer);
    s.getState().undo();
    expect(s.getState().message).toBe(offer);
  });
});

describe('document flags', () => {
  it('an edit is never pristine; undo finds the pristine state again', () => {
    const s = createDesignerStore(docOf(demoDesign(), 'Open the demo', DEMO_HOST_XML, 'demo.xml', true));
    expect(s.getState().present?.pristine).toBe(true);
    s.getState().apply({ kind: 'move-group', group: 2, controller: 0 });
    expect(s.getState().present?.pristine).toBe(false);
    expect(s.getState().present?.hostText).toBe(DEMO_HOST_XML);
    s.getState().undo();
    expect(s.getState().present?.pristine).toBe(true);
  });

  it('steps with the same coalesce mark are one undo step (the XML editor while typing)', () => {
    const s = demoStore();
    const start = s.getState().present;
    const demo = demoDesign();
    s.getState().commit({ design: demo, coalesce: 'xml-edit-1', baseline: 'imported' }, 'Edit the XML');
    s.getState().commit({ design: demoDesign(), coalesce: 'xml-edit-1', baseline: 'imported' }, 'Edit the XML');
    expect(s.getState().past).toEqual([start]);
    s.getState().commit({ design: demoDesign(), coalesce: 'xml-edit-2', baseline: 'imported' }, 'Edit the XML');
    expect(s.getState().past).toHaveLength(2);
    s.getState().undo();
    s.getState().undo();
    expect(s.getState().present).toBe(start);
  });

  it('an edit keeps the text the design was imported from for "changed lines"', () => {
    const s = demoStore();
    s.getState().commit({ design: demoDesign(), baseline: 'as imported' }, 'Edit the XML');
    s.getState().apply({ kind: 'move-group', group: 2, controller: 0 });
    expect(s.getState().present?.baseline).toBe('as imported');
  });

  it('the summary, the context menu and focus requests are session state', () => {
    const s = demoStore();
    s.getState().setSummary('placed 1 device');
    s.getState().openContextMenu({ x: 1, y: 2, selection: { kind: 'group', number: 2 } });
    s.getState().focusOn('guest-device-x');
    expect(s.getState().summary?.text).toBe('placed 1 device');
    expect(s.getState().focusItem).toEqual({ testId: 'guest-device-x', seq: 1 });
    s.getState().apply({ kind: 'move-group', group: 2, controller: 0 });
    // a new step makes the last summary and an open menu stale
    expect(s.getState().summary).toBeNull();
    expect(s.getState().contextMenu).toBeNull();
    expect(s.getState().past).toHaveLength(1);
  });
});

describe('the libvirt release the design is placed as (issue 12)', () => {
  it('is a setting, not an undo step: edits keep it, undo and redo keep it, no history is added', () => {
    const s = demoStore();
    expect(s.getState().present?.libvirtVersion).toBeUndefined();
    s.getState().apply({ kind: 'move-group', group: 2, controller: 0 });
    s.getState().setLibvirtVersion('9.0');
    expect(s.getState().past).toHaveLength(1);
    s.getState().apply({ kind: 'move-group', group: 2, controller: 1 });
    expect(s.getState().present?.libvirtVersion).toBe('9.0');
    s.getState().undo();
    s.getState().undo();
    expect(s.getState().present?.libvirtVersion).toBe('9.0');
    s.getState().redo();
    expect(s.getState().present?.libvirtVersion).toBe('9.0');
    s.getState().setLibvirtVersion(undefined);
    s.getState().redo();
    expect(s.getState().present?.libvirtVersion).toBeUndefined();
  });

  it('a new document says its own (a link or a save without one opens with the default); a commit that does not say keeps it', () => {
    const s = demoStore();
    s.getState().setLibvirtVersion('9.0');
    s.getState().commit({ design: demoDesign() }, 'Import a domain');
    expect(s.getState().present?.libvirtVersion).toBe('9.0');
    s.getState().commit({ design: demoDesign(), libvirtVersion: undefined }, 'Restore a kept design');
    expect(s.getState().present?.libvirtVersion).toBeUndefined();
    s.getState().load({ design: demoDesign(), label: 'Open a share link', libvirtVersion: '9.0' });
    expect(s.getState().present?.libvirtVersion).toBe('9.0');
    s.getState().load({ design: demoDesign(), label: 'Open a share link' });
    expect(s.getState().present?.libvirtVersion).toBeUndefined();
  });

  it('changing it drops the share link shown (made with the old setting); setting the same value changes nothing', () => {
    const s = demoStore();
    s.getState().setShareUrl('http://x/#/d/abc');
    const before = s.getState().present;
    s.getState().setLibvirtVersion(undefined);
    expect(s.getState().present).toBe(before);
    expect(s.getState().shareUrl).toBe('http://x/#/d/abc');
    s.getState().setLibvirtVersion('9.0');
    expect(s.getState().shareUrl).toBeNull();
  });
});
