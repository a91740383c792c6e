import type { Guest, PciController } from '../model/guest.ts';
import { controllersBeforeTheirBus } from '../libvirt/qemuDomainAddress.ts';
import { MAX_CONTROLLER_INDEX, MAX_PHB_TARGET_INDEX } from '../libvirt/limits.ts';

/**
 * What `place` writes once a policy has placed everything: it never writes an address or a
 * default that makes libvirt or QEMU refuse a domain that was fine (issue 11), and it says what
 * libvirt itself would have done instead.
 */

const isPort = (c: PciController): boolean => c.model === 'pcie-root-port' || c.model === 'pcie-switch-downstream-port';

/** The chassis QEMU gives a port: the written one, else libvirt's default, the port's index (qemuDomainAssignPCIAddresses). */
const chassisOf = (c: PciController): number | undefined => c.target.chassis ?? c.index;

/**
 * A controller that libvirt's assignment puts on a bus at or after its own index
 * (controllersBeforeTheirBus: libvirt or QEMU refuses) is written without an address, with a note
 * saying what libvirt would do. Controllers the user addressed are left to the rules (GEN-IDX-4).
 */
export function withoutRefusedAddresses(before: Guest, after: Guest, notes: string[]): Guest {
  const refusals = controllersBeforeTheirBus(before, after);
  if (refusals.length === 0) return after;
  const keys = new Set(refusals.map((r) => r.key));
  notes.push(...refusals.map((r) => `${r.message}; it is left without an address`));
  const dropped = { ...after, controllers: after.controllers.map((c) => (keys.has(c.key) ? { ...c, address: undefined } : c)) };
  return withoutOrphanFunctions(before, dropped, after, keys, notes);
}

/**
 * libvirt packs the root ports it places into one slot, function 0 first (multifunction='on'),
 * then 1..7 (qemuDomainAssignPCIAddresses, VIR_PCI_CONNECT_AGGREGATE_SLOT). When the port at
 * function 0 is left unaddressed, the others place put beside it would sit in a slot without
 * function 0, which the guest never scans further (GEN-MF-3: Linux drivers/pci/probe.c
 * pci_scan_slot): they are left without an address as well, so libvirt places them afresh,
 * function 0 first. Addresses the user wrote stay (the rules report them).
 */
function withoutOrphanFunctions(before: Guest, dropped: Guest, placed: Guest, droppedKeys: ReadonlySet<string>, notes: string[]): Guest {
  const slotOf = (a: { readonly domain: number; readonly bus: number; readonly slot: number }): string => `${a.domain}:${a.bus}:${a.slot}`;
  const freed = new Map<string, string>();
  for (const c of placed.controllers) if (droppedKeys.has(c.key) && c.address?.function === 0) freed.set(slotOf(c.address), `${c.model} ${c.index ?? '?'}`);
  if (freed.size === 0) return dropped;
  const written = new Set([...before.controllers, ...before.devices].filter((x) => x.address).map((x) => x.key));
  const orphan = (x: { readonly key: string; readonly address?: { readonly domain: number; readonly bus: number; readonly slot: number; readonly function: number } | undefined }): boolean =>
    x.address !== undefined && x.address.function !== 0 && !written.has(x.key) && freed.has(slotOf(x.address));
  const explain = (name: string, a: { readonly domain: number; readonly bus: number; readonly slot: number; readonly function: number }): string =>
    `${name} is left without an address as well: place put it at function ${a.function} of bus ${a.bus} slot ${a.slot}, beside ${freed.get(slotOf(a)) ?? '?'} at function 0, and a slot without function 0 is not seen by the guest`;
  const controllers = dropped.controllers.map((c) => {
    if (!orphan(c) || c.address === undefined) return c;
    notes.push(explain(`${c.model} ${c.index ?? '?'}`, c.address));
    return { ...c, address: undefined };
  });
  const devices = dropped.devices.map((d) => {
    if (!orphan(d) || d.address === undefined) return d;
    notes.push(explain(d.label, d.address));
    return { ...d, address: undefined };
  });
  return { ...dropped, controllers, devices };
}

type Addressed = { readonly key: string; readonly address?: { readonly bus: number } | undefined };

/** `after` without the controllers keyed in `dropped`, and without the address of each device or controller `unaddress` picks (given its bus). */
function withoutControllers(after: Guest, dropped: ReadonlySet<string>, unaddress: (x: Addressed, bus: number) => boolean): Guest {
  const off = <T extends Addressed>(x: T): T => (x.address && unaddress(x, x.address.bus) ? { ...x, address: undefined } : x);
  return { ...after, controllers: after.controllers.filter((c) => !dropped.has(c.key)).map(off), devices: after.devices.map(off) };
}

