import { describe, expect, it } from 'vitest';
import { applyCommand } from '../../src/engine/commands/commands.ts';
import { findingsOf } from './alone.ts';
import { place, validate } from '../../src/engine/index.ts';
import { at, ctrl, design, dev, phb, pseries, q35 } from '../../src/engine/rules/testkit.ts';
import type { Design } from '../../src/engine/model/design.ts';
import type { Finding } from '../../src/engine/rules/types.ts';

/**
 * The controller-index rules' branches beyond their case tables (issue 11; docs/mutation.md):
 * libvirt's virDomainControllerDefParseXML / virDomainDefValidate for indexes (unreadable, negative,
 * above 255, twice) and qemuValidateDomainDefPCI... for the root at index 0.
 */

const of = (d: Design, id: string): Finding[] => findingsOf(d, id);
/** the key of the controller with this index (the design helpers add the root first) */
const keyOf = (d: Design, index: number): string => d.guest.controllers.find((c) => c.index === index)!.key;

describe('GEN-IDX-1: controller indexes', () => {
  it('an index twice, three times: each later one gets the next free index, different each time, and then no clash is left', () => {
    const d = pseries([phb(1), phb(1, { index: 2 }, { key: 'pci-dup' }), phb(1, { index: 3 }, { key: 'pci-dup2' })], []);
    const got = of(d, 'GEN-IDX-1');
    expect(got.map((f) => [f.message, f.subjects])).toEqual([
      ['Multiple PCI controllers with index 1 (pci-root controller index 1).', { controllers: [1] }],
      ['Multiple PCI controllers with index 1 (pci-root controller index 1).', { controllers: [1] }],
    ]);
    expect(got.map((f) => f.fixes?.map((x) => x.label))).toEqual([['Give the second controller 1 the free index 2'], ['Give the second controller 1 the free index 3']]);
    let fixed = d;
    for (const f of got) fixed = applyCommand(fixed, f.fixes![0]!.command);
    expect(of(fixed, 'GEN-IDX-1')).toEqual([]);
  });

  it('the last free index, 255, is still offered', () => {
    const bridges = Array.from({ length: 254 }, (_, i) => ctrl('pci-bridge', i + 1));
    const got = of(q35([...bridges, ctrl('pci-bridge', 5, { key: 'dup5' })], []), 'GEN-IDX-1');
    expect(got.map((f) => f.fixes?.map((x) => x.label))).toEqual([['Give the second controller 5 the free index 255']]);
  });

  it('no fix when no index up to 255 is free', () => {
    expect(of(q35([ctrl('pci-bridge', 255), ctrl('pci-bridge', 0, { key: 'z' })], []), 'GEN-IDX-1').map((f) => [f.message, f.fixes])).toEqual([['Multiple PCI controllers with index 0 (pci-bridge controller index 0).', undefined]]);
  });

  it('an unreadable index names the model (or "PCI" when there is none); other unreadable attributes are not its', () => {
    const d = q35([{ ...ctrl('pci-bridge', 1), index: undefined, unreadable: ["index='one'"] }, { ...ctrl('', 2), index: undefined, unreadable: ["index='x'"] }, { ...ctrl('pci-bridge', 3), unreadable: ["target chassis='x'"] }], []);
    expect(of(d, 'GEN-IDX-1').map((f) => f.message).sort()).toEqual([
      "A PCI controller has index='x': libvirt expects a non-negative integer and refuses the domain.",
      "A pci-bridge controller has index='one': libvirt expects a non-negative integer and refuses the domain.",
    ]);
  });

  it('index 255 is the highest there is; -1 and 256 are refused with their own words', () => {
    expect(of(q35([ctrl('pci-bridge', 255, { address: at(0, 2) })], []), 'GEN-IDX-1')).toEqual([]);
    expect(of(q35([ctrl('pci-bridge', 256)], []), 'GEN-IDX-1').map((f) => f.message)).toEqual(['PCI controller index 256 is out of range: the maximum is 255.']);
    expect(of(q35([ctrl('pci-bridge', -1)], []), 'GEN-IDX-1').map((f) => f.message)).toEqual(['PCI controller index -1 is invalid: libvirt expects a non-negative integer ("Invalid value for attribute \'index\'").']);
  });
});

