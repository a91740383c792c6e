import type { Finding, Fix, Rule, RuleMeta } from './types.ts';
import type { Occupant, RuleContext } from './context.ts';
import { finding, occupantsBySlot, occupantSubjects } from './context.ts';
import type { DefinedDomain } from '../placement/defineTime.ts';
import { atDefine, placesAnything } from './atDefine.ts';
import { globalRule } from './define.ts';
import { deviceName } from './fixes.ts';
import { at, ctrl, dev, hostdev, pseries, q35, rootPort } from './testkit.ts';
import { controllerName, hexNumber } from '../model/names.ts';

const meta: RuleMeta = {
  id: 'GEN-MF-2',
  severity: 'error',
  title: "Function 0 of a multifunction slot is not multifunction='off'",
  why: 'QEMU refuses other functions in a slot whose function 0 is a single-function device ("PCI: single function device can\'t be populated in function x.y", or "x.0 indicates single function, but x.y is already populated" when it creates function 0 last), whatever the device: root ports and bridges alike.',
  source:
    "QEMU hw/pci/pci.c pci_init_multifunction (no exception for bridges or ports); libvirt virDomainPCIAddressSetAllMulti (GEN-MF-1: turns on multifunction only where it is not written), src/conf/domain_addr.c virDomainPCIAddressReserveAddrInternal (a slot whose first function is a pcie-root-port is an aggregate slot, whatever its multifunction) and virDomainPCIAddressFindUnusedFunctionOnBus (libvirt puts the root ports it places in that slot's free functions); checked with libvirt 9.0 + QEMU 7.2 (libvirt's own test q35-multifunction, which libvirt defines and QEMU refuses)",
  families: 'all',
};

/** The slots (bus:slot) of a list of occupants whose function 0 says multifunction='off' while another function is used. */
function offSlots(byBus: ReadonlyMap<number, Map<number, Occupant[]>>): { bus: number; slot: number; list: Occupant[]; f0: Occupant }[] {
  const out = [];
  for (const [bus, slots] of byBus)
    for (const [slot, list] of slots) {
      const f0 = list.find((o) => o.function === 0);
      if (f0?.multifunction === 'off' && list.some((o) => o.function > 0)) out.push({ bus, slot, list, f0 });
    }
  return out;
}

/** The defined guest's occupants by bus and slot. */
function definedSlots(defined: DefinedDomain): Map<number, Map<number, Occupant[]>> {
  const byBus = new Map<number, Map<number, Occupant[]>>();
  const add = (o: Occupant, bus: number): void => {
    const slots = byBus.get(bus) ?? new Map<number, Occupant[]>();
    byBus.set(bus, slots);
    slots.set(o.slot, [...(slots.get(o.slot) ?? []), o]);
  };
  for (const d of defined.guest.devices) if (d.address) add({ slot: d.address.slot, function: d.address.function, multifunction: d.address.multifunction, device: d }, d.address.bus);
  for (const c of defined.guest.controllers) if (c.address) add({ slot: c.address.slot, function: c.address.function, multifunction: c.address.multifunction, controller: c }, c.address.bus);
  return byBus;
}

/**
 * A whole-design rule: besides the written slots, libvirt fills the free functions of a slot whose
 * function 0 is a written pcie-root-port with the root ports it places (an aggregate slot), and
 * leaves a written multifunction='off' as it is, so QEMU then refuses the port libvirt put at x.1.
 */
export const rule: Rule = globalRule(meta, (ctx: RuleContext) => {
  const written = offSlots(new Map(ctx.buses.map((b) => [b.index, occupantsBySlot(b)])));
  const out: Finding[] = written.map(({ bus, slot, list, f0 }) => {
    const fixes: Fix[] = f0.device
      ? [{ label: `Set multifunction='on' on ${f0.device.label}`, command: { kind: 'set-multifunction', device: f0.device.key, value: 'on' } }]
      : f0.controller?.address
        ? [{ label: `Set multifunction='on' on ${controllerName(f0.controller)}`, command: { kind: 'update-controller', controller: f0.controller.key, changes: { address: { ...f0.controller.address, multifunction: 'on' } } } }]
        : [];
    return finding(meta, `Slot ${hexNumber(slot, 2)} of bus ${hexNumber(bus, 2)} has several functions, but function 0 says multifunction='off': QEMU refuses to start (${qemuWords(slot, list, f0)}).`, occupantSubjects(list), fixes);
  });
  const defined = atDefine(ctx, placesAnything);
  if (!defined) return out;
  const seen = new Set(written.map((w) => `${w.bus}:${w.slot}`));
  for (const { bus, slot, list, f0 } of offSlots(definedSlots(defined))) {
    if (seen.has(`${bus}:${slot}`)) continue;
    const name = f0.device ? deviceName(f0.device) : `${f0.controller?.model ?? 'device'} index ${f0.controller?.index ?? '?'}`;
    const written0 = (x: Occupant): boolean => (x.device ? ctx.guest.devices.some((d) => d.key === x.device?.key) : ctx.guest.controllers.some((c) => c.key === x.controller?.key && c.address));
    const subjects = occupantSubjects(list.filter((o) => o.function === 0 || !written0(o)));
    out.push(finding(meta, `libvirt will fill slot ${hexNumber(slot, 2)} of bus ${hexNumber(bus, 2)} with the root ports it places, next to ${name} at function 0, which says multifunction='off': QEMU refuses to start ("PCI: single function device can't be populated"). Remove multifunction='off', or give the other ports addresses of their own.`, subjects));
  }
  return out;
});
/**
 * QEMU's words (pci_init_multifunction), which depend on what it creates first: libvirt's command
 * line has the controllers first, by index, then the devices (taken here in document order).
 */
