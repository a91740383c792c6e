import { describe, expect, it } from 'vitest';
import { findingsOf } from './alone.ts';
import { at, ctrl, design, dev, hostdev, phb, pseries } from '../../src/engine/rules/testkit.ts';
import type { Design } from '../../src/engine/model/design.ts';
import type { Finding } from '../../src/engine/rules/types.ts';

/**
 * PAPR-ISO-9's branches beyond its case table (issue 11; docs/mutation.md): libvirt's
 * qemuDomainAddressFindNewTargetIndex searches target indexes 1..31 for PHBs without one, in
 * controller-index order, and virDomainControllerDefValidate refuses 31.
 */

const of = (d: Design): Finding[] => findingsOf(d, 'PAPR-ISO-9');
const phbs = (n: number) => Array.from({ length: n }, (_, i) => phb(i + 1));
/** a disk on each of PHBs 1..n, so none of them is empty */
const disks = (n: number) => Array.from({ length: n }, (_, i) => dev(`d${i + 1}`, 'disk', at(i + 1, 1)));

describe('PAPR-ISO-9: PHBs without a target index', () => {
  it('with 1-30 taken, the first gets 31 and the next none: each said in libvirt\'s words', () => {
    const got = of(pseries([...phbs(30), phb(31, { index: undefined }), phb(32, { index: undefined })], []));
    expect(got.map((f) => [f.message, f.subjects])).toEqual([
      ['PHB controller 31 has no target index and 1-30 are all taken: libvirt gives it 31 and refuses the domain ("target index \'31\' out of range - must be 0-30").', { controllers: [31] }],
      ['PHB controller 32 has no target index and none is left: libvirt refuses the domain ("No usable target index found").', { controllers: [32] }],
    ]);
  });

  it('target indexes go out in controller-index order, whatever the order written: the last free one, 30, goes to the lower index', () => {
    const got = of(pseries([...phbs(29), phb(32, { index: undefined }), phb(31, { index: undefined })], []));
    expect(got.map((f) => f.subjects)).toEqual([{ controllers: [32] }]);
  });

  it('PHBs without a target index while some are free: nothing to say', () => {
    expect(of(pseries([phb(2, { index: undefined }), phb(1, { index: undefined })], []))).toEqual([]);
  });
});

describe('PAPR-ISO-9: IOMMU groups that need a PHB of their own', () => {
  it('with every PHB busy and 1-30 taken: the groups and their unaddressed hostdevs are named, with the count', () => {
    const d = pseries(phbs(30), [...disks(30), hostdev('0000:01:00.0'), hostdev('0000:02:00.0')], { groups: { 7: ['0000:01:00.0'], 5: ['0000:02:00.0'] } });
    expect(of(d).map((f) => [f.message, f.subjects])).toEqual([
      ['2 IOMMU group(s) of hostdevs without an address need a PHB of their own, but only 0 empty bus(es) exist and the target indexes 1-30 run out: libvirt would add a PHB with target index 31 and refuse the domain ("target index \'31\' out of range - must be 0-30"). Give some hostdevs addresses on shared PHBs, or pass fewer groups through.', { devices: ['0000:01:00.0', '0000:02:00.0'], groups: [5, 7] }],
    ]);
  });

  it('an empty PHB takes the group: nothing to say', () => {
    expect(of(pseries(phbs(30), [...disks(29), hostdev('0000:01:00.0')], { groups: { 5: ['0000:01:00.0'] } }))).toEqual([]);
  });

  it('without the host it cannot tell groups apart: it says so once (info) instead of guessing', () => {
    expect(of(pseries(phbs(30), [...disks(30), hostdev('0000:01:00.0')])).map((f) => f.severity)).toEqual(['info']);
  });
});

describe('PAPR-ISO-9: which controllers take part in the target index search (qemuDomainAddressFindNewTargetIndex skips everything but PHBs)', () => {
  /** 29 PHBs with targets 1-29 and PHB 30 without one: libvirt gives it 30, the last it accepts */
  const lastFree = () => [...phbs(29), phb(30, { index: undefined })];

  it('the last free target index, 30, goes to the PHB without one: nothing to say', () => {
    expect(of(pseries(lastFree(), []))).toEqual([]);
  });

  it('a pci-root that is no spapr-pci-host-bridge holds no target index: 30 is still free', () => {
    expect(of(pseries([...lastFree(), ctrl('pci-root', 31, { modelName: 'other-host-bridge', target: { index: 30 } })], []))).toEqual([]);
  });

  it('a pci-bridge gets no target index: it does not take 30 from the PHB', () => {
    expect(of(pseries([...lastFree(), ctrl('pci-bridge', 31, { address: at(0, 1), target: { chassisNr: 31 } })], []))).toEqual([]);
  });

  it('the default PHB written without a target index gets 0 (qemuDomainPCIControllerSetDefaults), not 30', () => {
    expect(of(design({ machine: 'pseries', controllers: [ctrl('pci-root', 0), ...lastFree()] }))).toEqual([]);
  });

  it('a PHB whose index cannot be read (GEN-IDX-1\'s) is not given a target index here', () => {
    expect(of(pseries([{ ...phb(40, { index: undefined }), index: undefined, unreadable: ["index='x'"] }, ...lastFree()], []))).toEqual([]);
  });
});

describe('PAPR-ISO-9: the groups\' new PHBs', () => {
  it('an empty PHB with hotplug=\'off\' still takes a cold-plugged group at define: nothing to say', () => {
    const d = pseries([...phbs(29), phb(30, { hotplug: 'off' })], [...disks(29), hostdev('0000:01:00.0')], { groups: { 5: ['0000:01:00.0'] } });
    expect(of(d)).toEqual([]);
  });

  it('target indexes 1-31 all gone (a PHB without one took 31): the group finding stands beside that PHB\'s', () => {
    const d = pseries([...phbs(30), phb(31, { index: undefined })], [...disks(31), hostdev('0000:01:00.0')], { groups: { 5: ['0000:01:00.0'] } });
    expect(of(d).map((f) => f.subjects)).toEqual([{ controllers: [31] }, { devices: ['0000:01:00.0'], groups: [5] }]);
  });

  it('a hostdev the host file lacks has no group to name: only the known groups are listed', () => {
    const d = pseries(phbs(30), [...disks(30), hostdev('0000:01:00.0'), hostdev('0000:09:00.0')], { groups: { 5: ['0000:01:00.0'] } });
    expect(of(d).map((f) => f.subjects)).toEqual([{ devices: ['0000:01:00.0', '0000:09:00.0'], groups: [5] }]);
  });
});
