import type { Design } from '../model/design.ts';
import type { PciController } from '../model/guest.ts';
import { controllerName, deviceName, hexNumber } from '../model/names.ts';
import { formatPciAddress, parsePciAddress, type GuestPciAddress } from '../model/pci.ts';
import { busModel } from '../libvirt/index.ts';
import { virDomainAssignControllerIndexes } from '../libvirt/domainConf.ts';
import { machineFamily } from '../machines/index.ts';
import type { Command, NewController } from './commands.ts';
import { applyCommand, firstFreeSlot, nextControllerIndex, slotRange, usedFunctions } from './commands.ts';
import { isolatingBlock, newRootPort } from './blocks.ts';

/**
 * What a drop means (DESIGN.md §6): a host IOMMU group dropped on a bus passes the whole group
 * through there, a host function passes that one function through, a guest device moves. The same
 * targets serve a drag, the keyboard "Move to…" menu and the context menu, so each gesture makes
 * the same engine command.
 */

export type DropPayload =
  | { readonly kind: 'group'; readonly number: number }
  | { readonly kind: 'host-device'; readonly address: string }
  | { readonly kind: 'guest-device'; readonly key: string }
  /** several guest devices moved together (a multi-selection): one move or removal, one undo step */
  | { readonly kind: 'guest-devices'; readonly keys: readonly string[] };

export interface DropTarget {
  /** `c:<controller key>` (a bus), `s:<index>:<slot>` (a free slot), {@link NEW_BUS_TARGET} or {@link REMOVE_TARGET_ID} */
  readonly id: string;
  readonly command: Command;
  /** the undo label, in libvirt's words: "Move disk vda to vPHB 1" */
  readonly label: string;
  /** the bus it lands on: a controller's name, or "a new vPHB" */
  readonly where: string;
}

export const controllerTargetId = (c: Pick<PciController, 'key'>): string => `c:${c.key}`;
export const slotTargetId = (index: number, slot: number): string => `s:${index}:${slot}`;
/** The target that adds an isolating bus (a vPHB, a root port) and puts the payload on it. */
export const NEW_BUS_TARGET = 'new';
/** Dropping guest devices here takes them out of the guest (the canvas' remove zone, the host panel). */
export const REMOVE_TARGET_ID = 'remove';
export const isBusTarget = (t: Pick<DropTarget, 'id'>): boolean => t.id.startsWith('c:');

/** Buses that take endpoints (RULES.md table 1.1); upstream ports and pcie-expander-bus do not. */
export function takesEndpoints(c: PciController): boolean {
  const m = busModel(c);
  return !!m && (m.accepts.includes('pci-endpoint') || m.accepts.includes('pcie-endpoint'));
}

/** What is dragged, in words: "IOMMU group 5", "0035:03:00.0", "disk vda". */
export function payloadName(design: Design, payload: DropPayload): string {
  if (payload.kind === 'group') return `IOMMU group ${payload.number}`;
  if (payload.kind === 'host-device') return payload.address;
  if (payload.kind === 'guest-devices') {
    const known = knownDevices(design, payload.keys);
    return known.length === 1 ? payloadName(design, { kind: 'guest-device', key: known[0] as string }) : `${known.length} devices`;
  }
  const d = design.guest.devices.find((x) => x.key === payload.key);
  return d ? deviceName(d, design.host) : payload.key;
}

const at = (bus: number, slot: number): GuestPciAddress => ({ domain: 0, bus, slot, function: 0 });
const knownDevices = (design: Design, keys: readonly string[]): string[] => keys.filter((k) => design.guest.devices.some((d) => d.key === k));

/** The command that puts the payload on bus `index`, at `slot` when given (else where the engine finds room). */
function putOn(design: Design, payload: DropPayload, index: number, slot: number | undefined): Command | undefined {
  if (payload.kind === 'group') return slot === undefined ? { kind: 'move-group', group: payload.number, controller: index } : undefined;
  if (payload.kind === 'host-device') {
    const add: Command = { kind: 'add-hostdevs', hostAddresses: [payload.address], controller: index };
    if (slot === undefined) return add;
    const pci = parsePciAddress(payload.address);
    const key = pci ? formatPciAddress(pci) : payload.address;
    return { kind: 'batch', label: '', commands: [add, { kind: 'move-device', device: key, address: at(index, slot) }] };
  }
  // several devices take free slots of the bus in order (commands/moveDevices.ts): no slot of their choosing
  if (payload.kind === 'guest-devices') return slot === undefined ? { kind: 'move-devices', devices: knownDevices(design, payload.keys), controller: index } : undefined;
  const d = design.guest.devices.find((x) => x.key === payload.key);
  if (!d) return undefined;
  const s = slot ?? firstFreeSlot(design.guest, index, new Set([d.key]));
  return s === undefined ? undefined : { kind: 'move-device', device: d.key, address: at(index, s) };
}

