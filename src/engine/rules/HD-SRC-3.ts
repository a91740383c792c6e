import type { Finding, Rule, RuleMeta } from './types.ts';
import { virPCIDeviceAddressIsValid } from '../libvirt/virpci.ts';
import { finding } from './context.ts';
import { hostRule } from './define.ts';
import { deviceName } from './fixes.ts';
import { hostdev, q35 } from './testkit.ts';

const meta: RuleMeta = {
  id: 'HD-SRC-3',
  severity: 'warning',
  title: 'A hostdev is on the loaded host',
  why: 'libvirt defines a domain whose hostdev names a device the host does not have, but the guest cannot start there (libvirt finds no such PCI device in sysfs); the host you loaded is not the one this design fits, or the address is wrong.',
  source: 'libvirt src/hypervisor/virhostdev.c virHostdevGetPCIHostDeviceList / src/util/virpci.c virPCIDeviceNew (sysfs lookup at start, not at define)',
  needsHost: true,
  families: 'all',
};

export const rule: Rule = hostRule(meta, (ctx) => ctx.hostdevs.length > 0, (ctx) => {
  const out: Finding[] = [];
  const where = ctx.host?.label ? ` (${ctx.host.label})` : '';
  for (const d of ctx.hostdevs) {
    // an address libvirt refuses to parse is HD-SRC-1's: libvirt never gets as far as defining it
    if (!d.hostAddress || virPCIDeviceAddressIsValid(d.hostAddress) || ctx.hostDevice(d)) continue;
    out.push(finding(meta, `${deviceName(d)} names a host device that is not on the loaded host${where}: libvirt defines the domain, but it cannot start on this host. Check the host address, or load the host this guest runs on.`, { devices: [d.key] }));
  }
  return out;
});

export const cases = {
  pass: [
    { name: 'the device is on the host', design: q35([], [hostdev('0000:01:00.0')], { groups: { 1: ['0000:01:00.0'] } }) },
    // libvirt refuses to parse it (HD-SRC-1): "libvirt defines the domain" would be untrue
    { name: 'a host address out of range (bus 0x100) is HD-SRC-1\'s', design: q35([], [hostdev('0000:3b:00.0', undefined, { hostAddress: { domain: 0, bus: 0x100, slot: 0, function: 0 } })], { groups: { 1: ['0000:01:00.0'] } }) },
  ],
  fail: [{ name: 'the device is not on the host', design: q35([], [hostdev('0000:3b:00.0')], { groups: { 1: ['0000:01:00.0'] } }), expect: { devices: ['0000:3b:00.0'] } }],
};
