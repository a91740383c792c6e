import { describe, expect, it } from 'vitest';
import { findingsOf } from './alone.ts';
import { deviceArguments } from '../../src/engine/rules/GEN-CMDLINE-1.ts';
import { at, ctrl, dev, q35, rootPort } from '../../src/engine/rules/testkit.ts';
import type { QemuOverride } from '../../src/engine/model/guest.ts';

/**
 * GEN-CMDLINE-1's words beyond its case table (issue 11; docs/mutation.md): what a `<qemu:override>`
 * does to which device or controller (qemuBuildDeviceCommandlineHandleOverrides sets or removes the
 * property on the device of that alias), and each `-device` value of `<qemu:commandline>`
 * (qemuBuildCommandLine appends them unchecked; QEMU's lookup_opt reads `--device` as `-device`).
 */
const withOverrides = (qemuOverrides: readonly QemuOverride[], controllers = [{ ...rootPort(1, 1), alias: 'ua-port' }]) => {
  const d = q35(controllers, [dev('net', 'interface', at(1, 0), { model: 'e1000e', alias: 'ua-net', label: 'NIC net' })]);
  return { ...d, guest: { ...d.guest, qemuOverrides } };
};
const of = (d: ReturnType<typeof q35>) => findingsOf(d, 'GEN-CMDLINE-1').map((f) => [f.message, f.subjects]);
const tail = ': libvirt passes it to QEMU unchecked, so QEMU places it elsewhere than the XML, and this design, say (pcitopo checks the placement libvirt writes). Remove the override and set the address in the device\'s own <address>.';

describe('GEN-CMDLINE-1: what an override does, and to what', () => {
  it('a property set on a device, one removed from a root port, one on an alias nobody has', () => {
    const got = of(
      withOverrides([
        { alias: 'ua-net', name: 'addr', type: 'string', value: '0x7' },
        { alias: 'ua-port', name: 'chassis', type: 'remove' },
        { alias: 'net0', name: 'multifunction', type: 'bool', value: 'true' },
      ]),
    );
    // validate orders findings by subject: compare as a set
    expect(got).toHaveLength(3);
    expect(got).toEqual(expect.arrayContaining([
      [`<qemu:override> sets addr=0x7 on NIC net${tail}`, { devices: ['net'] }],
      [`<qemu:override> removes chassis on pcie-root-port controller 1${tail}`, { controllers: [1] }],
      [`<qemu:override> sets multifunction=true on the device with alias 'net0'${tail}`, {}],
    ]));
  });

  it('a property set without a value reads as empty; a controller written without an index has no subject', () => {
    const noIndex = { ...ctrl('pcie-root-port', 1), alias: 'ua-port', index: undefined };
    expect(of(withOverrides([{ alias: 'ua-port', name: 'port', type: 'unsigned' }], [noIndex]))).toEqual([[`<qemu:override> sets port= on pcie-root-port controller (index unreadable)${tail}`, {}]]);
  });
});

describe('GEN-CMDLINE-1: -device arguments', () => {
  it('each -device or --device value, and none from a trailing -device', () => {
    expect(deviceArguments(['-device', 'a', '-S', '--device', 'b', '-device'])).toEqual(['a', 'b']);
    expect(deviceArguments(['-device'])).toEqual([]);
    expect(deviceArguments([])).toEqual([]);
  });

  it('the finding names the value passed', () => {
    const d = q35([], []);
    expect(of({ ...d, guest: { ...d.guest, qemuArgs: ['-device', 'pci-testdev,addr=0x5'] } })).toEqual([
      [
        "<qemu:commandline> passes -device pci-testdev,addr=0x5 to QEMU: libvirt appends it to QEMU's command line unchecked, and pcitopo does not check the devices QEMU arguments add (their bus, slot and host device are not in this design). Give the device its own element in <devices> so libvirt, and pcitopo, place and check it.",
        {},
      ],
    ]);
  });
});
