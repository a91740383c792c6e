import { describe, expect, it } from 'vitest';
import { applyCommand } from '../../src/engine/commands/commands.ts';
import { createDesign } from '../../src/engine/index.ts';
import { findingsOf } from './alone.ts';
import { at, ctrl, dev, design, q35, rootPort, virt } from '../../src/engine/rules/testkit.ts';
import type { Design } from '../../src/engine/model/design.ts';
import type { Finding } from '../../src/engine/rules/types.ts';

/**
 * GEN-CONNECT-1's branches beyond its case table (issue 11; docs/mutation.md): libvirt's
 * virDomainPCIAddressFlagsCompatible / virDomainPCIAddressSetGrow for controllers it must place,
 * the root-port functions pcie-root has (ICH9's slot 0x1f on q35 only), and the x86 machines
 * qemuDomainDefAddDefaultDevices gives no PCI root.
 */

const of = (d: Design): Finding[] => findingsOf(d, 'GEN-CONNECT-1');
const ports = (n: number, from = 1) => Array.from({ length: n }, (_, i) => ctrl('pcie-root-port', from + i));

describe('GEN-CONNECT-1: controllers no bus accepts', () => {
  it('a downstream port with no upstream port: named, and the fix removes it', () => {
    const d = q35([rootPort(1, 1), ctrl('pcie-switch-downstream-port', 2)], []);
    const got = of(d);
    expect(got.map((f) => f.message)).toEqual(['pcie-switch-downstream-port controller index 2 has no address and no bus in this guest accepts a pcie-switch-downstream-port; libvirt cannot add one automatically.']);
    expect(got[0]?.fixes?.map((x) => x.label)).toEqual(['Remove pcie-switch-downstream-port controller index 2: this machine cannot connect it']);
    expect(of(applyCommand(d, got[0]!.fixes![0]!.command))).toEqual([]);
  });

  it('several stranded: each finding offers removing them all (named by count and model past three) or just itself', () => {
    const got = of(design({ machine: 's390-ccw-virtio', arch: 's390x', controllers: ports(4) }));
    expect(got.map((f) => f.subjects)).toEqual([1, 2, 3, 4].map((i) => ({ controllers: [i] })));
    expect(got[0]?.fixes?.map((x) => x.label)).toEqual(['Remove 4 controllers (pcie-root-port): this machine cannot connect them', 'Remove pcie-root-port controller index 1: this machine cannot connect it']);
    const three = of(design({ machine: 's390-ccw-virtio', arch: 's390x', controllers: ports(3) }));
    expect(three[0]?.fixes?.[0]?.label).toBe('Remove pcie-root-port controller index 1, pcie-root-port controller index 2, pcie-root-port controller index 3: this machine cannot connect them');
    const two = of(design({ machine: 's390-ccw-virtio', arch: 's390x', controllers: ports(2) }));
    expect(two[1]?.fixes?.map((x) => x.label)).toEqual(['Remove pcie-root-port controller index 1, pcie-root-port controller index 2: this machine cannot connect them', 'Remove pcie-root-port controller index 2: this machine cannot connect it']);
  });

  it('a pci-bridge (libvirt always finds or makes a PCI slot for it) and a controller the design addresses are not judged', () => {
    // a q35 guest whose pcie-root is not written still has it (libvirt adds it): root ports, a dmi-to-pci-bridge and a pxb-pcie go there
    expect(of(design({ machine: 'q35', controllers: [ctrl('pcie-root-port', 1), ctrl('dmi-to-pci-bridge', 2), ctrl('pcie-expander-bus', 3)] }))).toEqual([]);
    // q35: no bus accepts a pci-bridge yet; libvirt adds one that does (virDomainPCIAddressSetGrow)
    expect(of(q35([ctrl('pci-bridge', 1)], []))).toEqual([]);
    expect(of(design({ machine: 's390-ccw-virtio', arch: 's390x', controllers: [ctrl('pci-bridge', 1), ctrl('pcie-root-port', 2, { address: at(0, 2) })] }))).toEqual([]);
  });
});

