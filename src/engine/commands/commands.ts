import type { Design } from '../model/design.ts';
import type { ControllerSpec, ControllerTarget, Guest, GuestDevice, PciController } from '../model/guest.ts';
import { freshControllerKey } from '../model/keys.ts';
import type { GuestPciAddress } from '../model/pci.ts';
import { formatPciAddress, parsePciAddress } from '../model/pci.ts';
import { BUS_MODELS } from '../libvirt/domainAddr.ts';
import { virDomainAssignControllerIndexes } from '../libvirt/domainConf.ts';
import { passThroughRefusal } from '../model/vfio.ts';
import { qemuDomainAddressFindNewTargetIndex, qemuDomainPCIControllerSetDefaults } from '../libvirt/qemuDomainAddress.ts';
import { machineFamily, machineProfile } from '../machines/index.ts';
import { busName, controllerName, deviceName, hexNumber } from '../model/names.ts';
import { placeFunctions } from './functions.ts';
import { applyMoveDevices, type MoveDevicesCommand } from './moveDevices.ts';
import { withControllerTypeOrder } from './controllerTypeOrder.ts';

/**
 * Pure edits of a design. The UI (drag and drop, inspector, quick fixes), the CLI (`--fix`) and
 * auto-placement all go through these, so every edit is exported and validated the same way.
 * Each command is plain data so fixes can carry it and undo can replay it.
 */
export type Command =
  | { readonly kind: 'move-device'; readonly device: string; readonly address: GuestPciAddress | null }
  | { readonly kind: 'add-hostdevs'; readonly hostAddresses: readonly string[]; readonly controller: number }
  | { readonly kind: 'move-group'; readonly group: number; readonly controller: number }
  | { readonly kind: 'remove-device'; readonly device: string }
  | { readonly kind: 'add-controller'; readonly controller: NewController }
  | { readonly kind: 'remove-controller'; readonly controller: string }
  | { readonly kind: 'update-controller'; readonly controller: string; readonly changes: ControllerChanges }
  | { readonly kind: 'set-multifunction'; readonly device: string; readonly value: 'on' | 'off' | null }
  | { readonly kind: 'batch'; readonly label: string; readonly commands: readonly Command[] }
  | MoveDevicesCommand;

export type { MoveDevicesCommand };

/** A controller to add: as much as is decided, libvirt's defaults fill in the rest ({@link completeController}). */
export type NewController = ControllerSpec;

export interface ControllerChanges {
  readonly index?: number | undefined;
  readonly target?: ControllerTarget | undefined;
  readonly address?: GuestPciAddress | null | undefined;
}

export class CommandError extends Error {}

function withGuest(design: Design, guest: Guest): Design {
  return { ...design, guest };
}

function replaceDevice(guest: Guest, key: string, next: GuestDevice | null): Guest {
  const i = guest.devices.findIndex((d) => d.key === key);
  if (i < 0) throw new CommandError(`no device ${key}`);
  const devices = guest.devices.slice();
  if (next) devices[i] = next;
  else devices.splice(i, 1);
  return { ...guest, devices };
}

function replaceController(guest: Guest, key: string, next: PciController | null): Guest {
  const i = guest.controllers.findIndex((c) => c.key === key);
  if (i < 0) throw new CommandError(`no controller ${key}`);
  const controllers = guest.controllers.slice();
  if (next) controllers[i] = next;
  else controllers.splice(i, 1);
  return { ...guest, controllers };
}

/** Every (slot, function) taken on bus `index`, by devices and by controllers plugged there. */
export function usedFunctions(guest: Guest, index: number, ignoreDevices: ReadonlySet<string> = new Set()): Set<string> {
  const used = new Set<string>();
  for (const d of guest.devices) if (d.address?.bus === index && !ignoreDevices.has(d.key)) used.add(`${d.address.slot}.${d.address.function}`);
  for (const c of guest.controllers) if (c.address?.bus === index) used.add(`${c.address.slot}.${c.address.function}`);
  return used;
}

/**
 * Slots of bus 0 nothing can be put on. 00:00 cannot even be written: libvirt reads domain, bus
 * and slot all 0 as "no address" and assigns one (virDeviceInfoPCIAddressIsWanted). The machine's
 * chipset holds others (its profile's chipset: the ICH9 LPC bridge at 00:1f on q35, Q35-RSV-1; the
 * PIIX3 at 00:01 on i440fx), devices the XML never lists.
 */
