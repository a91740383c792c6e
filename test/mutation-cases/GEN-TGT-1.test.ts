import { describe, expect, it } from 'vitest';
import { applyCommand } from '../../src/engine/commands/commands.ts';
import { findingsOf } from './alone.ts';
import { ctrl, design, dev } from '../../src/engine/rules/testkit.ts';
import type { ControllerTarget } from '../../src/engine/model/guest.ts';
import type { Design } from '../../src/engine/model/design.ts';
import type { Finding } from '../../src/engine/rules/types.ts';

/**
 * GEN-TGT-1 attribute by attribute (issue 11; docs/mutation.md): which controller models take
 * each <target> attribute (libvirt qemuValidateDomainDeviceDefControllerPCI, "Option … is not
 * valid for PCI controller") and the ranges of virDomainControllerDefValidate, at both edges.
 */

const of = (d: Design): Finding[] => findingsOf(d, 'GEN-TGT-1');
const one = (machine: 'q35' | 'pseries', model: string, target: ControllerTarget): Design => design({ machine, controllers: [ctrl(model, 3, { target })] });

// [attribute, value, machine, models that take it, models that do not]
const TAKES: ReadonlyArray<readonly [keyof ControllerTarget, number | 'on', 'q35' | 'pseries', readonly string[], readonly string[]]> = [
  ['chassisNr', 1, 'q35', ['pci-bridge'], ['pcie-root-port']],
  ['chassis', 3, 'q35', ['pcie-root-port', 'pcie-switch-downstream-port'], ['pci-bridge']],
  ['port', 8, 'q35', ['pcie-root-port', 'pcie-switch-downstream-port'], ['pci-bridge']],
  ['busNr', 100, 'q35', ['pci-expander-bus', 'pcie-expander-bus'], ['pci-bridge']],
  ['index', 3, 'pseries', ['pci-root'], ['pci-bridge']],
  ['index', 3, 'q35', [], ['pci-root']],
  ['node', 0, 'pseries', ['pci-root', 'pci-expander-bus', 'pcie-expander-bus'], ['pci-bridge']],
  ['node', 0, 'q35', [], ['pci-root']],
  ['hotplug', 'on', 'q35', ['pci-root', 'pcie-root-port', 'pcie-switch-downstream-port'], ['pci-bridge']],
  ['memReserve', 1024, 'q35', ['pcie-root-port', 'pci-bridge'], ['pcie-switch-downstream-port']],
];

describe('GEN-TGT-1: which models take which <target> attribute', () => {
  for (const [attr, value, machine, yes, no] of TAKES) {
    for (const model of yes) {
      it(`${attr} on a ${model} (${machine}) is taken`, () => {
        expect(of(one(machine, model, { [attr]: value }))).toEqual([]);
      });
    }
    for (const model of no) {
      it(`${attr} on a ${model} (${machine}) is refused, and the fix removes it`, () => {
        const d = one(machine, model, { [attr]: value });
        const got = of(d);
        expect(got.map((f) => [f.message, f.subjects])).toEqual([[`${model} controller index 3: option '${attr}' is not valid for a ${model}.`, { controllers: [3] }]]);
        expect(got[0]?.fixes?.map((x) => x.label)).toEqual([`Remove the options ${model} does not take`]);
        const fixed = applyCommand(d, got[0]!.fixes![0]!.command);
        expect(fixed.guest.controllers[0]?.target[attr]).toBeUndefined();
        expect(of(fixed)).toEqual([]);
      });
    }
  }
});

describe('GEN-TGT-1: ranges (virDomainControllerDefValidate), at both edges', () => {
  const EDGES: ReadonlyArray<readonly [keyof ControllerTarget, string, number, number, string]> = [
    ['chassisNr', 'pci-bridge', 1, 255, '1-255'],
    ['chassis', 'pcie-root-port', 0, 255, '0-255'],
    ['port', 'pcie-root-port', 0, 255, '0-255'],
    ['busNr', 'pcie-expander-bus', 1, 254, '1-254'],
  ];
  for (const [attr, model, lo, hi, range] of EDGES) {
    it(`${attr} ${lo} and ${hi} are in range, ${lo - 1} and ${hi + 1} are not (no fix: the value is the user's to choose)`, () => {
      // an expander at index 1 with no USB controller nor memballoon: otherwise libvirt adds root ports (for an index gap, for
      // its default devices) whose buses, from 1 up, busNr 1 collides with (busNrRoom)
      const index = attr === 'busNr' ? 1 : 3;
      const none = attr === 'busNr' ? [dev('usb', 'controller', undefined, { type: 'usb', model: 'none' }), dev('mb', 'memballoon', undefined, { model: 'none' })] : [];
      const mk = (target: ControllerTarget): Design => design({ machine: 'q35', controllers: [ctrl(model, index, { target })], devices: none });
      expect(of(mk({ [attr]: lo }))).toEqual([]);
      expect(of(mk({ [attr]: hi }))).toEqual([]);
      for (const bad of [lo - 1, hi + 1]) {
        const got = of(mk({ [attr]: bad }));
        expect(got.map((f) => [f.message, f.fixes])).toEqual([[`${model} controller index ${index}: ${attr} ${bad} is out of range ${range}.`, undefined]]);
      }
    });
  }

  it('memReserve has no upper bound: 0 is out of range "1-"', () => {
    expect(of(one('q35', 'pcie-root-port', { memReserve: 1 }))).toEqual([]);
    expect(of(one('q35', 'pcie-root-port', { memReserve: 0 })).map((f) => f.message)).toEqual(['pcie-root-port controller index 3: memReserve 0 is out of range 1-.']);
  });

  it('several problems in one finding; with a value out of range or unreadable there is no fix', () => {
    const got = of(one('q35', 'pci-bridge', { chassisNr: 0, chassis: 3 }));
    expect(got.map((f) => [f.message, f.fixes])).toEqual([["pci-bridge controller index 3: chassisNr 0 is out of range 1-255; option 'chassis' is not valid for a pci-bridge.", undefined]]);
    const unreadable = of(design({ machine: 'q35', controllers: [ctrl('pci-bridge', 3, { target: { chassis: 3 }, unreadable: ["target chassisNr='x'", "index='y'"] })] }));
    expect(unreadable.map((f) => [f.message, f.fixes])).toEqual([["pci-bridge controller index 3: chassisNr='x' cannot be read as a number; option 'chassis' is not valid for a pci-bridge.", undefined]]);
  });
});