describe('GEN-CONNECT-1: room for unaddressed root ports on pcie-root', () => {
  it('q35: 30 free slots of 8 functions (slot 0x1f is the ICH9 LPC bridge\'s); a slot a device takes is not free', () => {
    const withNic = (n: number) => q35(ports(n), [dev('nic', 'interface', at(0, 2), { model: 'e1000e' })]);
    expect(of(withNic(232))).toEqual([]);
    const got = of(withNic(233));
    expect(got.map((f) => [f.message, f.subjects])).toEqual([
      ["233 pcie-root-ports have no address but only 232 root-port functions are free: a PCI slot is needed to connect a PCI controller model='pcie-root-port', but none is available, and it cannot be automatically added.", { controllers: [233] }],
    ]);
    expect(got[0]?.fixes?.map((x) => x.label)).toEqual(['Remove pcie-root-port controller index 233: this machine cannot connect it']);
  });

  it('a slot a controller takes is not free either', () => {
    expect(of(q35([rootPort(240, 3), ...ports(232)], []))).toEqual([]);
    expect(of(q35([rootPort(240, 3), ...ports(233)], [])).map((f) => f.subjects)).toEqual([{ controllers: [233] }]);
  });

  it('a pcie-expander-bus adds its 32 slots (0-31, virDomainPCIAddressBusSetModel), with no ICH9 slot of its own', () => {
    // pcie-root on q35: slots 1-31 less 0x1f and the expander's own slot 2 = 29; the expander: 32
    const pxb = ctrl('pcie-expander-bus', 1, { modelName: 'pxb-pcie', address: at(0, 2), target: { busNr: 200 } });
    expect(of(q35([pxb, ...ports(488, 2)], []))).toEqual([]);
    expect(of(q35([pxb, ...ports(489, 2)], [])).map((f) => f.message)).toEqual([
      "489 pcie-root-ports have no address but only 488 root-port functions are free: a PCI slot is needed to connect a PCI controller model='pcie-root-port', but none is available, and it cannot be automatically added.",
    ]);
  });

  it('virt has no ICH9 slot: 31 free slots', () => {
    expect(of(virt(ports(248), []))).toEqual([]);
  });
});

describe('GEN-CONNECT-1: removing several stranded controllers', () => {
  it('names each model once, and the one command (labelled for undo) removes them all', () => {
    const d = design({ machine: 's390-ccw-virtio', arch: 's390x', controllers: [...ports(2), ctrl('pcie-switch-downstream-port', 3), ctrl('pcie-switch-downstream-port', 4)] });
    const all = of(d)[0]?.fixes?.[0];
    expect(all?.label).toBe('Remove 4 controllers (pcie-root-port, pcie-switch-downstream-port): this machine cannot connect them');
    expect(all?.command).toMatchObject({ kind: 'batch', label: 'Remove 4 controllers (pcie-root-port, pcie-switch-downstream-port)' });
    const fixed = applyCommand(d, all!.command);
    expect(fixed.guest.controllers).toEqual([]);
    expect(of(fixed)).toEqual([]);
  });
});

describe('GEN-CONNECT-1: what libvirt cannot place at define', () => {
  it('a pcie-to-pci-bridge when every root port is taken: the fix adds a root port below it and renumbers the bridge after it', () => {
    const d = q35([ctrl('pcie-root-port', 1), ctrl('pcie-to-pci-bridge', 2)], [dev('rng0', 'rng', at(1, 0))]);
    const got = of(d);
    expect(got.map((f) => f.message)).toEqual(['libvirt cannot place pcie-to-pci-bridge controller index 2: no pcie-root-port or pcie-switch-downstream-port is free and libvirt cannot add a bus for a pcie-to-pci-bridge ("Cannot automatically add a new PCI bus"), so it refuses the domain.']);
    expect(got[0]?.fixes?.map((x) => x.label)).toEqual(['Add a pcie-root-port for pcie-to-pci-bridge controller index 2 (the pcie-to-pci-bridge becomes index 3, after it)']);
    const fixed = applyCommand(d, got[0]!.fixes![0]!.command);
    expect(of(fixed)).toEqual([]);
    expect(fixed.guest.controllers.find((c) => c.model === 'pcie-to-pci-bridge')?.index).toBe(3);
  });
});

