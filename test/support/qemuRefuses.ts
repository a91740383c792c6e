/**
 * Outputs libvirt's tests accept (they build QEMU's command line and never start it) that QEMU
 * itself refuses, with its words -> the rule that must say so. Checked with libvirt 9.0 + QEMU 7.2
 * (shared/tools/libvirt-qemu-check.sh).
 */
export const QEMU_REFUSES: Record<string, { readonly rule: string; readonly qemu: string }> = {
  // the serial's user reg 0x20000000 maps to the interrupt of QEMU's own nvram (spapr_vio_reg_to_irq)
  // function 0 of slot 4 is a root port written multifunction='off', and another root port is written at 00:04.1 (pci_init_multifunction)
  'q35-multifunction': { rule: 'GEN-MF-2', qemu: "PCI: single function device can't be populated in function 4.1" },
  'pseries-vio-user-assigned': { rule: 'PAPR-VIO-2', qemu: 'IRQ 4352 is not free' },
};
