import { describe, expect, it } from 'vitest';
import { parsePciAddress } from '../../src/engine/model/pci.ts';
import { dev, hostdev, q35 } from '../../src/engine/rules/testkit.ts';
import type { Design } from '../../src/engine/model/design.ts';
import type { Finding } from '../../src/engine/rules/types.ts';
import { findingsOf } from './alone.ts';

/**
 * HD-SRC-3's branches beyond its case table (issue 11; docs/mutation.md). libvirt defines a domain
 * whatever host address its hostdev names; at start virHostdevGetPCIHostDeviceList
 * (src/hypervisor/virhostdev.c) -> virPCIDeviceNew (src/util/virpci.c) looks the function up in sysfs
 * and the start fails when the host has no such device. Judged only with a host loaded.
 */

const of = (d: Design): Finding[] => findingsOf(d, 'HD-SRC-3');
const GROUPS = { groups: { 1: ['0000:01:00.0'] } };
const TAIL = 'libvirt defines the domain, but it cannot start on this host. Check the host address, or load the host this guest runs on.';
const withLabel = (d: Design, label: string | undefined): Design => ({ ...d, host: d.host && { ...d.host, label } });

describe('HD-SRC-3', () => {
  it('a missing hostdev, named with its alias, the host named by its label', () => {
    const d = withLabel(q35([], [hostdev('0000:3b:00.0', undefined, { alias: 'ua-gpu' }), hostdev('0000:01:00.0')], GROUPS), 'power9-a');
    expect(of(d).map((f) => [f.severity, f.message, f.subjects])).toEqual([
      ['warning', `hostdev 0000:3b:00.0 (ua-gpu) names a host device that is not on the loaded host (power9-a): ${TAIL}`, { devices: ['0000:3b:00.0'] }],
    ]);
  });

  it("an <interface type='hostdev'> is judged as well; a host with no label gets no parentheses", () => {
    const vf = dev('net0', 'interface', undefined, { type: 'hostdev', hostAddress: parsePciAddress('0000:3b:02.1')! });
    expect(of(withLabel(q35([], [vf], GROUPS), undefined)).map((f) => f.message)).toEqual([`net0 names a host device that is not on the loaded host: ${TAIL}`]);
  });

  it('no host loaded: says once it could not check a guest with hostdevs, and nothing for a guest without', () => {
    expect(of(q35([], [hostdev('0000:3b:00.0'), hostdev('0000:3c:00.0')])).map((f) => [f.severity, f.message, f.subjects])).toEqual([
      ['info', "HD-SRC-3 (A hostdev is on the loaded host) could not be checked: no host is loaded. Load the host's node-device XML to check it.", {}],
    ]);
    expect(of(q35([], [dev('vda', 'disk')]))).toEqual([]);
  });
});
