/**
 * Guest devices on the canvas (full node rows, tile chips, Unplaced tray items): how they are named,
 * selected (alone, or Shift/Ctrl/Cmd-click for several) and dragged, in one place.
 */
import { useCallback } from 'react';
import type { GuestDevice, Host, Severity } from '../engine/index.ts';
import { formatPciAddress } from '../engine/index.ts';
import { designerStore, findingsOf, subjectIndex, useDesigner, type DesignerState } from '../store/index.ts';
import { useDragSource } from './dnd.ts';

export function hostNameOf(d: GuestDevice, host: Host | undefined): string | undefined {
  if (!d.hostAddress || !host) return undefined;
  const hd = host.devices.get(formatPciAddress(d.hostAddress));
  return hd ? (hd.productName ?? hd.vendorName) : undefined;
}

/** A hostdev whose host function the loaded host does not have. */
export function missingOnHost(d: GuestDevice, host: Host | undefined): boolean {
  return !!d.hostAddress && !!host && !host.devices.has(formatPciAddress(d.hostAddress));
}

/**
 * A click on a guest device: selects it alone, or (Shift, Ctrl or Cmd held) adds it to the
 * multi-selection or takes it out.
 */
export function selectDevice(e: { shiftKey: boolean; ctrlKey: boolean; metaKey: boolean }, key: string): void {
  const st = designerStore.getState();
  if (e.shiftKey || e.ctrlKey || e.metaKey) st.toggleDevice(key);
  else st.select({ kind: 'device', key });
}

/** The props every guest device element shares (canvas row, tile chip, tray item): select, drag, keyboard. */
export function useDeviceHandlers(device: GuestDevice) {
  const onPointerDown = useDragSource({ kind: 'guest-device', key: device.key }, device.label);
  const onClick = useCallback((e: React.MouseEvent) => selectDevice(e, device.key), [device.key]);
  const onKeyDown = useCallback(
    (e: React.KeyboardEvent) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        selectDevice(e, device.key);
      }
    },
    [device.key],
  );
  return { onPointerDown, onClick, onKeyDown };
}

export const useDeviceSelected = (key: string): boolean => useDesigner((s) => s.selectedDevices.has(key) || (s.selection?.kind === 'device' && s.selection.key === key));
export const useDeviceSeverity = (key: string) => useDesigner((s) => subjectIndex(findingsOf(s.present?.design)).devices.get(key));

/**
 * What a tile subscribes to instead of a subscription per chip (7,688 chips on a big pseries design
 * cost 15,000 selectors run on every store change, ~110 ms of an open): which of a bus's devices are
 * selected, and the worst severity of each, as strings, so a store change that does not touch this
 * bus's marks gives the same string and re-renders nothing.
 */

const keysOf = new WeakMap<readonly GuestDevice[], ReadonlySet<string>>();
function busKeys(devices: readonly GuestDevice[]): ReadonlySet<string> {
  let k = keysOf.get(devices);
  if (!k) keysOf.set(devices, (k = new Set(devices.map((d) => d.key))));
  return k;
}

/**
 * The keys of `devices` that are selected (the selection or the multi-selection), in selection order,
 * each followed by "\n" ('' when none). Walks the selection, not the bus: a selection is small.
 */
export function selectedOnBus(s: Pick<DesignerState, 'selection' | 'selectedDevices'>, devices: readonly GuestDevice[]): string {
  if (!s.selectedDevices.size && s.selection?.kind !== 'device') return '';
  const on = busKeys(devices);
  let out = '';
  for (const k of s.selectedDevices) if (on.has(k)) out += `${k}\n`;
  if (s.selection?.kind === 'device' && !s.selectedDevices.has(s.selection.key) && on.has(s.selection.key)) out += `${s.selection.key}\n`;
  return out;
}

const severitiesOf = new WeakMap<ReadonlyMap<string, Severity>, WeakMap<readonly GuestDevice[], string>>();

/**
 * "key\u0000severity\n" for each of `devices` that carries a finding (the worst severity: the
 * findings' subject index), in bus order; '' when none. Memoised per index and bus, so the selector
 * costs two lookups on a store change that brings no new findings.
 */
export function severitiesOnBus(index: ReadonlyMap<string, Severity>, devices: readonly GuestDevice[]): string {
  let byBus = severitiesOf.get(index);
  if (!byBus) severitiesOf.set(index, (byBus = new WeakMap()));
  let out = byBus.get(devices);
  if (out === undefined) {
    out = '';
    if (index.size) {
      for (const d of devices) {
        const sev = index.get(d.key);
        if (sev) out += `${d.key}\u0000${sev}\n`;
      }
    }
    byBus.set(devices, out);
  }
  return out;
}

/** {@link selectedOnBus}'s string as a set of keys. */
export const parseSelected = (text: string): ReadonlySet<string> => new Set(text ? text.slice(0, -1).split('\n') : []);

/** {@link severitiesOnBus}'s string as a map of key to severity. */
export function parseSeverities(text: string): ReadonlyMap<string, Severity> {
  const m = new Map<string, Severity>();
  if (!text) return m;
  for (const line of text.slice(0, -1).split('\n')) {
    const at = line.indexOf('\u0000');
    m.set(line.slice(0, at), line.slice(at + 1) as Severity);
  }
  return m;
}

/** The worst severity of each device on the bus: a tile's one subscription for its chips' badges. */
export const useBusSeverities = (devices: readonly GuestDevice[]): string => useDesigner((s) => severitiesOnBus(subjectIndex(findingsOf(s.present?.design)).devices, devices));
/** The selected devices on the bus: a tile's one subscription for its chips' selection. */
export const useBusSelected = (devices: readonly GuestDevice[]): string => useDesigner((s) => selectedOnBus(s, devices));
