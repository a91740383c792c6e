import type { Finding, Rule, RuleMeta } from './types.ts';
import { SOUND_MODELS_WITHOUT_CONNECT_FLAGS } from '../libvirt/qemuDomainAddress.ts';
import { finding } from './context.ts';
import { deviceName } from './fixes.ts';
import { at, dev, q35 } from './testkit.ts';

const meta: RuleMeta = {
  id: 'GEN-SOUND-1',
  severity: 'error',
  title: 'A sound model the QEMU driver of libvirt has',
  why: '`<sound model=\'ich7\'>` is in libvirt\'s schema for the bhyve driver; libvirt\'s QEMU driver has no QEMU device for it and no PCI connect type, so it refuses the domain whatever the QEMU binary offers: not a capability that a newer QEMU brings.',
  source:
    'libvirt src/qemu/qemu_domain_address.c qemuDomainDeviceCalculatePCIConnectFlags (no flags for VIR_DOMAIN_SOUND_MODEL_ICH7: unaddressed, "Cannot automatically add a new PCI bus for a device with connect flags 00" from virDomainPCIAddressSetGrow), the QEMU driver\'s sound device build ("sound card model \'ich7\' is not supported by qemu" for one written with a PCI address); no libvirt QEMU test uses it; checked with libvirt 9.0 + QEMU 7.2',
  families: 'all',
};

/** Models of `<sound>` the schema takes that the QEMU driver cannot build: those it gives no PCI connect flags. */
const NOT_QEMU = SOUND_MODELS_WITHOUT_CONNECT_FLAGS;

export const rule: Rule = {
  meta,
  check(ctx) {
    const out: Finding[] = [];
    for (const d of ctx.design.guest.devices) {
      if (d.element !== 'sound' || !NOT_QEMU.has(d.model ?? '')) continue;
      const words = d.address ? `sound card model '${d.model}' is not supported by qemu` : 'Cannot automatically add a new PCI bus for a device with connect flags 00';
      out.push(
        finding(meta, `${deviceName(d)}: libvirt's QEMU driver has no ${d.model} sound device and refuses the domain ("${words}"). Use ich9 (q35) or ich6 (HDA), or ac97.`, { devices: [d.key] }, [
          { label: 'Remove it', command: { kind: 'remove-device', device: d.key } },
        ]),
      );
    }
    return out;
  },
};

export const cases = {
  pass: [
    { name: 'ich9', design: q35([], [dev('snd', 'sound', undefined, { model: 'ich9' })]) },
    { name: 'ich6 with an address', design: q35([], [dev('snd', 'sound', at(0, 5), { model: 'ich6' })]) },
  ],
  fail: [
    // libvirt 9.0: "Cannot automatically add a new PCI bus for a device with connect flags 00"
    { name: 'ich7 with no address', design: q35([], [dev('snd', 'sound', undefined, { model: 'ich7' })]), expect: { devices: ['snd'] } },
    // libvirt 9.0: "sound card model 'ich7' is not supported by qemu"
    { name: 'ich7 with an address', design: q35([], [dev('snd', 'sound', at(0, 5), { model: 'ich7' })]), expect: { devices: ['snd'] } },
  ],
};
