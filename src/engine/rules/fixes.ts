import type { Command, NewController } from '../commands/commands.ts';
import { applyCommand, CommandError } from '../commands/commands.ts';
import type { GuestDevice, PciController } from '../model/guest.ts';
import { isPhb } from '../model/guest.ts';
import { guestCellForHostNode } from '../model/numa.ts';
import { busAccepts, busModel, controllerConnectType } from '../libvirt/index.ts';
import { qemuDomainDefaultPCIBusModel, qemuDomainPCIAddressOnBus } from '../libvirt/qemuDomainAddress.ts';
import { virDomainPCIControllerModelToConnectType } from '../libvirt/domainAddr.ts';
import type { Bus, RuleContext } from './context.ts';
import { nextFreeIndex } from './context.ts';
import type { Finding, Fix, Rule, RuleMeta } from './types.ts';
import { hexNumber } from '../model/names.ts';
import type { GuestPciAddress } from '../model/pci.ts';
import type { DefinedDomain } from '../placement/defineTime.ts';
import { defineDomain } from '../placement/defineTime.ts';

/**
 * Fix builders: each returns engine commands (commands.ts) so a fix is an ordinary edit for undo,
 * the UI and `validate --fix`. A fix that moves something searches the whole design (issue 13): the
 * same bus first, then any other bus of the kind libvirt would use for it, then a bus it adds.
 * Rules whose fixes look beyond one bus are whole-design rules, so the incremental validator never
 * serves a fix computed before another bus changed.
 */

/** How a finding names a device until model/names.ts lands: its label, with the alias when it has one. */
export function deviceName(d: GuestDevice): string {
  return d.alias && !d.label.includes(d.alias) ? `${d.label} (${d.alias})` : d.label;
}

/** Does the command apply to the design (no CommandError)? For fixes whose room is not obvious. */
export function feasible(ctx: RuleContext, command: Command): boolean {
  try {
    applyCommand(ctx.design, command);
    return true;
  } catch (e) {
    if (e instanceof CommandError) return false;
    throw e;
  }
}

const isPrimaryVideo = (ctx: RuleContext, d: GuestDevice): boolean => d === ctx.guest.devices.find((x) => x.element === 'video') && d.model !== 'none' && d.model !== 'ramfb';

/**
 * Slots of bus `index` libvirt keeps for itself, which a fix must not take. Slot 0 of a root bus is
 * never assignable (virDeviceInfoPCIAddressIsWanted reads 00:00.0 as "no address"). q35: ICH9 at
 * 00:1f (LPC, SATA, SMBus) and 00:01 for a primary video with no address
 * (qemuDomainValidateDevicePCISlotsQ35). i440fx: PIIX3 at 00:01 and 00:02 for a primary video with
 * no address (qemuDomainValidateDevicePCISlotsPIIX3). To be replaced by the machine profiles'
 * chipset built-ins (src/engine/machines/) once they exist.
 */
export function reservedSlots(ctx: RuleContext, index: number): Set<number> {
  const out = new Set<number>();
  if (index !== 0) return out;
  out.add(0);
  const video = ctx.guest.devices.find((d) => d.element === 'video');
  const videoWantsSlot = video !== undefined && !video.address && isPrimaryVideo(ctx, video) && ctx.takesPci(video);
  if (ctx.family === 'q35') {
    out.add(0x1f);
    if (videoWantsSlot) out.add(1);
  } else if (ctx.family === 'i440fx') {
    out.add(1);
    if (videoWantsSlot) out.add(2);
  }
  return out;
}

/** Slots of bus `index` with any function taken by something not in `ignore`. */
function takenSlots(ctx: RuleContext, index: number, ignore: ReadonlySet<string>): Set<number> {
  const out = reservedSlots(ctx, index);
  const bus = ctx.busByIndex.get(index);
  for (const d of bus?.devices ?? []) if (d.address && !ignore.has(d.key)) out.add(d.address.slot);
  for (const c of bus?.controllers ?? []) if (c.address) out.add(c.address.slot);
  return out;
}

