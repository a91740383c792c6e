/**
 * Where libvirt puts a pcie-root-port it places itself when a qemu-xhci written with an address
 * shares a pcie-root slot with a written root port, with the USB controller written before the PCI
 * controllers and after them, against the real libvirt and QEMU (scripts/test-real.mjs).
 *
 * libvirt keeps def->controllers grouped by type, each type where its first `<controller>` is
 * written (virDomainDefControllersParse inserts each with virDomainControllerInsertPreAlloced,
 * src/conf/domain_conf.c), and virDomainDeviceInfoIterate() reserves the written addresses in that
 * order (qemuDomainPCIAddressSetCreate / qemuDomainCollectPCIAddress, src/qemu/qemu_domain_address.c).
 * The first reservation in a slot sets its aggregate flag (virDomainPCIAddressReserveAddrInternal,
 * src/conf/domain_addr.c), and only an aggregate slot takes the root ports libvirt places
 * (virDomainPCIAddressFindUnusedFunctionOnBus). So the XML order of the two controller types
 * decides where the unaddressed root port goes, and pcitopo's define-time model must follow it.
 */
import { describe, expect, it } from 'vitest';
import { defineDomain } from '../../src/engine/placement/defineTime.ts';
import { formatVerifyReport } from '../../src/cli/verify/index.ts';
import type { VerifyReport } from '../../src/cli/verify/index.ts';
import { design, guestXml, verify } from './helpers.ts';


const q35 = (devices: string): string => guestXml({ name: 'controller-type-order', machine: 'q35', devices: `${devices}    <memballoon model='none'/>\n` });

const addr = (slot: number, fn: number): string => `      <address type='pci' domain='0x0000' bus='0x00' slot='${slot}' function='${fn}'/>\n`;
const xhci = (slot: number, fn: number): string => `    <controller type='usb' index='0' model='qemu-xhci'>\n${addr(slot, fn)}    </controller>\n`;
const pci = (slot: number, fn: number): string =>
  `    <controller type='pci' index='0' model='pcie-root'/>\n    <controller type='pci' index='1' model='pcie-root-port'>\n${addr(slot, fn)}    </controller>\n    <controller type='pci' index='2' model='pcie-root-port'/>\n`;

/** Where pcitopo's define-time model and the real libvirt put root port 2, as bus:slot.function. */
async function port2(xml: string): Promise<{ model: string | undefined; libvirt: string | undefined; report: VerifyReport }> {
  const d = design(xml);
  const text = (x: { bus: number; slot: number; function: number } | undefined): string | undefined => (x ? `${x.bus}:${x.slot}.${x.function}` : undefined);
  const model = text(defineDomain(d.guest, d.host)?.guest.controllers.find((c) => c.index === 2)?.address);
  const report = await verify(xml);
  if (report.stage !== 'done') console.log(formatVerifyReport(report));
  return { model, libvirt: text(report.devices.find((x) => x.key === 'pci-ctrl-2')?.libvirt), report };
}

describe('a written qemu-xhci and a written root port in one slot: the XML order of the controller types decides', () => {
  // slot 1 is the first slot libvirt's search tries (virDomainPCIAddressFindUnusedFunctionOnBus
  // returns the first slot that is free or aggregate with a free function), so the shared slot is 1
  it('qemu-xhci at 00:01.0 written before the PCI controllers, root port 1 at 00:01.1: slot 1 is not aggregate, root port 2 takes 00:02.0', async () => {
    const r = await port2(q35(xhci(1, 0) + pci(1, 1)));
    expect(r.report.stage).toBe('done');
    expect([r.libvirt, r.model]).toEqual(['0:2.0', '0:2.0']);
  });

  it('the same controllers with the PCI ones written first: root port 1 is reserved first, slot 1 aggregates, root port 2 takes 00:01.2', async () => {
    const r = await port2(q35(pci(1, 1) + xhci(1, 0)));
    expect(r.report.stage).toBe('done');
    expect([r.libvirt, r.model]).toEqual(['0:1.2', '0:1.2']);
  });

  it('root port 1 at 00:01.0 and qemu-xhci at 00:01.1, PCI written first: root port 2 takes 00:01.2', async () => {
    const r = await port2(q35(pci(1, 0) + xhci(1, 1)));
    expect(r.report.stage).toBe('done');
    expect([r.libvirt, r.model]).toEqual(['0:1.2', '0:1.2']);
  });

  it('the same with qemu-xhci written first: its reservation makes slot 1 non-aggregate, root port 2 takes 00:02.0', async () => {
    const r = await port2(q35(xhci(1, 1) + pci(1, 0)));
    expect(r.report.stage).toBe('done');
    expect([r.libvirt, r.model]).toEqual(['0:2.0', '0:2.0']);
  });
});
