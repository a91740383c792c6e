import type { GuestDevice, PciController } from '../model/guest.ts';
import type { Finding, Fix, Rule, RuleMeta } from './types.ts';
import type { RuleContext } from './context.ts';
import { controllerText, finding } from './context.ts';
import { globalRule } from './define.ts';
import { setTargetFix } from './fixes.ts';
import { BUS_MODELS, controllerConnectType } from '../libvirt/index.ts';
import { at, ctrl, dev, phb, pseries, q35, rootPort } from './testkit.ts';

const meta: RuleMeta = {
  id: 'GEN-HP-1',
  severity: 'warning',
  title: 'An empty controller kept for hotplug must accept hotplug',
  why: "libvirt hotplugs only into buses with the HOTPLUGGABLE flag: pcie-root, dmi-to-pci-bridge, switch upstream ports and pcie-expander-bus never have it, and hotplug='off' removes it. An empty one of these can never receive a hotplugged device, so it is no spare.",
  source: 'libvirt src/conf/domain_addr.c virDomainPCIAddressEnsureAddr, virDomainPCIAddressBusSetModel ("…requires hotplug capability, but the PCI controller with index=\'N\' doesn\'t support hotplug")',
  families: 'all',
};

/** Models whose bus never has HOTPLUGGABLE (table 1.1), apart from the root bus itself, and what is refused there. */
const NEVER: Readonly<Record<string, string>> = {
  'dmi-to-pci-bridge': 'nothing can be hotplugged into a dmi-to-pci-bridge',
  'pcie-switch-upstream-port': 'downstream ports cannot be hotplugged into an upstream port',
  'pcie-expander-bus': 'root ports cannot be hotplugged into a pcie-expander-bus',
};
/** Models that are hotpluggable unless `<target hotplug='off'/>` (GEN-TGT-1: only these take the attribute). */
const SWITCHABLE = new Set(['pci-root', 'pcie-root-port', 'pcie-switch-downstream-port']);

/** Something libvirt still has to place, that this bus could take at define time: then the bus is not necessarily left empty. */
function mayBeFilled(ctx: RuleContext, c: PciController, pending: readonly GuestDevice[], pendingCtrls: readonly PciController[]): boolean {
  const model = BUS_MODELS[c.model];
  if (!model) return false;
  if (pending.some((d) => model.accepts.includes(ctx.endpointType(d)))) return true;
  return pendingCtrls.some((x) => {
    const t = controllerConnectType(x);
    return t !== undefined && model.accepts.includes(t);
  });
}

export const rule: Rule = globalRule(meta, (ctx) => {
  const pending = ctx.guest.devices.filter((d) => !d.address && d.otherAddressType === undefined && ctx.takesPci(d));
  const pendingCtrls = ctx.guest.controllers.filter((c) => !c.address && controllerConnectType(c) !== undefined);
  const out: Finding[] = [];
  for (const c of ctx.guest.controllers) {
    // Index 0 is the machine's root bus, not a spare.
    if (c.index === undefined || c.index === 0) continue;
    const bus = ctx.busByIndex.get(c.index);
    if (bus && (bus.devices.length > 0 || bus.controllers.length > 0)) continue;
    const never = NEVER[c.model];
    const off = SWITCHABLE.has(c.model) && c.target.hotplug === 'off';
    if (!never && !off) continue;
    if (mayBeFilled(ctx, c, pending, pendingCtrls)) continue;
    let fix: Fix;
    let why: string;
    if (off) {
      fix = setTargetFix(c, `Allow hotplug on controller ${c.index}`, { ...c.target, hotplug: undefined });
      why = `has hotplug='off'`;
    } else {
      fix = { label: `Remove the empty ${c.model} (controller ${c.index})`, command: { kind: 'remove-controller', controller: c.key } };
      why = never as string;
    }
    out.push(
      finding(
        meta,
        `${controllerText(c)} is empty and ${why}: this empty ${c.model === 'pci-root' ? 'PHB' : 'controller'} can never receive a hotplugged device (libvirt refuses: "…doesn't support hotplug"), so it is no hotplug spare; it only serves devices added while the guest is shut off.`,
        { controllers: [c.index] },
        [fix],
      ),
    );
  }
  return out;
});

export const cases = {
  pass: [
    { name: 'empty hotpluggable root port', design: q35([rootPort(1, 1)], []) },
    { name: "hotplug='off' root port in use", design: q35([rootPort(1, 1, 0, { target: { chassis: 1, port: 8, hotplug: 'off' } })], [dev('vda', 'disk', at(1, 0))]) },
    { name: "empty hotplug='off' port that libvirt fills with an unaddressed disk", design: q35([rootPort(1, 1, 0, { target: { chassis: 1, port: 8, hotplug: 'off' } })], [dev('vda', 'disk')]) },
    { name: 'dmi-to-pci-bridge with a pci-bridge', design: q35([ctrl('dmi-to-pci-bridge', 1, { address: at(0, 0x1e) }), ctrl('pci-bridge', 2, { address: at(1, 1), target: { chassisNr: 2 } })], []) },
    { name: 'empty spare PHB', design: pseries([phb(1)], []) },
  ],
  fail: [
    { name: "empty root port with hotplug='off'", design: q35([rootPort(1, 1, 0, { target: { chassis: 1, port: 8, hotplug: 'off' } })], []), expect: { controllers: [1] } },
    { name: 'empty dmi-to-pci-bridge', design: q35([ctrl('dmi-to-pci-bridge', 1, { address: at(0, 0x1e) })], []), expect: { controllers: [1] } },
    { name: 'upstream port without downstream ports', design: q35([rootPort(1, 1), ctrl('pcie-switch-upstream-port', 2, { address: at(1, 0) })], []), expect: { controllers: [2] } },
    { name: "empty PHB with hotplug='off'", design: pseries([phb(1, { hotplug: 'off' })], []), expect: { controllers: [1] } },
  ],
};
