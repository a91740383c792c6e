import type { Rule, RuleMeta } from './types.ts';
import { finding } from './context.ts';
import { globalRule } from './define.ts';
import { removeControllerFix, setTargetFix } from './fixes.ts';
import { at, ctrl, design, q35 } from './testkit.ts';

const meta: RuleMeta = {
  id: 'Q35-PXB-1',
  severity: 'error',
  title: 'pcie-expander-bus only on q35 and virt; an expander\'s NUMA node exists',
  why: 'pxb-pcie hangs off a pcie-root, so libvirt refuses it on other machines; its <node> must be one of the guest NUMA cells.',
  source: 'libvirt src/qemu/qemu_domain.c qemuDomainControllerDefPostParse; a negative <node>: src/conf/domain_conf.c virDomainControllerDefParseXML ("invalid NUMA node in target", libvirt 10.7 and 9.0); QEMU hw/pci-bridge/pci_expander_bridge.c; tests pcie-expander-bus-bad-*',
  families: ['q35', 'virt', 'i440fx', 'other'],
};

export const rule: Rule = globalRule(meta, (ctx) =>
  ctx.guest.controllers.flatMap((c) => {
    if (c.model !== 'pcie-expander-bus' && c.model !== 'pci-expander-bus') return [];
    const subj = { controllers: c.index !== undefined ? [c.index] : [] };
    if (c.model === 'pcie-expander-bus' && ctx.family !== 'q35' && ctx.family !== 'virt') return [finding(meta, `pcie-expander-bus controllers (index ${c.index}) are not supported with this machine type.`, subj, removeControllerFix(c, 'only q35 and virt have pcie-expander-bus'))];
    const node = c.target.node;
    // virDomainControllerDefParseXML: a negative <node> is refused while reading the XML
    if (node !== undefined && node < 0) return [finding(meta, `${c.model} with index ${c.index} has <node>${node}</node>: libvirt refuses it while reading the XML ("invalid NUMA node in target").`, subj, [setTargetFix(c, `Take NUMA node ${node} off ${c.model} ${c.index}`, { ...c.target, node: undefined })])];
    if (node !== undefined && node >= ctx.guest.numaCells.length) return [finding(meta, `${c.model} with index ${c.index} is configured for NUMA node ${node}, not present in the domain's <cpu><numa> array (${ctx.guest.numaCells.length}).`, subj, [setTargetFix(c, `Take NUMA node ${node} off ${c.model} ${c.index}`, { ...c.target, node: undefined })])];
    return [];
  }),
);

export const cases = {
  pass: [
    { name: 'pxb-pcie on q35', design: q35([ctrl('pcie-expander-bus', 1, { address: at(0, 2), target: { busNr: 254 } })], []) },
    { name: 'node 0 of 1', design: q35([ctrl('pcie-expander-bus', 1, { address: at(0, 2), target: { busNr: 254, node: 0 } })], [], undefined, { numaCells: 1 }) },
  ],
  fail: [
    { name: 'pxb-pcie on i440fx', design: design({ machine: 'pc-i440fx-9.0', controllers: [ctrl('pci-root', 0), ctrl('pcie-expander-bus', 1, { address: at(0, 2) })] }), expect: { controllers: [1] } },
    // libvirt 9.0: "invalid NUMA node in target"
    { name: 'node -1 (libvirt refuses it while parsing)', design: q35([ctrl('pcie-expander-bus', 1, { address: at(0, 2), target: { busNr: 254, node: -1 } })], [], undefined, { numaCells: 1 }), expect: { controllers: [1] } },
    { name: 'node 1 with no NUMA', design: q35([ctrl('pcie-expander-bus', 1, { address: at(0, 2), target: { busNr: 254, node: 1 } })], []), expect: { controllers: [1] } },
  ],
};
