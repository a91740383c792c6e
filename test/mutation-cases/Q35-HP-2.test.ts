import { describe, expect, it } from 'vitest';
import { applyCommand } from '../../src/engine/commands/commands.ts';
import { findingsOf } from './alone.ts';
import { at, ctrl, dev, q35, rootPort } from '../../src/engine/rules/testkit.ts';
import type { Design } from '../../src/engine/model/design.ts';
import type { GuestDevice } from '../../src/engine/model/guest.ts';

/**
 * Q35-HP-2 beyond its case table (issue 11; docs/mutation.md): libvirt hot-plugs a conventional PCI
 * device only into a free slot of a pci-bridge or pcie-to-pci-bridge (src/conf/domain_addr.c
 * virDomainPCIAddressBusSetModel: slots 1-31, HOTPLUGGABLE; a dmi-to-pci-bridge's slots are not) and
 * adds no bus at hotplug (virDomainPCIAddressGetNextAddr, "No more available PCI slots").
 */

const noDefaults = [dev('usb', 'controller', undefined, { type: 'usb', model: 'none' }), dev('mb', 'memballoon', undefined, { model: 'none' })];
/** conventional PCI NICs in slots first..last of bus `bus` */
const nics = (bus: number, first: number, last: number): GuestDevice[] => Array.from({ length: last - first + 1 }, (_, i) => dev(`nic${bus}-${first + i}`, 'interface', at(bus, first + i), { model: 'e1000' }));
const of = (d: Design) => findingsOf(d, 'Q35-HP-2');
const toBridge = [rootPort(1, 1), ctrl('pcie-to-pci-bridge', 2, { address: at(1, 0) })];
const WORDS = (bridges: string, atDefine: boolean) =>
  `No room to hot-plug a conventional PCI device: every slot of ${bridges} is taken${atDefine ? ' once libvirt has defined the guest' : ''}, and libvirt hot-plugs conventional PCI devices (e1000, rtl8139, …) only into a free slot of a pci-bridge or pcie-to-pci-bridge. Add a pcie-to-pci-bridge if you plan to hot-plug one.`;

