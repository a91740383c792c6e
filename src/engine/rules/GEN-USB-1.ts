import type { GuestDevice } from '../model/guest.ts';
import type { Finding, Fix, Rule, RuleMeta } from './types.ts';
import { virDomainAssignDeviceControllerIndexes } from '../libvirt/domainConf.ts';
import { finding } from './context.ts';
import { globalRule } from './define.ts';
import { deviceName } from './fixes.ts';
import { at, ctrl, design, dev, q35, virt } from './testkit.ts';

const meta: RuleMeta = {
  id: 'GEN-USB-1',
  severity: 'error',
  title: "USB disabled by model='none' stays disabled",
  why: "<controller type='usb' model='none'/> turns USB off for the domain: libvirt refuses any other USB controller next to it, and any device on a USB bus.",
  source:
    'libvirt src/conf/domain_conf.c virDomainDefControllersParse(), called by virDomainDefParseXML() (VIR_ERR_XML_DETAIL "Can\'t add another USB controller: USB is disabled for this domain", for any USB controller after model=\'none\' and for model=\'none\' after any USB controller or a second one); virDomainDefParseXML() itself, for devices parsed after the controllers ("Can\'t add USB input device. USB bus is disabled", "Can\'t add host USB device: USB is disabled in this host"); src/conf/domain_validate.c virDomainRedirdevDefValidate() for a USB redirdev ("cannot add redirected USB device: USB is disabled for this domain"), then virDomainDefValidateInternal() with virDomainDeviceIsUSB() for the rest, USB disks and sound ("USB is disabled for this domain, but USB devices are present in the domain XML"); src/qemu/qemu_domain.c qemuDomainDefAddDefaultDevices() (virDomainControllerFind(def, USB, 0), then virDomainDefAddUSBController: a model=\'none\' at another index alone is refused with the same words, checked with libvirt 9.0)',
  families: 'all',
};

const isUsbController = (d: GuestDevice): boolean => d.element === 'controller' && d.type === 'usb';
const isNone = (d: GuestDevice): boolean => isUsbController(d) && d.model === 'none';

/** Devices on a USB bus (virDomainDeviceIsUSB): USB disks, inputs, host USB devices, USB sound; and USB redirdevs (virDomainRedirdevDefValidate). */
const onUsb = (d: GuestDevice): boolean =>
  ((d.element === 'disk' || d.element === 'input' || d.element === 'redirdev') && d.bus === 'usb') || (d.element === 'hostdev' && d.type === 'usb') || (d.element === 'sound' && d.model === 'usb');

/**
 * The words of the first refusal libvirt reports: virDomainDefParseXML() parses inputs, then
 * hostdevs, refusing a USB one of each at once; the rest pass the parser. virDomainDefValidate()
 * (src/conf/domain_validate.c) then validates each device before the whole domain, so a USB redirdev
 * is refused by virDomainRedirdevDefValidate() before virDomainDefValidateInternal() refuses USB
 * disks and sound.
 */
const firstRefusal = (users: readonly GuestDevice[]): string => {
  if (users.some((d) => d.element === 'input')) return "Can't add USB input device. USB bus is disabled";
  if (users.some((d) => d.element === 'hostdev')) return "Can't add host USB device: USB is disabled in this host";
  if (users.some((d) => d.element === 'redirdev')) return 'cannot add redirected USB device: USB is disabled for this domain';
  return 'USB is disabled for this domain, but USB devices are present in the domain XML';
};

const removeAll = (label: string, list: readonly GuestDevice[]): Fix => ({ label, command: { kind: 'batch', label, commands: list.map((d) => ({ kind: 'remove-device' as const, device: d.key })) } });