function verb(design: Design, payload: DropPayload): string {
  const what = payloadName(design, payload);
  if (payload.kind === 'group') return `Place ${what} on`;
  if (payload.kind === 'host-device') return `Pass ${what} through on`;
  return `Move ${what} to`;
}

const labelled = (cmd: Command, label: string): Command => (cmd.kind === 'batch' ? { ...cmd, label } : cmd);

/**
 * How to put a payload on the bus of `written` (a controller as the XML has it), which define numbers
 * `index`. A device's address names its bus by the controller's index (GEN-ADDR-5), so on a
 * controller written without one the command first writes the index libvirt's define would give it
 * (virDomainAssignControllerIndexes, src/conf/domain_postparse.c): the lowest index unused in
 * document order, so writing it changes no other controller's index and the meaning stays; export
 * then changes that attribute and the payload's address only. One batch: one undo step.
 */
function onBus(design: Design, written: PciController, index: number): (payload: DropPayload, slot: number | undefined, label: string) => Command | undefined {
  if (written.index !== undefined) return (payload, slot) => putOn(design, payload, index, slot);
  const write: Command = { kind: 'update-controller', controller: written.key, changes: { index } };
  let withIndex: Design | undefined;
  return (payload, slot, label) => {
    withIndex ??= applyCommand(design, write);
    const put = putOn(withIndex, payload, index, slot);
    if (!put) return undefined;
    return { kind: 'batch', label, commands: [write, ...(put.kind === 'batch' ? put.commands : [put])] };
  };
}

/** Whether `cmd` only writes on a controller the index libvirt's define gives it anyway ({@link onBus}): no change of meaning. */
function writesAssignedIndex(design: Design, cmd: Extract<Command, { kind: 'update-controller' }>): boolean {
  const { index, ...rest } = cmd.changes;
  if (index === undefined || Object.values(rest).some((v) => v !== undefined)) return false;
  const i = design.guest.controllers.findIndex((c) => c.key === cmd.controller);
  return i >= 0 && design.guest.controllers[i]?.index === undefined && virDomainAssignControllerIndexes(design.guest.controllers)[i]?.index === index;
}

/**
 * The new isolating bus for the payload (a vPHB on pseries, a root port on pcie-root machines) as a
 * drop target: one batch that adds the bus and puts the payload on it. Undefined when the machine
 * has no such bus or no room for one.
 */
export function newBusTarget(design: Design, payload: DropPayload): DropTarget | undefined {
  const guest = design.guest;
  const block = isolatingBlock(guest);
  if (!block) return undefined;
  const index = nextControllerIndex(guest);
  let spec: NewController;
  if (block === 'vphb') spec = { model: 'pci-root', index };
  else {
    const port = newRootPort(guest, index);
    if (typeof port === 'string') return undefined;
    spec = port;
  }
  const add: Command = { kind: 'add-controller', controller: spec };
  let withBus: Design;
  try {
    withBus = applyCommand(design, add);
  } catch {
    return undefined;
  }
  const slot = payload.kind === 'group' || payload.kind === 'guest-devices' ? undefined : slotRange(withBus.guest, index).min;
  const put = putOn(withBus, payload, index, slot);
  if (!put) return undefined;
  const where = block === 'vphb' ? 'a new vPHB' : 'a new root port';
  const label = `${verb(design, payload)} ${where}`;
  return { id: NEW_BUS_TARGET, command: { kind: 'batch', label, commands: [add, put] }, label, where };
}

/**
 * Every place the payload could be dropped, in canvas order: each bus that takes endpoints, then its
 * free slots; with `newBus`, last, the new isolating bus. Judges none (see rules/evaluate.ts).
 */