/** The lowest slot of bus `index` that is wholly free and not libvirt's, within the bus model's range; none on a port that holds libvirt's own bridge. */
export function freeSlotOn(ctx: RuleContext, index: number, ignore: ReadonlySet<string> = new Set()): number | undefined {
  // the root port libvirt adds for its pcie-to-pci-bridge takes nothing else (GEN-CONNECT-3)
  if (ctx.bridgeHolders.has(index)) return undefined;
  const c = ctx.controllerByIndex.get(index);
  const model = c ? busModel(c) : undefined;
  if (!model) return undefined;
  const taken = takenSlots(ctx, index, ignore);
  for (let s = model.minSlot; s <= model.maxSlot; s++) if (!taken.has(s)) return s;
  return undefined;
}

/** A chassis number no root or downstream port uses (Q35-RP-3), preferring `want` (libvirt's default: the index). */
function freeChassis(ctx: RuleContext, want: number): number {
  return freeChassisFor(ctx, [want])[0] ?? want;
}

/**
 * Would a controller written at a new index change what libvirt adds for the buses the XML names?
 * qemuDomainPCIAddressSetCreate() fills every index below the highest written one with the default
 * model (GEN-IDX-5), so the pcie-to-pci-bridge (and the root port holding it) or the pci-bridges that
 * virDomainPCIAddressSetGrow() adds for a conventional device on a missing bus would become root
 * ports, and the devices written there would land on a port (Q35-RP-4). Such a design gets no fix
 * that adds a controller.
 */
export function writingAControllerRegrows(ctx: RuleContext): boolean {
  if (ctx.bridgeHolders.size > 0) return true;
  const model = qemuDomainDefaultPCIBusModel(ctx.guest, ctx.machine);
  return ctx.guest.controllers.some((c) => c.implicit && c.index !== 0 && c.model !== model);
}

/** A new root port on pcie-root at a free slot, as a command, and its index; undefined when pcie-root is full, or when writing it changes the buses libvirt adds ({@link writingAControllerRegrows}). */
export function newRootPort(ctx: RuleContext, index: number, parent = 0): { command: Command; index: number } | undefined {
  if (writingAControllerRegrows(ctx)) return undefined;
  const slot = freeSlotOn(ctx, parent);
  if (slot === undefined) return undefined;
  const controller: NewController = { model: 'pcie-root-port', index, target: { chassis: freeChassis(ctx, index), port: slot * 8 }, address: { domain: 0, bus: parent, slot, function: 0 } };
  return { command: { kind: 'add-controller', controller }, index };
}

/** Chassis numbers no root or downstream port uses (Q35-RP-3), one per index, each its index when free (libvirt's default). */
function freeChassisFor(ctx: RuleContext, indexes: readonly number[]): number[] {
  const used = new Set<number>();
  for (const c of ctx.guest.controllers) {
    if (c.model !== 'pcie-root-port' && c.model !== 'pcie-switch-downstream-port') continue;
    const ch = c.target.chassis ?? c.index;
    if (ch !== undefined) used.add(ch);
  }
  return indexes.map((want) => {
    const ch = used.has(want) ? (lowestFree(used, 1, 255) ?? want) : want;
    used.add(ch);
    return ch;
  });
}

/** A new pcie-root-port and where libvirt puts it: {@link libvirtRootPorts}. */
export interface PlacedRootPort {
  readonly index: number;
  readonly chassis: number;
  readonly address: GuestPciAddress;
}

