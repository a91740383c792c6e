import { describe, expect, it } from 'vitest';
import { addedByLibvirt, addsBuses, atDefine, definedControllerText, placesAnything, placesControllers } from './atDefine.ts';
import { buildContext } from './context.ts';
import { at, ctrl, design, dev, phb, pseries, q35, rootPort } from './testkit.ts';

/**
 * The define-time model the rules share: what virDomainDefPostParse + qemuDomainAssignPCIAddresses
 * make of the design, run only when libvirt has something to place.
 */
describe('atDefine: the guest libvirt defines', () => {
  const always = (): boolean => true;

  it('runs libvirt\'s placement when the rule says it matters, and names what libvirt adds', () => {
    // a conventional PCI NIC without address on q35: libvirt adds a root port and a pcie-to-pci-bridge on it (qemuDomainPCIAddressSetCreate, virDomainPCIAddressSetGrow)
    const d = q35([rootPort(1, 1)], [dev('nic', 'interface', undefined, { model: 'e1000' })]);
    const defined = atDefine(buildContext(d), always);
    expect(defined).toBeDefined();
    if (!defined) return;
    const byModel = (m: string) => defined.guest.controllers.filter((c) => c.model === m);
    const bridge = byModel('pcie-to-pci-bridge')[0];
    expect(bridge).toBeDefined();
    if (!bridge) return;
    expect(addedByLibvirt(defined, bridge)).toBe(true);
    expect(definedControllerText(defined, bridge)).toBe(`the pcie-to-pci-bridge index ${bridge.index} libvirt adds at define`);
    const written = defined.guest.controllers.find((c) => c.key === 'pci-1');
    expect(written && addedByLibvirt(defined, written)).toBe(false);
    expect(written && definedControllerText(defined, written)).toBe('pcie-root-port controller index 1');
    // the root libvirt always adds, written or not, is no controller "libvirt adds at define"
    const root = byModel('pcie-root')[0];
    expect(root && addedByLibvirt(defined, root)).toBe(false);
    const unwritten = atDefine(buildContext(design({ machine: 'q35', controllers: [rootPort(1, 1)], devices: [dev('vda', 'disk')] })), always);
    const implicitRoot = unwritten?.guest.controllers.find((c) => c.model === 'pcie-root');
    expect(implicitRoot && unwritten?.written.has(implicitRoot.key)).toBe(false);
    expect(implicitRoot && unwritten && addedByLibvirt(unwritten, implicitRoot)).toBe(false);
    expect(definedControllerText(defined, { ...bridge, index: undefined })).toBe('the pcie-to-pci-bridge index ? libvirt adds at define');
    expect(definedControllerText(defined, { ...written!, index: undefined })).toBe('pcie-root-port controller index (none)');
  });

  // virDomainPCIAddressSetGrow (src/conf/domain_addr.c): a root port written on bus 3, which no
  // controller provides, needs a slot libvirt cannot add ("a PCI slot is needed to connect a PCI
  // controller model='pcie-root-port', but none is available, and it cannot be automatically added"):
  // libvirt defines no domain, so there is none for a rule to judge (a NIC left to place makes it matter)
  it('nothing when libvirt refuses the define as a whole (a root port on a bus no controller makes)', () => {
    const d = q35([ctrl('pcie-root-port', 1, { address: at(3, 0) }), rootPort(2, 3)], [dev('nic', 'interface', undefined, { model: 'e1000e' })]);
    expect(atDefine(buildContext(d), always)).toBeUndefined();
    // the same port on pcie-root is defined, and the NIC placed
    const ok = q35([ctrl('pcie-root-port', 1, { address: at(0, 4) }), rootPort(2, 3)], [dev('nic', 'interface', undefined, { model: 'e1000e' })]);
    expect(atDefine(buildContext(ok), always)?.guest.devices.find((x) => x.key === 'nic')?.address).toBeDefined();
  });

  it('nothing when the rule says nothing is at stake, or for a machine pcitopo does not place', () => {
    const d = q35([rootPort(1, 1)], [dev('nic', 'interface', undefined, { model: 'e1000' })]);
    expect(atDefine(buildContext(d), () => false)).toBeUndefined();
    const s390 = design({ machine: 's390-ccw-virtio', arch: 's390x', controllers: [], devices: [dev('vda', 'disk')] });
    expect(atDefine(buildContext(s390), always)).toBeUndefined();
  });
});

