import { describe, expect, it } from 'vitest';
import { applyCommand } from '../../src/engine/commands/commands.ts';
import { findingsOf } from './alone.ts';
import { at, ctrl, design, dev, phb, pseries } from '../../src/engine/rules/testkit.ts';
import type { Design } from '../../src/engine/model/design.ts';
import type { PciController } from '../../src/engine/model/guest.ts';
import type { Finding } from '../../src/engine/rules/types.ts';

/**
 * PAPR-PHB-2's branches beyond its case table (issue 11; docs/mutation.md): libvirt's
 * virDomainControllerDefValidate refuses a vPHB target index outside 0-30, and
 * qemuDomainAddressFindNewTargetIndex finds none past 31 PHBs.
 */

const of = (d: Design): Finding[] => findingsOf(d, 'PAPR-PHB-2');
const byMessage = (fs: readonly Finding[]): Finding[] => [...fs].sort((a, b) => (a.message < b.message ? -1 : 1));

describe('PAPR-PHB-2: target index 0-30', () => {
  it('target index 31: the message says which PHB and what range, and the fix takes the lowest free target index', () => {
    const d = pseries([phb(1, { index: 31 })], []);
    const [f, ...rest] = of(d);
    expect(rest).toEqual([]);
    expect(f?.message).toBe('PCI controller 1 has target index 31, out of range: it must be 0-30.');
    expect(f?.fixes?.map((x) => x.label)).toEqual(['Use the free target index 1']);
    const fixed = applyCommand(d, f!.fixes![0]!.command);
    expect(of(fixed)).toEqual([]);
    expect(fixed.guest.controllers.find((c) => c.index === 1)?.target.index).toBe(1);
  });

  it('target index -1, just below the range: refused as well', () => {
    expect(of(pseries([phb(1, { index: -1 })], [])).map((f) => f.message)).toEqual(['PCI controller 1 has target index -1, out of range: it must be 0-30.']);
  });

  it('the default PHB (index 0) out of range gets no fix: its target index is libvirt\'s own, 0', () => {
    const got = of(design({ machine: 'pseries', controllers: [phb(0, { index: 31 })] }));
    expect(got.map((f) => [f.subjects, f.fixes])).toEqual([[{ controllers: [0] }, undefined]]);
  });

  it('the last free target index, 30, is still offered', () => {
    const taken = Array.from({ length: 29 }, (_, i) => phb(i + 1));
    const got = of(pseries([...taken, phb(30, { index: 31 })], []));
    expect(got.map((f) => f.fixes?.map((x) => x.label))).toEqual([['Use the free target index 30']]);
  });

  it('no fix when all 31 target indexes are taken', () => {
    const full = Array.from({ length: 30 }, (_, i) => phb(i + 1));
    const got = byMessage(of(pseries([...full, phb(31, { index: 31 })], [])));
    expect(got.map((f) => f.fixes)).toEqual([undefined, undefined]);
    expect(got.map((f) => f.subjects)).toEqual([{ controllers: [31] }, { controllers: [31] }]);
  });

  it('a pci-root that is not an spapr-pci-host-bridge is no vPHB: its target index is not judged', () => {
    expect(of(pseries([ctrl('pci-root', 1, { target: { index: 40 }, modelName: 'other-host-bridge' })], []))).toEqual([]);
  });
});

describe('PAPR-PHB-2: what is and is not judged', () => {
  it('a PHB whose index cannot be read (GEN-IDX-1\'s) with target index 31: named as such, no controller number, and the fix by its key', () => {
    const got = of(pseries([{ ...phb(1, { index: 31 }), index: undefined, unreadable: ["index='x'"] }], []));
    expect(got.map((f) => [f.message, f.subjects, f.fixes?.map((x) => x.command)])).toEqual([
      ['PCI controller (index unreadable) has target index 31, out of range: it must be 0-30.', { controllers: [] }, [{ kind: 'update-controller', controller: 'pci-1', changes: { target: { index: 1 } } }]],
    ]);
  });

  it('a device addressed on bus 40 with no controller there is GEN-ADDR-2\'s (pseries buses 0-30), not counted here', () => {
    expect(of(pseries([], [dev('nic', 'interface', at(40, 1))]))).toEqual([]);
  });

  it('a controller index above 255 is refused on its own (GEN-IDX-1): the PHBs counted and named stop at 255', () => {
    const got = of(pseries([phb(31, { index: undefined }), ctrl('pci-bridge', 300, { address: at(0, 2) })], []));
    expect(got.map((f) => f.subjects)).toEqual([{ controllers: [31] }]);
    expect(got[0]!.message).toMatch(/^Controller index 31 makes libvirt fill the indexes below it with PHBs: 32 PHBs/);
  });
});

