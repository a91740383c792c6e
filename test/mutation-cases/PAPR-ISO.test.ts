import { describe, expect, it } from 'vitest';
import { findingsOf } from './alone.ts';
import { at, ctrl, dev, hostdev, phb, pseries } from '../../src/engine/rules/testkit.ts';
import type { Design } from '../../src/engine/model/design.ts';
import type { Finding } from '../../src/engine/rules/types.ts';

/**
 * PAPR-ISO-4..8's branches beyond their case tables (issue 11; docs/mutation.md). What QEMU does
 * that they describe: every devfn under a PHB, behind its pci-bridges too, shares the PHB's one
 * IOMMU address space, DMA window and EEH PE (hw/ppc/spapr_pci.c spapr_pci_dma_iommu,
 * spapr_phb_realize); a VFIO group in two address spaces is refused (hw/vfio/container.c
 * vfio_get_group); EEH works on a PHB with exactly one VFIO group (hw/ppc/spapr_pci_vfio.c
 * vfio_eeh_as_ok). libvirt accepts a hostdev placed by hand on any of them
 * (virDomainPCIAddressReserveAddrInternal); it isolates only the hostdevs it places itself
 * (qemuDomainFillDeviceIsolationGroup).
 */

const of = (id: string) => (d: Design): Finding[] => findingsOf(d, id);
/** group 5 has two functions, group 3 one */
const H = { groups: { 5: ['0000:01:00.0', '0000:01:00.1'], 3: ['0000:02:00.0'] } };
/** the same groups, group 3 on host node 8, group 5 on host node 0; guest cell 1 has host node 8's memory */
const HN = { ...H, numa: { '0000:01:00.0': 0, '0000:01:00.1': 0, '0000:02:00.0': 8 } };
const NUMA = { numaCells: 2, memnodes: { 0: '0', 1: '8' } };
const bridge = (index: number, bus: number, slot: number) => ctrl('pci-bridge', index, { address: at(bus, slot), target: { chassisNr: index } });

describe('PAPR-ISO-4: hostdevs on the default PHB', () => {
  const iso4 = of('PAPR-ISO-4');

  it('three functions of two groups: all named, the groups sorted, the lowest group moved to the empty PHB', () => {
    const d = pseries([phb(1)], [dev('vda', 'disk', at(0, 1)), hostdev('0000:01:00.0', at(0, 2)), hostdev('0000:01:00.1', at(0, 3)), hostdev('0000:02:00.0', at(0, 4))], H);
    expect(iso4(d)).toEqual([
      {
        ruleId: 'PAPR-ISO-4',
        severity: 'warning',
        message: 'hostdev 0000:01:00.0, hostdev 0000:01:00.1, hostdev 0000:02:00.0 sit on the default PHB with the emulated devices: no isolation, shared DMA window and EEH PE. Give each IOMMU group its own PHB.',
        subjects: { controllers: [0], devices: ['0000:01:00.0', '0000:01:00.1', '0000:02:00.0'], groups: [3, 5] },
        fixes: [{ label: 'Move IOMMU group 3 to the empty vPHB (controller 1)', command: { kind: 'move-group', group: 3, controller: 1 } }],
      },
    ]);
  });

  it('no empty PHB: the new one takes the NUMA cell of the moved group\'s host node (its own devices\', not the other group\'s)', () => {
    const d = pseries([phb(1)], [dev('vda', 'disk', at(1, 1)), hostdev('0000:01:00.0', at(0, 2)), hostdev('0000:01:00.1', at(0, 3)), hostdev('0000:02:00.0', at(0, 4))], HN, NUMA);
    expect(iso4(d).map((f) => f.fixes?.map((x) => x.label))).toEqual([['Move IOMMU group 3 to a new vPHB (controller 2, NUMA cell 1)']]);
  });

  it('one hostdev: "sits"; without the host: no groups, the hostdevs themselves are moved', () => {
    const d = pseries([], [dev('vda', 'disk', at(0, 1)), hostdev('0000:01:00.0', at(0, 2))]);
    expect(iso4(d)).toEqual([
      {
        ruleId: 'PAPR-ISO-4',
        severity: 'warning',
        message: 'hostdev 0000:01:00.0 sits on the default PHB with the emulated devices: no isolation, shared DMA window and EEH PE. Give each IOMMU group its own PHB.',
        subjects: { controllers: [0], devices: ['0000:01:00.0'] },
        fixes: [
          {
            label: 'Move hostdev 0000:01:00.0 to a new vPHB (controller 1)',
            command: { kind: 'batch', label: 'Move hostdev 0000:01:00.0 to a new vPHB', commands: [{ kind: 'add-controller', controller: { model: 'pci-root', index: 1 } }, { kind: 'add-hostdevs', hostAddresses: ['0000:01:00.0'], controller: 1 }] },
          },
        ],
      },
    ]);
  });
});

