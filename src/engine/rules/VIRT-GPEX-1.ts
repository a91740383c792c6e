import type { Rule, RuleMeta } from './types.ts';
import { finding } from './context.ts';
import { globalRule } from './define.ts';
import { busNumbersUsed } from './buses.ts';
import { virt, rootPort } from './testkit.ts';

const meta: RuleMeta = {
  id: 'VIRT-GPEX-1',
  severity: 'warning',
  title: 'gpex ECAM: 16 buses without highmem ECAM, 256 with',
  why: "The virt machine's low ECAM window is 16 MiB, i.e. 16 buses; only the high-memory ECAM (virt-3.0 and later, 64-bit) reaches 256. Buses beyond the window are invisible to the guest.",
  source: 'QEMU hw/arm/virt.c base_memmap, extended_memmap, create_pcie (nr_pcie_buses = size_ecam / PCIE_MMCFG_SIZE_MIN), virt_machine_2_12_options (no_highmem_ecam), machvirt_init',
  families: ['virt'],
};

/**
 * Whether the machine has only the low 16-bus ECAM window. The high-memory ECAM came with virt-3.0:
 * virt_machine_2_12_options sets `no_highmem_ecam` for virt-2.12 and every older type (they call it);
 * and machvirt_init drops it for a 32-bit guest booted from firmware
 * (`highmem_ecam &= highmem && (!firmware_loaded || aarch64)`): armv7l is taken as low.
 */
function lowEcam(machine: string | undefined, arch: string | undefined): boolean {
  if (arch === 'armv7l') return true;
  const m = /^virt-(\d+)\./.exec(machine ?? '');
  return !!m && Number(m[1]) < 3;
}

export const rule: Rule = globalRule(meta, (ctx) => {
  const used = busNumbersUsed(ctx);
  const limit = lowEcam(ctx.guest.machine, ctx.guest.arch) ? 16 : 256;
  if (used <= limit) return [];
  return [finding(meta, `The topology needs ${used} buses but this machine's ECAM covers ${limit}.`, {})];
});

export const cases = {
  pass: [{ name: 'few ports', design: virt([rootPort(1, 1)], []) }],
  fail: [
    { name: '20 ports on virt-2.11', design: virt(Array.from({ length: 20 }, (_, i) => rootPort(i + 1, 1 + Math.floor(i / 8), i % 8)), [], undefined, { machine: 'virt-2.11' }), expect: {} },
    // virt_machine_2_12_options: no_highmem_ecam
    { name: '20 ports on virt-2.12', design: virt(Array.from({ length: 20 }, (_, i) => rootPort(i + 1, 1 + Math.floor(i / 8), i % 8)), [], undefined, { machine: 'virt-2.12' }), expect: {} },
  ],
};