describe('GEN-CONNECT-1: x86 machines libvirt gives no PCI root (qemuDomainDefAddDefaultDevices)', () => {
  const MSG = (names: string, verb: string) => `libvirt does not know machine 'pc-q35' as q35 (written 'q35' or 'pc-q35-X.Y') or i440fx, so it adds no PCI root and ${names} ${verb} no PCI bus: libvirt refuses the domain ("No PCI buses available"). Write a machine libvirt knows, such as 'q35'.`;

  it('names three devices and counts the rest; "have" for several', () => {
    const disks = ['vda', 'vdb', 'vdc', 'vdd', 'vde'].map((k) => dev(k, 'disk'));
    expect(of(design({ machine: 'pc-q35', arch: 'x86_64', devices: disks })).map((f) => [f.message, f.subjects])).toEqual([[MSG('vda, vdb, vdc and 2 more', 'have'), { devices: ['vda', 'vdb', 'vdc', 'vdd', 'vde'] }]]);
    expect(of(design({ machine: 'pc-q35', arch: 'i686', devices: disks.slice(0, 3) })).map((f) => f.message)).toEqual([MSG('vda, vdb, vdc', 'have')]);
  });

  it('isapc and microvm have no PCI at all: a device that needs a slot there is refused with their own words (libvirt 9.0: "No PCI buses available")', () => {
    for (const machine of ['isapc', 'microvm']) {
      expect(of(design({ machine, arch: 'x86_64', devices: [dev('vda', 'disk')] })).map((f) => [f.message, f.subjects])).toEqual([
        [`Machine type '${machine}' does not support PCI, and vda needs a PCI slot: libvirt refuses the domain ("No PCI buses available"; later releases: "… requires PCI but machine type '${machine}' does not support PCI"). Remove it.`, { devices: ['vda'] }],
      ]);
    }
    expect(of(design({ machine: 'isapc', arch: 'x86_64', devices: [dev('vda', 'disk'), dev('vdb', 'disk')] })).map((f) => f.message)[0]).toContain('vda, vdb need a PCI slot');
    expect(of(design({ machine: 'isapc', arch: 'x86_64', devices: [dev('sda', 'disk', undefined, { bus: 'sata' })] }))).toEqual([]);
  });

  it('another arch is not judged here; a written PCI root is a root', () => {
    expect(of(design({ machine: 'foo', arch: 'aarch64', devices: [dev('vda', 'disk')] }))).toEqual([]);
    expect(of(design({ machine: 'pc-q35', arch: 'x86_64', controllers: [ctrl('pci-root', 0)], devices: [dev('vda', 'disk')] }))).toEqual([]);
    expect(of(design({ machine: 'pc-q35', arch: 'x86_64', controllers: [ctrl('pcie-root', 0)], devices: [dev('vda', 'disk')] }))).toEqual([]);
  });
});