describe('PAPR-ISO-5: one IOMMU group on two PHBs', () => {
  const iso5 = of('PAPR-ISO-5');
  const H4 = { groups: { 4: ['0000:01:00.0', '0000:01:00.1', '0000:01:00.2'] } };

  it('a group over PHBs 2, 3 and 1: every PHB named in order, every function, the group moved whole', () => {
    const d = pseries([phb(1), phb(2), phb(3)], [hostdev('0000:01:00.0', at(2, 1)), hostdev('0000:01:00.1', at(3, 1)), hostdev('0000:01:00.2', at(1, 1))], H4);
    expect(iso5(d)).toEqual([
      {
        ruleId: 'PAPR-ISO-5',
        severity: 'error',
        message: 'IOMMU group 4 is split over PHBs 1, 2 and 3: QEMU refuses a VFIO group in two address spaces.',
        subjects: { controllers: [1, 2, 3], devices: ['0000:01:00.0', '0000:01:00.1', '0000:01:00.2'], groups: [4] },
        fixes: [
          {
            label: 'Move IOMMU group 4 to a new vPHB (controller 4)',
            command: { kind: 'batch', label: 'Move IOMMU group 4 to a new vPHB', commands: [{ kind: 'add-controller', controller: { model: 'pci-root', index: 4 } }, { kind: 'move-group', group: 4, controller: 4 }] },
          },
        ],
      },
    ]);
  });

  it('a member without an address (libvirt places it on its group\'s bus) or on a bus that does not exist (GEN-ADDR refuses it) splits nothing', () => {
    expect(iso5(pseries([phb(1)], [hostdev('0000:01:00.0', at(1, 1)), hostdev('0000:01:00.1'), hostdev('0000:01:00.2', at(7, 1))], H4))).toEqual([]);
  });

  it('no hostdev and no host: nothing to check, so no "needs the host" either', () => {
    expect(iso5(pseries([phb(1)], [dev('vda', 'disk', at(1, 1))]))).toEqual([]);
  });
});

describe('PAPR-ISO-6: two IOMMU groups on one PHB', () => {
  const iso6 = of('PAPR-ISO-6');

  it('groups 9, 2, 7 on PHB 1 and no empty PHB: the second group (7) goes to a new PHB on its host node\'s cell', () => {
    const h = { groups: { 9: ['0000:01:00.0'], 2: ['0000:02:00.0'], 7: ['0000:03:00.0'] }, numa: { '0000:01:00.0': 0, '0000:02:00.0': 0, '0000:03:00.0': 8 } };
    const d = pseries([phb(1, { node: 0 })], [hostdev('0000:01:00.0', at(1, 1)), hostdev('0000:02:00.0', at(1, 2)), hostdev('0000:03:00.0', at(1, 3))], h, NUMA);
    expect(iso6(d)).toEqual([
      {
        ruleId: 'PAPR-ISO-6',
        severity: 'warning',
        message: 'PHB 1 holds IOMMU groups 2, 7, 9: EEH is disabled for every device on it.',
        subjects: { controllers: [1], devices: ['0000:01:00.0', '0000:02:00.0', '0000:03:00.0'], groups: [2, 7, 9] },
        fixes: [
          {
            label: 'Move IOMMU group 7 to a new vPHB (controller 2, NUMA cell 1)',
            command: { kind: 'batch', label: 'Move IOMMU group 7 to a new vPHB', commands: [{ kind: 'add-controller', controller: { model: 'pci-root', index: 2, target: { node: 1 } } }, { kind: 'move-group', group: 7, controller: 2 }] },
          },
        ],
      },
    ]);
  });

  it('no hostdev and no host: nothing to check, so no "needs the host" either', () => {
    expect(iso6(pseries([phb(1)], [dev('vda', 'disk', at(1, 1))]))).toEqual([]);
  });
});