describe('PAPR-PHB-2: at most 31 PHBs once libvirt fills the index gaps', () => {
  it('names every controller above index 30 (not 30 itself), the highest in the message, and the count', () => {
    const got = of(pseries([phb(30, { index: 2 }), phb(31, { index: 1 }), ctrl('pci-bridge', 40, { address: at(0, 2) })], []));
    expect(got.map((f) => [f.message, f.subjects])).toEqual([
      ['Controller index 40 makes libvirt fill the indexes below it with PHBs: 40 PHBs, but target indexes 0-30 allow only 31 ("No usable target index found"). Use controller indexes up to 30 for PHBs.', { controllers: [31, 40] }],
    ]);
  });
});

/**
 * PAPR-PHB-5: QEMU refuses two PHBs of one target index (spapr_phb_pre_plug: "PHB N already
 * attached"); libvirt gives the default PHB target 0 and every other PHB written without one the
 * lowest free (qemuDomainPCIControllerSetDefaults, qemuDomainAddressFindNewTargetIndex).
 */
const phb5 = (d: Design): Finding[] => findingsOf(d, 'PAPR-PHB-5');

describe('PAPR-PHB-5: target indexes are unique', () => {
  it('two PHBs with target 1: libvirt\'s words, both controllers, and the fix giving the later one the lowest free target index, which clears it', () => {
    const d = pseries([phb(1), phb(2, { index: 1 })], []);
    const got = phb5(d);
    expect(got.map((f) => [f.message, f.subjects])).toEqual([['PHB controllers 1 and 2 both have target index 1: QEMU refuses to start ("PHB 1 already attached").', { controllers: [1, 2] }]]);
    expect(got[0]!.fixes!.map((x) => [x.label, x.command])).toEqual([
      ['Use the free target index 2', { kind: 'update-controller', controller: 'pci-2', changes: { target: { index: 2 } } }],
    ]);
    expect(phb5(applyCommand(d, got[0]!.fixes![0]!.command))).toEqual([]);
  });

  it('three PHBs with target 1: each later one gets a different free target index (2, then 3)', () => {
    const d = pseries([phb(1), phb(2, { index: 1 }), phb(3, { index: 1 })], []);
    const got = phb5(d);
    expect(got.map((f) => [f.subjects, f.fixes?.map((x) => x.label)])).toEqual([
      [{ controllers: [1, 2] }, ['Use the free target index 2']],
      [{ controllers: [1, 3] }, ['Use the free target index 3']],
    ]);
    let fixed = d;
    for (const f of got) fixed = applyCommand(fixed, f.fixes![0]!.command);
    expect(phb5(fixed)).toEqual([]);
  });

  it('target indexes 1-30 all taken: the clash stands with no fix', () => {
    const full = Array.from({ length: 30 }, (_, i) => phb(i + 1));
    const got = phb5(pseries([...full, phb(31, { index: 1 })], []));
    expect(got.map((f) => [f.subjects, f.fixes])).toEqual([[{ controllers: [1, 31] }, undefined]]);
  });

  it('the fix skips a target index another PHB holds further on in the list', () => {
    const got = phb5(pseries([phb(1), phb(2, { index: 1 }), phb(3, { index: 2 })], []));
    expect(got.map((f) => f.fixes?.map((x) => x.label))).toEqual([['Use the free target index 3']]);
  });

  it('a pci-root that is no spapr-pci-host-bridge is no PHB: its target index neither clashes nor is kept from the fix', () => {
    const other = (index: number, target: number) => ctrl('pci-root', index, { modelName: 'other-host-bridge', target: { index: target } });
    expect(phb5(pseries([phb(1), other(2, 1)], []))).toEqual([]);
    expect(phb5(pseries([phb(1), phb(2, { index: 1 }), other(3, 2)], [])).map((f) => f.fixes?.map((x) => x.label))).toEqual([['Use the free target index 2']]);
  });

  it('the default PHB written without a target index next to a PHB with target 0: libvirt refuses that (PAPR-PHB-3), QEMU never sees a clash', () => {
    // libvirt would give the default PHB target 0 only at define; libvirt's validation of index 0 <=> target 0 comes first
    expect(phb5(design({ machine: 'pseries', controllers: [ctrl('pci-root', 0), phb(1, { index: 0 })] }))).toEqual([]);
  });

  it('the default PHB written after a PHB with its target index: the clash stands, but the fix is for the other one (the default PHB\'s target index is 0, PAPR-PHB-3)', () => {
    const got = phb5(design({ machine: 'pseries', controllers: [phb(1, { index: 5 }), phb(0, { index: 5 })] }));
    expect(got.map((f) => [f.subjects, f.fixes])).toEqual([[{ controllers: [1, 0] }, undefined]]);
  });

  it('PHBs left without target index in a design libvirt cannot define at all (a device on bus 300): no target index to compare, no clash', () => {
    const d = design({ machine: 'pseries', controllers: [ctrl('pci-root', 0), ctrl('pci-root', 1), ctrl('pci-root', 2)], devices: [dev('nic', 'interface', at(300, 1))] });
    expect(phb5(d)).toEqual([]);
  });

  it('a PHB whose index cannot be read (GEN-IDX-1\'s) clashing: named as such, never as "undefined", and no number among the subjects', () => {
    const d = pseries([phb(1), { ...phb(2, { index: 1 }), index: undefined, unreadable: ["index='x'"] }], []);
    expect(phb5(d).map((f) => [f.message, f.subjects])).toEqual([['PHB controllers 1 and (index unreadable) both have target index 1: QEMU refuses to start ("PHB 1 already attached").', { controllers: [1] }]]);
  });

  it('a PHB written without model name and target index gets one from libvirt that clashes: the message says which one libvirt gives', () => {
    const d = pseries([ctrl('pci-root', 1), ctrl('pci-root', 2, { target: { index: 1 } })], []);
    expect(phb5(d).map((f) => f.message)).toEqual([
      "PHB controllers 1 and 2 both have target index 1 (controller 1 gets target index 1 from libvirt, whose search does not see a PHB written later without <model name='spapr-pci-host-bridge'/>): QEMU refuses to start (\"PHB 1 already attached\").",
    ]);
  });
});

