import { describe, expect, it } from 'vitest';
import { applyCommand } from '../../src/engine/commands/commands.ts';
import { findingsOf } from './alone.ts';
import { at, ctrl, design, phb, pseries, q35 } from '../../src/engine/rules/testkit.ts';
import type { Design } from '../../src/engine/model/design.ts';
import type { Finding } from '../../src/engine/rules/types.ts';

/**
 * The controller-index rules' branches beyond their case tables (issue 11; docs/mutation.md):
 * libvirt's virDomainControllerDefParseXML / virDomainDefValidate for indexes (unreadable, negative,
 * above 255, twice) and qemuValidateDomainDefPCI... for the root at index 0.
 */

const of = (d: Design, id: string): Finding[] => findingsOf(d, id);

describe('GEN-IDX-1: controller indexes', () => {
  it('an index twice, three times: each later one gets the next free index, different each time, and then no clash is left', () => {
    const d = pseries([phb(1), phb(1, { index: 2 }, { key: 'pci-dup' }), phb(1, { index: 3 }, { key: 'pci-dup2' })], []);
    const got = of(d, 'GEN-IDX-1');
    expect(got.map((f) => [f.message, f.subjects])).toEqual([
      ['Multiple PCI controllers with index 1 (pci-root controller index 1).', { controllers: [1] }],
      ['Multiple PCI controllers with index 1 (pci-root controller index 1).', { controllers: [1] }],
    ]);
    expect(got.map((f) => f.fixes?.map((x) => x.label))).toEqual([['Give the second controller 1 the free index 2'], ['Give the second controller 1 the free index 3']]);
    let fixed = d;
    for (const f of got) fixed = applyCommand(fixed, f.fixes![0]!.command);
    expect(of(fixed, 'GEN-IDX-1')).toEqual([]);
  });

  it('the last free index, 255, is still offered', () => {
    const bridges = Array.from({ length: 254 }, (_, i) => ctrl('pci-bridge', i + 1));
    const got = of(q35([...bridges, ctrl('pci-bridge', 5, { key: 'dup5' })], []), 'GEN-IDX-1');
    expect(got.map((f) => f.fixes?.map((x) => x.label))).toEqual([['Give the second controller 5 the free index 255']]);
  });

  it('no fix when no index up to 255 is free', () => {
    expect(of(q35([ctrl('pci-bridge', 255), ctrl('pci-bridge', 0, { key: 'z' })], []), 'GEN-IDX-1').map((f) => [f.message, f.fixes])).toEqual([['Multiple PCI controllers with index 0 (pci-bridge controller index 0).', undefined]]);
  });

  it('an unreadable index names the model (or "PCI" when there is none); other unreadable attributes are not its', () => {
    const d = q35([{ ...ctrl('pci-bridge', 1), index: undefined, unreadable: ["index='one'"] }, { ...ctrl('', 2), index: undefined, unreadable: ["index='x'"] }, { ...ctrl('pci-bridge', 3), unreadable: ["target chassis='x'"] }], []);
    expect(of(d, 'GEN-IDX-1').map((f) => f.message).sort()).toEqual([
      "A PCI controller has index='x': libvirt expects a non-negative integer and refuses the domain.",
      "A pci-bridge controller has index='one': libvirt expects a non-negative integer and refuses the domain.",
    ]);
  });

  it('index 255 is the highest there is; -1 and 256 are refused with their own words', () => {
    expect(of(q35([ctrl('pci-bridge', 255, { address: at(0, 2) })], []), 'GEN-IDX-1')).toEqual([]);
    expect(of(q35([ctrl('pci-bridge', 256)], []), 'GEN-IDX-1').map((f) => f.message)).toEqual(['PCI controller index 256 is out of range: the maximum is 255.']);
    expect(of(q35([ctrl('pci-bridge', -1)], []), 'GEN-IDX-1').map((f) => f.message)).toEqual(['PCI controller index -1 is invalid: libvirt expects a non-negative integer ("Invalid value for attribute \'index\'").']);
  });
});

