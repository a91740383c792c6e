import type { Rule, RuleMeta } from './types.ts';
import { finding } from './context.ts';
import { hostRule } from './define.ts';
import { setTargetFix } from './fixes.ts';
import { guestCellForHostNode, nodesetHas } from '../model/numa.ts';
import { at, hostdev, phb, pseries } from './testkit.ts';

const meta: RuleMeta = {
  id: 'PAPR-NUMA-4',
  severity: 'warning',
  title: "A hostdev's PHB is on the device's host NUMA node",
  why: "The PHB's <node> tells the guest where the device is; when that guest cell's memory is on another host node than the device, every DMA crosses nodes.",
  source: 'derived; QEMU hw/ppc/spapr_pci.c spapr_dt_phb (ibm,associativity); libvirt <numatune><memnode>',
  needsHost: true,
  families: ['pseries'],
};

export const rule: Rule = hostRule(meta, (ctx) => ctx.hostdevs.length > 0 && ctx.guest.controllers.some((c) => c.target.node !== undefined), (ctx) => {
  const out = [];
  for (const d of ctx.hostdevs) {
    if (!d.address) continue;
    const phbC = ctx.rootOf(d.address.bus);
    const cell = phbC?.target.node;
    const hostNode = ctx.hostDevice(d)?.numaNode;
    if (!phbC || cell === undefined || hostNode === undefined) continue;
    const memnode = ctx.guest.numaMemnodes.find((m) => m.cellid === cell);
    if (!memnode || nodesetHas(memnode.nodeset, hostNode)) continue;
    const better = guestCellForHostNode(ctx.guest, ctx.host, hostNode);
    const fixes = better !== undefined ? [setTargetFix(phbC, `Put vPHB ${phbC.index} on guest NUMA cell ${better} (host node ${hostNode})`, { ...phbC.target, node: better })] : undefined;
    out.push(finding(meta, `${d.label} is on host NUMA node ${hostNode}, but its PHB ${phbC.index} is on guest cell ${cell}, whose memory is on host node(s) ${memnode.nodeset}.`, { controllers: [phbC.index ?? -1], devices: [d.key] }, fixes));
  }
  return out;
});

const H = { groups: { 1: ['0000:01:00.0'] }, numa: { '0000:01:00.0': 8 } };
export const cases = {
  pass: [{ name: 'cell 1 on node 8', design: pseries([phb(1, { node: 1 })], [hostdev('0000:01:00.0', at(1, 1))], H, { numaCells: 2, memnodes: { 0: '0', 1: '8' } }) }],
  fail: [{ name: 'cell 0 on node 0', design: pseries([phb(1, { node: 0 })], [hostdev('0000:01:00.0', at(1, 1))], H, { numaCells: 2, memnodes: { 0: '0', 1: '8' } }), expect: { devices: ['0000:01:00.0'] } }],
};
