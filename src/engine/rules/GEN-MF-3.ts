import type { Rule, RuleMeta } from './types.ts';
import type { Finding } from './types.ts';
import type { Bus, RuleContext } from './context.ts';
import { addrText, finding, occupantsBySlot, occupantSubjects } from './context.ts';
import type { DefinedDomain } from '../placement/defineTime.ts';
import { atDefine, placesAnything } from './atDefine.ts';
import { globalRule } from './define.ts';
import { deviceName } from './fixes.ts';
import { at, ctrl, design, dev, hostdev, pseries, q35, rootPort, virt } from './testkit.ts';
import { hexNumber } from '../model/names.ts';

const meta: RuleMeta = {
  id: 'GEN-MF-3',
  severity: 'error',
  title: 'A slot with functions > 0 has a function 0',
  why: 'The guest scans a slot from function 0; without it the other functions are never seen. (Not on pseries, whose guests take their PCI devices from the device tree QEMU builds, one node per function.)',
  source:
    "QEMU hw/pci/pci.c do_pci_register_device, pci_init_multifunction; Linux drivers/pci/probe.c pci_scan_slot (no function 0: the slot is not scanned further); where libvirt puts a function > 0 itself: libvirt src/qemu/qemu_domain_address.c qemuDomainAssignDevicePCISlots (an ICH9 USB2 controller at its own function of a slot: ich9-ehci1 at 7); where libvirt fills function 0 of a written slot itself: src/conf/domain_addr.c virDomainPCIAddressReserveAddrInternal + virDomainPCIAddressFindUnusedFunctionOnBus (a pcie-root-port joins a slot a root port reserved first: VIR_PCI_CONNECT_AGGREGATE_SLOT), qemuDomainAssignDevicePCISlots (ich9-uhci1 at function 0 of its EHCI's slot)",
  // not pseries: QEMU puts every function in the device tree it builds for each PHB (hw/ppc/spapr_pci.c
  // spapr_dt_pci_bus: `legacy-device@5,1` for a lone function 1, seen with QEMU 7.2 -M pseries,dumpdtb=),
  // and a pseries guest builds its PCI devices from that tree (Linux arch/powerpc/platforms/pseries
  // pSeries_pci_probe_mode: PCI_PROBE_DEVTREE under PAPR; arch/powerpc/kernel/pci_of_scan.c
  // of_scan_pci_dev creates a device per node, with no function 0 asked for): the guest sees it
  families: ['q35', 'i440fx', 'virt', 'other'],
};

/** The machine's own function 0: ICH9 LPC at 00:1f.0 on q35, PIIX3 at 00:01.0 on i440fx. */
const chipsetSlot = (family: string, bus: number, slot: number): boolean => bus === 0 && ((family === 'q35' && slot === 0x1f) || (family === 'i440fx' && slot === 1));

/**
 * The slots (`bus:slot`) that have a function 0 once libvirt has defined the guest: the written
 * ones and those libvirt fills itself. Only two kinds land at function 0 of a slot already used:
 * a pcie-root-port in a slot whose first reservation was a root port (virDomainPCIAddressReserveAddrInternal
 * sets the slot's aggregate flag, virDomainPCIAddressFindUnusedFunctionOnBus offers its free
 * functions from 0), and an ich9-uhci1 in the slot of its set's EHCI (qemuDomainAssignDevicePCISlots);
 * every other device libvirt places takes a free slot.
 */
function slotsWithFunction0(defined: DefinedDomain): Set<string> {
  const out = new Set<string>();
  for (const x of [...defined.guest.devices, ...defined.guest.controllers]) if (x.address?.function === 0) out.add(`${x.address.bus}:${x.address.slot}`);
  return out;
}

/**
 * The same judgement on what libvirt will do at define time (issue 13: validate on the input catches
 * what it catches on the placed output): libvirt gives an ICH9 USB2 controller its own function
 * of a slot (qemuDomainAssignDevicePCISlots), so an ich9-ehci1 without its uhci1 companion lands
 * at function 7 of a slot with no function 0, which the guest never scans.
 */
