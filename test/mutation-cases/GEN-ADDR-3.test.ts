import { describe, expect, it } from 'vitest';
import { applyCommand } from '../../src/engine/commands/commands.ts';
import { findingsOf } from './alone.ts';
import { at, ctrl, dev, design, pseries, q35, rootPort } from '../../src/engine/rules/testkit.ts';
import type { Design } from '../../src/engine/model/design.ts';
import type { Finding } from '../../src/engine/rules/types.ts';

/**
 * GEN-ADDR-3's branches beyond its case table (issue 11; docs/mutation.md): libvirt's
 * VIR_PCI_ADDRESS_SLOT_LAST / FUNCTION_LAST bounds on both sides, the per-bus minimum slot of
 * virDomainPCIAddressBusSetModel on each family, and addresses libvirt cannot read.
 */

const of = (d: Design): Finding[] => findingsOf(d, 'GEN-ADDR-3');
const messages = (d: Design): string[] => of(d).map((f) => f.message);

describe('GEN-ADDR-3: slot and function in range', () => {
  it('a negative slot or function is refused like one past the end', () => {
    expect(of(q35([], [dev('nic', 'interface', at(0, -1))])).map((f) => f.subjects)).toEqual([{ devices: ['nic'] }]);
    expect(of(q35([], [dev('nic', 'interface', at(0, 3, -1))])).map((f) => f.subjects)).toEqual([{ devices: ['nic'] }]);
    // on a bus no controller has yet (libvirt adds it), only the range check can refuse it
    expect(of(q35([], [dev('nic', 'interface', at(3, -1))])).map((f) => f.subjects)).toEqual([{ devices: ['nic'] }]);
  });

  it('function 8: the message names the device, its address and the limit, and the fix moves it to a free slot', () => {
    const d = q35([], [dev('nic', 'interface', at(0, 3, 8))]);
    expect(messages(d)).toEqual(['nic at bus 0x00 slot 0x03 function 0x8: function must be <= 7.']);
    const fix = of(d)[0]?.fixes?.[0];
    expect(fix?.label).toBe('Move nic to slot 0x01 of bus 0x00');
    expect(of(applyCommand(d, fix!.command))).toEqual([]);
  });

  it('slot 0 on a pci-bridge: the message gives the bridge\'s minimum slot', () => {
    expect(messages(q35([ctrl('pci-bridge', 1, { address: at(0, 2) })], [dev('nic', 'interface', at(1, 0), { model: 'e1000' })]))).toEqual(['nic at bus 0x01 slot 0x00 function 0x0: slot must be >= 1 on a pci-bridge.']);
  });

  it('slot 0 of an i440fx pci-root is refused here (only a pseries vPHB leaves slot 0 to PAPR-SLOT-1)', () => {
    const d = design({ machine: 'pc', controllers: [ctrl('pci-root', 0)], devices: [dev('nic', 'interface', at(0, 0), { model: 'e1000' })] });
    expect(messages(d)).toEqual(['nic at bus 0x00 slot 0x00 function 0x0: slot must be >= 1 on a pci-root.']);
  });

  it('a controller out of range is named by index and gets no fix (moving it would move its subtree)', () => {
    expect(of(q35([rootPort(1, 2, 0, { address: at(0, 40) })], [])).map((f) => [f.message, f.subjects, f.fixes])).toEqual([['controller 1 at bus 0x00 slot 0x28 function 0x0: slot must be <= 31.', { controllers: [1] }, undefined]]);
  });

  it('under a downstream port, slot 0 is in range and another slot is left to the port rules', () => {
    const d = q35(
      [rootPort(1, 2), ctrl('pcie-switch-upstream-port', 2, { address: at(1, 0) }), ctrl('pcie-switch-downstream-port', 3, { address: at(2, 0), target: { chassis: 3, port: 0 } })],
      [dev('a', 'interface', at(3, 0), { model: 'e1000e' }), dev('b', 'interface', at(3, 1), { model: 'e1000e' })],
    );
    expect(of(d)).toEqual([]);
  });
});