describe('Q35-HP-2: hotplug room on bridges', () => {
  it('a full pcie-to-pci-bridge: the words, the bridge, and the fix (a root port with a new bridge on it) that clears it', () => {
    const d = q35(toBridge, [...nics(2, 1, 31), ...noDefaults]);
    const got = of(d);
    expect(got.map((f) => [f.message, f.subjects])).toEqual([[WORDS('pcie-to-pci-bridge 2', true), { controllers: [2] }]]);
    const fix = got[0]!.fixes![0]!;
    expect(fix.label).toBe('Add a pcie-to-pci-bridge (index 4) on a new pcie-root-port');
    expect(fix.command).toMatchObject({
      kind: 'batch',
      label: 'Add a pcie-to-pci-bridge',
      commands: [
        { kind: 'add-controller', controller: { model: 'pcie-root-port', index: 3 } },
        { kind: 'add-controller', controller: { model: 'pcie-to-pci-bridge', index: 4, address: at(3, 0) } },
      ],
    });
    expect(of(applyCommand(d, fix.command))).toEqual([]);
  });

  it('slot 31 free is room (a bridge has slots 1 to 31)', () => {
    expect(of(q35(toBridge, [...nics(2, 1, 30), ...noDefaults]))).toEqual([]);
  });

  it('two full bridges: both named, in index order', () => {
    const d = q35([...toBridge, ctrl('pci-bridge', 3, { address: at(2, 31), target: { chassisNr: 3 } })], [...nics(2, 1, 30), ...nics(3, 1, 31), ...noDefaults]);
    expect(of(d).map((f) => [f.message, f.subjects])).toEqual([[WORDS('pcie-to-pci-bridge 2, pci-bridge 3', true), { controllers: [2, 3] }]]);
  });

  it('a full pci-bridge on a dmi-to-pci-bridge counts (the dmi-to-pci-bridge\'s own slots are not hotpluggable)', () => {
    const d = q35([ctrl('dmi-to-pci-bridge', 1, { address: at(0, 0x1e) }), ctrl('pci-bridge', 2, { address: at(1, 1), target: { chassisNr: 2 } })], [...nics(2, 1, 31), ...noDefaults]);
    expect(of(d).map((f) => f.subjects)).toEqual([{ controllers: [2] }]);
  });

  it('an empty pci-bridge whose index cannot be read is not counted as room', () => {
    const d = q35([...toBridge, { ...ctrl('pci-bridge', 3, { address: at(0, 5), target: { chassisNr: 3 } }), index: undefined, unreadable: ["index='x'"] }], [...nics(2, 1, 31), ...noDefaults]);
    expect(of(d).map((f) => f.subjects)).toEqual([{ controllers: [2] }]);
  });

  it('pcie-root with no wholly free slot but root ports at function 0 of its slots: the new port takes a free function beside root port 1 (00:01.1), as libvirt places one (virDomainPCIAddressFindUnusedFunctionOnBus)', () => {
    const ports = Array.from({ length: 30 }, (_, i) => rootPort(i + 1, i + 1));
    const d = q35([...ports, ctrl('pcie-to-pci-bridge', 31, { address: at(1, 0) })], [...nics(31, 1, 31), ...noDefaults]);
    const [f] = of(d);
    expect(f?.subjects).toEqual({ controllers: [31] });
    expect(f?.fixes?.[0]?.command).toMatchObject({ kind: 'batch', commands: [{ kind: 'add-controller', controller: { model: 'pcie-root-port', index: 32, address: { bus: 0, slot: 1, function: 1 } } }, { kind: 'add-controller', controller: { model: 'pcie-to-pci-bridge', index: 33 } }] });
  });

  it('pcie-root with no free slot nor a slot root ports aggregate for the new root port: named, and no fix', () => {
    // a disk at 00:01.0 is reserved before root port 1 at 00:01.1 (disks before controllers), so slot 1 takes no more ports
    const disks = Array.from({ length: 30 }, (_, i) => dev(`vd${i}`, 'disk', at(0, i + 1, 0, i === 0 ? 'on' : undefined)));
    const d = q35([rootPort(1, 1, 1), ctrl('pcie-to-pci-bridge', 2, { address: at(1, 0) })], [...disks, ...nics(2, 1, 31), ...noDefaults]);
    expect(of(d).map((f) => [f.subjects, f.fixes])).toEqual([[{ controllers: [2] }, undefined]]);
  });

  it('a full bridge libvirt adds itself for a written bus: named, and no fix (a written root port and bridge of higher index would turn that bridge into a root port)', () => {
    const got = of(q35([], [...nics(2, 1, 31), ...noDefaults]));
    expect(got.map((f) => [f.subjects, f.fixes])).toEqual([[{ controllers: [2] }, undefined]]);
  });

  it('a guest libvirt cannot define (an address at slot 0x20) is judged as written, and the words do not say libvirt defined it', () => {
    // virPCIDeviceAddressParseXML refuses slot 0x20 ("must be <= 0x1F"): there is no define-time
    // guest to judge (atDefine gives none), so the full bridge is the one written
    const d = q35(toBridge, [...nics(2, 1, 31), dev('vda', 'disk', at(0, 0x20)), ...noDefaults]);
    expect(of(d).map((f) => [f.message, f.subjects])).toEqual([[WORDS('pcie-to-pci-bridge 2', false), { controllers: [2] }]]);
  });

  it('a bridge whose every slot holds a controller and no device: no conventional device behind a bridge, no finding (the rule speaks only to a guest that uses them)', () => {
    // only controllers can fill a bridge with no device behind any bridge: root ports written on a
    // pcie-to-pci-bridge, which libvirt 9.0 refuses ("cannot be plugged into the PCI controller with
    // index='2'", virDomainPCIAddressFlagsCompatible; GEN-CONNECT-3 says so). Its one device, the disk
    // on root port 3, sits on no bridge
    const ports = Array.from({ length: 31 }, (_, i) => ctrl('pcie-root-port', 3 + i, { address: at(2, i + 1), target: { chassis: 3 + i, port: 0 } }));
    const d = q35([...toBridge, ...ports], [dev('vda', 'disk', at(3, 0)), ...noDefaults]);
    expect(of(d)).toEqual([]);
  });
});