describe('GEN-CONNECT-1: each controller said once, and fixes only where they fit', () => {
  /** q35 with pcie-root's slots 1-29 taken by NICs: slot 0x1e is the one free (0x1f is ICH9's) */
  const fullButOne = Array.from({ length: 29 }, (_, i) => dev(`nic${i}`, 'interface', at(0, i + 1)));

  it('a root port over the free functions is said by the room count, not again as unplaceable at define', () => {
    const got = of(q35(ports(9), fullButOne));
    expect(got.map((f) => [f.message, f.subjects])).toEqual([
      ['9 pcie-root-ports have no address but only 8 root-port functions are free: a PCI slot is needed to connect a PCI controller model=\'pcie-root-port\', but none is available, and it cannot be automatically added.', { controllers: [9] }],
    ]);
  });

  it('a pcie-to-pci-bridge with no root port free: the fix is one batch labelled for undo; with no slot for a new port either, no fix', () => {
    const d09 = of(q35([ctrl('pcie-root-port', 1), ctrl('pcie-to-pci-bridge', 2)], [dev('rng0', 'rng', at(1, 0))]));
    expect(d09.map((f) => f.fixes?.map((x) => x.command.kind === 'batch' && x.command.label))).toEqual([['Add a pcie-root-port for the pcie-to-pci-bridge']]);
    // every function of slot 0x1e taken by root ports, each holding a device
    const eight = Array.from({ length: 8 }, (_, fn) => rootPort(fn + 1, 0x1e, fn));
    const held = eight.map((p) => dev(`rng${p.index}`, 'rng', at(p.index!, 0)));
    const none = of(q35([...eight, ctrl('pcie-to-pci-bridge', 9)], [...held, ...fullButOne]));
    expect(none.map((f) => [f.subjects, f.fixes])).toEqual([[{ controllers: [9] }, undefined]]);
  });

  it('a pcie-expander-bus with pcie-root full: libvirt cannot place it, and a root port would not take it, so no fix', () => {
    const full = [...fullButOne, dev('last', 'interface', at(0, 0x1e))];
    const got = of(q35([ctrl('pcie-expander-bus', 1)], full));
    expect(got.map((f) => [f.message, f.fixes])).toEqual([
      ['libvirt cannot place pcie-expander-bus controller index 1: no pcie-root is free and libvirt cannot add a bus for a pcie-expander-bus ("Cannot automatically add a new PCI bus"), so it refuses the domain.', undefined],
    ]);
  });

  it('a virtio-iommu with pcie-root full: libvirt grows a root port for it in the dry run and refuses it there (virDomainPCIAddressFlagsCompatible: integrated means bus 0)', () => {
    const full = Array.from({ length: 30 }, (_, i) => rootPort(i + 1, i + 1));
    const disks = Array.from({ length: 30 }, (_, i) => dev(`vd${i}`, 'disk', at(i + 1, 0)));
    const got = of(q35(full, [...disks, dev('iommu0', 'iommu', undefined, { model: 'virtio' })]));
    expect(got.map((f) => [f.message, f.subjects, f.fixes])).toEqual([
      [
        'libvirt cannot place iommu0: it is an integrated device, which goes on pcie-root only, and pcie-root has no free slot: libvirt adds a pcie-root-port for it and then refuses that bus ("The device at PCI address … needs to be an integrated device (bus=0)"), so it refuses the domain.',
        { devices: ['iommu0'] },
        undefined,
      ],
    ]);
    // with slots of pcie-root left over once libvirt has placed its own default devices' root ports, it goes there
    expect(of(q35(full.slice(6), [...disks.slice(6), dev('iommu0', 'iommu', undefined, { model: 'virtio' })]))).toEqual([]);
  });

  it('an unknown x86 machine: "has" for one device; a written controller that is no root does not give it a bus', () => {
    const MSG = "libvirt does not know machine 'pc-q35' as q35 (written 'q35' or 'pc-q35-X.Y') or i440fx, so it adds no PCI root and vda has no PCI bus: libvirt refuses the domain (\"No PCI buses available\"). Write a machine libvirt knows, such as 'q35'.";
    expect(of(design({ machine: 'pc-q35', arch: 'x86_64', devices: [dev('vda', 'disk')] })).map((f) => f.message)).toEqual([MSG]);
    expect(of(design({ machine: 'pc-q35', arch: 'x86_64', controllers: [ctrl('pci-bridge', 1)], devices: [dev('vda', 'disk')] })).map((f) => f.message)).toContain(MSG);
  });
});

describe('GEN-CONNECT-1: a q35 root written as the wrong model', () => {
  it('leaves the controllers pcie-root takes to GEN-IDX-2, whose fix makes index 0 a pcie-root: no fix removes them', () => {
    // libvirt refuses a q35 index 0 that is not pcie-root (GEN-IDX-2); once it is one, pcie-root takes
    // a root port, a dmi-to-pci-bridge and a pcie-expander-bus (virDomainPCIAddressBusSetModel), so
    // none of them is stranded, each alone with that root (what libvirt's define-time placement makes
    // of them with the wrong root is another branch of the rule)
    for (const c of [ctrl('pcie-root-port', 1), ctrl('dmi-to-pci-bridge', 1), ctrl('pcie-expander-bus', 1, { target: { busNr: 200 } })]) {
      const d = design({ machine: 'q35', controllers: [ctrl('pci-root', 0), c] });
      expect(of(d).filter((f) => f.message.includes('no bus in this guest accepts'))).toEqual([]);
      expect(findingsOf(d, 'GEN-IDX-2').map((f) => f.subjects)).toEqual([{ controllers: [0] }]);
    }
  });
});

