import type { Finding, Rule, RuleMeta } from './types.ts';
import type { GuestDevice } from '../model/guest.ts';
import { isSpaprVioDevice, qemuDomainAssignSpaprVIORegs } from '../libvirt/qemuDomainAddress.ts';
import { virDomainDefImplicitDiskControllers, virDomainDefPostParse } from '../libvirt/domainConf.ts';
import { addrText, finding } from './context.ts';
import { deviceName } from './fixes.ts';
import { at, dev, pseries } from './testkit.ts';

const meta: RuleMeta = {
  id: 'PAPR-VIO-2',
  severity: 'error',
  title: 'The spapr-vio address libvirt reads for the device is free and fits in 32 bits, and gives it an interrupt of its own',
  why: 'libvirt reads a PCI address written for a spapr-vio device (spapr-vlan, ibmvscsi, a pseries serial) as its spapr-vio reg: bus << 32 | domain, kept as the user\'s when the slot is not 0. Two such regs alike, or one on a bus other than 0, and libvirt refuses the domain. QEMU then gives each spapr-vio device the interrupt its reg maps to, 256 in all: two on one interrupt (the 255th ibmvscsi libvirt adds for a drive address shares the nvram\'s; one sharing a vty\'s) and QEMU refuses to start the guest. A reg 0 libvirt does not pass on: QEMU gives the device a reg of its own (0x71000001 on, the interrupt of the default NIC reg 0x1000), and refuses a reg written for a device it creates later that it already gave.',
  source: 'libvirt src/qemu/qemu_domain_address.c qemuDomainAssignSpaprVIOAddresses, qemuDomainAssignSpaprVIOAddress ("spapr-vio address %#llx already in use"), qemuDomainSpaprVIOFindByReg; the address union of virDomainDeviceInfo (src/conf/device_conf.h); "spapr-vio reg=\'%#llx\' exceeds maximum possible value (0xffffffff)" at define (checked with libvirt 9.0); QEMU hw/ppc/spapr_vio.c spapr_vio_reg_to_irq, spapr_vio_busdev_realize ("%s and %s devices conflict at address %#x"), hw/ppc/spapr_irq.c spapr_irq_claim ("IRQ %d is not free"), include/hw/ppc/spapr_irq.h SPAPR_IRQ_VIO (checked with libvirt 9.0 + QEMU 7.2)',
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
    // and of those read as reg 0: QEMU gives them regs of its own, whose interrupts a default reg may share (irqClash)
    const zeroes = regs.flatMap((r) => {
      const x = byKey.get(r.key);
      return r.user && r.reg === 0 && !r.fails && x?.address ? [x] : [];
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
      const dropped = [d, ...others, ...zeroes.filter((x) => x.key !== d.key)];
      const fix = removeAddresses(dropped);
      out.push(finding(meta, `${deviceName(d)} is a spapr-vio device: ${read}, and libvirt refuses it ("${r.refused}")${more}.`, { devices: [d.key] }, d.address ? [fix] : undefined));
    }
    // what libvirt defines, QEMU starts only if each device's reg maps to an interrupt of its own
    if (out.length === 0) out.push(...irqClash(ctx));
    return out;
  },
};

/** The fix: drop the PCI addresses written for these spapr-vio devices (libvirt then gives each its kind's default reg, moved on past those in use). */
function removeAddresses(ds: readonly GuestDevice[]) {
  return {
    label: ds.length > 1 ? `Remove the PCI addresses written for ${ds.map(deviceName).join(', ')}` : `Remove the address of ${deviceName(ds[0] as GuestDevice)}`,
    command:
      ds.length > 1
        ? { kind: 'batch' as const, label: "Remove spapr-vio devices' PCI addresses", commands: ds.map((x) => ({ kind: 'move-device' as const, device: x.key, address: null })) }
        : { kind: 'move-device' as const, device: (ds[0] as GuestDevice).key, address: null },
  };
}

/** SPAPR_IRQ_VIO (QEMU include/hw/ppc/spapr_irq.h): the first of the 256 spapr-vio interrupts. */
const SPAPR_IRQ_VIO = 0x1100;
/** SPAPR_VIO_REG_BASE (QEMU include/hw/ppc/spapr_vio.h): where the regs QEMU gives itself start; its nvram takes the first. */
const SPAPR_VIO_REG_BASE = 0x71000000;

