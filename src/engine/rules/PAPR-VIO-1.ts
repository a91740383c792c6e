import type { Finding, Rule, RuleMeta } from './types.ts';
import { isSpaprVioDevice, qemuDomainAssignSpaprVIORegs, spaprVioRegOfPciAddress } from '../libvirt/qemuDomainAddress.ts';
import { addrText, finding } from './context.ts';
import { deviceName } from './fixes.ts';
import { at, dev, pseries } from './testkit.ts';

const meta: RuleMeta = {
  id: 'PAPR-VIO-1',
  severity: 'warning',
  title: 'A spapr-vio device ignores the PCI address written for it',
  why: 'A spapr-vlan NIC, an ibmvscsi SCSI controller and a pseries serial are PAPR VIO devices: libvirt turns a PCI address written for one into a spapr-vio address (its reg read off the PCI address), so the device is not on the PHB the XML names, and its slot stays free. Where that reg clashes or is too large libvirt refuses (PAPR-VIO-2).',
  source: 'libvirt src/qemu/qemu_domain_address.c qemuDomainAssignSpaprVIOAddresses (info.type set to spapr-vio for VIR_DOMAIN_NET_MODEL_SPAPR_VLAN, VIR_DOMAIN_CONTROLLER_MODEL_SCSI_IBMVSCSI and pseries serials before PCI addresses are assigned, the address union kept), qemuDomainAssignSpaprVIOAddress; qemuDomainDeviceDefPostParse (ibmvscsi: the pseries default SCSI model)',
  families: ['pseries'],
};

export const rule: Rule = {
  meta,
  check(ctx) {
    const out: Finding[] = [];
    // the written design: the rules' guest already has these devices off PCI, as libvirt has them
    const regs = new Map(qemuDomainAssignSpaprVIORegs(ctx.design.guest.devices, ctx.machine).map((r) => [r.key, r.reg]));
    for (const d of ctx.design.guest.devices) {
      if (!d.address || !isSpaprVioDevice(d, ctx.machine)) continue;
      const reg = regs.get(d.key);
      // every spapr-vio device with a PCI address has one: no edit leaves an address beside another address type
      if (reg === undefined) continue;
      const hex = reg === 0 ? '0' : `0x${reg.toString(16)}`;
      const how = spaprVioRegOfPciAddress(d.address).user ? `reads it as spapr-vio reg ${hex} (bus << 32 | domain, as its slot is not 0)` : `gives it the default spapr-vio reg ${hex} (its slot is 0)`;
      out.push(
        finding(meta, `${deviceName(d)} is a spapr-vio device: libvirt does not put it at the PCI address written for it (${addrText(d.address)}); it ${how}.`, { devices: [d.key] }, [
          { label: `Remove the PCI address of ${deviceName(d)}`, command: { kind: 'move-device', device: d.key, address: null } },
        ]),
      );
    }
    return out;
  },
};

export const cases = {
  pass: [
    { name: 'spapr-vlan without an address', design: pseries([], [dev('net0', 'interface', undefined, { model: 'spapr-vlan' })]) },
    { name: 'a virtio NIC on a PHB', design: pseries([], [dev('net0', 'interface', at(0, 1), { model: 'virtio' })]) },
    { name: 'a virtio-scsi controller on a PHB', design: pseries([], [dev('scsi0', 'controller', at(0, 2), { type: 'scsi', model: 'virtio-scsi' })]) },
  ],
  fail: [
    { name: 'spapr-vlan with a PCI address', design: pseries([], [dev('net0', 'interface', at(0, 1), { model: 'spapr-vlan' })]), expect: { devices: ['net0'] } },
    { name: 'ibmvscsi with a PCI address', design: pseries([], [dev('scsi0', 'controller', at(0, 2), { type: 'scsi', model: 'ibmvscsi' })]), expect: { devices: ['scsi0'] } },
    { name: 'a model-less SCSI controller is ibmvscsi on pseries', design: pseries([], [dev('scsi0', 'controller', at(0, 2), { type: 'scsi' })]), expect: { devices: ['scsi0'] } },
  ],
};
