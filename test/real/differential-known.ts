/**
 * The known disagreements between pcitopo and libvirt 9.0 + QEMU 7.2 on the generated designs of the
 * differential check, ONE table: test/real/differential.test.ts fails on a disagreement that is not
 * here, and on an entry here that no design of its run shows any more (it was fixed: remove it).
 * scripts/differential.mjs marks each kind it finds as known or new with it.
 *
 * `kind` is what `kindsOf` (differential.ts) prints: `<verdict|placement> | <family> | <what>`.
 * `version`: the difference is libvirt 9.0's own (libvirt 10.7, the corpus, does what pcitopo does);
 * it stays until the target libvirt version is a design setting (issue 12).
 */
export interface KnownDisagreement {
  kind: string;
  /** the libvirt / QEMU behaviour it is about, and the function that decides when known */
  about: string;
  /** the issue whose work will fix it */
  issue: 12 | 13;
  version?: true | undefined;
}

export const KNOWN_DISAGREEMENTS: readonly KnownDisagreement[] = [
  {
    kind: 'placement | i440fx | controller/usb(piix3-uhci): another slot of pci-root',
    about:
      "i440fx: libvirt puts USB controller 0 (piix3-uhci, or the default model) at 00:01.2, PIIX3's own USB function, and refuses it anywhere else (qemuDomainValidateDevicePCISlotsPIIX3, qemu_domain_address.c); pcitopo gives it the first free slot (00:02.0 on), which shifts every device placed after it",
    issue: 12,
  },
  {
    kind: 'placement | i440fx | controller/ide: added by libvirt only (on pci-root)',
    about:
      "i440fx: an IDE disk makes libvirt add IDE controller 0, PIIX3's IDE function at 00:01.1 (qemuDomainValidateDevicePCISlotsPIIX3); pcitopo adds no IDE controller",
    issue: 12,
  },
  {
    kind: 'placement | i440fx | controller/sata: added by libvirt only (on pci-root)',
    about:
      'i440fx: a SATA disk makes libvirt add the SATA controller its drive address names (virDomainDefAddDiskControllersForType, domain_conf.c), an ich9-ahci on the first free slot of pci-root (i440fx has no built-in one); pcitopo adds none',
    issue: 12,
  },
  {
    kind: 'placement | i440fx | controller/scsi(lsilogic): added by libvirt only (on pci-root)',
    about:
      "a SCSI disk whose controller is not written makes libvirt add it (virDomainDefAddDiskControllersForType) with the default model, lsilogic on x86 and aarch64 virt (qemuDomainGetSCSIControllerModel, qemu_domain.c), a conventional PCI device; pcitopo adds none",
    issue: 12,
  },
  {
    kind: 'placement | q35 | controller/scsi(lsilogic): added by libvirt only (on pcie-to-pci-bridge)',
    about:
      'q35: the lsilogic SCSI controller libvirt adds for a SCSI disk (as on i440fx) is conventional PCI, so it goes behind the pcie-to-pci-bridge libvirt adds with a root port; pcitopo adds neither',
    issue: 12,
  },
  {
    kind: 'placement | virt | controller/scsi(lsilogic): added by libvirt only (on pcie-to-pci-bridge)',
    about:
      'aarch64 virt: the same lsilogic controller for a SCSI disk (libvirt 10.7 does the same: corpus aarch64-virt-default-models), behind a pcie-to-pci-bridge with its root port; pcitopo adds none',
    issue: 12,
  },
  {
    kind: 'placement | pseries | interface(rtl8139): pcitopo leaves it off PCI, libvirt puts it on pci-root',
    about:
      "pseries: a NIC without <model> is rtl8139 with this QEMU (qemuDomainDefaultNetModel, qemu_domain.c: rtl8139 when QEMU has it), a PCI device at 00:01.0 on; pcitopo takes it for spapr-vlan, off PCI (case d01)",
    issue: 12,
  },
  {
    kind: 'placement | q35 | interface(rtl8139): pcitopo on pcie-root-port, libvirt on pcie-to-pci-bridge',
    about:
      'q35: rtl8139 (and a NIC without <model>, rtl8139 too) is conventional PCI for libvirt: only virtio and e1000e NICs get PCIe connect flags (qemuDomainDeviceCalculatePCIConnectFlags, qemu_domain_address.c), so libvirt adds a root port with a pcie-to-pci-bridge and puts the NIC there; pcitopo puts it on a root port (case d02)',
    issue: 12,
  },
  {
    kind: 'placement | q35 | controller pcie-root-port added by libvirt only',
    about:
      "q35: an address that names a missing bus makes libvirt add root ports up to it, and, since the user's device takes the port it added, one more empty root port (qemuDomainAssignPCIAddresses keeps one free for hotplug); pcitopo adds no spare (case d17)",
    issue: 12,
  },
  {
    kind: "verdict | i440fx | libvirt define refuses, pcitopo clean: Can't add another USB controller: USB is disabled for this domain",
    about:
      "a USB controller of model 'none' next to another USB controller: libvirt's parser refuses it at define (\"Can't add another USB controller: USB is disabled for this domain\", domain_conf.c controller parsing); pcitopo has no rule for it (case d15)",
    issue: 13,
  },
  {
    kind: "verdict | q35 | QEMU start refuses, pcitopo clean: QEMU: Can't add chassis slot, error -N",
    about:
      "a root port libvirt adds gets chassis = its controller index (qemuDomainPCIControllerSetDefaults, qemu_domain_address.c) and clashes with a chassis the user wrote on another port; QEMU refuses the second (rp_realize, hw/pci-bridge/pcie_root_port.c: pcie_chassis_add_slot gives -EBUSY, \"Can't add chassis slot, error -16\"); validate on the input does not foresee the added port (case d10)",
    issue: 13,
  },
];
