/**
 * The known disagreements between pcitopo and libvirt 9.0 + QEMU 7.2 on the generated designs of the
 * differential check, ONE table: test/real/differential.test.ts fails on a disagreement that is not
 * here, and on an entry here that neither its fixed seed nor the smallest designs of
 * test/real/fixtures/differential/ show any more (it was fixed: remove it, and the fixture).
 * `npm run differential` marks each kind it finds as known or new with it; docs/differential.md
 * groups them by the libvirt / QEMU function that decides, with the figures of the long runs.
 *
 * `kind` is what `kindsOf` (differential.ts) prints: `<verdict|placement> | <family> | <what>`.
 * `version`: the difference is between libvirt releases (place follows the installed one through
 * PlaceOptions.libvirtVersion where pcitopo models the difference).
 */
export interface KnownDisagreement {
  kind: string;
  /** the libvirt / QEMU function (and file) that decides: the group in docs/differential.md */
  decides: string;
  /** what libvirt / QEMU do and what pcitopo does instead */
  about: string;
  /** the issue whose work will fix it */
  issue: 11 | 12 | 13;
  version?: true | undefined;
}

export const KNOWN_DISAGREEMENTS: readonly KnownDisagreement[] = [
  // --- what the guest firmware does after QEMU starts (the differential sees only define and start)
  {
    kind: 'verdict | virt | pcitopo error, libvirt+QEMU accept: GEN-TGT-1',
    decides: 'the guest firmware numbering the buses below an expander bus (SeaBIOS src/fw/pciinit.c pci_bios_init_bus_rec; bus numbers are 8-bit); libvirt qemuDomainAddressFindNewBusNr (src/qemu/qemu_domain_address.c) gives an expander written without busNr 254',
    about:
      'two or more bridges below an expander whose busNr leaves fewer numbers (libvirt gives 254, so the second bridge would be bus 256): libvirt defines it and QEMU starts it, but the firmware gives the bridge past 255 no bus and the devices behind it are gone (test/real/firmware-buses.test.ts, QEMU 7.2 + SeaBIOS: the third port of bus_nr 253 gets secondary bus 0, and SeaBIOS never boots); pcitopo reports it as the error the guest sees',
    issue: 11,
  },
  {
    kind: 'verdict | i440fx | pcitopo error, libvirt+QEMU accept: GEN-TGT-1',
    decides: 'the guest firmware numbering the buses of each root in turn (SeaBIOS src/fw/pciinit.c pci_bios_init_bus_rec); libvirt qemuDomainAddressFindNewBusNr (src/qemu/qemu_domain_address.c) checks the room below only for the busNr it picks itself',
    about:
      'a pci-expander-bus whose written busNr leaves too few numbers for the bridges of the bus below it: libvirt defines it and QEMU starts it, but the firmware gives two buses one number and the devices behind one are gone (test/real/expander-busnr-room.test.ts; seen with query-pci); pcitopo reports it as the error the guest sees',
    issue: 11,
  },
  // --- what pcitopo's place does deliberately otherwise
  {
    kind: 'placement | q35 | controller pcie-switch-downstream-port: address differ (pcitopo on no address, libvirt on pcie-switch-upstream-port)',
    decides: 'qemuDomainAssignPCIAddresses (libvirt src/qemu/qemu_domain_address.c) with QEMU creating devices in index order (qemuBuildControllersCommandLine)',
    about:
      'a controller whose only possible bus has a higher index (a downstream port below its upstream port): libvirt addresses it there and QEMU then refuses ("Bus \'pci.N\' not found"); pcitopo reports the error (GEN-IDX-4) and its place leaves that controller unaddressed with a note, since place must not write an address QEMU refuses (issue 11)',
    issue: 13,
  },
  {
    kind: 'placement | virt | controller pcie-switch-downstream-port: address differ (pcitopo on no address, libvirt on pcie-switch-upstream-port)',
    decides: 'qemuDomainAssignPCIAddresses (libvirt src/qemu/qemu_domain_address.c) with QEMU creating devices in index order (qemuBuildControllersCommandLine)',
    about:
      'the same as on q35, on aarch64 virt (seen on seed 20261220 with more designs mutated): a downstream port written without an address whose only possible bus, an upstream port, has a higher index; libvirt addresses it there and QEMU refuses ("Bus \'pci.4\' not found"); pcitopo reports GEN-IDX-4 and its place leaves the port unaddressed',
    issue: 13,
  },
];
