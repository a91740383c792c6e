/**
 * Outputs libvirt's tests accept (they build QEMU's command line and never start it) that QEMU
 * itself refuses, with its words -> the rule that must say so. Checked with libvirt 9.0 + QEMU 7.2
 * (shared/tools/libvirt-qemu-check.sh).
 */
export const QEMU_REFUSES: Record<string, { readonly rule: string; readonly qemu: string; readonly newer?: RegExp }> = {
  // the serial's user reg 0x20000000 maps to the interrupt of QEMU's own nvram (spapr_vio_reg_to_irq)
  'pseries-vio-user-assigned': { rule: 'PAPR-VIO-2', qemu: 'IRQ 4352 is not free' },
  // root ports at 00:04.0 multifunction='off' and 00:04.1 (hw/pci/pci.c pci_init_multifunction)
  // (its output has the iTCO watchdog libvirt 10.x adds on q35, which libvirt 9.0 refuses (GEN-MODEL-4): `newer`, left out for the real check)
  'q35-multifunction': { rule: 'GEN-MF-2', qemu: "PCI: single function device can't be populated in function 4.1", newer: /<watchdog model='itco'[^>]*\/>/ },
};

/**
 * Outputs libvirt's tests accept and QEMU starts, whose guest firmware cannot number their buses
 * (SeaBIOS 1.16 with QEMU 7.2, test/real/firmware-buses.test.ts) -> the rule that must say so and
 * words of its message.
 */
export const FIRMWARE_FAILS: Record<string, { readonly rule: string; readonly words: string }> = {
  // a pcie-expander-bus of busNr 254 with 34 bridges below it: bus numbers past 255
  'pcie-expander-bus': { rule: 'GEN-TGT-1', words: 'bus numbers end at 255' },
};

/** The one error an output libvirt's tests accept must raise (QEMU_REFUSES or FIRMWARE_FAILS), or undefined. */
export function knownError(name: string): { readonly rule: string; readonly words: string } | undefined {
  const q = QEMU_REFUSES[name];
  return q ? { rule: q.rule, words: q.qemu } : FIRMWARE_FAILS[name];
}