/**
 * A controller libvirt's assignment adds past index 255 (all of 1-255 taken, a device still needs a
 * bus: virDomainPCIAddressSetGrow grows nbuses anyway) is one libvirt cannot keep: the PCI bus
 * number is 0-255 (virDomainPCIAddressBusSetModel, GEN-IDX-1) and its define fails. It is not
 * written, nor any address on its bus; a note says so. `after`'s controllers that `before` has are
 * kept as they are (a written index past 255 is the rules' to report).
 */
export function withoutControllersPastIndexLimit(before: Guest, after: Guest, notes: string[]): Guest {
  const had = new Set(before.controllers.map((c) => c.key));
  const past = after.controllers.filter((c) => !had.has(c.key) && (c.index ?? 0) > MAX_CONTROLLER_INDEX);
  // An address the placement gave on a bus past 255 is refused whether or not a controller was
  // added for that bus (virt: the simulation numbers the buses of root ports it could not write);
  // one the design wrote keeps its bus (the rules report it: GEN-ADDR-2).
  const writtenBus = new Map<string, number>();
  for (const x of [...before.controllers, ...before.devices]) if (x.address) writtenBus.set(x.key, x.address.bus);
  const placedPast = (x: Addressed): boolean =>
    x.address !== undefined && x.address.bus > MAX_CONTROLLER_INDEX && writtenBus.get(x.key) !== x.address.bus;
  const stray = [...after.controllers.filter((c) => !past.includes(c)), ...after.devices].filter(placedPast);
  if (past.length === 0 && stray.length === 0) return after;
  const buses = new Set(past.map((c) => c.index));
  const keys = new Set(past.map((c) => c.key));
  // one note per controller up to three; past that one note for them all (a design of 3,000 NICs
  // without an address had a note line per root port libvirt would add)
  if (past.length <= 3) for (const c of past) notes.push(`libvirt would add ${c.model} ${c.index}, past the highest controller index ${MAX_CONTROLLER_INDEX}, and refuse the domain; it is not written`);
  else {
    const models = [...new Set(past.map((c) => c.model))].join(', ');
    const indexes = past.map((c) => c.index ?? MAX_CONTROLLER_INDEX + 1);
    notes.push(`libvirt would add ${past.length} controllers (${models}) past the highest controller index ${MAX_CONTROLLER_INDEX}, indexes ${Math.min(...indexes)} to ${Math.max(...indexes)}, and refuse the domain; they are not written`);
  }
  const strayOnly = stray.filter((x) => !(x.address && buses.has(x.address.bus)));
  if (strayOnly.length > 0) {
    const named = strayOnly.length <= 3 ? strayOnly.map((x) => ('label' in x ? x.label : `${x.model} ${x.index ?? '?'}`)).join(', ') : `${strayOnly.length} ${strayOnly.every((x) => 'label' in x) ? 'devices' : 'devices and controllers'}`;
    notes.push(`${named} would need a bus past ${MAX_CONTROLLER_INDEX}, which no PCI bus number can be: libvirt would refuse the domain; left without an address`);
  }
  return withoutControllers(after, keys, (x, bus) => buses.has(bus) || placedPast(x));
}

/**
 * A vPHB libvirt's assignment adds on pseries when the 31 it may have are full (a device still needs
 * a bus: virDomainPCIAddressSetGrow adds a pci-root) gets target index 31, or none once every index
 * is taken (qemuDomainPCIControllerSetDefaults, qemuDomainAddressFindNewTargetIndex: "No usable
 * target index found"), and virDomainControllerDefValidate refuses the domain ("PCI controller
 * target index '31' out of range - must be 0-30"; real libvirt 9.0: 958 unaddressed virtio NICs
 * define, 959 do not). Such a vPHB is not written, nor any address on its bus; a note says so, and
 * the rules report the refusal on the output as on the input (PAPR-PHB-2), not a new one
 * (PAPR-ISO-9 for each vPHB without a target index). vPHBs the design has are kept as they are.
 */