function qemuWords(slot: number, list: readonly Occupant[], f0: Occupant): string {
  const rank = (o: Occupant): number => (o.controller ? (o.controller.index ?? 0) : 1e6 + (o.device ? 0 : 1));
  const order = [...list].sort((a, b) => rank(a) - rank(b));
  const s = slot.toString(16);
  const before = order.slice(0, order.indexOf(f0)).filter((o) => o.function > 0);
  if (before.length) return `"PCI: ${s}.0 indicates single function, but ${s}.${Math.min(...before.map((o) => o.function)).toString(16)} is already populated"`;
  const next = order.find((o) => o.function > 0) as Occupant;
  return `"PCI: single function device can't be populated in function ${s}.${next.function.toString(16)}"`;
}

const noDefaults = [dev('usb', 'controller', undefined, { type: 'usb', model: 'none' }), dev('balloon', 'memballoon', undefined, { model: 'none' })];
/** root ports filling every function of the given slots of pcie-root, indexes from 1 */
const fullSlots = (...slots: number[]): ReturnType<typeof ctrl>[] => slots.flatMap((slot, i) => Array.from({ length: 8 }, (_, fn) => rootPort(1 + i * 8 + fn, slot, fn)));
const offPort = (index: number, slot: number): ReturnType<typeof ctrl> => rootPort(index, slot, 0, { address: at(0, slot, 0, 'off') });

export const cases = {
  pass: [
    { name: "multifunction='on'", design: pseries([], [hostdev('0000:01:00.0', at(0, 1, 0, 'on')), hostdev('0000:01:00.1', at(0, 1, 1))]) },
    { name: "a root port at x.0 with multifunction='off' alone in its slot", design: q35([offPort(1, 3)], noDefaults) },
    { name: "root ports at x.0 (multifunction not written) and x.1: libvirt turns it on", design: q35([rootPort(1, 3, 0, { address: at(0, 3, 0) }), rootPort(2, 3, 1)], noDefaults) },
    // libvirt takes the first free slot, 00:01.0, not the aggregate slot 3
    { name: "a root port at x.0 with multifunction='off' and a root port libvirt places in a free slot", design: q35([offPort(1, 3), ctrl('pcie-root-port', 2)], noDefaults) },
    // the unaddressed port takes a slot of its own: the rng reserved slot 3 first, so it is no aggregate slot
    { name: "an rng at x.0 with multifunction='off' and a root port libvirt places", design: q35([ctrl('pcie-root-port', 1)], [dev('rng', 'rng', at(0, 3, 0, 'off'), { model: 'virtio' }), ...noDefaults]) },
  ],
  fail: [
    { name: "multifunction='off'", design: pseries([], [hostdev('0000:01:00.0', at(0, 1, 0, 'off')), hostdev('0000:01:00.1', at(0, 1, 1))]), expect: { devices: ['0000:01:00.0', '0000:01:00.1'] } },
    { name: "a root port at x.0 with multifunction='off' and one at x.1", design: q35([offPort(1, 3), rootPort(2, 3, 1)], noDefaults), expect: { controllers: [1, 2] } },
    // slots 1 and 2 are full: libvirt puts the unaddressed port in the aggregate slot 3, at 00:03.1 (QEMU refuses it)
    { name: "a root port at x.0 with multifunction='off' and a root port libvirt places beside it", design: q35([...fullSlots(1, 2), offPort(17, 3), ctrl('pcie-root-port', 18)], noDefaults), expect: { controllers: [17, 18] } },
  ],
};
