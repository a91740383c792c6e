import { describe, expect, it } from 'vitest';
import { DEMO_HOST_XML, demoDesign } from '../engine/index.ts';
import { controllerTargetId, REMOVE_TARGET_ID } from './evaluate.ts';
import { createDesignerStore, docOf } from './store.ts';

function demoStore() {
  return createDesignerStore(docOf(demoDesign(), 'demo', DEMO_HOST_XML));
}
const device = (s: ReturnType<typeof demoStore>, key: string) => s.getState().present?.design.guest.devices.find((d) => d.key === key);
const phb = (s: ReturnType<typeof demoStore>, index: number) => s.getState().present?.design.guest.controllers.find((c) => c.index === index);

describe('multi-selection (session state, never undone)', () => {
  it('Shift/Ctrl-click adds a device to the one selected alone, and takes it out again', () => {
    const s = demoStore();
    s.getState().select({ kind: 'device', key: 'disk-0' });
    expect([...s.getState().selectedDevices]).toEqual(['disk-0']);
    s.getState().toggleDevice('0030:01:00.0');
    expect([...s.getState().selectedDevices].sort()).toEqual(['0030:01:00.0', 'disk-0']);
    expect(s.getState().selection).toEqual({ kind: 'device', key: '0030:01:00.0' });
    s.getState().toggleDevice('0030:01:00.0');
    expect([...s.getState().selectedDevices]).toEqual(['disk-0']);
    expect(s.getState().selection).toEqual({ kind: 'device', key: 'disk-0' });
    s.getState().toggleDevice('disk-0');
    expect(s.getState().selectedDevices.size).toBe(0);
    expect(s.getState().selection).toBeNull();
    expect(s.getState().past).toHaveLength(0);
  });

  it('box select replaces the selection; selecting a bus clears the devices', () => {
    const s = demoStore();
    s.getState().selectDevices(['0000:01:00.0', '0000:01:00.1']);
    expect(s.getState().selection).toEqual({ kind: 'device', key: '0000:01:00.0' });
    expect(s.getState().selectedDevices.size).toBe(2);
    s.getState().select({ kind: 'controller', key: phb(s, 1)?.key ?? '' });
    expect(s.getState().selectedDevices.size).toBe(0);
  });
});

describe('dragging several devices', () => {
  it('moves them all onto the bus they are dropped on as one undo step', () => {
    const s = demoStore();
    const keys = ['0000:01:00.0', '0000:01:00.1', '0030:01:00.0'];
    s.getState().startDrag({ kind: 'guest-devices', keys }, '3 devices', 0, 0);
    const target = controllerTargetId(phb(s, 0) ?? { key: '' });
    expect(s.getState().drag?.targets.has(target)).toBe(true);
    expect(s.getState().endDrag(target)).toBe(true);
    for (const k of keys) expect(device(s, k)?.address?.bus).toBe(0);
    // the two functions of the ConnectX-5 stay one multi-function slot
    expect(device(s, '0000:01:00.0')?.address?.slot).toBe(device(s, '0000:01:00.1')?.address?.slot);
    expect(device(s, '0000:01:00.0')?.address?.multifunction).toBe('on');
    expect(s.getState().past).toHaveLength(1);
    s.getState().undo();
    expect(device(s, '0030:01:00.0')?.address?.bus).toBe(2);
    expect(device(s, '0000:01:00.1')?.address?.bus).toBe(1);
  });

  it('removes them all when dropped on the remove target, as one undo step', () => {
    const s = demoStore();
    s.getState().startDrag({ kind: 'guest-devices', keys: ['disk-0', '0030:01:00.0'] }, '2 devices', 0, 0);
    s.getState().moveDrag(1, 1, REMOVE_TARGET_ID);
    expect(s.getState().drag?.verdicts.get(REMOVE_TARGET_ID)).toBeDefined();
    expect(s.getState().endDrag(REMOVE_TARGET_ID)).toBe(true);
    expect(device(s, 'disk-0')).toBeUndefined();
    expect(device(s, '0030:01:00.0')).toBeUndefined();
    expect(s.getState().past).toHaveLength(1);
    s.getState().undo();
    expect(device(s, 'disk-0')).toBeDefined();
    expect(device(s, '0030:01:00.0')).toBeDefined();
  });

  it('a single guest device can be dragged out of the guest too; a host group cannot', () => {
    const s = demoStore();
    s.getState().startDrag({ kind: 'guest-device', key: 'disk-0' }, 'vda', 0, 0);
    expect(s.getState().endDrag(REMOVE_TARGET_ID)).toBe(true);
    expect(device(s, 'disk-0')).toBeUndefined();
    s.getState().startDrag({ kind: 'group', number: 4 }, 'g4', 0, 0);
    expect(s.getState().drag?.targets.has(REMOVE_TARGET_ID)).toBe(false);
    s.getState().cancelDrag();
  });
});