function machineSlots(guest: Guest, index: number): readonly number[] {
  if (index !== 0) return [];
  return [0, ...(machineProfile(guest).chipset?.builtinSlots ?? [])];
}

function usedSlots(guest: Guest, index: number, ignore: ReadonlySet<string>): Set<number> {
  const slots = new Set<number>(machineSlots(guest, index));
  for (const k of usedFunctions(guest, index, ignore)) slots.add(Number(k.split('.')[0]));
  return slots;
}

/** The slot range of the bus of controller `index` (table 1.1); pci-root when unknown. */
export function slotRange(guest: Guest, index: number): { min: number; max: number } {
  const c = guest.controllers.find((x) => x.index === index);
  const m = (c && BUS_MODELS[c.model]) ?? BUS_MODELS['pci-root'];
  return { min: m?.minSlot ?? 1, max: m?.maxSlot ?? 31 };
}

/** The lowest slot on bus `index` with none of its functions used; undefined when the bus is full. */
export function firstFreeSlot(guest: Guest, index: number, ignore: ReadonlySet<string> = new Set()): number | undefined {
  const { min, max } = slotRange(guest, index);
  const used = usedSlots(guest, index, ignore);
  for (let s = min; s <= max; s++) if (!used.has(s)) return s;
  return undefined;
}

/** Host functions on bus `controller`, one host slot per free guest slot (commands/functions.ts placeFunctions). */
function placeHostFunctions(guest: Guest, controller: number, hostAddresses: readonly string[], ignore: ReadonlySet<string>): Map<string, GuestPciAddress> {
  const { min, max } = slotRange(guest, controller);
  const used = usedSlots(guest, controller, ignore);
  const nextSlot = (): number | undefined => {
    for (let s = min; s <= max; s++) {
      if (used.has(s)) continue;
      used.add(s);
      return s;
    }
    return undefined;
  };
  const addresses = [...new Set(hostAddresses)].sort();
  const out = placeFunctions(addresses, parsePciAddress, controller, nextSlot);
  if (out.size < addresses.length) throw new CommandError(`${busName(guest.controllers, controller, machineFamily(guest))} has no free slot`);
  return out;
}

/** `1:01:00.0` and `0001:01:00.0` name one host function: hostdev keys use the long form. */
function hostKey(hostAddress: string): string {
  const pci = parsePciAddress(hostAddress);
  if (!pci) throw new CommandError(`not a PCI address: ${hostAddress}`);
  return formatPciAddress(pci);
}

/**
 * Addresses on bus `from` follow a controller that moves to index `to`: an address's bus is a
 * controller index (GEN-ADDR-5), so a renumbered controller keeps what is plugged into it.
 * `to === undefined` (the controller is gone) leaves them without an address for libvirt to assign.
 * Untouched devices and controllers stay the same objects (the incremental validator relies on it).
 */
function rehome(guest: Guest, from: number, to: number | undefined): Guest {
  const move = <T extends { readonly address?: GuestPciAddress | undefined }>(x: T): T => {
    if (x.address?.bus !== from) return x;
    return { ...x, address: to === undefined ? undefined : { ...x.address, bus: to } };
  };
  const touches = guest.devices.some((d) => d.address?.bus === from) || guest.controllers.some((c) => c.address?.bus === from);
  return touches ? { ...guest, devices: guest.devices.map(move), controllers: guest.controllers.map(move) } : guest;
}

/** True when no controller but `key` has index `index`: its bus is then that controller's alone. */
function soleOwner(guest: Guest, key: string, index: number | undefined): index is number {
  return index !== undefined && !guest.controllers.some((c) => c.key !== key && c.index === index);
}

function newHostdev(hostAddress: string, address: GuestPciAddress | undefined): GuestDevice {
  const pci = parsePciAddress(hostAddress);
  if (!pci) throw new CommandError(`not a PCI address: ${hostAddress}`);
  return {
    key: formatPciAddress(pci),
    element: 'hostdev',
    type: 'pci',
    mode: 'subsystem',
    managed: 'yes',
    hostAddress: pci,
    address,
    label: `hostdev ${formatPciAddress(pci)}`,
  };
}

/**
 * One past the highest PCI controller index in use once libvirt has defined the guest: controllers
 * written without `index` count with the index define gives them (virDomainAssignControllerIndexes
 * in src/conf/domain_conf.c: the lowest unused, in document order). Counting only written indexes
 * gave 0 on libvirt's q35-pcie.xml (16 controllers, none with an index): a new controller there
 * would take an index define had for another and shift every bus number after it.
 */