describe('GEN-IDX-2: the root at index 0', () => {
  it('a wrong root libvirt added itself gets no fix', () => {
    const got = of(design({ machine: 'q35', controllers: [{ ...phb(0), implicit: true }] }), 'GEN-IDX-2');
    expect(got.map((f) => [f.message, f.fixes])).toEqual([["The PCI controller with index 0 must be model 'pcie-root' for this machine type, but model 'pci-root' was found instead.", undefined]]);
  });

  it('i440fx: the fix removes pcie-root and the PCIe controllers pci-root cannot connect', () => {
    const d = design({ machine: 'pc-i440fx-7.2', controllers: [ctrl('pcie-root', 0), ctrl('pcie-root-port', 1, { address: at(0, 2) }), ctrl('pcie-expander-bus', 2, { address: at(0, 3) })] });
    const got = of(d, 'GEN-IDX-2');
    expect(got[0]?.fixes?.map((x) => x.label)).toEqual(['Use pci-root as the root and remove what it cannot connect (pcie-root-port 1, pcie-expander-bus 2)']);
    const fixed = applyCommand(d, got[0]!.fixes![0]!.command);
    expect(fixed.guest.controllers.map((c) => c.model)).not.toContain('pcie-root-port');
    expect(of(fixed, 'GEN-IDX-2')).toEqual([]);
  });

  it('q35: the fix removes pci-root and the pci-expander-bus (pcie-root cannot connect one), keeping PCIe controllers and bridges', () => {
    const d = design({ machine: 'q35', controllers: [ctrl('pci-root', 0), ctrl('pcie-root-port', 1, { address: at(0, 2) }), ctrl('pci-expander-bus', 2, { address: at(0, 3) }), ctrl('pci-bridge', 3, { address: at(0, 4) })] });
    expect(of(d, 'GEN-IDX-2')[0]?.fixes?.map((x) => x.label)).toEqual(['Use pcie-root as the root and remove what it cannot connect (pci-expander-bus 2)']);
  });

  it('pseries: a pci-expander-bus goes with the wrong root too; a lone wrong root is just replaced', () => {
    const d = design({ machine: 'pseries', controllers: [ctrl('pcie-root', 0), ctrl('pci-expander-bus', 2, { address: at(0, 3) }), ctrl('pci-bridge', 3, { address: at(0, 4) })] });
    expect(of(d, 'GEN-IDX-2')[0]?.fixes?.map((x) => x.label)).toEqual(['Use pci-root as the root and remove what it cannot connect (pci-expander-bus 2)']);
    expect(of(design({ machine: 'pc-i440fx-7.2', controllers: [ctrl('pci-bridge', 0)] }), 'GEN-IDX-2')[0]?.fixes?.map((x) => x.label)).toEqual(['Use pci-root as the root']);
  });
});

describe('GEN-IDX-2: what the root fix removes', () => {
  it('i440fx with a root port at index 0: the fix removes that port once, the other PCIe ports the user wrote, and keeps what pci-root connects and what libvirt added', () => {
    // qemuDomainDefAddDefaultDevices adds pci-root at index 0 once the wrong controller is gone; a
    // pcie-root-port cannot sit on pci-root (RULES.md table 1.1), a pci-bridge and a pci-expander-bus
    // (pxb) can; a port libvirt added itself (implicit) is not written, so not the user's to remove
    const d = design({
      machine: 'pc-i440fx-7.2',
      controllers: [
        ctrl('pcie-root-port', 0),
        ctrl('pcie-root-port', 1, { address: at(0, 3) }),
        ctrl('pci-bridge', 2, { address: at(0, 4) }),
        ctrl('pci-expander-bus', 3, { address: at(0, 5) }),
        { ...ctrl('pcie-root-port', 4, { address: at(0, 6) }), implicit: true },
      ],
    });
    const got = of(d, 'GEN-IDX-2');
    expect(got.map((f) => f.fixes?.map((x) => x.label))).toEqual([['Use pci-root as the root and remove what it cannot connect (pcie-root-port 1)']]);
    const fix = got[0]!.fixes![0]!;
    // one undoable step, labelled as the change it makes
    expect(fix.command).toEqual({ kind: 'batch', label: 'Use pci-root as the root', commands: [{ kind: 'remove-controller', controller: d.guest.controllers[0]!.key }, { kind: 'remove-controller', controller: d.guest.controllers[1]!.key }] });
    const fixed = applyCommand(d, fix.command);
    expect(fixed.guest.controllers.map((c) => [c.model, c.index])).toEqual([['pci-bridge', 2], ['pci-expander-bus', 3], ['pcie-root-port', 4]]);
    expect(of(fixed, 'GEN-IDX-2')).toEqual([]);
  });

  it('a controller it removes whose index cannot be read is named by its model alone', () => {
    const d = design({ machine: 'pc-i440fx-7.2', controllers: [ctrl('pcie-root', 0), { ...ctrl('pcie-root-port', 1, { address: at(0, 3) }), index: undefined, unreadable: ["index='one'"] }] });
    expect(of(d, 'GEN-IDX-2')[0]?.fixes?.map((x) => x.label)).toEqual(['Use pci-root as the root and remove what it cannot connect (pcie-root-port)']);
  });
});

