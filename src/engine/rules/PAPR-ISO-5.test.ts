import { describe, expect, it } from 'vitest';
import { validate } from './validate.ts';
import { at, hostdev, phb, pseries } from './testkit.ts';

const H = { groups: { 1: ['0000:01:00.0', '0000:01:00.1'] } };
const iso5 = (d: ReturnType<typeof pseries>): string[] => validate(d).filter((f) => f.ruleId === 'PAPR-ISO-5').map((f) => f.message);

/**
 * A group member left without an address goes where libvirt puts it at define, never on the default
 * PHB (qemuDomainSetupIsolationGroups locks its isolation group): with a member written there, the
 * group is split (fuzz seed 4).
 */
describe('PAPR-ISO-5 judges the members libvirt places', () => {
  it('names the PHB libvirt adds for the member it places', () => {
    expect(iso5(pseries([], [hostdev('0000:01:00.0', at(0, 1)), hostdev('0000:01:00.1')], H))).toEqual([
      'IOMMU group 1 is split over PHBs 0 and 1 (at define libvirt puts hostdev 0000:01:00.1 on PHB 1, which it adds): QEMU refuses a VFIO group in two address spaces.',
    ]);
  });

  it('or the written PHB it uses, when one is free', () => {
    expect(iso5(pseries([phb(1)], [hostdev('0000:01:00.0', at(0, 1)), hostdev('0000:01:00.1')], H))).toEqual([
      'IOMMU group 1 is split over PHBs 0 and 1 (at define libvirt puts hostdev 0000:01:00.1 on PHB 1): QEMU refuses a VFIO group in two address spaces.',
    ]);
  });

  it('a PHB import shows as added by libvirt (implicit) is one it adds', () => {
    expect(iso5(pseries([phb(1, {}, { implicit: true })], [hostdev('0000:01:00.0', at(0, 1)), hostdev('0000:01:00.1')], H))).toEqual([
      'IOMMU group 1 is split over PHBs 0 and 1 (at define libvirt puts hostdev 0000:01:00.1 on PHB 1, which it adds): QEMU refuses a VFIO group in two address spaces.',
    ]);
  });

  it('a whole group left to libvirt lands on one PHB', () => {
    expect(iso5(pseries([], [hostdev('0000:01:00.0'), hostdev('0000:01:00.1')], H))).toEqual([]);
  });

  // mutation survivors of the define-time judgement (docs/mutation.md, integrator 2026-11-30)
  it('a group split over written PHBs is named without a define-time clause', () => {
    expect(iso5(pseries([phb(1), phb(2)], [hostdev('0000:01:00.0', at(1, 1)), hostdev('0000:01:00.1', at(2, 1))], H))).toEqual([
      'IOMMU group 1 is split over PHBs 1 and 2: QEMU refuses a VFIO group in two address spaces.',
    ]);
  });

  it('one group leaving a member to libvirt is judged beside a group wholly written', () => {
    const two = { groups: { 1: ['0000:01:00.0', '0000:01:00.1'], 2: ['0000:02:00.0', '0000:02:00.1'] } };
    const design = pseries([phb(2)], [hostdev('0000:01:00.0', at(0, 1)), hostdev('0000:01:00.1'), hostdev('0000:02:00.0', at(2, 1)), hostdev('0000:02:00.1', at(2, 2))], two);
    expect(iso5(design)).toEqual([
      'IOMMU group 1 is split over PHBs 0 and 1 (at define libvirt puts hostdev 0000:01:00.1 on PHB 1, which it adds): QEMU refuses a VFIO group in two address spaces.',
    ]);
  });

  it('a lone hostdev left to libvirt is no split, and the rule does not fail on it', () => {
    const lone = { groups: { 1: ['0000:01:00.0'] } };
    const findings = validate(pseries([], [hostdev('0000:01:00.0')], lone));
    expect(findings.filter((f) => f.ruleId === 'PAPR-ISO-5' || f.internal)).toEqual([]);
  });

  it('names each member libvirt places, one after another', () => {
    const three = { groups: { 1: ['0000:01:00.0', '0000:01:00.1', '0000:01:00.2'] } };
    expect(iso5(pseries([], [hostdev('0000:01:00.0', at(0, 1)), hostdev('0000:01:00.1'), hostdev('0000:01:00.2')], three))).toEqual([
      'IOMMU group 1 is split over PHBs 0 and 1 (at define libvirt puts hostdev 0000:01:00.1 on PHB 1, which it adds; hostdev 0000:01:00.2 on PHB 1, which it adds): QEMU refuses a VFIO group in two address spaces.',
    ]);
  });
});

