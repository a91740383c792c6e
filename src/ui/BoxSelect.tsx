/**
 * Box select on the canvas: Shift and drag on the empty canvas selects every guest device the box
 * touches (Shift+Ctrl adds them to the selection). React Flow's own box selects nodes (whole buses);
 * ours selects the devices inside them, the things one moves or removes together.
 */
import { useEffect, useState } from 'react';
import { designerStore } from '../store/index.ts';

interface Box {
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
}

/** Keys of the guest devices drawn in `root` whose boxes meet the client-space rectangle. */
export function devicesInBox(root: ParentNode, box: Box): string[] {
  const [left, right] = [Math.min(box.x0, box.x1), Math.max(box.x0, box.x1)];
  const [top, bottom] = [Math.min(box.y0, box.y1), Math.max(box.y0, box.y1)];
  const keys: string[] = [];
  for (const el of root.querySelectorAll<HTMLElement>('.react-flow__node [data-key]')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.right < left || r.left > right || r.bottom < top || r.top > bottom) continue;
    const k = el.dataset.key;
    if (k) keys.push(k);
  }
  return keys;
}

export function BoxSelect({ container }: { container: React.RefObject<HTMLDivElement | null> }) {
  const [box, setBox] = useState<Box | null>(null);
  useEffect(() => {
    const el = container.current;
    if (!el) return;
    const down = (e: PointerEvent) => {
      const t = e.target instanceof Element ? e.target : null;
      if (!e.shiftKey || e.button !== 0 || !t?.closest('.react-flow__pane') || t.closest('.react-flow__node')) return;
      // a cancelled pointerdown sends no mousedown: d3-zoom does not start a pan under the box
      e.preventDefault();
      e.stopPropagation();
      const origin = el.getBoundingClientRect();
      const start = { x0: e.clientX, y0: e.clientY };
      let last: Box = { ...start, x1: e.clientX, y1: e.clientY };
      const toLocal = (b: Box): Box => ({ x0: b.x0 - origin.left, y0: b.y0 - origin.top, x1: b.x1 - origin.left, y1: b.y1 - origin.top });
      const move = (ev: PointerEvent) => {
        last = { ...start, x1: ev.clientX, y1: ev.clientY };
        setBox(toLocal(last));
      };
      const up = (ev: PointerEvent) => {
        window.removeEventListener('pointermove', move);
        window.removeEventListener('pointerup', up);
        setBox(null);
        const keys = devicesInBox(el, last);
        const st = designerStore.getState();
        if (ev.ctrlKey || ev.metaKey) st.selectDevices([...new Set([...st.selectedDevices, ...keys])]);
        else st.selectDevices(keys);
      };
      window.addEventListener('pointermove', move);
      window.addEventListener('pointerup', up);
    };
    el.addEventListener('pointerdown', down, { capture: true });
    return () => el.removeEventListener('pointerdown', down, { capture: true });
  }, [container]);
  if (!box) return null;
  return <div className="boxselect" data-testid="box-select" style={{ left: Math.min(box.x0, box.x1), top: Math.min(box.y0, box.y1), width: Math.abs(box.x1 - box.x0), height: Math.abs(box.y1 - box.y0) }} />;
}
