import type { FindingSubjects, Fix, Rule, RuleMeta } from './types.ts';
import type { PciController } from '../model/guest.ts';
import type { Command } from '../commands/commands.ts';
import { applyCommand } from '../commands/commands.ts';
import type { RuleContext } from './context.ts';
import { buildContext, finding, nextFreeIndex } from './context.ts';
import { globalRule } from './define.ts';
import type { PlacedRootPort } from './fixes.ts';
import { libvirtRootPort, libvirtRootPorts, rootPortCommands, writingAControllerRegrows } from './fixes.ts';
import type { Taker } from '../placement/defineTime.ts';
import type { DefinedDomain } from '../placement/defineTime.ts';
import { defineDomain, predictDefine } from '../placement/defineTime.ts';
import { busAccepts } from '../libvirt/index.ts';
import { controllersBeforeTheirBus } from '../libvirt/qemuDomainAddress.ts';
import { listNames } from '../model/names.ts';
import { addedByLibvirt, atDefine, indexesPastLimitAtDefine, placesAnything, placesControllers } from './atDefine.ts';
import { MAX_CONTROLLER_INDEX } from '../libvirt/limits.ts';
import { at, ctrl, dev, q35, rootPort, virt } from './testkit.ts';

const meta: RuleMeta = {
  id: 'Q35-HP-1',
  severity: 'warning',
  title: 'Keep an empty root port for hotplug',
  why: 'On PCIe machines a device can only be hotplugged into an empty root or downstream port, and libvirt cannot add ports to a running guest; without a spare, nothing can be hotplugged. The devices libvirt adds on its own at define time (on q35 the default USB controller unless <controller type=\'usb\' model=\'none\'/> and the virtio memballoon unless <memballoon model=\'none\'/>; neither on ARM virt) go into the first empty ports, so those are no spares.',
  source: 'libvirt docs/pci-hotplug.rst (q35); QEMU docs/pcie.txt §5; libvirt qemuDomainDefAddDefaultDevices, virDomainPCIAddressGetNextAddr; src/qemu/qemu_domain_address.c qemuDomainAssignPCIAddresses (the spare root port it adds with the ones it auto-adds); the fix packs ports as libvirt does: src/conf/domain_addr.c virDomainPCIAddressFindUnusedFunctionOnBus, VIR_PCI_CONNECT_AGGREGATE_SLOT, virDomainPCIAddressSetAllMulti',
  families: ['q35', 'virt'],
};

const isPort = (c: PciController): boolean => c.model === 'pcie-root-port' || c.model === 'pcie-switch-downstream-port';

/**
 * Is a hotpluggable port still empty once libvirt has defined the guest? The ports libvirt adds
 * count too: when it adds root ports to a design with no PCI controller of its own it adds one
 * more, kept empty (qemuDomainAssignPCIAddresses reserves a spare PCIe slot), so validate on the
 * input says what it says on the output of `place` (issue 13).
 */
function spareAfterDefine(ctx: RuleContext): boolean | undefined {
  const defined = atDefine(ctx, () => true);
  return defined && hasSpare(defined);
}

/** Has the guest as libvirt defines it an empty root or downstream port with hotplug on? */
function hasSpare(defined: DefinedDomain): boolean {
  const used = new Set<number>();
  for (const x of [...defined.guest.devices, ...defined.guest.controllers]) if (x.address) used.add(x.address.bus);
  return defined.guest.controllers.some((c) => isPort(c) && c.target.hotplug !== 'off' && c.index !== undefined && !used.has(c.index));
}

/** A device libvirt adds, as the words name it: its label without the "implicit" the model marks it with. */
const plain = (t: Taker): string => t.label.replace(/^implicit /, '');

/** The finding's words and subjects, fix aside; undefined when a port stays a spare after define. */
interface Verdict {
  readonly message: string;
  readonly subjects: FindingSubjects;
}

