import type { HostDevice } from '../model/host.ts';
import type { Finding, Fix, Rule, RuleMeta } from './types.ts';
import { finding } from './context.ts';
import type { RuleContext } from './context.ts';
import { hostRule } from './define.ts';
import { feasible } from './fixes.ts';
import { blocksVfio, boundToVfio, chipsetFunction, memberText } from '../model/vfio.ts';
import { at, hostdev, phb, pseries, q35, rootPort } from './testkit.ts';

const meta: RuleMeta = {
  id: 'HD-VFIO-1',
  severity: 'error',
  title: 'A host IOMMU group is viable for VFIO',
  why: 'VFIO opens a group only when every device in it is bound to vfio, to pci-stub or to nothing (bridges excepted); a member left to a host driver makes QEMU refuse with "group N is not viable", and managed=\'yes\' detaches only the listed devices.',
  source:
    'Linux drivers/vfio/vfio.c (vfio_main.c) vfio_dev_viable, vfio_dev_driver_allowed (allowed: no driver, a vfio driver, pci-stub, header type ≠ 0); QEMU hw/vfio/container.c vfio_get_group ("group %d is not viable"); libvirt docs/formatdomain.rst (Host device assignment, managed)',
  needsHost: true,
  families: 'all',
  impact: 2,
};

const warning = (f: Finding): Finding => ({ ...f, severity: 'warning' });

/** Pass the passable rest of the group through next to what is already there, when it fits. */
function passRestFix(ctx: RuleContext, group: number, anchorBus: number | undefined, rest: readonly HostDevice[], passed: readonly string[]): Fix[] {
  if (anchorBus === undefined || rest.length === 0) return [];
  const command = { kind: 'add-hostdevs' as const, hostAddresses: [...passed, ...rest.map((d) => d.address)], controller: anchorBus };
  if (!feasible(ctx, command)) return [];
  return [{ label: `Pass the rest of IOMMU group ${group} (${rest.map((d) => d.address).join(', ')}) through next to it`, command }];
}

export const rule: Rule = hostRule(meta, (ctx) => ctx.hostdevs.length > 0, (ctx) => {
  const out: Finding[] = [];
  const host = ctx.host;
  if (!host) return out;
  for (const [group, devices] of ctx.devicesByGroup) {
    const passed = new Set<HostDevice>();
    for (const d of devices) {
      const h = ctx.hostDevice(d);
      if (h) passed.add(h);
    }
    const subjects = { devices: devices.map((d) => d.key), groups: [group] };
    let left: HostDevice[] | undefined;
    for (const a of host.groups.get(group)?.members ?? []) {
      const m = host.devices.get(a);
      if (!m) continue;
      if (!passed.has(m)) {
        if (!m.bridge) (left ??= []).push(m);
        continue;
      }
      const kind = chipsetFunction(m);
      if (kind) out.push(warning(finding(meta, `${m.address} is the host's ${kind}, a chipset function the host itself needs: passing it to a guest takes it from the host. Pass through only the card's own functions.`, { devices: devices.filter((x) => ctx.hostDevice(x) === m).map((x) => x.key), groups: [group] })));
    }
    if (!left) continue;
    const chipset = left.filter((d) => chipsetFunction(d) !== undefined);
    const blocking = left.filter(blocksVfio);
    const anchorBus = devices.find((d) => d.address)?.address?.bus;
    const passable = left.filter((d) => chipsetFunction(d) === undefined);
    const list = (l: readonly HostDevice[]): string => l.map(memberText).join(', ');
    if (chipset.length > 0) {
      const bad = chipset.some(blocksVfio);
      const text =
        `IOMMU group ${group} also holds chipset functions of the host: ${list(chipset)}. The platform gives this slot no ACS isolation from them, so the group cannot be passed through safely: passing them would take them from the host` +
        (bad ? `, and leaving them bound to host drivers makes QEMU refuse ("group ${group} is not viable").` : '.') +
        ' Put the card in another slot (one whose IOMMU group holds only the card), or pass through a device that has its own group.';
      out.push(bad ? finding(meta, text, subjects) : warning(finding(meta, text, subjects)));
      continue;
    }
    if (blocking.length > 0) {
      out.push(
        finding(
          meta,
          `IOMMU group ${group} is not viable for VFIO: ${list(blocking)} ${blocking.length === 1 ? 'is' : 'are'} in the group but not passed through, and QEMU refuses a group with a member bound to a host driver ("group ${group} is not viable"; managed='yes' detaches only the listed devices). Pass ${blocking.length === 1 ? 'it' : 'them'} through too, or bind ${blocking.length === 1 ? 'it' : 'them'} to vfio-pci or pci-stub on the host.`,
          subjects,
          passRestFix(ctx, group, anchorBus, passable, [...passed].map((d) => d.address)),
        ),
      );
      continue;
    }
    const held = left.filter((d) => boundToVfio(d.driver) || d.driver === 'pci-stub');
    out.push(
      warning(
        finding(
          meta,
          `IOMMU group ${group} is only partly passed through: ${list(left)} ${left.length === 1 ? 'is' : 'are'} not given to the guest. QEMU accepts the group, but ${held.length > 0 ? 'a device held by vfio or pci-stub serves no one while this guest runs (a group belongs to one guest)' : 'a host driver that binds to a driver-less member while the guest runs is refused, and the member stays unusable to the host'}.`,
          subjects,
          passRestFix(ctx, group, anchorBus, passable, [...passed].map((d) => d.address)),
        ),
      ),
    );
  }
  return out;
});

