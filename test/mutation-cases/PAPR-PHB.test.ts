import { describe, expect, it } from 'vitest';
import { applyCommand } from '../../src/engine/commands/commands.ts';
import { findingsOf } from './alone.ts';
import { at, ctrl, design, phb, pseries } from '../../src/engine/rules/testkit.ts';
import type { Design } from '../../src/engine/model/design.ts';
import type { Finding } from '../../src/engine/rules/types.ts';

/**
 * PAPR-PHB-2's branches beyond its case table (issue 11; docs/mutation.md): libvirt's
 * virDomainControllerDefValidate refuses a vPHB target index outside 0-30, and
 * qemuDomainAddressFindNewTargetIndex finds none past 31 PHBs.
 */

const of = (d: Design): Finding[] => findingsOf(d, 'PAPR-PHB-2');
const byMessage = (fs: readonly Finding[]): Finding[] => [...fs].sort((a, b) => (a.message < b.message ? -1 : 1));

describe('PAPR-PHB-2: target index 0-30', () => {
  it('target index 31: the message says which PHB and what range, and the fix takes the lowest free target index', () => {
    const d = pseries([phb(1, { index: 31 })], []);
    const [f, ...rest] = of(d);
    expect(rest).toEqual([]);
    expect(f?.message).toBe('PCI controller 1 has target index 31, out of range: it must be 0-30.');
    expect(f?.fixes?.map((x) => x.label)).toEqual(['Use the free target index 1']);
    const fixed = applyCommand(d, f!.fixes![0]!.command);
    expect(of(fixed)).toEqual([]);
    expect(fixed.guest.controllers.find((c) => c.index === 1)?.target.index).toBe(1);
  });

  it('target index -1, just below the range: refused as well', () => {
    expect(of(pseries([phb(1, { index: -1 })], [])).map((f) => f.message)).toEqual(['PCI controller 1 has target index -1, out of range: it must be 0-30.']);
  });

  it('the default PHB (index 0) out of range gets no fix: its target index is libvirt\'s own, 0', () => {
    const got = of(design({ machine: 'pseries', controllers: [phb(0, { index: 31 })] }));
    expect(got.map((f) => [f.subjects, f.fixes])).toEqual([[{ controllers: [0] }, undefined]]);
  });

  it('the last free target index, 30, is still offered', () => {
    const taken = Array.from({ length: 29 }, (_, i) => phb(i + 1));
    const got = of(pseries([...taken, phb(30, { index: 31 })], []));
    expect(got.map((f) => f.fixes?.map((x) => x.label))).toEqual([['Use the free target index 30']]);
  });

  it('no fix when all 31 target indexes are taken', () => {
    const full = Array.from({ length: 30 }, (_, i) => phb(i + 1));
    const got = byMessage(of(pseries([...full, phb(31, { index: 31 })], [])));
    expect(got.map((f) => f.fixes)).toEqual([undefined, undefined]);
    expect(got.map((f) => f.subjects)).toEqual([{ controllers: [31] }, { controllers: [31] }]);
  });

  it('a pci-root that is not an spapr-pci-host-bridge is no vPHB: its target index is not judged', () => {
    expect(of(pseries([ctrl('pci-root', 1, { target: { index: 40 }, modelName: 'other-host-bridge' })], []))).toEqual([]);
  });
});

describe('PAPR-PHB-2: at most 31 PHBs once libvirt fills the index gaps', () => {
  it('names every controller above index 30 (not 30 itself), the highest in the message, and the count', () => {
    const got = of(pseries([phb(30, { index: 2 }), phb(31, { index: 1 }), ctrl('pci-bridge', 40, { address: at(0, 2) })], []));
    expect(got.map((f) => [f.message, f.subjects])).toEqual([
      ['Controller index 40 makes libvirt fill the indexes below it with PHBs: 40 PHBs, but target indexes 0-30 allow only 31 ("No usable target index found"). Use controller indexes up to 30 for PHBs.', { controllers: [31, 40] }],
    ]);
  });
});
