import type { Guest, MachineFamily } from '../model/guest.ts';
import { isPhb } from '../model/guest.ts';

/**
 * libvirt's and QEMU's own bounds on a PCI topology. Every loop and allocation in the engine that
 * a number from the input could drive (buses grown for an address, PHBs added for gaps, target
 * indexes searched) is bounded by these, never by the input: a design beyond them is refused by
 * libvirt, so the rules say so and nothing is simulated for it.
 */

/**
 * Highest PCI controller index, and so the highest bus an address can name (an address's bus is a
 * controller index). libvirt src/conf/domain_validate.c virDomainControllerDefValidate
 * ("PCI controller index %d too high, maximum is 255"); the domain RNG's `pciBus` is an 8-bit value.
 */
export const MAX_CONTROLLER_INDEX = 255;

/** Slots 0-31: libvirt src/conf/domain_addr.h VIR_PCI_ADDRESS_SLOT_LAST, checked in domain_addr.c virDomainPCIAddressValidate. */
export const MAX_SLOT = 31;

/** Functions 0-7: libvirt src/conf/domain_addr.h VIR_PCI_ADDRESS_FUNCTION_LAST, checked in virDomainPCIAddressValidate. */
export const MAX_FUNCTION = 7;

/**
 * Highest pseries PHB target index. libvirt src/conf/domain_validate.c virDomainControllerDefValidate
 * ("PCI controller target index '%d' out of range - must be 0-30"); QEMU include/hw/pci-host/spapr.h
 * SPAPR_MAX_PHBS = 31 (hw/ppc/spapr.c spapr_phb_placement: "index for PAPR PHB is too large").
 * libvirt's own search for a free one (src/qemu/qemu_domain_address.c
 * qemuDomainAddressFindNewTargetIndex) stops at 31 as well.
 */
export const MAX_PHB_TARGET_INDEX = 30;

/**
 * The PCI slots a guest can have: 32 on each of the 256 buses (controller indexes 0-255). libvirt
 * places each controller it adds for a disk's drive address (virDomainDefAddDiskControllersForType)
 * at function 0 of a slot of its own, so no guest holds more of them than this; libvirt 9.0 stops
 * far earlier (541 SCSI controllers on q35 define, 542 are refused: "a PCI slot is needed to connect
 * a PCI controller model='pci-bridge', but none is available"), and on pseries QEMU's spapr-vio bus
 * has interrupts for 256 devices (hw/ppc/spapr_irq.h SPAPR_IRQ_VIO; QEMU 7.2 refuses the 255th
 * ibmvscsi libvirt adds, index 254: "IRQ 4352 is not free"). The engine never adds more.
 */
export const MAX_PCI_SLOTS = (MAX_CONTROLLER_INDEX + 1) * (MAX_SLOT + 1);

/** Target indexes 0-30 are unique per PHB (QEMU refuses a second PHB with one index), so at most 31 PHBs. */
export const MAX_PHBS = MAX_PHB_TARGET_INDEX + 1;

/** What lies beyond libvirt's limits, for a note or a message. */
export interface LimitProblem {
  readonly what: 'bus' | 'slot' | 'function' | 'controller index' | 'PHB count';
  readonly value: number;
  readonly message: string;
}

/**
 * How many PHBs a pseries guest has once libvirt has filled the gaps: every index from 1 to the
 * highest controller index or addressed bus that no other controller holds becomes a pci-root
 * (src/qemu/qemu_domain_address.c qemuDomainPCIAddressSetCreate adds the machine's default model
 * for each missing index; GEN-IDX-5). Counted arithmetically, never by building them. Indexes and
 * buses beyond {@link MAX_CONTROLLER_INDEX} are left out: they are refused on their own. With
 * `addressedBuses: false` only controller indexes count (a bus an address names is GEN-ADDR-2's).
 */
export function pseriesPhbCount(guest: Guest, addressedBuses = true): number {
  let highest = 0;
  const other = new Set<number>();
  const phbs = new Set<number>([0]);
  for (const c of guest.controllers) {
    if (c.index === undefined || c.index < 0 || c.index > MAX_CONTROLLER_INDEX) continue;
    highest = Math.max(highest, c.index);
    if (isPhb(c)) phbs.add(c.index);
    else other.add(c.index);
  }
  for (const x of addressedBuses ? [...guest.devices, ...guest.controllers] : []) {
    const b = x.address?.bus;
    if (b !== undefined && b >= 0 && b <= MAX_CONTROLLER_INDEX) highest = Math.max(highest, b);
  }
  // indexes 0..highest, less those a non-PHB controller holds (a PHB at index 0 is always there)
  let n = highest + 1;
  for (const i of other) if (!phbs.has(i)) n--;
  return n;
}

const hex = (n: number): string => `0x${n.toString(16)}`;

/**
 * Everything in the guest beyond libvirt's limits: buses (controller indexes) 0-255, slots 0-31,
 * functions 0-7 and, on pseries, 31 PHBs. Empty when the guest is within them. At most `max`
 * problems are listed (the input may hold millions). Linear in the guest's size.
 */
export function beyondLibvirtLimits(guest: Guest, family: MachineFamily, max = 8): LimitProblem[] {
  const out: LimitProblem[] = [];
  const add = (p: LimitProblem): boolean => {
    out.push(p);
    return out.length >= max;
  };
  for (const c of guest.controllers) {
    if (c.index !== undefined && c.index > MAX_CONTROLLER_INDEX && add({ what: 'controller index', value: c.index, message: `PCI controller index ${c.index} is above ${MAX_CONTROLLER_INDEX}` })) return out;
  }
  for (const x of [...guest.devices, ...guest.controllers]) {
    const a = x.address;
    if (!a) continue;
    if (a.bus > MAX_CONTROLLER_INDEX && add({ what: 'bus', value: a.bus, message: `an address names bus ${hex(a.bus)}, above the highest controller index ${hex(MAX_CONTROLLER_INDEX)}` })) return out;
    if (a.slot > MAX_SLOT && add({ what: 'slot', value: a.slot, message: `an address names slot ${hex(a.slot)}, above ${hex(MAX_SLOT)}` })) return out;
    if (a.function > MAX_FUNCTION && add({ what: 'function', value: a.function, message: `an address names function ${hex(a.function)}, above ${MAX_FUNCTION}` })) return out;
  }
  if (family === 'pseries') {
    const n = pseriesPhbCount(guest);
    if (n > MAX_PHBS) add({ what: 'PHB count', value: n, message: `the design needs ${n} PHBs once libvirt fills the index gaps, but target indexes 0-${MAX_PHB_TARGET_INDEX} allow ${MAX_PHBS}` });
  }
  return out;
}