/**
 * `count` new pcie-root-ports (indexes `first`, `first` + 1, …) where libvirt puts root ports
 * written without an address, found in one run of the define-time model on the design with them
 * added unaddressed: PCI controllers are placed first, by index (qemuDomainAssignDevicePCISlots),
 * each in the lowest slot of the first compatible bus that is wholly free or is an aggregate slot
 * with a free function, the lowest free function (virDomainPCIAddressReserveNextAddr with function
 * -1, virDomainPCIAddressFindUnusedFunctionOnBus; a root port's connect flags carry
 * VIR_PCI_CONNECT_AGGREGATE_SLOT, and a slot is aggregate when a root port took its first function:
 * virDomainPCIAddressReserveAddrInternal), so ports pack 8 a slot as libvirt packs them. Returns
 * the ports with the chassis they get (free ones, their index when it is: Q35-RP-3) and the domain
 * as libvirt defines it with them; undefined when writing a controller regrows the buses
 * ({@link writingAControllerRegrows}), when the model cannot define the design, or when libvirt
 * finds no place for them all (it never adds a bus for a root port: virDomainPCIAddressSetGrow).
 */
export function libvirtRootPorts(ctx: RuleContext, first: number, count: number): { readonly ports: readonly PlacedRootPort[]; readonly defined: DefinedDomain } | undefined {
  if (writingAControllerRegrows(ctx)) return undefined;
  const indexes = Array.from({ length: count }, (_, i) => first + i);
  const chassis = freeChassisFor(ctx, indexes);
  const trial = indexes.reduce((d, index, i) => applyCommand(d, { kind: 'add-controller', controller: { model: 'pcie-root-port', index, target: { chassis: chassis[i] } } }), ctx.design);
  const defined = defineDomain(trial.guest, ctx.host, ctx.order);
  if (!defined || defined.unplaced.includes('*')) return undefined;
  const ports: PlacedRootPort[] = [];
  for (const [i, index] of indexes.entries()) {
    const address = defined.guest.controllers.find((c) => c.index === index && c.model === 'pcie-root-port')?.address;
    if (!address) return undefined;
    ports.push({ index, chassis: chassis[i] as number, address });
  }
  return { ports, defined };
}

/**
 * The commands that write `ports` ({@link libvirtRootPorts}) into the design: each port at its
 * address with libvirt's target defaults (port = slot * 8 + function: qemuDomainPCIControllerSetDefaults)
 * and, in a slot that then holds more than one function, multifunction='on' on its function 0 as
 * virDomainPCIAddressSetAllMulti writes it (on a new port, or by editing what the design has there).
 * Undefined when a slot's function 0 is written multifunction='off' (QEMU refuses the port beside
 * it: "single function device can't be populated"), or is empty as written, which would leave the
 * written slot without function 0 (GEN-MF-3) — unless `defined`, the guest as libvirt defines it
 * with the ports, has something there: a root port written without an address, which libvirt puts
 * in the first free function of a slot root ports aggregate (virDomainPCIAddressFindUnusedFunctionOnBus),
 * function 0 of a slot whose other functions are written; GEN-MF-3 takes such a slot as libvirt
 * defines it, and so does the design as written before the ports.
 */
export function rootPortCommands(ctx: RuleContext, ports: readonly PlacedRootPort[], defined?: DefinedDomain): Command[] | undefined {
  const slotOf = (a: GuestPciAddress): string => `${a.domain}:${a.bus}:${a.slot}`;
  const written = [...ctx.guest.devices, ...ctx.guest.controllers].filter((x) => x.address);
  const functions = new Map<string, number>();
  for (const a of [...written.map((x) => x.address as GuestPciAddress), ...ports.map((p) => p.address)]) functions.set(slotOf(a), (functions.get(slotOf(a)) ?? 0) + 1);
  const commands: Command[] = [];
  const edited = new Set<string>();
  for (const p of ports) {
    const a = p.address;
    const shared = (functions.get(slotOf(a)) ?? 0) > 1;
    const atZero = written.find((x) => x.address && slotOf(x.address) === slotOf(a) && x.address.function === 0);
    const newAtZero = ports.some((q) => slotOf(q.address) === slotOf(a) && q.address.function === 0);
    if (atZero?.address?.multifunction === 'off' || (!atZero && !newAtZero && !filledAtDefine(defined, a))) return undefined;
    const address: GuestPciAddress = { domain: a.domain, bus: a.bus, slot: a.slot, function: a.function, ...(shared && a.function === 0 ? { multifunction: 'on' as const } : {}) };
    commands.push({ kind: 'add-controller', controller: { model: 'pcie-root-port', index: p.index, target: { chassis: p.chassis, port: a.slot * 8 + a.function }, address } });
    if (atZero?.address && atZero.address.multifunction === undefined && shared && !edited.has(atZero.key)) {
      edited.add(atZero.key);
      const on: GuestPciAddress = { ...atZero.address, multifunction: 'on' };
      commands.push('element' in atZero ? { kind: 'set-multifunction', device: atZero.key, value: 'on' } : { kind: 'update-controller', controller: atZero.key, changes: { address: on } });
    }
  }
  return commands;
}

