import type { Guest, GuestDevice, PciController } from '../model/guest.ts';
import { PCI_CONTROLLER_MODELS } from '../model/guest.ts';
import { virDomainControllerDefParseXMLIndexError } from './domainConf.ts';

/**
 * What virDomainControllerDefParseXML() (src/conf/domain_conf.c, libvirt 10.7) refuses in a
 * `<controller>` of any type, before anything is defined, in the order it reads them: a `type` it
 * does not know, a `model` its type has no such model for, and an `index` it cannot read.
 */

/** VIR_ENUM_IMPL(virDomainController): the controller types (`pci` ones are read apart, as PciControllers). */
const CONTROLLER_TYPES: ReadonlySet<string> = new Set(['ide', 'fdc', 'scsi', 'sata', 'virtio-serial', 'ccid', 'usb', 'pci', 'xenbus', 'isa']);

/** A non-PCI controller's `type` as written, when libvirt does not know it (virXMLPropEnum, case and all). */
export function unknownControllerType(d: Pick<GuestDevice, 'element' | 'type'>): string | undefined {
  return d.element === 'controller' && d.type !== undefined && !CONTROLLER_TYPES.has(d.type) ? d.type : undefined;
}

/** libvirt's message for a type it does not know (VIR_ERR_XML_ERROR, from virXMLPropEnum). */
export const invalidTypeMessage = (type: string): string => `Invalid value for attribute 'type' in element 'controller': '${type}'.`;

/**
 * The model strings of each controller type (the VIR_ENUM_IMPL tables virDomainControllerModel*
 * of src/conf/domain_conf.c). A type not listed has no model enum: virDomainControllerModelTypeFromString()
 * returns -1 for any model written on it (sata, fdc, ccid, xenbus); isa's enum is empty.
 */
const MODELS_BY_TYPE: Readonly<Record<string, ReadonlySet<string>>> = {
  pci: new Set<string>(PCI_CONTROLLER_MODELS),
  scsi: new Set(['auto', 'buslogic', 'lsilogic', 'lsisas1068', 'vmpvscsi', 'ibmvscsi', 'virtio-scsi', 'lsisas1078', 'virtio-transitional', 'virtio-non-transitional', 'ncr53c90', 'dc390', 'am53c974']),
  usb: new Set(['piix3-uhci', 'piix4-uhci', 'ehci', 'ich9-ehci1', 'ich9-uhci1', 'ich9-uhci2', 'ich9-uhci3', 'vt82c686b-uhci', 'pci-ohci', 'nec-xhci', 'qusb1', 'qusb2', 'qemu-xhci', 'none']),
  ide: new Set(['piix3', 'piix4', 'ich6']),
  'virtio-serial': new Set(['virtio', 'virtio-transitional', 'virtio-non-transitional']),
  isa: new Set(),
};

/**
 * virDomainControllerModelTypeFromString(): does libvirt know `model` for a controller of `type`?
 * Case matters, and there is no "default" string: `model='default'` and `model=''` are refused too.
 * @param type the `<controller type>` (pci, usb, scsi, …)
 * @param model the `model` attribute as written
 */
export function virDomainControllerModelTypeFromString(type: string, model: string): boolean {
  return MODELS_BY_TYPE[type]?.has(model) ?? false;
}

/** libvirt's message for a model it does not know (VIR_ERR_CONFIG_UNSUPPORTED). */
export const unknownModelMessage = (model: string): string => `Unknown model type '${model}'`;

/** libvirt's message for an index written as `text` that virXMLPropInt() refuses. */
export function invalidIndexMessage(text: string): string {
  const negative = /^[ \t\n\v\f\r]*-[0-9]+$/.test(text) && Number.parseInt(text, 10) >= -0x80000000;
  return `Invalid value for attribute 'index' in element 'controller': '${text}'. ${negative ? 'Expected non-negative value' : 'Expected integer value'}`;
}

