import type { Finding, Rule, RuleMeta } from './types.ts';
import { qemuDomainAssignSpaprVIORegs } from '../libvirt/qemuDomainAddress.ts';
import { addrText, finding } from './context.ts';
import { deviceName } from './fixes.ts';
import { at, dev, pseries } from './testkit.ts';

const meta: RuleMeta = {
  id: 'PAPR-VIO-2',
  severity: 'error',
  title: 'The spapr-vio address libvirt reads for the device is free and fits in 32 bits',
  why: 'libvirt reads a PCI address written for a spapr-vio device (spapr-vlan, ibmvscsi, a pseries serial) as its spapr-vio reg: bus << 32 | domain, kept as the user\'s when the slot is not 0. Two such regs alike, or one on a bus other than 0, and libvirt refuses the domain.',
  source: 'libvirt src/qemu/qemu_domain_address.c qemuDomainAssignSpaprVIOAddresses, qemuDomainAssignSpaprVIOAddress ("spapr-vio address %#llx already in use"), qemuDomainSpaprVIOFindByReg; the address union of virDomainDeviceInfo (src/conf/device_conf.h); "spapr-vio reg=\'%#llx\' exceeds maximum possible value (0xffffffff)" at define (checked with libvirt 9.0)',
  families: ['pseries'],
};

/** The fix drops the written address: libvirt then gives the device its kind's default reg, moved on past those in use. */
export const rule: Rule = {
  meta,
  check(ctx) {
    const out: Finding[] = [];
    const byKey = new Map(ctx.design.guest.devices.map((d) => [d.key, d]));
    const regs = qemuDomainAssignSpaprVIORegs(ctx.design.guest.devices, ctx.machine);
    // libvirt names one device, the first whose turn fails; the fix drops the written address of
    // every one that would fail, so that libvirt does not stop at the next one instead
    const failing = regs.flatMap((r) => {
      const x = byKey.get(r.key);
      return r.fails && x?.address ? [x] : [];
    });
    for (const r of regs) {
      const d = byKey.get(r.key);
      if (!d || !r.refused) continue;
      // as libvirt's %#llx: 0 is "0"
      const reg = r.reg === 0 ? '0' : `0x${r.reg.toString(16)}`;
      // libvirt refuses only a user reg: one read off a PCI address is the user's when its slot is not 0
      const read = d.address ? `libvirt reads the PCI address written for it (${addrText(d.address)}) as spapr-vio reg ${reg} (its slot is not 0, so the reg is the user's)` : `its spapr-vio reg is ${reg}`;
      const others = failing.filter((x) => x.key !== d.key);
      const more = others.length ? ` (then ${others.map(deviceName).join(', ')}: libvirt stops at the first)` : '';
      const fix = {
        label: others.length ? `Remove the PCI addresses written for ${[d, ...others].map(deviceName).join(', ')}` : `Remove the address of ${deviceName(d)}`,
        command: others.length ? { kind: 'batch' as const, label: 'Remove spapr-vio devices\' PCI addresses', commands: [d, ...others].map((x) => ({ kind: 'move-device' as const, device: x.key, address: null })) } : { kind: 'move-device' as const, device: d.key, address: null },
      };
      out.push(finding(meta, `${deviceName(d)} is a spapr-vio device: ${read}, and libvirt refuses it ("${r.refused}")${more}.`, { devices: [d.key] }, d.address ? [fix] : undefined));
    }
    return out;
  },
};

