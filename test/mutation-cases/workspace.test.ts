import { describe, expect, it } from 'vitest';
import { hostUsage } from '../../src/engine/model/workspace.ts';
import type { Workspace } from '../../src/engine/model/workspace.ts';
import { hostdev } from '../../src/engine/rules/testkit.ts';
import { workspace } from '../../src/engine/rules/workspace/testkit.ts';
import { WORKSPACE_RULES } from '../../src/engine/rules/workspace/index.ts';
import type { WorkspaceFinding } from '../../src/engine/rules/workspace/types.ts';

/**
 * The rules across guests of one host beyond their case tables (issue 11; docs/mutation.md), each
 * run alone on a workspace:
 * - HD-SHARE-1: libvirt src/hypervisor/virhostdev.c virHostdevPreparePCIDevices ->
 *   virHostdevIsPCINodeDeviceUsed refuses to start a guest whose host function is on another running
 *   domain's active list ("PCI device %s is in use by driver %s, domain %s"): one finding per set of
 *   guests, every shared function in address order, its IOMMU groups in numeric order.
 * - HD-SHARE-2: the same walk over the whole IOMMU group for VFIO (virPCIDeviceAddressIOMMUGroupIterate):
 *   different functions of one group in two guests.
 * - HD-NUMA-1: per host NUMA node (the node device's <numa node>, sysfs numa_node), who takes what.
 */

function of(ws: Workspace, id: string): WorkspaceFinding[] {
  const rule = WORKSPACE_RULES.find((r) => r.meta.id === id);
  if (!rule) throw new Error(`no workspace rule ${id}`);
  return rule.check({ workspace: ws, usage: hostUsage(ws) });
}

const TWO_GROUPS = { groups: { 10: ['0000:0a:00.0'], 9: ['0000:09:00.0'], 1: ['0000:01:00.0', '0000:01:00.1'] } };

describe('HD-SHARE-1 (virHostdevIsPCINodeDeviceUsed: one host function, one running domain)', () => {
  it('one function in two guests: the words name it, both guests and libvirt\'s refusal, "it"', () => {
    const got = of(workspace(TWO_GROUPS, { alpha: [hostdev('0000:09:00.0')], beta: [hostdev('0000:09:00.0')] }), 'HD-SHARE-1');
    expect(got).toEqual([
      {
        ruleId: 'HD-SHARE-1',
        severity: 'warning',
        message:
          'Host device 0000:09:00.0 is given to alpha and beta: they cannot run at the same time. libvirt starts the first and refuses the other while it runs ("PCI device 0000:09:00.0 is in use by driver QEMU, domain alpha"). Fine for guests that never run together; otherwise give it to one guest only.',
        subjects: { devices: ['0000:09:00.0'], groups: [9] },
        domains: ['alpha', 'beta'],
      },
    ]);
  });

  it('two functions shared by the same two guests: one finding, addresses sorted, groups in numeric order (9 before 10), "them"', () => {
    const got = of(workspace(TWO_GROUPS, { alpha: [hostdev('0000:0a:00.0'), hostdev('0000:09:00.0')], beta: [hostdev('0000:09:00.0'), hostdev('0000:0a:00.0')] }), 'HD-SHARE-1');
    expect(got.map((f) => [f.message, f.subjects])).toEqual([
      [
        'Host devices 0000:09:00.0, 0000:0a:00.0 are given to alpha and beta: they cannot run at the same time. libvirt starts the first and refuses the other while it runs ("PCI device 0000:09:00.0 is in use by driver QEMU, domain alpha"). Fine for guests that never run together; otherwise give them to one guest only.',
        { devices: ['0000:09:00.0', '0000:0a:00.0'], groups: [9, 10] },
      ],
    ]);
  });

  it('three guests: "the others"; another set of guests sharing another function is its own finding', () => {
    const got = of(
      workspace(TWO_GROUPS, { alpha: [hostdev('0000:09:00.0'), hostdev('0000:0a:00.0')], beta: [hostdev('0000:09:00.0')], gamma: [hostdev('0000:09:00.0'), hostdev('0000:0a:00.0')] }),
      'HD-SHARE-1',
    );
    expect(got.map((f) => [f.domains, f.subjects.devices])).toEqual([
      [['alpha', 'beta', 'gamma'], ['0000:09:00.0']],
      [['alpha', 'gamma'], ['0000:0a:00.0']],
    ]);
    expect(got[0]?.message).toContain('given to alpha, beta and gamma: they cannot run at the same time. libvirt starts the first and refuses the others while it runs');
    expect(got[1]?.message).toContain('refuses the other while it runs');
  });

  it('no host loaded: still judged, with no groups in the subjects', () => {
    const got = of(workspace(undefined, { alpha: [hostdev('0000:09:00.0')], beta: [hostdev('0000:09:00.0')] }), 'HD-SHARE-1');
    expect(got.map((f) => f.subjects)).toEqual([{ devices: ['0000:09:00.0'] }]);
  });

  it('guests named so that their names run together ("a"+"bc", "ab"+"c") are still two sets of guests', () => {
    const got = of(workspace(TWO_GROUPS, { a: [hostdev('0000:09:00.0')], ab: [hostdev('0000:0a:00.0')], bc: [hostdev('0000:09:00.0')], c: [hostdev('0000:0a:00.0')] }), 'HD-SHARE-1');
    expect(got.map((f) => [f.domains, f.subjects.devices])).toEqual([
      [['a', 'bc'], ['0000:09:00.0']],
      [['ab', 'c'], ['0000:0a:00.0']],
    ]);
  });

  it('groups in numeric order whatever the address order (0a:00.0 in group 10, 81:00.0 in group 3, c1:00.0 in group 20); a shared function the host lacks adds no group', () => {
    const h = { groups: { 10: ['0000:0a:00.0'], 3: ['0000:81:00.0'], 20: ['0000:c1:00.0'] } };
    const all = [hostdev('0000:0a:00.0'), hostdev('0000:81:00.0'), hostdev('0000:c1:00.0'), hostdev('0000:3b:00.0')];
    expect(of(workspace(h, { alpha: all, beta: all }), 'HD-SHARE-1').map((f) => f.subjects)).toEqual([{ devices: ['0000:0a:00.0', '0000:3b:00.0', '0000:81:00.0', '0000:c1:00.0'], groups: [3, 10, 20] }]);
  });

  it('a function in one guest only is no share', () => {
    expect(of(workspace(TWO_GROUPS, { alpha: [hostdev('0000:09:00.0')], beta: [hostdev('0000:0a:00.0')] }), 'HD-SHARE-1')).toEqual([]);
  });
});

