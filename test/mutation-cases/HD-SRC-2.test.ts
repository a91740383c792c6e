import { describe, expect, it } from 'vitest';
import { applyCommand } from '../../src/engine/commands/commands.ts';
import { parsePciAddress } from '../../src/engine/model/pci.ts';
import { at, dev, hostdev, q35, rootPort } from '../../src/engine/rules/testkit.ts';
import type { Design } from '../../src/engine/model/design.ts';
import type { Finding } from '../../src/engine/rules/types.ts';
import { findingsOf } from './alone.ts';

/**
 * HD-SRC-2's branches beyond its case table (issue 11; docs/mutation.md), after libvirt's
 * virDomainDefHostdevValidate (src/conf/domain_validate.c: "Hostdev already exists in the domain
 * configuration", matched by source with virDomainHostdevMatch): each copy named the way the user can
 * find it (alias, else guest address, else its element), the count, and the fix that keeps the first.
 */

const of = (d: Design): Finding[] => findingsOf(d, 'HD-SRC-2');
const SRC = '0000:05:00.0';
const copy = (key: string, extra: Parameters<typeof hostdev>[2] = {}) => ({ ...hostdev(SRC), key, ...extra });

describe('HD-SRC-2', () => {
  it('three copies: each named (alias, guest address, element), counted, and the fix removes the two others', () => {
    const iface = dev('nic', 'interface', undefined, { type: 'hostdev', hostAddress: parsePciAddress(SRC)! });
    const d = q35([rootPort(1, 1)], [hostdev(SRC, undefined, { alias: 'ua-a' }), copy('b', { address: at(1, 0) }), iface, copy('c')]);
    const got = of(d);
    expect(got.map((f) => [f.message, f.subjects])).toEqual([
      [`Host device ${SRC} is passed through 4 times (alias ua-a, at bus 0x01 slot 0x00, an <interface type='hostdev'>, a <hostdev>): libvirt refuses the domain ("Hostdev already exists in the domain configuration"). Keep one.`, { devices: [SRC, 'b', 'nic', 'c'] }],
    ]);
    expect(got[0]?.fixes?.map((f) => f.label)).toEqual([`Keep the first ${SRC} and remove the others`]);
    const fixed = applyCommand(d, got[0]!.fixes![0]!.command);
    expect(fixed.guest.devices.map((x) => x.key)).toEqual([SRC]);
    expect(of(fixed)).toEqual([]);
  });

  it('two copies: the fix removes "the other"', () => {
    expect(of(q35([], [hostdev(SRC), copy('b')]))[0]?.fixes?.map((f) => f.label)).toEqual([`Keep the first ${SRC} and remove the other`]);
  });

  it('hostdevs without a host source are not matched', () => {
    expect(of(q35([], [{ ...hostdev(SRC), hostAddress: undefined }, { ...hostdev(SRC), key: 'b', hostAddress: undefined }]))).toEqual([]);
  });
});