describe('GEN-CONNECT-1: a define libvirt refuses for a bus it adds itself (refusedAtDefine)', () => {
  const REFUSAL = (named: string, model = 'pcie-root-port') =>
    `libvirt cannot place what has no address (${named}): "a PCI slot is needed to connect a PCI controller model='${model}', but none is available, and it cannot be automatically added", so it refuses the domain. Free a slot on the root bus, or give the devices addresses on existing buses.`;
  /** q35 with pcie-root's slots 1..n taken by written e1000e NICs (0x1f is ICH9's) */
  const nicsTo = (n: number) => Array.from({ length: n }, (_, i) => dev(`nic${i + 1}`, 'interface', at(0, i + 1), { model: 'e1000e' }));
  const disks = (n: number) => Array.from({ length: n }, (_, i) => dev(`vd${i}`, 'disk'));

  it('names up to three devices, in their order, and says what libvirt says', () => {
    // libvirt 9.0 refuses the one-disk kind (the case table); three disks are named each
    const got = of(q35([], [...nicsTo(30), ...disks(3)]));
    expect(got.map((f) => [f.message, f.subjects, f.fixes])).toEqual([[REFUSAL('vd0, vd1, vd2'), { devices: ['vd0', 'vd1', 'vd2'], controllers: [] }, undefined]]);
  });

  it('past three, counts the devices and the controllers left to libvirt (one of each in the singular)', () => {
    // libvirt 9.0 refuses both (shared/tools/libvirt-qemu-check.sh: "a PCI slot is needed to connect a PCI controller
    // model='pcie-root-port' ..."): slot 0x1e takes the written port and 7 more, one per disk, and the 8th disk has none;
    // with one or two disks the same guest defines
    const one = of(q35([ctrl('pcie-root-port', 1)], [...nicsTo(29), ...disks(8)]));
    expect(one.map((f) => [f.message, f.subjects])).toEqual([[REFUSAL('8 devices and 1 controller'), { devices: disks(8).map((d) => d.key), controllers: [1] }]]);
    const two = of(q35([ctrl('pcie-root-port', 1), ctrl('pcie-root-port', 2)], [...nicsTo(29), ...disks(8)]));
    expect(two.map((f) => f.message)).toEqual([REFUSAL('8 devices and 2 controllers')]);
    expect(of(q35([ctrl('pcie-root-port', 1)], [...nicsTo(29), ...disks(2)]))).toEqual([]);
  });

  it('a root port written with an address is not named among what libvirt must place', () => {
    const got = of(q35([rootPort(1, 0x1e)], [...nicsTo(29), ...disks(9)]));
    expect(got.map((f) => [f.message, f.subjects])).toEqual([[REFUSAL('9 devices'), { devices: disks(9).map((d) => d.key), controllers: [] }]]);
  });

  it('i440fx: the devices counted, with the model of the bridge the dry run found no slot for', () => {
    const noUsb = dev('usb', 'controller', undefined, { type: 'usb', model: 'none' });
    const noBalloon = dev('balloon', 'memballoon', undefined, { model: 'none' });
    const d = design({ machine: 'pc', arch: 'x86_64', devices: [noUsb, noBalloon, ...Array.from({ length: 60 }, (_, i) => dev(`nic${i + 1}`, 'interface', undefined, { model: 'e1000' }))] });
    expect(of(d).map((f) => f.message)).toEqual([REFUSAL('60 devices', 'pci-bridge')]);
    // a pci-root written in the XML is no controller left to libvirt either
    expect(of({ ...d, guest: { ...d.guest, controllers: [ctrl('pci-root', 0)] } }).map((f) => f.message)).toEqual([REFUSAL('60 devices', 'pci-bridge')]);
  });
});