export const rule: Rule = globalRule(meta, (ctx) => {
  const none = ctx.guest.devices.filter(isNone);
  if (none.length === 0) return [];
  const out: Finding[] = [];
  const others = ctx.guest.devices.filter((d) => isUsbController(d) && d !== none[0]);
  if (others.length > 0) {
    const names = others.map(deviceName).join(', ');
    out.push(
      finding(
        meta,
        `USB is disabled (usb controller model='none'), yet ${names} ${others.length === 1 ? 'is' : 'are'} written too: libvirt refuses the domain ("Can't add another USB controller: USB is disabled for this domain").`,
        { devices: [none[0] as GuestDevice, ...others].map((d) => d.key) },
        // Either every model='none' goes (libvirt adds its default USB controller), or everything
        // but the first none does: a second none is refused like any other USB controller.
        [removeAll("Remove the usb controller model='none' (USB stays on)", none), removeAll(`Remove ${names} (USB stays off)`, others)],
      ),
    );
  }
  // qemuDomainDefAddDefaultDevices() looks for a USB controller with index 0 (virDomainControllerFind)
  // and adds the machine's default there when none has it; with USB off that add is refused too
  // (checked with libvirt 9.0: a lone model='none' at index 1 on q35 or i440fx)
  const indexed = virDomainAssignDeviceControllerIndexes(ctx.guest.devices.filter(isUsbController));
  if (ctx.machine.defaultDevices.usb !== undefined && others.length === 0 && !indexed.some((d) => d.index === 0)) {
    const lone = none[0] as GuestDevice;
    out.push(
      finding(
        meta,
        `USB is disabled by ${deviceName(lone)} at controller index ${lone.index ?? '?'}, not 0: libvirt adds its default USB controller at index 0 and refuses the domain ("Can't add another USB controller: USB is disabled for this domain").`,
        { devices: [lone.key] },
        [removeAll("Remove the usb controller model='none' (USB stays on)", none)],
      ),
    );
  }
  const users = ctx.guest.devices.filter(onUsb);
  if (users.length > 0 && others.every(isNone)) {
    const names = users.map(deviceName).join(', ');
    out.push(finding(meta, `USB is disabled (usb controller model='none'), yet ${names} ${users.length === 1 ? 'needs' : 'need'} a USB bus: libvirt refuses the domain ("${firstRefusal(users)}").`, { devices: users.map((d) => d.key) }, [removeAll("Remove the usb controller model='none' (USB stays on)", none)]));
  }
  return out;
});

const none = (key = 'usb-none'): GuestDevice => dev(key, 'controller', undefined, { type: 'usb', model: 'none' });

export const cases = {
  pass: [
    { name: 'USB disabled and nothing on USB', design: q35([], [none(), dev('vda', 'disk')]) },
    { name: 'two USB controllers, none of them disabling USB', design: q35([], [dev('usb0', 'controller', at(0, 2), { type: 'usb', model: 'qemu-xhci' }), dev('usb1', 'controller', at(0, 3), { type: 'usb', model: 'qemu-xhci', index: 1 })]) },
    { name: 'a USB tablet with USB on', design: q35([], [dev('tablet', 'input', undefined, { bus: 'usb', type: 'tablet' })]) },
    { name: "model='none' written at index 0", design: q35([], [dev('usb-none', 'controller', undefined, { type: 'usb', model: 'none', index: 0 })]) },
    { name: "model='none' at index 1 on virt, which gets no default USB controller", design: virt([], [dev('usb-none', 'controller', undefined, { type: 'usb', model: 'none', index: 1 })]) },
  ],
  fail: [
    // d15-q35-usb-none-plus-usb-controller
    { name: "a USB controller next to model='none'", design: q35([], [none(), dev('ua-usb1', 'controller', undefined, { type: 'usb', model: 'qemu-xhci', index: 1 })]), expect: { devices: ['usb-none', 'ua-usb1'] } },
    { name: "model='none' twice", design: q35([], [none(), none('usb-none-2')]), expect: { devices: ['usb-none', 'usb-none-2'] } },
    { name: "a USB tablet with model='none'", design: q35([], [none(), dev('tablet', 'input', undefined, { bus: 'usb', type: 'tablet' })]), expect: { devices: ['tablet'] } },
    { name: "a host USB device with model='none'", design: q35([], [none(), dev('usbhost', 'hostdev', undefined, { type: 'usb' })]), expect: { devices: ['usbhost'] } },
    // libvirt 9.0: "Can't add another USB controller: USB is disabled for this domain" (it adds its default at index 0)
    { name: "model='none' alone at index 1", design: q35([], [dev('usb-none', 'controller', undefined, { type: 'usb', model: 'none', index: 1 })]), expect: { devices: ['usb-none'] } },
    { name: "model='none' alone at index 2 on i440fx", design: design({ machine: 'pc', controllers: [ctrl('pci-root', 0)], devices: [dev('usb-none', 'controller', undefined, { type: 'usb', model: 'none', index: 2 })] }), expect: { devices: ['usb-none'] } },
    { name: "a USB disk with model='none'", design: q35([], [none(), dev('sda', 'disk', undefined, { bus: 'usb' })]), expect: { devices: ['sda'] } },
  ],
};
