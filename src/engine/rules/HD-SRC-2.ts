import type { GuestDevice } from '../model/guest.ts';
import { parsePciAddress, pciAddressKey } from '../model/pci.ts';
import type { Finding, Rule, RuleMeta } from './types.ts';
import { finding } from './context.ts';
import { globalRule } from './define.ts';
import { at, dev, hostdev, pseries, q35, rootPort } from './testkit.ts';
import { hexNumber } from '../model/names.ts';

const meta: RuleMeta = {
  id: 'HD-SRC-2',
  severity: 'error',
  title: 'A host device is passed through once',
  why: 'One host function can be given to the guest only once; libvirt refuses a domain whose <hostdev>s (including <interface type=\'hostdev\'>) name the same host device twice.',
  source: 'libvirt src/conf/domain_validate.c virDomainDefHostdevValidate ("Hostdev already exists in the domain configuration"), virDomainHostdevMatch',
  families: 'all',
};

const who = (d: GuestDevice): string => (d.alias ? `alias ${d.alias}` : d.address ? `at bus ${hexNumber(d.address.bus, 2)} slot ${hexNumber(d.address.slot, 2)}` : d.element === 'interface' ? "an <interface type='hostdev'>" : 'a <hostdev>');

export const rule: Rule = globalRule(meta, (ctx) => {
  const bySource = new Map<string, GuestDevice[]>();
  for (const d of ctx.hostdevs) {
    if (!d.hostAddress) continue;
    const k = pciAddressKey(d.hostAddress);
    const list = bySource.get(k);
    if (list) list.push(d);
    else bySource.set(k, [d]);
  }
  const out: Finding[] = [];
  for (const [source, list] of bySource) {
    if (list.length < 2) continue;
    const extra = list.slice(1);
    out.push(
      finding(
        meta,
        `Host device ${source} is passed through ${list.length} times (${list.map(who).join(', ')}): libvirt refuses the domain ("Hostdev already exists in the domain configuration"). Keep one.`,
        { devices: list.map((d) => d.key) },
        [{ label: `Keep the first ${source} and remove the other${extra.length > 1 ? 's' : ''}`, command: { kind: 'batch', label: `Remove the duplicate ${source}`, commands: extra.map((d) => ({ kind: 'remove-device' as const, device: d.key })) } }],
      ),
    );
  }
  return out;
});

const twice = (key2: string, extra: Partial<GuestDevice> = {}): GuestDevice => ({ ...hostdev('0000:05:00.0'), key: key2, ...extra });

export const cases = {
  pass: [
    { name: 'two functions of one card', design: q35([rootPort(1, 1)], [hostdev('0000:05:00.0', at(1, 0, 0, 'on')), hostdev('0000:05:00.1', at(1, 0, 1))]) },
    { name: 'same bus/slot/function in two host domains', design: pseries([], [hostdev('0000:05:00.0'), hostdev('0001:05:00.0')]) },
  ],
  fail: [
    // d16-q35-same-hostdev-twice
    { name: 'one host function in two <hostdev>s', design: q35([], [hostdev('0000:05:00.0', undefined, { alias: 'ua-hd0' }), twice('0000:05:00.0#2', { alias: 'ua-hd1' })]), expect: { devices: ['0000:05:00.0', '0000:05:00.0#2'] } },
    // p02-place-same-host-function-twice: two <interface type='hostdev'> with one source
    {
      name: 'one host function in two hostdev interfaces',
      design: pseries([], [0, 1].map((i) => dev(i === 0 ? '0005:90:01.0' : '0005:90:01.0#2', 'interface', undefined, { type: 'hostdev', hostAddress: parsePciAddress('0005:90:01.0') }))),
      expect: { devices: ['0005:90:01.0', '0005:90:01.0#2'] },
    },
  ],
};
