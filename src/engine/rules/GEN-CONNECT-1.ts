import type { Finding, Rule, RuleMeta } from './types.ts';
import { controllerText, finding } from './context.ts';
import { globalRule } from './define.ts';
import { BUS_MODELS, busAccepts, controllerConnectType } from '../libvirt/index.ts';
import type { RuleContext } from './context.ts';
import { ctrl, q35, rootPort } from './testkit.ts';

const meta: RuleMeta = {
  id: 'GEN-CONNECT-1',
  severity: 'error',
  title: 'What libvirt must place itself has a bus that allows it',
  why: 'libvirt places unaddressed controllers only where the connect table matches exactly, and it never adds a parent for root ports, switch ports, dmi-to-pci-bridge or expander buses; with no such bus the domain is refused.',
  source: 'libvirt src/conf/domain_addr.c virDomainPCIAddressFlagsCompatible ("was auto-assigned this address, but the PCI controller … doesn\'t allow auto-assignment"), virDomainPCIAddressSetGrow',
  families: ['q35', 'virt', 'i440fx', 'other'],
};

/** Root-port functions still free where libvirt may put an unaddressed root port: 8 per free slot. */
function rootPortCapacity(ctx: RuleContext): number {
  let free = 0;
  for (const c of ctx.guest.controllers) {
    if ((c.model !== 'pcie-root' && c.model !== 'pcie-expander-bus') || c.index === undefined) continue;
    const model = BUS_MODELS[c.model];
    if (!model) continue;
    const bus = ctx.busByIndex.get(c.index);
    const used = new Set<number>();
    for (const d of bus?.devices ?? []) if (d.address) used.add(d.address.slot);
    for (const x of bus?.controllers ?? []) if (x.address) used.add(x.address.slot);
    // ICH9's LPC/SATA/SMBus slot on q35.
    if (c.model === 'pcie-root' && ctx.family === 'q35') used.add(0x1f);
    for (let s = model.minSlot; s <= model.maxSlot; s++) if (!used.has(s)) free++;
  }
  return free * 8;
}

export const rule: Rule = globalRule(meta, (ctx) => {
  const out: Finding[] = [];
  for (const c of ctx.guest.controllers) {
    const type = controllerConnectType(c);
    // pci-bridge: libvirt can always find or make a PCI slot for it.
    if (c.address || !type || type === 'pci-bridge') continue;
    if (ctx.guest.controllers.some((p) => p !== c && busAccepts(p, type)) || ((type === 'pcie-root-port' || type === 'dmi-to-pci-bridge' || type === 'pcie-expander-bus') && ctx.pcieRoot)) continue;
    out.push(finding(meta, `${controllerText(c)} has no address and no bus in this guest accepts a ${c.model}; libvirt cannot add one automatically.`, { controllers: c.index !== undefined ? [c.index] : [] }));
  }
  const unplacedPorts = ctx.guest.controllers.filter((c) => c.model === 'pcie-root-port' && !c.address);
  if (ctx.pcieRoot && unplacedPorts.length > 0) {
    const capacity = rootPortCapacity(ctx);
    if (unplacedPorts.length > capacity) {
      out.push(finding(meta, `${unplacedPorts.length} pcie-root-ports have no address but only ${capacity} root-port functions are free: a PCI slot is needed to connect a PCI controller model='pcie-root-port', but none is available, and it cannot be automatically added.`, { controllers: unplacedPorts.slice(capacity).flatMap((c) => (c.index !== undefined ? [c.index] : [])) }));
    }
  }
  return out;
});

export const cases = {
  pass: [{ name: 'root port without address on q35', design: q35([ctrl('pcie-root-port', 1)], []) }, { name: 'downstream under an upstream', design: q35([rootPort(1, 1), ctrl('pcie-switch-upstream-port', 2), ctrl('pcie-switch-downstream-port', 3)], []) }],
  fail: [
    { name: '241 unaddressed root ports', design: q35(Array.from({ length: 241 }, (_, i) => ctrl('pcie-root-port', i + 1)), []), expect: {} },
    { name: 'downstream port with no upstream port', design: q35([rootPort(1, 1), ctrl('pcie-switch-downstream-port', 2)], []), expect: { controllers: [2] } },
  ],
};
