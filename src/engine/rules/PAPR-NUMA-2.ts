import type { Rule, RuleMeta } from './types.ts';
import { finding } from './context.ts';
import { globalRule } from './define.ts';
import { setTargetFix } from './fixes.ts';
import { isPhb } from '../model/guest.ts';
import { phb, pseries } from './testkit.ts';

const meta: RuleMeta = {
  id: 'PAPR-NUMA-2',
  severity: 'error',
  title: "A PHB's NUMA node exists in the guest",
  why: 'The node must be one of the guest <cpu><numa> cells; libvirt refuses any other and QEMU says "Invalid NUMA node ID for PCI host bridge".',
  source: 'libvirt src/qemu/qemu_domain.c qemuDomainControllerDefPostParse; a negative <node>: src/conf/domain_conf.c virDomainControllerDefParseXML ("invalid NUMA node in target", libvirt 9.0 here); QEMU hw/ppc/spapr_pci.c spapr_phb_realize',
  families: ['pseries'],
};

export const rule: Rule = globalRule(meta, (ctx) => {
  const cells = ctx.guest.numaCells.length;
  return ctx.guest.controllers
    .filter((c) => isPhb(c) && c.index !== 0 && c.target.node !== undefined && (c.target.node < 0 || c.target.node >= cells))
    .map((c) =>
      finding(
        meta,
        // libvirt reads <node> as unsigned: a negative one is refused while parsing, before the cell count is checked
        (c.target.node as number) < 0
          ? `pci-root with index ${c.index} has <node>${c.target.node}</node>: libvirt refuses it while reading the XML ("invalid NUMA node in target").`
          : `pci-root with index ${c.index} is configured for a NUMA node (${c.target.node}) not present in the domain's <cpu><numa> array (${cells}).`,         { controllers: c.index !== undefined ? [c.index] : [] },
        [setTargetFix(c, `Remove the NUMA node from PHB ${c.index}`, { ...c.target, node: undefined })],
      ),
    );
});

export const cases = {
  pass: [{ name: 'node 1 of 2', design: pseries([phb(1, { node: 1 })], [], undefined, { numaCells: 2 }) }],
  fail: [
    { name: 'node 2 of 2', design: pseries([phb(1, { node: 2 })], [], undefined, { numaCells: 2 }), expect: { controllers: [1] } },
    { name: 'node -1 (libvirt refuses it while parsing)', design: pseries([phb(1, { node: -1 })], [], undefined, { numaCells: 2 }), expect: { controllers: [1] } },
  ],
};
