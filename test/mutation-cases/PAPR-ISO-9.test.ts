import { describe, expect, it } from 'vitest';
import { findingsOf } from './alone.ts';
import { at, dev, hostdev, phb, pseries } from '../../src/engine/rules/testkit.ts';
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