/**
 * PAPR-PHB-3: libvirt's virDomainControllerDefValidate refuses any pairing but controller index 0
 * with target index 0 ("Only the PCI controller with index 0 can have target index 0, and vice versa").
 */
const phb3 = (d: Design) => findingsOf(d, 'PAPR-PHB-3').map((f) => [f.message, f.subjects, f.fixes?.map((x) => [x.label, x.command])]);

describe('PAPR-PHB-3: controller index 0 if and only if target index 0', () => {
  it('the default PHB with target index 2: the words, and the fix back to 0, which clears it', () => {
    const d = design({ machine: 'pseries', controllers: [phb(0, { index: 2 })] });
    expect(phb3(d)).toEqual([
      ['The default PHB (controller index 0) has target index 2; it must be 0.', { controllers: [0] }, [['Use target index 0', { kind: 'update-controller', controller: 'pci-0', changes: { target: { index: 0 } } }]]],
    ]);
    expect(phb3(applyCommand(d, findingsOf(d, 'PAPR-PHB-3')[0]!.fixes![0]!.command))).toEqual([]);
  });

  it('PHB 2 with target index 0: the words, and the fix to the lowest free target index, which clears it', () => {
    const d = pseries([phb(1), phb(2, { index: 0, node: 1 })], []);
    expect(phb3(d)).toEqual([
      ['PHB controller 2 has target index 0, which only controller 0 may have.', { controllers: [2] }, [['Use the free target index 2', { kind: 'update-controller', controller: 'pci-2', changes: { target: { index: 2, node: 1 } } }]]],
    ]);
    expect(phb3(applyCommand(d, findingsOf(d, 'PAPR-PHB-3')[0]!.fixes![0]!.command))).toEqual([]);
  });

  it('target indexes 1-30 all taken: the PHB with target index 0 gets no fix', () => {
    const d = pseries([...Array.from({ length: 30 }, (_, i) => phb(i + 1)), phb(31, { index: 0 })], []);
    expect(phb3(d)).toEqual([['PHB controller 31 has target index 0, which only controller 0 may have.', { controllers: [31] }, undefined]]);
  });

  it('the last free target index, 30, is still offered', () => {
    const d = pseries([...Array.from({ length: 29 }, (_, i) => phb(i + 1)), phb(30, { index: 0 })], []);
    expect(phb3(d).map((f) => f[2])).toEqual([[['Use the free target index 30', { kind: 'update-controller', controller: 'pci-30', changes: { target: { index: 30 } } }]]]);
  });

  it('the default PHB written without a target index: libvirt gives it 0 (qemuDomainPCIControllerSetDefaults), nothing to say', () => {
    expect(phb3(design({ machine: 'pseries', controllers: [ctrl('pci-root', 0)] }))).toEqual([]);
  });

  it('a pci-root that is no spapr-pci-host-bridge is no PHB: its target index is not judged', () => {
    expect(phb3(pseries([ctrl('pci-root', 1, { modelName: 'other-host-bridge', target: { index: 0 } })], []))).toEqual([]);
  });

  it('a PHB whose index cannot be read (GEN-IDX-1\'s): no pairing to judge', () => {
    expect(phb3(pseries([{ ...phb(1, { index: 0 }), index: undefined, unreadable: ["index='x'"] }], []))).toEqual([]);
  });
});

