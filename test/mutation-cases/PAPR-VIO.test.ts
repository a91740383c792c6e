import { describe, expect, it } from 'vitest';
import { findingsOf } from './alone.ts';
import { at, dev, pseries } from '../../src/engine/rules/testkit.ts';
import type { Design } from '../../src/engine/model/design.ts';
import type { Finding } from '../../src/engine/rules/types.ts';

/**
 * PAPR-VIO-1 and -2 beyond their case tables (issue 11; docs/mutation.md): the words and fixes of
 * each kind of finding. libvirt's qemuDomainAssignSpaprVIOAddresses() turns a PCI address written
 * for a spapr-vlan, ibmvscsi or pseries serial into a spapr-vio one, its reg read off the address
 * union (bus << 32 | domain) and kept as the user's when the slot is not 0; otherwise the kind's
 * default (0x1000 net, 0x2000 SCSI, 0x30000000 serial) moved on past those in use
 * (qemuDomainAssignSpaprVIOAddress). It prints regs with %#llx: 0 is "0".
 */

const of = (id: string) => (d: Design): Finding[] => findingsOf(d, id);
const vlan = (key: string, address?: ReturnType<typeof at>, extra = {}) => dev(key, 'interface', address, { model: 'spapr-vlan', ...extra });
const drop = (key: string) => ({ kind: 'move-device', device: key, address: null });

describe('PAPR-VIO-1: the reg libvirt gives each kind', () => {
  const vio1 = of('PAPR-VIO-1');

  it('slot not 0: the user reg read off the address; slot 0: the default of its kind (net 0x1000, SCSI 0x2000)', () => {
    const d = pseries([], [vlan('net0', at(0, 3)), vlan('net1', at(1, 0)), dev('scsi0', 'controller', at(0, 0, 0, undefined, 0x1000), { type: 'scsi' }), dev('ser0', 'serial', at(0, 4), { type: 'pty' })]);
    const finding = (key: string, message: string) => ({ ruleId: 'PAPR-VIO-1', severity: 'warning', message, subjects: { devices: [key] }, fixes: [{ label: `Remove the PCI address of ${key}`, command: drop(key) }] });
    expect(vio1(d)).toEqual([
      finding('net0', 'net0 is a spapr-vio device: libvirt does not put it at the PCI address written for it (bus 0x00 slot 0x03 function 0x0); it reads it as spapr-vio reg 0 (bus << 32 | domain, as its slot is not 0).'),
      finding('net1', 'net1 is a spapr-vio device: libvirt does not put it at the PCI address written for it (bus 0x01 slot 0x00 function 0x0); it gives it the default spapr-vio reg 0x1000 (its slot is 0).'),
      finding('scsi0', 'scsi0 is a spapr-vio device: libvirt does not put it at the PCI address written for it (domain 0x1000 bus 0x00 slot 0x00 function 0x0); it gives it the default spapr-vio reg 0x2000 (its slot is 0).'),
      finding('ser0', 'ser0 is a spapr-vio device: libvirt does not put it at the PCI address written for it (bus 0x00 slot 0x04 function 0x0); it reads it as spapr-vio reg 0 (bus << 32 | domain, as its slot is not 0).'),
    ]);
  });

  it('a spapr-vlan without an address and a virtio NIC with one: libvirt gives the first a spapr-vio address itself and keeps the second on PCI, nothing to say', () => {
    expect(vio1(pseries([], [vlan('net0'), dev('net1', 'interface', at(0, 3))]))).toEqual([]);
  });
});

