import type { Design } from '../model/design.ts';
import type { Guest, PciController } from '../model/guest.ts';
import type { Host } from '../model/host.ts';
import { virDomainControllerDefParseXMLError } from '../libvirt/controllerParse.ts';
import { implicitDiskControllersMessage, virDomainAssignControllerIndexes, virDomainDefImplicitDiskControllersBeyond, virDomainDefParseXMLUnreadableError, virDomainDefPostParse, virDomainDefRejectDuplicateControllersError } from '../libvirt/domainConf.ts';
import type { LibvirtMachine } from '../libvirt/qemuDomain.ts';
import { qemuDomainDefAddDefaultDevicesRootError } from '../libvirt/qemuDomain.ts';
import { qemuValidateDomainDeviceDefControllerPCIRootIndexError } from '../libvirt/qemuValidate.ts';
import type { AssignResult } from '../libvirt/qemuDomainAddress.ts';
import { PlacementFailure, isRootModel } from '../libvirt/domainAddr.ts';
import { controllersBeforeTheirBus, libvirtControllerOrder, qemuDomainAssignPCIAddresses, qemuDomainPCIAddressSetCollect, qemuDomainValidateDevicePCISlotsChipsetsError } from '../libvirt/qemuDomainAddress.ts';
import { defineDomain } from './defineTime.ts';
import { machineProfile, unplacedMachineNote } from '../machines/index.ts';
import { offCellHostdevs, placePePerPhb } from './pePerPhb.ts';
import { beyondLibvirtLimits } from '../libvirt/limits.ts';
import { withFreeChassis, withFreeTargetIndex, withoutControllersPastIndexLimit, withoutPhbsPastTargetRange, withoutRefusedAddresses } from './finish.ts';

export type PlacementPolicy = 'libvirt' | 'pe-per-phb';

export interface PlaceOptions {
  readonly policy: PlacementPolicy;
  /** spare empty vPHBs (pseries) or root ports (q35/virt), pe-per-phb only */
  readonly spare?: number | undefined;
  /** re-place even devices the user addressed */
  readonly replaceAll?: boolean | undefined;
  /**
   * model libvirt's implicit devices (default USB, memballoon, q35 SATA, virtio-serial) so that
   * their slots and ports are kept for them and spares stay empty; default true
   */
  readonly implicitDevices?: boolean | undefined;
  /**
   * the libvirt release to place like ("9.0", "10.7.0"), `libvirt` policy only: where releases differ
   * (libvirt/qemuDomainAddress.ts libvirtControllerOrder). Default: as libvirt 10.7 does.
   */
  readonly libvirtVersion?: string | undefined;
}

export interface PlaceReport {
  readonly design: Design;
  /** what placement could not do as asked ("only 28 spare vPHBs fit (target index max 30)"), for people */
  readonly notes: readonly string[];
}

/**
 * Auto-placement: returns a new design whose guest has every PCI-addressable device addressed
 * and the controllers it needs. Pure. Devices the user addressed never move unless `replaceAll`.
 * Machines without a PCI topology we model come back unchanged.
 */
export function place(design: Design, opts: PlaceOptions): Design {
  return placeWithReport(design, opts).design;
}

/**
 * {@link place}, plus notes on what could not be done as asked (spares that do not fit or that
 * libvirt will take, devices without a slot). Never throws: a design beyond libvirt's limits
 * (libvirt/limits.ts), or one libvirt refuses whatever is placed (a controller index it cannot
 * parse, index 0 not the machine's root, an index used twice: {@link refusedBeforePlacement}; a device at
 * a chipset's fixed function; a PCI controller no bus takes when place would add a bus: {@link addsBusAfter}), comes back
 * unchanged with a note saying why, checked before any work, and so does one that placement
 * cannot handle. So does one libvirt refuses for want of a slot when what a policy would write,
 * defined again, is refused another way ({@link refusedOtherwise}).
 */