/** Has `defined` a function 0 in the slot of `a` (something libvirt places there at define)? */
function filledAtDefine(defined: DefinedDomain | undefined, a: GuestPciAddress): boolean {
  return defined !== undefined && [...defined.guest.controllers, ...defined.guest.devices].some((x) => x.address?.bus === a.bus && x.address.slot === a.slot && x.address.function === 0 && x.address.domain === a.domain);
}

/**
 * One new pcie-root-port where libvirt puts it ({@link libvirtRootPorts}, {@link rootPortCommands}).
 * When those give none (function 0 of its slot written multifunction='off' or filled only at
 * define, or a design the model cannot define: a bus libvirt refuses, a limit passed) the port goes
 * to a wholly free slot of pcie-root ({@link newRootPort}). Undefined when libvirt finds no place
 * for it, or when writing a controller regrows the buses ({@link writingAControllerRegrows}).
 */
export function libvirtRootPort(ctx: RuleContext, index: number): { commands: Command[]; index: number } | undefined {
  if (writingAControllerRegrows(ctx)) return undefined;
  const asSlot = (): { commands: Command[]; index: number } | undefined => {
    const port = newRootPort(ctx, index);
    return port && { commands: [port.command], index };
  };
  // a design the define-time model cannot define says nothing of where libvirt would put the port
  const base = defineDomain(ctx.design.guest, ctx.host, ctx.order);
  if (!base || base.unplaced.includes('*')) return asSlot();
  const placed = libvirtRootPorts(ctx, index, 1);
  if (!placed) return undefined;
  const commands = rootPortCommands(ctx, placed.ports, placed.defined);
  return commands ? { commands, index } : asSlot();
}

/**
 * One new pcie-root-port on bus `parent`, a bus the fix chose (a pcie-expander-bus of a NUMA cell),
 * where libvirt's search on that bus puts a root port ({@link qemuDomainPCIAddressOnBus}: a free
 * function of a slot root ports aggregate before a wholly free slot, as {@link libvirtRootPort} does
 * on pcie-root), written by {@link rootPortCommands}. When those refuse the slot (its function 0
 * written multifunction='off'), a wholly free slot of the bus ({@link newRootPort}). Undefined when
 * the bus has no room, or when writing a controller regrows the buses ({@link writingAControllerRegrows}).
 */
export function libvirtRootPortOn(ctx: RuleContext, index: number, parent: number): { commands: Command[]; index: number } | undefined {
  if (writingAControllerRegrows(ctx)) return undefined;
  const address = qemuDomainPCIAddressOnBus(ctx.guest, ctx.machine, ctx.host, parent, virDomainPCIControllerModelToConnectType('pcie-root-port'));
  if (!address) return undefined;
  const commands = rootPortCommands(ctx, [{ index, chassis: freeChassis(ctx, index), address }]);
  if (commands) return { commands, index };
  const port = newRootPort(ctx, index, parent);
  return port && { commands: [port.command], index };
}