function placedSlots(ctx: RuleContext, defined: DefinedDomain): Finding[] {
  const unaddressed = new Set(ctx.guest.devices.filter((d) => !d.address && !d.implicit).map((d) => d.key));
  const slots = new Map<string, { fns: number[]; placed: string[]; address: { bus: number; slot: number; function: number } }>();
  for (const x of [...defined.guest.devices, ...defined.guest.controllers]) {
    const a = x.address;
    if (!a) continue;
    const k = `${a.bus}:${a.slot}`;
    const s = slots.get(k) ?? { fns: [] as number[], placed: [] as string[], address: a };
    slots.set(k, s);
    s.fns.push(a.function);
    if (!('model' in x && 'target' in x) && unaddressed.has(x.key)) s.placed.push(x.key);
  }
  const out: Finding[] = [];
  for (const s of slots.values()) {
    if (s.fns.includes(0) || s.placed.length === 0 || chipsetSlot(ctx.family, s.address.bus, s.address.slot)) continue;
    const names = s.placed.map((k) => ctx.guest.devices.find((d) => d.key === k)).flatMap((d) => (d ? [deviceName(d)] : []));
    out.push(finding(meta, `libvirt will put ${names.join(', ')} at ${addrText({ domain: 0, ...s.address })} with no function 0 in slot ${hexNumber(s.address.slot, 2)}: the guest will not see ${s.placed.length > 1 ? 'them' : 'it'}. An ICH9 USB2 EHCI needs its ich9-uhci1 companion (same controller index), which takes function 0.`, { devices: s.placed }));
  }
  return out;
}

/** The written slots of one bus without a function 0, but those libvirt fills at define (`filled`: bus:slot keys). */
function writtenSlots(ctx: RuleContext, bus: Bus, filled: ReadonlySet<string> | undefined): Finding[] {
  const out = [];
  for (const [slot, list] of occupantsBySlot(bus)) {
    if (list.some((o) => o.function === 0)) continue;
    if (chipsetSlot(ctx.family, bus.index, slot)) continue;
    if (filled?.has(`${bus.index}:${slot}`)) continue;
    const first = [...list].sort((a, b) => a.function - b.function).find((o) => o.device)?.device;
    const fixes = first?.address
      ? [{ label: `Move ${deviceName(first)} to function 0 of slot ${hexNumber(slot, 2)}`, command: { kind: 'move-device' as const, device: first.key, address: { ...first.address, function: 0, multifunction: list.length > 1 ? ('on' as const) : undefined } } }]
      : undefined;
    out.push(finding(meta, `Slot ${hexNumber(slot, 2)} of bus ${hexNumber(bus.index, 2)} uses function(s) ${list.map((o) => o.function).join(', ')} but has no function 0; the guest will not see them.`, occupantSubjects(list), fixes));
  }
  return out;
}

/**
 * A whole-design rule rather than a per-bus one: whether a written slot lacks function 0 depends on
 * what libvirt places in it from elsewhere in the design (an unaddressed root port), which a cache
 * keyed on the bus's own occupants would not see change.
 */
export const rule: Rule = globalRule(meta, (ctx) => {
  const written = ctx.buses.flatMap((b) => writtenSlots(ctx, b, undefined));
  // libvirt may fill a written slot's function 0 with a root port it adds itself (for an index gap,
  // or a port for its default USB controller or memballoon), not only with one the design leaves unaddressed
  const defined = atDefine(ctx, (c) => written.length > 0 || placesAnything(c));
  if (!defined) return written;
  const filled = slotsWithFunction0(defined);
  return [...ctx.buses.flatMap((b) => writtenSlots(ctx, b, filled)), ...placedSlots(ctx, defined)];
});

const usb2 = (key: string, model: string, address?: ReturnType<typeof at>): ReturnType<typeof dev> => dev(key, 'controller', address, { type: 'usb', model, index: 0 });

