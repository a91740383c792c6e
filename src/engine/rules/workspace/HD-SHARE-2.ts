import type { RuleMeta } from '../types.ts';
import { hostdev } from '../testkit.ts';
import type { WorkspaceFinding, WorkspaceRule, WorkspaceRuleCases } from './types.ts';
import { listNames, workspaceFinding } from './types.ts';
import { workspace } from './testkit.ts';

const meta: RuleMeta = {
  id: 'HD-SHARE-2',
  severity: 'warning',
  title: 'One IOMMU group split between guests',
  why: 'VFIO gives a whole IOMMU group to one guest at a time: with different functions of one group in two guests, the second cannot start while the first runs. libvirt defines both and refuses the start.',
  source:
    'libvirt src/hypervisor/virhostdev.c virHostdevPreparePCIDevices: for VFIO it walks the IOMMU group (virPCIDeviceAddressIOMMUGroupIterate) with virHostdevIsPCINodeDeviceUsed ("VFIO devices belonging to same IOMMU group can\'t be shared across guests": "PCI device %s is in use by driver %s, domain %s"); Linux drivers/vfio/group.c vfio_group_fops_open (a group is opened by one user: EBUSY)',
  needsHost: true,
  families: 'all',
};

export const rule: WorkspaceRule = {
  meta,
  check: ({ workspace: ws, usage }) => {
    if (!ws.host) {
      // Without the host's groups this cannot be judged; say so once when it could matter.
      const withHostdevs = new Set([...usage.devices.values()].flatMap((uses) => uses.map((u) => u.guest)));
      return withHostdevs.size < 2 ? [] : [workspaceFinding({ ...meta, severity: 'info' }, `${meta.id} (${meta.title}) could not be checked: no host is loaded. Load the host's node-device XML to check it.`, {}, [...withHostdevs])];
    }
    const out: WorkspaceFinding[] = [];
    for (const [group, byGuest] of usage.groups) {
      if (byGuest.size < 2) continue;
      const sets = [...byGuest.values()].map((s) => s.join(' '));
      // The same functions in every guest is HD-SHARE-1's finding alone.
      if (sets.every((s) => s === sets[0])) continue;
      const names = [...byGuest.keys()];
      const who = [...byGuest].map(([guest, addresses]) => `${guest} has ${addresses.join(', ')}`).join('; ');
      const first = names[0] as string;
      // libvirt walks the starting guest's group and names the member it finds on the active list
      // (virHostdevIsPCINodeDeviceUsed: virPCIDeviceGetName(actual)): the running guest's function
      const held = byGuest.get(first)?.[0] ?? '';
      out.push(
        workspaceFinding(
          meta,
          `IOMMU group ${group} is split between ${listNames(names)} (${who}): VFIO gives a group to one guest at a time, so they cannot run at the same time. libvirt refuses to start the second while the first runs ("PCI device ${held} is in use by driver QEMU, domain ${first}"). Give the whole group to one guest.`,
          { groups: [group], devices: [...new Set([...byGuest.values()].flat())].sort() },
          names,
        ),
      );
    }
    return out;
  },
};

const GROUPS = { groups: { 7: ['0000:07:00.0', '0000:07:00.1'], 8: ['0000:08:00.0'], 9: ['0000:09:00.0', '0000:09:00.1'] } };

export const cases: WorkspaceRuleCases = {
  pass: [
    { name: 'each group in one guest', workspace: workspace(GROUPS, { alpha: [hostdev('0000:07:00.0'), hostdev('0000:07:00.1')], beta: [hostdev('0000:08:00.0'), hostdev('0000:09:00.0')] }) },
    { name: 'the same functions of a group in both guests (HD-SHARE-1 only)', workspace: workspace(GROUPS, { alpha: [hostdev('0000:07:00.0')], beta: [hostdev('0000:07:00.0')] }) },
    { name: 'no host, one guest with hostdevs', workspace: workspace(undefined, { alpha: [hostdev('0000:07:00.0')], beta: [] }) },
  ],
  fail: [
    { name: 'two functions of one group in two guests', workspace: workspace(GROUPS, { alpha: [hostdev('0000:07:00.0')], beta: [hostdev('0000:08:00.0')], gamma: [hostdev('0000:07:00.1')] }), expect: { groups: [7], devices: ['0000:07:00.0', '0000:07:00.1'], domains: ['alpha', 'gamma'] } },
    { name: 'one guest has the whole group, another one function of it', workspace: workspace(GROUPS, { alpha: [hostdev('0000:09:00.0'), hostdev('0000:09:00.1')], beta: [hostdev('0000:09:00.1')] }), expect: { groups: [9], domains: ['alpha', 'beta'] } },
  ],
};
