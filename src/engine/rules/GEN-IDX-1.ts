import type { Finding, Rule, RuleMeta } from './types.ts';
import { controllerText, finding, nextFreeIndex } from './context.ts';
import { globalRule } from './define.ts';
import { deviceName } from './fixes.ts';
import { invalidControllerNumberMessage, invalidIndexMessage, isAddressAttribute } from '../libvirt/controllerParse.ts';
import { ctrl, dev, phb, pseries, q35 } from './testkit.ts';

const meta: RuleMeta = {
  id: 'GEN-IDX-1',
  severity: 'error',
  title: 'Controller indexes (and ports) are non-negative integers; PCI ones 0-255 and unique',
  why: "The index is the bus number addresses use; libvirt refuses an index above 255 and two PCI controllers with the same index. Any controller's index (usb, scsi, sata, …), `ports` or virtio-serial `vectors` that is not a non-negative base-10 integer makes libvirt refuse the domain when it parses it.",
  source: 'libvirt src/conf/domain_validate.c virDomainControllerDefValidate ("PCI controller index N too high"); domain_conf.c parser ("Multiple \'pci\' controllers with index"); domain_conf.c virDomainControllerDefParseXML, every controller type (virXMLPropInt base 10, VIR_XML_PROP_NONNEGATIVE: "Invalid value for attribute \'index\' in element \'controller\': \'x\'. Expected integer value"; checked with libvirt 9.0)',
  families: 'all',
};

export const rule: Rule = globalRule(meta, (ctx) => {
  const out: Finding[] = [];
  const seen = new Set<number>();
  let free = nextFreeIndex(ctx.guest);
  for (const c of ctx.guest.controllers) {
    const unreadable = c.unreadable?.find((u) => u.startsWith('index='));
    if (unreadable) {
      out.push(finding(meta, `A ${c.model || 'PCI'} controller has ${unreadable}: libvirt expects a non-negative integer and refuses the domain.`, {}));
      continue;
    }
    // `ports` is read on every controller type (virXMLPropInt base 10, non-negative)
    const ports = c.unreadable?.find((u) => u.startsWith('ports='));
    if (ports) out.push(finding(meta, `${controllerText(c)} has ${ports}: libvirt refuses the domain ("${invalidControllerNumberMessage(ports)}").`, { controllers: c.index !== undefined ? [c.index] : [] }));
    if (c.index === undefined) continue;
    if (c.index < 0) {
      out.push(finding(meta, `PCI controller index ${c.index} is invalid: libvirt expects a non-negative integer ("Invalid value for attribute 'index'").`, { controllers: [c.index] }));
    } else if (c.index > 255) {
      out.push(finding(meta, `PCI controller index ${c.index} is out of range: the maximum is 255.`, { controllers: [c.index] }));
    } else if (seen.has(c.index)) {
      const fix = free <= 255 ? [{ label: `Give the second controller ${c.index} the free index ${free}`, command: { kind: 'update-controller' as const, controller: c.key, changes: { index: free } } }] : undefined;
      free++;
      out.push(finding(meta, `Multiple PCI controllers with index ${c.index} (${controllerText(c)}).`, { controllers: [c.index] }, fix));
    }
    seen.add(c.index);
  }
  for (const d of ctx.guest.devices) {
    if (d.element !== 'controller') continue;
    for (const u of d.unreadableAttributes ?? []) if (!isAddressAttribute(u)) out.push(finding(meta, `${deviceName(d)} has ${u}: libvirt expects a non-negative integer and refuses the domain ("${invalidControllerNumberMessage(u)}").`, { devices: [d.key] }));
    if (d.unreadableIndex === undefined) continue;
    out.push(finding(meta, `${deviceName(d)} has index='${d.unreadableIndex}': libvirt expects a non-negative integer and refuses the domain ("${invalidIndexMessage(d.unreadableIndex)}").`, { devices: [d.key] }));
  }
  return out;
});

export const cases = {
  pass: [
    { name: 'distinct indexes', design: pseries([phb(1), phb(2)], []) },
    { name: 'non-PCI controllers with readable indexes, or none written', design: q35([], [dev('usb', 'controller', undefined, { type: 'usb', model: 'qemu-xhci', index: 0 }), dev('sata', 'controller', undefined, { type: 'sata' })]) },
  ],
  fail: [
    { name: 'two controllers index 1', design: pseries([phb(1), phb(1, { index: 2 }, { key: 'pci-dup' })], []), expect: { controllers: [1] } },
    { name: 'index 256', design: q35([ctrl('pci-bridge', 256)], []), expect: { controllers: [256] } },
    // libvirt's own test pci-bridge-negative-index-invalid
    { name: 'index -1', design: q35([ctrl('pci-bridge', -1)], []), expect: { controllers: [-1] } },
    { name: "index='one' (unreadable)", design: q35([{ ...ctrl('pci-bridge', 1), index: undefined, unreadable: ["index='one'"] }], []), expect: {} },
    // libvirt 9.0: "Invalid value for attribute 'index' in element 'controller': 'x'. Expected integer value"
    { name: "a usb controller with index='x'", design: q35([], [dev('usb', 'controller', undefined, { type: 'usb', model: 'qemu-xhci', unreadableIndex: 'x' })]), expect: { devices: ['usb'] } },
    // "… '-1'. Expected non-negative value"
    // libvirt 9.0: "Invalid value for attribute 'ports' in element 'controller': '0x10'. Expected integer value" (base 10)
    { name: "a virtio-serial controller with ports='0x10'", design: q35([], [dev('vs', 'controller', undefined, { type: 'virtio-serial', index: 0, unreadableAttributes: ["ports='0x10'"] })]), expect: { devices: ['vs'] } },
    { name: "a PCI controller with ports='x'", design: q35([{ ...ctrl('pcie-root-port', 1), unreadable: ["ports='x'"] }], []), expect: { controllers: [1] } },
    { name: "a scsi controller with index='-1'", design: q35([], [dev('scsi', 'controller', undefined, { type: 'scsi', model: 'virtio-scsi', unreadableIndex: '-1' })]), expect: { devices: ['scsi'] } },
  ],
};