/**
 * Where each device lands in the target slot: a lone device at function 0; several keep their
 * functions (or those `functions` gives), with multifunction='on' on function 0.
 */
function moveAll(devices: readonly GuestDevice[], bus: number, slot: number, functions?: ReadonlyMap<string, number>): Command[] {
  return devices.map((d) => {
    const fn = devices.length === 1 ? 0 : (functions?.get(d.key) ?? d.address?.function ?? 0);
    const multifunction = devices.length > 1 && fn === 0 ? 'on' : undefined;
    return { kind: 'move-device' as const, device: d.key, address: { domain: 0, bus, slot, function: fn, ...(multifunction ? { multifunction } : {}) } };
  });
}

function names(devices: readonly GuestDevice[]): string {
  return devices.map(deviceName).join(' and ');
}

/** Does bus `c` take these devices the way libvirt would place them itself (exact connect type, auto-assignable)? */
function takes(ctx: RuleContext, c: PciController, devices: readonly GuestDevice[]): boolean {
  const model = busModel(c);
  if (!model || !model.autoAssign) return false;
  return devices.every((d) => model.accepts.includes(ctx.endpointType(d)));
}

export interface RelocateOptions {
  /** look only beyond the devices' own bus */
  readonly leaveBus?: boolean;
  /** the function each device gets in the target slot (default: the one it has) */
  readonly functions?: ReadonlyMap<string, number>;
  /** what the fix label says it does, e.g. "Put … together" (default "Move …") */
  readonly verb?: string;
}

/**
 * Moves `devices` (one device, or functions that share a slot) to a free slot anywhere they fit:
 * their own bus first (unless `leaveBus`), then another bus that takes them the way libvirt would
 * place them (on pseries only under the same vPHB, so isolation stays as it was), then a bus the
 * fix adds (a root port, with a pcie-to-pci-bridge for conventional PCI, on q35/virt; a vPHB on
 * pseries for emulated devices). Never behind a device another address claims.
 */
export function relocateFix(ctx: RuleContext, devices: readonly GuestDevice[], opts: RelocateOptions = {}): Fix | undefined {
  if (devices.length === 0) return undefined;
  const from = devices.find((d) => d.address)?.address;
  const ignore = new Set(devices.map((d) => d.key));
  const what = names(devices);
  const verb = opts.verb ?? 'Move';
  const fix = (label: string, commands: readonly Command[]): Fix => ({ label: `${verb} ${what} ${label}`, command: batch(`${verb} ${what}`, commands) });
  if (from && !opts.leaveBus) {
    const slot = freeSlotOn(ctx, from.bus, ignore);
    if (slot !== undefined && (slot !== from.slot || devices.length > 1)) return fix(`to slot ${hexNumber(slot, 2)} of bus ${hexNumber(from.bus, 2)}`, moveAll(devices, from.bus, slot, opts.functions));
  }
  const root = from ? ctx.rootOf(from.bus) : undefined;
  const hostdevs = devices.some((d) => ctx.hostdevs.includes(d));
  const candidates = ctx.guest.controllers
    .filter((c): c is PciController & { index: number } => c.index !== undefined && c.index !== from?.bus && takes(ctx, c, devices))
    .filter((c) => ctx.family !== 'pseries' || (from ? ctx.rootOf(c.index) === root : !hostdevs))
    .sort((a, b) => a.index - b.index);
  for (const c of candidates) {
    const slot = freeSlotOn(ctx, c.index, ignore);
    if (slot === undefined) continue;
    return fix(busModel(c)?.maxSlot === 0 ? `to the empty ${c.model} ${c.index}` : `to slot ${hexNumber(slot, 2)} of ${c.model} ${c.index}`, moveAll(devices, c.index, slot, opts.functions));
  }
  const index = nextFreeIndex(ctx.guest);
  const pci = devices.some((d) => ctx.endpointType(d) === 'pci-endpoint');
  if (ctx.pcieRoot) {
    const port = newRootPort(ctx, index);
    if (!port) return undefined;
    if (!pci) return fix(`to a new pcie-root-port (index ${index})`, [port.command, ...moveAll(devices, index, 0, opts.functions)]);
    const bridge: Command = { kind: 'add-controller', controller: { model: 'pcie-to-pci-bridge', index: index + 1, address: { domain: 0, bus: index, slot: 0, function: 0 } } };
    return fix(`to a new pcie-to-pci-bridge (index ${index + 1}) on a new pcie-root-port`, [port.command, bridge, ...moveAll(devices, index + 1, 1, opts.functions)]);
  }
  if (ctx.family === 'pseries') {
    if (hostdevs) return undefined;
    return fix(`to a new vPHB (controller ${index})`, [{ kind: 'add-controller', controller: { model: 'pci-root', index } }, ...moveAll(devices, index, 1, opts.functions)]);
  }
  // i440fx and the rest: a bridge would need the free slot of bus 0 that the search above found first.
  return undefined;
}