describe('GEN-CONNECT-1: what it cannot name', () => {
  it('a stranded controller whose index libvirt cannot read has no index to name as subject', () => {
    const c = { ...ctrl('pcie-root-port', 1), index: undefined, unreadable: ['index=x'] };
    expect(of(design({ machine: 's390-ccw-virtio', arch: 's390x', controllers: [c] })).map((f) => f.subjects)).toEqual([{ controllers: [] }]);
  });

  it('nor one over the root-port functions free', () => {
    const c = { ...ctrl('pcie-root-port', 241), index: undefined, unreadable: ['index=x'] };
    const room = of(q35([...ports(240), c], [])).filter((f) => f.message.includes('root-port functions are free'));
    expect(room.map((f) => f.subjects.controllers)).toEqual([[]]);
  });

  it('nor one the define model leaves unplaced: said once, as stranded', () => {
    // a downstream port with no upstream port is stranded and unplaced at define alike; with its index unreadable
    // the stranded finding names no index, and the define-time check must not say it again with [undefined]
    const c = { ...ctrl('pcie-switch-downstream-port', 2), index: undefined, unreadable: ['index=x'] };
    expect(of(q35([rootPort(1, 1), c], [])).map((f) => f.subjects)).toEqual([{ controllers: [] }]);
  });

  it('nor one left to libvirt in a define it refuses', () => {
    const c = { ...ctrl('pcie-root-port', 1), index: undefined, unreadable: ['index=x'] };
    const nics = Array.from({ length: 29 }, (_, i) => dev(`nic${i + 1}`, 'interface', at(0, i + 1), { model: 'e1000e' }));
    const disks = Array.from({ length: 8 }, (_, i) => dev(`vd${i}`, 'disk'));
    expect(of(q35([c], [...nics, ...disks])).map((f) => f.subjects.controllers)).toEqual([[]]);
  });

  it('no port fix for a bridge libvirt cannot place when writing a port would change the buses libvirt adds (writingAControllerRegrows)', () => {
    // an e1000 at bus 1 slot 0 and an rtl8139 at bus 1 slot 3: libvirt adds root port 1 and, for the
    // conventional NIC it bumps, pcie-to-pci-bridge 2; a port written below the bridge would turn what
    // libvirt adds into ports (test/libvirt-refusals.test.ts: GEN-CONNECT-3's fix is the bridge)
    const made = createDesign(`<domain type='qemu'><name>t</name><memory>131072</memory><os><type arch='x86_64' machine='q35'>hvm</type></os><devices>
  <interface type='user'><model type='rtl8139'/><address type='pci' domain='0' bus='1' slot='3' function='0'/></interface>
  <interface type='user'><model type='e1000'/><address type='pci' domain='0' bus='1' slot='0' function='0'/></interface>
</devices></domain>`);
    if (!made.ok) throw new Error(made.error.message);
    const got = of(made.value);
    expect(got.map((f) => [f.subjects, f.fixes])).toEqual([[{ controllers: [2] }, undefined]]);
  });
});

describe('GEN-CONNECT-1: the words of a device libvirt cannot place', () => {
  it("libvirt's dry run fails first (the pci-bridge it adds for the 62nd conventional NIC on virt finds no slot): its words, not the real pass's", () => {
    // libvirt 9.0 refuses this domain with the quoted words (test/real/connect-words.test.ts)
    const d = virt([], Array.from({ length: 62 }, (_, i) => dev(`net${i}`, 'interface', undefined, { model: 'e1000' })));
    expect(of(d).map((f) => [f.message, f.subjects])).toEqual([
      [
        `libvirt cannot place net61: no free slot takes it, and the buses libvirt adds for what it places find no slot either ("a PCI slot is needed to connect a PCI controller model='pci-bridge', but none is available, and it cannot be automatically added"), so it refuses the domain.`,
        { devices: ['net61'] },
      ],
    ]);
    // one fewer fits: nothing to say
    expect(of(virt([], Array.from({ length: 61 }, (_, i) => dev(`net${i}`, 'interface', undefined, { model: 'e1000' }))))).toEqual([]);
  });
});

