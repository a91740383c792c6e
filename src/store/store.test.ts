import { describe, expect, it } from 'vitest';
import { createDesign, DEMO_DOMAIN_XML, DEMO_HOST_XML, importHost } from '../engine/index.ts';
import { createDesignerStore, docOf } from './store.ts';
import { evaluate } from './evaluate.ts';

function demoStore() {
  const host = importHost(DEMO_HOST_XML, 'demo host');
  if (!host.ok) throw new Error(host.error.message);
  const design = createDesign(DEMO_DOMAIN_XML, host.value, 'demo');
  if (!design.ok) throw new Error(design.error.message);
  return createDesignerStore(docOf(design.value, 'demo', DEMO_HOST_XML));
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
});