describe('what libvirt has to place itself', () => {
  it('a written controller without address, not the root and not one libvirt adds', () => {
    expect(placesControllers(buildContext(q35([ctrl('pcie-root-port', 1)], [])))).toBe(true);
    expect(placesControllers(buildContext(q35([rootPort(1, 1)], [])))).toBe(false);
    expect(placesControllers(buildContext(q35([ctrl('pcie-root-port', 1, { implicit: true })], [])))).toBe(false);
    expect(placesControllers(buildContext(design({ machine: 'q35', controllers: [ctrl('pcie-root', 0)] })))).toBe(false);
    expect(placesControllers(buildContext(design({ machine: 'pc-i440fx-9.1', controllers: [ctrl('pci-root', 0)] })))).toBe(false);
  });

  it('or a written device that needs a PCI address and has none', () => {
    const ctx = (devices: Parameters<typeof q35>[1]) => buildContext(q35([rootPort(1, 1)], devices));
    expect(placesAnything(ctx([dev('vda', 'disk')]))).toBe(true);
    expect(placesAnything(ctx([dev('vda', 'disk', at(1, 0))]))).toBe(false);
    expect(placesAnything(ctx([dev('vda', 'disk', undefined, { implicit: true })]))).toBe(false);
    // a SATA disk sits on the ICH9 controller, not on PCI
    expect(placesAnything(ctx([dev('sda', 'disk', undefined, { bus: 'sata' })]))).toBe(false);
    expect(placesAnything(buildContext(q35([ctrl('pcie-root-port', 1)], [])))).toBe(true);
  });
});

/**
 * The buses libvirt's dry run adds to a fully written design (qemuDomainAssignPCIAddresses): the
 * gate that makes the rules judge the controllers it adds for them (fuzz seeds 5, 12 and 13).
 */
describe('a bus libvirt adds when everything is written', () => {
  const disks = (bus: number, slots: readonly number[]) => slots.map((s) => dev(`vd${bus}-${s}`, 'disk', at(bus, s)));
  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

  it('an index no controller has below the highest one (qemuDomainPCIAddressSetCreate sizes the set by it)', () => {
    expect(addsBuses(buildContext(pseries([phb(2)], [])))).toBe(true);
    expect(addsBuses(buildContext(pseries([phb(1), phb(2)], [])))).toBe(false);
  });

  it('a bus an address names that no controller has (virDomainPCIAddressSetGrow in the dry run)', () => {
    expect(addsBuses(buildContext(pseries([], disks(3, [1]))))).toBe(true);
    expect(addsBuses(buildContext(pseries([phb(1)], disks(1, [1]))))).toBe(false);
    expect(addsBuses(buildContext(pseries([phb(1), ctrl('pci-bridge', 2, { address: at(5, 1) })], [])))).toBe(true);
    // a device libvirt adds itself (shown, not written) names no bus of the design
    expect(addsBuses(buildContext(pseries([], [dev('balloon', 'memballoon', at(3, 1), { implicit: true })])))).toBe(false);
  });

  it('a bus import shows as added by libvirt is no written one, but the root is there either way', () => {
    expect(addsBuses(buildContext(pseries([ctrl('pci-root', 1, { implicit: true })], disks(1, [1]))))).toBe(true);
    expect(addsBuses(buildContext(design({ machine: 'pseries', controllers: [ctrl('pci-root', 0, { implicit: true })], devices: disks(0, [1]) })))).toBe(false);
    expect(addsBuses(buildContext(design({ machine: 'pseries', devices: disks(0, [1]) })))).toBe(false);
  });

  it("with a pci-root, a root bus without a free slot (the spare bridge slot may grow a bus); PIIX3's slot 1 counts as taken", () => {
    expect(addsBuses(buildContext(pseries([], disks(0, range(1, 31)))))).toBe(true);
    expect(addsBuses(buildContext(pseries([], disks(0, range(2, 31)))))).toBe(false);
    expect(addsBuses(buildContext(pseries([ctrl('pci-bridge', 1, { address: at(0, 1) })], disks(0, range(2, 31)))))).toBe(true);
    const pc = (slots: readonly number[]) => buildContext(design({ machine: 'pc', controllers: [ctrl('pci-root', 0)], devices: disks(0, slots) }));
    expect(addsBuses(pc(range(2, 31)))).toBe(true);
    expect(addsBuses(pc(range(3, 31)))).toBe(false);
    // slot 31, pci-root's last (virDomainPCIAddressBusSetModel: maxSlot 31), is a free slot like any other
    expect(addsBuses(pc(range(2, 30)))).toBe(false);
    // pcie-root: libvirt reserves no spare slot there (qemuDomainHasPCIRoot)
    expect(addsBuses(buildContext(q35([], disks(0, range(1, 30)))))).toBe(false);
  });

  it('placesAnything says so too', () => {
    expect(placesAnything(buildContext(pseries([], disks(3, [1]))))).toBe(true);
    expect(placesAnything(buildContext(pseries([], disks(0, [1]))))).toBe(false);
  });
});