describe('HD-SHARE-2 (VFIO: one IOMMU group, one running domain)', () => {
  it('no host, two guests with hostdevs: one info finding saying the rule could not be checked, naming both', () => {
    expect(of(workspace(undefined, { alpha: [hostdev('0000:01:00.0')], beta: [hostdev('0000:01:00.1')], gamma: [] }), 'HD-SHARE-2')).toEqual([
      {
        ruleId: 'HD-SHARE-2',
        severity: 'info',
        message: "HD-SHARE-2 (One IOMMU group split between guests) could not be checked: no host is loaded. Load the host's node-device XML to check it.",
        subjects: {},
        domains: ['alpha', 'beta'],
      },
    ]);
  });

  it('no host and one guest with hostdevs: nothing to say', () => {
    expect(of(workspace(undefined, { alpha: [hostdev('0000:01:00.0')], beta: [] }), 'HD-SHARE-2')).toEqual([]);
  });

  it('a guest holding two functions of the split group: both listed, with a comma', () => {
    const h = { groups: { 4: ['0000:04:00.0', '0000:04:00.1', '0000:04:00.2'] } };
    const got = of(workspace(h, { alpha: [hostdev('0000:04:00.0'), hostdev('0000:04:00.1')], beta: [hostdev('0000:04:00.2')] }), 'HD-SHARE-2');
    expect(got[0]?.message).toContain('(alpha has 0000:04:00.0, 0000:04:00.1; beta has 0000:04:00.2)');
  });

  it('a group split between two guests: its words name who has what and the running guest\'s function', () => {
    const got = of(workspace(TWO_GROUPS, { beta: [hostdev('0000:01:00.1')], alpha: [hostdev('0000:01:00.0')] }), 'HD-SHARE-2');
    expect(got).toEqual([
      {
        ruleId: 'HD-SHARE-2',
        severity: 'warning',
        message:
          'IOMMU group 1 is split between beta and alpha (beta has 0000:01:00.1; alpha has 0000:01:00.0): VFIO gives a group to one guest at a time, so they cannot run at the same time. libvirt refuses to start the second while the first runs ("PCI device 0000:01:00.1 is in use by driver QEMU, domain beta"). Give the whole group to one guest.',
        subjects: { groups: [1], devices: ['0000:01:00.0', '0000:01:00.1'] },
        domains: ['beta', 'alpha'],
      },
    ]);
  });

  it('a group in one guest, and a one-function group in two guests (HD-SHARE-1 alone), give nothing', () => {
    expect(of(workspace(TWO_GROUPS, { alpha: [hostdev('0000:01:00.0'), hostdev('0000:01:00.1')], beta: [hostdev('0000:09:00.0')] }), 'HD-SHARE-2')).toEqual([]);
    expect(of(workspace(TWO_GROUPS, { alpha: [hostdev('0000:09:00.0')], beta: [hostdev('0000:09:00.0')] }), 'HD-SHARE-2')).toEqual([]);
  });

  it('three guests, two with the same function and one with the other: split, one finding with each function once', () => {
    const got = of(workspace(TWO_GROUPS, { alpha: [hostdev('0000:01:00.0')], beta: [hostdev('0000:01:00.0')], gamma: [hostdev('0000:01:00.1')] }), 'HD-SHARE-2');
    expect(got.map((f) => [f.subjects, f.domains])).toEqual([[{ groups: [1], devices: ['0000:01:00.0', '0000:01:00.1'] }, ['alpha', 'beta', 'gamma']]]);
  });
});