export function withoutPhbsPastTargetRange(before: Guest, after: Guest, notes: string[]): Guest {
  const had = new Set(before.controllers.map((c) => c.key));
  const past = after.controllers.filter((c) => !had.has(c.key) && c.model === 'pci-root' && c.index !== 0 && (c.target.index === undefined || c.target.index > MAX_PHB_TARGET_INDEX));
  if (past.length === 0) return after;
  const first = past[0] as PciController;
  const refusal = first.target.index === undefined ? 'No usable target index found' : `PCI controller target index '${first.target.index}' out of range - must be 0-${MAX_PHB_TARGET_INDEX}`;
  notes.push(`libvirt would add ${past.length === 1 ? `vPHB ${first.index ?? '?'}` : `${past.length} vPHBs from ${first.index ?? '?'} on`} for devices the 31 vPHBs have no room for, and refuse the domain ("${refusal}"); ${past.length === 1 ? 'it is' : 'they are'} not written, nor the addresses on ${past.length === 1 ? 'it' : 'them'}`);
  const buses = new Set(past.map((c) => c.index));
  const keys = new Set(past.map((c) => c.key));
  const written = new Set([...before.controllers, ...before.devices].filter((x) => x.address).map((x) => x.key));
  return withoutControllers(after, keys, (x, bus) => buses.has(bus) && !written.has(x.key));
}

/**
 * A root or downstream port that `place` adds gets chassis = its index from libvirt
 * (qemuDomainAssignPCIAddresses), which can be a chassis another port already has: QEMU then
 * refuses to start ("Can't add chassis slot, error -16", Q35-RP-3). Such a port is written with
 * the lowest chassis no port uses, and a note says what libvirt alone would have done. Ports that
 * were in the design keep their chassis (a clash among those is the rules' to report).
 */
export function withFreeChassis(before: Guest, after: Guest, notes: string[]): Guest {
  const had = new Set(before.controllers.map((c) => c.key));
  const added = after.controllers.filter((c) => isPort(c) && !had.has(c.key));
  if (added.length === 0) return after;
  const count = new Map<number, number>();
  for (const c of after.controllers) {
    const n = isPort(c) ? chassisOf(c) : undefined;
    if (n !== undefined) count.set(n, (count.get(n) ?? 0) + 1);
  }
  const fixed = new Map<string, PciController>();
  for (const c of added) {
    const old = chassisOf(c);
    if (old === undefined || (count.get(old) ?? 0) < 2) continue;
    let free = 1;
    while (free <= 255 && count.has(free)) free++;
    if (free > 255) break;
    count.set(old, (count.get(old) ?? 1) - 1);
    count.set(free, 1);
    fixed.set(c.key, { ...c, target: { ...c.target, chassis: free } });
    notes.push(`${c.model} ${c.index ?? '?'} is written with chassis ${free}: libvirt would give it chassis ${old}, which another port already uses, and QEMU would refuse to start`);
  }
  if (fixed.size === 0) return after;
  return { ...after, controllers: after.controllers.map((c) => fixed.get(c.key) ?? c) };
}

/**
 * A PHB whose target index `place` fills in gets libvirt's pick (qemuDomainAddressFindNewTargetIndex),
 * which can be the target index of a PHB written without `<model name>` (d12): QEMU then refuses
 * ("PHB 1 already attached"). Such a PHB is written with the lowest target index no PHB uses
 * (1-30), and a note says what libvirt alone would have done. Target indexes that were written stay.
 */
export function withFreeTargetIndex(before: Guest, after: Guest, notes: string[]): Guest {
  const written = new Map(before.controllers.map((c) => [c.key, c.target.index]));
  const phbs = after.controllers.filter((c) => c.model === 'pci-root' && c.target.index !== undefined);
  const count = new Map<number, number>();
  for (const c of phbs) count.set(c.target.index as number, (count.get(c.target.index as number) ?? 0) + 1);
  const fixed = new Map<string, PciController>();
  for (const c of phbs) {
    const old = c.target.index as number;
    if (written.get(c.key) !== undefined || (count.get(old) ?? 0) < 2) continue;
    let free = 1;
    while (free <= 30 && count.has(free)) free++;
    if (free > 30) break;
    count.set(old, (count.get(old) ?? 1) - 1);
    count.set(free, 1);
    fixed.set(c.key, { ...c, target: { ...c.target, index: free } });
    notes.push(`PHB ${c.index ?? '?'} is written with target index ${free}: libvirt would give it target index ${old}, which a PHB written without <model name> already has, and QEMU would refuse to start ("PHB ${old} already attached")`);
  }
  if (fixed.size === 0) return after;
  return { ...after, controllers: after.controllers.map((c) => fixed.get(c.key) ?? c) };
}