function judge(ctx: RuleContext): Verdict | undefined {
  const spare = spareAfterDefine(ctx);
  if (spare) return undefined;
  const ports = ctx.guest.controllers.filter(isPort);
  const empty = ports.filter((c) => {
    if (c.target.hotplug === 'off' || c.index === undefined) return false;
    const bus = ctx.busByIndex.get(c.index);
    return !bus || (bus.devices.length === 0 && bus.controllers.length === 0);
  });
  if (empty.length === 0) {
    return { message: 'No empty hotpluggable root or downstream port: nothing can be hotplugged into this guest. Add one empty pcie-root-port per device you plan to hotplug.', subjects: { controllers: ports.flatMap((c) => (c.index !== undefined ? [c.index] : [])) } };
  }
  // Only the define-time model can say the empty ports are gone at define: without it (a design it
  // cannot define), they are spares as written. When it ran (spare === false), every port written
  // empty is taken at define, so each of them has a taker below.
  if (spare === undefined) return undefined;
  // The empty ports as the XML will have them, and what libvirt puts there at define time.
  const predicted = predictDefine(ctx.guest, ctx.host, ctx.order).empty.filter((b) => b.kind === 'port');
  const implicit = predicted.flatMap((b) => b.takers.filter((t) => t.implicit).map((t) => `${plain(t)} on port ${b.index}`));
  const others = predicted.flatMap((b) => b.takers.filter((t) => !t.implicit).map((t) => `${t.label} on port ${b.index}`));
  const what = [...(implicit.length ? [`adds ${implicit.join(', ')}`] : []), ...(others.length ? [`places ${others.join(', ')}`] : [])].join(' and ');
  // the root ports libvirt adds of its own for what it places: a port written takes the place of one
  // of them (virDomainPCIAddressGetNextAddr fills a free port before virDomainPCIAddressSetGrow adds
  // one), so one port more leaves no spare; the fix counts the ports that do
  const defined = atDefine(ctx, () => true);
  const grown = defined ? defined.guest.controllers.filter((c) => c.model === 'pcie-root-port' && !defined.written.has(c.key)).length : 0;
  const advice =
    grown > 0
      ? `One more empty pcie-root-port would be taken too: libvirt also adds ${grown} root port${grown === 1 ? '' : 's'} of its own at define, and each port written takes the place of one of them; the fix adds as many as leave one empty`
      : 'Add one more empty pcie-root-port';
  return {
    message: `Every empty port will be taken at define time: libvirt ${what}, so no port is left for hotplug. ${advice}${implicit.length ? ", or write <controller type='usb' model='none'/> / <memballoon model='none'/> if the guest does without them" : ''}.`,
    subjects: { controllers: predicted.map((b) => b.index) },
  };
}

const WORDS = ['one', 'two', 'three'];

const REFUSED =
  'No fix adds a port here: libvirt or QEMU refuses this domain as libvirt defines it (what it must place finds no slot, GEN-CONNECT-1; a controller lands on a bus QEMU creates after it, GEN-IDX-4; or a controller index passes 255, GEN-IDX-1), and a port added changes none of them.';

const FULL = 'pcie-root has no free slot, nor a free function in a slot of root ports, for another root port: free one, or add a switch.';

const noRoomWords = (room: number): string =>
  room === 0 ? FULL : `Only ${room} more root port${room === 1 ? ' fits' : 's fit'} (in the free functions of the buses that take them, and in controller indexes up to 255), and libvirt would fill every port added at define (its own devices and those written without an address), so none would stay a spare.`;

const earlyWords = (c: PciController, port: number): string =>
  `No fix adds a port here: libvirt would put ${c.model} controller index ${String(c.index)}, written without an address, on the new port ${port}, which comes after it (GEN-IDX-4): renumber it or write its address first.`;

/**
 * A controller written without an address that libvirt puts on one of the new ports `added`: it
 * comes before its bus (GEN-IDX-4), since the new ports have the highest indexes, and more ports
 * change nothing (libvirt places it in the first free port).
 */