describe('GEN-IDX-3: index 0 is the root\'s, the roots index 0', () => {
  it('the messages and fixes for a pcie-root not at 0 and a pci-root not at 0 off pseries', () => {
    const q = of(q35([ctrl('pci-root', 1)], []), 'GEN-IDX-3');
    expect(q.map((f) => f.message)).toEqual(['pci-root controllers must have index 0 on this machine type (only pseries has several PHBs); index 1 found.']);
    const p = of(pseries([ctrl('pcie-root', 2)], []), 'GEN-IDX-3');
    expect(p.map((f) => f.message)).toEqual(['pcie-root controllers must have index 0, not 2.']);
    // pseries has a pci-root (vPHB) per index
    expect(of(pseries([phb(1)], []), 'GEN-IDX-3')).toEqual([]);
  });

  it('a non-root at index 0 on a machine of unknown root: the fix renumbers it to the next free index', () => {
    const d = design({ machine: 'mystery', controllers: [ctrl('pci-bridge', 0), ctrl('pci-bridge', 1)] });
    const got = of(d, 'GEN-IDX-3');
    expect(got.map((f) => [f.message, f.fixes?.map((x) => x.label)])).toEqual([["Index for 'pci-bridge' controllers must be > 0.", ['Renumber the pci-bridge controller to index 2']]]);
    expect(applyCommand(d, got[0]!.fixes![0]!.command).guest.controllers.map((c) => c.index)).toEqual([2, 1]);
  });

  it('on a machine whose root is known, a non-root at 0 is GEN-IDX-2\'s, not this rule\'s', () => {
    expect(of(design({ machine: 'pc-i440fx-7.2', controllers: [ctrl('pci-bridge', 0)] }), 'GEN-IDX-3')).toEqual([]);
  });
});

describe('GEN-IDX-3: roots and indexes libvirt cannot read', () => {
  it('roots at index 0 are right on any machine, also one whose root pcitopo does not know', () => {
    expect(of(design({ machine: 'mystery', controllers: [ctrl('pci-root', 0)] }), 'GEN-IDX-3')).toEqual([]);
    expect(of(design({ machine: 'mystery', controllers: [ctrl('pcie-root', 0)] }), 'GEN-IDX-3')).toEqual([]);
  });

  it('q35 with pci-root at index 0: the wrong root is GEN-IDX-2\'s, its index is right', () => {
    expect(of(q35([ctrl('pci-root', 0)], []), 'GEN-IDX-3')).toEqual([]);
    expect(of(q35([ctrl('pci-root', 0)], []), 'GEN-IDX-2').map((f) => f.ruleId)).toEqual(['GEN-IDX-2']);
  });

  it('a root whose index cannot be read is GEN-IDX-1\'s (libvirt refuses it while parsing), not judged against 0', () => {
    const d = q35([{ ...ctrl('pcie-root', 0), index: undefined, unreadable: ["index='x'"] }, { ...ctrl('pci-root', 0, { key: 'second-root' }), index: undefined, unreadable: ["index='y'"] }], []);
    expect(of(d, 'GEN-IDX-3')).toEqual([]);
    expect(of(d, 'GEN-IDX-1').length).toBe(2);
  });

  it('the removal fixes say why the root goes: the root bus is index 0; only pseries has several root buses', () => {
    expect(of(q35([ctrl('pcie-root', 2)], []), 'GEN-IDX-3').map((f) => f.fixes?.map((x) => x.label))).toEqual([['Remove pcie-root controller index 2: the root bus is index 0']]);
    expect(of(q35([ctrl('pci-root', 1)], []), 'GEN-IDX-3').map((f) => f.fixes?.map((x) => x.label))).toEqual([['Remove pci-root controller index 1: only pseries has several root buses']]);
  });
});

