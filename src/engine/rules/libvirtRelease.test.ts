import { describe, expect, it } from 'vitest';
import { createDesign } from '../xml/domain.ts';
import type { Design } from '../model/design.ts';
import { applyFixes, createValidator, validate } from './validate.ts';
import { RULES } from './index.ts';
import { buildContext } from './context.ts';
import { defineDomain, releaseControllerDefaults } from '../placement/defineTime.ts';
import { machineProfile } from '../machines/index.ts';
import { validateWorkspace } from '../workspace/validate.ts';
import type { Workspace } from '../model/workspace.ts';

/**
 * Validation follows the libvirt release the design targets (ValidateOptions.libvirtVersion), as
 * placement does: the define-time model and the defaults of the controllers libvirt adds take the
 * release's controller order (libvirt/qemuDomainAddress.ts libvirtControllerOrder). A pseries PHB
 * written at index 4 with target index 3 leaves a gap libvirt fills with PHBs 1-3: libvirt 10.7
 * gives them their target indexes by index (3 to PHB 3, which PHB 4 holds: QEMU refuses "PHB 3
 * already attached"); libvirt 9.0 appends them to def->controllers, so PHB 4 is seen first and they
 * get 1, 2, 4 (checked with real libvirt 9.0 and QEMU: test/real/libvirt-release.test.ts).
 */
const GAP_PHB = `<domain type='qemu'><name>p</name><memory unit='MiB'>256</memory><vcpu placement='static'>1</vcpu>
<os><type arch='ppc64' machine='pseries'>hvm</type></os><devices>
<controller type='pci' index='4' model='pci-root'><target index='3'/></controller>
</devices></domain>`;

function designOf(xml: string): Design {
  const r = createDesign(xml);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

const phb5 = (d: Design, libvirtVersion?: string) => validate(d, RULES, { libvirtVersion }).filter((f) => f.ruleId === 'PAPR-PHB-5');

describe('validate follows the libvirt release (controller order)', () => {
  const d = designOf(GAP_PHB);

  it('a gap PHB libvirt 10.7 gives a written PHB\'s target index: PAPR-PHB-5 error by default and with 10.7', () => {
    for (const release of [undefined, '10.7', '10.7.0', '11.0']) {
      const found = phb5(d, release);
      expect(found.map((f) => [f.severity, f.subjects.controllers])).toEqual([['error', [3, 4]]]);
    }
  });

  it('libvirt 9.0 gives the gap PHBs target indexes after the written one: no PAPR-PHB-5 error, nor any other', () => {
    for (const release of ['9.0', '9.0.0', '8.0.0']) {
      expect(validate(d, RULES, { libvirtVersion: release }).filter((f) => f.severity === 'error')).toEqual([]);
    }
  });

  it('the rules see the targets the release gives the PHBs libvirt adds; the written ones stay the same objects', () => {
    const targets = (order: 'index' | 'written-first') => buildContext(d, { order }).guest.controllers.map((c) => [c.index, c.target.index]);
    expect(targets('index')).toEqual([[0, 0], [1, 1], [2, 2], [3, 3], [4, 3]]);
    expect(targets('written-first')).toEqual([[0, 0], [1, 1], [2, 2], [3, 4], [4, 3]]);
    const written = d.guest.controllers.find((c) => !c.implicit);
    expect(buildContext(d, { order: 'written-first' }).guest.controllers).toContain(written);
    expect(buildContext(d, { order: 'index' }).order).toBe('index');
    expect(buildContext(d).order).toBe('index');
  });

  it('releaseControllerDefaults: the same list under the index order, and when no controller is libvirt\'s', () => {
    const machine = machineProfile(d.guest);
    expect(releaseControllerDefaults(d.guest.controllers, machine, 'index')).toBe(d.guest.controllers);
    const writtenOnly = d.guest.controllers.filter((c) => !c.implicit || c.index === 0);
    expect(releaseControllerDefaults(writtenOnly, machine, 'written-first')).toBe(writtenOnly);
    const once = releaseControllerDefaults(d.guest.controllers, machine, 'written-first');
    expect(releaseControllerDefaults(d.guest.controllers, machine, 'written-first')).toBe(once);
    // memoised per machine too: the same list judged for another machine is not the pseries answer
    const q35 = machineProfile({ arch: 'x86_64', machine: 'q35' });
    expect(releaseControllerDefaults(d.guest.controllers, q35, 'written-first')).not.toBe(once);
  });

  it('the define-time model runs in the release\'s order, each order memoised apart', () => {
    const target3 = (order?: 'index' | 'written-first') => defineDomain(d.guest, undefined, order)?.guest.controllers.find((c) => c.index === 3)?.target.index;
    expect(target3()).toBe(3);
    expect(target3('written-first')).toBe(4);
    expect(target3('index')).toBe(3);
  });

  it('the incremental validator and --fix take the release; so does a workspace', () => {
    expect(createValidator(RULES, { libvirtVersion: '9.0' })(d).filter((f) => f.ruleId === 'PAPR-PHB-5')).toEqual([]);
    expect(createValidator(RULES)(d).filter((f) => f.ruleId === 'PAPR-PHB-5')).toHaveLength(1);
    // nothing to fix under 9.0: the design comes back as it is
    expect(applyFixes(d, { libvirtVersion: '9.0' })).toBe(d);
    expect(applyFixes(d)).not.toBe(d);
    const ws: Workspace = { guests: [{ name: 'p', design: d }] };
    expect(validateWorkspace(ws, { libvirtVersion: '9.0' }).filter((f) => f.ruleId === 'PAPR-PHB-5')).toEqual([]);
    expect(validateWorkspace(ws).filter((f) => f.ruleId === 'PAPR-PHB-5')).toHaveLength(1);
  });
});