describe('PAPR-VIO-2: what libvirt refuses, in its words', () => {
  const vio2 = of('PAPR-VIO-2');

  it('two spapr-vlan read as reg 0: the second is refused, "0" as libvirt prints it, both addresses dropped (the first\'s reg 0 left to QEMU would share the default 0x1000\'s interrupt)', () => {
    expect(vio2(pseries([], [vlan('net0', at(0, 3)), vlan('net1', at(0, 4))]))).toEqual([
      {
        ruleId: 'PAPR-VIO-2',
        severity: 'error',
        message: 'net1 is a spapr-vio device: libvirt reads the PCI address written for it (bus 0x00 slot 0x04 function 0x0) as spapr-vio reg 0 (its slot is not 0, so the reg is the user\'s), and libvirt refuses it ("spapr-vio address 0 already in use").',
        subjects: { devices: ['net1'] },
        fixes: [{ label: 'Remove the PCI addresses written for net1, net0', command: { kind: 'batch', label: 'Remove spapr-vio devices\' PCI addresses', commands: [drop('net1'), drop('net0')] } }],
      },
    ]);
  });

  it('reg 0 left to QEMU beside the default 0x1000: one interrupt, QEMU\'s words, the fix drops the written address', () => {
    expect(vio2(pseries([], [vlan('net0', at(0, 3)), vlan('net1')]))).toEqual([
      {
        ruleId: 'PAPR-VIO-2',
        severity: 'error',
        message: 'net1 has spapr-vio reg 0x1000, which maps to interrupt 4353 like net0 (no spapr-vio reg from libvirt (reg 0), so QEMU gives it reg 0x71000001): QEMU gives each spapr-vio device the interrupt its reg maps to and refuses to start the guest ("IRQ 4353 is not free").',
        subjects: { devices: ['net0', 'net1'] },
        fixes: [{ label: 'Remove the address of net0', command: drop('net0') }],
      },
    ]);
  });

  it('bus 2: reg 0x200000000, above 32 bits', () => {
    expect(vio2(pseries([], [vlan('net0', at(2, 3))])).map((f) => f.message)).toEqual([
      'net0 is a spapr-vio device: libvirt reads the PCI address written for it (bus 0x02 slot 0x03 function 0x0) as spapr-vio reg 0x200000000 (its slot is not 0, so the reg is the user\'s), and libvirt refuses it ("spapr-vio reg=\'0x200000000\' exceeds maximum possible value (0xffffffff)").',
    ]);
  });

  it('three read as reg 0x2000: the second is named, the third after it; one fix drops both written addresses', () => {
    const d = pseries([], [vlan('net0', at(0, 1, 0, undefined, 0x2000)), vlan('net1', at(0, 2, 0, undefined, 0x2000)), vlan('net2', at(0, 3, 0, undefined, 0x2000))]);
    expect(vio2(d)).toEqual([
      {
        ruleId: 'PAPR-VIO-2',
        severity: 'error',
        message: 'net1 is a spapr-vio device: libvirt reads the PCI address written for it (domain 0x2000 bus 0x00 slot 0x02 function 0x0) as spapr-vio reg 0x2000 (its slot is not 0, so the reg is the user\'s), and libvirt refuses it ("spapr-vio address 0x2000 already in use") (then net2: libvirt stops at the first).',
        subjects: { devices: ['net1'] },
        fixes: [{ label: 'Remove the PCI addresses written for net1, net2', command: { kind: 'batch', label: 'Remove spapr-vio devices\' PCI addresses', commands: [drop('net1'), drop('net2')] } }],
      },
    ]);
  });

  it('four read as reg 0x2000: the second is named, the two after it listed; the fix drops all three', () => {
    const d = pseries([], ['net0', 'net1', 'net2', 'net3'].map((k, i) => vlan(k, at(0, i + 1, 0, undefined, 0x2000))));
    expect(vio2(d).map((f) => [f.message, f.fixes?.map((x) => x.label)])).toEqual([
      [
        'net1 is a spapr-vio device: libvirt reads the PCI address written for it (domain 0x2000 bus 0x00 slot 0x02 function 0x0) as spapr-vio reg 0x2000 (its slot is not 0, so the reg is the user\'s), and libvirt refuses it ("spapr-vio address 0x2000 already in use") (then net2, net3: libvirt stops at the first).',
        ['Remove the PCI addresses written for net1, net2, net3'],
      ],
    ]);
  });

  it('a PCI address read as the reg a spapr-vio address already holds: only the PCI-written one has an address to drop', () => {
    const d = pseries([], [vlan('net0', undefined, { otherAddressType: 'spapr-vio', addressReg: 0x1000 }), vlan('net1', at(0, 4, 0, undefined, 0x1000))]);
    expect(vio2(d).map((f) => [f.subjects, f.fixes])).toEqual([[{ devices: ['net1'] }, [{ label: 'Remove the address of net1', command: drop('net1') }]]]);
  });

  it('the fix drops only the written PCI addresses that fail: not a spapr-vio address that fails after, nor a PCI address that does not', () => {
    // net1's written reg 0 clashes with net0's at its turn too, but it has no PCI address to drop;
    // net2 reads as reg 0x3000, free
    const d = pseries([], [vlan('net0', at(0, 4)), vlan('net1', undefined, { otherAddressType: 'spapr-vio', addressReg: 0 }), vlan('net2', at(0, 5, 0, undefined, 0x3000))]);
    expect(vio2(d).map((f) => [f.subjects, f.fixes])).toEqual([[{ devices: ['net0'] }, [{ label: 'Remove the address of net0', command: drop('net0') }]]]);
  });

  it('two written as spapr-vio with reg 0: libvirt refuses the first, and prints the reg as "0"; nothing of PCI to drop', () => {
    const d = pseries([], [vlan('net0', undefined, { otherAddressType: 'spapr-vio', addressReg: 0 }), vlan('net1', undefined, { otherAddressType: 'spapr-vio', addressReg: 0 })]);
    expect(vio2(d)).toEqual([
      { ruleId: 'PAPR-VIO-2', severity: 'error', message: 'net0 is a spapr-vio device: its spapr-vio reg is 0, and libvirt refuses it ("spapr-vio address 0 already in use").', subjects: { devices: ['net0'] } },
    ]);
  });
});