export const cases = {
  pass: [
    // libvirt 9.0 defines these: reg 0, and the default 0x1000 for a slot-0 address on bus 1
    { name: 'one spapr-vlan at slot 3 of bus 0', design: pseries([], [dev('net0', 'interface', at(0, 3), { model: 'spapr-vlan' })]) },
    { name: 'slot 0 of bus 1: no user reg, the default', design: pseries([], [dev('net0', 'interface', at(1, 0), { model: 'spapr-vlan' })]) },
    { name: 'a user reg on a default: the default one moves on', design: pseries([], [dev('net0', 'interface', at(0, 4, 0, undefined, 0x2000), { model: 'spapr-vlan' }), dev('scsi0', 'controller', undefined, { type: 'scsi' })]) },
    { name: 'two spapr-vlan, one of them without an address', design: pseries([], [dev('net0', 'interface', at(0, 3), { model: 'spapr-vlan' }), dev('net1', 'interface', undefined, { model: 'spapr-vlan' })]) },
    { name: 'a virtio NIC keeps its PCI address', design: pseries([], [dev('net0', 'interface', at(0, 3), { model: 'virtio' }), dev('net1', 'interface', at(0, 4), { model: 'spapr-vlan' })]) },
  ],
  fail: [
    // libvirt 9.0: "spapr-vio address 0 already in use"
    { name: 'two spapr-vlan on bus 0, slots not 0: both reg 0', design: pseries([], [dev('net0', 'interface', at(0, 3), { model: 'spapr-vlan' }), dev('net1', 'interface', at(0, 4), { model: 'spapr-vlan' })]), expect: { devices: ['net1'] } },
    { name: 'a spapr-vlan and the default SCSI controller (ibmvscsi)', design: pseries([], [dev('net0', 'interface', at(0, 3), { model: 'spapr-vlan' }), dev('scsi0', 'controller', at(0, 4), { type: 'scsi' })]), expect: { devices: ['scsi0'] } },
    // libvirt 9.0: "spapr-vio reg='0x200000000' exceeds maximum possible value (0xffffffff)"
    { name: 'bus 2 slot 3: reg above 32 bits', design: pseries([], [dev('net0', 'interface', at(2, 3), { model: 'spapr-vlan' })]), expect: { devices: ['net0'] } },
    // libvirt 9.0: "spapr-vio address 0x1000 already in use": the first took the default 0x1000
    { name: 'a user reg on a default taken before it', design: pseries([], [dev('net0', 'interface', undefined, { model: 'spapr-vlan' }), dev('net1', 'interface', at(0, 4, 0, undefined, 0x1000), { model: 'spapr-vlan' })]), expect: { devices: ['net1'] } },
    { name: 'a reg written as spapr-vio counts from the start', design: pseries([], [dev('net0', 'interface', at(0, 4), { model: 'spapr-vlan' }), dev('net1', 'interface', undefined, { model: 'spapr-vlan', otherAddressType: 'spapr-vio', addressReg: 0 })]), expect: { devices: ['net0'] } },
    // libvirt 9.0 stops at the first refusal: one device is named
    { name: 'two written with one spapr-vio reg: the first one\'s turn fails', design: pseries([], [dev('net0', 'interface', undefined, { model: 'spapr-vlan', otherAddressType: 'spapr-vio', addressReg: 0x1000 }), dev('net1', 'interface', undefined, { model: 'spapr-vlan', otherAddressType: 'spapr-vio', addressReg: 0x1000 })]), expect: { devices: ['net0'] } },
    { name: 'three read as one user reg: the second fails, libvirt goes no further', design: pseries([], [dev('net0', 'interface', at(0, 1, 0, undefined, 0x2000), { model: 'spapr-vlan' }), dev('net1', 'interface', at(0, 2, 0, undefined, 0x2000), { model: 'spapr-vlan' }), dev('net2', 'interface', at(0, 3, 0, undefined, 0x2000), { model: 'spapr-vlan' })]), expect: { devices: ['net1'] } },
    { name: 'a clash before a reg above 32 bits: the clash alone', design: pseries([], [dev('net0', 'interface', at(2, 3), { model: 'spapr-vlan' }), dev('net1', 'interface', at(0, 3), { model: 'spapr-vlan' }), dev('net2', 'interface', at(0, 4), { model: 'spapr-vlan' })]), expect: { devices: ['net2'] } },
    { name: 'two regs above 32 bits: the first', design: pseries([], [dev('net0', 'interface', at(2, 3), { model: 'spapr-vlan' }), dev('net1', 'interface', at(3, 3), { model: 'spapr-vlan' })]), expect: { devices: ['net0'] } },
    { name: 'a pseries serial is spapr-vio too', design: pseries([], [dev('ser0', 'serial', at(0, 3), { type: 'pty' }), dev('net0', 'interface', at(0, 4), { model: 'spapr-vlan' })]), expect: { devices: ['ser0'] } },
  ],
};
