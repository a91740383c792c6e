/**
 * What libvirt adds to the design when it defines the domain (layout.ts addedAtDefine): shown where
 * libvirt puts it, dashed, with a tooltip that says so, never as part of the user's XML. These items
 * are not the domain's devices: they carry `implicit-device-<key>` / `added-controller-<index>` test
 * ids, not `guest-device-<key>` (DESIGN.md §6: one `guest-device-*` node per PCI device of the
 * domain), have no drag handlers, take no drop and cannot be selected; export never writes them.
 */
import { memo } from 'react';
import type { GuestDevice } from '../engine/index.ts';
import { useDesigner } from '../store/index.ts';
import { addedAtDefine, busOwner, NO_ADDED } from './layout.ts';
import { usePrepared } from './slicing.ts';

const hex2 = (n: number) => n.toString(16).padStart(2, '0');
export const ADDED_TITLE = 'Added by libvirt at define: not in your XML. libvirt adds it and puts it here when it defines the domain; export does not write it.';

/** The devices libvirt adds on the bus of controller `cKey` (index `index`), stable per bus. */
export function useAddedOnBus(cKey: string | undefined, index: number | undefined): readonly GuestDevice[] {
  return useDesigner((s) => (cKey === undefined || index === undefined || !s.present || busOwner(s.present.design.guest, index) !== cKey ? NO_ADDED : (addedAtDefine(s.present.design.guest).byBus.get(index) ?? NO_ADDED)));
}

/** One device libvirt adds, as a row of a full node's device list. */
export const AddedRow = memo(function AddedRow({ device }: { device: GuestDevice }) {
  const a = device.address;
  return (
    <li className="gdev added" data-testid={`implicit-device-${device.key}`} title={ADDED_TITLE} aria-label={`${device.label}, added by libvirt at define${a ? ` at slot 0x${hex2(a.slot)} function ${a.function}` : ''}`}>
      <span className="addr">{a ? `${hex2(a.slot)}.${a.function}` : '--'}</span>
      {/* the full text as a device row gives it: a narrow node cuts the label with an ellipsis */}
      <span className="glabel" title={`${device.label}, added by libvirt`}>
        {device.label}
        <small>added by libvirt</small>
      </span>
    </li>
  );
});

/** What libvirt adds with no bus on the canvas (the buses it adds, devices on them), above the canvas like the Unplaced tray. */
export function AddedAtDefineStrip() {
  const prepared = usePrepared(
    useDesigner((s) => s.present?.design.source),
    useDesigner((s) => s.present?.design.guest),
  );
  // a big design's define runs in a task of its own first (slicing.ts), not in the one that draws the page
  const elsewhere = useDesigner((s) => (s.present && prepared ? addedAtDefine(s.present.design.guest).elsewhere : undefined));
  if (!elsewhere || elsewhere.length === 0) return null;
  return (
    <section className="tray added-strip" aria-label="Added by libvirt at define" data-testid="added-at-define">
      <div className="tray-head">
        <h2>Added by libvirt at define · {elsewhere.length}</h2>
        <span className="muted">not in your XML: libvirt adds these when it defines the domain</span>
      </div>
      <ul className="tray-items">
        {elsewhere.map((x) => (
          <li key={x.key} className="titem added" data-testid={x.kind === 'device' ? `implicit-device-${x.key}` : `added-controller-${x.index ?? ''}`} title={ADDED_TITLE}>
            <span className="tname">{x.label}</span>
            <span className="thint">{x.where ? `on ${x.where}` : 'a root bus of its own'}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