describe('GEN-CONNECT-1: the devices libvirt adds by default need a slot too', () => {
  const SLOT = `"a PCI slot is needed to connect a PCI controller model='pcie-root-port', but none is available, and it cannot be automatically added", so it refuses the domain. Free a slot on the root bus, or give the devices addresses on existing buses.`;
  /** q35 with pcie-root's slots 1..n taken by written e1000e NICs (0x1f is ICH9's) */
  const nicsTo = (n: number) => Array.from({ length: n }, (_, i) => dev(`nic${i + 1}`, 'interface', at(0, i + 1), { model: 'e1000e' }));
  const noUsb = dev('usb', 'controller', undefined, { type: 'usb', model: 'none' });
  const noBalloon = dev('balloon', 'memballoon', undefined, { model: 'none' });

  it('every written device addressed and pcie-root full: the USB controller and memballoon libvirt adds find no root port (SATA 0 is ICH9\'s 00:1f.2)', () => {
    // libvirt 9.0 refuses the first two with these words (shared/tools/libvirt-qemu-check.sh) and defines the third
    expect(of(q35([], nicsTo(30))).map((f) => [f.message, f.subjects])).toEqual([
      [`libvirt cannot place what has no address (implicit usb controller qemu-xhci, implicit virtio memballoon): ${SLOT}`, { devices: [], controllers: [] }],
    ]);
    expect(of(q35([], [...nicsTo(30), noUsb])).map((f) => f.message)).toEqual([`libvirt cannot place what has no address (implicit virtio memballoon): ${SLOT}`]);
    expect(of(q35([], [...nicsTo(30), noUsb, noBalloon]))).toEqual([]);
    // one slot of pcie-root left: libvirt's root ports for both go there
    expect(of(q35([], nicsTo(29)))).toEqual([]);
  });
});

describe('GEN-CONNECT-1: a pcie-expander-bus whose index libvirt cannot read adds no room', () => {
  it('its slots are not counted for root ports without an address', () => {
    const pxb = { ...ctrl('pcie-expander-bus', 1, { modelName: 'pxb-pcie', address: at(0, 2), target: { busNr: 200 } }), index: undefined, unreadable: ['index=x'] };
    const got = of(q35([pxb, ...ports(233, 2)], [])).filter((f) => f.message.includes('root-port functions are free'));
    expect(got.map((f) => f.message)).toEqual([
      "233 pcie-root-ports have no address but only 232 root-port functions are free: a PCI slot is needed to connect a PCI controller model='pcie-root-port', but none is available, and it cannot be automatically added.",
    ]);
  });
});

