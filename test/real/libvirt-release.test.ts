/**
 * `validate` follows the libvirt release the design targets (ValidateOptions.libvirtVersion,
 * `validate --libvirt-version`), checked against the real libvirt and QEMU here
 * (scripts/test-real.mjs). A pseries PHB written at index 4 with target index 3 leaves a gap
 * libvirt fills with PHBs 1-3 (qemuDomainAssignPCIAddresses, virDomainDefMaybeAddController) and
 * gives them target indexes (qemuDomainPCIControllerSetDefaults, qemuDomainAddressFindNewTargetIndex):
 * libvirt 9.0 appends them to def->controllers, so it reaches them after PHB 4 and gives 1, 2, 4,
 * and QEMU starts the guest; libvirt 10.x goes by index and gives PHB 3 target index 3, which QEMU
 * refuses ("PHB 3 already attached"). pcitopo validated as 10.7 whatever the release (PAPR-PHB-5
 * error, a false alarm against 9.0: the differential run of issue 12 found it).
 */
import { describe, expect, it } from 'vitest';
import { RULES, defineDomain, libvirtControllerOrder, validate } from '../../src/engine/index.ts';
import { formatVerifyReport } from '../../src/cli/verify/index.ts';
import { INSTALLED_LIBVIRT } from './differential.ts';
import { design, verify } from './helpers.ts';

const GAP_PHB = `<domain type='qemu'><name>p</name><memory unit='MiB'>256</memory><vcpu placement='static'>1</vcpu>
<os><type arch='ppc64' machine='pseries'>hvm</type></os><devices>
<controller type='pci' index='4' model='pci-root'><target index='3'/></controller>
</devices></domain>
`;

const errors = (version: string | undefined) => validate(design(GAP_PHB), RULES, { libvirtVersion: version }).filter((f) => f.severity === 'error');

describe('validate follows the installed libvirt release', () => {
  it('a PHB gap libvirt 9.0 fills with target indexes 1, 2, 4: it defines and QEMU starts; validate as 9.0 (and as the release here) has no error, as 10.7 PAPR-PHB-5', async () => {
    expect(INSTALLED_LIBVIRT).toMatch(/^9\./);
    const report = await verify(GAP_PHB);
    if (!report.ok) console.log(formatVerifyReport(report));
    expect(report.error).toBeUndefined();
    expect(report.ok).toBe(true);
    const targets = (list: readonly { readonly index?: number | undefined; readonly targetIndex?: number | undefined; readonly target?: { readonly index?: number | undefined } }[]) =>
      list.filter((c) => (c.index ?? 0) > 0).map((c) => [c.index, c.targetIndex ?? c.target?.index]).sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0));
    expect(targets(report.controllers)).toEqual([[1, 1], [2, 2], [3, 4], [4, 3]]);
    // pcitopo's define-time model in the installed release's order gives the same target indexes
    expect(targets(defineDomain(design(GAP_PHB).guest, undefined, libvirtControllerOrder(INSTALLED_LIBVIRT))?.guest.controllers ?? [])).toEqual(targets(report.controllers));
    expect(errors('9.0')).toEqual([]);
    expect(errors(INSTALLED_LIBVIRT)).toEqual([]);
    expect(errors(undefined).map((f) => f.ruleId)).toEqual(['PAPR-PHB-5']);
    expect(errors('10.7').map((f) => f.ruleId)).toEqual(['PAPR-PHB-5']);
  });
});
