import type { Finding, Rule, RuleMeta } from './types.ts';
import { addrText, finding } from './context.ts';
import { controllerAddressFixes, deviceName, everyBusRule, relocateFix } from './fixes.ts';
import { busAccepts, controllerConnectType } from '../libvirt/index.ts';
import { at, ctrl, dev, q35, rootPort, virt } from './testkit.ts';

const meta: RuleMeta = {
  id: 'GEN-CONNECT-3',
  severity: 'error',
  title: 'The parent bus accepts this kind of device or controller',
  why: 'Each bus takes only some device and controller types (a root port only on pcie-root or an expander, a downstream port only on an upstream port); libvirt refuses anything else.',
  source: 'libvirt src/conf/domain_addr.c virDomainPCIAddressFlagsCompatible ("cannot be plugged into the PCI controller with index=\'N\'"), virDomainPCIAddressBusSetModel, virDomainPCIControllerModelToConnectType, virDomainPCIAddressSetGrow (the pcie-root-port it adds for its pcie-to-pci-bridge takes only that bridge)',
  families: 'all',
};

/** Models another rule already reports with more specific advice. */
const PSERIES_FORBIDDEN = new Set(['pcie-root-port', 'pcie-switch-upstream-port', 'pcie-switch-downstream-port', 'dmi-to-pci-bridge', 'pcie-to-pci-bridge', 'pci-expander-bus', 'pcie-expander-bus']);

/**
 * Fixes look at the whole design (another bus for the device, a parent for the controller): see
 * fixes.ts. The pcie-root-port libvirt adds to hold the pcie-to-pci-bridge it adds for a
 * conventional PCI device on a missing bus (RuleContext.bridgeHolders) accepts that bridge alone:
 * virDomainPCIAddressSetGrow() gives its bus the flags VIR_PCI_CONNECT_TYPE_PCIE_TO_PCI_BRIDGE
 * only, and the dry run then refuses any other written address on it ("It requires a controller
 * that accepts a PCI Express device" / "a standard PCI device").
 */
export const rule: Rule = everyBusRule(meta, (ctx, bus) => {
  const parent = bus.controller;
  if (!parent) return [];
  const out: Finding[] = [];
  const holder = ctx.bridgeHolders.has(bus.index);
  const anyEndpoint = !holder && (busAccepts(parent, 'pci-endpoint') || busAccepts(parent, 'pcie-endpoint'));
  const what = holder ? `${parent.model} libvirt adds to hold the pcie-to-pci-bridge it adds` : parent.model;
  for (const d of bus.devices) {
    if (!d.address || anyEndpoint || !ctx.takesPci(d)) continue;
    const fix = relocateFix(ctx, [d], { leaveBus: true });
    const why = holder ? `it accepts only that bridge (libvirt: "It requires a controller that accepts a ${ctx.endpointType(d) === 'pci-endpoint' ? 'standard PCI' : 'PCI Express'} device")` : 'it accepts no endpoint devices';
    out.push(finding(meta, `The device at PCI address ${addrText(d.address)} (${deviceName(d)}) cannot be plugged into the PCI controller with index='${bus.index}' (${what}): ${why}.`, { controllers: [bus.index], devices: [d.key] }, fix ? [fix] : undefined));
  }
  for (const c of bus.controllers) {
    const type = controllerConnectType(c);
    if (!type || type === 'dmi-to-pci-bridge') continue; // Q35-DMI-1
    if (ctx.family === 'pseries' && PSERIES_FORBIDDEN.has(c.model)) continue; // PAPR-CTRL-2..4
    const ok = holder ? type === 'pcie-to-pci-bridge' : busAccepts(parent, type) || (type === 'pci-bridge' && anyEndpoint);
    if (ok) continue;
    out.push(finding(meta, `The ${c.model} controller with index ${c.index} cannot be plugged into the PCI controller with index='${bus.index}' (${what}): it requires a controller that accepts a ${c.model}.`, { controllers: [c.index ?? -1, bus.index] }, controllerAddressFixes(ctx, c)));
  }
  return out;
});

export const cases = {
  pass: [
    { name: 'root port on pcie-root', design: q35([rootPort(1, 1)], [dev('vda', 'disk', at(1, 0))]) },
    // the root port libvirt adds for a PCIe device on a missing bus is an ordinary one
    { name: 'PCIe device on a root port libvirt adds for it', design: q35([ctrl('pcie-root-port', 1, { implicit: true })], [dev('vnic', 'interface', at(1, 0))]) },
    { name: 'conventional device on the bridge libvirt adds, nothing on its port', design: q35([ctrl('pcie-root-port', 1, { implicit: true }), ctrl('pcie-to-pci-bridge', 2, { implicit: true })], [dev('nic', 'interface', at(2, 3), { model: 'rtl8139' })]) },
  ],
  fail: [
    { name: 'root port behind a root port', design: q35([rootPort(1, 1), ctrl('pcie-root-port', 2, { address: at(1, 0), target: { chassis: 2 } })], []), expect: { controllers: [2, 1] } },
    { name: 'disk on an upstream port', design: q35([rootPort(1, 1), ctrl('pcie-switch-upstream-port', 2, { address: at(1, 0) })], [dev('vda', 'disk', at(2, 0))]), expect: { devices: ['vda'] } },
    // r03-virt-controller-index-not-above-bus
    { name: 'root port on itself', design: virt([ctrl('pcie-root-port', 1, { address: at(1, 0), target: { chassis: 1, port: 0 } })], []), expect: { controllers: [1, 1] } },
    // libvirt 9.0 refuses it: "The device at PCI address 0000:01:00.0 cannot be plugged into the PCI controller with index='1'"
    { name: 'PCIe device on the root port libvirt adds to hold its pcie-to-pci-bridge', design: q35([ctrl('pcie-root-port', 1, { implicit: true }), ctrl('pcie-to-pci-bridge', 2, { implicit: true })], [dev('nic', 'interface', at(2, 3), { model: 'rtl8139' }), dev('vnic', 'interface', at(1, 0))]), expect: { devices: ['vnic'] } },
    // the conventional device written on bus 1 is bumped onto the bridge (bus 2): the one after it on bus 1 is refused
    { name: 'conventional device on that port after the bumped one', design: q35([ctrl('pcie-root-port', 1, { implicit: true }), ctrl('pcie-to-pci-bridge', 2, { implicit: true })], [dev('nic', 'interface', at(1, 3), { model: 'rtl8139' }), dev('e1000', 'interface', at(1, 0), { model: 'e1000' })]), expect: { devices: ['e1000'] } },
    // libvirt 9.0: "The device at PCI address 0000:02:00.0 cannot be plugged into the PCI controller with index='2'. It requires a controller that accepts a pcie-switch-upstream-port."
    { name: 'controller other than the bridge on that port', design: q35([ctrl('pcie-switch-upstream-port', 1, { address: at(2, 0) }), ctrl('pcie-root-port', 2, { implicit: true }), ctrl('pcie-to-pci-bridge', 3, { implicit: true })], [dev('nic', 'interface', at(3, 3), { model: 'rtl8139' })]), expect: { controllers: [1, 2] } },
    { name: 'downstream port on a root port: moved to the upstream port', design: q35([rootPort(1, 1), rootPort(2, 1, 1), ctrl('pcie-switch-upstream-port', 3, { address: at(1, 0) }), ctrl('pcie-switch-downstream-port', 4, { address: at(2, 0), target: { chassis: 4, port: 0 } })], []), expect: { controllers: [4, 2] } },
  ],
};
