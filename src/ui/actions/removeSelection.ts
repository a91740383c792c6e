import type { Command, Design } from '../../engine/index.ts';
import { controllerName, deviceName, formatPciAddress, machineFamily } from '../../engine/index.ts';
import type { DesignerState } from '../../store/index.ts';
import { register } from './registry.ts';
import { selectedDeviceKeys } from './selection.ts';
import { shownController } from '../layout.ts';

/** What Remove would do to the selection: the command and its label, or why it cannot. */
export function removal(s: DesignerState): { command: Command; label: string } | string {
  const design: Design | undefined = s.present?.design;
  const sel = s.selection;
  if (!design || !sel) return 'Nothing is selected';
  const guest = design.guest;
  // a multi-selection (Shift/Ctrl-click, box select on the canvas) goes as one undo step
  const several = selectedDeviceKeys(s);
  if (several.length > 1) {
    const label = `Remove ${several.length} devices`;
    return { command: { kind: 'batch', label, commands: several.map((k) => ({ kind: 'remove-device', device: k })) }, label };
  }
  if (sel.kind === 'device') {
    const d = guest.devices.find((x) => x.key === sel.key);
    if (!d) return 'Nothing is selected';
    return { command: { kind: 'remove-device', device: d.key }, label: `Remove ${deviceName(d, design.host)}` };
  }
  if (sel.kind === 'controller') {
    // named by the index libvirt gives it when the XML writes none (layout.ts shownControllers)
    const c = shownController(guest, sel.key);
    if (!c) return 'Nothing is selected';
    const name = controllerName(c, machineFamily(guest));
    if (c.implicit) return `${name} is the root bus libvirt adds by itself; it cannot be removed`;
    if (c.index === 0) return `${name} is the root bus: every other bus hangs from it`;
    return { command: { kind: 'remove-controller', controller: c.key }, label: `Remove ${name}` };
  }
  // a host group or function: take what of it is in the guest out of the guest
  const members = sel.kind === 'group' ? new Set(design.host?.groups.get(sel.number)?.members ?? []) : new Set([sel.address]);
  const inGuest = guest.devices.filter((d) => d.hostAddress && members.has(formatPciAddress(d.hostAddress)));
  const what = sel.kind === 'group' ? `IOMMU group ${sel.number}` : sel.address;
  if (inGuest.length === 0) return `${what} is not in the guest`;
  const commands: Command[] = inGuest.map((d) => ({ kind: 'remove-device', device: d.key }));
  const label = `Remove ${what} from the guest`;
  return { command: commands.length === 1 && commands[0] ? commands[0] : { kind: 'batch', label, commands }, label };
}

export const removeSelection = register({
  id: 'remove',
  label: (s) => {
    const r = removal(s);
    return typeof r === 'string' ? 'Remove' : r.label;
  },
  keys: ['Delete', 'Backspace'],
  inContextMenu: (s) => s.selection !== null,
  enabled: (s) => {
    const r = removal(s);
    return typeof r === 'string' ? r : true;
  },
  perform: ({ store }) => {
    const r = removal(store.getState());
    if (typeof r === 'string') return { kind: 'error', message: r };
    return { kind: 'command', command: r.command, label: r.label, then: { select: null } };
  },
});
