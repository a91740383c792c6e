/**
 * The libvirt release a design targets (issue 12): where the releases pcitopo models place
 * differently (libvirt/qemuDomainAddress.ts libvirtControllerOrder: libvirt 9.0 gives addresses, and
 * on pseries target indexes, to the controllers it adds for a gap in the indexes after the ones the
 * XML lists; 10.7 goes by controller index), placement follows the target
 * (PlaceOptions.libvirtVersion). A design without a target is placed as the newest modelled release.
 */

/** The releases modelled, newest first: 10.7 is the corpus (libvirt's own tests), 9.0 is Debian 12's, checked by the differential stage. */
export const LIBVIRT_RELEASES = ['10.7', '9.0'] as const;

/** The release a design without a setting is placed as: the newest modelled. */
export const DEFAULT_LIBVIRT_RELEASE: string = LIBVIRT_RELEASES[0];

/** Whether `text` reads as a libvirt release: "9.0", "10.7.0" (what `virsh --version` prints). */
export function isLibvirtRelease(text: string): boolean {
  return /^\d{1,4}\.\d{1,4}(\.\d{1,4})?$/.test(text);
}

/**
 * Whether a design judged as `version` follows libvirt 9.0 where 9.0 and 10.7 differ: a release
 * before 10.0 ("9.0", "9.5.0"). Only 9.0 and 10.7 are checked against real libvirt; the release
 * between them that changed each behaviour is not pinned down, so 9.x follows 9.0 and 10.x 10.7.
 * Undefined or unreadable: false (judged as 10.7, the default).
 */
export function followsLibvirt9(version: string | undefined): boolean {
  const major = version === undefined ? NaN : Number.parseInt(version, 10);
  return Number.isFinite(major) && major < 10;
}