const GPU = '0000:01:00.0';
const AUDIO = '0000:01:00.1';
const group = (drivers: Record<string, string>, extra: Record<string, readonly string[]> = {}, classes: Record<string, string> = {}) => ({ groups: { 1: [GPU, AUDIO], ...extra }, drivers, classes });
const LPC = '0000:00:1f.0';

export const cases = {
  pass: [
    { name: 'whole group', design: pseries([phb(1)], [hostdev(GPU, at(1, 1, 0, 'on')), hostdev(AUDIO, at(1, 1, 1))], group({ [GPU]: 'vfio-pci', [AUDIO]: 'vfio-pci' })) },
    { name: 'left-out member has no driver (a warning)', design: q35([rootPort(1, 1)], [hostdev(GPU, at(1, 0))], group({ [GPU]: 'vfio-pci' })) },
    { name: 'left-out member bound to vfio-pci (a warning)', design: q35([rootPort(1, 1)], [hostdev(GPU, at(1, 0))], group({ [GPU]: 'vfio-pci', [AUDIO]: 'vfio-pci' })) },
    { name: 'left-out member bound to pci-stub (a warning)', design: q35([rootPort(1, 1)], [hostdev(GPU, at(1, 0))], group({ [AUDIO]: 'pci-stub' })) },
    { name: 'a bridge in the group bound to pcieport', design: q35([rootPort(1, 1)], [hostdev(GPU, at(1, 0, 0, 'on')), hostdev(AUDIO, at(1, 0, 1))], { groups: { 1: ['0000:00:01.0', GPU, AUDIO] }, bridges: ['0000:00:01.0'], drivers: { '0000:00:01.0': 'pcieport' } }) },
    { name: 'a driver-less chipset function in the group (a warning, no fix)', design: q35([rootPort(1, 1)], [hostdev(GPU, at(1, 0))], { groups: { 1: [GPU, LPC] }, classes: { [LPC]: '0x060100' } }) },
  ],
  fail: [
    { name: 'left-out member bound to a host driver', design: q35([rootPort(1, 1)], [hostdev(GPU, at(1, 0))], group({ [GPU]: 'vfio-pci', [AUDIO]: 'snd_hda_intel' })), expect: { devices: [GPU], groups: [1] } },
    { name: 'left-out chipset function bound to lpc_ich', design: q35([rootPort(1, 1)], [hostdev(GPU, at(1, 0))], { groups: { 1: [GPU, LPC] }, drivers: { [LPC]: 'lpc_ich' }, classes: { [LPC]: '0x060100' } }), expect: { groups: [1] } },
  ],
};