export function placeWithReport(design: Design, opts: PlaceOptions): PlaceReport {
  try {
    const machine = machineProfile(design.guest);
    const beyond = machine.placeable ? beyondLibvirtLimits(design.guest, machine.family, 3).map((p) => p.message) : [];
    const disks = machine.placeable ? virDomainDefImplicitDiskControllersBeyond(design.guest) : undefined;
    if (disks) beyond.push(implicitDiskControllersMessage(disks));
    if (beyond.length > 0) {
      return { design, notes: [`nothing was placed: ${beyond.join('; ')}; libvirt refuses such a domain (see validate)`] };
    }
    const refused = machine.placeable ? refusedBeforePlacement(design.guest, machine) : undefined;
    if (refused !== undefined) {
      return { design, notes: [`nothing was placed: libvirt refuses such a domain whatever is placed ("${refused}"; see validate)`] };
    }
    return placeWithin(design, opts);
  } catch (e) {
    // libvirt's own refusal, met while its address assignment is modelled (domainAddr.ts: virDomainPCIAddressSetGrow,
    // qemuDomainCollectPCIAddress): libvirt refuses the domain, whatever is placed
    if (e instanceof PlacementFailure) return { design, notes: [`nothing was placed: libvirt refuses such a domain whatever is placed ("${e.message}"; see validate)`] };
    return { design, notes: [`nothing was placed: placement failed on this design (${e instanceof Error ? e.message : String(e)}); please report it with the domain XML`] };
  }
}

/**
 * Why libvirt refuses the domain whatever placement writes, mostly before its address assignment runs:
 * a controller model its type has not, a controller index (of any type) or any other written number
 * it cannot parse (virDomainControllerDefParseXML,
 * virPCIDeviceAddressParseXML: place must not write a value of its own over it), index 0 not the machine's
 * root (qemuDomainDefAddDefaultDevices), or two PCI controllers with one index
 * (virDomainDefRejectDuplicateControllers); or, once addresses are assigned but whatever they are,
 * a root bus away from index 0 (qemuValidateDomainDeviceDefControllerPCI). A placement onto such
 * a domain follows nothing libvirt does: it would put devices on a "bus 0" libvirt never builds
 * (q35-wrong-root), or derive a pci-bridge's chassisNr from an index of -1.
 */
function refusedBeforePlacement(guest: Guest, machine: LibvirtMachine): string | undefined {
  const parse = virDomainControllerDefParseXMLError(guest) ?? virDomainDefParseXMLUnreadableError(guest);
  if (parse !== undefined) return parse;
  // in virDomainDefPostParse's order: controllers written without an index are numbered before
  // the QEMU driver looks at index 0 (a lone pci-bridge without one becomes index 0 and is refused
  // as the root), and repeated indexes are refused after that, still before any address
  const numbered = virDomainAssignControllerIndexes(guest.controllers);
  // and the QEMU driver's validation, after the addresses but whatever they are
  return qemuDomainDefAddDefaultDevicesRootError(numbered, machine) ?? virDomainDefRejectDuplicateControllersError(numbered) ?? qemuValidateDomainDeviceDefControllerPCIRootIndexError(numbered, machine);
}