/** no default USB controller nor memballoon, whose ports libvirt would add at function 0 of an aggregate slot */
const withoutDefaults = [dev('usb', 'controller', undefined, { type: 'usb', model: 'none' }), dev('balloon', 'memballoon', undefined, { model: 'none' })];

export const cases = {
  pass: [
    // QEMU 7.2 -M pseries,dumpdtb=: the PHB's node has legacy-device@5,1; the guest builds its devices from the tree
    { name: 'pseries: function 1 alone (the device tree QEMU builds names it)', design: pseries([], [hostdev('0000:01:00.1', at(0, 1, 1))]) },
    { name: 'functions 0 and 1', design: pseries([], [hostdev('0000:01:00.0', at(0, 1, 0, 'on')), hostdev('0000:01:00.1', at(0, 1, 1))]) },
    { name: 'an ICH9 EHCI libvirt places with its uhci1 companion (function 0)', design: q35([], [usb2('ehci', 'ich9-ehci1'), usb2('uhci', 'ich9-uhci1')]) },
    // libvirt aggregates root ports into the written port's slot, so the unaddressed one takes 00:01.0 (QEMU starts it)
    { name: 'a root port written at 00:01.1 and one without an address, which libvirt puts at 00:01.0', design: q35([ctrl('pcie-root-port', 1), rootPort(2, 1, 1)], withoutDefaults) },
    // libvirt adds root port 1 for the gap in the indexes and for its memballoon a port more: both aggregate into slot 1
    { name: 'a root port index 2 written at 00:01.1 alone, with libvirt\'s default devices', design: q35([rootPort(2, 1, 1)], []) },
    // the second NIC needs a port: libvirt adds one, and it aggregates into the written port's slot at 00:01.0
    { name: 'a root port written at 00:01.1 and two NICs without an address, for which libvirt adds a port', design: q35([rootPort(1, 1, 1)], [dev('nic0', 'interface'), dev('nic1', 'interface'), ...withoutDefaults]) },
    // on i440fx (q35 sends an unaddressed uhci1 to 00:1d.0 first: qemuDomainValidateDevicePCISlotsQ35)
    { name: 'an EHCI written at function 7 and its uhci1 without an address, which libvirt puts at function 0 of that slot', design: design({ machine: 'pc-i440fx-7.2', controllers: [ctrl('pci-root', 0)], devices: [usb2('ehci', 'ich9-ehci1', at(0, 5, 7)), usb2('uhci', 'ich9-uhci1')] }) },
  ],
  fail: [
    { name: 'function 1 alone', design: design({ machine: 'pc-i440fx-7.2', controllers: [ctrl('pci-root', 0)], devices: [hostdev('0000:01:00.1', at(0, 3, 1))] }), expect: { devices: ['0000:01:00.1'] } },
    { name: 'function 1 alone on aarch64 virt', design: virt([], [hostdev('0000:01:00.1', at(0, 3, 1)), ...withoutDefaults]), expect: { devices: ['0000:01:00.1'] } },
    { name: 'an ICH9 EHCI alone, which libvirt puts at function 7 of a free slot', design: q35([], [usb2('ehci', 'ich9-ehci1')]), expect: { devices: ['ehci'] } },
    // the NIC takes the written port's own bus: libvirt adds no root port, nothing takes 00:01.0
    { name: 'a root port written at 00:01.1 and one NIC without an address, which goes behind it', design: q35([rootPort(1, 1, 1)], [dev('nic', 'interface'), ...withoutDefaults]), expect: { controllers: [1] } },
    // the rng reserved the slot first, so it is not an aggregate one: the unaddressed root port takes 00:02.0
    { name: 'an rng written at 00:01.1 and a root port without an address', design: q35([ctrl('pcie-root-port', 1)], [dev('rng', 'rng', at(0, 1, 1), { model: 'virtio' })]), expect: { devices: ['rng'] } },
  ],
};
