import type { Finding, Fix, Rule, RuleMeta } from './types.ts';
import type { PciController } from '../model/guest.ts';
import { controllerText, finding } from './context.ts';
import { globalRule } from './define.ts';
import { BUS_MODELS, busAccepts, controllerConnectType } from '../libvirt/index.ts';
import type { RuleContext } from './context.ts';
import { ctrl, design, q35, rootPort } from './testkit.ts';

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

/** The fix removes what the machine cannot connect; whatever sat on it loses its address and libvirt places it again. */
function removeFix(list: readonly PciController[]): Fix {
  const what = list.length <= 3 ? list.map(controllerText).join(', ') : `${list.length} controllers (${[...new Set(list.map((c) => c.model))].join(', ')})`;
  return { label: `Remove ${what}: this machine cannot connect ${list.length === 1 ? 'it' : 'them'}`, command: { kind: 'batch', label: `Remove ${what}`, commands: list.map((c) => ({ kind: 'remove-controller' as const, controller: c.key })) } };
}

export const rule: Rule = globalRule(meta, (ctx) => {
  const out: Finding[] = [];
  const stranded = ctx.guest.controllers.filter((c) => {
    const type = controllerConnectType(c);
    // pci-bridge: libvirt can always find or make a PCI slot for it.
    if (c.address || !type || type === 'pci-bridge') return false;
    return !(ctx.guest.controllers.some((p) => p !== c && busAccepts(p, type)) || ((type === 'pcie-root-port' || type === 'dmi-to-pci-bridge' || type === 'pcie-expander-bus') && ctx.pcieRoot));
  });
  for (const c of stranded) {
    const fixes = stranded.length > 1 ? [removeFix(stranded), removeFix([c])] : [removeFix([c])];
    out.push(finding(meta, `${controllerText(c)} has no address and no bus in this guest accepts a ${c.model}; libvirt cannot add one automatically.`, { controllers: c.index !== undefined ? [c.index] : [] }, fixes));
  }
  const unplacedPorts = ctx.guest.controllers.filter((c) => c.model === 'pcie-root-port' && !c.address);
  if (ctx.pcieRoot && unplacedPorts.length > 0) {
    const capacity = rootPortCapacity(ctx);
    if (unplacedPorts.length > capacity) {
      const excess = unplacedPorts.slice(capacity);
      out.push(finding(meta, `${unplacedPorts.length} pcie-root-ports have no address but only ${capacity} root-port functions are free: a PCI slot is needed to connect a PCI controller model='pcie-root-port', but none is available, and it cannot be automatically added.`, { controllers: excess.flatMap((c) => (c.index !== undefined ? [c.index] : [])) }, [removeFix(excess)]));
    }
  }
  return out;
});

export const cases = {
  pass: [{ name: 'root port without address on q35', design: q35([ctrl('pcie-root-port', 1)], []) }, { name: 'downstream under an upstream', design: q35([rootPort(1, 1), ctrl('pcie-switch-upstream-port', 2), ctrl('pcie-switch-downstream-port', 3)], []) }],
  fail: [
    { name: '241 unaddressed root ports', design: q35(Array.from({ length: 241 }, (_, i) => ctrl('pcie-root-port', i + 1)), []), expect: {} },
    { name: 'downstream port with no upstream port', design: q35([rootPort(1, 1), ctrl('pcie-switch-downstream-port', 2)], []), expect: { controllers: [2] } },
    // r12-s390x-root-ports
    { name: 'root ports on s390', design: design({ machine: 's390-ccw-virtio', arch: 's390x', controllers: [ctrl('pcie-root-port', 1), ctrl('pcie-root-port', 2)] }), expect: { controllers: [1] } },
  ],
};