/**
 * QEMU's spapr_vio_reg_to_irq() (hw/ppc/spapr_vio.c, QEMU 7.2 as 10.x): the interrupt of a
 * spapr-vio device follows from its reg: QEMU's own regs (the nvram at 0x71000000) by their low
 * byte, libvirt's vty regs (0x30000000 on) to 0xf0-0xff, the others by bits 12-19. Two devices
 * with one interrupt make QEMU refuse the second ("IRQ %d is not free", spapr_irq_claim).
 */
export function spaprVioRegToIrq(reg: number): number {
  if (reg >= SPAPR_VIO_REG_BASE) return SPAPR_IRQ_VIO | (reg & 0xff);
  if (reg >= 0x30000000) return SPAPR_IRQ_VIO | 0xf0 | (Math.floor(reg / 0x1000) & 0xf);
  return SPAPR_IRQ_VIO | (Math.floor(reg / 0x1000) & 0xff);
}

/** A reg as the finding says it: `own` when QEMU gave it, the device having no reg from libvirt (reg 0). */
const regText = (reg: number, own: boolean): string => (own ? `no spapr-vio reg from libvirt (reg 0), so QEMU gives it reg 0x${reg.toString(16)}` : `spapr-vio reg 0x${reg.toString(16)}`);

/** pseries machines older than 4.0 allocate these interrupts as they go (legacy_irq_allocation): no clash. */
function legacyIrqs(machine: string | undefined): boolean {
  const m = /^pseries-(\d+)\./.exec(machine ?? '');
  return !!m && Number(m[1]) < 4;
}

/**
 * The first interrupt two spapr-vio devices share once libvirt has defined the domain: its
 * ibmvscsi controllers for the disks' drive addresses (virDomainDefAddImplicitControllers) and
 * the vty of a console written without a serial (virDomainDefAddConsoleCompat) count, beside
 * QEMU's own nvram (interrupt 0x1100). Checked with libvirt 9.0 and QEMU 7.2: a SCSI disk on drive
 * controller 253 starts (254 ibmvscsi, regs 0x2000-0xff000), 254 is refused at the 255th
 * ("IRQ 4352 is not free": reg 0x100000 has the nvram's), and with a console 237 starts and 238
 * is refused ("IRQ 4592 is not free": ibmvscsi reg 0xf0000 and the vty's 0x30000000). A reg 0 (a spapr-vlan
 * written with a PCI address on bus 0, or reg='0') libvirt does not pass on, and QEMU gives the
 * device its next own reg, 0x71000001 on, interrupts 0x1101 on: the interrupt of the default NIC
 * reg 0x1000 (checked with QEMU 7.2: "IRQ 4353 is not free"). Left out, as not checked: a written
 * <nvram> (libvirt gives it a reg of its own), and the machines before pseries-4.0.
 */
