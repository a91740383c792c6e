import type { Finding, Rule, RuleMeta } from './types.ts';
import { FS_DRIVERS_WITHOUT_CONNECT_FLAGS } from '../libvirt/qemuDomainAddress.ts';
import { finding } from './context.ts';
import { deviceName } from './fixes.ts';
import { at, dev, q35 } from './testkit.ts';

const meta: RuleMeta = {
  id: 'GEN-FS-1',
  severity: 'error',
  title: "A filesystem driver libvirt's QEMU driver has, and no model on virtiofs",
  why: "`<driver type='loop'|'nbd'|'ploop'>` are the LXC and OpenVZ drivers' filesystems: libvirt's QEMU driver has no device for them (no PCI connect type, so it cannot place one either) and refuses the domain. A virtiofs share is always vhost-user-fs-pci, which has no transitional variants: libvirt refuses any `model` on it rather than ignore it.",
  source:
    "libvirt src/qemu/qemu_validate.c qemuValidateDomainDeviceDefFS (LOOP/NBD/PLOOP: \"Filesystem driver type not supported\"; VIRTIOFS with fs->model != VIR_DOMAIN_FS_MODEL_DEFAULT: \"virtiofs does not support model\"); src/qemu/qemu_domain_address.c qemuDomainDeviceCalculatePCIConnectFlags (0 for LOOP/NBD/PLOOP, so one without an address is refused first: \"Cannot automatically add a new PCI bus for a device with connect flags 00\"); checked with libvirt 9.0 for loop, nbd and ploop",
  families: 'all',
};

export const rule: Rule = {
  meta,
  check(ctx) {
    const out: Finding[] = [];
    for (const d of ctx.design.guest.devices) {
      if (d.element !== 'filesystem' || d.implicit) continue;
      const remove = [{ label: 'Remove it', command: { kind: 'remove-device' as const, device: d.key } }];
      if (FS_DRIVERS_WITHOUT_CONNECT_FLAGS.has(d.driverType ?? '')) {
        // without an address, the address assignment (before validation) is what fails
        const words = d.address ? 'Filesystem driver type not supported' : 'Cannot automatically add a new PCI bus for a device with connect flags 00';
        out.push(finding(meta, `${deviceName(d)} has driver type '${d.driverType}', which libvirt's QEMU driver has no device for: it refuses the domain ("${words}"). Use driver type 'path' (9p) or 'virtiofs'.`, { devices: [d.key] }, remove));
      } else if (d.driverType === 'virtiofs' && d.model !== undefined) {
        out.push(finding(meta, `${deviceName(d)} is a virtiofs share with model '${d.model}': libvirt refuses the domain ("virtiofs does not support model"); vhost-user-fs-pci has no transitional variant. Remove the model.`, { devices: [d.key] }));
      }
    }
    return out;
  },
};

const fs = (key: string, extra: Record<string, unknown>) => dev(key, 'filesystem', undefined, { type: 'mount', ...extra });

export const cases = {
  pass: [
    { name: '9p (path) with a transitional model, and virtiofs without one', design: q35([], [fs('p9', { driverType: 'path', model: 'virtio-transitional' }), fs('vfs', { driverType: 'virtiofs' }), fs('plain', {})]) },
  ],
  fail: [
    // libvirt 9.0: "Cannot automatically add a new PCI bus for a device with connect flags 00"
    { name: "driver type='loop' without an address", design: q35([], [fs('loop', { driverType: 'loop' })]), expect: { devices: ['loop'] } },
    { name: "driver type='nbd'", design: q35([], [fs('nbd', { driverType: 'nbd' })]), expect: { devices: ['nbd'] } },
    { name: "driver type='ploop'", design: q35([], [fs('ploop', { driverType: 'ploop' })]), expect: { devices: ['ploop'] } },
    // libvirt 9.0: "Filesystem driver type not supported"
    { name: "driver type='loop' written with a PCI address", design: q35([], [dev('loop', 'filesystem', at(0, 5), { driverType: 'loop' })]), expect: { devices: ['loop'] } },
    // qemuValidateDomainDeviceDefFS: "virtiofs does not support model"
    { name: "virtiofs with model='virtio-transitional'", design: q35([], [fs('vfs', { driverType: 'virtiofs', model: 'virtio-transitional' })]), expect: { devices: ['vfs'] } },
    { name: "virtiofs with model='virtio-non-transitional'", design: q35([], [fs('vfs', { driverType: 'virtiofs', model: 'virtio-non-transitional' })]), expect: { devices: ['vfs'] } },
  ],
};
