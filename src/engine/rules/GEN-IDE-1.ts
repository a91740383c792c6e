import type { Finding, Rule, RuleMeta } from './types.ts';
import type { GuestDevice } from '../model/guest.ts';
import { virDiskNameToIndex } from '../libvirt/domainConf.ts';
import { finding } from './context.ts';
import { deviceName } from './fixes.ts';
import { at, ctrl, design, dev, q35 } from './testkit.ts';

const meta: RuleMeta = {
  id: 'GEN-IDE-1',
  severity: 'error',
  title: 'IDE only as the machine\'s one built-in IDE controller',
  why: 'QEMU has no IDE controller device libvirt can add: only i440fx has one, built into its PIIX3 chip, as controller index 0. libvirt refuses a second one there, and any IDE controller (or IDE disk, which needs one) on q35, virt or pseries.',
  source:
    'libvirt src/qemu/qemu_validate.c qemuValidateDomainDeviceDefControllerIDE ("Only a single IDE controller is supported for this machine type", "IDE controllers are unsupported for this QEMU binary or machine type"), src/qemu/qemu_domain.c qemuDomainHasBuiltinIDE; src/conf/domain_conf.c virDomainDefAddImplicitControllers (an IDE disk adds its controller); checked with libvirt 9.0',
  families: ['i440fx', 'q35', 'virt', 'pseries'],
};

/** The IDE controller index an IDE disk sits on: its `<address type='drive' controller>`, else its name's drive index / 4 (virDomainDiskDefAssignAddress: 2 buses × 2 units). */
function ideControllerOf(d: GuestDevice): number | undefined {
  if (d.addressController !== undefined) return d.addressController;
  const idx = d.targetDev === undefined ? undefined : virDiskNameToIndex(d.targetDev);
  return idx === undefined ? 0 : Math.floor(idx / 4);
}

export const rule: Rule = {
  meta,
  check(ctx) {
    const out: Finding[] = [];
    const builtin = ctx.family === 'i440fx';
    for (const d of ctx.design.guest.devices) {
      const index = d.element === 'controller' && d.type === 'ide' ? (d.index ?? 0) : d.element === 'disk' && d.bus === 'ide' ? ideControllerOf(d) : undefined;
      if (index === undefined || (builtin && index === 0)) continue;
      const what = d.element === 'disk' ? `${deviceName(d)} is an IDE disk on IDE controller ${index}` : `${deviceName(d)} is an IDE controller (index ${index})`;
      const words = builtin ? 'Only a single IDE controller is supported for this machine type' : 'IDE controllers are unsupported for this QEMU binary or machine type';
      const fix = builtin ? 'use SATA, SCSI or virtio disks beyond the four of IDE controller 0' : 'use a SATA, SCSI or virtio disk';
      out.push(finding(meta, `${what}: libvirt refuses it ("${words}"); ${fix}.`, { devices: [d.key] }));
    }
    return out;
  },
};

const pc = (devices: GuestDevice[]) => design({ machine: 'pc', controllers: [ctrl('pci-root', 0)], devices });

export const cases = {
  pass: [
    { name: 'i440fx: IDE controller 0', design: pc([dev('ide0', 'controller', undefined, { type: 'ide', index: 0 })]) },
    { name: 'i440fx: an IDE cdrom hdc (controller 0)', design: pc([dev('hdc', 'disk', undefined, { bus: 'ide', targetDev: 'hdc' })]) },
    { name: 'q35: a SATA disk', design: q35([], [dev('sda', 'disk', undefined, { bus: 'sata', targetDev: 'sda' })]) },
  ],
  fail: [
    // libvirt 9.0: "Only a single IDE controller is supported for this machine type"
    { name: 'i440fx: IDE controller 1', design: pc([dev('ide1', 'controller', at(0, 5), { type: 'ide', index: 1 })]), expect: { devices: ['ide1'] } },
    // libvirt 9.0: "Only 1 IDE controller is supported"
    { name: 'i440fx: an IDE disk hde needs controller 1', design: pc([dev('hde', 'disk', undefined, { bus: 'ide', targetDev: 'hde' })]), expect: { devices: ['hde'] } },
    { name: 'i440fx: an IDE disk on drive controller 1', design: pc([dev('hda', 'disk', undefined, { bus: 'ide', targetDev: 'hda', addressController: 1 })]), expect: { devices: ['hda'] } },
    // libvirt 9.0: "IDE controllers are unsupported for this QEMU binary or machine type"
    { name: 'q35: an IDE controller', design: q35([], [dev('ide0', 'controller', undefined, { type: 'ide', index: 0 })]), expect: { devices: ['ide0'] } },
    { name: 'q35: an IDE cdrom', design: q35([], [dev('hdc', 'disk', undefined, { bus: 'ide', targetDev: 'hdc' })]), expect: { devices: ['hdc'] } },
  ],
};