describe('HD-NUMA-1 (host NUMA node of each passed-through function)', () => {
  const NUMA = { groups: TWO_GROUPS.groups, numa: { '0000:0a:00.0': 10, '0000:09:00.0': 2, '0000:01:00.0': 2, '0000:01:00.1': 2 } };

  it('nodes in numeric order (2 before 10), guests in workspace order, each guest\'s functions sorted', () => {
    const got = of(workspace(NUMA, { beta: [hostdev('0000:0a:00.0'), hostdev('0000:09:00.0')], alpha: [hostdev('0000:01:00.1'), hostdev('0000:01:00.0')] }), 'HD-NUMA-1');
    expect(got).toEqual([
      {
        ruleId: 'HD-NUMA-1',
        severity: 'info',
        message: 'Host NUMA node 2: beta takes 1 (0000:09:00.0); alpha takes 2 (0000:01:00.0, 0000:01:00.1).',
        subjects: { devices: ['0000:01:00.0', '0000:01:00.1', '0000:09:00.0'], groups: [1, 9] },
        domains: ['beta', 'alpha'],
      },
      { ruleId: 'HD-NUMA-1', severity: 'info', message: 'Host NUMA node 10: beta takes 1 (0000:0a:00.0).', subjects: { devices: ['0000:0a:00.0'], groups: [10] }, domains: ['beta'] },
    ]);
  });

  it('a function given to two guests counts for each; the guests keep workspace order whoever comes first by address', () => {
    const got = of(workspace(NUMA, { alpha: [hostdev('0000:09:00.0')], beta: [hostdev('0000:01:00.0'), hostdev('0000:09:00.0')] }), 'HD-NUMA-1');
    expect(got.map((f) => [f.message, f.domains])).toEqual([['Host NUMA node 2: alpha takes 1 (0000:09:00.0); beta takes 2 (0000:01:00.0, 0000:09:00.0).', ['alpha', 'beta']]]);
  });

  it('groups in numeric order whatever the address order; a function the host does not have is skipped', () => {
    const h = { groups: { 10: ['0000:0a:00.0'], 3: ['0000:81:00.0'], 20: ['0000:c1:00.0'] }, numa: { '0000:0a:00.0': 1, '0000:81:00.0': 1, '0000:c1:00.0': 1 } };
    const got = of(workspace(h, { alpha: [hostdev('0000:0a:00.0'), hostdev('0000:81:00.0'), hostdev('0000:c1:00.0'), hostdev('0000:3b:00.0')] }), 'HD-NUMA-1');
    expect(got.map((f) => f.subjects)).toEqual([{ devices: ['0000:0a:00.0', '0000:81:00.0', '0000:c1:00.0'], groups: [3, 10, 20] }]);
  });

  it('no host, or a function the host gives no node: nothing', () => {
    expect(of(workspace(undefined, { alpha: [hostdev('0000:09:00.0')] }), 'HD-NUMA-1')).toEqual([]);
    expect(of(workspace({ groups: TWO_GROUPS.groups, numa: { '0000:09:00.0': 0 } }, { alpha: [hostdev('0000:0a:00.0'), hostdev('0000:09:00.0')] }), 'HD-NUMA-1').map((f) => f.message)).toEqual(['Host NUMA node 0: alpha takes 1 (0000:09:00.0).']);
  });
});