describe('GEN-IDX-4: a controller\'s index against its bus', () => {
  // libvirt qemuDomainAssignPCIAddresses: "PCI controller at index N (0x..) has bus='0x..', but index
  // must be larger than bus"; QEMU creates buses in index order (qdev_device_add: "Bus 'pci.N' not found")
  it('a written bridge on a later bridge: the fixes drop its address or renumber it after its bus, and each clears the finding', () => {
    const d = pseries([ctrl('pci-bridge', 1, { address: at(2, 1), target: { chassisNr: 1 } }), ctrl('pci-bridge', 2, { address: at(0, 1), target: { chassisNr: 2 } })], []);
    const got = of(d, 'GEN-IDX-4');
    expect(got.map((f) => f.subjects)).toEqual([{ controllers: [1] }]);
    const renumber = got[0]!.fixes!.filter((x) => x.command.kind === 'update-controller' && 'index' in x.command.changes);
    expect(renumber.map((x) => x.command)).toEqual([{ kind: 'update-controller', controller: keyOf(d, 1), changes: { index: 3 } }]);
    for (const fix of got[0]!.fixes!) expect(of(applyCommand(d, fix.command), 'GEN-IDX-4'), fix.label).toEqual([]);
  });

  it('who refuses depends on the kind: libvirt checks a pci-bridge only; any other controller it accepts, and QEMU refuses at start', () => {
    // libvirt qemuDomainAssignPCIAddresses: `cont->model == VIR_DOMAIN_CONTROLLER_MODEL_PCI_BRIDGE && idx <= addr->bus`
    const bridge = pseries([ctrl('pci-bridge', 1, { address: at(2, 1), target: { chassisNr: 1 } }), ctrl('pci-bridge', 2, { address: at(0, 1), target: { chassisNr: 2 } })], []);
    expect(of(bridge, 'GEN-IDX-4').map((f) => f.message)).toEqual(["PCI controller at index 1 (pci-bridge) has bus='0x02', but its index must be larger than its bus: libvirt refuses the domain."]);
    // a root port on a downstream port numbered after it: libvirt defines it, QEMU has no bus pci.3 yet
    const port = q35([ctrl('pcie-root-port', 1, { address: at(3, 0), target: { chassis: 1, port: 0 } }), ctrl('pcie-root-port', 2, { address: at(0, 2), target: { chassis: 2, port: 0x10 } }), ctrl('pcie-switch-upstream-port', 4, { address: at(2, 0) }), ctrl('pcie-switch-downstream-port', 3, { address: at(4, 0), target: { chassis: 3, port: 0 } })], []);
    expect(of(port, 'GEN-IDX-4').map((f) => [f.message, f.subjects])).toEqual([
      ["PCI controller at index 1 (pcie-root-port) has bus='0x03': libvirt accepts it, but QEMU creates PCI controllers in index order and refuses to start (\"Bus 'pci.3' not found\"). Its index must be larger than its bus.", { controllers: [1] }],
      ["PCI controller at index 3 (pcie-switch-downstream-port) has bus='0x04': libvirt accepts it, but QEMU creates PCI controllers in index order and refuses to start (\"Bus 'pci.4' not found\"). Its index must be larger than its bus.", { controllers: [3] }],
    ]);
  });

  it('a root written with an address is not judged here (libvirt: "pci-root and pcie-root controllers should not have an address")', () => {
    expect(of(q35([ctrl('pcie-root', 0, { address: at(0, 5) })], []), 'GEN-IDX-4')).toEqual([]);
    expect(of(design({ machine: 'pc-i440fx-7.2', controllers: [ctrl('pci-root', 0, { address: at(0, 5) })] }), 'GEN-IDX-4')).toEqual([]);
  });

  it('libvirt puts an upstream port on the root port numbered after it: the finding names that port, and the renumber fix clears it', () => {
    const d = q35([ctrl('pcie-switch-upstream-port', 1), ctrl('pcie-root-port', 2)], []);
    const got = of(d, 'GEN-IDX-4');
    expect(got.map((f) => [f.message, f.subjects])).toEqual([
      ["libvirt will put pcie-switch-upstream-port controller index 1 on bus 0x02 (pcie-root-port controller index 2), which comes after it: QEMU refuses to start (\"Bus 'pci.2' not found\"). A controller's index must be larger than its bus.", { controllers: [1] }],
    ]);
    expect(got[0]!.fixes!.map((x) => [x.label, x.command])).toEqual([
      ['Renumber pcie-switch-upstream-port controller index 1 to index 3, after its bus', { kind: 'update-controller', controller: keyOf(d, 1), changes: { index: 3 } }],
    ]);
    expect(of(applyCommand(d, got[0]!.fixes![0]!.command), 'GEN-IDX-4')).toEqual([]);
  });

  it('i440fx with bus 0 full: libvirt puts the bridge it places on the first bus with room, its own (index 1 on bus 0x01)', () => {
    const nics = Array.from({ length: 30 }, (_, i) => dev(`nic${i}`, 'interface', at(0, i + 2)));
    const d = design({ machine: 'pc-i440fx-7.2', controllers: [ctrl('pci-root', 0), ctrl('pci-bridge', 1)], devices: nics });
    // libvirt's own check, not QEMU's, refuses a pci-bridge (qemuDomainAssignPCIAddresses)
    expect(of(d, 'GEN-IDX-4').map((f) => [f.message, f.subjects])).toEqual([
      ["libvirt will put pci-bridge controller index 1 on bus 0x01, its own bus: libvirt refuses the domain (\"PCI controller at index 1 (0x01) has bus='0x01', but index must be larger than bus\"). A controller's index must be larger than its bus.", { controllers: [1] }],
    ]);
    // with a free slot on bus 0 it goes there, and all is well
    expect(of({ ...d, guest: { ...d.guest, devices: nics.slice(1) } }, 'GEN-IDX-4')).toEqual([]);
  });

  it('i440fx with bus 0 full and a device without an address: the pci-bridge libvirt adds for it lands on its own bus, and libvirt refuses the domain (review of issue 11: validate said nothing, place\'s output had the error)', () => {
    const nics = Array.from({ length: 30 }, (_, i) => dev(`nic${i}`, 'interface', at(0, i + 2)));
    const d = design({ machine: 'pc-i440fx-7.2', controllers: [ctrl('pci-root', 0)], devices: [...nics, dev('extra', 'interface')] });
    expect(of(d, 'GEN-IDX-4').map((f) => [f.message, f.subjects, f.fixes])).toEqual([
      [
        "libvirt adds pci-bridge index 1 at define for extra, implicit virtio memballoon and, with no free slot on the buses before it, puts it on bus 0x01, its own bus: libvirt refuses the domain (\"PCI controller at index 1 (0x01) has bus='0x01', but index must be larger than bus\"). Free a slot on a bus that exists, or give the devices addresses on a bus with room.",
        { controllers: [1], devices: ['extra'] },
        undefined,
      ],
    ]);
    // one slot free on bus 0: the bridge libvirt adds (controllers are placed first,
    // qemuDomainAssignDevicePCISlots) takes it, and the NIC and the memballoon go on the bridge
    expect(of({ ...d, guest: { ...d.guest, devices: [...nics.slice(1), dev('extra', 'interface')] } }, 'GEN-IDX-4')).toEqual([]);
    // and place's output carries no error the input lacks (issue 11)
    const placed = place(d, { policy: 'libvirt' });
    const ids = (x: Design): string[] => validate(x).filter((f) => f.severity === 'error').map((f) => f.ruleId);
    expect(ids(placed).filter((id) => !ids(d).includes(id))).toEqual([]);
  });

  it('a written controller is judged once, on its written address, also when libvirt places another one', () => {
    const d = pseries([ctrl('pci-bridge', 1, { address: at(2, 1), target: { chassisNr: 1 } }), ctrl('pci-bridge', 2, { address: at(0, 1), target: { chassisNr: 2 } }), ctrl('pci-bridge', 3)], []);
    expect(of(d, 'GEN-IDX-4').map((f) => f.subjects)).toEqual([{ controllers: [1] }]);
  });

  it('a controller left to libvirt whose index cannot be read is GEN-IDX-1\'s (libvirt refuses it while parsing), not judged against its bus', () => {
    const d = q35([{ ...ctrl('pcie-switch-upstream-port', 1), index: undefined, unreadable: ["index='one'"] }, ctrl('pcie-root-port', 2)], []);
    expect(of(d, 'GEN-IDX-4')).toEqual([]);
    expect(of(d, 'GEN-IDX-1').length).toBe(1);
  });

  it('a controller libvirt cannot place (a downstream port with no upstream port: libvirt adds none) is not this rule\'s', () => {
    expect(of(q35([ctrl('pcie-switch-downstream-port', 1)], []), 'GEN-IDX-4')).toEqual([]);
  });
});