function placeWithin(design: Design, opts: PlaceOptions): PlaceReport {
  let guest: Guest = design.guest;
  const machine = machineProfile(guest);
  if (!machine.placeable) return { design, notes: [unplacedMachineNote(guest)] };
  // devices libvirt moves onto the bridge it adds are placed (and written) where libvirt puts them
  const moved = qemuDomainPCIAddressSetCollect(guest, machine);
  if (moved !== guest.devices) guest = { ...guest, devices: moved };
  if (opts.replaceAll) {
    // an address written is a PCI address (takesPciAddress is true for any addressed device)
    guest = { ...guest, devices: guest.devices.map((d) => (d.address ? { ...d, address: undefined } : d)) };
  }
  // the chipset's fixed functions: libvirt refuses a device written at one before it assigns any
  // address; placed, the design would show libvirt's own device there too (PC-PIIX3-2, Q35-RSV-1).
  // libvirt adds its default USB and SATA controllers whether or not implicitDevices models them.
  const chipset = qemuDomainValidateDevicePCISlotsChipsetsError(virDomainDefPostParse(guest, machine), machine);
  if (chipset !== undefined) return { design, notes: [`nothing was placed: libvirt refuses such a domain whatever is placed ("${chipset}"; see validate)`] };
  const defined = virDomainDefPostParse(guest, machine, { defaultDevices: opts.implicitDevices ?? true });
  const implied = new Set(defined.controllers.filter((c) => c.implicit && c.index !== 0).map((c) => c.key));
  guest = writeImpliedControllers(defined);
  const best = machine.placementNote === undefined ? [] : [machine.placementNote];
  if (opts.policy === 'libvirt') {
    const order = libvirtControllerOrder(opts.libvirtVersion);
    // import showed the added controllers with the defaults 10.7's index order gives them; a release
    // that takes them after the written ones hands out their targets (a PHB's index) afresh
    const input = order === 'index' ? guest : { ...guest, controllers: guest.controllers.map((c) => (implied.has(c.key) ? { ...c, target: {} } : c)) };
    const sim = qemuDomainAssignPCIAddresses(input, machine, design.host, { implied, order });
    const notes = unplacedNotes(sim);
    // libvirt's own placement as libvirt does it: a chassis or target index it hands out twice is
    // reproduced (validate reports it on the input: Q35-RP-3, PAPR-PHB-5); only addresses QEMU or
    // libvirt refuse outright are left unwritten, with a note
    const out = keepWrittenIndexes(design.guest, withoutRefusedAddresses(guest, withoutPhbsPastTargetRange(guest, withoutControllersPastIndexLimit(guest, sim.guest, notes), notes), notes));
    const stranded = strandedController(design.guest, sim);
    if (stranded && addsBusAfter(guest, out, stranded)) return { design, notes: [strandedNote(stranded)] };
    // libvirt refuses the domain for what it cannot place; the rest, written where it would put it,
    // must not be refused another way when libvirt defines it again (issue 11: place adds no error).
    // On virt with 62 e1000 NICs the pci-bridge libvirt then adds for the one left lands on its own
    // bus (real libvirt 9.0: "PCI controller at index 4 (0x04) has bus='0x04', but index must be
    // larger than bus"), where the input was refused for want of a slot.
    const otherwise = refusedOtherwise(sim, out, design.host, 'libvirt');
    if (otherwise !== undefined) return { design, notes: [otherwise] };
    notes.push(...best);
    // libvirt's own policy stays libvirt's: the NUMA warnings it leaves are only named
    const offCell = offCellHostdevs(guest, out, design.host);
    if (offCell.length > 0) {
      const one = offCell.length === 1;
      notes.push(`libvirt's own policy puts ${offCell.map((d) => d.label).join(', ')} off ${one ? 'its guest NUMA cell, which a pcie-expander-bus carries' : 'their guest NUMA cells, which pcie-expander-buses carry'} (Q35-NUMA-1): --policy pe-per-phb places ${one ? 'it behind that expander' : 'them behind those expanders'} where there is room`);
    }
    // asked for spares under a policy that has none: say so rather than drop the request silently
    if ((opts.spare ?? 0) > 0) notes.push("spare counts apply to --policy pe-per-phb; libvirt's own policy adds no spares");
    return { design: { ...design, guest: out }, notes };
  }
  // The written addresses alone may be what libvirt refuses (a controller on a bus no controller
  // has, which virDomainPCIAddressSetGrow cannot add: GEN-ADDR-2). libvirt's dry run reserves them
  // before it places anything, and throws PlacementFailure for placeWithReport's note, as under the
  // libvirt policy; else the ports added here could give that bus a number after the controller's
  // (GEN-IDX-4, fuzz with 31 and 255 spares)
  const written = { ...guest, devices: guest.devices.filter((d) => d.address), controllers: guest.controllers.filter((c) => c.address || c.index !== undefined) };
  if (written.devices.length < guest.devices.length || written.controllers.length < guest.controllers.length) qemuDomainAssignPCIAddresses(written, machine, design.host, { implied });
  // only a controller that may be stranded costs the extra run of libvirt's assignment
  const mayStrand = guest.controllers.some((c) => !c.address && !isRootModel(c.model) && indexWritten(design.guest, c.key));
  const ownRun = mayStrand ? qemuDomainAssignPCIAddresses(guest, machine, design.host, { implied }) : undefined;
  const stranded = ownRun ? strandedController(design.guest, ownRun) : undefined;
  const run = (spare: number): { notes: string[]; out: Guest } => {
    const r = placePePerPhb(guest, design.host, spare);
    const notes = r.notes.slice();
    return { notes, out: keepWrittenIndexes(design.guest, finish(guest, r.guest, notes)) };
  };
  let { notes, out } = run(opts.spare ?? 0);
  if (stranded && addsBusAfter(guest, out, stranded) && (opts.spare ?? 0) > 0) {
    // the spares are what the stranded controller would take: place without them
    ({ notes, out } = run(0));
    notes.push(`no spares were added: libvirt would put ${stranded.model} ${stranded.index ?? '?'}, for which no bus of the domain has a slot, on the first of them, a bus QEMU creates after it ("Bus 'pci.N' not found")`);
  }
  if (stranded && addsBusAfter(guest, out, stranded)) return { design, notes: [strandedNote(stranded)] };
  // As under the libvirt policy: where libvirt refuses the input for want of a slot, pe-per-phb's
  // output must not be refused another way. On i440fx its placement is libvirt's own, which with
  // 271 e1000 NICs fills buses 7-8 whose pci-bridges the failed dry run never added; libvirt,
  // defining that, adds them and puts pci-bridge 7 on bus 8 (GEN-IDX-4, issue 11). The output's
  // define runs first: memoised on the guest returned, the rules validating it reuse it.
  if (refusedAgain(out, design.host) !== undefined) {
    const own = ownRun ?? qemuDomainAssignPCIAddresses(guest, machine, design.host, { implied });
    const otherwise = refusedOtherwise(own, out, design.host, 'pe-per-phb');
    if (otherwise !== undefined) return { design, notes: [otherwise] };
  }
  return { design: { ...design, guest: out }, notes: [...notes, ...best] };
}