/**
 * PAPR-PHB-9: libvirt 9.0 names the default PHB's bus after its user alias (qemuBuildDeviceAddressPCIGetBus),
 * which QEMU does not know ("Bus 'ua-…' not found"); only a guest with something on bus 0 names that bus.
 */
const phb9 = (d: Design, libvirtVersion = '9.0') => findingsOf(d, 'PAPR-PHB-9', libvirtVersion).map((f) => [f.message, f.subjects]);
const noDefaults = [dev('usb', 'controller', undefined, { type: 'usb', model: 'none' }), dev('mb', 'memballoon', undefined, { model: 'none' })];
const aliased = (alias: string, extra: Partial<PciController> = {}) => ({ ...phb(0, {}, { alias }), ...extra });

describe('PAPR-PHB-9: a user alias on the default PHB under libvirt 9.0', () => {
  it('a disk on bus 0: the words name the alias', () => {
    expect(phb9(design({ machine: 'pseries', controllers: [aliased('ua-phb0')], devices: [dev('vda', 'disk', at(0, 1)), ...noDefaults] }))).toEqual([
      ["The default PHB has the user alias 'ua-phb0' while devices sit on bus 0: libvirt 9.0 passes bus=ua-phb0 to QEMU, which only knows pci.0, so QEMU refuses to start (\"Bus 'ua-phb0' not found\"). Remove the alias, or use libvirt 10.x.", { controllers: [0] }],
    ]);
  });

  it('judged as libvirt 9.x an error, as 10.x (and by default) a note', () => {
    const d = design({ machine: 'pseries', controllers: [aliased('ua-phb0')], devices: [dev('vda', 'disk', at(0, 1)), ...noDefaults] });
    const sev = (v: string | undefined) => findingsOf(d, 'PAPR-PHB-9', v).map((f) => f.severity);
    expect([sev('9.0'), sev('9.5.0'), sev('10.0'), sev('10.7'), sev(undefined)]).toEqual([['error'], ['error'], ['info'], ['info'], ['info']]);
  });

  it('only a controller on bus 0 (a pci-bridge) names the bus as well', () => {
    const bridge = ctrl('pci-bridge', 1, { address: at(0, 1), target: { chassisNr: 1 } });
    expect(phb9(design({ machine: 'pseries', controllers: [aliased('ua-phb0'), bridge], devices: noDefaults })).map((f) => f[1])).toEqual([{ controllers: [0] }]);
  });

  it('nothing on bus 0 (no USB controller, no memballoon, devices elsewhere): no bus=ua-… is ever passed', () => {
    expect(phb9(design({ machine: 'pseries', controllers: [aliased('ua-phb0'), phb(1)], devices: [dev('vda', 'disk', at(1, 1)), ...noDefaults] }))).toEqual([]);
  });

  it('no alias on the default PHB (the usual case): libvirt passes bus=pci.0, nothing to say', () => {
    expect(phb9(pseries([], [dev('vda', 'disk', at(0, 1))]))).toEqual([]);
  });

  it('an alias that is no user alias (no ua- prefix) is not libvirt\'s to pass', () => {
    expect(phb9(design({ machine: 'pseries', controllers: [aliased('pci.0')], devices: [dev('vda', 'disk', at(0, 1))] }))).toEqual([]);
  });

  it('a controller 0 that is no spapr-pci-host-bridge is not judged', () => {
    expect(phb9(design({ machine: 'pseries', controllers: [aliased('ua-root', { modelName: 'other-host-bridge' })], devices: [dev('vda', 'disk', at(0, 1))] }))).toEqual([]);
  });
});