function irqClash(ctx: Parameters<Rule['check']>[0]): Finding[] {
  const guest = ctx.design.guest;
  if (legacyIrqs(guest.machine) || guest.devices.some((d) => d.element === 'nvram')) return [];
  // a clash needs a second spapr-vio device beside the nvram: one written, a console, or the SCSI controllers of a drive address
  const vio = (d: GuestDevice): boolean => d.element === 'console' || d.otherAddressType === 'spapr-vio' || isSpaprVioDevice(d, ctx.machine);
  if (!guest.devices.some(vio) && !virDomainDefImplicitDiskControllers(guest).some((c) => c.type === 'scsi')) return [];
  const parsed = virDomainDefPostParse(guest, ctx.machine);
  const devices = parsed.devices.some((d) => d.element === 'serial') ? parsed.devices : consoleAsSerial(parsed.devices);
  const regs = qemuDomainAssignSpaprVIORegs(devices, ctx.machine);
  if (regs.length === 0) return [];
  const byKey = new Map(devices.map((d) => [d.key, d]));
  const implicitBy = new Map(virDomainDefImplicitDiskControllers(guest).map((c) => [c.type, c.by]));
  const name = (d: GuestDevice): string => (d.implicit && d.element === 'controller' ? `the ibmvscsi controller ${d.index ?? '?'} libvirt adds for ${implicitBy.get('scsi')?.label ?? 'a disk'}` : deviceName(d));
  const subject = (d: GuestDevice): string | undefined => (d.implicit ? implicitBy.get('scsi')?.key : d.key);
  // the regs QEMU ends with, in the order it creates the devices (libvirt's command line: controllers,
  // then nets, then serials). reg 0 is not passed on (libvirt's "P:reg" adds a positive one only):
  // QEMU gives the device the next of its own regs not taken yet, after the nvram's
  // (spapr_vio_busdev_realize: bus->next_reg++ while reg_conflict), and refuses an explicit reg a
  // device created before it has ("%s and %s devices conflict at address %#x")
  const created = (['controller', 'interface', 'serial'] as const).flatMap((el) => regs.filter((r) => byKey.get(r.key)?.element === el));
  const taken = new Map<number, string>([[SPAPR_VIO_REG_BASE, 'nvram']]);
  const qemu = new Map<string, { reg: number; own: boolean }>();
  let nextReg = SPAPR_VIO_REG_BASE;
  for (const r of created) {
    const d = byKey.get(r.key);
    if (!d) continue;
    if (r.reg === 0) {
      while (taken.has(nextReg)) nextReg++;
      taken.set(nextReg, r.key);
      qemu.set(r.key, { reg: nextReg, own: true });
      continue;
    }
    const first = taken.get(r.reg);
    if (first !== undefined) {
      const other = first === 'nvram' ? undefined : byKey.get(first);
      const keys = [...new Set([other ? subject(other) : undefined, subject(d)].filter((k): k is string => k !== undefined))];
      const otherText = other ? `${name(other)}, which QEMU gave it as it had no reg from libvirt (reg 0)` : "QEMU's own nvram";
      const words = `${QEMU_TYPE[d.element] ?? d.element} and ${other ? (QEMU_TYPE[other.element] ?? other.element) : 'spapr-nvram'} devices conflict at address 0x${r.reg.toString(16)}`;
      return [finding(meta, `${name(d)} has spapr-vio reg 0x${r.reg.toString(16)}, the reg of ${otherText}: QEMU refuses to start the guest ("${words}").`, { devices: keys })];
    }
    taken.set(r.reg, r.key);
    qemu.set(r.key, { reg: r.reg, own: false });
  }
  const holders = new Map<number, string>([[spaprVioRegToIrq(SPAPR_VIO_REG_BASE), 'nvram']]);
  for (const r of regs) {
    const q = qemu.get(r.key);
    const d = byKey.get(r.key);
    if (!q || !d) continue;
    const irq = spaprVioRegToIrq(q.reg);
    const first = holders.get(irq);
    if (first === undefined) {
      holders.set(irq, r.key);
      continue;
    }
    const other = first === 'nvram' ? undefined : byKey.get(first);
    const keys = [...new Set([other ? subject(other) : undefined, subject(d)].filter((k): k is string => k !== undefined))];
    const oq = qemu.get(first);
    const otherText = other && oq ? `${name(other)} (${regText(oq.reg, oq.own)})` : "QEMU's own nvram (reg 0x71000000)";
    // a device read as reg 0 off a PCI address gets a default reg of its own once that address is gone
    const written = [other, d].filter((x): x is GuestDevice => !!x?.address && !x.implicit);
    return [finding(meta, `${name(d)} has ${regText(q.reg, q.own)}, which maps to interrupt ${irq} like ${otherText}: QEMU gives each spapr-vio device the interrupt its reg maps to and refuses to start the guest ("IRQ ${irq} is not free").`, { devices: keys }, written.length ? [removeAddresses(written)] : undefined)];
  }
  return [];
}

/** QEMU's type names of libvirt's spapr-vio devices, as its refusals say them. */
const QEMU_TYPE: Readonly<Record<string, string>> = { interface: 'spapr-vlan', controller: 'spapr-vscsi', serial: 'spapr-vty' };

/**
 * virDomainDefAddConsoleCompat() (src/conf/domain_conf.c): a console of target type serial (or
 * none) with no <serial> is the guest's first serial, on pseries a spapr-vty.
 */
