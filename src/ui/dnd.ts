/**
 * Pointer-based drag and drop shared by host cards and guest devices. Pointer events (not HTML5
 * drag events) let every drop target light up from the store while the pointer moves, work the
 * same over the React Flow canvas and the side panels, and are driven by real mouse moves in e2e.
 */
import { useCallback } from 'react';
import { designerStore, REMOVE_TARGET_ID, type DragPayload } from '../store/index.ts';

/** What dropping on the remove target does, in the user's words: the zone and the drag's ghost both say it. */
export const REMOVE_DOES = 'Remove from the guest';

/**
 * What a drop on this target does, when the target's verdict alone does not say it: a bus or slot
 * moves the payload there (the ghost's "Clean drop" is enough), the remove target takes it out of the
 * guest, which no verdict says.
 */
export function dropDoes(targetId: string | null): string | undefined {
  return targetId === REMOVE_TARGET_ID ? REMOVE_DOES : undefined;
}

const THRESHOLD = 4;
/** idle work per slice while a drag judges its targets: leaves most of each frame to the pointer */
const SLICE_MS = 6;

let judging = false;
/** cancels the idle slice waiting to judge more targets */
let stopSlice: (() => void) | null = null;

/**
 * Runs fn in idle time after frames (so it never delays a paint or a pointer move), with its budget.
 * Returns a function that cancels it if it has not run yet.
 */
export function whenIdle(fn: (budgetMs: number) => void): () => void {
  if (typeof requestIdleCallback === 'function') {
    const id = requestIdleCallback((d) => fn(Math.max(1, Math.min(SLICE_MS, d.timeRemaining()))), { timeout: 200 });
    return () => cancelIdleCallback(id);
  }
  const id = setTimeout(() => fn(SLICE_MS), 0);
  return () => clearTimeout(id);
}

/** Judges the drag's remaining targets in short idle slices so every bus and slot shows its verdict soon. */
function judgeInSlices(): void {
  if (judging) return;
  judging = true;
  const step = (budgetMs: number) => {
    if (designerStore.getState().judgePending(budgetMs)) stopSlice = whenIdle(step);
    else {
      judging = false;
      stopSlice = null;
    }
  };
  stopSlice = whenIdle(step);
}

/**
 * A drag that ended judges nothing more: the rest of its targets would cost a validation each for
 * verdicts nobody sees, in the frames that show the drop's result.
 */
function stopJudging(): void {
  stopSlice?.();
  stopSlice = null;
  judging = false;
}

// targets to judge again (the design's check off the main thread ended during the drag): judge them too
designerStore.subscribe((s, prev) => {
  if (s.drag && prev.drag && s.drag.pending.length > prev.drag.pending.length) judgeInSlices();
});

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

/**
 * What a drag from this source carries: a guest device that is part of a multi-selection drags the
 * whole selection (one move or removal for all of them).
 */
function payloadOf(base: DragPayload, label: string): { payload: DragPayload; label: string } {
  if (base.kind !== 'guest-device') return { payload: base, label };
  const selected = designerStore.getState().selectedDevices;
  if (selected.size < 2 || !selected.has(base.key)) return { payload: base, label };
  const keys = [base.key, ...[...selected].filter((k) => k !== base.key)];
  return { payload: { kind: 'guest-devices', keys }, label: `${keys.length} devices (${label} and ${keys.length - 1} more)` };
}

/**
 * Starts following a pointer pressed on a drag source (primary button only): past THRESHOLD px it
 * becomes a drag of `base` (or of the whole multi-selection, payloadOf), judged in idle slices, and
 * the release drops it on the target under the pointer; Escape cancels. Stops the event's propagation
 * (the canvas must not pan). Exported for sources that delegate their elements' events to one
 * container (the tile's chips) instead of a hook per element.
 */