describe('PAPR-ISO-7: emulated devices next to hostdevs', () => {
  const iso7 = of('PAPR-ISO-7');

  it('PHB 0 with a hostdev is PAPR-ISO-4\'s; a PHB with emulated devices only is fine', () => {
    expect(iso7(pseries([], [dev('vda', 'disk', at(0, 1)), hostdev('0000:01:00.0', at(0, 2))]))).toEqual([]);
    expect(iso7(pseries([phb(1)], [dev('vda', 'disk', at(1, 1)), dev('net0', 'interface', at(1, 2))]))).toEqual([]);
  });

  it('two groups and two emulated devices on PHB 1: all named, groups sorted, the lowest moved to the empty PHB', () => {
    const d = pseries([phb(1), phb(2)], [dev('vda', 'disk', at(1, 1)), dev('net0', 'interface', at(1, 2)), hostdev('0000:02:00.0', at(1, 3)), hostdev('0000:01:00.0', at(1, 4)), hostdev('0000:01:00.1', at(1, 5))], H);
    expect(iso7(d)).toEqual([
      {
        ruleId: 'PAPR-ISO-7',
        severity: 'warning',
        message: 'PHB 1 mixes hostdevs (hostdev 0000:02:00.0, hostdev 0000:01:00.0, hostdev 0000:01:00.1) with emulated devices (vda, net0): one EEH PE and one DMA window for all.',
        subjects: { controllers: [1], devices: ['0000:02:00.0', '0000:01:00.0', '0000:01:00.1', 'vda', 'net0'], groups: [3, 5] },
        fixes: [{ label: 'Move IOMMU group 3 to the empty vPHB (controller 2)', command: { kind: 'move-group', group: 3, controller: 2 } }],
      },
    ]);
  });

  it('no empty PHB: the new one takes the NUMA cell of the moved group\'s host node', () => {
    const d = pseries([phb(1)], [dev('vda', 'disk', at(1, 1)), hostdev('0000:01:00.0', at(1, 3)), hostdev('0000:02:00.0', at(1, 4))], HN, NUMA);
    expect(iso7(d).map((f) => f.fixes?.map((x) => x.label))).toEqual([['Move IOMMU group 3 to a new vPHB (controller 2, NUMA cell 1)']]);
  });

  it('without the host: no groups, the hostdevs themselves are moved', () => {
    const d = pseries([phb(1)], [dev('vda', 'disk', at(1, 1)), hostdev('0000:02:00.0', at(1, 3))]);
    expect(iso7(d)).toEqual([
      {
        ruleId: 'PAPR-ISO-7',
        severity: 'warning',
        message: 'PHB 1 mixes hostdevs (hostdev 0000:02:00.0) with emulated devices (vda): one EEH PE and one DMA window for all.',
        subjects: { controllers: [1], devices: ['0000:02:00.0', 'vda'] },
        fixes: [
          {
            label: 'Move hostdev 0000:02:00.0 to a new vPHB (controller 2)',
            command: { kind: 'batch', label: 'Move hostdev 0000:02:00.0 to a new vPHB', commands: [{ kind: 'add-controller', controller: { model: 'pci-root', index: 2 } }, { kind: 'add-hostdevs', hostAddresses: ['0000:02:00.0'], controller: 2 }] },
          },
        ],
      },
    ]);
  });
});