function earlyController(now: RuleContext, added: readonly number[]): PciController | undefined {
  return defineDomain(now.design.guest, now.host, now.order)?.guest.controllers.find((c) => c.address && added.includes(c.address.bus) && (c.index ?? Infinity) < c.address.bus);
}

/** The fix adding the ports `added` (`commands` write them), labelled with what libvirt puts on them at define; `now` is the design with them. */
function portsFix(now: RuleContext, added: readonly number[], commands: Command | readonly Command[]): Fix {
  if (!Array.isArray(commands)) return { label: 'Add an empty pcie-root-port', command: commands as Command };
  const taken = predictDefine(now.guest, now.host, now.order).empty.filter((b) => added.includes(b.index) && b.takers.length > 0);
  const takers = taken.flatMap((b) => b.takers);
  const own = takers.filter((t) => t.implicit).map(plain);
  const placed = takers.filter((t) => !t.implicit).map((t) => t.label);
  const who = [...(own.length ? [`libvirt's ${listNames(own)}`] : []), ...(placed.length ? [listNames(placed)] : [])];
  const label = `Add ${added.length} empty pcie-root-ports`;
  return { label: `${label} (${who.join(', and ')} ${takers.length > 1 ? 'take' : 'takes'} ${WORDS[taken.length - 1] ?? taken.length})`, command: { kind: 'batch', label, commands } };
}

/** `count` new root ports written without an address, as libvirt defines the design with them, and whether a hotpluggable port then stays empty. */
interface PortsTrial {
  readonly ports: readonly PlacedRootPort[];
  readonly defined: DefinedDomain;
  readonly spare: boolean;
}

/**
 * The fewest new root ports that leave a hotpluggable port empty once libvirt has defined the
 * guest, found with a few whole defines rather than one per port. libvirt places the ports first,
 * by index, then gives each device and controller it places the first free compatible port
 * (virDomainPCIAddressGetNextAddr from bus 0 up), adding a root port only when none is free
 * (virDomainPCIAddressSetGrow); so each port written takes the place of one libvirt adds, and the
 * count is the ports libvirt adds at define plus one (the spare). That guess is checked with
 * libvirtRootPorts (one define each: the ports written without an address, placed where libvirt
 * puts them), and the answer searched from it by halving: more ports never leave fewer empty, and
 * past pcie-root's room libvirt places none of them. Bounded by the room for root ports (at most
 * 256 controller indexes): about log2(256) = 8 defines, where adding ports one at a time ran three
 * per port (8.4 s on a q35 design of ~900 devices written without an address).
 * Returns the trial with the fewest ports, `{ room }` when no count within the room for root ports
 * (free functions of the buses that take them, controller indexes up to 255) leaves a spare (room 0:
 * not one more root port fits), or undefined when the model cannot define the design (the caller
 * then adds ports one at a time). test/q35-hp-1-counted.test.ts checks on generated designs that the
 * count clears the finding and one port fewer does not.
 */
function fewestPorts(ctx: RuleContext): PortsTrial | { readonly room: number } | undefined {
  const base = defineDomain(ctx.design.guest, ctx.host, ctx.order);
  if (!base || base.unplaced.includes('*')) return undefined;
  const first = nextFreeIndex(ctx.guest);
  const most = MAX_CONTROLLER_INDEX - first + 1;
  const trials = new Map<number, PortsTrial | undefined>();
  const at = (count: number): PortsTrial | undefined => {
    if (count > most) return undefined;
    if (trials.has(count)) return trials.get(count);
    const t = libvirtRootPorts(ctx, first, count);
    const r = t && { ports: t.ports, defined: t.defined, spare: hasSpare(t.defined) };
    trials.set(count, r);
    return r;
  };
  const spare = (count: number): boolean => at(count)?.spare === true;
  // the largest count in (fits, fitsNot) pcie-root has room for: at(fits) placed them all, at(fitsNot) did not
  const roomBetween = (fits: number, fitsNot: number): number => {
    let lo = fits;
    let hi = fitsNot;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (at(mid)) lo = mid;
      else hi = mid;
    }
    return lo;
  };
  let hi = Math.min(most, Math.max(1, base.guest.controllers.filter((c) => isPort(c) && addedByLibvirt(base, c)).length + 1));
  if (!at(hi)) {
    const room = roomBetween(0, hi);
    if (room === 0 || !spare(room)) return { room };
    hi = room;
  } else if (!spare(hi)) {
    // more for ports than counted: double until a spare, or past the room
    for (let lo = hi; ; lo = hi) {
      hi = Math.min(most + 1, lo * 2);
      if (!at(hi)) {
        const room = roomBetween(lo, hi);
        if (!spare(room)) return { room };
        hi = room;
        break;
      }
      if (spare(hi)) break;
    }
  }
  let lo = 0;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (spare(mid)) hi = mid;
    else lo = mid;
  }
  return at(hi);
}

