import type { Finding, Rule, RuleMeta } from './types.ts';
import { invalidTypeMessage, unknownControllerType, unknownDeviceControllerModel, unknownModelMessage, unknownPciModel } from '../libvirt/controllerParse.ts';
import { finding } from './context.ts';
import { globalRule } from './define.ts';
import { deviceName } from './fixes.ts';
import { ctrl, dev, q35, rootPort } from './testkit.ts';

const meta: RuleMeta = {
  id: 'GEN-MODEL-3',
  severity: 'error',
  title: 'A controller type libvirt has, and a model it has for that type',
  why: "libvirt reads a controller's `type` against its controller types and its `model` against the models of that type; one it does not have (a typo, another type's model, `default`) makes it refuse the whole domain when it parses it, before anything is placed.",
  source:
    "libvirt src/conf/domain_conf.c virDomainControllerDefParseXML (virXMLPropEnum of virDomainControllerTypeFromString: \"Invalid value for attribute 'type' in element 'controller': '%s'.\"; then virDomainControllerModelTypeFromString < 0: VIR_ERR_CONFIG_UNSUPPORTED \"Unknown model type '%s'\") and the VIR_ENUM_IMPL tables virDomainController, virDomainControllerModelPCI/SCSI/USB/IDE/VirtioSerial/ISA (sata, fdc, ccid and xenbus have no model, so any model on them is refused); checked with libvirt 9.0",
  families: 'all',
};

const removeFix = (key: string) => [{ label: 'Remove it', command: { kind: 'remove-device' as const, device: key } }];

export const rule: Rule = globalRule(meta, (ctx) => {
  const out: Finding[] = [];
  for (const c of ctx.guest.controllers) {
    const model = unknownPciModel(c);
    if (model === undefined) continue;
    out.push(finding(meta, `PCI controller ${c.index ?? '(index unreadable)'} has model '${model}', which is no PCI controller model: libvirt refuses the domain ("${unknownModelMessage(model)}").`, { controllers: c.index !== undefined ? [c.index] : [] }));
  }
  for (const d of ctx.guest.devices) {
    const type = unknownControllerType(d);
    if (type !== undefined && !d.implicit) {
      out.push(finding(meta, `${deviceName(d)} has type '${type}', which is no controller type libvirt has: libvirt refuses the domain ("${invalidTypeMessage(type)}").`, { devices: [d.key] }, removeFix(d.key)));
      continue;
    }
    const model = unknownDeviceControllerModel(d);
    if (model === undefined || d.implicit) continue;
    out.push(finding(meta, `${deviceName(d)} has model '${model}', which libvirt has no ${d.type ?? 'ide'} controller model for: libvirt refuses the domain ("${unknownModelMessage(model)}").`, { devices: [d.key] }, removeFix(d.key)));
  }
  return out;
});

const usb = (model: string | undefined, key = 'usb') => dev(key, 'controller', undefined, { type: 'usb', index: 0, ...(model === undefined ? {} : { model }) });

export const cases = {
  pass: [
    { name: 'known models of every type, and controllers written without one', design: q35([rootPort(1, 1), ctrl('pcie-to-pci-bridge', 2)], [usb('qemu-xhci'), usb(undefined, 'usb2'), dev('scsi', 'controller', undefined, { type: 'scsi', model: 'virtio-scsi' }), dev('vs', 'controller', undefined, { type: 'virtio-serial', model: 'virtio-non-transitional' }), dev('ide', 'controller', undefined, { type: 'ide', model: 'ich6' }), dev('sata', 'controller', undefined, { type: 'sata' })]) },
    // a PCI controller written without a model reads '' (GEN-IDX-2/3 and the connect rules speak of it)
    { name: 'a PCI controller written without a model', design: q35([ctrl('', 1)], []) },
    { name: 'the types libvirt has without a model: fdc, ccid, xenbus, isa', design: q35([], ['fdc', 'ccid', 'xenbus', 'isa'].map((t) => dev(t, 'controller', undefined, { type: t }))) },
    { name: 'an implicit controller libvirt adds', design: q35([], [{ ...usb('bogus'), implicit: true }]) },
  ],
  fail: [
    // libvirt 9.0: "Unknown model type 'bogus'"
    { name: "usb model='bogus'", design: q35([], [usb('bogus')]), expect: { devices: ['usb'] } },
    { name: "usb model='default': no such string", design: q35([], [usb('default')]), expect: { devices: ['usb'] } },
    { name: "usb model='QEMU-XHCI': case matters", design: q35([], [usb('QEMU-XHCI')]), expect: { devices: ['usb'] } },
    { name: "scsi model='virtio' (the virtio-serial spelling)", design: q35([], [dev('scsi', 'controller', undefined, { type: 'scsi', model: 'virtio' })]), expect: { devices: ['scsi'] } },
    { name: "sata model='ahci': sata has no model", design: q35([], [dev('sata', 'controller', undefined, { type: 'sata', model: 'ahci' })]), expect: { devices: ['sata'] } },
    { name: "ide model='piix5'", design: q35([], [dev('ide', 'controller', undefined, { type: 'ide', model: 'piix5' })]), expect: { devices: ['ide'] } },
    { name: 'a controller written without a type is ide: a usb model on it', design: q35([], [dev('c', 'controller', undefined, { model: 'qemu-xhci' })]), expect: { devices: ['c'] } },
    { name: "pci model='nonsense'", design: q35([ctrl('nonsense', 1)], []), expect: { controllers: [1] } },
    // libvirt 9.0: "Invalid value for attribute 'type' in element 'controller': 'USB'." (the type first, whatever the model)
    { name: "type='USB': case matters", design: q35([], [dev('c', 'controller', undefined, { type: 'USB', model: 'bogus' })]), expect: { devices: ['c'] } },
    { name: "type='bogus' with no model", design: q35([], [dev('c', 'controller', undefined, { type: 'bogus' })]), expect: { devices: ['c'] } },
    { name: "pci model='pcie-root-port ' (a trailing space)", design: q35([ctrl('pcie-root-port ', 1)], []), expect: { controllers: [1] } },
    // libvirt 9.0: "Unknown model type ''": written empty is not "not written"
    { name: "pci model='' written empty", design: q35([ctrl('', 1, { unreadable: ["model=''"] })], []), expect: { controllers: [1] } },
  ],
};
