import { describe, expect, it } from 'vitest';
import { findingsOf } from './alone.ts';
import { ctrl, q35 } from '../../src/engine/rules/testkit.ts';

/**
 * Q35-SW-2's threshold (issue 11; docs/mutation.md): QEMU docs/pcie.txt §4, one bus number per port,
 * bridge or expander out of 256 in domain 0; the warning starts at 230 used (pcie-root's included).
 */

const bridges = (n: number) => q35(Array.from({ length: n }, (_, i) => ctrl('pci-bridge', i + 1, { target: { chassisNr: i + 1 } })), []);

describe('Q35-SW-2: bus numbers used', () => {
  it('229 buses: no warning; 230: the warning in its words', () => {
    expect(findingsOf(bridges(228), 'Q35-SW-2')).toEqual([]);
    expect(findingsOf(bridges(229), 'Q35-SW-2').map((f) => f.message)).toEqual(['The topology uses 230 of 256 bus numbers. Prefer multifunction root ports to switches.']);
  });
});
