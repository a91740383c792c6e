import { describe, expect, it } from 'vitest';
import { findingsOf } from './alone.ts';
import { machineVersion } from '../../src/engine/rules/ioBar.ts';
import { at, dev, q35, rootPort } from '../../src/engine/rules/testkit.ts';
import type { GuestDevice } from '../../src/engine/model/guest.ts';

/**
 * Which devices have an IO BAR (src/engine/rules/ioBar.ts, judged by Q35-IO-1's count of IO windows),
 * beyond ioBar.test.ts and Q35-IO-1's case table (issue 11; docs/mutation.md, "mutsmall").
 */

/** 11 root ports, each holding `inPort(i)` at function 0 */
const elevenPorts = (inPort: (i: number) => GuestDevice) =>
  q35(
    Array.from({ length: 11 }, (_, i) => rootPort(i + 1, 1 + Math.floor(i / 8), i % 8)),
    Array.from({ length: 11 }, (_, i) => ({ ...inPort(i), address: at(i + 1, 0) })),
  );
const subjects = (d: ReturnType<typeof q35>) => findingsOf(d, 'Q35-IO-1').map((f) => f.subjects);
const portIndexes = Array.from({ length: 11 }, (_, i) => i + 1);

describe('ioBar: PCIe NICs with an IO BAR', () => {
  it('igb in 11 root ports: QEMU registers its BAR 2 as IO (hw/net/igb.c igb_pci_realize, E1000E_IO_IDX "igb-io")', () => {
    expect(subjects(elevenPorts((i) => dev(`n${i}`, 'interface', undefined, { model: 'igb' })))).toEqual([{ controllers: portIndexes }]);
  });

  it('an <interface type="hostdev"> keeps a written model (libvirt\'s net-hostdev.xml has rtl8139) but is vfio-pci: no e1000e or igb IO BAR in 11 root ports', () => {
    // qemuBuildInterfaceCommandLine hands a hostdev interface to qemuBuildHostdevCommandLine: QEMU gets
    // vfio-pci with the host function's BARs, never the emulated NIC its model names; without the host,
    // libvirt takes it for a PCIe device (qemuDomainDeviceCalculatePCIConnectFlags), which has no IO BAR here
    for (const model of ['e1000e', 'igb']) {
      expect(subjects(elevenPorts((i) => dev(`hn${i}`, 'interface', undefined, { type: 'hostdev', model }))), model).toEqual([]);
    }
  });
});

describe('machineVersion: two-digit majors', () => {
  it('reads pc-q35-10.1 and pseries-10.0 (QEMU 10 machine types) as [10, 1] and [10, 0]', () => {
    expect(machineVersion('pc-q35-10.1')).toEqual([10, 1]);
    expect(machineVersion('pseries-10.0')).toEqual([10, 0]);
  });
});