describe('GEN-CONNECT-1: the controllers libvirt adds for a drive address (addsDiskControllers)', () => {
  const PCI_BRIDGE = `"a PCI slot is needed to connect a PCI controller model='pci-bridge', but none is available, and it cannot be automatically added", so it refuses the domain. Give the disks a lower \`controller\` in their drive address.`;
  const noUsb = dev('usb', 'controller', undefined, { type: 'usb', model: 'none' });
  const noBalloon = dev('balloon', 'memballoon', undefined, { model: 'none' });
  const sda = (controller: number) => dev('sda', 'disk', undefined, { bus: 'scsi', targetDev: 'sda', otherAddressType: 'drive', addressController: controller });
  const scsi = (index: number) => dev(`scsi${index}`, 'controller', undefined, { type: 'scsi', index, model: 'lsilogic' });

  it('a SCSI disk on drive controller 541: the 542 controllers named by count, type and disk (libvirt 9.0 refuses it)', () => {
    const got = of(q35([], [sda(541), noBalloon, noUsb]));
    expect(got.map((f) => [f.message, f.subjects])).toEqual([[`libvirt cannot place what has no address (542 scsi controllers for sda, which sits on scsi controller 541): ${PCI_BRIDGE}`, { devices: ['sda'], controllers: [] }]]);
    // with what else libvirt adds named first, '; ' between
    expect(of(q35([], [sda(541), noBalloon])).map((f) => f.message)).toEqual([`libvirt cannot place what has no address (implicit usb controller qemu-xhci; 542 scsi controllers for sda, which sits on scsi controller 541): ${PCI_BRIDGE}`]);
  });

  it('the SCSI controllers written with an index up to the highest are not added again; another type, or an index above, does not count', () => {
    // written on pcie-root slots 1-4: 0, 1 and 541, 600 above the disk's 580, and a USB controller index 2 (slot 5; libvirt still adds its default one, index 0)
    const written = [0, 1, 541, 600].map((index, i) => ({ ...scsi(index), address: at(0, i + 1) }));
    const usb = dev('usb', 'controller', at(0, 5), { type: 'usb', index: 2, model: 'qemu-xhci' });
    const got = of(q35([], [sda(580), noBalloon, usb, ...written]));
    expect(got.map((f) => f.message)).toEqual([`libvirt cannot place what has no address (implicit usb controller qemu-xhci; 578 scsi controllers for sda, which sits on scsi controller 580): ${PCI_BRIDGE}`]);
  });

  it('past three, the controllers left to libvirt are counted alone when no device is', () => {
    expect(of(q35(ports(4), [sda(541), noBalloon, noUsb])).map((f) => f.message)).toEqual([`libvirt cannot place what has no address (4 controllers; 542 scsi controllers for sda, which sits on scsi controller 541): ${PCI_BRIDGE}`]);
    // the USB controller libvirt adds is not named beside the design's own controllers
    expect(of(q35(ports(4), [sda(541), noBalloon])).map((f) => f.message)).toEqual([`libvirt cannot place what has no address (4 controllers; 542 scsi controllers for sda, which sits on scsi controller 541): ${PCI_BRIDGE}`]);
  });

  it('one controller added: in the singular; none added: the disk is not named, and the advice is the root bus\'s', () => {
    /** pcie-root's slots 1..29 taken by NICs, 30 by SCSI controller 0, and a virtio disk without an address: no root port for it */
    const nics = Array.from({ length: 29 }, (_, i) => dev(`nic${i + 1}`, 'interface', at(0, i + 1), { model: 'e1000e' }));
    const scsi0 = dev('scsi0', 'controller', at(0, 30), { type: 'scsi', index: 0, model: 'lsilogic' });
    const base = [...nics, scsi0, dev('vda', 'disk'), noBalloon, noUsb];
    expect(of(q35([], [...base, sda(1)])).map((f) => [f.message, f.subjects])).toEqual([
      [
        `libvirt cannot place what has no address (vda; 1 scsi controller for sda, which sits on scsi controller 1): "a PCI slot is needed to connect a PCI controller model='pcie-root-port', but none is available, and it cannot be automatically added", so it refuses the domain. Give the disks a lower \`controller\` in their drive address.`,
        { devices: ['vda', 'sda'], controllers: [] },
      ],
    ]);
    expect(of(q35([], [...base, sda(0)])).map((f) => [f.message, f.subjects])).toEqual([
      [
        `libvirt cannot place what has no address (vda): "a PCI slot is needed to connect a PCI controller model='pcie-root-port', but none is available, and it cannot be automatically added", so it refuses the domain. Free a slot on the root bus, or give the devices addresses on existing buses.`,
        { devices: ['vda'], controllers: [] },
      ],
    ]);
  });
});

describe('GEN-CONNECT-1: a bridge libvirt cannot place on a machine without pcie-root', () => {
  it('i440fx: no root-port fix (the port would need pcie-root)', () => {
    const d = design({ machine: 'pc', arch: 'x86_64', controllers: [ctrl('pcie-root-port', 1, { address: at(0, 3) }), ctrl('pcie-to-pci-bridge', 2)], devices: [dev('rng0', 'rng', at(1, 0))] });
    expect(of(d).map((f) => [f.message, f.subjects, f.fixes])).toEqual([
      ['libvirt cannot place pcie-to-pci-bridge controller index 2: no pcie-root-port or pcie-switch-downstream-port is free and libvirt cannot add a bus for a pcie-to-pci-bridge ("Cannot automatically add a new PCI bus"), so it refuses the domain.', { controllers: [2] }, undefined],
    ]);
  });
});
