import type { Finding, Rule, RuleMeta } from './types.ts';
import type { GuestDevice } from '../model/guest.ts';
import { virDomainAssignDeviceControllerIndexes } from '../libvirt/domainConf.ts';
import { addrText, finding } from './context.ts';
import { deviceName, relocateFix } from './fixes.ts';
import { at, ctrl, design, dev } from './testkit.ts';

const meta: RuleMeta = {
  id: 'PC-PIIX3-2',
  severity: 'error',
  title: 'Nothing else at the PIIX3 functions of slot 1',
  why: 'On i440fx slot 1 is the PIIX3 chip: function 0 (ISA bridge), 1 (IDE) and 3 (ACPI) always, function 2 when the USB controller is the PIIX3 one. libvirt reserves them and refuses any other device written there; at function 1 with no IDE controller in the XML libvirt defines the domain, but QEMU always creates its piix3-ide there and refuses to start.',
  source:
    'libvirt src/qemu/qemu_domain_address.c qemuDomainValidateDevicePCISlotsPIIX3 (reserves 00:01, puts IDE controller 0 at 00:01.1 and a piix3-uhci or model-less USB controller 0 at 00:01.2), qemuDomainCollectPCIAddress; src/conf/domain_addr.c virDomainPCIAddressReserveAddrInternal ("Attempted double use of PCI Address"); src/conf/domain_conf.c virDomainDefAddImplicitControllers (the IDE controller of an IDE disk, the default USB controller); QEMU hw/i386/pc_piix.c pc_init1 (creates piix3-ide at piix3_devfn + 1 whenever PCI is enabled: "PCI: slot 1 function 1 not available for …, in use by piix3-ide"); checked with libvirt 9.0 + QEMU 7.2',
  families: ['i440fx'],
};

/** Who holds 00:01.1 when libvirt has no IDE controller there: QEMU's own, which libvirt does not know of. */
const QEMU_IDE = "QEMU's own PIIX3 IDE function (piix3-ide)";

/**
 * The functions of 00:01 the PIIX3 holds in this design, by function: 0 and 3 always; 1 always too:
 * libvirt's IDE controller 0 when one exists (written, or added for an IDE disk) with no address of
 * its own, else QEMU's own piix3-ide, which pc_init1 creates whatever the command line says; 2 when USB
 * controller 0 is piix3-uhci or model-less with no address, or when none is written (libvirt adds
 * its default piix3-uhci; `model='none'` adds none). A controller written at its own function is
 * itself there: anything else at that function is GEN-ADDR-4's double use.
 */
export function piix3Functions(devices: readonly GuestDevice[]): Map<number, string> {
  const out = new Map<number, string>([
    [0, 'the PIIX3 ISA bridge'],
    [1, QEMU_IDE],
    [3, 'the PIIX3 ACPI function'],
  ]);
  const indexed = virDomainAssignDeviceControllerIndexes(devices);
  const ide = indexed.find((d) => d.element === 'controller' && d.type === 'ide' && d.index === 0);
  const ideDisk = devices.some((d) => d.element === 'disk' && d.bus === 'ide');
  if ((ide && !ide.address) || (!ide && ideDisk)) out.set(1, 'the PIIX3 IDE controller');
  // IDE controller 0 written with its address: it is QEMU's piix3-ide; another device there is GEN-ADDR-4's
  else if (ide?.address) out.delete(1);
  const usb = indexed.find((d) => d.element === 'controller' && d.type === 'usb' && d.index === 0);
  if (usb ? !usb.address && (usb.model === undefined || usb.model === 'piix3-uhci') : true) out.set(2, 'the PIIX3 USB controller');
  return out;
}

export const rule: Rule = {
  meta,
  check(ctx) {
    const out: Finding[] = [];
    const held = piix3Functions(ctx.design.guest.devices);
    for (const d of ctx.guest.devices) {
      const a = d.address;
      if (!a || a.domain !== 0 || a.bus !== 0 || a.slot !== 1) continue;
      const who = held.get(a.function);
      if (!who) continue;
      const fix = relocateFix(ctx, [d], { leaveBus: false });
      const refusal = who === QEMU_IDE ? `libvirt defines it, and QEMU refuses to start ("PCI: slot 1 function 1 not available for …, in use by piix3-ide")` : `libvirt refuses it ("Attempted double use of PCI Address 0000:00:01.${a.function}")`;
      out.push(finding(meta, `${deviceName(d)} is at ${addrText(a)}, which is ${who}'s: ${refusal}.`, { devices: [d.key] }, fix ? [fix] : undefined));
    }
    return out;
  },
};

const pc = (devices: GuestDevice[]) => design({ machine: 'pc', controllers: [ctrl('pci-root', 0)], devices });
const es1370 = (fn: number) => dev('snd', 'sound', at(0, 1, fn), { model: 'es1370' });

export const cases = {
  pass: [
    // libvirt 9.0 defines these
    { name: 'function 2 with USB model none', design: pc([dev('usb0', 'controller', undefined, { type: 'usb', index: 0, model: 'none' }), es1370(2)]) },
    { name: 'function 2 with USB controller 0 of another model', design: pc([dev('usb0', 'controller', undefined, { type: 'usb', index: 0, model: 'ich9-ehci1' }), es1370(2)]) },
    { name: 'function 4', design: pc([es1370(4)]) },
    { name: 'the PIIX3 controllers written at their own functions', design: pc([dev('ide0', 'controller', at(0, 1, 1), { type: 'ide', index: 0 }), dev('usb0', 'controller', at(0, 1, 2), { type: 'usb', index: 0, model: 'piix3-uhci' })]) },
  ],
  fail: [
    // libvirt 9.0: "Attempted double use of PCI Address 0000:00:01.N"
    { name: 'function 0: the ISA bridge', design: pc([es1370(0)]), expect: { devices: ['snd'] } },
    { name: 'function 3: ACPI', design: pc([es1370(3)]), expect: { devices: ['snd'] } },
    { name: 'function 2 and the default USB controller', design: pc([es1370(2)]), expect: { devices: ['snd'] } },
    { name: 'function 2 and a model-less USB controller 0', design: pc([dev('usb0', 'controller', undefined, { type: 'usb', index: 0 }), es1370(2)]), expect: { devices: ['snd'] } },
    { name: 'function 1 and IDE controller 0', design: pc([dev('ide0', 'controller', undefined, { type: 'ide', index: 0 }), es1370(1)]), expect: { devices: ['snd'] } },
    // QEMU 7.2: "PCI: slot 1 function 1 not available for ES1370, in use by piix3-ide" (libvirt 9.0 defines it)
    { name: 'function 1 with no IDE controller: QEMU\'s own piix3-ide', design: pc([es1370(1)]), expect: { devices: ['snd'] } },
    { name: 'function 1 and an IDE cdrom', design: pc([dev('hdc', 'disk', undefined, { bus: 'ide', targetDev: 'hdc' }), es1370(1)]), expect: { devices: ['snd'] } },
  ],
};
