import { describe, expect, it } from 'vitest';
import { applyCommand } from '../../src/engine/commands/commands.ts';
import { at, dev, q35 } from '../../src/engine/rules/testkit.ts';
import type { Design } from '../../src/engine/model/design.ts';
import type { Finding } from '../../src/engine/rules/types.ts';
import { findingsOf } from './alone.ts';

/**
 * GEN-SOUND-1's branches beyond its case table (issue 11; docs/mutation.md): libvirt's QEMU driver
 * has no device for `<sound model='ich7'>` (qemuDomainDeviceCalculatePCIConnectFlags gives it no
 * connect flags, src/qemu/qemu_domain_address.c): unaddressed, virDomainPCIAddressSetGrow refuses
 * it ("Cannot automatically add a new PCI bus for a device with connect flags 00"); with a PCI
 * address, the sound device build does ("sound card model 'ich7' is not supported by qemu").
 */

const of = (d: Design): Finding[] => findingsOf(d, 'GEN-SOUND-1');
const TAIL = 'Use ich9 (q35) or ich6 (HDA), or ac97.';

describe('GEN-SOUND-1', () => {
  it('each of libvirt\'s two refusals, by whether the card has an address, and the removal fix', () => {
    const loose = q35([], [dev('snd', 'sound', undefined, { model: 'ich7' })]);
    const got = of(loose);
    expect(got.map((f) => f.message)).toEqual([`snd: libvirt's QEMU driver has no ich7 sound device and refuses the domain ("Cannot automatically add a new PCI bus for a device with connect flags 00"). ${TAIL}`]);
    expect(got[0]?.fixes?.map((f) => f.label)).toEqual(['Remove it']);
    expect(of(applyCommand(loose, got[0]!.fixes![0]!.command))).toEqual([]);
    expect(of(q35([], [dev('snd', 'sound', at(0, 5), { model: 'ich7' })])).map((f) => f.message)).toEqual([`snd: libvirt's QEMU driver has no ich7 sound device and refuses the domain ("sound card model 'ich7' is not supported by qemu"). ${TAIL}`]);
  });

  it('a sound card without a model, and other elements with that model, are not judged', () => {
    expect(of(q35([], [dev('snd', 'sound', undefined), dev('nic', 'interface', undefined, { model: 'ich7' })]))).toEqual([]);
  });
});
