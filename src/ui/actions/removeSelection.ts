import type { Command, Design } from '../../engine/index.ts';
import { controllerName, deviceName, formatPciAddress, machineFamily } from '../../engine/index.ts';
import type { DesignerState } from '../../store/index.ts';
import { register } from './registry.ts';
import { inMultiSelection, selectedDeviceKeys, selectionAt, testIdOf } from './selection.ts';
import { busOwner, devicesByBus, shownController, shownControllers, unplacedDevices } from '../layout.ts';

const busTestId = (design: Design, key: string | undefined): string | undefined => (key === undefined ? undefined : testIdOf({ kind: 'controller', key }, design));

/**
 * Where keyboard focus goes once these devices are removed (the focused one among them is gone, and
 * focus would fall to <body>, the next Tab starting over at the toolbar): the next device on the bus
 * of the first, else the one before it, else the bus itself. An unplaced device's neighbour is the
 * next one in the Unplaced tray, else the first bus drawn.
 */
export function focusAfterRemovingDevices(design: Design, keys: readonly string[]): string | undefined {
  const guest = design.guest;
  const gone = new Set(keys);
  const first = guest.devices.find((d) => d.key === keys[0]);
  if (!first) return undefined;
  const bus = first.address?.bus;
  const owner = bus === undefined ? undefined : busOwner(guest, bus);
  const row = owner === undefined || bus === undefined ? unplacedDevices(guest) : (devicesByBus(guest).get(bus) ?? []);
  const at = row.indexOf(first);
  const next = row.slice(at + 1).find((d) => !gone.has(d.key)) ?? row.slice(0, Math.max(at, 0)).reverse().find((d) => !gone.has(d.key));
  if (next) return `guest-device-${next.key}`;
  // the tray's last device gone, the tray goes too: the first bus drawn takes focus
  return busTestId(design, owner ?? shownControllers(guest).list.find((c) => c.index !== undefined)?.key);
}

/** Where keyboard focus goes once this controller is removed: the bus it plugs into, else the next bus drawn, else the one before. */
export function focusAfterRemovingController(design: Design, key: string): string | undefined {
  const guest = design.guest;
  const list = shownControllers(guest).list;
  const c = list.find((x) => x.key === key);
  if (!c) return undefined;
  const parent = c.address ? busOwner(guest, c.address.bus) : undefined;
  if (parent !== undefined && parent !== key) return busTestId(design, parent);
  const at = list.indexOf(c);
  const other = list.slice(at + 1).find((x) => x.index !== undefined) ?? list.slice(0, at).reverse().find((x) => x.index !== undefined);
  return busTestId(design, other?.key);
}

/** What Remove would do to the selection: the command, its label and where focus goes after it, or why it cannot. */
export function removal(s: DesignerState): { command: Command; label: string; focus?: string | undefined } | string {
  const design: Design | undefined = s.present?.design;
  const sel = s.selection;
  if (!design || !sel) return 'Nothing is selected';
  const guest = design.guest;
  // a multi-selection (Shift/Ctrl-click, box select on the canvas) goes as one undo step
  const several = selectedDeviceKeys(s);
  if (several.length > 1) {
    const label = `Remove ${several.length} devices`;
    return { command: { kind: 'batch', label, commands: several.map((k) => ({ kind: 'remove-device', device: k })) }, label, focus: focusAfterRemovingDevices(design, several) };
  }
  if (sel.kind === 'device') {
    const d = guest.devices.find((x) => x.key === sel.key);
    if (!d) return 'Nothing is selected';
    return { command: { kind: 'remove-device', device: d.key }, label: `Remove ${deviceName(d, design.host)}`, focus: focusAfterRemovingDevices(design, [d.key]) };
  }
  if (sel.kind === 'controller') {
    // named by the index libvirt gives it when the XML writes none (layout.ts shownControllers)
    const c = shownController(guest, sel.key);
    if (!c) return 'Nothing is selected';
    const name = controllerName(c, machineFamily(guest));
    if (c.implicit) return `${name} is the root bus libvirt adds by itself; it cannot be removed`;
    if (c.index === 0) return `${name} is the root bus: every other bus hangs from it`;
    return { command: { kind: 'remove-controller', controller: c.key }, label: `Remove ${name}`, focus: focusAfterRemovingController(design, c.key) };
  }
  // a host group or function: take what of it is in the guest out of the guest; its row in the host
  // panel stays, and has focus back (from the context menu, which closes with focus in it)
  const members = sel.kind === 'group' ? new Set(design.host?.groups.get(sel.number)?.members ?? []) : new Set([sel.address]);
  const inGuest = guest.devices.filter((d) => d.hostAddress && members.has(formatPciAddress(d.hostAddress)));
  const what = sel.kind === 'group' ? `IOMMU group ${sel.number}` : sel.address;
  if (inGuest.length === 0) return `${what} is not in the guest`;
  const commands: Command[] = inGuest.map((d) => ({ kind: 'remove-device', device: d.key }));
  const label = `Remove ${what} from the guest`;
  return { command: commands.length === 1 && commands[0] ? commands[0] : { kind: 'batch', label, commands }, label, focus: testIdOf(sel, design) };
}

/**
 * The state Remove judges: the item holding keyboard focus (a guest device on the canvas or in the
 * Unplaced tray, a bus, a host group or function: what the user sees focused) stands for the
 * selection unless it is part of it, as the context menu (Shift+F10, contextMenu.ts) takes the
 * focused item; a device of a multi-selection keeps the whole selection. With the focus elsewhere (a
 * toolbar button, a menu item: a click, the context menu's Remove) it is the selection.
 */
export function withFocusedItem(s: DesignerState, focused: Element | null = typeof document === 'undefined' ? null : document.activeElement): DesignerState {
  const at = selectionAt(focused, s.present?.design);
  if (!at || inMultiSelection(s, at) || testIdOf(at, s.present?.design) === (s.selection && testIdOf(s.selection, s.present?.design))) return s;
  return { ...s, selection: at, selectedDevices: at.kind === 'device' ? new Set([at.key]) : new Set() };
}

export const removeSelection = register({
  id: 'remove',
  label: (s) => {
    const r = removal(withFocusedItem(s));
    return typeof r === 'string' ? 'Remove' : r.label;
  },
  keys: ['Delete', 'Backspace'],
  inContextMenu: (s) => s.selection !== null,
  enabled: (s) => {
    const r = removal(withFocusedItem(s));
    return typeof r === 'string' ? r : true;
  },
  perform: ({ store }) => {
    const r = removal(withFocusedItem(store.getState()));
    if (typeof r === 'string') return { kind: 'error', message: r };
    return { kind: 'command', command: r.command, label: r.label, then: { select: null, ...(r.focus ? { focusItem: r.focus } : {}) } };
  },
});
