import type { RuleMeta } from '../types.ts';
import { dev, hostdev } from '../testkit.ts';
import { parsePciAddress } from '../../model/pci.ts';
import type { WorkspaceFinding, WorkspaceRule, WorkspaceRuleCases } from './types.ts';
import { listNames, workspaceFinding } from './types.ts';
import { workspace } from './testkit.ts';

const meta: RuleMeta = {
  id: 'HD-SHARE-1',
  severity: 'warning',
  title: 'A host device given to two guests',
  why: 'libvirt defines both domains, but a host PCI function is in use by one running domain at a time: starting the second while the first runs fails. People do share a device between guests that never run together, so it is a warning, not an error.',
  source:
    'libvirt src/hypervisor/virhostdev.c virHostdevPreparePCIDevices -> virHostdevIsPCINodeDeviceUsed: a function on the active list of another domain fails the start ("PCI device %s is in use by driver %s, domain %s")',
  families: 'all',
};

export const rule: WorkspaceRule = {
  meta,
  check: ({ workspace: ws, usage }) => {
    // One finding per set of guests: two guests sharing a whole card are told once, with its functions.
    const byGuests = new Map<string, { names: string[]; addresses: string[] }>();
    for (const [address, uses] of usage.devices) {
      if (uses.length < 2) continue;
      const names = uses.map((u) => u.guest);
      const key = names.join('\u0000');
      const entry = byGuests.get(key);
      if (entry) entry.addresses.push(address);
      else byGuests.set(key, { names, addresses: [address] });
    }
    const out: WorkspaceFinding[] = [];
    for (const { names, addresses } of byGuests.values()) {
      addresses.sort();
      const groups = [...new Set(addresses.map((a) => ws.host?.devices.get(a)?.iommuGroup).filter((n): n is number => n !== undefined))].sort((a, b) => a - b);
      const first = names[0] as string;
      const them = addresses.length === 1 ? `Host device ${addresses[0] as string} is` : `Host devices ${addresses.join(', ')} are`;
      out.push(
        workspaceFinding(
          meta,
          `${them} given to ${listNames(names)}: they cannot run at the same time. libvirt starts the first and refuses the other${names.length > 2 ? 's' : ''} while it runs ("PCI device ${addresses[0] as string} is in use by driver QEMU, domain ${first}"). Fine for guests that never run together; otherwise give ${addresses.length === 1 ? 'it' : 'them'} to one guest only.`,
          { devices: addresses, ...(groups.length ? { groups } : {}) },
          names,
        ),
      );
    }
    return out;
  },
};

const GROUPS = { groups: { 1: ['0000:01:00.0', '0000:01:00.1'], 2: ['0000:02:00.0'] } };
const vf = (address: string) => dev(address, 'interface', undefined, { type: 'hostdev', hostAddress: parsePciAddress(address) });

export const cases: WorkspaceRuleCases = {
  pass: [
    { name: 'each guest its own group', workspace: workspace(GROUPS, { alpha: [hostdev('0000:01:00.0'), hostdev('0000:01:00.1')], beta: [hostdev('0000:02:00.0')] }) },
    { name: 'one guest holds the device twice (HD-SRC-2, not a share)', workspace: workspace(GROUPS, { alpha: [hostdev('0000:02:00.0'), { ...hostdev('0000:02:00.0'), key: '0000:02:00.0#2' }], beta: [] }) },
  ],
  fail: [
    { name: 'one function in two guests', workspace: workspace(GROUPS, { alpha: [hostdev('0000:02:00.0')], beta: [hostdev('0000:02:00.0')] }), expect: { devices: ['0000:02:00.0'], groups: [2], domains: ['alpha', 'beta'] } },
    {
      name: 'a whole card in two guests: one finding with both functions',
      workspace: workspace(GROUPS, { alpha: [hostdev('0000:01:00.0'), hostdev('0000:01:00.1')], beta: [hostdev('0000:01:00.1'), hostdev('0000:01:00.0')] }),
      expect: { devices: ['0000:01:00.0', '0000:01:00.1'], groups: [1], domains: ['alpha', 'beta'] },
    },
    { name: 'a hostdev in one guest, the same function as an interface in another, no host loaded', workspace: workspace(undefined, { alpha: [hostdev('0000:02:00.0')], beta: [], gamma: [vf('0000:02:00.0')] }), expect: { devices: ['0000:02:00.0'], domains: ['alpha', 'gamma'] } },
  ],
};
