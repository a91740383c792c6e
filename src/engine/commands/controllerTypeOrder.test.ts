import { describe, expect, it } from 'vitest';
import type { Design } from '../model/design.ts';
import { createDesign, exportDomain, importDomain } from '../xml/domain.ts';
import type { Command } from './commands.ts';
import { applyCommand } from './commands.ts';

/**
 * libvirt keeps def->controllers grouped by type, each type where its first `<controller>` is
 * written (virDomainDefControllersParse, virDomainControllerInsertPreAlloced); define-time
 * simulation follows that order (Guest.controllerTypeOrder). After an edit it must be the order of
 * the document export writes, which is what libvirt parses: read back here and compared.
 */
const doc = (controllers: string): string => `<domain type='kvm'>
  <name>t</name>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
  </os>
  <devices>
${controllers}    <memballoon model='none'/>
  </devices>
</domain>
`;
const port = (index: number, slot: number) => `    <controller type='pci' index='${index}' model='pcie-root-port'>
      <target chassis='${index}' port='0x${(slot + 7).toString(16)}'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x0${slot}' function='0x0'/>
    </controller>
`;
const usb = "    <controller type='usb' index='0' model='qemu-xhci'/>\n";
const sata = "    <controller type='sata' index='0'/>\n";

function design(text: string): Design {
  const r = createDesign(text);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

/** the order the edited design carries, and the one libvirt reads from its exported document */
function orders(text: string, commands: (d: Design) => Command[]): { model: readonly string[] | undefined; exported: readonly string[] | undefined } {
  let d = design(text);
  for (const c of commands(d)) d = applyCommand(d, c);
  const back = importDomain(exportDomain(d));
  if (!back.ok) throw new Error(back.error.message);
  return { model: d.guest.controllerTypeOrder, exported: back.value.guest.controllerTypeOrder };
}

const pciKey = (d: Design, index: number): string => d.guest.controllers.find((c) => c.index === index)?.key ?? '';
const deviceKey = (d: Design, type: string): string => d.guest.devices.find((x) => x.element === 'controller' && x.type === type)?.key ?? '';

describe('the controller type order follows the edited document', () => {
  it('read: a root port before qemu-xhci puts the PCI controllers first', () => {
    expect(orders(doc(port(1, 1) + usb), () => [])).toEqual({ model: ['pci', 'usb'], exported: ['pci', 'usb'] });
  });

  it('the last written PCI controller removed: no PCI controller is written, none comes first', () => {
    expect(orders(doc(port(1, 1) + usb), (d) => [{ kind: 'remove-controller', controller: pciKey(d, 1) }])).toEqual({ model: undefined, exported: undefined });
  });

  it('the first PCI controller removed while another is written after a sata one: the PCI type moves behind sata', () => {
    expect(orders(doc(usb + port(1, 1) + sata + port(2, 2)), (d) => [{ kind: 'remove-controller', controller: pciKey(d, 1) }])).toEqual({ model: undefined, exported: undefined });
  });

  it('the only type after the PCI one removed (remove-device of the usb controller)', () => {
    expect(orders(doc(port(1, 1) + usb), (d) => [{ kind: 'remove-device', device: deviceKey(d, 'usb') }])).toEqual({ model: undefined, exported: undefined });
  });

  it('a type before the PCI one removed: the order shortens, PCI still before usb', () => {
    expect(orders(doc(sata + port(1, 1) + usb), (d) => [{ kind: 'remove-device', device: deviceKey(d, 'sata') }])).toEqual({ model: ['pci', 'usb'], exported: ['pci', 'usb'] });
  });

  it('a PCI controller added where none is written goes after the other controllers: PCI last', () => {
    expect(orders(doc(usb + sata), () => [{ kind: 'add-controller', controller: { model: 'pcie-root-port' } }])).toEqual({ model: undefined, exported: undefined });
  });

  it('a PCI controller added next to a written one keeps the PCI group where it is, also in a batch after a removal', () => {
    expect(orders(doc(port(1, 1) + usb), (d) => [{ kind: 'batch', label: 'swap', commands: [{ kind: 'remove-controller', controller: pciKey(d, 1) }, { kind: 'add-controller', controller: { model: 'pcie-root-port', index: 1 } }] }, { kind: 'add-controller', controller: { model: 'pcie-root-port' } }])).toEqual({ model: undefined, exported: undefined });
    expect(orders(doc(port(1, 1) + usb), () => [{ kind: 'add-controller', controller: { model: 'pcie-root-port' } }])).toEqual({ model: ['pci', 'usb'], exported: ['pci', 'usb'] });
  });
});
