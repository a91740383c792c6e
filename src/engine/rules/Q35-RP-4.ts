import type { Finding, Rule, RuleMeta } from './types.ts';
import { addrText, finding } from './context.ts';
import { busRule } from './define.ts';
import { at, dev, q35, rootPort } from './testkit.ts';

const meta: RuleMeta = {
  id: 'Q35-RP-4',
  severity: 'error',
  title: 'Behind a root or downstream port, slot 0 only',
  why: 'A PCIe port has a single slot; libvirt refuses any other ("slot must be <= 0") and the guest would not see the device.',
  source: 'libvirt src/conf/domain_addr.c virDomainPCIAddressBusSetModel (maxSlot 0); QEMU hw/pci/pci.c pci_qdev_realize',
  families: 'all',
};

export const rule: Rule = busRule(meta, (_ctx, bus) => {
  const parent = bus.controller;
  if (!parent || (parent.model !== 'pcie-root-port' && parent.model !== 'pcie-switch-downstream-port')) return [];
  const usedFns = new Set<number>();
  for (const d of bus.devices) if (d.address?.slot === 0) usedFns.add(d.address.function);
  for (const c of bus.controllers) if (c.address?.slot === 0) usedFns.add(c.address.function);
  const out: Finding[] = [];
  for (const d of bus.devices) {
    if (!d.address || d.address.slot === 0) continue;
    let fn = 0;
    while (usedFns.has(fn) && fn < 8) fn++;
    const fixes = fn < 8 ? [{ label: `Move ${d.label} to slot 0x00 function ${fn}`, command: { kind: 'move-device' as const, device: d.key, address: at(bus.index, 0, fn) } }] : undefined;
    if (fn < 8) usedFns.add(fn);
    out.push(finding(meta, `${d.label} is at ${addrText(d.address)}, but ${parent.model} ${bus.index} has only slot 0 (slot must be <= 0).`, { controllers: [bus.index], devices: [d.key] }, fixes));
  }
  for (const c of bus.controllers) if (c.address && c.address.slot !== 0) out.push(finding(meta, `Controller ${c.index} is at ${addrText(c.address)}, but ${parent.model} ${bus.index} has only slot 0.`, { controllers: [bus.index, c.index ?? -1] }));
  return out;
});

export const cases = {
  pass: [{ name: 'slot 0', design: q35([rootPort(1, 1)], [dev('vda', 'disk', at(1, 0))]) }],
  fail: [{ name: 'slot 1 behind a root port', design: q35([rootPort(1, 1)], [dev('vda', 'disk', at(1, 1))]), expect: { devices: ['vda'] } }],
};
