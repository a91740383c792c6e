import { describe, expect, it } from 'vitest';
import { findingsOf } from './alone.ts';
import { at, dev, hostdev, phb, pseries } from '../../src/engine/rules/testkit.ts';
import type { Design } from '../../src/engine/model/design.ts';
import type { Finding } from '../../src/engine/rules/types.ts';

/**
 * PAPR-IRQ-1's branches beyond its case table (issue 11; docs/mutation.md). QEMU's MSI pool: from
 * pseries-3.1 on, spapr_irq_nr_msis() gives SPAPR_XIRQ_BASE + nr_xirqs - SPAPR_IRQ_MSI =
 * 0x1000 + 0x1000 - 0x1300 = 3328 vectors; pseries-3.0 and older keep legacy_irq_allocation with
 * nr_xirqs = 0x400, where MSIs come out of the 1024 IRQs of XICS (hw/ppc/spapr.c
 * spapr_machine_3_0_class_options, hw/ppc/spapr_irq.c). The rule warns at 90 % of the pool, with 32
 * vectors per hostdev and 3 per emulated PCI device.
 */

const of = (d: Design): Finding[] => findingsOf(d, 'PAPR-IRQ-1');
const phbs = [1, 2, 3, 4].map((i) => phb(i));
/** n hostdevs spread over PHBs 1-4: 32 vectors each */
const hostdevs = (n: number) => Array.from({ length: n }, (_, i) => hostdev(`0000:${(i + 1).toString(16).padStart(2, '0')}:00.0`, at(1 + (i % 4), 1 + Math.floor(i / 4))));
/** n virtio disks on PHB 0: 3 vectors each */
const disks = (n: number) => Array.from({ length: n }, (_, i) => dev(`vd${i}`, 'disk', at(0, 1 + i)));
const on = (machine: string, devices: Parameters<typeof pseries>[1]) => pseries(phbs, devices, undefined, { machine });

describe('PAPR-IRQ-1: the pool of the machine version', () => {
  it('pseries-3.0: 28 hostdevs and 9 disks ask for 923 of 1024 (over 90 %), with 8 disks 920 (under)', () => {
    expect(of(on('pseries-3.0', [...hostdevs(28), ...disks(9)]))).toEqual([
      {
        ruleId: 'PAPR-IRQ-1',
        severity: 'warning',
        message: 'The devices may ask for about 923 MSI vectors (estimate: 32 per hostdev function, 3 per emulated device); the machine-wide pool holds 1024.',
        subjects: {},
      },
    ]);
    expect(of(on('pseries-3.0', [...hostdevs(28), ...disks(8)]))).toEqual([]);
  });

  it('pseries-2.12 (two-digit minor) is legacy too: 29 hostdevs, 928 of 1024', () => {
    expect(of(on('pseries-2.12', hostdevs(29))).map((f) => f.message)).toEqual([
      'The devices may ask for about 928 MSI vectors (estimate: 32 per hostdev function, 3 per emulated device); the machine-wide pool holds 1024.',
    ]);
  });

  it('pseries-3.1, pseries-10.0 and plain pseries have the 3328-vector pool: the same 923 is fine', () => {
    for (const m of ['pseries-3.1', 'pseries-10.0', 'pseries']) expect(of(on(m, [...hostdevs(28), ...disks(9)])), m).toEqual([]);
  });

  it('devices off PCI (spapr-vlan NICs are spapr-vio) ask for no MSI', () => {
    const vlans = Array.from({ length: 9 }, (_, i) => dev(`net${i}`, 'interface', undefined, { model: 'spapr-vlan' }));
    expect(of(on('pseries-3.0', [...hostdevs(28), ...vlans]))).toEqual([]);
  });
});