function batch(label: string, commands: readonly Command[]): Command {
  return commands.length === 1 ? (commands[0] as Command) : { kind: 'batch', label, commands };
}

/**
 * Move a device to a free slot of its own bus, for per-bus rules on pseries (whose fix must stay on
 * the vPHB, and whose reserved slots depend on nothing outside the bus).
 */
export function sameBusFix(ctx: RuleContext, d: GuestDevice): Fix | undefined {
  if (!d.address) return undefined;
  const slot = freeSlotOn(ctx, d.address.bus, new Set([d.key]));
  if (slot === undefined || slot === d.address.slot) return undefined;
  return { label: `Move ${deviceName(d)} to slot ${hexNumber(slot, 2)} of bus ${hexNumber(d.address.bus, 2)}`, command: { kind: 'move-device', device: d.key, address: { domain: 0, bus: d.address.bus, slot, function: 0 } } };
}

/** Move a device to a free slot: its own bus first, then anywhere it fits (see {@link relocateFix}). */
export function freeSlotFix(ctx: RuleContext, d: GuestDevice): Fix | undefined {
  return relocateFix(ctx, [d]);
}

/** A non-default PHB with nothing on its bus: what libvirt's auto-placement would give a new group. */
export function emptyPhb(ctx: RuleContext): number | undefined {
  return emptyPhbs(ctx)[0];
}

export function emptyPhbs(ctx: RuleContext): number[] {
  const out: number[] = [];
  for (const c of ctx.guest.controllers) {
    if (!isPhb(c) || c.index === undefined || c.index === 0) continue;
    const bus = ctx.busByIndex.get(c.index);
    if (!bus || (bus.devices.length === 0 && bus.controllers.length === 0)) out.push(c.index);
  }
  return out;
}

/** Put a host IOMMU group (or, without a host, these hostdevs) on an empty vPHB, adding one when none is free. */
export function isolateFix(ctx: RuleContext, group: number | undefined, devices: readonly GuestDevice[]): Fix {
  const target = emptyPhb(ctx);
  // move-group leaves bridges and chipset functions on the host (passableMembers).
  const place = (controller: number): Command =>
    group !== undefined && ctx.host?.groups.has(group) ? { kind: 'move-group', group, controller } : { kind: 'add-hostdevs', hostAddresses: devices.map((d) => d.key), controller };
  const what = group !== undefined ? `IOMMU group ${group}` : devices.map((d) => deviceName(d)).join(', ');
  if (target !== undefined) return { label: `Move ${what} to the empty vPHB (controller ${target})`, command: place(target) };
  const index = nextFreeIndex(ctx.guest);
  // The new vPHB carries the guest NUMA cell of the group's host node, as pe-per-phb placement does
  // (PAPR-NUMA-4): isolating a group must not cost it its NUMA locality.
  const hostNode = devices.map((d) => ctx.hostDevice(d)?.numaNode).find((n) => n !== undefined);
  const node = guestCellForHostNode(ctx.guest, ctx.host, hostNode);
  const controller = { model: 'pci-root', index, ...(node !== undefined ? { target: { node } } : {}) };
  return {
    label: `Move ${what} to a new vPHB (controller ${index}${node !== undefined ? `, NUMA cell ${node}` : ''})`,
    command: { kind: 'batch', label: `Move ${what} to a new vPHB`, commands: [{ kind: 'add-controller', controller }, place(index)] },
  };
}

