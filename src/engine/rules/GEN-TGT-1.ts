import type { ControllerTarget, MachineFamily, PciController } from '../model/guest.ts';
import type { Finding, Rule, RuleMeta } from './types.ts';
import { controllerText, finding } from './context.ts';
import { globalRule } from './define.ts';
import { setTargetFix } from './fixes.ts';
import { at, ctrl, phb, pseries, q35, rootPort } from './testkit.ts';

const meta: RuleMeta = {
  id: 'GEN-TGT-1',
  severity: 'error',
  title: '<target> attributes only where the model allows them, in range',
  why: "Each <target> attribute sets a property of one QEMU device; libvirt refuses it on other models ('Option … is not valid for PCI controller') and outside its range, and QEMU refuses two expander buses of one busNr ('Bus N is already in use').",
  source: "libvirt src/conf/domain_validate.c virDomainControllerDefValidate (ranges); src/qemu/qemu_validate.c qemuValidateDomainDeviceDefControllerPCI; src/conf/domain_conf.c virDomainControllerDefParseXML (each <target> number by virXMLPropInt/UInt/ULongLong in base 0, hotplug by virXMLPropTristateSwitch: \"Invalid value for attribute 'chassis' in element 'target': 'x'. Expected integer value\"; memReserve since 10.3, virXMLPropULongLong base 0 with VIR_XML_PROP_NONZERO: libvirt 9.0 ignores it; <node> by virXPathInt in base 10, \"invalid NUMA node in target\"); QEMU hw/pci-bridge/pci_expander_bridge.c pxb_dev_realize_common (two pxb or pxb-pcie of one bus_nr: \"Bus N is already in use\", checked with QEMU 7.2)",
  families: 'all',
};

type Attr = keyof ControllerTarget;
const ALLOWED: Record<Attr, (model: string, pseries: boolean) => boolean> = {
  chassisNr: (m) => m === 'pci-bridge',
  chassis: (m) => m === 'pcie-root-port' || m === 'pcie-switch-downstream-port',
  port: (m) => m === 'pcie-root-port' || m === 'pcie-switch-downstream-port',
  busNr: (m) => m === 'pci-expander-bus' || m === 'pcie-expander-bus',
  index: (m, p) => m === 'pci-root' && p,
  node: (m, p) => m === 'pci-expander-bus' || m === 'pcie-expander-bus' || (m === 'pci-root' && p),
  hotplug: (m) => m === 'pci-root' || m === 'pcie-root-port' || m === 'pcie-switch-downstream-port',
  memReserve: (m) => m === 'pcie-root-port' || m === 'pci-bridge',
};
const RANGE: Partial<Record<Attr, [number, number]>> = { chassisNr: [1, 255], chassis: [0, 255], port: [0, 255], busNr: [1, 254], memReserve: [1, Number.MAX_SAFE_INTEGER] };

export const rule: Rule = globalRule(meta, (ctx) => [...ctx.guest.controllers.flatMap((c) => attributeFindings(ctx.family, c)), ...busNrTwice(ctx.guest.controllers)]);

/**
 * An expander bus whose written busNr another one has: libvirt defines the guest, and QEMU refuses
 * to start it (hw/pci-bridge/pci_expander_bridge.c pxb_dev_realize_common: "Bus N is already in
 * use"; checked with libvirt 9.0 and QEMU 7.2, pxb and pxb-pcie: test/real/expander-busnr.test.ts).
 * Bus ranges that overlap without the same number start (QEMU checks the number only).
 */
function busNrTwice(controllers: readonly PciController[]): Finding[] {
  const first = new Map<number, PciController>();
  const out: Finding[] = [];
  for (const c of controllers) {
    const n = c.target.busNr;
    if (n === undefined || !ALLOWED.busNr(c.model, false)) continue;
    const earlier = first.get(n);
    if (!earlier) {
      first.set(n, c);
      continue;
    }
    out.push(finding(meta, `${controllerText(c)} has busNr ${n}, as ${controllerText(earlier)} has: QEMU refuses to start ("Bus ${n} is already in use"). Give each expander bus a busNr of its own.`, { controllers: [earlier, c].flatMap((x) => (x.index !== undefined ? [x.index] : [])) }));
  }
  return out;
}

