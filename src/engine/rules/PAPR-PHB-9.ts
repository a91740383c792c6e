import type { Finding, Rule, RuleMeta } from './types.ts';
import { finding } from './context.ts';
import { globalRule } from './define.ts';
import { isPhb } from '../model/guest.ts';
import { followsLibvirt9 } from '../model/libvirtRelease.ts';
import { at, dev, phb, pseries } from './testkit.ts';

const meta: RuleMeta = {
  id: 'PAPR-PHB-9',
  severity: 'error',
  title: 'No user alias on the default PHB (libvirt 9.0)',
  why: "libvirt 9.0 (Debian 12) names the default PHB's bus after a user alias, but QEMU's default PHB bus stays pci.0, so the guest does not start (\"Bus 'ua-…' not found\"). libvirt 10.x handles it: judged as 10.x, the finding is only a note.",
  source: 'Seen with libvirt 9.0 + QEMU 7.2 (shared/tools/libvirt-qemu-check.sh; libvirt\'s own test pseries-phb-user-alias, which 9.0 defines and QEMU refuses); libvirt 10.7 src/qemu/qemu_command.c qemuBuildDeviceAddressPCIGetBus',
  families: ['pseries'],
};

export const rule: Rule = globalRule(meta, (ctx) => {
  const c = ctx.controllerByIndex.get(0);
  if (!c || !isPhb(c) || !c.alias?.startsWith('ua-')) return [];
  const bus = ctx.busByIndex.get(0);
  if (!bus || (bus.devices.length === 0 && bus.controllers.length === 0)) return [];
  if (followsLibvirt9(ctx.libvirtVersion)) {
    return [finding(meta, `The default PHB has the user alias '${c.alias}' while devices sit on bus 0: libvirt ${ctx.libvirtVersion ?? ''} passes bus=${c.alias} to QEMU, which only knows pci.0, so QEMU refuses to start ("Bus '${c.alias}' not found"). Remove the alias, or use libvirt 10.x.`, { controllers: [0] })];
  }
  const note: Finding = { ...finding(meta, `The default PHB has the user alias '${c.alias}' while devices sit on bus 0: fine with libvirt 10.x, but libvirt 9.0 (Debian 12) would pass bus=${c.alias} to QEMU, which only knows pci.0, and the guest would not start.`, { controllers: [0] }), severity: 'info' };
  return [note];
});

const aliased = pseries([], [dev('vda', 'disk', at(0, 1))], undefined, { controllers: [phb(0, {}, { alias: 'ua-phb0' })] });

export const cases = {
  pass: [
    { name: 'alias on PHB 1', design: pseries([phb(1, {}, { alias: 'ua-phb1' })], [dev('vda', 'disk', at(0, 1)), dev('vdb', 'disk', at(1, 1))]), libvirtVersion: '9.0' },
    { name: 'alias on PHB 0 with nothing on bus 0', design: pseries([], [], undefined, { controllers: [phb(0, {}, { alias: 'ua-phb0' })] }), libvirtVersion: '9.0' },
    // libvirt 10.x passes bus=pci.0: only a note
    { name: 'alias on PHB 0, judged as libvirt 10.7', design: aliased },
  ],
  fail: [{ name: 'alias on PHB 0, judged as libvirt 9.0', design: aliased, libvirtVersion: '9.0', expect: { controllers: [0] } }],
};
