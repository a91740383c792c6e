/**
 * The known disagreements between pcitopo and libvirt 9.0 + QEMU 7.2 on the generated designs of the
 * differential check, ONE table: test/real/differential.test.ts fails on a disagreement that is not
 * here, and on an entry here that neither its fixed seed nor the smallest designs of
 * test/real/fixtures/differential/ show any more (it was fixed: remove it, and the fixture).
 * `npm run differential` marks each kind it finds as known or new with it; docs/differential.md
 * groups them by the libvirt / QEMU function that decides, with the figures of the long runs.
 *
 * `kind` is what `kindsOf` (differential.ts) prints: `<verdict|placement> | <family> | <what>`.
 * `version`: the difference is libvirt 9.0's own (libvirt 10.7, the corpus pcitopo follows, does what
 * pcitopo does); it stays until the target libvirt version is a design setting (issue 12).
 */
export interface KnownDisagreement {
  kind: string;
  /** the libvirt / QEMU function (and file) that decides: the group in docs/differential.md */
  decides: string;
  /** what libvirt / QEMU do and what pcitopo does instead */
  about: string;
  /** the issue whose work will fix it */
  issue: 12 | 13;
  version?: true | undefined;
}

const GAP_ORDER = 'qemuDomainAssignPCIAddresses / qemuDomainPCIControllerSetDefaults (libvirt src/qemu/qemu_domain_address.c), 9.0 order';

export const KNOWN_DISAGREEMENTS: readonly KnownDisagreement[] = [
  // --- the order libvirt 9.0 numbers and places the controllers it adds
  {
    kind: 'placement | q35 | controller pcie-root-port: port+address differ (both on pcie-root)',
    decides: GAP_ORDER,
    about:
      "a root port written with an index above the ones libvirt adds for the gap (index 5 alone: libvirt adds 1..4): libvirt 9.0 places the user's port first (00:01.0, port 8) and the added ones after it; libvirt 10.7 and pcitopo go by index",
    issue: 12,
    version: true,
  },
  {
    kind: 'placement | q35 | controller pcie-root-port: address differ (both on pcie-root)',
    decides: GAP_ORDER,
    about: 'the same 9.0 order when the user port has its own port number: only the addresses of the ports differ',
    issue: 12,
    version: true,
  },
  {
    kind: 'placement | virt | controller pcie-root-port: port+address differ (both on pcie-root)',
    decides: GAP_ORDER,
    about: "aarch64 virt: the same 9.0 order of a user's root port before the gap ports libvirt adds",
    issue: 12,
    version: true,
  },
  {
    kind: 'placement | virt | controller pcie-root-port: address differ (both on pcie-root)',
    decides: GAP_ORDER,
    about: 'aarch64 virt: the same 9.0 order, user port number written: only the addresses differ',
    issue: 12,
    version: true,
  },
  {
    kind: 'placement | pseries | controller pci-root: target differ',
    decides: GAP_ORDER,
    about:
      "pseries: a PHB written with an index above a gap (index 2 alone: libvirt adds PHB 1): libvirt 9.0 gives the user's PHB the first free target index (1) and the added one the next (2); pcitopo gives target = index, as 10.7 does when it goes by index",
    issue: 12,
    version: true,
  },
  // --- what pcitopo's place does deliberately otherwise
  {
    kind: 'placement | q35 | controller pcie-switch-downstream-port: address differ (pcitopo on no address, libvirt on pcie-switch-upstream-port)',
    decides: 'qemuDomainAssignPCIAddresses (libvirt src/qemu/qemu_domain_address.c) with QEMU creating devices in index order (qemuBuildControllersCommandLine)',
    about:
      'a controller whose only possible bus has a higher index (a downstream port below its upstream port): libvirt addresses it there and QEMU then refuses ("Bus \'pci.N\' not found"); pcitopo reports the error (GEN-IDX-4) and its place leaves that controller unaddressed with a note, since place must not write an address QEMU refuses (issue 11)',
    issue: 13,
  },
];