describe('PAPR-ISO-8: a hostdev behind a pci-bridge', () => {
  const iso8 = of('PAPR-ISO-8');
  const moveGroup5 = (index: number) => ({
    label: `Move IOMMU group 5 to a new vPHB (controller ${index})`,
    command: { kind: 'batch', label: 'Move IOMMU group 5 to a new vPHB', commands: [{ kind: 'add-controller', controller: { model: 'pci-root', index } }, { kind: 'move-group', group: 5, controller: index }] },
  });

  it('a bridge on PHB 1 with a disk on PHB 1: the hostdev shares its PE with the disk', () => {
    const d = pseries([phb(1), bridge(2, 1, 1)], [dev('vda', 'disk', at(1, 2)), hostdev('0000:01:00.0', at(2, 1))], H);
    expect(iso8(d)).toEqual([
      {
        ruleId: 'PAPR-ISO-8',
        severity: 'warning',
        message: 'hostdev 0000:01:00.0 sits behind pci-bridge 2 on PHB 1, which also carries other devices: the bridge gives it no isolation.',
        subjects: { controllers: [1, 2], devices: ['0000:01:00.0'], groups: [5] },
        fixes: [moveGroup5(3)],
      },
    ]);
  });

  it('a bridge on PHB 1 next to another group\'s hostdev: the one behind the bridge is named', () => {
    const d = pseries([phb(1), bridge(2, 1, 1)], [hostdev('0000:02:00.0', at(1, 2)), hostdev('0000:01:00.0', at(2, 1))], H);
    expect(iso8(d).map((f) => [f.subjects, f.fixes])).toEqual([[{ controllers: [1, 2], devices: ['0000:01:00.0'], groups: [5] }, [moveGroup5(3)]]]);
  });

  it('a bridge on PHB 1 with both functions of one group and nothing else: isolated, nothing to say', () => {
    expect(iso8(pseries([phb(1), bridge(2, 1, 1)], [hostdev('0000:01:00.0', at(2, 1)), hostdev('0000:01:00.1', at(2, 2))], H))).toEqual([]);
  });

  it('without the host, two hostdevs behind one bridge may be two groups: each is named (in bus/slot order), no group', () => {
    const d = pseries([phb(1), bridge(2, 1, 1)], [hostdev('0000:02:00.0', at(2, 2)), hostdev('0000:01:00.0', at(2, 1))]);
    expect(iso8(d).map((f) => [f.subjects, f.fixes?.map((x) => x.command)])).toEqual([
      [{ controllers: [1, 2], devices: ['0000:01:00.0'] }, [{ kind: 'batch', label: 'Move hostdev 0000:01:00.0 to a new vPHB', commands: [{ kind: 'add-controller', controller: { model: 'pci-root', index: 3 } }, { kind: 'add-hostdevs', hostAddresses: ['0000:01:00.0'], controller: 3 }] }]],
      [{ controllers: [1, 2], devices: ['0000:02:00.0'] }, [{ kind: 'batch', label: 'Move hostdev 0000:02:00.0 to a new vPHB', commands: [{ kind: 'add-controller', controller: { model: 'pci-root', index: 3 } }, { kind: 'add-hostdevs', hostAddresses: ['0000:02:00.0'], controller: 3 }] }]],
    ]);
    expect(iso8(pseries([phb(1), bridge(2, 1, 1)], [hostdev('0000:01:00.0', at(2, 1))]))).toEqual([]);
  });

  it('a bridge on PHB 0 with nothing else there: PHB 0 is where libvirt puts every emulated device it places (isolation group 0), now or at hotplug', () => {
    expect(iso8(pseries([bridge(1, 0, 5)], [hostdev('0000:01:00.0', at(1, 1))], H)).map((f) => [f.message, f.subjects])).toEqual([
      ['hostdev 0000:01:00.0 sits behind pci-bridge 1 on the default PHB 0, where libvirt places the emulated devices: the bridge gives it no isolation.', { controllers: [0, 1], devices: ['0000:01:00.0'], groups: [5] }],
    ]);
  });

  it('the fix moves the whole group: the new vPHB takes the NUMA cell of any of its functions, here the other one\'s', () => {
    const h = { ...H, numa: { '0000:01:00.1': 8 } };
    const d = pseries([phb(1, { node: 0 }), bridge(2, 1, 1)], [dev('vda', 'disk', at(1, 2)), hostdev('0000:01:00.0', at(2, 1)), hostdev('0000:01:00.1', at(2, 2))], h, NUMA);
    expect(iso8(d).map((f) => [f.subjects.devices, f.fixes?.map((x) => x.label)])).toEqual([
      [['0000:01:00.0'], ['Move IOMMU group 5 to a new vPHB (controller 3, NUMA cell 1)']],
      [['0000:01:00.1'], ['Move IOMMU group 5 to a new vPHB (controller 3, NUMA cell 1)']],
    ]);
  });

  it('not behind a bridge (PHB 0 directly is PAPR-ISO-4\'s), unaddressed, on a bus that does not exist, or behind a bridge hung on a bus that does not exist: not this rule\'s', () => {
    expect(iso8(pseries([], [dev('vda', 'disk', at(0, 1)), hostdev('0000:01:00.0', at(0, 2))], H))).toEqual([]);
    expect(iso8(pseries([], [hostdev('0000:02:00.0'), hostdev('0000:01:00.0', at(9, 2))], H))).toEqual([]);
    expect(iso8(pseries([bridge(2, 7, 1)], [hostdev('0000:01:00.0', at(2, 1))], H))).toEqual([]);
  });
});
