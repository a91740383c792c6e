import { describe, expect, it } from 'vitest';
import type { GuestDevice } from '../model/guest.ts';
import { validate } from './validate.ts';
import { dev, q35 } from './testkit.ts';

// GEN-USB-1 quotes the refusal libvirt reports first: virDomainDefControllersParse() for controllers,
// virDomainDefParseXML() for USB inputs (parsed before hostdevs) and host USB devices, and
// virDomainDefValidateInternal() for what passes the parser (USB disks, USB sound).
const none = dev('usb-none', 'controller', undefined, { type: 'usb', model: 'none' });
const tablet = dev('tablet', 'input', undefined, { bus: 'usb', type: 'tablet' });
const usbHost = dev('usbhost', 'hostdev', undefined, { type: 'usb' });
const usbDisk = dev('sda', 'disk', undefined, { bus: 'usb' });
const message = (devices: GuestDevice[]): string | undefined => validate(q35([], [none, ...devices])).find((f) => f.ruleId === 'GEN-USB-1')?.message;

describe('GEN-USB-1 quotes the libvirt refusal that comes first', () => {
  it('another USB controller: virDomainDefControllersParse()', () => {
    expect(message([dev('xhci', 'controller', undefined, { type: 'usb', model: 'qemu-xhci', index: 1 })])).toContain("\"Can't add another USB controller: USB is disabled for this domain\"");
  });
  it('a USB input, even beside a USB host device and disk: the parser refuses the input first', () => {
    expect(message([usbDisk, usbHost, tablet])).toContain("\"Can't add USB input device. USB bus is disabled\"");
  });
  it('a host USB device beside a USB disk: the parser refuses the host device', () => {
    expect(message([usbDisk, usbHost])).toContain("\"Can't add host USB device: USB is disabled in this host\"");
  });
  it('a USB disk alone passes the parser; validation refuses it', () => {
    expect(message([usbDisk])).toContain('"USB is disabled for this domain, but USB devices are present in the domain XML"');
  });
});
