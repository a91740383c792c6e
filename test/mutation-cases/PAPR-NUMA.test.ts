import { describe, expect, it } from 'vitest';
import { findingsOf } from './alone.ts';
import { at, ctrl, hostdev, phb, pseries } from '../../src/engine/rules/testkit.ts';
import type { Design } from '../../src/engine/model/design.ts';
import type { Finding } from '../../src/engine/rules/types.ts';

/**
 * PAPR-NUMA-1, -2 and -4 beyond their case tables (issue 11; docs/mutation.md). libvirt refuses
 * <node> on PCI controller index 0 (virDomainControllerDefValidate: "The PCI controller with
 * index=0 can't be associated with a NUMA node") and a pci-root's node that is no <cpu><numa>
 * cell (qemuDomainControllerDefPostParse: "%s with index %d is configured for a NUMA node (%d) not
 * present in the domain's <cpu><numa> array (%zu)"); QEMU writes the PHB's node into its
 * ibm,associativity (hw/ppc/spapr_pci.c spapr_dt_phb), which PAPR-NUMA-4 compares with the host
 * node of the hostdevs on it through <numatune><memnode>.
 */

const of = (id: string) => (d: Design): Finding[] => findingsOf(d, id);
const setTarget = (key: string, target: object) => ({ kind: 'update-controller', controller: key, changes: { target } });

describe('PAPR-NUMA-1', () => {
  it('PHB 0 with node 0: libvirt\'s words, and the fix drops the node', () => {
    const d = pseries([], [], undefined, { numaCells: 1, controllers: [phb(0, { node: 0 })] });
    expect(of('PAPR-NUMA-1')(d)).toEqual([
      {
        ruleId: 'PAPR-NUMA-1',
        severity: 'error',
        message: 'The PCI controller with index 0 can\'t be associated with a NUMA node (node 0).',
        subjects: { controllers: [0] },
        fixes: [{ label: 'Remove the NUMA node from PHB 0', command: setTarget('pci-0', { index: 0 }) }],
      },
    ]);
  });
});

describe('PAPR-NUMA-1: a negative node on PHB 0', () => {
  it('is refused while the XML is read, in libvirt\'s words for that', () => {
    const d = pseries([], [], undefined, { numaCells: 1, controllers: [phb(0, { node: -1 })] });
    expect(of('PAPR-NUMA-1')(d).map((f) => f.message)).toEqual(['The PCI controller with index 0 has <node>-1</node>: libvirt refuses it while reading the XML ("invalid NUMA node in target").']);
  });
});

describe('PAPR-NUMA-2', () => {
  const numa2 = of('PAPR-NUMA-2');

  it('node 0 with no <numa> cell at all: libvirt\'s words (count 0), and the fix drops the node', () => {
    expect(numa2(pseries([phb(2, { node: 0 })], []))).toEqual([
      {
        ruleId: 'PAPR-NUMA-2',
        severity: 'error',
        message: 'pci-root with index 2 is configured for a NUMA node (0) not present in the domain\'s <cpu><numa> array (0).',
        subjects: { controllers: [2] },
        fixes: [{ label: 'Remove the NUMA node from PHB 2', command: setTarget('pci-2', { index: 2 }) }],
      },
    ]);
  });

  it('a negative node: libvirt refuses it while reading the XML ("invalid NUMA node in target": real libvirt 9.0 on a pseries PHB with <node>-2</node>), whatever the cell count', () => {
    expect(numa2(pseries([phb(1, { node: -2 })], [], undefined, { numaCells: 4 })).map((f) => [f.message, f.subjects])).toEqual([
      ['pci-root with index 1 has <node>-2</node>: libvirt refuses it while reading the XML ("invalid NUMA node in target").', { controllers: [1] }],
    ]);
  });

  it('node 0 of one cell is present; PHB 0\'s node is PAPR-NUMA-1\'s; a pci-bridge\'s node is GEN-TGT-1\'s', () => {
    expect(numa2(pseries([], [], undefined, { numaCells: 1, controllers: [phb(0, { node: 2 }), phb(1, { node: 0 })] }))).toEqual([]);
    expect(numa2(pseries([ctrl('pci-bridge', 1, { address: at(0, 3), target: { chassisNr: 1, node: 5 } })], [], undefined, { numaCells: 1 }))).toEqual([]);
  });
});

describe('PAPR-NUMA-4', () => {
  const numa4 = of('PAPR-NUMA-4');
  const M = { numaCells: 2, memnodes: { 0: '0', 1: '8' } };

  it('hostdevs on host nodes 8 and 16 under PHBs on cell 0 (host node 0): both named; only node 8 has a guest cell to offer', () => {
    const h = { groups: { 1: ['0000:01:00.0'], 2: ['0000:02:00.0'] }, numa: { '0000:01:00.0': 8, '0000:02:00.0': 16 } };
    const d = pseries([phb(1, { node: 0 }), phb(2, { node: 0 })], [hostdev('0000:01:00.0', at(1, 1)), hostdev('0000:02:00.0', at(2, 1))], h, M);
    expect(numa4(d)).toEqual([
      {
        ruleId: 'PAPR-NUMA-4',
        severity: 'warning',
        message: 'hostdev 0000:01:00.0 is on host NUMA node 8, but its PHB 1 is on guest cell 0, whose memory is on host node(s) 0.',
        subjects: { controllers: [1], devices: ['0000:01:00.0'] },
        fixes: [{ label: 'Put vPHB 1 on guest NUMA cell 1 (host node 8)', command: setTarget('pci-1', { index: 1, node: 1 }) }],
      },
      {
        ruleId: 'PAPR-NUMA-4',
        severity: 'warning',
        message: 'hostdev 0000:02:00.0 is on host NUMA node 16, but its PHB 2 is on guest cell 0, whose memory is on host node(s) 0.',
        subjects: { controllers: [2], devices: ['0000:02:00.0'] },
      },
    ]);
  });

  it('without the host it says it cannot check only when a hostdev and a PHB node are both there', () => {
    expect(numa4(pseries([phb(1, { node: 0 })], [], undefined, M))).toEqual([]);
    expect(numa4(pseries([phb(1)], [hostdev('0000:01:00.0', at(1, 1))], undefined, M))).toEqual([]);
    expect(numa4(pseries([phb(1, { node: 0 })], [hostdev('0000:01:00.0', at(1, 1))], undefined, M)).map((f) => f.severity)).toEqual(['info']);
  });

  it('nothing to compare: unaddressed, on a bus that does not exist, not on the host, no host node, a PHB without node, a cell without memnode', () => {
    const h = { groups: { 1: ['0000:01:00.0'], 2: ['0000:02:00.0'], 4: ['0000:04:00.0'], 5: ['0000:05:00.0'] }, numa: { '0000:05:00.0': 8 } };
    const d = pseries([phb(1, { node: 0 }), phb(2)], [hostdev('0000:01:00.0'), hostdev('0000:02:00.0', at(9, 1)), hostdev('0000:03:00.0', at(1, 1)), hostdev('0000:04:00.0', at(1, 2)), hostdev('0000:05:00.0', at(2, 1))], h, M);
    expect(numa4(d)).toEqual([]);
    const h8 = { groups: { 1: ['0000:01:00.0'] }, numa: { '0000:01:00.0': 8 } };
    expect(numa4(pseries([phb(1, { node: 1 })], [hostdev('0000:01:00.0', at(1, 1))], h8, { numaCells: 2, memnodes: { 0: '0' } }))).toEqual([]);
  });
});
