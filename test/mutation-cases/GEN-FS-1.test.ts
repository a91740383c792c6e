import { describe, expect, it } from 'vitest';
import { findingsOf } from './alone.ts';
import { at, dev, q35 } from '../../src/engine/rules/testkit.ts';
import type { Design } from '../../src/engine/model/design.ts';

/**
 * GEN-FS-1's words and fix beyond its case table (issue 11; docs/mutation.md): which of libvirt's two
 * refusals a loop/nbd/ploop filesystem meets (qemuDomainAssignPCIAddresses first when it has no
 * address, "Cannot automatically add a new PCI bus for a device with connect flags 00"; else
 * qemuValidateDomainDeviceDefFS, "Filesystem driver type not supported"; both seen with libvirt 9.0),
 * the virtiofs model refusal, and the device libvirt adds itself left to libvirt.
 */
const of = (d: Design) => findingsOf(d, 'GEN-FS-1').map((f) => [f.message, f.subjects, f.fixes?.map((x) => [x.label, x.command])]);

describe('GEN-FS-1: what it says, and its fix', () => {
  it('a loop filesystem without an address: the address assignment refuses it first, and Remove it', () => {
    const fs = dev('fs0', 'filesystem', undefined, { type: 'mount', driverType: 'loop', label: 'filesystem fs0' });
    expect(of(q35([], [fs]))).toEqual([
      [
        "filesystem fs0 has driver type 'loop', which libvirt's QEMU driver has no device for: it refuses the domain (\"Cannot automatically add a new PCI bus for a device with connect flags 00\"). Use driver type 'path' (9p) or 'virtiofs'.",
        { devices: ['fs0'] },
        [['Remove it', { kind: 'remove-device', device: 'fs0' }]],
      ],
    ]);
  });

  it('an nbd filesystem written with a PCI address: the validation refuses it', () => {
    const fs = dev('fs0', 'filesystem', at(0, 5), { type: 'mount', driverType: 'nbd', label: 'filesystem fs0' });
    expect(of(q35([], [fs]))[0]?.[0]).toBe(
      "filesystem fs0 has driver type 'nbd', which libvirt's QEMU driver has no device for: it refuses the domain (\"Filesystem driver type not supported\"). Use driver type 'path' (9p) or 'virtiofs'.",
    );
  });

  it('a virtiofs share with a model: libvirt\'s message, the model named, no fix', () => {
    const fs = dev('fs0', 'filesystem', undefined, { type: 'mount', driverType: 'virtiofs', model: 'virtio-transitional', label: 'filesystem fs0' });
    expect(of(q35([], [fs]))).toEqual([
      [
        "filesystem fs0 is a virtiofs share with model 'virtio-transitional': libvirt refuses the domain (\"virtiofs does not support model\"); vhost-user-fs-pci has no transitional variant. Remove the model.",
        { devices: ['fs0'] },
        undefined,
      ],
    ]);
  });

  it('a filesystem marked implicit (one libvirt adds, not the user\'s XML) is not judged', () => {
    const fs = dev('fs0', 'filesystem', undefined, { type: 'mount', driverType: 'loop', implicit: true });
    expect(of(q35([], [fs]))).toEqual([]);
  });
});
