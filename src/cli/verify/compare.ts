/**
 * The comparison at the heart of `verify`, pure: where the design put each device and PCI
 * controller, where libvirt put it (its dumpxml after define), and where QEMU realised it (its QOM
 * tree, read back by readback.ts). Returns one row per device and controller; no I/O, so it is
 * tested on recorded answers (compare.test.ts).
 */
import type { PciController } from '../../engine/index.ts';
import { parseLibvirtUint } from '../../engine/index.ts';
import type { DefineCopy } from './prepare.ts';
import { landedNote, spareAccount } from './spares.ts';
import type { BusSlotFunction, QomDevice, VerifyController, VerifyDevice } from './types.ts';
import { aliasOf, child, elements, pciAddressOf } from './xml.ts';
import type { XmlElement } from './xml.ts';

export interface CompareInput {
  /** what the design says (prepare.ts makeDefineCopy) */
  readonly copy: DefineCopy;
  /** libvirt's dumpxml of the define copy: every address libvirt assigned */
  readonly normalized: XmlElement;
  /** libvirt's dumpxml of the running copy: QEMU device ids as aliases */
  readonly live: XmlElement;
  /** QEMU's devices by id (readback.ts readQom) */
  readonly qom: ReadonlyMap<string, QomDevice>;
  /** `slot/function` of the devices built into the machine on its root bus (readback.ts readBuiltins) */
  readonly builtins: ReadonlySet<string>;
}

export interface CompareRows {
  readonly devices: VerifyDevice[];
  readonly controllers: VerifyController[];
  /** devices libvirt added on the last spare the design kept for hotplug: `<what> at bb:ss.f` */
  readonly sparesTaken: string[];
}

export const formatBsf = (a: BusSlotFunction | undefined): string =>
  a ? `${a.bus.toString(16).padStart(2, '0')}:${a.slot.toString(16).padStart(2, '0')}.${a.function}` : '-';

/** How a device libvirt added is named in the report: `controller usb qemu-xhci`, `memballoon virtio`. */
function addedName(el: XmlElement): string {
  return [el.name, el.attributes.type, el.attributes.model].filter(Boolean).join(' ');
}
const bsf = (a: { bus: number; slot: number; function: number } | undefined): BusSlotFunction | undefined => a && { bus: a.bus, slot: a.slot, function: a.function };
const sameBsf = (a: BusSlotFunction | undefined, b: BusSlotFunction | undefined): boolean => !!a && !!b && a.bus === b.bus && a.slot === b.slot && a.function === b.function;

interface LiveController {
  index: number;
  model: string;
  alias?: string | undefined;
  targetIndex?: number | undefined;
  chassis?: number | undefined;
  address?: BusSlotFunction | undefined;
}

function liveControllers(dom: XmlElement): LiveController[] {
  const out: LiveController[] = [];
  for (const c of elements(child(dom, 'devices') ?? dom, 'controller')) {
    if (c.attributes.type !== 'pci') continue;
    const index = parseLibvirtUint(c.attributes.index);
    if (index === undefined) continue;
    const t = child(c, 'target');
    out.push({
      index,
      model: c.attributes.model ?? '',
      alias: aliasOf(c),
      targetIndex: parseLibvirtUint(t?.attributes.index),
      chassis: parseLibvirtUint(t?.attributes.chassis),
      address: bsf(pciAddressOf(c)),
    });
  }
  return out.sort((a, b) => a.index - b.index);
}