function attributeFindings(family: MachineFamily, c: PciController): Finding[] {
  const problems: string[] = [];
  // a value libvirt cannot read: it refuses the domain ("Invalid value for attribute …")
  // (hotplug: virXMLPropTristateSwitch, on or off only; the others virXMLPropInt/UInt/ULongLong)
  // (<node> is element text, by virXPathInt in base 10: "invalid NUMA node in target")
  for (const u of c.unreadable ?? []) {
    if (u.startsWith('target node=')) problems.push(`<node>${u.slice("target node='".length, -1)}</node> cannot be read as a number ("invalid NUMA node in target")`);
    else if (u.startsWith('target ')) problems.push(`${u.slice(7)} cannot be read ${u.startsWith('target hotplug=') ? 'as on or off' : 'as a number'}`);
  }
  const cleaned: Record<string, unknown> = { ...c.target };
  for (const [attr, value] of Object.entries(c.target) as Array<[Attr, unknown]>) {
    if (value === undefined || !(attr in ALLOWED)) continue;
    if (!ALLOWED[attr](c.model, family === 'pseries')) {
      problems.push(`option '${attr}' is not valid for a ${c.model}`);
      delete cleaned[attr];
      continue;
    }
    const r = RANGE[attr];
    if (r && typeof value === 'number' && (value < r[0] || value > r[1])) problems.push(`${attr} ${value} is out of range ${r[0]}-${r[1] === Number.MAX_SAFE_INTEGER ? '' : r[1]}`);
  }
  if (!problems.length) return [];
  const onlyUnallowed = problems.every((p) => p.startsWith('option'));
  const fixes = onlyUnallowed ? [setTargetFix(c, `Remove the options ${c.model} does not take`, cleaned as ControllerTarget)] : undefined;
  return [finding(meta, `${controllerText(c)}: ${problems.join('; ')}.`, { controllers: c.index !== undefined ? [c.index] : [] }, fixes)];
}

export const cases = {
  pass: [
    { name: 'two pcie-expander-buses of busNr 250 and 251 (their ranges overlap: QEMU starts it)', design: q35([ctrl('pcie-expander-bus', 1, { address: at(0, 2), target: { busNr: 250 } }), ctrl('pcie-expander-bus', 2, { address: at(0, 3), target: { busNr: 251 } })], []) },
    { name: 'PHB index and root port chassis', design: q35([rootPort(1, 1)], []) }, { name: 'pseries PHB', design: pseries([phb(1, { node: 0 })], [], undefined, { numaCells: 1 }) }],
  fail: [
    { name: 'chassis on a pci-bridge', design: pseries([ctrl('pci-bridge', 1, { address: at(0, 1), target: { chassisNr: 1, chassis: 3 } })], []), expect: { controllers: [1] } },
    // libvirt 9.0 defines it; QEMU 7.2: "Bus 250 is already in use" (test/real/expander-busnr.test.ts)
    { name: 'two pcie-expander-buses of busNr 250', design: q35([ctrl('pcie-expander-bus', 1, { address: at(0, 2), target: { busNr: 250 } }), ctrl('pcie-expander-bus', 2, { address: at(0, 3), target: { busNr: 250 } })], []), expect: { controllers: [1, 2] } },
    { name: 'busNr 255', design: q35([ctrl('pcie-expander-bus', 1, { address: at(0, 2), target: { busNr: 255 } })], []), expect: { controllers: [1] } },
    // libvirt 9.0: "invalid NUMA node in target" (<node>0x0</node>: base 10)
    { name: '<node>0x0</node> (unreadable)', design: pseries([{ ...phb(1), unreadable: ["target node='0x0'"] }], [], undefined, { numaCells: 1 }), expect: { controllers: [1] } },
    { name: "chassis='x' (unreadable)", design: q35([{ ...rootPort(1, 1), unreadable: ["target chassis='x'"] }], []), expect: { controllers: [1] } },
    // libvirt 9.0: "Invalid value for attribute 'hotplug' in element 'target': 'default'."
    { name: "hotplug='default' (on or off only)", design: q35([{ ...rootPort(1, 1), unreadable: ["target hotplug='default'"] }], []), expect: { controllers: [1] } },
  ],
};
