import type { Finding, Rule, RuleMeta } from './types.ts';
import { finding } from './context.ts';
import { hostRule } from './define.ts';
import { at, hostdev, phb, pseries } from './testkit.ts';

const meta: RuleMeta = {
  id: 'HD-VFIO-1',
  severity: 'warning',
  title: 'A host IOMMU group is passed through whole',
  why: 'VFIO can use a group only when every endpoint in it is bound to vfio (or to nothing); managed=\'yes\' detaches only the listed devices, so a partly passed group fails with "group N is not viable".',
  source: 'QEMU hw/vfio/container.c vfio_get_group; libvirt docs/formatdomain.rst (Host device assignment)',
  needsHost: true,
  families: 'all',
  impact: 2,
};

export const rule: Rule = hostRule(meta, (ctx) => ctx.hostdevs.length > 0, (ctx) => {
  const out: Finding[] = [];
  for (const [group, devices] of ctx.devicesByGroup) {
    const members = ctx.host?.groups.get(group)?.members ?? [];
    const present = new Set(devices.map((d) => d.key));
    const missing = members.filter((a) => !present.has(a) && !ctx.host?.devices.get(a)?.bridge);
    if (missing.length === 0) continue;
    const anchor = devices.find((d) => d.address)?.address;
    const all = members.filter((a) => !ctx.host?.devices.get(a)?.bridge);
    const fixes = anchor ? [{ label: `Pass the rest of IOMMU group ${group} (${missing.join(', ')}) through on controller ${anchor.bus}`, command: { kind: 'add-hostdevs' as const, hostAddresses: all, controller: anchor.bus } }] : undefined;
    out.push(finding(meta, `IOMMU group ${group} is only partly passed through: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing. VFIO needs every endpoint of the group bound to vfio.`, { devices: devices.map((d) => d.key), groups: [group] }, fixes));
  }
  return out;
});

const H = { groups: { 1: ['0000:01:00.0', '0000:01:00.1'] } };
export const cases = {
  pass: [{ name: 'whole group', design: pseries([phb(1)], [hostdev('0000:01:00.0', at(1, 1, 0, 'on')), hostdev('0000:01:00.1', at(1, 1, 1))], H) }],
  fail: [{ name: 'one of two functions', design: pseries([phb(1)], [hostdev('0000:01:00.0', at(1, 1))], H), expect: { groups: [1] } }],
};