export function dragFrom(e: React.PointerEvent | PointerEvent, base: DragPayload, label: string): void {
  if (e.button !== 0) return;
  e.stopPropagation();
  // no text selection while the button is down (cheaper than user-select: none, see styles.css)
  const noSelect = (ev: Event) => ev.preventDefault();
  window.addEventListener('selectstart', noSelect);
  const startX = e.clientX;
  const startY = e.clientY;
  let started = false;
  // where the last move was: a release there drops on the target that move found, without asking
  // the browser to lay the page out again (elementFromPoint) in the frame the drop renders
  let last = { x: startX, y: startY };
  const move = (ev: PointerEvent) => {
    if (!started) {
      if (Math.hypot(ev.clientX - startX, ev.clientY - startY) < THRESHOLD) return;
      started = true;
      document.body.classList.add('dragging');
      window.getSelection()?.removeAllRanges();
      const p = payloadOf(base, label);
      designerStore.getState().startDrag(p.payload, p.label, ev.clientX, ev.clientY);
      judgeInSlices();
    }
    ev.preventDefault();
    last = { x: ev.clientX, y: ev.clientY };
    designerStore.getState().moveDrag(ev.clientX, ev.clientY, dropTargetAt(ev.clientX, ev.clientY));
  };
  const finish = (ev: PointerEvent, cancel: boolean) => {
    window.removeEventListener('pointermove', move);
    window.removeEventListener('pointerup', up);
    window.removeEventListener('keydown', key);
    window.removeEventListener('selectstart', noSelect);
    if (!started) return;
    stopJudging();
    const endCursor = () => document.body.classList.remove('dragging');
    if (cancel) {
      endCursor();
      designerStore.getState().cancelDrag();
    } else {
      const st = designerStore.getState();
      const over = ev.clientX === last.x && ev.clientY === last.y && st.drag ? st.drag.over : dropTargetAt(ev.clientX, ev.clientY);
      const target = over === null ? undefined : st.drag?.targets.get(over);
      if (!target) {
        endCursor();
        st.endDrag(null);
        return;
      }
      // the drop first: the coming frame renders what changed (the buses it touched, the findings);
      // the drag's highlights on every target go in the frame after it, not in the frame that shows
      // the result (a callback asked for now would run in the coming frame, hence two)
      // The grabbing cursor goes then too: it is inherited, so taking it off the body restyles
      // every element of the page (~1,000 on a 31-vPHB design), 8-16 ms the drop's frame need not pay.
      // This drag is known by its payload, which every update of the drag state carries over: the
      // state itself is replaced when targets are judged again (a check of the design that ended
      // meanwhile, as the drop's own check may under load), and an identity check on it left the
      // ghost on screen for good
      const session = st.drag?.payload;
      const same = (): boolean => session !== undefined && designerStore.getState().drag?.payload === session;
      st.apply(target.command, target.label);
      requestAnimationFrame(() =>
        requestAnimationFrame(() => {
          // unless a new drag started meanwhile: its cursor stays
          if (!designerStore.getState().drag || same()) endCursor();
          // unless something else ended it meanwhile (a pending take, an undo, a new drag)
          if (same()) designerStore.getState().cancelDrag();
        }),
      );
    }
  };
  const up = (ev: PointerEvent) => finish(ev, false);
  const key = (ev: KeyboardEvent) => {
    if (ev.key === 'Escape') finish(new PointerEvent('pointerup'), true);
  };
  window.addEventListener('pointermove', move);
  window.addEventListener('pointerup', up);
  window.addEventListener('keydown', key);
}

export function useDragSource(payload: DragPayload, label: string): (e: React.PointerEvent) => void {
  const kind = payload.kind;
  const id = payload.kind === 'group' ? String(payload.number) : payload.kind === 'host-device' ? payload.address : payload.kind === 'guest-device' ? payload.key : payload.keys.join(' ');
  return useCallback(
    (e: React.PointerEvent) => {
      const base: DragPayload = kind === 'group' ? { kind, number: Number(id) } : kind === 'host-device' ? { kind, address: id } : kind === 'guest-device' ? { kind, key: id } : { kind, keys: id.split(' ') };
      dragFrom(e, base, label);
    },
    [kind, id, label],
  );
}
