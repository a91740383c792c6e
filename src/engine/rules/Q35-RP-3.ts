import type { Finding, Rule, RuleMeta } from './types.ts';
import type { PciController } from '../model/guest.ts';
import type { RuleContext } from './context.ts';
import { addedByLibvirt, atDefine, definedControllerText } from './atDefine.ts';
import { finding } from './context.ts';
import { globalRule } from './define.ts';
import { lowestFree, setTargetFix } from './fixes.ts';
import { at, ctrl, dev, q35, rootPort } from './testkit.ts';

const meta: RuleMeta = {
  id: 'Q35-RP-3',
  severity: 'error',
  title: 'Root and downstream port chassis numbers are unique',
  why: 'libvirt never sets the port slot, so each (chassis, slot) pair is (chassis, 0): two ports with one chassis make QEMU fail at start ("Can\'t add chassis slot, error -16"). libvirt does not check this.',
  source: 'QEMU hw/pci-bridge/pcie_root_port.c, xio3130_downstream.c realize -> pcie_chassis_add_slot; docs/pcie.txt §2.2; the ports libvirt adds at define: libvirt src/conf/domain_addr.c virDomainPCIAddressSetGrow, src/qemu/qemu_domain_address.c qemuDomainPCIControllerSetDefaults (chassis = index)',
  families: ['q35', 'virt', 'i440fx', 'other'],
};

const isPort = (c: PciController): boolean => c.model === 'pcie-root-port' || c.model === 'pcie-switch-downstream-port';
const chassisOf = (c: PciController): number | undefined => c.target.chassis ?? c.index;

/**
 * Only a chassis written different from the port's index can clash: libvirt gives every other port,
 * and every port it adds itself (virDomainPCIAddressSetGrow), chassis = index
 * (qemuDomainPCIControllerSetDefaults). Then the ports libvirt adds at define are judged too (d10).
 */
const writtenChassis = (ctx: RuleContext): boolean => ctx.guest.controllers.some((c) => isPort(c) && c.target.chassis !== undefined && c.target.chassis !== c.index);

const upperFirst = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

export const rule: Rule = globalRule(meta, (ctx) => {
  if (!writtenChassis(ctx)) return [];
  const defined = atDefine(ctx, (c) => c.pcieRoot);
  const ports = (defined?.guest.controllers ?? ctx.guest.controllers).filter(isPort);
  const portText = (c: PciController): string => `port ${c.index ?? '(index unreadable)'}`;
  const name = (c: PciController): string => (defined && addedByLibvirt(defined, c) ? `${definedControllerText(defined, c)} (chassis = its index)` : portText(c));
  const used = new Set<number>();
  for (const p of ports) {
    const n = chassisOf(p);
    if (n !== undefined) used.add(n);
  }
  const first = new Map<number, PciController>();
  const out: Finding[] = [];
  for (const p of ports) {
    const n = chassisOf(p);
    if (n === undefined) continue;
    const earlier = first.get(n);
    if (!earlier) {
      first.set(n, p);
      continue;
    }
    // the fix changes a port the design writes: the later one, unless libvirt adds that one; then the
    // earlier one is written, since two ports libvirt adds have chassis = index, two different numbers
    const mine = defined && addedByLibvirt(defined, p) ? earlier : p;
    const free = lowestFree(used, 1, 255);
    if (free !== undefined) used.add(free);
    const subjects = { controllers: [earlier.index, p.index].filter((i): i is number => i !== undefined) };
    out.push(finding(meta, `${upperFirst(name(earlier))} and ${name(p)} both use chassis ${n}: QEMU refuses to start ("Can't add chassis slot, error -16").`, subjects, free !== undefined ? [setTargetFix(mine, `Give ${portText(mine)} the free chassis ${free}`, { ...mine.target, chassis: free })] : undefined));
  }
  return out;
});

/** A switch below root port 1: upstream port 2, downstream ports 3 and 4 with the given chassis. */
const withSwitch = (a: number | undefined, b: number | undefined) =>
  q35(
    [
      rootPort(1, 2),
      ctrl('pcie-switch-upstream-port', 2, { address: at(1, 0) }),
      ctrl('pcie-switch-downstream-port', 3, { target: a === undefined ? {} : { chassis: a, port: 0 }, address: at(2, 0) }),
      ctrl('pcie-switch-downstream-port', 4, { target: b === undefined ? {} : { chassis: b, port: 1 }, address: at(2, 1) }),
    ],
    [],
  );

export const cases = {
  pass: [
    { name: 'chassis = index', design: q35([rootPort(1, 1), rootPort(2, 1, 1)], []) },
    { name: 'downstream ports with chassis of their own', design: withSwitch(7, 8) },
    { name: 'downstream ports without chassis: libvirt gives each its index', design: withSwitch(undefined, undefined) },
    // the ports libvirt adds at define take chassis = index: a written chassis above them stays unique
    { name: 'a written chassis no port libvirt adds will take', design: q35([ctrl('pcie-root-port', 1, { target: { chassis: 40 } })], [dev('rng0', 'rng'), dev('rng1', 'rng')]) },
    { name: 'a written chassis equal to its own index, with ports libvirt adds', design: q35([ctrl('pcie-root-port', 1, { target: { chassis: 1 } })], [dev('rng0', 'rng'), dev('rng1', 'rng')]) },
    { name: 'a pci-bridge chassisNr is not a port chassis', design: q35([rootPort(1, 1), ctrl('pcie-to-pci-bridge', 2, { address: at(1, 0) }), ctrl('pci-bridge', 3, { target: { chassisNr: 1 }, address: at(2, 1) })], []) },
  ],
  fail: [
    { name: 'chassis 1 twice', design: q35([rootPort(1, 1), rootPort(2, 1, 1, { target: { chassis: 1, port: 9 } })], []), expect: { controllers: [1, 2] } },
    // h08-downstream-port-chassis: two downstream ports of one switch with chassis 7
    { name: 'two downstream ports with chassis 7', design: withSwitch(7, 7), expect: { controllers: [3, 4] } },
    { name: 'a downstream port takes its root port chassis', design: withSwitch(1, undefined), expect: { controllers: [1, 3] } },
    { name: 'a written chassis equal to another port index (libvirt gives that one chassis = index)', design: withSwitch(undefined, 3), expect: { controllers: [3, 4] } },
    // d10-q35-chassis-clash-with-auto-added-port: the rng libvirt places second needs a port it adds, index 2, chassis 2
    { name: 'a written chassis equal to the index of a port libvirt adds at define', design: q35([ctrl('pcie-root-port', 1, { target: { chassis: 2 } })], [dev('rng0', 'rng'), dev('rng1', 'rng')]), expect: { controllers: [1, 2] } },
  ],
};
