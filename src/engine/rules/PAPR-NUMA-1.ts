import type { Rule, RuleMeta } from './types.ts';
import { finding } from './context.ts';
import { globalRule } from './define.ts';
import { setTargetFix } from './fixes.ts';
import { isPhb } from '../model/guest.ts';
import { phb, pseries } from './testkit.ts';

const meta: RuleMeta = {
  id: 'PAPR-NUMA-1',
  severity: 'error',
  title: 'The default PHB has no NUMA node',
  why: 'PHB 0 is implicit in QEMU and cannot be tied to a NUMA node; libvirt refuses <node> on controller index 0.',
  source: 'libvirt src/conf/domain_validate.c virDomainControllerDefValidate ("The PCI controller with index=0 can\'t be associated with a NUMA node"); test pseries-default-phb-numa-node; a negative <node>: src/conf/domain_conf.c virDomainControllerDefParseXML ("invalid NUMA node in target", libvirt 9.0 here)',
  families: ['pseries'],
};

export const rule: Rule = globalRule(meta, (ctx) =>
  ctx.guest.controllers
    .filter((c) => isPhb(c) && c.index === 0 && c.target.node !== undefined)
    .map((c) =>
      finding(
        meta,
        // a negative <node> is refused while the XML is read, before this check (PAPR-NUMA-2 says the same of other PHBs)
        (c.target.node as number) < 0
          ? `The PCI controller with index 0 has <node>${c.target.node}</node>: libvirt refuses it while reading the XML ("invalid NUMA node in target").`
          : `The PCI controller with index 0 can't be associated with a NUMA node (node ${c.target.node}).`,
        { controllers: [0] },
        [setTargetFix(c, 'Remove the NUMA node from PHB 0', { ...c.target, node: undefined })],
      ),
    ),
);

export const cases = {
  pass: [{ name: 'node on PHB 1', design: pseries([phb(1, { node: 0 })], [], undefined, { numaCells: 1 }) }],
  fail: [{ name: 'node on PHB 0', design: pseries([], [], undefined, { numaCells: 1, controllers: [phb(0, { node: 0 })] }), expect: { controllers: [0] } }],
};
