import { describe, expect, it } from 'vitest';
import type { MachineFamily } from '../model/guest.ts';
import { qemuDomainDefAddDefaultDevices } from '../libvirt/qemuDomain.ts';
import { placeWithReport } from '../placement/index.ts';
import { createDesign, exportDomain } from '../xml/domain.ts';
import { blockControllers, buildingBlocksFor, chassisPicker, MACHINE_PROFILES, MACHINE_TEMPLATES, machineFamily, machineProfile, OTHER_MACHINE, profileOf, spareKind } from './index.ts';

const FAMILIES: readonly MachineFamily[] = ['pseries', 'q35', 'virt', 'i440fx'];

const domain = (arch: string | undefined, machine: string, devices = ''): string =>
  `<domain type='kvm'><name>m</name><memory>1</memory><os><type${arch ? ` arch='${arch}'` : ''} machine='${machine}'>hvm</type></os><devices>${devices}</devices></domain>`;

describe('the machine registry', () => {
  it('every family pcitopo places has exactly one profile, and the profile of a family is that family', () => {
    expect(MACHINE_PROFILES.map((p) => p.family).sort()).toEqual([...FAMILIES].sort());
    for (const f of FAMILIES) expect(profileOf(f).family).toBe(f);
    expect(profileOf('other')).toBe(OTHER_MACHINE);
  });

  it("no machine written: the arch's default machine, as libvirt takes QEMU's (pc on x86, pseries on ppc64, virt on aarch64); no arch either: x86_64's; an arch with no default profile: other", () => {
    expect(machineFamily({ arch: 'x86_64', machine: undefined })).toBe('i440fx');
    expect(machineFamily({ arch: undefined, machine: undefined })).toBe('i440fx');
    expect(machineFamily({ arch: 'ppc64le', machine: undefined })).toBe('pseries');
    expect(machineFamily({ arch: 'aarch64', machine: undefined })).toBe('virt');
    expect(machineFamily({ arch: 's390x', machine: undefined })).toBe('other');
    // one default per arch
    for (const arch of ['x86_64', 'i686', 'ppc64', 'ppc64le', 'aarch64']) expect(MACHINE_PROFILES.filter((p) => p.defaultForArchs?.includes(arch))).toHaveLength(1);
  });

  it('every profile is whole: its root is the implicit index-0 controller of its root model, it offers blocks, and it is placeable', () => {
    for (const p of MACHINE_PROFILES) {
      expect(p.root).toMatchObject({ index: 0, model: p.rootModel, implicit: true });
      expect(p.buildingBlocks.length).toBeGreaterThan(0);
      expect(p.placeable).toBe(true);
    }
    expect(OTHER_MACHINE.placeable).toBe(false);
  });

  it("every template opens as a design of its own family, with the root written", () => {
    for (const [family, xml] of Object.entries(MACHINE_TEMPLATES)) {
      const d = createDesign(xml);
      expect(d.ok).toBe(true);
      if (!d.ok) continue;
      expect(machineFamily(d.value.guest)).toBe(family);
      expect(d.value.guest.controllers.find((c) => c.index === 0)?.implicit).toBeUndefined();
    }
  });

  // qemuDomainMachineIsPSeries / IsQ35 / IsARMVirt / IsRISCVVirt / IsI440FX, src/qemu/qemu_domain.c
  const names: ReadonlyArray<readonly [string | undefined, string, MachineFamily]> = [
    ['ppc64', 'pseries', 'pseries'],
    ['ppc64le', 'pseries-7.1', 'pseries'],
    [undefined, 'pseries', 'pseries'],
    ['x86_64', 'pseries', 'other'],
    ['ppc64', 'pseriesx', 'other'],
    ['x86_64', 'q35', 'q35'],
    ['i686', 'pc-q35-9.1', 'q35'],
    ['x86_64', 'pc-q35', 'other'],
    ['x86_64', 'q35-9.1', 'other'],
    ['aarch64', 'q35', 'other'],
    ['aarch64', 'virt', 'virt'],
    ['armv7l', 'virt-8.2', 'virt'],
    ['riscv64', 'virt', 'virt'],
    ['x86_64', 'virt', 'other'],
    ['aarch64', 'virtual', 'other'],
    ['x86_64', 'pc', 'i440fx'],
    ['x86_64', 'pc-i440fx-9.1', 'i440fx'],
    ['i686', 'pc-1.3', 'i440fx'],
    ['x86_64', 'pc-0.15', 'i440fx'],
    ['x86_64', 'rhel6.5.0', 'i440fx'],
    ['x86_64', 'pc-2.0', 'other'],
    ['ppc64', 'g3beige', 'other'],
    ['ppc64', 'mac99', 'other'],
    ['ppc64', 'powernv9', 'other'],
    ['armv7l', 'versatilepb', 'other'],
    ['s390x', 's390-ccw-virtio', 'other'],
  ];
  it.each(names)('arch %s machine %s is %s', (arch, machine, family) => {
    expect(machineFamily({ arch, machine })).toBe(family);
  });

  it.each(['g3beige', 'mac99', 'powernv', 'versatilepb', 's390-ccw-virtio'])('%s: place gives one clear message and changes nothing', (machine) => {
    const d = createDesign(domain(undefined, machine, "<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>"));
    expect(d.ok).toBe(true);
    if (!d.ok) return;
    for (const policy of ['libvirt', 'pe-per-phb'] as const) {
      const r = placeWithReport(d.value, { policy });
      expect(r.notes).toEqual([`machine '${machine}' is not one pcitopo places (pseries, q35, aarch64 virt, i440fx): nothing was placed`]);
      expect(exportDomain(r.design)).toBe(exportDomain(d.value));
    }
  });

  it('the devices libvirt adds by itself come from the profile: q35 SATA + qemu-xhci USB + balloon, pseries pci-ohci + balloon, virt none', () => {
    const added = (arch: string, machine: string): string[] => {
      const r = createDesign(domain(arch, machine));
      if (!r.ok) throw new Error(r.error.message);
      return qemuDomainDefAddDefaultDevices(r.value.guest, machineProfile(r.value.guest)).devices.map((d) => `${d.element}/${d.type ?? ''}/${d.model ?? ''}`);
    };
    expect(added('x86_64', 'q35')).toEqual(['controller/sata/', 'controller/usb/qemu-xhci', 'memballoon//virtio']);
    expect(added('ppc64le', 'pseries')).toEqual(['controller/usb/pci-ohci', 'memballoon//virtio']);
    expect(added('x86_64', 'pc')).toEqual(['controller/usb/piix3-uhci', 'memballoon//virtio']);
    expect(added('aarch64', 'virt')).toEqual([]);
  });

  it('building blocks: PHBs on pseries, PCIe blocks on a PCIe root (also an i440fx left with one), bridges elsewhere', () => {
    expect(buildingBlocksFor({ arch: 'ppc64', machine: 'pseries', controllers: [] })[0]).toBe('vphb');
    expect(buildingBlocksFor({ arch: 'x86_64', machine: 'q35', controllers: [] })[0]).toBe('root-port');
    expect(buildingBlocksFor({ arch: 'x86_64', machine: 'pc', controllers: [] })).toEqual(['pci-bridge']);
    expect(buildingBlocksFor({ arch: 'x86_64', machine: 'pc', controllers: [{ key: 'r', index: 0, model: 'pcie-root', target: {} }] })[0]).toBe('root-port');
  });

  it('a switch is an upstream port on the host port and N downstream ports under it, each with a chassis no other port uses', () => {
    let next = 4;
    const chassis = chassisPicker([{ key: 'p', index: 1, model: 'pcie-root-port', target: { chassis: 5 } }]);
    const parts = blockControllers('switch', { bus: 2, slot: 0, nextIndex: () => next++, chassis, downstreamPorts: 2 });
    expect(parts.map((c) => `${c.model} ${c.index} on ${c.address?.bus}:${c.address?.slot} chassis ${c.target?.chassis ?? '-'}`)).toEqual([
      'pcie-switch-upstream-port 4 on 2:0 chassis -',
      // index 5's chassis is taken: the lowest free one
      'pcie-switch-downstream-port 5 on 4:0 chassis 1',
      'pcie-switch-downstream-port 6 on 4:1 chassis 6',
    ]);
    expect(blockControllers('vphb', { bus: 0, slot: 0, nextIndex: () => 9, chassis })).toEqual([{ model: 'pci-root' }]);
  });

  it('spare kinds: a port, a pseries PHB, a bridge; never the root, a hotplug-off bus or an upstream port', () => {
    const c = (index: number, model: string, extra = {}) => ({ index, model, target: {}, ...extra });
    expect(spareKind(c(1, 'pcie-root-port'), 'q35')).toBe('port');
    expect(spareKind(c(1, 'pci-root'), 'pseries')).toBe('vPHB');
    expect(spareKind(c(1, 'pci-root'), 'i440fx')).toBeUndefined();
    expect(spareKind(c(2, 'pcie-to-pci-bridge'), 'q35')).toBe('bridge');
    expect(spareKind(c(0, 'pci-root'), 'pseries')).toBeUndefined();
    expect(spareKind(c(3, 'pcie-root-port', { target: { hotplug: 'off' } }), 'q35')).toBeUndefined();
    expect(spareKind(c(3, 'pcie-switch-upstream-port'), 'q35')).toBeUndefined();
  });
});