/** New ports written, and the design with them, whose define leaves a spare. */
interface Counted {
  readonly added: readonly number[];
  readonly commands: readonly Command[];
  readonly now: RuleContext;
}

/**
 * The fewest ports that leave a spare ({@link fewestPorts}), written where libvirt puts them
 * (rootPortCommands) and judged by the same define-time model as the finding, so a fix of them
 * clears it. `{ room }` when no count fits; `{ early }` when libvirt would put a controller written
 * without an address on a new port, after it (GEN-IDX-4). Undefined when the search does not hold
 * (see fewestPorts), rootPortCommands refuses a slot libvirt puts them in (its function 0 written
 * multifunction='off'), or the finding is not cleared.
 */
function countedPorts(ctx: RuleContext): Counted | { readonly room: number } | { readonly early: PciController } | undefined {
  const found = fewestPorts(ctx);
  if (!found || 'room' in found) return found;
  const commands = rootPortCommands(ctx, found.ports, found.defined);
  if (!commands) return undefined;
  const added = found.ports.map((p) => p.index);
  const now = buildContext(applyCommand(ctx.design, { kind: 'batch', label: 'Add empty pcie-root-ports', commands }), ctx);
  const early = earlyController(now, added);
  if (early?.address) return { early };
  return judge(now) ? undefined : { added, commands, now };
}

/** The fix of `counted`: one port's command (a batch when it edits function 0 of its slot too), or the commands of several. */
function countedFix(counted: Counted): Fix {
  if (counted.added.length > 1) return portsFix(counted.now, counted.added, counted.commands);
  const step: Command = counted.commands.length === 1 ? (counted.commands[0] as Command) : { kind: 'batch', label: 'Add an empty pcie-root-port', commands: counted.commands };
  return portsFix(counted.now, counted.added, step);
}

/**
 * libvirt or QEMU refuses the domain as libvirt defines it: something the design leaves to libvirt
 * finds no slot (defineDomain's unplaced, its dry run's failure: GEN-CONNECT-1), a controller it
 * places lands on a bus at or after its own index (controllersBeforeTheirBus: GEN-IDX-4), or it
 * numbers a controller past 255 (indexesPastLimitAtDefine: GEN-IDX-1). Those errors' fixes come
 * first; a port added changes none of them (a port written takes an index as the one libvirt adds
 * in its place does).
 */
function refusedAtDefine(ctx: RuleContext): boolean {
  const defined = atDefine(ctx, placesAnything);
  return defined !== undefined && (defined.unplaced.length > 0 || defined.dryRunFailure !== undefined || controllersBeforeTheirBus(ctx.guest, defined.guest).length > 0 || indexesPastLimitAtDefine(ctx, defined).length > 0);
}