/** An entry of GuestDevice.unreadableAttributes that is an `<address>`'s (GEN-ADDR-3), not the element's own. */
export const isAddressAttribute = (u: string): boolean => u.startsWith('address ') || u.startsWith('source address ');

/**
 * libvirt's message for a `<controller>` number attribute (`ports`, `vectors`) virXMLPropInt()
 * refuses; `written` is `name='value'` as the reader notes it.
 */
export function invalidControllerNumberMessage(written: string): string {
  const m = /^([^=]+)='(.*)'$/s.exec(written);
  const name = m?.[1] ?? written;
  const text = m?.[2] ?? '';
  return invalidIndexMessage(text).replace("attribute 'index'", `attribute '${name}'`);
}

/**
 * libvirt's message for a number of the domain's own elements it cannot read (Guest.unreadable:
 * `cell id='x'`, `memnode cellid='x'`), as libvirt 9.0 words it: virXMLPropUInt (base 10) in
 * virDomainNumaDefParseXML and virDomainNumatuneParseXML (src/conf/numa_conf.c).
 */
export function invalidDomainNumberMessage(written: string): string {
  const m = /^(\S+) ([^=]+)='(.*)'$/s.exec(written);
  return `Invalid value for attribute '${m?.[2] ?? written}' in element '${m?.[1] ?? ''}': '${m?.[3] ?? ''}'. Expected non-negative integer value`;
}

/**
 * A PCI controller's model as written, when libvirt does not know it. A PCI controller written
 * without one reads '' and is not refused (libvirt picks its model); one written `model=''` is
 * (noted `model=''` in its `unreadable`).
 */
export function unknownPciModel(c: Pick<PciController, 'model' | 'unreadable'>): string | undefined {
  if (c.model === '') return c.unreadable?.includes("model=''") ? '' : undefined;
  return virDomainControllerModelTypeFromString('pci', c.model) ? undefined : c.model;
}

/**
 * A non-PCI controller's model as written, when libvirt does not know it for the controller's type;
 * undefined too when the type itself is unknown (libvirt refuses that first, {@link unknownControllerType}).
 */
export function unknownDeviceControllerModel(d: Pick<GuestDevice, 'element' | 'type' | 'model'>): string | undefined {
  if (d.element !== 'controller' || d.model === undefined || unknownControllerType(d) !== undefined) return undefined;
  // a controller written without a type is IDE (virDomainControllerDefParseXML's default)
  return virDomainControllerModelTypeFromString(d.type ?? 'ide', d.model) ? undefined : d.model;
}

/**
 * The first refusal virDomainControllerDefParseXML() makes, as libvirt words it: per controller the
 * type, the model, then the index (libvirt reads them in that order), PCI controllers before the others
 * (the model keeps the two lists apart). libvirt refuses the whole domain at parse, so nothing placed
 * changes it. Undefined when every controller's model and index are readable.
 */
export function virDomainControllerDefParseXMLError(guest: Pick<Guest, 'controllers' | 'devices'>): string | undefined {
  for (const c of guest.controllers) {
    const model = unknownPciModel(c);
    if (model !== undefined) return unknownModelMessage(model);
    const index = virDomainControllerDefParseXMLIndexError([c]);
    if (index !== undefined) return index;
  }
  for (const d of guest.devices) {
    if (d.element !== 'controller' || d.implicit) continue;
    const type = unknownControllerType(d);
    if (type !== undefined) return invalidTypeMessage(type);
    const model = unknownDeviceControllerModel(d);
    if (model !== undefined) return unknownModelMessage(model);
    if (d.unreadableIndex !== undefined) return invalidIndexMessage(d.unreadableIndex);
    const attribute = d.unreadableAttributes?.find((u) => !isAddressAttribute(u));
    if (attribute !== undefined) return invalidControllerNumberMessage(attribute);
  }
  return undefined;
}
