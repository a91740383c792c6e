import { describe, expect, it } from 'vitest';
import { applyCommand } from '../../src/engine/commands/commands.ts';
import { findingsOf } from './alone.ts';
import { at, dev, hostdev, q35 } from '../../src/engine/rules/testkit.ts';
import type { Design } from '../../src/engine/model/design.ts';
import type { Finding } from '../../src/engine/rules/types.ts';

/**
 * HD-SRC-1's branches beyond its case table (issue 11; docs/mutation.md): libvirt's
 * virDomainHostdevDefParseXMLSubsys ("missing type in hostdev", "Missing <source> element in
 * hostdev device") and an <interface type='hostdev'> without its PCI source.
 */

const of = (d: Design): Finding[] => findingsOf(d, 'HD-SRC-1');

describe('HD-SRC-1: a PCI hostdev names its host device', () => {
  it('each kind says what libvirt says, and the fix removes the device', () => {
    const d = q35([], [dev('h0', 'hostdev'), dev('h1', 'hostdev', at(0, 2), { type: 'pci', mode: 'subsystem' }), dev('n0', 'interface', undefined, { type: 'hostdev' })]);
    const got = of(d);
    expect(got.map((f) => [f.message, f.subjects])).toEqual([
      ['h0 has no type: libvirt refuses it ("missing type in hostdev"). Write type=\'pci\' with the host device\'s <source><address …/>.', { devices: ['h0'] }],
      ['h1 has no host address libvirt can read (<source><address domain bus slot function/>): libvirt refuses it ("Missing <source> element in hostdev device").', { devices: ['h1'] }],
      ['n0 has no host address libvirt can read (<source><address type=\'pci\' …/>): libvirt refuses it.', { devices: ['n0'] }],
    ]);
    expect(got.map((f) => f.fixes?.map((x) => x.label))).toEqual([['Remove h0'], ['Remove h1'], ['Remove n0']]);
    let fixed = d;
    for (const f of got) fixed = applyCommand(fixed, f.fixes![0]!.command);
    expect(fixed.guest.devices).toEqual([]);
    expect(of(fixed)).toEqual([]);
  });

  it('not judged: a capabilities hostdev even typed pci, a hostdev of another type, an interface of another type, a hostdev and an interface with their source', () => {
    const d = q35([], [
      dev('caps', 'hostdev', undefined, { type: 'pci', mode: 'capabilities' }),
      dev('mdev', 'hostdev', undefined, { type: 'mdev', mode: 'subsystem' }),
      dev('net', 'interface', undefined, { type: 'network' }),
      hostdev('0000:01:00.0'),
      hostdev('0000:02:00.0', undefined, { key: 'vf', element: 'interface', type: 'hostdev' }),
    ]);
    expect(of(d)).toEqual([]);
  });
});

describe('HD-SRC-1: a host address out of a PCI address\'s range (virPCIDeviceAddressParseXML, virPCIDeviceAddressIsValid)', () => {
  const src = (domain: number, bus: number, slot: number, fn: number): Design => q35([], [hostdev('0000:01:00.0', undefined, { key: 'h', hostAddress: { domain, bus, slot, function: fn } })]);
  it('says libvirt\'s own message for the first field out of range (bus, then slot, then function)', () => {
    expect(of(src(0, 0x100, 0x20, 8)).map((f) => f.message)).toEqual([
      'hostdev 0000:01:00.0 names a host address libvirt refuses to read ("Invalid PCI address bus=\'0x100\', must be <= 0xFF"): the domain cannot be defined. Write the host device\'s address as lspci shows it (bus 0-0xff, slot 0-0x1f, function 0-7).',
    ]);
    expect(of(src(0, 1, 0x20, 8))[0]?.message).toContain("(\"Invalid PCI address slot='0x20', must be <= 0x1F\")");
    expect(of(src(0, 1, 0, 8))[0]?.message).toContain('("Invalid PCI address function=0x8, must be <= 7")');
    expect(of(src(0, 1, 0x1f, 7))).toEqual([]);
  });
  it('an empty address (domain, bus and slot 0) is not checked by the parser, whatever its function', () => {
    expect(of(src(0, 0, 0, 9))).toEqual([]);
    expect(of(src(1, 0, 0, 8))).toHaveLength(1);
    expect(of(src(0, 1, 0, 8))).toHaveLength(1);
    expect(of(src(0, 0, 1, 8))).toHaveLength(1);
  });
});

describe('HD-SRC-1: a host address libvirt cannot read (mut10)', () => {
  // libvirt 9.0: "Invalid value for attribute 'bus' in element 'address': 'x'. Expected non-negative integer value"
  it('names each unreadable field of the <source> address as written, not those of the guest address, and says libvirt refuses it at parse', () => {
    const d = q35([], [dev('h', 'hostdev', undefined, { type: 'pci', mode: 'subsystem', label: 'hostdev h', unreadableAttributes: ["address slot='z'", "source address bus='x'", "source address function='0x9'"] })]);
    expect(of(d).map((f) => [f.message, f.subjects])).toEqual([
      ["hostdev h names a host address libvirt cannot read (bus='x', function='0x9'): libvirt refuses it at parse (\"Invalid value for attribute … in element 'address'\"). Write the host device's address as lspci shows it.", { devices: ['h'] }],
    ]);
  });
});
