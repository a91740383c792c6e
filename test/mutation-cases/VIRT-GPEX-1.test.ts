import { describe, expect, it } from 'vitest';
import { findingsOf } from './alone.ts';
import { ctrl, rootPort, virt } from '../../src/engine/rules/testkit.ts';
import type { Design } from '../../src/engine/model/design.ts';

/**
 * VIRT-GPEX-1's branches beyond its case table (issue 11; docs/mutation.md): QEMU hw/arm/virt.c
 * create_pcie gives gpex size_ecam / 1 MiB buses: 16 from the low 16 MiB window on virt-2.12 and older
 * (virt_machine_2_12_options sets no_highmem_ecam) and on a 32-bit guest, 256 from the high ECAM.
 */

/** n root ports, 8 functions a slot from 00:01.0: with pcie-root, n + 1 buses. */
const ports = (n: number) => Array.from({ length: n }, (_, i) => rootPort(i + 1, 1 + Math.floor(i / 8), i % 8));
const of = (d: Design): string[] => findingsOf(d, 'VIRT-GPEX-1').map((f) => f.message);
const on = (machine: string, n: number, arch?: string): Design => virt(ports(n), [], undefined, { machine, ...(arch ? { arch } : {}) });

describe('VIRT-GPEX-1: buses beyond the ECAM window', () => {
  it('low ECAM: 16 buses fit, the 17th does not, in its words', () => {
    expect(of(on('virt-2.11', 15))).toEqual([]);
    expect(of(on('virt-2.11', 16))).toEqual(["The topology needs 17 buses but this machine's ECAM covers 16."]);
  });

  it('virt-2.12 still has the low window only; virt-3.0 has the high one', () => {
    expect(of(on('virt-2.12', 16))).toEqual(["The topology needs 17 buses but this machine's ECAM covers 16."]);
    expect(of(on('virt-3.0', 40))).toEqual([]);
    expect(of(on('virt-9.2', 40))).toEqual([]);
  });

  it('virt-1.x and virt-2.0 are older than any high ECAM', () => {
    expect(of(on('virt-2.0', 16))).toEqual(["The topology needs 17 buses but this machine's ECAM covers 16."]);
    expect(of(on('virt-1.9', 16))).toEqual(["The topology needs 17 buses but this machine's ECAM covers 16."]);
  });

  it('the unversioned virt (the newest type) on aarch64 has 256 buses, and the 257th is refused', () => {
    expect(of(on('virt', 40))).toEqual([]);
    const many = virt(Array.from({ length: 256 }, (_, i) => ctrl('pci-bridge', i + 1)), []);
    expect(findingsOf(many, 'VIRT-GPEX-1').map((f) => f.message)).toEqual(["The topology needs 257 buses but this machine's ECAM covers 256."]);
    const fits = virt(Array.from({ length: 255 }, (_, i) => ctrl('pci-bridge', i + 1)), []);
    expect(findingsOf(fits, 'VIRT-GPEX-1')).toEqual([]);
  });

  it('a 32-bit (armv7l) guest has the low window whatever its machine type', () => {
    expect(of(on('virt', 16, 'armv7l'))).toEqual(["The topology needs 17 buses but this machine's ECAM covers 16."]);
    expect(of(on('virt', 15, 'armv7l'))).toEqual([]);
  });
});
