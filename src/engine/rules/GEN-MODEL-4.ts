import type { Finding, Rule, RuleMeta } from './types.ts';
import { finding } from './context.ts';
import { globalRule } from './define.ts';
import { deviceName } from './fixes.ts';
import { followsLibvirt9 } from '../model/libvirtRelease.ts';
import { at, dev, q35, virt } from './testkit.ts';

const meta: RuleMeta = {
  id: 'GEN-MODEL-4',
  severity: 'error',
  title: 'A device model the libvirt release has',
  why: "A few device models are newer than libvirt 9.0: `<panic model='pvpanic'>` (QEMU's pvpanic-pci, a PCI device on x86 and aarch64 alike), `<sound model='virtio'>` (virtio-sound-pci) and `<watchdog model='itco'>` (which libvirt 10.x writes for q35 itself). libvirt 9.0 does not know them and refuses the whole domain when it parses it. Judged as libvirt 10.x they are known, and the PCI ones are placed on PCI.",
  source:
    "libvirt src/conf/domain_conf.c virDomainPanicDefParseXML (\"unknown panic model '%s'\"), virDomainWatchdogDefParseXML (\"unknown watchdog model '%s'\"), virDomainSoundDefParseXML (virXMLPropEnum: \"Invalid value for attribute 'model' in element 'sound': '%s'.\"), and the enums virDomainPanicModel, virDomainWatchdogModel, virDomainSoundModel (pvpanic, itco and virtio in 10.7, absent in 9.0); each checked with libvirt 9.0's virsh define",
  families: 'all',
};

/** The models libvirt 9.0 does not have that 10.7 has, per element, with the words 9.0 refuses them in. */
const NEWER_THAN_9: Readonly<Partial<Record<string, Readonly<Record<string, string>>>>> = {
  panic: { pvpanic: "unknown panic model 'pvpanic'" },
  sound: { virtio: "Invalid value for attribute 'model' in element 'sound': 'virtio'." },
  watchdog: { itco: "unknown watchdog model 'itco'" },
};

/** The fix drops the device: the models 9.0 has instead are other devices (another bus, the machine's own) and need the user's choice. */
export const rule: Rule = globalRule(meta, (ctx) => {
  if (!followsLibvirt9(ctx.libvirtVersion)) return [];
  const out: Finding[] = [];
  for (const d of ctx.guest.devices) {
    const refused = d.model !== undefined && !d.implicit ? NEWER_THAN_9[d.element]?.[d.model] : undefined;
    if (refused === undefined) continue;
    out.push(finding(meta, `${deviceName(d)} has ${d.element} model '${d.model ?? ''}', which libvirt ${ctx.libvirtVersion ?? ''} does not have: it refuses the domain ("${refused}"). Use libvirt 10.x, or remove the device.`, { devices: [d.key] }, [{ label: 'Remove it', command: { kind: 'remove-device', device: d.key } }]));
  }
  return out;
});

const pvpanic = (address?: ReturnType<typeof at>) => dev('panic0', 'panic', address, { model: 'pvpanic' });

export const cases = {
  pass: [
    { name: 'pvpanic on q35, judged as libvirt 10.7 (the default)', design: q35([], [pvpanic(at(0, 4))]) },
    { name: 'pvpanic on virt, judged as libvirt 10.7', design: virt([], [pvpanic(at(0, 4))]), libvirtVersion: '10.7' },
    { name: "panic model 'isa' on q35, judged as libvirt 9.0", design: q35([], [dev('panic0', 'panic', undefined, { model: 'isa' })]), libvirtVersion: '9.0' },
    { name: "sound model 'ich9' and watchdog model 'i6300esb', judged as libvirt 9.0", design: q35([], [dev('snd', 'sound', at(0, 5), { model: 'ich9' }), dev('wd', 'watchdog', at(0, 6), { model: 'i6300esb' })]), libvirtVersion: '9.0' },
    { name: 'an itco watchdog and a virtio sound device, judged as libvirt 10.7', design: q35([], [dev('snd', 'sound', at(0, 5), { model: 'virtio' }), dev('wd', 'watchdog', undefined, { model: 'itco' })]) },
    { name: 'a panic device libvirt adds itself (implicit), judged as 9.0', design: q35([], [{ ...pvpanic(at(0, 4)), implicit: true }]), libvirtVersion: '9.0' },
  ],
  fail: [
    { name: 'pvpanic on q35, judged as libvirt 9.0', design: q35([], [pvpanic(at(0, 4))]), libvirtVersion: '9.0', expect: { devices: ['panic0'] } },
    { name: 'pvpanic without an address on virt, judged as libvirt 9.5.0', design: virt([], [pvpanic()]), libvirtVersion: '9.5.0', expect: { devices: ['panic0'] } },
    { name: 'a virtio sound device, judged as libvirt 9.0', design: q35([], [dev('snd', 'sound', at(0, 5), { model: 'virtio' })]), libvirtVersion: '9.0', expect: { devices: ['snd'] } },
    { name: 'an itco watchdog (libvirt 10.x writes it for q35), judged as libvirt 9.0', design: q35([], [dev('wd', 'watchdog', undefined, { model: 'itco' })]), libvirtVersion: '9.0', expect: { devices: ['wd'] } },
  ],
};
