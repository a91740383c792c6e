import { demoDesign } from '../demo/demoDesign.ts';
import { describe, expect, it } from 'vitest';
import { applyCommand } from '../commands/commands.ts';
import { exportDomain } from '../xml/domain.ts';
import { validate } from './validate.ts';
import type { Design } from '../model/design.ts';
import type { Fix } from './types.ts';
import { buildContext } from './context.ts';
import { controllerAddressFixes, freeSlotOn, libvirtPlaces, newRootPort, removeControllerFix, reservedSlots, writingAControllerRegrows } from './fixes.ts';
import { at, ctrl, design, dev, hostdev, phb, pseries, q35, rootPort } from './testkit.ts';


describe('fixes keep NUMA locality', () => {
  it('isolating a split group on a new vPHB gives that vPHB the guest cell of the group\'s host node', () => {
    // group 3 (NVMe, host node 0) shares vPHB 2 with a function of group 1: split group 1 (PAPR-ISO-5)
    const split = applyCommand(demoDesign(), { kind: 'move-device', device: '0000:01:00.1', address: { domain: 0, bus: 2, slot: 2, function: 0 } });
    const iso5 = validate(split).find((f) => f.ruleId === 'PAPR-ISO-5');
    expect(iso5?.fixes?.[0]?.label).toMatch(/new vPHB \(controller 3, NUMA cell 0\)/);
    const fixed = applyCommand(split, iso5!.fixes![0]!.command);
    const phb = fixed.guest.controllers.find((c) => c.index === 3);
    expect(phb?.target).toMatchObject({ index: 3, node: 0 });
    expect(validate(fixed).filter((f) => f.severity !== 'info')).toEqual([]);
    expect(exportDomain(fixed)).toContain("<target index='3'>\n        <node>0</node>\n      </target>");
  });

  it('PAPR-NUMA-4 offers to move the vPHB to the cell of the device\'s host node', () => {
    // the NVMe (host node 0) on vPHB 2, which claims guest cell 1 (host node 8)
    const wrong = applyCommand(demoDesign(), { kind: 'update-controller', controller: 'pci-2', changes: { target: { index: 2, node: 1 } } });
    const f = validate(wrong).find((x) => x.ruleId === 'PAPR-NUMA-4');
    expect(f?.severity).toBe('warning');
    const fixed = applyCommand(wrong, f!.fixes![0]!.command);
    expect(fixed.guest.controllers.find((c) => c.index === 2)?.target.node).toBe(0);
    expect(validate(fixed).some((x) => x.ruleId === 'PAPR-NUMA-4')).toBe(false);
  });
});