function consoleAsSerial(devices: readonly GuestDevice[]): readonly GuestDevice[] {
  const i = devices.findIndex((d) => d.element === 'console' && (d.bus === undefined || d.bus === 'serial'));
  if (i < 0) return devices;
  const out = devices.slice();
  out[i] = { ...(devices[i] as GuestDevice), element: 'serial', bus: undefined };
  return out;
}

/** pseries with a SCSI disk whose drive address names `controller` (libvirt adds ibmvscsi 0 to it), and maybe a console. */
function scsiOn(controller: number, console = false) {
  const disk = dev('sda', 'disk', undefined, { bus: 'scsi', targetDev: 'sda', otherAddressType: 'drive', addressController: controller });
  return pseries([], console ? [disk, dev('con', 'console', undefined, { type: 'pty', bus: 'serial' })] : [disk]);
}

export const cases = {
  pass: [
    // libvirt 9.0 defines these: reg 0, and the default 0x1000 for a slot-0 address on bus 1
    { name: 'one spapr-vlan at slot 3 of bus 0', design: pseries([], [dev('net0', 'interface', at(0, 3), { model: 'spapr-vlan' })]) },
    { name: 'slot 0 of bus 1: no user reg, the default', design: pseries([], [dev('net0', 'interface', at(1, 0), { model: 'spapr-vlan' })]) },
    { name: 'a user reg on a default: the default one moves on', design: pseries([], [dev('net0', 'interface', at(0, 4, 0, undefined, 0x2000), { model: 'spapr-vlan' }), dev('scsi0', 'controller', undefined, { type: 'scsi' })]) },
    { name: 'two spapr-vlan, one of them at reg 0x2000 and one without an address', design: pseries([], [dev('net0', 'interface', at(0, 3, 0, undefined, 0x2000), { model: 'spapr-vlan' }), dev('net1', 'interface', undefined, { model: 'spapr-vlan' })]) },
    // reg 0: QEMU gives it 0x71000001 (interrupt 0x1101), free beside a SCSI controller's default 0x2000
    // QEMU 7.2 starts it: the ibmvscsi (created first) holds 0x71000001, the NIC's reg 0 gets 0x71000002
    { name: 'reg 0 after an explicit reg QEMU would have given', design: pseries([], [dev('scsi0', 'controller', undefined, { type: 'scsi', model: 'ibmvscsi', otherAddressType: 'spapr-vio', addressReg: 0x71000001 }), dev('net0', 'interface', undefined, { model: 'spapr-vlan', otherAddressType: 'spapr-vio', addressReg: 0 })]) },
    { name: 'reg 0 beside the SCSI controller\'s default reg', design: pseries([], [dev('net0', 'interface', at(0, 3), { model: 'spapr-vlan' }), dev('scsi0', 'controller', undefined, { type: 'scsi' })]) },
    { name: 'a virtio NIC keeps its PCI address', design: pseries([], [dev('net0', 'interface', at(0, 3), { model: 'virtio' }), dev('net1', 'interface', at(0, 4), { model: 'spapr-vlan' })]) },
    // libvirt 9.0 + QEMU 7.2 start both: 254 ibmvscsi (interrupts 2-255), and 238 beside a console's vty
    { name: 'a SCSI disk on drive controller 253', design: scsiOn(253) },
    { name: 'a console and a SCSI disk on drive controller 237', design: scsiOn(237, true) },
  ],
  fail: [
    // libvirt 9.0: "spapr-vio address 0 already in use"
    { name: 'two spapr-vlan on bus 0, slots not 0: both reg 0', design: pseries([], [dev('net0', 'interface', at(0, 3), { model: 'spapr-vlan' }), dev('net1', 'interface', at(0, 4), { model: 'spapr-vlan' })]), expect: { devices: ['net1'] } },
    { name: 'a spapr-vlan and the default SCSI controller (ibmvscsi)', design: pseries([], [dev('net0', 'interface', at(0, 3), { model: 'spapr-vlan' }), dev('scsi0', 'controller', at(0, 4), { type: 'scsi' })]), expect: { devices: ['scsi0'] } },
    // libvirt 9.0: "spapr-vio reg='0x200000000' exceeds maximum possible value (0xffffffff)"
    { name: 'bus 2 slot 3: reg above 32 bits', design: pseries([], [dev('net0', 'interface', at(2, 3), { model: 'spapr-vlan' })]), expect: { devices: ['net0'] } },
    // libvirt 9.0: "spapr-vio address 0x1000 already in use": the first took the default 0x1000
    { name: 'a user reg on a default taken before it', design: pseries([], [dev('net0', 'interface', undefined, { model: 'spapr-vlan' }), dev('net1', 'interface', at(0, 4, 0, undefined, 0x1000), { model: 'spapr-vlan' })]), expect: { devices: ['net1'] } },
    { name: 'a reg written as spapr-vio counts from the start', design: pseries([], [dev('net0', 'interface', at(0, 4, 0, undefined, 0x2000), { model: 'spapr-vlan' }), dev('net1', 'interface', undefined, { model: 'spapr-vlan', otherAddressType: 'spapr-vio', addressReg: 0x2000 })]), expect: { devices: ['net0'] } },
    // libvirt 9.0 stops at the first refusal: one device is named
    { name: 'two written with one spapr-vio reg: the first one\'s turn fails', design: pseries([], [dev('net0', 'interface', undefined, { model: 'spapr-vlan', otherAddressType: 'spapr-vio', addressReg: 0x1000 }), dev('net1', 'interface', undefined, { model: 'spapr-vlan', otherAddressType: 'spapr-vio', addressReg: 0x1000 })]), expect: { devices: ['net0'] } },
    { name: 'three read as one user reg: the second fails, libvirt goes no further', design: pseries([], [dev('net0', 'interface', at(0, 1, 0, undefined, 0x2000), { model: 'spapr-vlan' }), dev('net1', 'interface', at(0, 2, 0, undefined, 0x2000), { model: 'spapr-vlan' }), dev('net2', 'interface', at(0, 3, 0, undefined, 0x2000), { model: 'spapr-vlan' })]), expect: { devices: ['net1'] } },
    { name: 'a clash before a reg above 32 bits: the clash alone', design: pseries([], [dev('net0', 'interface', at(2, 3), { model: 'spapr-vlan' }), dev('net1', 'interface', at(0, 3), { model: 'spapr-vlan' }), dev('net2', 'interface', at(0, 4), { model: 'spapr-vlan' })]), expect: { devices: ['net2'] } },
    { name: 'two regs above 32 bits: the first', design: pseries([], [dev('net0', 'interface', at(2, 3), { model: 'spapr-vlan' }), dev('net1', 'interface', at(3, 3), { model: 'spapr-vlan' })]), expect: { devices: ['net0'] } },
    // QEMU 7.2: "IRQ 4352 is not free" (reg 0x100000, like QEMU's nvram); "IRQ 4592 is not free" (reg 0xf0000, like the vty)
    { name: 'a SCSI disk on drive controller 254', design: scsiOn(254), expect: { devices: ['sda'] } },
    { name: 'a console and a SCSI disk on drive controller 238', design: scsiOn(238, true), expect: { devices: ['sda', 'con'] } },
    // QEMU 7.2: "IRQ 4353 is not free": reg 0 is QEMU's to choose (0x71000001, interrupt 0x1101), the other NIC has the default 0x1000 (0x1101)
    { name: 'two spapr-vlan, one at reg 0 and one without an address', design: pseries([], [dev('net0', 'interface', at(0, 3), { model: 'spapr-vlan' }), dev('net1', 'interface', undefined, { model: 'spapr-vlan' })]), expect: { devices: ['net0', 'net1'] } },
    // QEMU 7.2: "spapr-vty and spapr-vlan devices conflict at address 0x71000001": the NIC's reg 0 got it first
    { name: 'a reg QEMU gave a reg-0 device created before', design: pseries([], [dev('net0', 'interface', undefined, { model: 'spapr-vlan', otherAddressType: 'spapr-vio', addressReg: 0 }), dev('ser0', 'serial', undefined, { type: 'pty', otherAddressType: 'spapr-vio', addressReg: 0x71000001 })]), expect: { devices: ['net0', 'ser0'] } },
    { name: 'a pseries serial is spapr-vio too', design: pseries([], [dev('ser0', 'serial', at(0, 3), { type: 'pty' }), dev('net0', 'interface', at(0, 4), { model: 'spapr-vlan' })]), expect: { devices: ['ser0'] } },
  ],
};
