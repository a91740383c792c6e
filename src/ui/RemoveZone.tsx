/**
 * Where a guest device is dragged to take it out of the guest: a zone along the canvas' foot and the
 * host panel, both live only while guest devices are being dragged. The drop goes through the same
 * store drag as every other (its verdict judged like a move), so it is one undo step.
 */
import type { ReactNode } from 'react';
import { REMOVE_TARGET_ID, useDesigner } from '../store/index.ts';
import { REMOVE_DOES } from './dnd.ts';

const useRemoveTarget = () => ({
  active: useDesigner((s) => s.drag?.targets.has(REMOVE_TARGET_ID) ?? false),
  over: useDesigner((s) => s.drag?.over === REMOVE_TARGET_ID),
  level: useDesigner((s) => s.drag?.verdicts.get(REMOVE_TARGET_ID)?.level),
});

export function RemoveZone() {
  const { active, over, level } = useRemoveTarget();
  if (!active) return null;
  return (
    <div className={`removezone${over ? ' over' : ''}${level ? ` drop-${level}` : ''}`} data-drop={REMOVE_TARGET_ID} data-testid="remove-zone">
      Drop here to {REMOVE_DOES.charAt(0).toLowerCase() + REMOVE_DOES.slice(1)}
    </div>
  );
}

/** Makes what it wraps (the host panel) a remove target while guest devices are dragged; adds no box of its own. */
export function RemoveDropArea({ children }: { children: ReactNode }) {
  const { active, over } = useRemoveTarget();
  return (
    <div className={`remove-area${active ? ' active' : ''}${over ? ' over' : ''}`} data-drop={active ? REMOVE_TARGET_ID : undefined} data-testid="remove-area">
      {children}
    </div>
  );
}