/** What libvirt's own assignment left without a slot, for people: the device's label, or the controller's model and index. */
const unplacedNotes = (sim: AssignResult): string[] =>
  sim.unplaced.map((key) => {
    const c = sim.guest.controllers.find((x) => x.key === key);
    const label = sim.guest.devices.find((d) => d.key === key)?.label ?? (c ? `${c.model} (controller ${c.index ?? '?'})` : key);
    return `no free slot for ${label}: libvirt would refuse the domain`;
  });

/**
 * How libvirt refuses `out` when it defines it again ({@link defineDomain}): a controller it adds
 * or places lands on a bus at or after its own index (controllersBeforeTheirBus: at the end of
 * qemuDomainAssignPCIAddresses, "PCI controller at index N (0xNN) has bus='0xNN', but index must
 * be larger than bus", or QEMU's "Bus 'pci.N' not found"). Undefined when it does not.
 */
function refusedAgain(out: Guest, host: Host | undefined): string | undefined {
  const again = defineDomain(out, host);
  return again ? controllersBeforeTheirBus(out, again.guest)[0]?.message : undefined;
}

/**
 * libvirt refuses the input for want of a slot: its own assignment (`sim`,
 * qemuDomainAssignPCIAddresses) leaves a device or controller unplaced, or its dry run fails (a
 * failed qemuDomainPCIAddressReserveNextAddr, e.g. "a PCI slot is needed to connect a PCI
 * controller model='pci-bridge', but none is available, and it cannot be automatically added"
 * from virDomainPCIAddressSetGrow, is `goto cleanup`, though its second pass would place all).
 * When `out`, the placement a policy would write, is then refused another way as libvirt defines
 * it again ({@link refusedAgain}), writing it would trade one refusal for another the input did not
 * have (issue 11): the note to return instead, design unchanged, naming the policy that placed
 * `out`. Undefined otherwise: the input is accepted, or the placement adds no refusal of its own.
 */