export function compare({ copy, normalized, live, qom, builtins }: CompareInput): CompareRows {
  const devices: VerifyDevice[] = [];
  const controllers: VerifyController[] = [];
  const sparesTaken: string[] = [];
  const ctrls = liveControllers(live);
  const byIndex = new Map(ctrls.map((c) => [c.index, c]));
  const busOf = (index: number): string | undefined => {
    const c = byIndex.get(index);
    if (!c?.alias) return undefined;
    return qom.get(c.alias)?.childBus ?? c.alias;
  };
  const byPosition = new Map<string, QomDevice>();
  for (const d of qom.values()) if (d.bus !== undefined && d.slot !== undefined) byPosition.set(`${d.bus}/${d.slot}/${d.function ?? 0}`, d);

  const qemuView = (alias: string | undefined, at: BusSlotFunction | undefined): { qemu?: VerifyDevice['qemu']; agree: boolean; note?: string } => {
    const want = at && busOf(at.bus);
    let d = alias ? qom.get(alias) : undefined;
    if ((!d || d.slot === undefined) && at && want) d = byPosition.get(`${want}/${at.slot}/${at.function}`);
    if ((!d || d.slot === undefined) && at && at.bus === 0 && want && builtins.has(`${at.slot}/${at.function}`)) {
      return { qemu: { bus: want, slot: at.slot, function: at.function }, agree: true, note: 'built into the machine type' };
    }
    if (!d || d.bus === undefined || d.slot === undefined) return { agree: false, note: 'QEMU has no such PCI device' };
    const qemu = { bus: d.bus, parentController: d.parentController, slot: d.slot, function: d.function ?? 0 };
    const agree = !!at && qemu.bus === want && qemu.slot === at.slot && qemu.function === at.function;
    return { qemu, agree, ...(agree ? {} : { note: `libvirt has it on bus ${want ?? '?'} but QEMU realised it elsewhere` }) };
  };

  // libvirt's decisions come from the copy with the real devices (the runnable one only re-states them)
  const normalizedDevices = elements(child(normalized, 'devices') ?? normalized);
  const liveDevices = elements(child(live, 'devices') ?? live);
  const normalizedByAlias = new Map<string, XmlElement>();
  for (const el of normalizedDevices) {
    const a = aliasOf(el);
    if (a) normalizedByAlias.set(a, el);
  }
  const liveByAlias = new Map<string, XmlElement>();
  for (const el of liveDevices) {
    const a = aliasOf(el);
    if (a) liveByAlias.set(a, el);
  }

  // Buses the design leaves empty, and what is still empty once libvirt has defined it.
  const designedBuses = new Set<number>();
  for (const d of copy.devices) if (d.address) designedBuses.add(d.address.bus);
  for (const a of copy.controllerAddresses.values()) designedBuses.add(a.bus);
  const definedBuses = new Set<number>();
  for (const el of normalizedDevices) {
    const a = pciAddressOf(el);
    if (a) definedBuses.add(a.bus);
  }
  const spares = spareAccount(copy.controllers, copy.family, designedBuses, definedBuses, ctrls);

  const seen = new Set<string>();
  for (const d of copy.devices) {
    seen.add(d.alias);
    const nel = normalizedByAlias.get(d.alias);
    const libvirt = nel ? bsf(pciAddressOf(nel)) : undefined;
    const liveAt = bsf(pciAddressOf(liveByAlias.get(d.alias) ?? nel ?? live)) ?? libvirt;
    if (!libvirt && !d.address) continue; // not a PCI device after all (e.g. a sata disk)
    const v = qemuView(d.alias, liveAt);
    const notes: string[] = [];
    let agree = v.agree;
    if (d.address && !sameBsf(d.address, libvirt)) {
      agree = false;
      notes.push('libvirt did not keep the designed address');
    }
    if (!sameBsf(libvirt, liveAt)) {
      agree = false;
      notes.push('the runnable copy moved it (a sandbox problem)');
    }
    if (v.note) notes.push(v.note);
    if (!d.address) {
      const landed = libvirt ? landedNote(spares, libvirt.bus, false) : undefined;
      notes.push(['address chosen by libvirt', landed?.note].filter(Boolean).join(' — '));
    }
    devices.push({ key: d.key, label: d.label, element: d.element, designed: d.address, libvirt, qemu: v.qemu, agree, ...(notes.length ? { note: notes.join('; ') } : {}) });
  }
  // What libvirt added on its own (usb, memballoon, …): in the inactive XML only the devices of
  // the input carry an alias (ours), so the others are found by address in the live XML.
  const liveByAddress = new Map<string, XmlElement>();
  for (const el of liveDevices) {
    const a = bsf(pciAddressOf(el));
    if (a) liveByAddress.set(formatBsf(a), el);
  }
  for (const el of normalizedDevices) {
    const own = aliasOf(el);
    if ((own && seen.has(own)) || (el.name === 'controller' && el.attributes.type === 'pci')) continue;
    const libvirt = bsf(pciAddressOf(el));
    if (!libvirt) continue;
    const liveEl = liveByAddress.get(formatBsf(libvirt));
    const alias = own ?? (liveEl && aliasOf(liveEl));
    const v = qemuView(alias, libvirt);
    const landed = landedNote(spares, libvirt.bus, true);
    if (landed.spareTaken) sparesTaken.push(`${addedName(el)} at ${formatBsf(libvirt)}`);
    devices.push({
      key: alias ?? addedName(el),
      label: addedName(el),
      element: addedName(el),
      libvirt,
      qemu: v.qemu,
      agree: v.agree && !landed.spareTaken,
      note: [[`added by libvirt at ${formatBsf(libvirt)}`, landed.note].filter(Boolean).join(' — '), v.note].filter(Boolean).join('; '),
    });
  }
  // PCI controllers: their own address, vPHB target index, port chassis
  const designed = new Map<number, PciController>();
  for (const c of copy.controllers) if (c.index !== undefined) designed.set(c.index, c);
  for (const c of ctrls) {
    const want = designed.get(c.index);
    const q = c.alias ? qom.get(c.alias) : undefined;
    const notes: string[] = [];
    let agree = true;
    const differs = (note: string): void => {
      agree = false;
      notes.push(note);
    };
    if (want && want.model !== c.model) differs(`designed model ${want.model}`);
    if (want?.target.index !== undefined && want.target.index !== c.targetIndex) differs(`designed target index ${want.target.index}`);
    if (want?.target.chassis !== undefined && want.target.chassis !== c.chassis) differs(`designed chassis ${want.target.chassis}`);
    if (c.index > 0 || c.address) {
      if (!q) differs('QEMU has no such controller');
      else {
        if (c.targetIndex !== undefined && c.index > 0 && q.index !== undefined && q.index !== c.targetIndex) differs(`QEMU index ${q.index}`);
        if (c.chassis !== undefined && q.chassis !== undefined && q.chassis !== c.chassis) differs(`QEMU chassis ${q.chassis}`);
      }
    }
    if (!want) notes.push('added by libvirt');
    controllers.push({ index: c.index, model: c.model, targetIndex: c.targetIndex, chassis: c.chassis, qemuId: c.alias, agree, ...(notes.length ? { note: notes.join('; ') } : {}) });
    if (c.address) {
      const v = qemuView(c.alias, c.address);
      const nc = elements(child(normalized, 'devices') ?? normalized, 'controller').find((x) => x.attributes.type === 'pci' && parseLibvirtUint(x.attributes.index) === c.index);
      const libvirt = nc ? bsf(pciAddressOf(nc)) : c.address;
      const des = copy.controllerAddresses.get(c.index);
      // a controller the design has but did not address is placed by libvirt as the design asked
      const landed = !des && libvirt ? landedNote(spares, libvirt.bus, !want) : { spareTaken: false, note: undefined };
      if (landed.spareTaken && libvirt) sparesTaken.push(`controller ${c.model} ${c.index} at ${formatBsf(libvirt)}`);
      const ok = v.agree && (!des || sameBsf(des, libvirt)) && !landed.spareTaken;
      const moved = des && !sameBsf(des, libvirt) ? 'libvirt did not keep the designed address' : undefined;
      const note = [v.note, moved, landed.note].filter(Boolean).join('; ');
      devices.push({
        key: `pci-ctrl-${c.index}`,
        label: `${c.model} (controller ${c.index})`,
        element: `controller ${c.model}`,
        designed: des,
        libvirt,
        qemu: v.qemu,
        agree: ok,
        ...(note ? { note } : {}),
      });
    }
  }
  return { devices, controllers, sparesTaken };
}