describe('GEN-ADDR-3: addresses libvirt cannot read (virStrToLong_uip in virPCIDeviceAddressParseXML)', () => {
  it('a device: the message quotes the attribute, and the fix clears the address for libvirt to assign', () => {
    const d = pseries([], [dev('nic', 'interface', undefined, { otherAddressType: 'pci', unreadable: ["slot='09'"] })]);
    const got = of(d);
    expect(got.map((f) => f.message)).toEqual(["nic: its PCI address has slot='09', which libvirt cannot read (a whole decimal, 0x hex or 0-prefixed octal number, with nothing after it)."]);
    expect(got[0]?.fixes?.map((x) => x.label)).toEqual(['Clear the address of nic (libvirt assigns one)']);
    const cleared = applyCommand(d, got[0]!.fixes![0]!.command);
    expect(cleared.guest.devices.find((x) => x.key === 'nic')?.address).toBeUndefined();
  });

  it('a controller: only its address attributes count, each quoted without the "address " prefix', () => {
    expect(messages(q35([rootPort(1, 2, 0, { address: undefined, unreadable: ["address bus='0x01 '", "target chassis='x'"] })], []))).toEqual(["pcie-root-port controller index 1: its PCI address has bus='0x01 ', which libvirt cannot read."]);
    expect(of(q35([rootPort(1, 2, 0, { unreadable: ["target chassis='x'"] })], []))).toEqual([]);
  });

  it('two unreadable attributes are listed with a comma, for a device and for a controller', () => {
    expect(messages(q35([], [dev('vda', 'disk', undefined, { otherAddressType: 'pci', unreadable: ["slot='0xzz'", "bus='b'"] })]))).toEqual([
      "vda: its PCI address has slot='0xzz', bus='b', which libvirt cannot read (a whole decimal, 0x hex or 0-prefixed octal number, with nothing after it).",
    ]);
    expect(messages(q35([rootPort(1, 2, 0, { address: undefined, unreadable: ["address slot='0xzz'", "address function='q'"] })], []))).toEqual([
      "pcie-root-port controller index 1: its PCI address has slot='0xzz', function='q', which libvirt cannot read.",
    ]);
  });

  it('a controller whose index cannot be read either: no index among the subjects', () => {
    const port = ctrl('pcie-root-port', undefined, { unreadable: ["index='x'", "address slot='0xzz'"] });
    expect(of(q35([port], [])).map((f) => [f.message, f.subjects])).toEqual([["pcie-root-port controller index (none): its PCI address has slot='0xzz', which libvirt cannot read.", { controllers: [] }]]);
  });
});

describe('GEN-ADDR-3: where libvirt puts the address first', () => {
  it('a conventional device written on the bus libvirt adds a root port for: judged where libvirt bumps it (the pcie-to-pci-bridge behind it), saying so', () => {
    // qemuDomainPCIAddressSetCreate -> virDomainPCIAddressSetGrow adds pcie-root-port 1 + pcie-to-pci-bridge 2 and moves the rtl8139 to bus 2, slot 0 kept
    const d = q35([ctrl('pcie-root-port', 1, { implicit: true }), ctrl('pcie-to-pci-bridge', 2, { implicit: true })], [dev('nic', 'interface', at(1, 0), { model: 'rtl8139' })]);
    expect(messages(d)).toEqual(['nic at bus 0x02 slot 0x00 function 0x0 (written on bus 0x01, where libvirt adds a pcie-root-port for the pcie-to-pci-bridge it puts the device on): slot must be >= 1 on a pcie-to-pci-bridge.']);
  });

  it('a bus no controller has yet, or one of a model libvirt does not know: only the 0-31 / 0-7 range is judged here', () => {
    // the missing bus is GEN-ADDR-2's, the unknown model GEN-MODEL-*'s
    expect(of(q35([], [dev('vda', 'disk', at(3, 0))]))).toEqual([]);
    expect(of(q35([ctrl('frob-bridge', 1, { address: at(0, 2) })], [dev('vda', 'disk', at(1, 0))]))).toEqual([]);
  });

  it('a controller out of range whose index cannot be read is named so, with no index among the subjects', () => {
    const port = ctrl('pcie-root-port', undefined, { address: at(0, 40), unreadable: ["index='x'"] });
    expect(of(q35([port], [])).map((f) => [f.message, f.subjects])).toEqual([['controller (index unreadable) at bus 0x00 slot 0x28 function 0x0: slot must be <= 31.', { controllers: [] }]]);
  });
});

describe('GEN-ADDR-3: what libvirt expects of each unreadable attribute, and whose it is (mut8)', () => {
  it('multifunction is read as on or off (virXMLPropTristateSwitch); with a number beside it, the number\'s words', () => {
    const mf = (unreadable: string[]) => messages(q35([], [dev('nic', 'interface', undefined, { otherAddressType: 'pci', unreadable })]));
    expect(mf(["multifunction='yes'"])).toEqual(["nic: its PCI address has multifunction='yes', which libvirt cannot read (multifunction is on or off)."]);
    expect(mf(["multifunction='yes'", "slot='x'"])).toEqual(["nic: its PCI address has multifunction='yes', slot='x', which libvirt cannot read (a whole decimal, 0x hex or 0-prefixed octal number, with nothing after it)."]);
  });

  it('a drive <address>: each attribute quoted without "address ", joined by a comma; a host <source> address is not this rule\'s', () => {
    const disk = dev('sda', 'disk', undefined, { bus: 'scsi', unreadableAttributes: ["address controller='x'", "address unit='-1'"] });
    expect(messages(q35([], [disk]))).toEqual(["sda: its <address> has controller='x', unit='-1', which libvirt cannot read as a non-negative integer, and it refuses the domain."]);
    // HD-SRC-1's: libvirt reads the host address of the device passed through, not where the guest has it
    const hostdev = dev('hd', 'hostdev', undefined, { unreadableAttributes: ["source address bus='x'"] });
    expect(of(q35([], [hostdev]))).toEqual([]);
  });
});