export function dropTargets(design: Design, payload: DropPayload, options: { newBus?: boolean } = {}): DropTarget[] {
  const guest = design.guest;
  const family = machineFamily(guest);
  const doing = verb(design, payload);
  const out: DropTarget[] = [];
  const removal = removeTarget(design, payload);
  if (removal) out.push(removal);
  if (payload.kind === 'guest-devices' && knownDevices(design, payload.keys).length === 0) return [];
  const movingKey = payload.kind === 'guest-device' ? payload.key : undefined;
  // controllers written without `index` are targets too, by the index libvirt's define gives them
  const indexed = virDomainAssignControllerIndexes(guest.controllers);
  for (const [i, c] of indexed.entries()) {
    if (c.index === undefined || !takesEndpoints(c)) continue;
    const index = c.index;
    const where = controllerName(c, family);
    const put = onBus(design, guest.controllers[i] as PciController, index);
    // a device is not "moved" onto the bus it is on; a slot of its own bus is a re-slot
    const onIt = movingKey !== undefined && guest.devices.find((d) => d.key === movingKey)?.address?.bus === index;
    if (!onIt) {
      const label = `${doing} ${where}`;
      const cmd = put(payload, undefined, label);
      if (cmd) out.push({ id: controllerTargetId(c), command: cmd, label, where });
    }
    if (payload.kind === 'group' || payload.kind === 'guest-devices') continue;
    const m = busModel(c);
    if (!m) continue;
    const used = usedFunctions(guest, index, movingKey !== undefined ? new Set([movingKey]) : new Set());
    const usedSlots = new Set([...used].map((u) => Number(u.split('.')[0])));
    for (let s = m.minSlot; s <= m.maxSlot; s++) {
      if (usedSlots.has(s)) continue;
      const label = `${doing} ${where} slot ${hexNumber(s, 2)}`;
      const cmd = put(payload, s, label);
      if (!cmd) continue;
      out.push({ id: slotTargetId(index, s), command: labelled(cmd, label), label, where: `${where} slot ${hexNumber(s, 2)}` });
    }
  }
  if (options.newBus) {
    const t = newBusTarget(design, payload);
    if (t) out.push(t);
  }
  return out;
}

/**
 * Taking guest devices out of the guest (dragged onto the canvas' remove zone or the host panel):
 * one remove-device, or a batch for several (one undo step). Host groups and functions are not in
 * the guest, so they have none.
 */
export function removeTarget(design: Design, payload: DropPayload): DropTarget | undefined {
  const keys = payload.kind === 'guest-device' ? knownDevices(design, [payload.key]) : payload.kind === 'guest-devices' ? knownDevices(design, payload.keys) : [];
  if (keys.length === 0) return undefined;
  const label = `Remove ${payloadName(design, payload)} from the guest`;
  const removes: Command[] = keys.map((k) => ({ kind: 'remove-device', device: k }));
  const command: Command = removes.length === 1 ? (removes[0] as Command) : { kind: 'batch', label, commands: removes };
  return { id: REMOVE_TARGET_ID, command, label, where: 'out of the guest' };
}

/**
 * The device keys and IOMMU groups a command puts somewhere: what a verdict on that command is
 * about. A group brings its members (host addresses are hostdev keys); a controller edit is about
 * the controller.
 */
export function commandSubjects(design: Design, cmd: Command): { devices: Set<string>; groups: Set<number>; controllers: Set<number> } {
  const out = { devices: new Set<string>(), groups: new Set<number>(), controllers: new Set<number>() };
  const walk = (c: Command): void => {
    switch (c.kind) {
      case 'move-device':
      case 'set-multifunction':
        out.devices.add(c.device);
        return;
      case 'move-devices':
        for (const k of c.devices) out.devices.add(k);
        return;
      case 'add-hostdevs':
        for (const a of c.hostAddresses) {
          const pci = parsePciAddress(a);
          out.devices.add(pci ? formatPciAddress(pci) : a);
        }
        return;
      case 'move-group': {
        out.groups.add(c.group);
        for (const a of design.host?.groups.get(c.group)?.members ?? []) out.devices.add(a);
        return;
      }
      case 'update-controller': {
        // a verdict on a drop onto a controller without index is about the drop, as on its indexed twin
        if (writesAssignedIndex(design, c)) return;
        const ctl = design.guest.controllers.find((x) => x.key === c.controller);
        if (ctl?.index !== undefined) out.controllers.add(ctl.index);
        if (c.changes.index !== undefined) out.controllers.add(c.changes.index);
        return;
      }
      case 'batch':
        c.commands.forEach(walk);
        return;
      default:
        return;
    }
  };
  walk(cmd);
  return out;
}
