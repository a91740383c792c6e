import { describe, expect, it } from 'vitest';
import { buildContext, libvirtControllers, libvirtDevices } from '../../src/engine/rules/context.ts';
import { machineProfile } from '../../src/engine/machines/index.ts';
import { at, ctrl, design, dev, hostdev, phb, pseries, q35, rootPort } from '../../src/engine/rules/testkit.ts';
import { findingsOf } from './alone.ts';
import type { Guest } from '../../src/engine/model/guest.ts';

/**
 * context.ts's survivors (issue 11; docs/mutation.md, "mutctx"): what the rules read of the guest
 * libvirt runs. Each case fails with its mutant of src/engine/rules/context.ts applied by hand.
 */

const controllersOf = (g: Guest) => libvirtControllers(g, machineProfile(g));
const devicesOf = (g: Guest) => libvirtDevices(g, machineProfile(g));

describe('which devices are hostdevs (isHostdev)', () => {
  it('a PCI <hostdev> without a host address is no host device: HD-SRC-1 says libvirt refuses it, the isolation rules do not count it', () => {
    // virDomainHostdevSubsysPCIDefParseXML reads no <source><address>: libvirt refuses the hostdev
    // ("Missing <source> element in hostdev device"), there is no IOMMU group to isolate
    const sourceless = dev('h', 'hostdev', at(0, 1), { type: 'pci', mode: 'subsystem', managed: 'yes' });
    const d = pseries([phb(0)], [sourceless, dev('vda', 'disk', at(0, 2))]);
    expect(buildContext(d).hostdevs).toEqual([]);
    expect(findingsOf(d, 'HD-SRC-1').map((f) => f.subjects)).toEqual([{ devices: ['h'] }]);
    // and with its host address it is one, as is an <interface type='hostdev'> with a source
    const vf = dev('vf', 'interface', at(0, 3), { type: 'hostdev', hostAddress: { domain: 0, bus: 2, slot: 0, function: 1 } });
    expect(buildContext(pseries([phb(0)], [hostdev('0000:01:00.0', at(0, 1)), vf])).hostdevs.map((x) => x.key)).toEqual(['0000:01:00.0', 'vf']);
  });
});

describe('the controllers libvirt runs with (libvirtControllers)', () => {
  it('an unknown machine gets a pci-root only when an address names bus 0 (qemuDomainDefAddDefaultDevices, s390 zPCI)', () => {
    const s390 = (devices: Parameters<typeof pseries>[1]) => design({ machine: 's390-ccw-virtio', arch: 's390x', devices });
    expect(buildContext(s390([dev('vda', 'disk', at(0, 1)), dev('vdb', 'disk')])).controllerByIndex.get(0)?.model).toBe('pci-root');
    expect(buildContext(s390([dev('vdb', 'disk'), dev('vdc', 'disk', at(1, 1))])).controllerByIndex.has(0)).toBe(false);
    // a controller's address counts as a device's does
    const bridged = design({ machine: 's390-ccw-virtio', arch: 's390x', controllers: [ctrl('pci-bridge', 1, { address: at(0, 1) })] });
    expect(buildContext(bridged).controllerByIndex.get(0)?.model).toBe('pci-root');
  });

  it('the answer follows the devices: the same (empty) controller list gets the root once a device names bus 0', () => {
    const controllers: Guest['controllers'] = [];
    const s390 = (devices: Parameters<typeof pseries>[1]) => design({ machine: 's390-ccw-virtio', arch: 's390x', controllers, devices });
    expect(buildContext(s390([dev('vda', 'disk')])).controllerByIndex.has(0)).toBe(false);
    expect(buildContext(s390([dev('vda', 'disk', at(0, 1))])).controllerByIndex.get(0)?.model).toBe('pci-root');
  });

  it('the same written list gives the same objects, so the incremental validator sees nothing changed', () => {
    // the root libvirt adds (qemuDomainDefAddDefaultDevices)
    const rootless = design({ machine: 'q35', controllers: [rootPort(1, 1)] }).guest;
    expect(controllersOf(rootless)).toBe(controllersOf(rootless));
    // index-less controllers (virDomainAssignControllerIndexes) and the buses libvirt adds for an address (qemuDomainImpliedPCIBuses)
    const indexless = q35([ctrl('pcie-root-port', undefined)], [dev('vda', 'disk', at(5, 0))]).guest;
    const first = controllersOf(indexless);
    expect(first.map((c) => c.index)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(controllersOf(indexless)).toBe(first);
  });

  it('a guest libvirt runs as written is the design\'s own guest', () => {
    const d = q35([rootPort(1, 1)], [dev('vda', 'disk', at(1, 0))]);
    expect(buildContext(d).guest).toBe(d.guest);
  });
});

describe('the devices libvirt runs with (libvirtDevices)', () => {
  it('a pseries spapr-vlan written with a PCI address leaves PCI, and the same device list gives the same objects', () => {
    // qemuDomainAssignSpaprVIOAddresses: the PCI address of a spapr-vio device is not one
    const g = pseries([phb(0)], [dev('vlan', 'interface', at(0, 1), { model: 'spapr-vlan' })]).guest;
    const first = devicesOf(g);
    expect(first.map((d) => [d.key, d.address, d.otherAddressType])).toEqual([['vlan', undefined, 'spapr-vio']]);
    expect(devicesOf(g)).toBe(first);
  });
});

describe('the root ports libvirt adds to hold its pcie-to-pci-bridge (bridgeHolders)', () => {
  it('found once per controller list and device list', () => {
    // a conventional PCI NIC on a bus nobody wrote: virDomainPCIAddressSetGrow adds a pcie-root-port
    // (1) to hold a pcie-to-pci-bridge (2), which takes the NIC; the import shows both as implicit
    const d = q35([ctrl('pcie-root-port', 1, { implicit: true }), ctrl('pcie-to-pci-bridge', 2, { implicit: true, address: at(1, 0) })], [dev('nic', 'interface', at(2, 1), { model: 'rtl8139' })]);
    const first = buildContext(d).bridgeHolders;
    expect([...first]).toEqual([1]);
    expect(buildContext(d).bridgeHolders).toBe(first);
  });
});

describe('the buses the rules see (buildContext)', () => {
  it('a controller whose index libvirt cannot read owns no bus (libvirt refuses it: GEN-IDX-1)', () => {
    const ctx = buildContext(q35([rootPort(1, 1), ctrl('pcie-root-port', undefined, { unreadable: ['index=x'], address: at(0, 2) })], []));
    expect([...ctx.controllerByIndex.keys()]).toEqual([0, 1]);
    expect(ctx.buses.map((b) => b.index)).toEqual([0, 1]);
  });

  it('an addressed bus no controller has holds its devices and no controller', () => {
    const ctx = buildContext(q35([], [dev('vda', 'disk', at(7, 0))]));
    expect(ctx.busByIndex.get(7)).toMatchObject({ controller: undefined, controllers: [], devices: [{ key: 'vda' }] });
  });

  it('the root of a bus whose chain reaches a bus no controller has is the last controller found', () => {
    const ctx = buildContext(pseries([phb(0), ctrl('pci-bridge', 3, { address: at(7, 1) }), ctrl('pci-bridge', 4, { address: at(3, 1) })], []));
    expect(ctx.rootOf(4)?.index).toBe(3);
  });
});
