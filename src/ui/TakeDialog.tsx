import { useEffect, useRef } from 'react';
import { activeGuestName, designerStore, useDesigner } from '../store/index.ts';

/**
 * Asks before the active guest takes host functions another guest holds (issue 15): VFIO gives an
 * IOMMU group to one guest at a time, so libvirt refuses to start the second guest while the first
 * runs. Move it from the other guest (one undo step for both), give it to this guest too (the
 * HD-SHARE warnings then say so), or cancel.
 */
export function TakeDialog() {
  const pending = useDesigner((s) => s.pendingTake);
  const active = useDesigner((s) => activeGuestName(s.present));
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    if (pending && !ref.current?.open) ref.current?.showModal();
  }, [pending]);
  if (!pending) return null;
  const others = pending.taken.map((t) => t.guest);
  const from = others.join(' and ');
  const what = pending.taken.flatMap((t) => t.groups).length
    ? `IOMMU group ${[...new Set(pending.taken.flatMap((t) => t.groups))].join(', ')}`
    : `host device ${[...new Set(pending.taken.flatMap((t) => t.addresses))].join(', ')}`;
  const answer = (choice: 'move' | 'share' | 'cancel') => {
    ref.current?.close();
    designerStore.getState().resolveTake(choice);
  };
  return (
    <dialog ref={ref} className="take" data-testid="group-take-dialog" aria-labelledby="take-title" aria-describedby="take-what" onClose={() => designerStore.getState().pendingTake && designerStore.getState().resolveTake('cancel')}>
      <h2 id="take-title">
        {what} is used by {from}
      </h2>
      <div id="take-what">
        <ul>
          {pending.taken.map((t) => (
            <li key={t.guest}>
              <strong>{t.guest}</strong> passes through {t.addresses.join(', ')}
            </li>
          ))}
        </ul>
        <p className="muted">VFIO gives an IOMMU group to one guest at a time: libvirt refuses to start one of these guests while the other runs.</p>
      </div>
      <div className="row">
        <button type="button" className="primary" data-testid="group-take-move" autoFocus onClick={() => answer('move')}>
          Move it from {from} to {active}
        </button>
        <button type="button" data-testid="group-take-share" onClick={() => answer('share')} title="Both guests keep it; they cannot run at the same time (HD-SHARE warnings)">
          Also give it to {active}
        </button>
        <button type="button" data-testid="group-take-cancel" onClick={() => answer('cancel')}>
          Cancel
        </button>
      </div>
    </dialog>
  );
}