describe('fixes search the whole design (issue 13)', () => {
  const clash = (f: ReturnType<typeof validate>) => f.find((x) => x.ruleId === 'GEN-ADDR-4');
  const errorsAfter = (d: Design, fix: Fix) => validate(applyCommand(d, fix.command)).filter((x) => x.severity === 'error');

  it('pseries: PHB 0 full, so the emulated device goes to a new vPHB', () => {
    const disks = Array.from({ length: 31 }, (_, i) => dev(`d${i}`, 'disk', at(0, i + 1)));
    const d = pseries([], [...disks, dev('extra', 'disk', at(0, 5))]);
    const fix = clash(validate(d))?.fixes?.[0];
    expect(fix?.label).toMatch(/new vPHB \(controller 1\)/);
    expect(errorsAfter(d, fix!)).toEqual([]);
  });

  it('pseries: a hostdev is never moved off its vPHB to make room (isolation is the PAPR rules\' business)', () => {
    const disks = Array.from({ length: 31 }, (_, i) => dev(`d${i}`, 'disk', at(1, i + 1)));
    const d = pseries([phb(1), phb(2)], [...disks, hostdev('0000:01:00.0', at(1, 5))]);
    const fix = clash(validate(d))?.fixes?.[0];
    expect(fix?.label).toMatch(/^Move virtio disk|^Move d4/);
    expect(JSON.stringify(fix?.command)).not.toContain('0000:01:00.0');
    expect(errorsAfter(d, fix!)).toEqual([]);
    const hostdevs = Array.from({ length: 31 }, (_, i) => hostdev(`0000:${(i + 1).toString(16).padStart(2, '0')}:00.0`, at(1, i + 1)));
    const full = pseries([phb(1)], [...hostdevs, hostdev('0000:40:00.0', at(1, 5))]);
    expect(clash(validate(full))?.fixes).toBeUndefined();
  });

  it('i440fx: no free slot on bus 0 and no other bus: no fix (a new bridge would need a slot of bus 0 too)', () => {
    const nics = Array.from({ length: 29 }, (_, i) => dev(`n${i}`, 'interface', at(0, i + 3)));
    const d = design({ machine: 'pc', controllers: [ctrl('pci-root', 0)], devices: [...nics, dev('vda', 'disk', at(0, 3)), dev('video', 'video', at(0, 2), { model: 'vga' })] });
    expect(clash(validate(d))?.fixes).toBeUndefined();
    const withBridge = design({ machine: 'pc', controllers: [ctrl('pci-root', 0), ctrl('pci-bridge', 1, { address: at(0, 31), target: { chassisNr: 1 } })], devices: [...nics.slice(0, 28), dev('vda', 'disk', at(0, 3)), dev('video', 'video', at(0, 2), { model: 'vga' })] });
    const fix = clash(validate(withBridge))?.fixes?.[0];
    expect(fix?.label).toMatch(/to slot 0x01 of pci-bridge 1$/);
    expect(errorsAfter(withBridge, fix!)).toEqual([]);
  });

  it('fix labels name slots and buses in hex as libvirt writes them (0x11, never 17)', () => {
    const disks = Array.from({ length: 16 }, (_, i) => dev(`d${i}`, 'disk', at(1, i + 1)));
    const d = pseries([phb(1)], [...disks, dev('extra', 'disk', at(1, 5))]);
    const label = clash(validate(d))?.fixes?.[0]?.label ?? '';
    expect(label).toMatch(/to slot 0x11 of bus 0x01$/);
    expect(label).not.toMatch(/slot 17|bus 1\b/);
    expect(errorsAfter(d, clash(validate(d))!.fixes![0]!)).toEqual([]);
  });

  it('slots libvirt keeps: q35 00:01 for a primary video without address, 00:1f for ICH9; i440fx 00:01 and 00:02', () => {
    const q = q35([], [dev('a', 'disk', at(0, 4)), dev('b', 'disk', at(0, 4)), dev('video', 'video', undefined, { model: 'vga' })]);
    const ctx = buildContext(q);
    expect([...reservedSlots(ctx, 0)].sort((x, y) => x - y)).toEqual([0, 1, 0x1f]);
    expect(freeSlotOn(ctx, 0, new Set(['b']))).toBe(2);
    expect([...reservedSlots(buildContext(q35([], [dev('video', 'video', at(0, 6), { model: 'vga' })])), 0)].sort((x, y) => x - y)).toEqual([0, 0x1f]);
    const pc = design({ machine: 'pc', controllers: [ctrl('pci-root', 0)], devices: [dev('video', 'video', undefined, { model: 'cirrus' })] });
    expect([...reservedSlots(buildContext(pc), 0)].sort()).toEqual([0, 1, 2]);
    const noVideo = design({ machine: 'pc', controllers: [ctrl('pci-root', 0)], devices: [dev('video', 'video', undefined, { model: 'none' })] });
    expect([...reservedSlots(buildContext(noVideo), 0)].sort()).toEqual([0, 1]);
    expect([...reservedSlots(buildContext(pc), 1)]).toEqual([]);
  });

  it('a root port the fix adds takes a chassis no other port has (Q35-RP-3)', () => {
    const d = q35([rootPort(1, 1, 0, { target: { chassis: 2, port: 8 } })], [dev('nic', 'interface', at(1, 0)), dev('vda', 'disk', at(1, 0))]);
    const fix = clash(validate(d))?.fixes?.[0];
    expect(fix?.label).toMatch(/new pcie-root-port \(index 2\)/);
    const next = applyCommand(d, fix!.command);
    expect(next.guest.controllers.find((c) => c.index === 2)?.target.chassis).toBe(1);
    expect(validate(next).filter((x) => x.severity === 'error')).toEqual([]);
  });

  it('d10: a written port whose chassis a port libvirt adds at define takes: the finding names libvirt\'s port as such and the fix moves the written one (Q35-RP-3)', () => {
    // the rng libvirt places second needs a root port it adds, index 2 with chassis 2 (qemuDomainPCIControllerSetDefaults)
    const d = q35([ctrl('pcie-root-port', 1, { target: { chassis: 2 } })], [dev('rng0', 'rng'), dev('rng1', 'rng')]);
    const f = validate(d).find((x) => x.ruleId === 'Q35-RP-3');
    expect(f?.message).toMatch(/^Port 1 and the pcie-root-port index 2 libvirt adds at define \(chassis = its index\) both use chassis 2/);
    expect(f?.fixes?.map((x) => x.label)).toEqual([expect.stringMatching(/^Give port 1 the free chassis \d+$/)]);
  });

  it('a controller not on its own bus can be renumbered above its bus; one on its own bus only loses its address', () => {
    const bridgeUnderLater = pseries([ctrl('pci-bridge', 1, { address: at(2, 1), target: { chassisNr: 1 } }), ctrl('pci-bridge', 2, { address: at(0, 1), target: { chassisNr: 2 } })], [dev('vda', 'disk', at(1, 1))]);
    const f = validate(bridgeUnderLater).find((x) => x.ruleId === 'GEN-IDX-4');
    expect(f?.fixes?.map((x) => x.label)).toEqual(['Drop the address of pci-bridge controller index 1 (libvirt places it)', 'Renumber pci-bridge controller index 1 to index 3']);
    const renumbered = applyCommand(bridgeUnderLater, f!.fixes![1]!.command);
    expect(renumbered.guest.devices[0]?.address?.bus, 'what sat on the bridge follows it').toBe(3);
    expect(validate(renumbered).filter((x) => x.severity === 'error')).toEqual([]);
  });

  it('libvirt places a dropped controller only on a parent that comes before it', () => {
    // an upstream port (index 1) whose only possible parent is a root port created after it (index 2)
    const d = q35([ctrl('pcie-switch-upstream-port', 1, { address: at(0, 3) }), rootPort(2, 1)], []);
    const c = buildContext(d).guest.controllers.find((x) => x.index === 1)!;
    expect(libvirtPlaces(buildContext(d), c)).toBe(false);
    expect(validate(d).find((x) => x.ruleId === 'GEN-CONNECT-3')?.fixes).toBeUndefined();
  });
});

