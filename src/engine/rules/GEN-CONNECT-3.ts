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
  source: 'libvirt src/conf/domain_addr.c virDomainPCIAddressFlagsCompatible ("cannot be plugged into the PCI controller with index=\'N\'"), virDomainPCIAddressBusSetModel, virDomainPCIControllerModelToConnectType',
  families: 'all',
};

/** Models another rule already reports with more specific advice. */
const PSERIES_FORBIDDEN = new Set(['pcie-root-port', 'pcie-switch-upstream-port', 'pcie-switch-downstream-port', 'dmi-to-pci-bridge', 'pcie-to-pci-bridge', 'pci-expander-bus', 'pcie-expander-bus']);

/** Fixes look at the whole design (another bus for the device, a parent for the controller): see fixes.ts. */
export const rule: Rule = everyBusRule(meta, (ctx, bus) => {
  const parent = bus.controller;
  if (!parent) return [];
  const out: Finding[] = [];
  const anyEndpoint = busAccepts(parent, 'pci-endpoint') || busAccepts(parent, 'pcie-endpoint');
  for (const d of bus.devices) {
    if (!d.address || anyEndpoint || !ctx.takesPci(d)) continue;
    const fix = relocateFix(ctx, [d], { leaveBus: true });
    out.push(finding(meta, `The device at PCI address ${addrText(d.address)} (${deviceName(d)}) cannot be plugged into the PCI controller with index='${bus.index}' (${parent.model}): it accepts no endpoint devices.`, { controllers: [bus.index], devices: [d.key] }, fix ? [fix] : undefined));
  }
  for (const c of bus.controllers) {
    const type = controllerConnectType(c);
    if (!type || type === 'dmi-to-pci-bridge') continue; // Q35-DMI-1
    if (ctx.family === 'pseries' && PSERIES_FORBIDDEN.has(c.model)) continue; // PAPR-CTRL-2..4
    const ok = busAccepts(parent, type) || (type === 'pci-bridge' && anyEndpoint);
    if (ok) continue;
    out.push(finding(meta, `The ${c.model} controller with index ${c.index} cannot be plugged into the PCI controller with index='${bus.index}' (${parent.model}): it requires a controller that accepts a ${c.model}.`, { controllers: [c.index ?? -1, bus.index] }, controllerAddressFixes(ctx, c)));
  }
  return out;
});

export const cases = {
  pass: [{ name: 'root port on pcie-root', design: q35([rootPort(1, 1)], [dev('vda', 'disk', at(1, 0))]) }],
  fail: [
    { name: 'root port behind a root port', design: q35([rootPort(1, 1), ctrl('pcie-root-port', 2, { address: at(1, 0), target: { chassis: 2 } })], []), expect: { controllers: [2, 1] } },
    { name: 'disk on an upstream port', design: q35([rootPort(1, 1), ctrl('pcie-switch-upstream-port', 2, { address: at(1, 0) })], [dev('vda', 'disk', at(2, 0))]), expect: { devices: ['vda'] } },
    // r03-virt-controller-index-not-above-bus
    { name: 'root port on itself', design: virt([ctrl('pcie-root-port', 1, { address: at(1, 0), target: { chassis: 1, port: 0 } })], []), expect: { controllers: [1, 1] } },
    { name: 'downstream port on a root port: moved to the upstream port', design: q35([rootPort(1, 1), rootPort(2, 1, 1), ctrl('pcie-switch-upstream-port', 3, { address: at(1, 0) }), ctrl('pcie-switch-downstream-port', 4, { address: at(2, 0), target: { chassis: 4, port: 0 } })], []), expect: { controllers: [4, 2] } },
  ],
};