export function nextControllerIndex(guest: Guest): number {
  let max = -1;
  for (const c of virDomainAssignControllerIndexes(guest.controllers)) if (c.index !== undefined && c.index > max) max = c.index;
  return max + 1;
}

/** The lowest free PHB target index (PAPR-PHB-4, qemuDomainAddressFindNewTargetIndex), 32 when 1-31 are all taken. */
export function nextPhbTargetIndex(guest: Guest): number {
  return qemuDomainAddressFindNewTargetIndex(guest.controllers) ?? 32;
}

/**
 * A new controller as libvirt will define it: the spec, its index (the next free one unless
 * given), a fresh key, and every default libvirt fills in (qemuDomainPCIControllerSetDefaults:
 * model name, chassis and port, chassisNr, busNr, a vPHB's target index).
 */
export function completeController(guest: Guest, spec: NewController): PciController {
  const c: PciController = {
    key: freshControllerKey(guest.controllers),
    index: spec.index ?? nextControllerIndex(guest),
    model: spec.model,
    modelName: spec.modelName,
    target: spec.target ?? {},
    address: spec.address,
  };
  return qemuDomainPCIControllerSetDefaults(c, guest.controllers, machineProfile(guest));
}

/**
 * Applies one command to a design and returns the edited design; throws CommandError when the
 * command names what the design has not. When the
 * controllers change or a device is added or removed, the controller type order follows the document export will write
 * ({@link withControllerTypeOrder}).
 */
export function applyCommand(design: Design, cmd: Command): Design {
  const next = applyOne(design, cmd);
  // only a controller edit, or a device added or removed, can change which <controller>s are written
  // (moves, the common case in placement and fixes, cost nothing here)
  if (cmd.kind === 'batch' || (next.guest.controllers === design.guest.controllers && next.guest.devices.length === design.guest.devices.length)) return next;
  const guest = withControllerTypeOrder(next, next.guest);
  return guest === next.guest ? next : { ...next, guest };
}

function applyOne(design: Design, cmd: Command): Design {
  const guest = design.guest;
  switch (cmd.kind) {
    case 'move-device': {
      const d = guest.devices.find((x) => x.key === cmd.device);
      if (!d) throw new CommandError(`no device ${cmd.device}`);
      // A new PCI address replaces whatever address element was there (spapr-vio, or one libvirt
      // cannot read); clearing an unreadable one drops it, clearing a non-PCI one keeps it.
      const replaces = cmd.address !== null || d.otherAddressType === 'pci';
      const next: GuestDevice = replaces ? { ...d, address: cmd.address ?? undefined, otherAddressType: undefined, unreadable: undefined, writtenBus: undefined } : { ...d, address: undefined, writtenBus: undefined };
      return withGuest(design, replaceDevice(guest, d.key, next));
    }
    case 'set-multifunction': {
      const d = guest.devices.find((x) => x.key === cmd.device);
      if (!d?.address) throw new CommandError(`device ${cmd.device} has no PCI address`);
      return withGuest(design, replaceDevice(guest, d.key, { ...d, address: { ...d.address, multifunction: cmd.value ?? undefined } }));
    }
    case 'add-hostdevs': {
      // Bus 0 exists whether or not its root controller is written (libvirt adds it).
      if (cmd.controller !== 0 && !guest.controllers.some((c) => c.index === cmd.controller)) throw new CommandError(`no PCI controller with index ${cmd.controller}`);
      const hostAddresses = cmd.hostAddresses.map(hostKey);
      const existing = new Set(guest.devices.map((d) => d.key));
      const moving = new Set(hostAddresses.filter((a) => existing.has(a)));
      const placed = placeHostFunctions(guest, cmd.controller, hostAddresses, moving);
      let g = guest;
      for (const [host, address] of placed) {
        if (existing.has(host)) {
          const d = g.devices.find((x) => x.key === host) as GuestDevice;
          g = replaceDevice(g, host, { ...d, address });
        } else {
          g = { ...g, devices: [...g.devices, newHostdev(host, address)] };
        }
      }
      return withGuest(design, g);
    }
    case 'move-group': {
      const group = design.host?.groups.get(cmd.group);
      if (!group) throw new CommandError(`no host IOMMU group ${cmd.group}`);
      // Bridges stay (VFIO exempts them), and so do chipset functions: never passed through (HD-VFIO-1).
      const stays = new Set([...group.members].filter((a) => design.host?.devices.get(a)?.bridge || passThroughRefusal(design.host, a) !== undefined));
      return applyCommand(design, { kind: 'add-hostdevs', hostAddresses: group.members.filter((a) => !stays.has(a)), controller: cmd.controller });
    }
    case 'remove-device':
      return withGuest(design, replaceDevice(guest, cmd.device, null));
    case 'add-controller':
      return withGuest(design, { ...guest, controllers: [...guest.controllers, completeController(guest, cmd.controller)] });
    case 'remove-controller': {
      const c = guest.controllers.find((x) => x.key === cmd.controller);
      if (!c) throw new CommandError(`no controller ${cmd.controller}`);
      if (c.implicit) throw new CommandError(`${controllerName(c, machineFamily(guest))} is the root bus libvirt adds by itself; it cannot be removed`);
      const g = replaceController(guest, c.key, null);
      return withGuest(design, soleOwner(guest, c.key, c.index) ? rehome(g, c.index, undefined) : g);
    }
    case 'update-controller': {
      const c = guest.controllers.find((x) => x.key === cmd.controller);
      if (!c) throw new CommandError(`no controller ${cmd.controller}`);
      const next: PciController = {
        ...c,
        ...(cmd.changes.index !== undefined ? { index: cmd.changes.index } : {}),
        ...(cmd.changes.target !== undefined ? { target: cmd.changes.target } : {}),
        ...(cmd.changes.address !== undefined ? { address: cmd.changes.address ?? undefined } : {}),
        // an edited implicit root is the user's now: export writes it
        implicit: undefined,
      };
      const g = replaceController(guest, c.key, next);
      const renumbered = next.index !== c.index && next.index !== undefined && soleOwner(guest, c.key, c.index);
      return withGuest(design, renumbered ? rehome(g, c.index as number, next.index) : g);
    }
    case 'batch':
      return cmd.commands.reduce(applyCommand, design);
    case 'move-devices':
      return applyMoveDevices(design, cmd);
  }
}

