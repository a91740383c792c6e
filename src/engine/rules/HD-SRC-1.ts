import type { GuestDevice } from '../model/guest.ts';
import type { Finding, Rule, RuleMeta } from './types.ts';
import { finding } from './context.ts';
import { globalRule } from './define.ts';
import { deviceName } from './fixes.ts';
import { at, dev, hostdev, pseries, q35 } from './testkit.ts';

const meta: RuleMeta = {
  id: 'HD-SRC-1',
  severity: 'error',
  title: 'A PCI hostdev names its host device',
  why: 'A passthrough device is the host device its <source><address> names; libvirt refuses a <hostdev> with no type and a PCI one with no source, so the guest cannot be defined.',
  source:
    'libvirt src/conf/domain_conf.c virDomainHostdevDefParseXMLSubsys ("missing type in hostdev", "Missing <source> element in hostdev device"); src/conf/schemas/domaincommon.rng hostdevsubsyspci (<source><address> required)',
  families: 'all',
};

/** What libvirt says about a hostdev without a usable source, or undefined when it has one. */
function problem(d: GuestDevice): string | undefined {
  if (d.hostAddress) return undefined;
  if (d.element === 'hostdev') {
    if (d.mode === 'capabilities' || (d.type !== undefined && d.type !== 'pci')) return undefined;
    if (d.type === undefined) return `has no type: libvirt refuses it ("missing type in hostdev"). Write type='pci' with the host device's <source><address …/>`;
    return `has no host address libvirt can read (<source><address domain bus slot function/>): libvirt refuses it ("Missing <source> element in hostdev device")`;
  }
  if (d.element === 'interface' && d.type === 'hostdev') return `has no host address libvirt can read (<source><address type='pci' …/>): libvirt refuses it`;
  return undefined;
}

export const rule: Rule = globalRule(meta, (ctx) => {
  const out: Finding[] = [];
  for (const d of ctx.guest.devices) {
    const why = problem(d);
    if (!why) continue;
    out.push(finding(meta, `${deviceName(d)} ${why}.`, { devices: [d.key] }, [{ label: `Remove ${deviceName(d)}`, command: { kind: 'remove-device', device: d.key } }]));
  }
  return out;
});

export const cases = {
  pass: [
    { name: 'a PCI hostdev with its source', design: q35([], [hostdev('0000:01:00.0')]) },
    { name: 'a USB hostdev (not PCI)', design: q35([], [dev('usb', 'hostdev', undefined, { type: 'usb', mode: 'subsystem' })]) },
    { name: 'a capabilities hostdev', design: q35([], [dev('caps', 'hostdev', undefined, { type: 'storage', mode: 'capabilities' })]) },
  ],
  fail: [
    // p02-place-same-host-function-twice: an empty <hostdev>
    { name: 'hostdev with no type', design: pseries([], [dev('hostdev-0', 'hostdev')]), expect: { devices: ['hostdev-0'] } },
    { name: 'PCI hostdev with no source', design: q35([], [dev('hostdev-0', 'hostdev', at(0, 2), { type: 'pci', mode: 'subsystem' })]), expect: { devices: ['hostdev-0'] } },
    { name: 'interface type=hostdev with no source', design: q35([], [dev('interface-0', 'interface', undefined, { type: 'hostdev' })]), expect: { devices: ['interface-0'] } },
  ],
};
