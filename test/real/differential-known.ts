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

export const KNOWN_DISAGREEMENTS: readonly KnownDisagreement[] = [];
