import { describe, expect, it } from 'vitest';
import { applyFixes, validate } from '../../src/engine/rules/validate.ts';
import { at, ctrl, dev, q35, rootPort } from '../../src/engine/rules/testkit.ts';

/**
 * `validate --fix` (applyFixes, src/engine/rules/validate.ts) beyond validate.test.ts (issue 11;
 * docs/mutation.md, "mutctx"): it counts errors, what libvirt refuses, and nothing else.
 */

describe('applyFixes', () => {
  it('applies a fix that clears an error even when it brings a warning: only errors are counted', () => {
    // a disk on a pcie-switch-upstream-port: libvirt refuses it (virDomainPCIAddressFlagsCompatible,
    // GEN-CONNECT-3); the fix moves it to a new root port and leaves the upstream port empty, which
    // GEN-HP-1 warns is no hotplug spare (downstream ports cannot be hot-plugged into it)
    const d = q35([rootPort(1, 1), ctrl('pcie-switch-upstream-port', 2, { address: at(1, 0) })], [dev('vda', 'disk', at(2, 0))]);
    const sev = (x: typeof d) => validate(x).filter((f) => f.severity !== 'info').map((f) => `${f.severity} ${f.ruleId}`);
    expect(sev(d)).toEqual(['error GEN-CONNECT-3', 'warning Q35-HP-1']);
    const fixed = applyFixes(d);
    expect(sev(fixed)).toEqual(['warning GEN-HP-1', 'warning Q35-HP-1']);
    expect(fixed.guest.devices.find((x) => x.key === 'vda')?.address).toMatchObject({ bus: 3, slot: 0 });
  });
});
