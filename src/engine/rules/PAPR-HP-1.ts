import type { Rule, RuleMeta } from './types.ts';
import { finding } from './context.ts';
import { globalRule } from './define.ts';
import { hotplugSpares } from './spares.ts';
import { at, ctrl, hostdev, phb, pseries } from './testkit.ts';

const meta: RuleMeta = {
  id: 'PAPR-HP-1',
  severity: 'error',
  title: 'Hotplug spares need pseries-2.4 or newer',
  why: "PCI hotplug on pseries goes through DRCs, which need the PHB's dynamic-reconfiguration; pseries-2.3 and older turn it off, so QEMU refuses every hotplug and spare PHBs or bridges kept for it can never receive a device.",
  source: 'QEMU hw/ppc/spapr_pci.c spapr_pci_pre_plug (bus does not support hotplugging); hw/ppc/spapr.c spapr_machine_2_3_class_options',
  families: ['pseries'],
};

/** `pseries-2.3` and older; plain `pseries` is the newest version. */
export function pseriesWithoutDrc(machine: string | undefined): boolean {
  const m = /^pseries-(\d+)\.(\d+)/.exec(machine ?? '');
  if (!m) return false;
  const major = Number(m[1]);
  const minor = Number(m[2]);
  return major < 2 || (major === 2 && minor <= 3);
}

export const rule: Rule = globalRule(meta, (ctx) => {
  if (!pseriesWithoutDrc(ctx.guest.machine)) return [];
  const spares = hotplugSpares(ctx);
  if (spares.length === 0) return [];
  const ids = spares.flatMap((c) => (c.index !== undefined ? [c.index] : []));
  return [
    finding(
      meta,
      `Machine ${ctx.guest.machine ?? ''} has no dynamic reconfiguration: QEMU refuses every PCI hotplug ("Bus … does not support hotplugging"), so the empty spare${ids.length === 1 ? '' : 's'} (controller${ids.length === 1 ? '' : 's'} ${ids.join(', ')}) can never receive a device. Use pseries-2.4 or newer (plain 'pseries' is the newest), or drop the spares.`,
      { controllers: ids },
    ),
  ];
});

export const cases = {
  pass: [
    { name: 'pseries-2.4 with a spare PHB', design: pseries([phb(1)], [], undefined, { machine: 'pseries-2.4' }) },
    { name: 'pseries-2.12 with a spare PHB', design: pseries([phb(1)], [], undefined, { machine: 'pseries-2.12' }) },
    { name: 'pseries-2.3 without spares', design: pseries([phb(1)], [hostdev('0000:01:00.0', at(1, 1))], undefined, { machine: 'pseries-2.3' }) },
    { name: 'pseries-2.3: the empty PHB goes to an unaddressed hostdev', design: pseries([phb(1)], [hostdev('0000:01:00.0')], undefined, { machine: 'pseries-2.3' }) },
  ],
  fail: [
    { name: 'pseries-2.3 with a spare PHB', design: pseries([phb(1)], [], undefined, { machine: 'pseries-2.3' }), expect: { controllers: [1] } },
    { name: 'pseries-2.1 with a spare bridge', design: pseries([ctrl('pci-bridge', 1, { address: at(0, 1), target: { chassisNr: 1 } })], [], undefined, { machine: 'pseries-2.1' }), expect: { controllers: [1] } },
  ],
};