describe('GEN-IDX-1: the words of each unreadable number, and whose they are (mut8)', () => {
  it('a PCI controller\'s ports, a controller device\'s ports and index: libvirt\'s message quoted', () => {
    const d = q35([{ ...ctrl('pcie-root-port', 1), unreadable: ["ports='x'"] }], [
      dev('vs', 'controller', undefined, { type: 'virtio-serial', index: 0, unreadableAttributes: ["ports='0x10'"], label: 'virtio-serial controller vs' }),
      dev('usb', 'controller', undefined, { type: 'usb', model: 'qemu-xhci', unreadableIndex: 'x', label: 'usb controller' }),
    ]);
    expect(of(d, 'GEN-IDX-1').map((f) => [f.message, f.subjects]).sort()).toEqual([
      ['pcie-root-port controller index 1 has ports=\'x\': libvirt refuses the domain ("Invalid value for attribute \'ports\' in element \'controller\': \'x\'. Expected integer value").', { controllers: [1] }],
      ['usb controller has index=\'x\': libvirt expects a non-negative integer and refuses the domain ("Invalid value for attribute \'index\' in element \'controller\': \'x\'. Expected integer value").', { devices: ['usb'] }],
      ['virtio-serial controller vs has ports=\'0x10\': libvirt expects a non-negative integer and refuses the domain ("Invalid value for attribute \'ports\' in element \'controller\': \'0x10\'. Expected integer value").', { devices: ['vs'] }],
    ]);
  });

  it('an unreadable address attribute of a controller device is not an index or a count: not this rule\'s', () => {
    const usb = dev('usb', 'controller', undefined, { type: 'usb', model: 'qemu-xhci', index: 0, unreadableAttributes: ["address bus='x'"] });
    expect(of(q35([], [usb]), 'GEN-IDX-1')).toEqual([]);
  });
});

