import type { Finding, Rule, RuleMeta } from './types.ts';
import { finding } from './context.ts';
import { globalRule } from './define.ts';
import { deviceName } from './fixes.ts';
import { followsLibvirt9 } from '../model/libvirtRelease.ts';
import { at, dev, q35, virt } from './testkit.ts';

const meta: RuleMeta = {
  id: 'GEN-MODEL-4',
  severity: 'error',
  title: 'A panic model the libvirt release has',
  why: "`<panic model='pvpanic'>` (QEMU's pvpanic-pci, a PCI device on x86 and aarch64 alike) is newer than libvirt 9.0: 9.0 does not know the model and refuses the whole domain when it parses it. Judged as libvirt 10.x the model is known and the device is placed on PCI.",
  source:
    "libvirt src/conf/domain_conf.c virDomainPanicDefParseXML (virDomainPanicModelTypeFromString < 0: VIR_ERR_CONFIG_UNSUPPORTED \"unknown panic model '%s'\"), the virDomainPanicModel enum (VIR_DOMAIN_PANIC_MODEL_PVPANIC in 10.7, absent in 9.0); checked with libvirt 9.0 (virsh define: \"unsupported configuration: unknown panic model 'pvpanic'\")",
  families: 'all',
};

/** The fix drops the device: the other panic models are another bus's (ISA, the machine's own) and need the user's choice. */
export const rule: Rule = globalRule(meta, (ctx) => {
  if (!followsLibvirt9(ctx.libvirtVersion)) return [];
  const out: Finding[] = [];
  for (const d of ctx.guest.devices) {
    if (d.element !== 'panic' || d.model !== 'pvpanic' || d.implicit) continue;
    out.push(finding(meta, `${deviceName(d)} has model 'pvpanic', which libvirt ${ctx.libvirtVersion ?? ''} does not have: it refuses the domain ("unknown panic model 'pvpanic'"). Use libvirt 10.x, or remove the device (model 'isa' is the ISA pvpanic on x86).`, { devices: [d.key] }, [{ label: 'Remove it', command: { kind: 'remove-device', device: d.key } }]));
  }
  return out;
});

const pvpanic = (address?: ReturnType<typeof at>) => dev('panic0', 'panic', address, { model: 'pvpanic' });

export const cases = {
  pass: [
    { name: 'pvpanic on q35, judged as libvirt 10.7 (the default)', design: q35([], [pvpanic(at(0, 4))]) },
    { name: 'pvpanic on virt, judged as libvirt 10.7', design: virt([], [pvpanic(at(0, 4))]), libvirtVersion: '10.7' },
    { name: "panic model 'isa' on q35, judged as libvirt 9.0", design: q35([], [dev('panic0', 'panic', undefined, { model: 'isa' })]), libvirtVersion: '9.0' },
    { name: 'a panic device libvirt adds itself (implicit), judged as 9.0', design: q35([], [{ ...pvpanic(at(0, 4)), implicit: true }]), libvirtVersion: '9.0' },
  ],
  fail: [
    { name: 'pvpanic on q35, judged as libvirt 9.0', design: q35([], [pvpanic(at(0, 4))]), libvirtVersion: '9.0', expect: { devices: ['panic0'] } },
    { name: 'pvpanic without an address on virt, judged as libvirt 9.5.0', design: virt([], [pvpanic()]), libvirtVersion: '9.5.0', expect: { devices: ['panic0'] } },
  ],
};