/** Lowest value in [min, max] not in `used`. */
export function lowestFree(used: ReadonlySet<number>, min: number, max: number): number | undefined {
  for (let n = min; n <= max; n++) if (!used.has(n)) return n;
  return undefined;
}

export function setTargetFix(c: PciController, label: string, target: PciController['target']): Fix {
  return { label, command: { kind: 'update-controller', controller: c.key, changes: { target } } };
}

/**
 * A rule that judges one bus at a time but whose fixes search the whole design: run over every bus
 * on each validation, never cached per bus (createValidator caches only rules with `checkBus`), so
 * a fix never points at a slot another edit has taken since.
 */
export function everyBusRule(meta: RuleMeta, checkBus: (ctx: RuleContext, bus: Bus) => Finding[], checkOffBus?: (ctx: RuleContext) => Finding[]): Rule {
  return { meta, check: (ctx) => [...ctx.buses.flatMap((b) => checkBus(ctx, b)), ...(checkOffBus?.(ctx) ?? [])] };
}

/**
 * Can libvirt place controller `c` itself once its address is dropped? It places a controller on a
 * bus that accepts its connect type exactly (virDomainPCIAddressFlagsCompatible) and adds buses
 * only for endpoints and pci-bridges (virDomainPCIAddressSetGrow). The parent must come before it
 * in index order, since libvirt assigns in that order and a bus created later is not there yet
 * (QEMU: "Bus not found").
 */
export function libvirtPlaces(ctx: RuleContext, c: PciController): boolean {
  const type = controllerConnectType(c);
  if (!type || c.index === undefined) return false;
  if (type === 'pci-bridge') return true;
  if ((type === 'pcie-root-port' || type === 'dmi-to-pci-bridge' || type === 'pcie-expander-bus') && ctx.pcieRoot) return true;
  return ctx.guest.controllers.some((p) => p !== c && p.index !== undefined && p.index < (c.index as number) && busAccepts(p, type));
}

/**
 * Fixes for a controller whose own address is wrong (GEN-IDX-4, GEN-CONNECT-3): drop the address
 * when libvirt can place it, and, when `renumber` and it does not sit on its own bus, give it an
 * index above every other (libvirt's rule: a controller's index is larger than its bus).
 */
export function controllerAddressFixes(ctx: RuleContext, c: PciController, opts: { renumber?: boolean } = {}): Fix[] {
  const out: Fix[] = [];
  const name = `${c.model} controller index ${c.index}`;
  if (libvirtPlaces(ctx, c)) out.push({ label: `Drop the address of ${name} (libvirt places it)`, command: { kind: 'update-controller', controller: c.key, changes: { address: null } } });
  if (opts.renumber && c.address && c.index !== undefined && c.address.bus !== c.index) {
    const index = nextFreeIndex(ctx.guest);
    out.push({ label: `Renumber ${name} to index ${index}`, command: { kind: 'update-controller', controller: c.key, changes: { index } } });
  }
  return out;
}

/** Remove a controller the machine cannot use; what sat on it loses its address and libvirt places it again. */
export function removeControllerFix(c: PciController, why = 'this machine cannot use it'): Fix[] {
  if (c.implicit) return [];
  return [{ label: `Remove ${c.model} controller index ${c.index ?? '(none)'}: ${why}`, command: { kind: 'remove-controller', controller: c.key } }];
}