function refusedOtherwise(sim: AssignResult, out: Guest, host: Host | undefined, placer: PlacementPolicy): string | undefined {
  if (sim.unplaced.length === 0 && sim.dryRunFailure === undefined) return undefined;
  const other = refusedAgain(out, host);
  if (other === undefined) return undefined;
  const why = sim.unplaced.length > 0 ? unplacedNotes(sim).join('; ') : `"${sim.dryRunFailure ?? ''}"`;
  return `nothing was placed: libvirt refuses such a domain (${why}), and the rest written where ${placer} puts it would be refused otherwise (${other}; see validate)`;
}

const indexWritten = (written: Guest, key: string): boolean => written.controllers.some((c) => c.key === key && c.index !== undefined);

/**
 * An unaddressed PCI controller written with an index, for which libvirt's own assignment finds no
 * slot on the domain's buses (GEN-CONNECT-1): libvirt refuses the domain in its dry run
 * (virDomainPCIAddressSetGrow: "a PCI slot is needed to connect a PCI controller …, but none is
 * available, and it cannot be automatically added").
 */
function strandedController(written: Guest, sim: AssignResult): PciController | undefined {
  return sim.guest.controllers.find((x) => sim.unplaced.includes(x.key) && indexWritten(written, x.key));
}

/**
 * Does the placement add a bus of a higher index than the stranded controller? libvirt would put
 * the controller on it at define time (controllers are assigned first, by index), on a bus QEMU
 * creates after it (GEN-IDX-4, found by the fuzz run: a spare root port, or the port added for a
 * NIC, taken by a pcie-to-pci-bridge of a lower index). place writes addresses, not indexes, so
 * every bus it adds comes after the controller: when one is needed, the domain is refused
 * whatever is placed, and the design is left as it was. With none (a virtio-iommu on pcie-root
 * itself), the rest is placed and the controller is left to the rules.
 */
function addsBusAfter(before: Guest, after: Guest, stranded: PciController): boolean {
  const had = new Set(before.controllers.map((c) => c.key));
  return after.controllers.some((c) => !had.has(c.key) && (c.index ?? -1) > (stranded.index ?? -1));
}

const strandedNote = (c: PciController): string =>
  `nothing was placed: libvirt refuses such a domain whatever is placed (no bus of this domain has a free slot for ${c.model} ${c.index ?? '?'} and libvirt cannot add one; any bus placed comes after its index, and libvirt would put it there, which QEMU refuses: "Bus 'pci.N' not found"; see validate)`;

/** What pe-per-phb's result goes through before it is written (finish.ts): it never writes libvirt's clashes. */
function finish(before: Guest, after: Guest, notes: string[]): Guest {
  return withFreeTargetIndex(before, withFreeChassis(before, withoutRefusedAddresses(before, withoutPhbsPastTargetRange(before, withoutControllersPastIndexLimit(before, after, notes), notes), notes), notes), notes);
}

/**
 * The controllers libvirt adds for buses an address or an index names (GEN-IDX-5) are shown
 * `implicit` on import. A placement relies on them, so it writes them, as libvirt will write
 * them: left out, libvirt would add them again and might number them differently. The root bus
 * (index 0) may stay unwritten.
 */
function writeImpliedControllers(guest: Guest): Guest {
  if (!guest.controllers.some((c) => c.implicit && c.index !== 0)) return guest;
  return { ...guest, controllers: guest.controllers.map((c) => (c.implicit && c.index !== 0 ? { ...c, implicit: undefined } : c)) };
}

/**
 * A controller written without `index` gets one from libvirt at define time
 * (virDomainAssignDeviceControllerIndexes), which the placement needs; `place` writes addresses,
 * not indexes, so the device keeps what was written.
 */
function keepWrittenIndexes(before: Guest, after: Guest): Guest {
  const unindexed = new Set(before.devices.filter((d) => d.element === 'controller' && d.index === undefined).map((d) => d.key));
  if (unindexed.size === 0) return after;
  return { ...after, devices: after.devices.map((d) => (unindexed.has(d.key) && d.index !== undefined ? { ...d, index: undefined } : d)) };
}
