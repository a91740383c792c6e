import type { Fix, Rule, RuleMeta } from './types.ts';
import { finding, occupantsBySlot, occupantSubjects } from './context.ts';
import { busRule } from './define.ts';
import { at, hostdev, pseries } from './testkit.ts';
import { hexNumber } from '../model/names.ts';

const meta: RuleMeta = {
  id: 'GEN-MF-2',
  severity: 'error',
  title: "Function 0 of a multifunction slot is not multifunction='off'",
  why: 'QEMU refuses other functions in a slot whose function 0 is a single-function device ("x.0 indicates single function, but x.y is already populated").',
  source: 'QEMU hw/pci/pci.c pci_init_multifunction; libvirt virDomainPCIAddressSetAllMulti (GEN-MF-1)',
  families: 'all',
};

export const rule: Rule = busRule(meta, (_ctx, bus) => {
  const out = [];
  for (const [slot, list] of occupantsBySlot(bus)) {
    const f0 = list.find((o) => o.function === 0);
    if (!f0 || f0.multifunction !== 'off' || !list.some((o) => o.function > 0)) continue;
    // libvirt's own test q35-multifunction keeps multifunction='off' on a root port at x.0 next to
    // other root ports in the slot and accepts it; only endpoints are held to QEMU's rule here.
    if (f0.controller) continue;
    const fixes: Fix[] = f0.device ? [{ label: `Set multifunction='on' on ${f0.device.label}`, command: { kind: 'set-multifunction', device: f0.device.key, value: 'on' } }] : [];
    out.push(finding(meta, `Slot ${hexNumber(slot, 2)} of bus ${hexNumber(bus.index, 2)} has several functions, but function 0 says multifunction='off'.`, occupantSubjects(list), fixes));
  }
  return out;
});

export const cases = {
  pass: [{ name: "multifunction='on'", design: pseries([], [hostdev('0000:01:00.0', at(0, 1, 0, 'on')), hostdev('0000:01:00.1', at(0, 1, 1))]) }],
  fail: [{ name: "multifunction='off'", design: pseries([], [hostdev('0000:01:00.0', at(0, 1, 0, 'off')), hostdev('0000:01:00.1', at(0, 1, 1))]), expect: { devices: ['0000:01:00.0', '0000:01:00.1'] } }],
};
