/**
 * Pointer-based drag and drop shared by host cards and guest devices. Pointer events (not HTML5
 * drag events) let every drop target light up from the store while the pointer moves, work the
 * same over the React Flow canvas and the side panels, and are driven by real mouse moves in e2e.
 */
import { useCallback } from 'react';
import { designerStore, type DragPayload } from '../store/index.ts';

const THRESHOLD = 4;

/** The drop target under the pointer: the innermost element with a data-drop id that is live. */
export function dropTargetAt(x: number, y: number): string | null {
  const drag = designerStore.getState().drag;
  let el = document.elementFromPoint(x, y) as HTMLElement | null;
  while (el) {
    const id = el.dataset?.drop;
    if (id && drag?.targets.has(id)) return id;
    el = el.parentElement;
  }
  return null;
}

export function useDragSource(payload: DragPayload, label: string): (e: React.PointerEvent) => void {
  const kind = payload.kind;
  const id = payload.kind === 'group' ? String(payload.number) : payload.kind === 'host-device' ? payload.address : payload.key;
  return useCallback(
    (e: React.PointerEvent) => {
      if (e.button !== 0) return;
      e.stopPropagation();
      const p: DragPayload = kind === 'group' ? { kind, number: Number(id) } : kind === 'host-device' ? { kind, address: id } : { kind, key: id };
      const startX = e.clientX;
      const startY = e.clientY;
      let started = false;
      const move = (ev: PointerEvent) => {
        if (!started) {
          if (Math.hypot(ev.clientX - startX, ev.clientY - startY) < THRESHOLD) return;
          started = true;
          document.body.classList.add('dragging');
          designerStore.getState().startDrag(p, label, ev.clientX, ev.clientY);
        }
        ev.preventDefault();
        designerStore.getState().moveDrag(ev.clientX, ev.clientY, dropTargetAt(ev.clientX, ev.clientY));
      };
      const finish = (ev: PointerEvent, cancel: boolean) => {
        window.removeEventListener('pointermove', move);
        window.removeEventListener('pointerup', up);
        window.removeEventListener('keydown', key);
        document.body.classList.remove('dragging');
        if (!started) return;
        if (cancel) designerStore.getState().cancelDrag();
        else designerStore.getState().endDrag(dropTargetAt(ev.clientX, ev.clientY));
      };
      const up = (ev: PointerEvent) => finish(ev, false);
      const key = (ev: KeyboardEvent) => {
        if (ev.key === 'Escape') finish(new PointerEvent('pointerup'), true);
      };
      window.addEventListener('pointermove', move);
      window.addEventListener('pointerup', up);
      window.addEventListener('keydown', key);
    },
    [kind, id, label],
  );
}