describe('GEN-TGT-1: hotplug\'s words, the fix keeps what the model takes, an attribute cleared (mut8)', () => {
  it('hotplug libvirt cannot read is not on or off (virXMLPropTristateSwitch), not "a number"', () => {
    // libvirt 9.0: "Invalid value for attribute 'hotplug' in element 'target': 'default'."
    const d = design({ machine: 'q35', controllers: [ctrl('pcie-root-port', 3, { unreadable: ["target hotplug='default'"] })] });
    expect(of(d).map((f) => f.message)).toEqual(["pcie-root-port controller index 3: hotplug='default' cannot be read as on or off."]);
  });

  it('a <node> libvirt cannot read (element text, virXPathInt base 10): said as the element, with libvirt\'s words (mut10)', () => {
    // libvirt 9.0 and 10.7, virDomainControllerDefParseXML: "invalid NUMA node in target"
    const d = design({ machine: 'q35', controllers: [ctrl('pcie-expander-bus', 3, { unreadable: ["target node='0x1'"], target: { busNr: 254 } })] });
    expect(of(d).map((f) => [f.message, f.fixes])).toEqual([['pcie-expander-bus controller index 3: <node>0x1</node> cannot be read as a number ("invalid NUMA node in target").', undefined]]);
  });

  it('the fix removes only the options the model does not take', () => {
    const got = of(one('q35', 'pci-bridge', { chassisNr: 1, chassis: 3 }));
    expect(got.map((f) => f.fixes?.map((x) => x.command))).toEqual([[{ kind: 'update-controller', controller: 'pci-3', changes: { target: { chassisNr: 1 } } }]]);
  });

  it('a target key holding undefined (an optional field spread in) is no attribute', () => {
    expect(of(one('q35', 'pci-bridge', { chassisNr: 1, chassis: undefined }))).toEqual([]);
  });

  it('a controller whose index libvirt cannot read has no index to name', () => {
    const d = design({ machine: 'q35', controllers: [{ ...ctrl('pcie-root-port', 3, { unreadable: ["index='y'"], target: { chassis: 300 } }), index: undefined }] });
    expect(of(d).map((f) => f.subjects)).toEqual([{ controllers: [] }]);
  });
});

describe('GEN-TGT-1: a memReserve libvirt 9.x drops', () => {
  const port = (target: ControllerTarget, model = 'pcie-root-port'): Design => one('q35', model, target);
  const severities = (d: Design, v: string | undefined) => findingsOf(d, 'GEN-TGT-1', v).map((f) => f.severity);

  it('judged as 9.x a warning naming the value, as 10.x (and by default) nothing', () => {
    const d = port({ chassis: 3, port: 8, memReserve: 65536 });
    expect([severities(d, '9.0'), severities(d, '9.5.0'), severities(d, '10.3'), severities(d, '10.7'), severities(d, undefined)]).toEqual([['warning'], ['warning'], [], [], []]);
    expect(findingsOf(d, 'GEN-TGT-1', '9.0')[0]?.message).toContain('the 65536 KiB asked for');
    expect(severities(port({ chassisNr: 3, memReserve: 1024 }, 'pci-bridge'), '9.0')).toEqual(['warning']);
  });

  it('a memReserve libvirt refuses anyway (wrong model, 0) is the error alone, whatever the release', () => {
    expect(severities(port({ memReserve: 1024 }, 'pcie-switch-downstream-port'), '9.0')).toEqual(['error']);
    expect(severities(port({ chassis: 3, port: 8, memReserve: 0 }), '9.0')).toEqual(['error']);
  });

  it('no memReserve: nothing as 9.0', () => {
    expect(severities(port({ chassis: 3, port: 8 }), '9.0')).toEqual([]);
  });
});
