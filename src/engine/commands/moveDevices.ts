import type { Design } from '../model/design.ts';
import type { Guest, GuestDevice } from '../model/guest.ts';
import type { GuestPciAddress } from '../model/pci.ts';
// a cycle with commands.ts, used at call time only: applyCommand dispatches here, this uses its helpers
import { CommandError, firstFreeSlot } from './commands.ts';

/**
 * Several guest devices onto one bus in one step: what a multi-selection dropped on a vPHB, a root
 * port or a bridge does (one undo entry). Free slots are taken in order, lowest first, as a single
 * drop takes them; functions that shared a guest slot keep sharing one (a multi-function card stays
 * one card, multifunction='on' on its function 0, GEN-MF-2/3); devices without an address each get
 * a slot of their own at function 0. Devices already on that bus stay where they are.
 *
 * Shapes: `devices` are device keys (DESIGN.md §6); `controller` is the target bus's controller
 * index. Errors: `CommandError` when the bus or a key is unknown or the bus runs out of free slots;
 * the design is then left as it was.
 */
export interface MoveDevicesCommand {
  readonly kind: 'move-devices';
  readonly devices: readonly string[];
  readonly controller: number;
}

/** Devices grouped by the guest slot they share now, in the order their first key was given. */
function slotGroups(devices: readonly GuestDevice[]): GuestDevice[][] {
  const groups = new Map<string, GuestDevice[]>();
  for (const d of devices) {
    const a = d.address;
    const k = a ? `${a.domain}:${a.bus}:${a.slot}` : `key:${d.key}`;
    const list = groups.get(k) ?? [];
    list.push(d);
    groups.set(k, list);
  }
  return [...groups.values()];
}

export function applyMoveDevices(design: Design, cmd: MoveDevicesCommand): Design {
  let guest = design.guest;
  if (cmd.controller !== 0 && !guest.controllers.some((c) => c.index === cmd.controller)) throw new CommandError(`no PCI controller with index ${cmd.controller}`);
  const wanted = [...new Set(cmd.devices)];
  const moving: GuestDevice[] = [];
  for (const key of wanted) {
    const d = guest.devices.find((x) => x.key === key);
    if (!d) throw new CommandError(`no device ${key}`);
    if (d.address?.bus !== cmd.controller) moving.push(d);
  }
  const addresses = new Map<string, GuestPciAddress>();
  for (const group of slotGroups(moving)) {
    const slot = firstFreeSlot(guest, cmd.controller);
    if (slot === undefined) throw new CommandError(`no free slot on controller ${cmd.controller} for ${group.map((d) => d.label).join(', ')}`);
    const ordered = [...group].sort((a, b) => (a.address?.function ?? 0) - (b.address?.function ?? 0));
    // host numbering is kept only when function 0 comes along (GEN-MF-3), as add-hostdevs does
    const keep = ordered.length > 1 && ordered[0]?.address?.function === 0;
    ordered.forEach((d, i) => {
      const fn = keep ? (d.address?.function ?? i) : i;
      addresses.set(d.key, { domain: 0, bus: cmd.controller, slot, function: fn, ...(ordered.length > 1 && fn === 0 ? { multifunction: 'on' as const } : {}) });
    });
    guest = withAddresses(guest, addresses);
  }
  return { ...design, guest };
}

/** The guest with these devices at these addresses; every other device stays the same object. */
function withAddresses(guest: Guest, addresses: ReadonlyMap<string, GuestPciAddress>): Guest {
  return {
    ...guest,
    devices: guest.devices.map((d) => {
      const a = addresses.get(d.key);
      return a && d.address !== a ? { ...d, address: a, otherAddressType: undefined, unreadable: undefined, writtenBus: undefined } : d;
    }),
  };
}
