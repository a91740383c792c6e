import type { Rule, RuleMeta } from './types.ts';
import { addrText, finding } from './context.ts';
import { busRule } from './define.ts';
import { sameBusFix } from './fixes.ts';
import { isPhb } from '../model/guest.ts';
import { at, dev, pseries } from './testkit.ts';

const meta: RuleMeta = {
  id: 'PAPR-SLOT-1',
  severity: 'error',
  title: 'Nothing on slot 0 of a PHB',
  why: 'libvirt offers PHB slots 1-31 only and refuses slot 0 ("slot must be >= 1").',
  source: 'libvirt src/conf/domain_addr.c virDomainPCIAddressBusSetModel (PCI_ROOT minSlot=1); QEMU hw/ppc/spapr_pci.c spapr_phb_realize',
  families: ['pseries'],
};

export const rule: Rule = busRule(meta, (ctx, bus) => {
  if (!bus.controller || !isPhb(bus.controller)) return [];
  const out = [];
  for (const d of bus.devices) {
    if (d.address?.slot !== 0) continue;
    const fix = sameBusFix(ctx, d);
    out.push(finding(meta, `${d.label} is at ${addrText(d.address)}: slot 0 of a PHB is not usable (slot must be >= 1).`, { controllers: [bus.index], devices: [d.key] }, fix ? [fix] : undefined));
  }
  for (const c of bus.controllers) if (c.address?.slot === 0) out.push(finding(meta, `Controller ${c.index} is at ${addrText(c.address)}: slot 0 of a PHB is not usable.`, { controllers: [bus.index, c.index ?? -1] }));
  return out;
});

export const cases = {
  pass: [{ name: 'slot 1', design: pseries([], [dev('vda', 'disk', at(0, 1))]) }],
  fail: [{ name: 'slot 0', design: pseries([], [dev('vda', 'disk', at(0, 0))]), expect: { devices: ['vda'] } }],
};