describe('GEN-IDX-2: the root at index 0', () => {
  it('a wrong root libvirt added itself gets no fix', () => {
    const got = of(design({ machine: 'q35', controllers: [{ ...phb(0), implicit: true }] }), 'GEN-IDX-2');
    expect(got.map((f) => [f.message, f.fixes])).toEqual([["The PCI controller with index 0 must be model 'pcie-root' for this machine type, but model 'pci-root' was found instead.", undefined]]);
  });

  it('i440fx: the fix removes pcie-root and the PCIe controllers pci-root cannot connect', () => {
    const d = design({ machine: 'pc-i440fx-7.2', controllers: [ctrl('pcie-root', 0), ctrl('pcie-root-port', 1, { address: at(0, 2) }), ctrl('pcie-expander-bus', 2, { address: at(0, 3) })] });
    const got = of(d, 'GEN-IDX-2');
    expect(got[0]?.fixes?.map((x) => x.label)).toEqual(['Use pci-root as the root and remove what it cannot connect (pcie-root-port 1, pcie-expander-bus 2)']);
    const fixed = applyCommand(d, got[0]!.fixes![0]!.command);
    expect(fixed.guest.controllers.map((c) => c.model)).not.toContain('pcie-root-port');
    expect(of(fixed, 'GEN-IDX-2')).toEqual([]);
  });

  it('q35: the fix removes pci-root and the pci-expander-bus (pcie-root cannot connect one), keeping PCIe controllers and bridges', () => {
    const d = design({ machine: 'q35', controllers: [ctrl('pci-root', 0), ctrl('pcie-root-port', 1, { address: at(0, 2) }), ctrl('pci-expander-bus', 2, { address: at(0, 3) }), ctrl('pci-bridge', 3, { address: at(0, 4) })] });
    expect(of(d, 'GEN-IDX-2')[0]?.fixes?.map((x) => x.label)).toEqual(['Use pcie-root as the root and remove what it cannot connect (pci-expander-bus 2)']);
  });

  it('pseries: a pci-expander-bus goes with the wrong root too; a lone wrong root is just replaced', () => {
    const d = design({ machine: 'pseries', controllers: [ctrl('pcie-root', 0), ctrl('pci-expander-bus', 2, { address: at(0, 3) }), ctrl('pci-bridge', 3, { address: at(0, 4) })] });
    expect(of(d, 'GEN-IDX-2')[0]?.fixes?.map((x) => x.label)).toEqual(['Use pci-root as the root and remove what it cannot connect (pci-expander-bus 2)']);
    expect(of(design({ machine: 'pc-i440fx-7.2', controllers: [ctrl('pci-bridge', 0)] }), 'GEN-IDX-2')[0]?.fixes?.map((x) => x.label)).toEqual(['Use pci-root as the root']);
  });
});

describe('GEN-IDX-3: index 0 is the root\'s, the roots index 0', () => {
  it('the messages and fixes for a pcie-root not at 0 and a pci-root not at 0 off pseries', () => {
    const q = of(q35([ctrl('pci-root', 1)], []), 'GEN-IDX-3');
    expect(q.map((f) => f.message)).toEqual(['pci-root controllers must have index 0 on this machine type (only pseries has several PHBs); index 1 found.']);
    const p = of(pseries([ctrl('pcie-root', 2)], []), 'GEN-IDX-3');
    expect(p.map((f) => f.message)).toEqual(['pcie-root controllers must have index 0, not 2.']);
    // pseries has a pci-root (vPHB) per index
    expect(of(pseries([phb(1)], []), 'GEN-IDX-3')).toEqual([]);
  });

  it('a non-root at index 0 on a machine of unknown root: the fix renumbers it to the next free index', () => {
    const d = design({ machine: 'mystery', controllers: [ctrl('pci-bridge', 0), ctrl('pci-bridge', 1)] });
    const got = of(d, 'GEN-IDX-3');
    expect(got.map((f) => [f.message, f.fixes?.map((x) => x.label)])).toEqual([["Index for 'pci-bridge' controllers must be > 0.", ['Renumber the pci-bridge controller to index 2']]]);
    expect(applyCommand(d, got[0]!.fixes![0]!.command).guest.controllers.map((c) => c.index)).toEqual([2, 1]);
  });

  it('on a machine whose root is known, a non-root at 0 is GEN-IDX-2\'s, not this rule\'s', () => {
    expect(of(design({ machine: 'pc-i440fx-7.2', controllers: [ctrl('pci-bridge', 0)] }), 'GEN-IDX-3')).toEqual([]);
  });
});
