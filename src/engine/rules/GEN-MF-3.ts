import type { Rule, RuleMeta } from './types.ts';
import type { Finding } from './types.ts';
import type { RuleContext } from './context.ts';
import { addrText, finding, occupantsBySlot, occupantSubjects } from './context.ts';
import { atDefine, placesAnything } from './atDefine.ts';
import { busRule } from './define.ts';
import { deviceName } from './fixes.ts';
import { at, dev, hostdev, pseries, q35 } from './testkit.ts';
import { hexNumber } from '../model/names.ts';

const meta: RuleMeta = {
  id: 'GEN-MF-3',
  severity: 'error',
  title: 'A slot with functions > 0 has a function 0',
  why: 'The guest scans a slot from function 0; without it the other functions are never seen, and QEMU refuses to expose them.',
  source: 'QEMU hw/pci/pci.c do_pci_register_device, pci_init_multifunction; Linux drivers/pci/probe.c pci_scan_slot (no function 0: the slot is not scanned further); where libvirt puts a function > 0 itself: libvirt src/qemu/qemu_domain_address.c qemuDomainAssignDevicePCISlots (an ICH9 USB2 controller at its own function of a slot: ich9-ehci1 at 7)',
  families: 'all',
};

/** The machine's own function 0: ICH9 LPC at 00:1f.0 on q35, PIIX3 at 00:01.0 on i440fx. */
const chipsetSlot = (family: string, bus: number, slot: number): boolean => bus === 0 && ((family === 'q35' && slot === 0x1f) || (family === 'i440fx' && slot === 1));

/**
 * The same judgement on what libvirt will do at define (issue 13: validate on the input catches
 * what it catches on the placed output): libvirt gives an ICH9 USB2 controller its own function
 * of a slot (qemuDomainAssignDevicePCISlots), so an ich9-ehci1 without its uhci1 companion lands
 * at function 7 of a slot with no function 0, which the guest never scans.
 */
function atDefineTime(ctx: RuleContext): Finding[] {
  const defined = atDefine(ctx, placesAnything);
  if (!defined) return [];
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

export const rule: Rule = busRule(meta, (ctx, bus) => {
  const out = [];
  for (const [slot, list] of occupantsBySlot(bus)) {
    if (list.some((o) => o.function === 0)) continue;
    if (chipsetSlot(ctx.family, bus.index, slot)) continue;
    const first = [...list].sort((a, b) => a.function - b.function).find((o) => o.device)?.device;
    const fixes = first?.address
      ? [{ label: `Move ${deviceName(first)} to function 0 of slot ${hexNumber(slot, 2)}`, command: { kind: 'move-device' as const, device: first.key, address: { ...first.address, function: 0, multifunction: list.length > 1 ? ('on' as const) : undefined } } }]
      : undefined;
    out.push(finding(meta, `Slot ${hexNumber(slot, 2)} of bus ${hexNumber(bus.index, 2)} uses function(s) ${list.map((o) => o.function).join(', ')} but has no function 0; the guest will not see them.`, occupantSubjects(list), fixes));
  }
  return out;
}, atDefineTime);

export const cases = {
  pass: [
    { name: 'functions 0 and 1', design: pseries([], [hostdev('0000:01:00.0', at(0, 1, 0, 'on')), hostdev('0000:01:00.1', at(0, 1, 1))]) },
    { name: 'an ICH9 EHCI libvirt places with its uhci1 companion (function 0)', design: q35([], [dev('ehci', 'controller', undefined, { type: 'usb', model: 'ich9-ehci1', index: 0 }), dev('uhci', 'controller', undefined, { type: 'usb', model: 'ich9-uhci1', index: 0 })]) },
  ],
  fail: [
    { name: 'function 1 alone', design: pseries([], [hostdev('0000:01:00.1', at(0, 1, 1))]), expect: { devices: ['0000:01:00.1'] } },
    { name: 'an ICH9 EHCI alone, which libvirt puts at function 7 of a free slot', design: q35([], [dev('ehci', 'controller', undefined, { type: 'usb', model: 'ich9-ehci1', index: 0 })]), expect: { devices: ['ehci'] } },
  ],
};