/**
 * The fix: as many empty pcie-root-ports as it takes for one to stay empty once libvirt has defined
 * the guest, each where libvirt puts a root port written without an address (a free function of a
 * slot root ports already aggregate, or the lowest wholly free slot, with multifunction='on' on
 * function 0 as libvirt writes it) with a fresh index and chassis. libvirt gives every device
 * without an address (its default USB controller and memballoon from qemuDomainDefAddDefaultDevices,
 * the devices written without one) the first free compatible slot from bus 0 up
 * (virDomainPCIAddressGetNextAddr, in qemuDomainAssignDevicePCISlots' order), so a new port stays a
 * spare only once the earlier ones are taken: the count comes from a few defines
 * ({@link countedPorts}), one port at a time only where those ports cannot be written. Every fix is
 * judged by the same define-time model as the finding, so it clears it; none is offered on a domain
 * libvirt or QEMU refuses as libvirt defines it ({@link refusedAtDefine}). Returns the fix, or why
 * none is offered (to append to the finding's words).
 */
function sparePortFix(ctx: RuleContext): { readonly fix: Fix } | { readonly why: string } {
  // A controller libvirt cannot place (GEN-CONNECT-1) would take a new port at define, and from a
  // lower index than the port's (GEN-IDX-4): that fix comes first.
  if (atDefine(ctx, placesControllers)?.unplaced.some((k) => ctx.guest.controllers.some((c) => c.key === k))) {
    return { why: 'No fix adds a port here: a controller libvirt cannot place would take it first (GEN-CONNECT-1).' };
  }
  if (writingAControllerRegrows(ctx)) return { why: 'No fix adds a port here: a controller written at a new index would change the buses libvirt adds for this design (GEN-IDX-5).' };
  // a root port plugs into pcie-root only (virDomainPCIAddressFlagsCompatible): not into the pci-root
  // of a design with the wrong root (GEN-IDX-2)
  const root = ctx.controllerByIndex.get(0);
  if (root && !busAccepts(root, 'pcie-root-port')) return { why: `No fix adds a port here: bus 0 is a ${root.model}, which takes no pcie-root-port.` };
  // libvirt or QEMU refuses the domain already (refusedAtDefine): those errors' fixes come first, in
  // every path to a fix. A root port written takes a slot or function of pcie-root, and an index, as
  // the ports libvirt adds do, so no number of them lets it place everything; trying them one by one
  // would define the whole domain per port (minutes for a thousand NICs written without an address).
  // One port is tried, for the words when a controller libvirt places would take it (GEN-IDX-4).
  if (refusedAtDefine(ctx)) {
    const port = libvirtRootPort(ctx, nextFreeIndex(ctx.guest));
    if (!port) return { why: FULL };
    const early = earlyController(buildContext(applyCommand(ctx.design, { kind: 'batch', label: 'Add an empty pcie-root-port', commands: port.commands }), ctx), [port.index]);
    return { why: early?.address ? earlyWords(early, early.address.bus) : REFUSED };
  }
  const counted = countedPorts(ctx);
  if (counted && 'room' in counted) return { why: noRoomWords(counted.room) };
  if (counted && 'early' in counted) return { why: earlyWords(counted.early, counted.early.address?.bus ?? -1) };
  if (counted) return { fix: countedFix(counted) };
  // Otherwise (a slot libvirt puts them in has its function 0 written multifunction='off'; a design
  // the model cannot define) ports are added one at a time, each where libvirt puts it, or in the
  // lowest wholly free slot when that one cannot be written (libvirtRootPort); bounded by the room
  // for root ports, three defines a port.
  const commands: Command[] = [];
  const added: number[] = [];
  let now = ctx;
  for (;;) {
    // a chassis no port has, nor takes at define, so the new port clashes with none (d10)
    const port = libvirtRootPort(now, nextFreeIndex(now.guest));
    if (!port) break;
    const step: Command = port.commands.length === 1 ? (port.commands[0] as Command) : { kind: 'batch', label: 'Add an empty pcie-root-port', commands: port.commands };
    commands.push(...port.commands);
    added.push(port.index);
    now = buildContext(applyCommand(now.design, step), now);
    const early = earlyController(now, added);
    if (early?.address) return { why: earlyWords(early, early.address.bus) };
    if (!judge(now)) return { fix: portsFix(now, added, added.length === 1 ? step : commands) };
  }
  return { why: noRoomWords(added.length) };
}