/**
 * GEN-IDX-1's NUMA numbers (mut10): an id libvirt cannot read (Guest.unreadable; virXMLPropUInt base 10
 * in virDomainNumaDefParseXML / virDomainNumatuneNodeParseXML, src/conf/numa_conf.c), then the
 * numbering it refuses (src/engine/libvirt/numaConf.ts), each in libvirt 9.0's words.
 */
describe('GEN-IDX-1: NUMA cell ids and memnode cellids (mut10)', () => {
  const numa = (d: Design): string[] => of(d, 'GEN-IDX-1').map((f) => f.message);

  it("a cell id and a memnode cellid libvirt cannot read: the element, the attribute as written, and libvirt's words", () => {
    const d = design({ ...q35([], [], undefined, { numaCells: 1 }).guest, numaCells: [{ id: 0 }, { id: undefined }], unreadable: ["cell id='0x1'", "memnode cellid='x'"] });
    expect(numa(d)).toEqual([
      "<cell> has id='0x1': libvirt expects a non-negative base-10 integer and refuses the domain (\"Invalid value for attribute 'id' in element 'cell': '0x1'. Expected non-negative integer value\").",
      "<memnode> has cellid='x': libvirt expects a non-negative base-10 integer and refuses the domain (\"Invalid value for attribute 'cellid' in element 'memnode': 'x'. Expected non-negative integer value\").",
    ]);
  });

  it('cell ids 0 and 2: every id listed, the range 0 to n-1, and libvirt\'s words', () => {
    expect(numa(design({ ...q35([], []).guest, numaCells: [{ id: 0 }, { id: 2 }] }))).toEqual([
      "The NUMA cell ids (0, 2) are not 0 to 1, each once: libvirt refuses the domain (\"Exactly one 'cell' element per guest NUMA cell allowed, non-contiguous ranges or ranges not starting from 0 are not allowed\").",
    ]);
  });

  it('cell id 5 beside one libvirt cannot read: the unreadable one shows as "?", and both findings', () => {
    const d = design({ ...q35([], []).guest, numaCells: [{ id: 5 }, { id: undefined }], unreadable: ["cell id='-1'"] });
    expect(numa(d)).toEqual([
      "<cell> has id='-1': libvirt expects a non-negative base-10 integer and refuses the domain (\"Invalid value for attribute 'id' in element 'cell': '-1'. Expected non-negative integer value\").",
      "The NUMA cell ids (5, ?) are not 0 to 1, each once: libvirt refuses the domain (\"Exactly one 'cell' element per guest NUMA cell allowed, non-contiguous ranges or ranges not starting from 0 are not allowed\").",
    ]);
  });

  it('memnodes for cells 0 and 2 of 2: every cellid listed, the number of cells, and libvirt\'s words', () => {
    expect(numa(q35([], [], undefined, { numaCells: 2, memnodes: { 0: '0', 2: '0' } }))).toEqual([
      "The <numatune> memnodes (cellids 0, 2; 2 cells) are not what libvirt reads: it refuses the domain (\"Argument 'cellid' in memnode element must correspond to existing guest's NUMA cell\"). Each <memnode> names a cell by its cellid, no cell twice, with a nodeset of host nodes and, if written, a mode of strict, preferred, interleave or restrictive.",
    ]);
  });
});