/**
 * PAPR-PHB-2's define-time branch (addedBeyondRange): when the devices libvirt places find no free
 * slot on the 31 vPHBs, virDomainPCIAddressSetGrow adds a pci-root (pseries: areMultipleRootsSupported),
 * qemuDomainPCIControllerSetDefaults gives it the lowest free target index (1-31,
 * qemuDomainAddressFindNewTargetIndex) or none, and virDomainControllerDefValidate refuses 31.
 * libvirt 9.0 (virsh define): 958 unaddressed NICs define, 959 are refused.
 */
describe('PAPR-PHB-2: the vPHBs libvirt adds at define beyond target index 30', () => {
  /** Every slot 1-31 of the vPHBs 0..last written with a NIC; the vPHBs 1..last written. */
  const filled = (last: number): { controllers: PciController[]; devices: Design['guest']['devices'] } => {
    const devices = [];
    for (let bus = 0; bus <= last; bus++) for (let slot = 1; slot <= 31; slot++) devices.push(dev(`nic-${bus}-${slot}`, 'interface', at(bus, slot), { type: 'user' }));
    return { controllers: Array.from({ length: last }, (_, i) => phb(i + 1)), devices };
  };
  const full = filled(30);
  const noDefaults = () => [dev('usb', 'controller', undefined, { type: 'usb', model: 'none' }), dev('balloon', 'memballoon', undefined, { model: 'none' })];
  const nic = (name: string) => dev(name, 'interface', undefined, { type: 'user' });
  const tail = "Pass fewer devices through, or free slots on the existing vPHBs (<memballoon model='none'/> and <controller type='usb' model='none'/> free the ones libvirt's own devices take).";
  const added31 = `libvirt adds vPHB 31 at define, gives it target index 31 and refuses the domain ("PCI controller target index '31' out of range - must be 0-30"). ${tail}`;
  const said = (d: Design) => of(d).map((f) => [f.message, f.subjects]);

  it('one NIC without an address: named, vPHB 31 gets target index 31, and libvirt\'s refusal in its words', () => {
    expect(said(pseries(full.controllers, [...full.devices, ...noDefaults(), nic('extra')]))).toEqual([[`The 31 vPHBs have no room left for extra: ${added31}`, { devices: ['extra'] }]]);
  });

  it('three NICs without an address: all three named', () => {
    expect(said(pseries(full.controllers, [...full.devices, ...noDefaults(), nic('a'), nic('b'), nic('c')]))).toEqual([[`The 31 vPHBs have no room left for a, b, c: ${added31}`, { devices: ['a', 'b', 'c'] }]]);
  });

  it('four NICs without an address: counted, not named', () => {
    expect(said(pseries(full.controllers, [...full.devices, ...noDefaults(), nic('a'), nic('b'), nic('c'), nic('d')]))).toEqual([
      [`The 31 vPHBs have no room left for 4 devices written without an address: ${added31}`, { devices: ['a', 'b', 'c', 'd'] }],
    ]);
  });

  it("nothing written without an address, libvirt's default USB controller and memballoon left to it: those are what has no room", () => {
    expect(said(pseries(full.controllers, full.devices))).toEqual([[`The 31 vPHBs have no room left for libvirt's own default devices (USB controller, memballoon): ${added31}`, { devices: [] }]]);
  });

  it('target indexes 1-31 all taken (the default vPHB written with 31): the added vPHB gets none, "No usable target index found"', () => {
    const got = said(pseries([phb(0, { index: 31 }), ...full.controllers], [...full.devices, ...noDefaults(), nic('extra')]));
    expect(got).toEqual([
      ['PCI controller 0 has target index 31, out of range: it must be 0-30.', { controllers: [0] }],
      [`The 31 vPHBs have no room left for extra: libvirt adds vPHB 31 at define and finds no target index for it and refuses the domain ("No usable target index found"). ${tail}`, { devices: ['extra'] }],
    ]);
  });

  it('every slot of vPHBs 0-29 written and one NIC without an address: libvirt adds vPHB 30 with target index 30 and defines the domain', () => {
    const upTo29 = filled(29);
    expect(of(pseries(upTo29.controllers, [...upTo29.devices, ...noDefaults(), nic('extra')]))).toEqual([]);
  });

  it('a written vPHB with target index 31 and a NIC for libvirt to place: only the written one is refused, libvirt adds no vPHB', () => {
    expect(said(pseries([phb(1, { index: 31 })], [nic('extra')]))).toEqual([['PCI controller 1 has target index 31, out of range: it must be 0-30.', { controllers: [1] }]]);
  });
});
