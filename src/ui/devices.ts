/**
 * Guest devices on the canvas (full node rows, tile chips, Unplaced tray items): how they are named,
 * selected (alone, or Shift/Ctrl/Cmd-click for several) and dragged, in one place.
 */
import { useCallback } from 'react';
import type { GuestDevice, Host } from '../engine/index.ts';
import { formatPciAddress } from '../engine/index.ts';
import { designerStore, findingsOf, subjectIndex, useDesigner } from '../store/index.ts';
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
