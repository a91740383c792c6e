import type { ControllerTarget, MachineFamily, PciController } from '../model/guest.ts';
import type { Finding, Rule, RuleMeta } from './types.ts';
import type { RuleContext } from './context.ts';
import { controllerText, finding } from './context.ts';
import { firmwareBusNumbering, isExpander, isRootBus } from './busNumbers.ts';
import { globalRule } from './define.ts';
import { setTargetFix } from './fixes.ts';
import { followsLibvirt9 } from '../model/libvirtRelease.ts';
import { at, ctrl, design, phb, pseries, q35, rootPort } from './testkit.ts';

const meta: RuleMeta = {
  id: 'GEN-TGT-1',
  severity: 'error',
  title: '<target> attributes only where the model allows them, in range',
  why: "Each <target> attribute sets a property of one QEMU device; libvirt refuses it on other models ('Option … is not valid for PCI controller') and outside its range, and QEMU refuses two expander buses of one busNr ('Bus N is already in use'). An expander's busNr must also leave room below it for the bus numbers the guest firmware gives the bridges of the buses numbered before it, or two buses get one number and the guest does not see the devices behind one of them; and the bridges below the highest expander must fit below 256, or the firmware does not boot the guest.",
  source: "libvirt src/conf/domain_validate.c virDomainControllerDefValidate (ranges); src/qemu/qemu_validate.c qemuValidateDomainDeviceDefControllerPCI; src/conf/domain_conf.c virDomainControllerDefParseXML (each <target> number by virXMLPropInt/UInt/ULongLong in base 0, hotplug by virXMLPropTristateSwitch: \"Invalid value for attribute 'chassis' in element 'target': 'x'. Expected integer value\"; memReserve since 10.3, virXMLPropULongLong base 0 with VIR_XML_PROP_NONZERO: libvirt 9.0 ignores it; <node> by virXPathInt in base 10, \"invalid NUMA node in target\"); QEMU hw/pci-bridge/pci_expander_bridge.c pxb_dev_realize_common (two pxb or pxb-pcie of one bus_nr: \"Bus N is already in use\", checked with QEMU 7.2); the room below a busNr: libvirt src/qemu/qemu_domain_address.c qemuDomainAddressFindNewBusNr (\"There need to be enough bus numbers *below* this for all the child controllers of the pci-expander-bus with the next lower busNr (or the pci-root bus…)\"; libvirt checks it only for the busNr it picks itself), QEMU docs/pci_expander_bridge.txt; seen with QEMU 7.2 + SeaBIOS (q35, three root ports on pcie.0, pxb-pcie bus_nr=2: the firmware gives the second root port secondary bus 2, and the device behind it is gone from query-pci); past bus 255, the same (pxb-pcie bus_nr=253 with three root ports: the third gets secondary bus 0, its device is gone, and SeaBIOS 1.16 rescans the buses without end: test/real/firmware-buses.test.ts)",
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

export const rule: Rule = globalRule(meta, (ctx) => [...ctx.guest.controllers.flatMap((c) => attributeFindings(ctx.family, c)), ...busNrTwice(ctx.guest.controllers), ...busNrRoom(ctx), ...memReserveDropped(ctx)]);

/**
 * A memReserve libvirt 9.x drops (a warning: the guest runs, without the reserve asked for): the
 * attribute is libvirt 10.3's, and 9.0's parser does not read it, so `virsh define` keeps the port
 * and loses the value silently (checked with libvirt 9.0: define then dumpxml). Judged as 10.x, or
 * where the attribute is refused anyway (another model, out of range), nothing more is said here.
 */
function memReserveDropped(ctx: RuleContext): Finding[] {
  if (!followsLibvirt9(ctx.libvirtVersion)) return [];
  return ctx.guest.controllers.flatMap((c) => {
    const m = c.target.memReserve;
    if (m === undefined || !ALLOWED.memReserve(c.model, ctx.family === 'pseries') || m < 1) return [];
    const dropped = finding(meta, `${controllerText(c)}: libvirt ${ctx.libvirtVersion ?? ''} does not know memReserve (libvirt 10.3 added it) and drops it when it defines the domain, so the ${c.model} gets QEMU's default memory window, not the ${m} KiB asked for: a device with larger BARs hotplugged behind it may not get its memory. Use libvirt 10.3 or later.`, { controllers: c.index !== undefined ? [c.index] : [] });
    return [{ ...dropped, severity: 'warning' as const }];
  });
}


/**
 * Expander buses whose written busNr leaves too few numbers below it: the guest firmware numbers the
 * buses of each root in turn, from the root's own number up, one per bridge below it (root and switch
 * ports, pci-bridges, dmi- and pcie-to-pci bridges; an expander is a root of its own, numbered
 * busNr), so the root numbered before an expander needs its number plus its bridge count below the
 * expander's busNr. libvirt picks a busNr that leaves that room (qemuDomainAddressFindNewBusNr) but
 * takes a written one as it is, and QEMU starts the guest; the firmware then gives two buses one
 * number and the guest does not see the devices behind one of them. A pci-expander-bus (QEMU's pxb,
i440fx) holds a pci-bridge of its own (its devices sit on busNr + 1), so it needs a number more, as
qemuDomainAddressFindNewBusNr says ("each pxb device requires at least 2 bus numbers"); a
pcie-expander-bus (pxb-pcie) has none. Judged where libvirt puts the
 * controllers (the define-time model when it places any), for the busNr values written.
 */
function busNrRoom(ctx: RuleContext): Finding[] {
  const roots = firmwareBusNumbering(ctx);
  if (!roots.some((r) => isExpander(r.c))) return [];
  const out: Finding[] = [];
  // the highest numbering runs out at 255: QEMU 7.2 + SeaBIOS 1.16 leave a bridge past it at
  // secondary bus 0 (the device behind it is gone from query-pci) and never finish their PCI setup
  // (test/real/firmware-buses.test.ts)
  const count = (r: (typeof roots)[number]): number => r.count;
  // libvirt numbers an expander written without a busNr itself (qemuDomainAddressFindNewBusNr: two
  // below the lowest, 254 for the first), whatever sits below it
  const written = (c: PciController): PciController | undefined => ctx.design.guest.controllers.find((w) => w.key === c.key);
  const busNrText = (c: PciController, busNr: number): string => (written(c)?.target.busNr !== undefined ? `has busNr ${busNr}` : `gets busNr ${busNr} from libvirt (none is written)`);
  const last = roots[roots.length - 1];
  const lastCount = last ? count(last) : 0;
  if (last && isExpander(last.c) && last.start + lastCount > 255) {
    const lost = last.start + lastCount - 255;
    // the highest busNr that fits them, if the numbering below still fits under it
    const below = roots[roots.length - 2];
    const fits = 255 - lastCount;
    const own = written(last.c);
    const fixes = own && below && fits > below.start + count(below) ? [setTargetFix(own, `Give ${controllerText(own)} busNr ${fits}`, { ...own.target, busNr: fits })] : undefined;
    const firmware = ctx.family === 'q35' || ctx.family === 'i440fx' ? ', and SeaBIOS (the default x86 firmware) then rescans the buses without end, so the guest does not boot' : '';
    out.push(
      finding(
        meta,
        `${controllerText(last.c)} ${busNrText(last.c, last.start)}, but the ${lastCount} bridge${lastCount === 1 ? '' : 's'} below it need bus numbers ${last.start + 1}-${last.start + lastCount}, and bus numbers end at 255: the guest firmware gives the last ${lost === 1 ? 'one' : lost} no bus, so the devices behind ${lost === 1 ? 'it' : 'them'} are gone${firmware} (QEMU starts it). Give the expander a busNr of ${fits} or lower, or fewer bridges.`,
        { controllers: last.c.index !== undefined ? [last.c.index] : [] },
        fixes,
      ),
    );
  }
  for (let i = 1; i < roots.length; i++) {
    const before = roots[i - 1] as (typeof roots)[number];
    const next = roots[i] as (typeof roots)[number];
    // a pxb (pci-expander-bus) holds a PCI bridge of its own, whose bus has the devices: a number more
    const n = before.count;
    // the same busNr twice is busNrTwice's (QEMU refuses it)
    if (n === 0 || before.start === next.start || before.start + n < next.start) continue;
    const name = (c: PciController): string => (isRootBus(c) ? `the root bus (${c.model})` : controllerText(c));
    out.push(
      finding(
        meta,
        `${controllerText(next.c)} ${busNrText(next.c, next.start)}, but the ${n} bridge${n === 1 ? '' : 's'} below ${name(before.c)} take bus numbers ${before.start + 1}-${before.start + n}: the guest firmware gives bus ${next.start} twice and the guest does not see the devices behind one of them (QEMU starts it). Give the expander a busNr above ${before.start + n}.`,
        { controllers: [before.c, next.c].flatMap((x) => (x.index !== undefined ? [x.index] : [])) },
      ),
    );
  }
  return out;
}

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
    // buses 1-3 for the three root ports of pcie-root, 4 for the expander
    { name: 'a pcie-expander-bus of busNr 4 after three root ports on pcie-root', design: q35([rootPort(1, 1), rootPort(2, 2), rootPort(3, 3), ctrl('pcie-expander-bus', 4, { address: at(0, 5), target: { busNr: 4 } })], []) },
    { name: 'two expander buses, the first with a root port below it, one number apart', design: q35([ctrl('pcie-expander-bus', 1, { address: at(0, 2), target: { busNr: 100 } }), ctrl('pcie-expander-bus', 2, { address: at(0, 3), target: { busNr: 102 } }), ctrl('pcie-root-port', 3, { address: at(1, 0), target: { chassis: 3, port: 0 } })], []) },
    { name: 'a pcie-expander-bus of busNr 253 with two root ports below it (buses 254 and 255)', design: q35([ctrl('pcie-expander-bus', 1, { address: at(0, 2), target: { busNr: 253 } }), ...[2, 3].map((i) => ctrl('pcie-root-port', i, { address: at(1, i - 2), target: { chassis: i, port: i - 2 } }))], []) },
    { name: 'a pcie-expander-bus written without busNr, with one root port below it (libvirt gives 254)', design: q35([ctrl('pcie-expander-bus', 1, { address: at(0, 2) }), ctrl('pcie-root-port', 2, { address: at(1, 0), target: { chassis: 2, port: 0 } })], []) },
    { name: 'i440fx: two pci-expander-buses of busNr 250 and 252', design: design({ machine: 'pc', controllers: [ctrl('pci-root', 0), ctrl('pci-expander-bus', 1, { address: at(0, 3), target: { busNr: 250 } }), ctrl('pci-expander-bus', 2, { address: at(0, 4), target: { busNr: 252 } })] }) },
    { name: 'PHB index and root port chassis', design: q35([rootPort(1, 1)], []) }, { name: 'pseries PHB', design: pseries([phb(1, { node: 0 })], [], undefined, { numaCells: 1 }) }],
  fail: [
    { name: 'chassis on a pci-bridge', design: pseries([ctrl('pci-bridge', 1, { address: at(0, 1), target: { chassisNr: 1, chassis: 3 } })], []), expect: { controllers: [1] } },
    // libvirt 9.0 defines it; QEMU 7.2: "Bus 250 is already in use" (test/real/expander-busnr.test.ts)
    { name: 'two pcie-expander-buses of busNr 250', design: q35([ctrl('pcie-expander-bus', 1, { address: at(0, 2), target: { busNr: 250 } }), ctrl('pcie-expander-bus', 2, { address: at(0, 3), target: { busNr: 250 } })], []), expect: { controllers: [1, 2] } },
    // QEMU 7.2 + SeaBIOS: the second root port gets secondary bus 2, the pxb's, and its device is gone
    { name: 'a pcie-expander-bus of busNr 2 after three root ports on pcie-root', design: q35([rootPort(1, 1), rootPort(2, 2), rootPort(3, 3), ctrl('pcie-expander-bus', 4, { address: at(0, 5), target: { busNr: 2 } })], []), expect: { controllers: [0, 4] } },
    { name: 'two expander buses, the first with a root port below it, next to each other', design: q35([ctrl('pcie-expander-bus', 1, { address: at(0, 2), target: { busNr: 100 } }), ctrl('pcie-expander-bus', 2, { address: at(0, 3), target: { busNr: 101 } }), ctrl('pcie-root-port', 3, { address: at(1, 0), target: { chassis: 3, port: 0 } })], []), expect: { controllers: [1, 2] } },
    // libvirt puts the root ports written without an address on pcie-root (and more for its USB controller and memballoon)
    { name: 'a pcie-expander-bus of busNr 2 and three root ports libvirt places', design: q35([ctrl('pcie-root-port', 1), ctrl('pcie-root-port', 2), ctrl('pcie-root-port', 3), ctrl('pcie-expander-bus', 4, { address: at(0, 5), target: { busNr: 2 } })], []), expect: { controllers: [0, 4] } },
    // QEMU 7.2 + SeaBIOS: the first pxb's own bridge gets secondary bus 251, the second pxb's number
    { name: 'i440fx: two pci-expander-buses of busNr 250 and 251', design: design({ machine: 'pc', controllers: [ctrl('pci-root', 0), ctrl('pci-expander-bus', 1, { address: at(0, 3), target: { busNr: 250 } }), ctrl('pci-expander-bus', 2, { address: at(0, 4), target: { busNr: 251 } })] }), expect: { controllers: [1, 2] } },
    { name: 'i440fx: a pci-expander-bus of busNr 1 after a pci-bridge', design: design({ machine: 'pc', controllers: [ctrl('pci-root', 0), ctrl('pci-bridge', 1, { address: at(0, 3), target: { chassisNr: 1 } }), ctrl('pci-expander-bus', 2, { address: at(0, 4), target: { busNr: 1 } })] }), expect: { controllers: [0, 2] } },
    // QEMU 7.2 + SeaBIOS: the third root port below a pxb-pcie of bus_nr 253 gets secondary bus 0, its NIC is gone
    { name: 'a pcie-expander-bus of busNr 253 with three root ports below it (buses 254-256)', design: q35([ctrl('pcie-expander-bus', 1, { address: at(0, 2), target: { busNr: 253 } }), ...[2, 3, 4].map((i) => ctrl('pcie-root-port', i, { address: at(1, i - 2), target: { chassis: i, port: i - 2 } }))], []), expect: { controllers: [1] } },
    // libvirt 9.0 gives it busNr 254 (shared/tools/libvirt-qemu-check.sh): the second port would be bus 256
    { name: 'a pcie-expander-bus written without busNr, with two root ports below it', design: q35([ctrl('pcie-expander-bus', 1, { address: at(0, 2) }), ...[2, 3].map((i) => ctrl('pcie-root-port', i, { address: at(1, i - 2), target: { chassis: i, port: i - 2 } }))], []), expect: { controllers: [1] } },
    { name: 'busNr 255', design: q35([ctrl('pcie-expander-bus', 1, { address: at(0, 2), target: { busNr: 255 } })], []), expect: { controllers: [1] } },
    // libvirt 9.0: "invalid NUMA node in target" (<node>0x0</node>: base 10)
    { name: '<node>0x0</node> (unreadable)', design: pseries([{ ...phb(1), unreadable: ["target node='0x0'"] }], [], undefined, { numaCells: 1 }), expect: { controllers: [1] } },
    { name: "chassis='x' (unreadable)", design: q35([{ ...rootPort(1, 1), unreadable: ["target chassis='x'"] }], []), expect: { controllers: [1] } },
    // libvirt 9.0: "Invalid value for attribute 'hotplug' in element 'target': 'default'."
    { name: "hotplug='default' (on or off only)", design: q35([{ ...rootPort(1, 1), unreadable: ["target hotplug='default'"] }], []), expect: { controllers: [1] } },
  ],
};