/**
 * A short description for undo history and fix buttons, in libvirt's words (model/names.ts). With the
 * design the command applies to, devices and controllers are named as people know them ("Remove
 * memballoon", "Move disk vda to vPHB 1 slot 0x03"); without it, by what the command holds.
 */
export function describeCommand(cmd: Command, design?: Design): string {
  const guest = design?.guest;
  const family = guest ? machineFamily(guest) : undefined;
  const device = (key: string): string => {
    const d = guest?.devices.find((x) => x.key === key);
    return d ? deviceName(d, design?.host) : key;
  };
  const bus = (index: number): string => (guest ? busName(guest.controllers, index, family) : `bus ${hexNumber(index, 2)}`);
  const controller = (key: string): string => {
    const c = guest?.controllers.find((x) => x.key === key);
    return c ? controllerName(c, family) : 'a controller';
  };
  switch (cmd.kind) {
    case 'move-device':
      return cmd.address ? `Move ${device(cmd.device)} to ${bus(cmd.address.bus)} slot ${hexNumber(cmd.address.slot, 2)}` : `Clear the address of ${device(cmd.device)}`;
    case 'add-hostdevs':
      return `Pass ${cmd.hostAddresses.join(', ')} through on ${bus(cmd.controller)}`;
    case 'move-group':
      return `Place IOMMU group ${cmd.group} on ${bus(cmd.controller)}`;
    case 'remove-device':
      return `Remove ${device(cmd.device)}`;
    case 'add-controller':
      return cmd.controller.model === 'pci-root' && family === 'pseries' ? 'Add a vPHB' : `Add a ${cmd.controller.model}`;
    case 'remove-controller':
      return `Remove ${controller(cmd.controller)}`;
    case 'update-controller':
      return `Edit ${controller(cmd.controller)}`;
    case 'set-multifunction':
      return `Set multifunction='${cmd.value ?? 'default'}' on ${device(cmd.device)}`;
    case 'batch':
      return cmd.label;
    case 'move-devices':
      return `Move ${cmd.devices.length === 1 ? device(cmd.devices[0] ?? '') : `${cmd.devices.length} devices`} to ${bus(cmd.controller)}`;
  }
}