describe('a root port a fix adds: a slot, chassis and index libvirt and QEMU accept', () => {
  // QEMU refuses two ports with one chassis and slot (hw/pci/pcie_port.c pcie_chassis_add_slot: "Can't add chassis slot"; Q35-RP-3);
  // libvirt's default chassis is the index (qemuDomainPCIControllerSetDefaults), port = slot * 8 + function
  it('on the lowest free slot of pcie-root, chassis = its index, port = slot * 8', () => {
    const ctx = buildContext(q35([rootPort(1, 1), rootPort(2, 2)], []));
    expect(newRootPort(ctx, 3)).toEqual({
      index: 3,
      command: { kind: 'add-controller', controller: { model: 'pcie-root-port', index: 3, target: { chassis: 3, port: 0x18 }, address: { domain: 0, bus: 0, slot: 3, function: 0 } } },
    });
  });

  it('its index already a chassis of another port (written, or a port without chassis at that index): the lowest chassis no port uses', () => {
    const written = buildContext(q35([rootPort(1, 1, 0, { target: { chassis: 5, port: 8 } }), rootPort(2, 2)], []));
    expect(newRootPort(written, 5)?.command).toMatchObject({ controller: { index: 5, target: { chassis: 1 } } });
    const downstream = buildContext(q35([rootPort(1, 1), ctrl('pcie-switch-upstream-port', 2, { address: at(1, 0) }), ctrl('pcie-switch-downstream-port', 3, { address: at(2, 0), target: {} })], []));
    expect(newRootPort(downstream, 3)?.command).toMatchObject({ controller: { target: { chassis: 2 } } });
    // a pci-bridge's chassisNr is another number space
    const bridge = buildContext(q35([rootPort(1, 1), ctrl('pcie-to-pci-bridge', 2, { address: at(1, 0), target: { chassis: 4 } })], []));
    expect(newRootPort(bridge, 4)?.command).toMatchObject({ controller: { target: { chassis: 4 } } });
  });

  it('none when pcie-root has no slot left, nor when libvirt added a pcie-to-pci-bridge for a device on a missing bus (writing a port would change what it adds)', () => {
    const nics = Array.from({ length: 30 }, (_, i) => dev(`n${i}`, 'interface', at(0, i + 1)));
    expect(newRootPort(buildContext(q35([], nics)), 1)).toBeUndefined();
    // an e1000 (conventional PCI) written on bus 2, which no controller has: libvirt adds a root port and a pcie-to-pci-bridge
    const grown = buildContext(q35([ctrl('pcie-root-port', undefined)], [dev('nic', 'interface', at(2, 1), { model: 'e1000' })]));
    expect(writingAControllerRegrows(grown)).toBe(true);
    expect(newRootPort(grown, 5)).toBeUndefined();
    expect(writingAControllerRegrows(buildContext(q35([rootPort(1, 1)], [])))).toBe(false);
    // what libvirt adds at a missing index is the default model (qemuDomainPCIAddressSetCreate): an added root port stays one
    // whatever is written next, an added pcie-to-pci-bridge would not
    expect(writingAControllerRegrows(buildContext(q35([ctrl('pcie-root-port', 1, { implicit: true, address: at(0, 1) })], [])))).toBe(false);
    expect(writingAControllerRegrows(buildContext(q35([rootPort(1, 1), ctrl('pcie-to-pci-bridge', 2, { implicit: true, address: at(1, 0) })], [])))).toBe(true);
  });
});

