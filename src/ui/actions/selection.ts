/** The selection seen by actions: what it is in the design, what it would move, where it is drawn. */
import type { Design, DropPayload, GuestDevice, PciController } from '../../engine/index.ts';
import { formatPciAddress, machineFamily } from '../../engine/index.ts';
import type { DesignerState, Selection } from '../../store/index.ts';
import { nodeIdOf, shownController, shownControllers } from '../layout.ts';

export function selectedDevice(s: DesignerState): GuestDevice | undefined {
  const sel = s.selection;
  return sel?.kind === 'device' ? s.present?.design.guest.devices.find((d) => d.key === sel.key) : undefined;
}

export function selectedController(s: DesignerState): PciController | undefined {
  const sel = s.selection;
  return sel?.kind === 'controller' ? s.present?.design.guest.controllers.find((c) => c.key === sel.key) : undefined;
}

/** What the selection would move: a host group, one host function, a guest device; null for a controller. */
export function payloadOf(sel: Selection | null): DropPayload | null {
  if (!sel) return null;
  if (sel.kind === 'group') return { kind: 'group', number: sel.number };
  if (sel.kind === 'host-device') return { kind: 'host-device', address: sel.address };
  if (sel.kind === 'device') return { kind: 'guest-device', key: sel.key };
  return null;
}

/** Whether `sel` is one of several guest devices selected together: a right-click on it keeps them all. */
export function inMultiSelection(s: DesignerState, sel: Selection): boolean {
  return sel.kind === 'device' && s.selectedDevices.has(sel.key) && selectedDeviceKeys(s).length > 1;
}

/** What the selection would move: every selected guest device as one payload when several are, else {@link payloadOf}. */
export function selectionPayload(s: DesignerState): DropPayload | null {
  const several = selectedDeviceKeys(s);
  if (several.length > 1 && s.selection?.kind === 'device') return { kind: 'guest-devices', keys: several };
  return payloadOf(s.selection);
}

/** The data-testid of the element that shows the selection (DESIGN.md §6). */
export function testIdOf(sel: Selection, design: Design | undefined): string | undefined {
  switch (sel.kind) {
    case 'device':
      return `guest-device-${sel.key}`;
    case 'group':
      return `host-group-${sel.number}`;
    case 'host-device':
      return `host-device-${sel.address}`;
    case 'controller': {
      // the canvas names a controller by the index libvirt gives it, written or not (layout.ts shownControllers)
      const c = design ? shownController(design.guest, sel.key) : undefined;
      return c ? `controller-${c.index ?? c.key}` : undefined;
    }
  }
}

/** The selection an element of the page stands for: the nearest guest device, controller, host group or host function around it. */
export function selectionAt(el: Element | null, design: Design | undefined): Selection | null {
  const hit = el?.closest('[data-testid^="guest-device-"], [data-testid^="controller-"], [data-testid^="host-device-"], [data-testid^="host-group-"]');
  const id = hit?.getAttribute('data-testid');
  if (!id || !design) return null;
  if (id.startsWith('guest-device-')) return { kind: 'device', key: id.slice('guest-device-'.length) };
  if (id.startsWith('host-device-')) return { kind: 'host-device', address: id.slice('host-device-'.length) };
  if (id.startsWith('host-group-')) return { kind: 'group', number: Number(id.slice('host-group-'.length)) };
  const rest = id.slice('controller-'.length);
  const c = shownControllers(design.guest).list.find((x) => String(x.index ?? x.key) === rest);
  return c ? { kind: 'controller', key: c.key } : null;
}

/** React Flow node ids of the buses that hold the payload in `design` (where a move put it). */
export function busNodesOf(design: Design, payload: DropPayload): string[] {
  const guest = design.guest;
  let keys: Set<string>;
  if (payload.kind === 'guest-device') keys = new Set([payload.key]);
  else if (payload.kind === 'guest-devices') keys = new Set(payload.keys);
  else if (payload.kind === 'host-device') keys = new Set([payload.address]);
  else keys = new Set(design.host?.groups.get(payload.number)?.members ?? []);
  const buses = new Set<number>();
  for (const d of guest.devices) {
    const k = d.hostAddress ? formatPciAddress(d.hostAddress) : d.key;
    if ((keys.has(d.key) || keys.has(k)) && d.address) buses.add(d.address.bus);
  }
  return shownControllers(guest).list.filter((c) => c.index !== undefined && buses.has(c.index)).map(nodeIdOf);
}

/** React Flow node ids that show the selection: its controller, or the buses holding it (every selected device's, for a multi-selection). */
export function selectionNodes(s: DesignerState): string[] {
  const design = s.present?.design;
  const sel = s.selection;
  if (!design || !sel) return [];
  if (sel.kind === 'controller') {
    const c = design.guest.controllers.find((x) => x.key === sel.key);
    return c ? [nodeIdOf(c)] : [];
  }
  const several = selectedDeviceKeys(s);
  if (several.length > 1) return busNodesOf(design, { kind: 'guest-devices', keys: several });
  const p = payloadOf(sel);
  return p ? busNodesOf(design, p) : [];
}

/** The guest devices selected together (Shift/Ctrl-click, box select), the single selected one included, in the design. */
export function selectedDeviceKeys(s: DesignerState): string[] {
  const devices = s.present?.design.guest.devices ?? [];
  const keys = new Set(s.selectedDevices);
  if (s.selection?.kind === 'device') keys.add(s.selection.key);
  return devices.filter((d) => keys.has(d.key)).map((d) => d.key);
}

export const isPseries = (design: Design | undefined): boolean => !design || machineFamily(design.guest) === 'pseries';
