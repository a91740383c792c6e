import type { Finding, Rule, RuleMeta } from './types.ts';
import type { GuestDevice } from '../model/guest.ts';
import { virDomainAssignDeviceControllerIndexes } from '../libvirt/domainConf.ts';
import { addrText, finding } from './context.ts';
import { deviceName } from './fixes.ts';
import { at, ctrl, design, dev } from './testkit.ts';

const meta: RuleMeta = {
  id: 'PC-PIIX3-1',
  severity: 'error',
  title: 'The PIIX3 IDE and USB functions stay at 00:01.1 and 00:01.2',
  why: 'On i440fx the first IDE controller and the first UHCI USB controller are functions of the PIIX3 chip at slot 1; libvirt refuses them at any other PCI address.',
  source:
    'libvirt src/qemu/qemu_domain_address.c qemuDomainValidateDevicePCISlotsPIIX3 (the IDE controller with index 0: "Primary IDE controller must have PCI address 0:0:1.1"; the USB controller with index 0 of model piix3-uhci or no model, when it wants a PCI address: "PIIX3 USB controller at index 0 must have PCI address 0:0:1.2")',
  families: ['i440fx'],
};

interface Pinned {
  readonly type: 'ide' | 'usb';
  readonly fn: number;
  readonly what: string;
  readonly words: string;
}

const PINNED: readonly Pinned[] = [
  { type: 'ide', fn: 1, what: 'primary IDE controller', words: 'Primary IDE controller must have PCI address 0:0:1.1' },
  { type: 'usb', fn: 2, what: 'PIIX3 USB controller', words: 'PIIX3 USB controller at index 0 must have PCI address 0:0:1.2' },
];

/**
 * The controller qemuDomainValidateDevicePCISlotsPIIX3 pins: of its type with controller index 0
 * (an index-less one gets its index as virDomainAssignControllerIndexes gives it); for USB only
 * piix3-uhci or a model-less one (libvirt's default USB model on i440fx).
 */
function pinned(devices: readonly GuestDevice[], p: Pinned): GuestDevice | undefined {
  const indexed = virDomainAssignDeviceControllerIndexes(devices);
  const at0 = indexed.findIndex((d) => d.element === 'controller' && d.type === p.type && d.index === 0);
  const d = devices[at0];
  if (!d) return undefined;
  if (p.type === 'usb' && d.model !== undefined && d.model !== 'piix3-uhci') return undefined;
  return d;
}

export const rule: Rule = {
  meta,
  check(ctx) {
    const out: Finding[] = [];
    for (const p of PINNED) {
      const d = pinned(ctx.guest.devices, p);
      const a = d?.address;
      if (!d || !a) continue;
      if (a.domain === 0 && a.bus === 0 && a.slot === 1 && a.function === p.fn) continue;
      const home = at(0, 1, p.fn);
      out.push(
        finding(meta, `The ${p.what} (${deviceName(d)}, controller index 0) is at ${addrText(a)}; libvirt refuses it anywhere but 0:0:01.${p.fn} ("${p.words}").`, { devices: [d.key] }, [
          { label: `Move it to 00:01.${p.fn}`, command: { kind: 'move-device', device: d.key, address: home } },
          { label: `Clear its address (libvirt puts it at 00:01.${p.fn})`, command: { kind: 'move-device', device: d.key, address: null } },
        ]),
      );
    }
    return out;
  },
};

const pc = (devices: GuestDevice[]) => design({ machine: 'pc', controllers: [ctrl('pci-root', 0)], devices });

export const cases = {
  pass: [
    { name: 'IDE at 00:01.1, USB at 00:01.2', design: pc([dev('ide0', 'controller', at(0, 1, 1), { type: 'ide', index: 0 }), dev('usb0', 'controller', at(0, 1, 2), { type: 'usb', index: 0, model: 'piix3-uhci' })]) },
    { name: 'no addresses: libvirt puts them there', design: pc([dev('ide0', 'controller', undefined, { type: 'ide', index: 0 }), dev('usb0', 'controller', undefined, { type: 'usb', index: 0 })]) },
    { name: 'a second IDE controller (index 1) elsewhere', design: pc([dev('ide1', 'controller', at(0, 5), { type: 'ide', index: 1 })]) },
    { name: 'USB index 0 of another model (qemu-xhci) elsewhere', design: pc([dev('usb0', 'controller', at(0, 5), { type: 'usb', index: 0, model: 'qemu-xhci' })]) },
    { name: 'an index-less USB controller after index 0 takes index 1', design: pc([dev('usb-a', 'controller', at(0, 5), { type: 'usb', model: 'piix3-uhci' }), dev('usb-b', 'controller', at(0, 1, 2), { type: 'usb', index: 0, model: 'piix3-uhci' })]) },
  ],
  fail: [
    { name: 'model-less USB index 0 at 00:05.0', design: pc([dev('usb0', 'controller', at(0, 5), { type: 'usb', index: 0 })]), expect: { devices: ['usb0'] } },
    { name: 'piix3-uhci index 0 at 00:01.3', design: pc([dev('usb0', 'controller', at(0, 1, 3), { type: 'usb', index: 0, model: 'piix3-uhci' })]), expect: { devices: ['usb0'] } },
    { name: 'IDE index 0 at 00:01.2', design: pc([dev('ide0', 'controller', at(0, 1, 2), { type: 'ide', index: 0 })]), expect: { devices: ['ide0'] } },
    { name: 'index-less IDE takes index 0', design: pc([dev('ide', 'controller', at(0, 6), { type: 'ide' })]), expect: { devices: ['ide'] } },
    { name: 'IDE index 0 on another bus', design: design({ machine: 'pc', controllers: [ctrl('pci-root', 0), ctrl('pci-bridge', 1, { address: at(0, 3) })], devices: [dev('ide0', 'controller', at(1, 1, 1), { type: 'ide', index: 0 })] }), expect: { devices: ['ide0'] } },
  ],
};
