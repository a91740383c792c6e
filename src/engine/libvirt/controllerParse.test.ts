import { describe, expect, it } from 'vitest';
import { ctrl, dev } from '../rules/testkit.ts';
import { invalidIndexMessage, unknownControllerType, virDomainControllerDefParseXMLError, virDomainControllerModelTypeFromString } from './controllerParse.ts';

/** Messages as libvirt 9.0 gives them for `virsh define` (the test driver parses as the QEMU one does). */
describe('virDomainControllerModelTypeFromString: the models of each controller type', () => {
  it('knows the models of pci, usb, scsi, ide and virtio-serial, case and all', () => {
    for (const [type, model] of [['pci', 'pcie-to-pci-bridge'], ['usb', 'qemu-xhci'], ['usb', 'none'], ['scsi', 'am53c974'], ['scsi', 'virtio-scsi'], ['ide', 'ich6'], ['virtio-serial', 'virtio-non-transitional']] as const) {
      expect(virDomainControllerModelTypeFromString(type, model), `${type} ${model}`).toBe(true);
    }
  });
  it("refuses another type's model, a changed case, 'default' and '', and any model of a type without models", () => {
    for (const [type, model] of [['usb', 'virtio-scsi'], ['scsi', 'virtio'], ['usb', 'QEMU-XHCI'], ['usb', 'default'], ['usb', ''], ['pci', 'pcie-root-port '], ['sata', 'ahci'], ['fdc', 'x'], ['ccid', 'x'], ['xenbus', 'x'], ['isa', 'x'], ['nonsense', 'x']] as const) {
      expect(virDomainControllerModelTypeFromString(type, model), `${type} '${model}'`).toBe(false);
    }
  });
});

describe('unknownControllerType: the controller types libvirt has, case and all', () => {
  it('knows the ten, and nothing else', () => {
    for (const t of ['ide', 'fdc', 'scsi', 'sata', 'virtio-serial', 'ccid', 'usb', 'pci', 'xenbus', 'isa']) expect(unknownControllerType({ element: 'controller', type: t }), t).toBeUndefined();
    for (const t of ['USB', 'bogus', '', 'virtio']) expect(unknownControllerType({ element: 'controller', type: t }), t).toBe(t);
    expect(unknownControllerType({ element: 'controller' })).toBeUndefined();
    expect(unknownControllerType({ element: 'disk', type: 'bogus' })).toBeUndefined();
  });
});

describe('invalidIndexMessage', () => {
  it('a negative int is "non-negative", anything else "integer"', () => {
    expect(invalidIndexMessage('-1')).toBe("Invalid value for attribute 'index' in element 'controller': '-1'. Expected non-negative value");
    expect(invalidIndexMessage(' -2147483648')).toMatch(/Expected non-negative value$/);
    expect(invalidIndexMessage('-2147483649')).toMatch(/Expected integer value$/);
    for (const t of ['x', '0x1', '1 ', '', '2147483648', '- 1']) expect(invalidIndexMessage(t), t).toBe(`Invalid value for attribute 'index' in element 'controller': '${t}'. Expected integer value`);
  });
});

describe('virDomainControllerDefParseXMLError: the first controller libvirt refuses at parse', () => {
  const usb = (extra: object) => dev('usb', 'controller', undefined, { type: 'usb', ...extra });
  it('none when every model is known or not written, and every index readable', () => {
    expect(virDomainControllerDefParseXMLError({ controllers: [ctrl('pcie-root', 0), ctrl('', 1)], devices: [usb({ model: 'qemu-xhci', index: 0 }), dev('sata', 'controller', undefined, { type: 'sata' })] })).toBeUndefined();
  });
  it("a PCI controller's unknown model, then its index; then the other controllers', model before index", () => {
    expect(virDomainControllerDefParseXMLError({ controllers: [ctrl('nonsense', undefined, { unreadable: ["index='x'"] })], devices: [] })).toBe("Unknown model type 'nonsense'");
    expect(virDomainControllerDefParseXMLError({ controllers: [ctrl('pci-bridge', -1)], devices: [usb({ model: 'bogus' })] })).toBe("Invalid value for attribute 'index' in element 'controller': '-1'. Expected non-negative value");
    expect(virDomainControllerDefParseXMLError({ controllers: [], devices: [usb({ model: 'bogus', unreadableIndex: 'x' })] })).toBe("Unknown model type 'bogus'");
    expect(virDomainControllerDefParseXMLError({ controllers: [], devices: [usb({ model: 'qemu-xhci', unreadableIndex: 'x' })] })).toBe("Invalid value for attribute 'index' in element 'controller': 'x'. Expected integer value");
    expect(virDomainControllerDefParseXMLError({ controllers: [], devices: [dev('c', 'controller', undefined, { type: 'bogus', model: 'y', unreadableIndex: 'x' })] })).toBe("Invalid value for attribute 'type' in element 'controller': 'bogus'.");
  });
  it('a controller libvirt adds itself, and devices that are not controllers, are not read', () => {
    expect(virDomainControllerDefParseXMLError({ controllers: [], devices: [usb({ model: 'bogus', implicit: true }), dev('vda', 'disk', undefined, { model: 'bogus' })] })).toBeUndefined();
  });
});
