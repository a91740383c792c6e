import type { RuleMeta } from '../types.ts';
import { hostdev } from '../testkit.ts';
import type { WorkspaceFinding, WorkspaceRule, WorkspaceRuleCases } from './types.ts';
import { workspaceFinding } from './types.ts';
import { workspace } from './testkit.ts';

const meta: RuleMeta = {
  id: 'HD-NUMA-1',
  severity: 'info',
  title: 'What each guest takes from each host NUMA node',
  why: "A passed-through device does DMA into the memory of its host NUMA node best; seeing, per node, which guest takes which devices shows whose vCPUs and memory belong there (numatune, the vPHB or expander <node>, PAPR-NUMA-4 and Q35-NUMA-1 within one guest).",
  source: "libvirt docs/formatnode.rst (<numa node> of a PCI node device, the kernel's sysfs numa_node); docs/formatdomain.rst § NUMA Node Tuning (numatune memnode)",
  needsHost: true,
  families: 'all',
};

export const rule: WorkspaceRule = {
  meta,
  check: ({ workspace: ws, usage }) => {
    if (!ws.host) return [];
    // node -> guest -> addresses
    const byNode = new Map<number, Map<string, string[]>>();
    for (const [address, uses] of usage.devices) {
      const node = ws.host.devices.get(address)?.numaNode;
      if (node === undefined) continue;
      let guests = byNode.get(node);
      if (!guests) byNode.set(node, (guests = new Map()));
      for (const u of uses) guests.set(u.guest, [...(guests.get(u.guest) ?? []), address]);
    }
    const order = new Map(ws.guests.map((g, i) => [g.name, i]));
    const out: WorkspaceFinding[] = [];
    for (const node of [...byNode.keys()].sort((a, b) => a - b)) {
      const guests = new Map([...(byNode.get(node) as Map<string, string[]>)].sort(([a], [b]) => (order.get(a) ?? 0) - (order.get(b) ?? 0)));
      const addresses = [...new Set([...guests.values()].flat())].sort();
      const groups = [...new Set(addresses.map((a) => ws.host?.devices.get(a)?.iommuGroup).filter((n): n is number => n !== undefined))].sort((a, b) => a - b);
      const parts = [...guests].map(([name, list]) => `${name} takes ${list.length} (${[...list].sort().join(', ')})`);
      out.push(workspaceFinding(meta, `Host NUMA node ${node}: ${parts.join('; ')}.`, { devices: addresses, ...(groups.length ? { groups } : {}) }, [...guests.keys()]));
    }
    return out;
  },
};

const GROUPS = { 1: ['0000:01:00.0'], 2: ['0000:02:00.0'], 3: ['0000:81:00.0'] };
const NUMA = { '0000:01:00.0': 0, '0000:02:00.0': 0, '0000:81:00.0': 1 };

export const cases: WorkspaceRuleCases = {
  pass: [
    { name: 'the host does not say which node a device is on', workspace: workspace({ groups: GROUPS }, { alpha: [hostdev('0000:01:00.0')], beta: [hostdev('0000:81:00.0')] }) },
    { name: 'no guest passes a device through', workspace: workspace({ groups: GROUPS, numa: NUMA }, { alpha: [], beta: [] }) },
  ],
  fail: [
    {
      name: 'two guests take from node 0, one from node 1',
      workspace: workspace({ groups: GROUPS, numa: NUMA }, { alpha: [hostdev('0000:01:00.0'), hostdev('0000:81:00.0')], beta: [hostdev('0000:02:00.0')] }),
      expect: { devices: ['0000:01:00.0', '0000:02:00.0'], groups: [1, 2], domains: ['alpha', 'beta'] },
    },
  ],
};