describe('fixes for a controller', () => {
  it('an implicit controller (libvirt adds it) is never removed by a fix; a written one is, by key', () => {
    expect(removeControllerFix(ctrl('pci-bridge', 1, { implicit: true }))).toEqual([]);
    expect(removeControllerFix(ctrl('pci-bridge', 1, { key: 'br' }), 'why')).toEqual([{ label: 'Remove pci-bridge controller index 1: why', command: { kind: 'remove-controller', controller: 'br' } }]);
    expect(removeControllerFix(ctrl('pci-bridge', undefined, { key: 'br' }))[0]?.label).toBe('Remove pci-bridge controller index (none): this machine cannot use it');
  });

  it('renumbered above every index when it sits on a bus other than its own (GEN-IDX-4: libvirt wants a controller\'s index larger than its bus)', () => {
    // pci-bridge 2 plugged into root port 3's bus: index below its bus
    const ctx = buildContext(q35([rootPort(1, 1), rootPort(3, 3), ctrl('pci-bridge', 2, { key: 'br', address: at(3, 0) })], []));
    const br = ctx.guest.controllers.find((c) => c.key === 'br')!;
    expect(controllerAddressFixes(ctx, br, { renumber: true }).map((f) => f.label)).toEqual(['Drop the address of pci-bridge controller index 2 (libvirt places it)', 'Renumber pci-bridge controller index 2 to index 4']);
    expect(controllerAddressFixes(ctx, br, { renumber: true })[1]?.command).toEqual({ kind: 'update-controller', controller: 'br', changes: { index: 4 } });
    expect(controllerAddressFixes(ctx, br).map((f) => f.label)).toEqual(['Drop the address of pci-bridge controller index 2 (libvirt places it)']);
    // on its own bus: a new index would not make the address right
    const loop = buildContext(q35([rootPort(1, 1), ctrl('pci-bridge', 3, { key: 'self', address: at(3, 1) })], []));
    const self = loop.guest.controllers.find((c) => c.key === 'self')!;
    expect(controllerAddressFixes(loop, self, { renumber: true }).map((f) => f.label)).toEqual(['Drop the address of pci-bridge controller index 3 (libvirt places it)']);
  });
});