export const rule: Rule = globalRule(meta, (ctx) => {
  const verdict = judge(ctx);
  if (!verdict) return [];
  const fix = sparePortFix(ctx);
  return 'fix' in fix ? [finding(meta, verdict.message, verdict.subjects, [fix.fix])] : [finding(meta, `${verdict.message} ${fix.why}`, verdict.subjects)];
});

const noDefaults = [dev('usb', 'controller', undefined, { type: 'usb', model: 'none' }), dev('mb', 'memballoon', undefined, { model: 'none' })];

export const cases = {
  pass: [
    { name: 'one empty root port, no default devices', design: q35([rootPort(1, 1), rootPort(2, 1, 1)], [dev('vda', 'disk', at(1, 0)), ...noDefaults]) },
    { name: 'a port each for the default USB controller and memballoon, and one spare', design: q35([rootPort(1, 1), rootPort(2, 1, 1), rootPort(3, 1, 2), rootPort(4, 1, 3)], [dev('vda', 'disk', at(1, 0))]) },
    { name: 'ARM virt: libvirt adds no USB controller or memballoon, so the one empty port is a spare', design: virt([rootPort(1, 1), rootPort(2, 1, 1)], [dev('vda', 'disk', at(1, 0))]) },
    // d15, d17: with no PCI controller written, libvirt adds the root ports the devices need and one spare
    { name: 'no controller written: libvirt adds ports and keeps one empty', design: q35([], [dev('rng0', 'rng'), ...noDefaults]) },
  ],
  fail: [
    { name: 'every port used', design: q35([rootPort(1, 1)], [dev('vda', 'disk', at(1, 0))]), expect: { controllers: [1] } },
    // d09: no add-port fix while a pcie-to-pci-bridge waits for a port (it would take it, from a lower index)
    // d10: the one empty port goes to a device the design leaves to libvirt
    { name: 'the one empty port goes to a device libvirt places', design: q35([ctrl('pcie-root-port', 1)], [dev('rng0', 'rng'), ...noDefaults]), expect: { controllers: [1] } },
    { name: 'a controller written: libvirt adds the ports the devices need, and no spare', design: q35([rootPort(1, 1)], [dev('vda', 'disk', at(1, 0)), dev('rng0', 'rng'), ...noDefaults]), expect: { controllers: [1] } },
    { name: 'every port used and a bridge waiting for one', design: q35([rootPort(1, 1), ctrl('pcie-to-pci-bridge', 2)], [dev('vda', 'disk', at(1, 0)), ...noDefaults]), expect: { controllers: [1] } },
    { name: 'the one empty port goes to the default USB controller', design: q35([rootPort(1, 1), rootPort(2, 1, 1)], [dev('vda', 'disk', at(1, 0)), dev('mb', 'memballoon', undefined, { model: 'none' })]), expect: { controllers: [2] } },
    { name: 'the two empty ports go to the default USB controller and memballoon', design: q35([rootPort(1, 1), rootPort(2, 1, 1), rootPort(3, 1, 2)], [dev('vda', 'disk', at(1, 0))]), expect: { controllers: [2, 3] } },
    // no whole slot of pcie-root free (integrated disks in 2-0x1e): the fix's ports go into the free
    // functions of the root ports' slot 1, where libvirt packs them
    {
      name: 'every port used and no whole slot free',
      design: q35([rootPort(1, 1), rootPort(2, 1, 1)], [dev('vda', 'disk', at(1, 0)), dev('vdb', 'disk', at(2, 0)), ...Array.from({ length: 29 }, (_, i) => dev(`i${i + 2}`, 'disk', at(0, i + 2))), ...noDefaults]),
      expect: { controllers: [1, 2] },
    },
  ],
};