describe('GEN-IDX-1: the memnode without a cellid is listed as such', () => {
  it('(none) stands for the cellid not written', () => {
    const d = design({ ...q35([], [], undefined, { numaCells: 2 }).guest, memnodesWritten: [{ nodeset: '0' }] });
    expect(of(d, 'GEN-IDX-1').map((f) => f.message.slice(0, 60))).toEqual(['The <numatune> memnodes (cellids (none); 2 cells) are not wh']);
  });
});

describe('GEN-IDX-1: controllers libvirt adds past index 255 at define', () => {
  // an expander bus gives room for root ports beyond pcie-root's: libvirt adds one per NIC from index 2
  const nics = (n: number) => [
    ...Array.from({ length: n }, (_, i) => dev(`net${i}`, 'interface', undefined, { model: 'virtio' })),
    dev('usb', 'controller', undefined, { type: 'usb', model: 'none' }),
    dev('mb', 'memballoon', undefined, { model: 'none' }),
  ];
  const advice = "libvirt gives each PCIe device it places a root port of its own, so leave fewer devices without an address, or write their addresses so several share a bus (the functions of one slot, a pcie-to-pci-bridge).";

  it('one: its model and index, and libvirt\'s words with that index', () => {
    expect(of(q35([ctrl('pcie-expander-bus', 1)], nics(255)), 'GEN-IDX-1').map((f) => [f.message, f.subjects])).toEqual([
      [`At define, libvirt adds 1 PCI controller past index 255 for the buses the devices and controllers written without an address need (the first, a pcie-root-port, index 256) and refuses the domain ("PCI controller index 256 too high, maximum is 255"): ${advice}`, {}],
    ]);
  });

  it('three: counted, the first named', () => {
    expect(of(q35([ctrl('pcie-expander-bus', 1)], nics(257)), 'GEN-IDX-1').map((f) => f.message)).toEqual([
      `At define, libvirt adds 3 PCI controllers past index 255 for the buses the devices and controllers written without an address need (the first, a pcie-root-port, index 256) and refuses the domain ("PCI controller index 256 too high, maximum is 255"): ${advice}`,
    ]);
  });

  it('not while an index as written is refused already (libvirt\'s parser stops there)', () => {
    const d = q35([ctrl('pcie-expander-bus', 1), ctrl('pci-bridge', 300)], nics(260));
    expect(of(d, 'GEN-IDX-1').map((f) => f.message)).toEqual(['PCI controller index 300 is out of range: the maximum is 255.']);
  });
});
