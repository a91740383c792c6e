import type { Finding, Rule, RuleMeta } from './types.ts';
import type { RuleContext } from './context.ts';
import { finding } from './context.ts';
import { globalRule } from './define.ts';
import { emptyPhbs } from './fixes.ts';
import { predictDefine } from '../placement/defineTime.ts';
import { at, dev, hostdev, phb, pseries } from './testkit.ts';

const meta: RuleMeta = {
  id: 'PAPR-HP-6',
  severity: 'warning',
  title: 'Spare PHBs survive cold-plugged hostdevs',
  why: "libvirt gives any empty PHB to the next hostdev it has to place itself, before adding a new PHB, so a spare kept for hotplug is eaten by an unaddressed hostdev. The same goes for the devices libvirt adds on its own at define time (the default pci-ohci USB controller, the virtio memballoon) once PHB 0 is full: an empty PHB is the next bus of their isolation group.",
  source: 'libvirt src/conf/domain_addr.c virDomainPCIAddressGetNextAddr; src/qemu/qemu_domain_address.c qemuDomainPCIAddressSetCreate; qemuDomainDefAddDefaultDevices',
  families: ['pseries'],
};

const addPhbs = (n: number) => ({
  label: `Add ${n} more spare vPHB(s)`,
  command: { kind: 'batch' as const, label: 'Add spare vPHBs', commands: Array.from({ length: n }, () => ({ kind: 'add-controller' as const, controller: { model: 'pci-root' } })) },
});

export const rule: Rule = globalRule(meta, (ctx) => {
  const spares = emptyPhbs(ctx);
  if (spares.length === 0) return [];
  const unplaced = ctx.hostdevs.filter((d) => !d.address && d.otherAddressType === undefined);
  if (unplaced.length > 0) {
    // Each IOMMU group libvirt places takes one empty PHB; without the host, count each device.
    const needed = new Set(unplaced.map((d) => ctx.groupOf(d) ?? d.key)).size;
    if (spares.length <= needed) {
      const add = needed - spares.length + 1;
      return [
        finding(meta, `${unplaced.map((d) => d.label).join(', ')} ha${unplaced.length === 1 ? 's' : 've'} no address: libvirt will give the empty PHB(s) ${spares.join(', ')} to ${unplaced.length === 1 ? 'it' : 'them'}, so no spare is left for hotplug. Give the hostdevs addresses, or add ${add} more PHB(s).`, { controllers: spares, devices: unplaced.map((d) => d.key) }, [addPhbs(add)]),
      ];
    }
  }
  return implicitTakers(ctx);
});

/** libvirt's own default devices, placed at define time, landing on the last empty PHBs. */
function implicitTakers(ctx: RuleContext): Finding[] {
  const predicted = predictDefine(ctx.guest, ctx.host, ctx.order).empty.filter((b) => b.kind === 'vPHB');
  if (predicted.length === 0 || predicted.some((b) => b.takers.length === 0)) return [];
  const implicit = predicted.flatMap((b) => b.takers.filter((t) => t.implicit).map((t) => `${t.label.replace(/^implicit /, '')} on PHB ${b.index}`));
  if (implicit.length === 0) return [];
  return [
    finding(
      meta,
      `PHB 0 has no free slot, so libvirt puts the devices it adds at define time on the empty PHBs (${implicit.join(', ')}) and no spare is left for hotplug. Free a slot on PHB 0 or put a pci-bridge there, write <controller type='usb' model='none'/> / <memballoon model='none'/> if the guest does without them, or add a PHB.`,
      { controllers: predicted.map((b) => b.index) },
      [addPhbs(1)],
    ),
  ];
}

const fullPhb0 = Array.from({ length: 31 }, (_, i) => dev(`d${i}`, 'disk', at(0, i + 1)));

export const cases = {
  pass: [
    { name: 'addressed hostdev and a spare', design: pseries([phb(1), phb(2)], [hostdev('0000:01:00.0', at(1, 1))]) },
    { name: 'PHB 0 full, no default devices: the spare stays empty', design: pseries([phb(1)], [...fullPhb0, dev('usb', 'controller', undefined, { type: 'usb', model: 'none' }), dev('mb', 'memballoon', undefined, { model: 'none' })]) },
  ],
  fail: [
    { name: 'unaddressed hostdev and a spare', design: pseries([phb(1)], [hostdev('0000:01:00.0')]), expect: { controllers: [1] } },
    { name: 'PHB 0 full: the default USB controller takes the spare', design: pseries([phb(1)], [...fullPhb0, dev('mb', 'memballoon', undefined, { model: 'none' })]), expect: { controllers: [1] } },
  ],
};
