import type { Fix, Rule, RuleMeta } from './types.ts';
import type { Occupant } from './context.ts';
import { finding, occupantsBySlot, occupantSubjects } from './context.ts';
import { busRule } from './define.ts';
import { at, hostdev, pseries, q35, rootPort } from './testkit.ts';
import { controllerName, hexNumber } from '../model/names.ts';

const meta: RuleMeta = {
  id: 'GEN-MF-2',
  severity: 'error',
  title: "Function 0 of a multifunction slot is not multifunction='off'",
  why: 'QEMU refuses other functions in a slot whose function 0 is a single-function device ("x.0 indicates single function, but x.y is already populated").',
  source: 'QEMU hw/pci/pci.c pci_init_multifunction (endpoints and controllers alike; checked with libvirt 9.0 + QEMU 7.2 on root ports); libvirt virDomainPCIAddressSetAllMulti (GEN-MF-1), which leaves a written multifunction as it is',
  families: 'all',
};

export const rule: Rule = busRule(meta, (_ctx, bus) => {
  const out = [];
  for (const [slot, list] of occupantsBySlot(bus)) {
    const f0 = list.find((o) => o.function === 0);
    if (!f0 || f0.multifunction !== 'off' || !list.some((o) => o.function > 0)) continue;
    // controllers too: libvirt's own test q35-multifunction keeps multifunction='off' on a root port
    // at x.0 beside other root ports in the slot (its tests never start QEMU), and QEMU 7.2 refuses it
    // ("PCI: single function device can't be populated in function 4.1")
    const fixes: Fix[] = f0.device
      ? [{ label: `Set multifunction='on' on ${f0.device.label}`, command: { kind: 'set-multifunction', device: f0.device.key, value: 'on' } }]
      : f0.controller?.address
        ? [{ label: `Set multifunction='on' on ${controllerName(f0.controller)}`, command: { kind: 'update-controller', controller: f0.controller.key, changes: { address: { ...f0.controller.address, multifunction: 'on' } } } }]
        : [];
    out.push(finding(meta, `Slot ${hexNumber(slot, 2)} of bus ${hexNumber(bus.index, 2)} has several functions, but function 0 says multifunction='off': QEMU refuses it (${qemuWords(slot, list, f0)}).`, occupantSubjects(list), fixes));
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

export const cases = {
  pass: [
    { name: "multifunction='on'", design: pseries([], [hostdev('0000:01:00.0', at(0, 1, 0, 'on')), hostdev('0000:01:00.1', at(0, 1, 1))]) },
    // libvirt sets multifunction='on' where it is not written (virDomainPCIAddressSetAllMulti)
    { name: 'root ports in one slot, function 0 without the attribute', design: q35([rootPort(1, 1, 0, { address: at(0, 2, 0) }), rootPort(2, 2, 0, { address: at(0, 2, 1) })], []) },
    { name: "a lone root port with multifunction='off'", design: q35([rootPort(1, 1, 0, { address: at(0, 2, 0, 'off') })], []) },
  ],
  fail: [
    { name: "multifunction='off'", design: pseries([], [hostdev('0000:01:00.0', at(0, 1, 0, 'off')), hostdev('0000:01:00.1', at(0, 1, 1))]), expect: { devices: ['0000:01:00.0', '0000:01:00.1'] } },
    // QEMU 7.2: "PCI: single function device can't be populated in function 2.1" (libvirt's q35-multifunction has it at slot 4)
    { name: "root ports in one slot, function 0 multifunction='off'", design: q35([rootPort(1, 1, 0, { address: at(0, 2, 0, 'off') }), rootPort(2, 2, 0, { address: at(0, 2, 1) })], []), expect: { controllers: [1, 2] } },
  ],
};
