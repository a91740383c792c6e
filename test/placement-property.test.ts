import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Design, Finding } from '../src/engine/index.ts';
import { DEMO_HOST_XML, createDesign, exportDomain, importHost, placeWithReport, validate } from '../src/engine/index.ts';

/**
 * `place` never creates an error that `validate` reports on its output (issue 11): a design with no
 * error stays without one. Over generated
 * domain XML (not models): the four families, PCI controllers with and without indexes, gaps in
 * the indexes, addresses on buses that exist and on buses that do not, written chassis and target
 * indexes, duplicated host devices, and the devices libvirt places itself. Both policies. A fixed
 * seed and a bounded count keep it inside `npm test`. A design that has errors gets no error rule
 * it lacked, spares or not; nor does one of many devices around where libvirt runs out of slots.
 */
const MACHINES = [
  { family: 'pseries', arch: 'ppc64le', machine: 'pseries', controllers: ['pci-root', 'pci-bridge'] },
  { family: 'q35', arch: 'x86_64', machine: 'q35', controllers: ['pcie-root-port', 'pcie-switch-upstream-port', 'pcie-switch-downstream-port', 'pcie-to-pci-bridge', 'pci-bridge', 'dmi-to-pci-bridge'] },
  { family: 'virt', arch: 'aarch64', machine: 'virt', controllers: ['pcie-root-port', 'pcie-switch-upstream-port', 'pcie-switch-downstream-port', 'pcie-to-pci-bridge'] },
  { family: 'i440fx', arch: 'x86_64', machine: 'pc', controllers: ['pci-bridge'] },
] as const;

const DEVICES = [
  "<interface type='user'/>",
  "<interface type='user'><model type='virtio'/></interface>",
  "<interface type='user'><model type='e1000'/></interface>",
  "<rng model='virtio'><backend model='random'>/dev/urandom</backend></rng>",
  "<disk type='file' device='disk'><source file='/x.img'/><target dev='vdX' bus='virtio'/></disk>",
  "<controller type='scsi' model='virtio-scsi'/>",
  "<controller type='usb'/>",
  "<sound model='ich6'/>",
  "<video><model type='virtio'/></video>",
  "<hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0x0000' bus='0x05' slot='0x00' function='0x0'/></source></hostdev>",
  "<hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0x0000' bus='0x06' slot='0x00' function='0x1'/></source></hostdev>",
] as const;

const arbController = fc.record({
  model: fc.nat(),
  index: fc.option(fc.integer({ min: 1, max: 12 }), { nil: undefined }),
  chassis: fc.option(fc.integer({ min: 1, max: 12 }), { nil: undefined }),
  target: fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
});

const arbDevice = fc.record({
  kind: fc.integer({ min: 0, max: DEVICES.length - 1 }),
  address: fc.option(fc.record({ bus: fc.integer({ min: 0, max: 6 }), slot: fc.integer({ min: 0, max: 31 }) }), { nil: undefined, freq: 3 }),
});

const arbXml = fc
  .record({
    machine: fc.integer({ min: 0, max: MACHINES.length - 1 }),
    controllers: fc.array(arbController, { maxLength: 6 }),
    devices: fc.array(arbDevice, { maxLength: 8 }),
    usbNone: fc.boolean(),
    balloonNone: fc.boolean(),
  })
  .map((s): string => {
    const m = MACHINES[s.machine] as (typeof MACHINES)[number];
    const controllers = s.controllers.map((c) => {
      const model = m.controllers[c.model % m.controllers.length] as string;
      const index = c.index === undefined ? '' : ` index='${c.index}'`;
      const target = model === 'pcie-root-port' && c.chassis !== undefined ? `<target chassis='${c.chassis}'/>` : model === 'pci-root' && c.target !== undefined ? `<target index='${c.target}'/>` : '';
      const name = model === 'pci-root' && c.target !== undefined && c.chassis !== undefined ? "<model name='spapr-pci-host-bridge'/>" : '';
      return `    <controller type='pci'${index} model='${model}'>${name}${target}</controller>`;
    });
    const devices = s.devices.map((d, i) => {
      const xml = (DEVICES[d.kind] as string).replace('vdX', `vd${String.fromCharCode(97 + i)}`);
      if (!d.address) return `    ${xml}`;
      const a = `<address type='pci' domain='0x0000' bus='0x${d.address.bus.toString(16).padStart(2, '0')}' slot='0x${d.address.slot.toString(16).padStart(2, '0')}' function='0x0'/>`;
      const tag = /^<(\w+)/.exec(xml)?.[1] ?? '';
      return `    ${xml.endsWith('/>') ? `${xml.slice(0, -2)}>${a}</${tag}>` : xml.replace(new RegExp(`</${tag}>$`), `${a}</${tag}>`)}`;
    });
    return [
      "<domain type='kvm'>",
      '  <name>generated</name>',
      "  <memory unit='MiB'>1024</memory>",
      `  <os><type arch='${m.arch}' machine='${m.machine}'>hvm</type></os>`,
      '  <devices>',
      ...controllers,
      ...devices,
      ...(s.usbNone ? ["    <controller type='usb' model='none'/>"] : []),
      ...(s.balloonNone ? ["    <memballoon model='none'/>"] : []),
      '  </devices>',
      '</domain>',
      '',
    ].join('\n');
  });

const errors = (d: Design): Finding[] => validate(d).filter((f) => f.severity === 'error');
const errorIds = (d: Design): Set<string> => new Set(errors(d).map((f) => f.ruleId));

/** the error rules `place` adds: those `validate` reports on its output, exported and read back as libvirt reads it, and not on its input */
function addedErrors(input: Design, policy: 'libvirt' | 'pe-per-phb', spare: number): string[] {
  const placed = placeWithReport(input, { policy, spare });
  const back = createDesign(exportDomain(placed.design), undefined, 'placed.xml');
  if (!back.ok) return [`unreadable output: ${back.error.message}`];
  const had = errorIds(input);
  return [...errorIds(back.value)].filter((id) => !had.has(id));
}

/**
 * Many devices of one kind without an address, nothing else PCI written, in counts around where
 * libvirt's own assignment stops finding slots on each family (its dry run failing for the bus it
 * would add, or devices left over): inputs libvirt refuses and inputs it accepts (issue 11: pc
 * with 271 e1000 NICs). pseries' limit (958 NICs) is left to placeOnErrors.test.ts: too slow here.
 */
const BULK = [
  { arch: 'x86_64', machine: 'pc', counts: [236, 276] },
  { arch: 'x86_64', machine: 'q35', counts: [206, 250] },
  { arch: 'aarch64', machine: 'virt', counts: [56, 66] },
] as const;
const BULK_DEVICES = [
  (i: number) => `<interface type='network'><mac address='52:54:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}'/><source network='default'/><model type='e1000'/></interface>`,
  () => "<interface type='user'><model type='virtio'/></interface>",
  (i: number) => `<disk type='file' device='disk'><source file='/d${i}.img'/><target dev='vd${i}' bus='virtio'/></disk>`,
] as const;
const arbBulk = fc
  .record({ machine: fc.integer({ min: 0, max: BULK.length - 1 }), kind: fc.integer({ min: 0, max: BULK_DEVICES.length - 1 }), at: fc.double({ min: 0, max: 1, noNaN: true }), spare: fc.constantFrom(0, 1, 8) })
  .map((s) => {
    const m = BULK[s.machine] as (typeof BULK)[number];
    // a small value, so that a counterexample reads as one line
    return { machine: m.machine, kind: ['e1000', 'virtio NIC', 'virtio disk'][s.kind] as string, count: m.counts[0] + Math.floor(s.at * (m.counts[1] - m.counts[0] + 1)), spare: s.spare };
  });

function bulkXml(b: { readonly machine: string; readonly kind: string; readonly count: number }): string {
  const m = BULK.find((x) => x.machine === b.machine) as (typeof BULK)[number];
  const device = BULK_DEVICES[['e1000', 'virtio NIC', 'virtio disk'].indexOf(b.kind)] as (i: number) => string;
  return [
    "<domain type='kvm'>",
    '  <name>bulk</name>',
    "  <memory unit='MiB'>1024</memory>",
    `  <os><type arch='${m.arch}' machine='${m.machine}'>hvm</type></os>`,
    '  <devices>',
    ...Array.from({ length: b.count }, (_, i) => `    ${device(i)}`),
    '  </devices>',
    '</domain>',
    '',
  ].join('\n');
}

/**
 * q35/virt guests of two NUMA cells passing through functions of the demo host (host nodes 0 and
 * 8: guest cells 0 and 1 without numatune), with pcie-expander-buses for some cells (libvirt's
 * busNr or a written one) and maybe an empty root port written on each, nothing addressed but those.
 */
const DEMO_FUNCTIONS = ['0000:01:00.0', '0000:01:00.1', '0001:01:00.0', '0001:01:00.1', '0030:01:00.0', '0035:03:00.0', '0033:01:00.0'] as const;
const arbNuma = fc
  .record({
    virt: fc.boolean(),
    expanders: fc.subarray([0, 1], { minLength: 1 }),
    busNr: fc.constantFrom(undefined, 100, 240),
    ports: fc.boolean(),
    hostdevs: fc.subarray([...DEMO_FUNCTIONS], { minLength: 1 }),
  })
  .map((s): string => {
    let index = 1;
    const controllers: string[] = [];
    for (const node of s.expanders) {
      const e = index++;
      const busNr = s.busNr === undefined ? '' : ` busNr='${s.busNr + 10 * node}'`;
      controllers.push(`    <controller type='pci' index='${e}' model='pcie-expander-bus'><target${busNr}><node>${node}</node></target><address type='pci' domain='0x0000' bus='0x00' slot='0x0${e + 1}' function='0x0'/></controller>`);
      if (s.ports) controllers.push(`    <controller type='pci' index='${index++}' model='pcie-root-port'><address type='pci' domain='0x0000' bus='0x0${e}' slot='0x00' function='0x0'/></controller>`);
    }
    const hostdevs = s.hostdevs.map((a) => {
      const [domain, bus, sf] = a.split(':') as [string, string, string];
      const [slot, fn] = sf.split('.') as [string, string];
      return `    <hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0x${domain}' bus='0x${bus}' slot='0x${slot}' function='0x${fn}'/></source></hostdev>`;
    });
    return [
      "<domain type='kvm'>",
      '  <name>numa</name>',
      "  <memory unit='MiB'>1024</memory>",
      `  <os><type arch='${s.virt ? 'aarch64' : 'x86_64'}' machine='${s.virt ? 'virt' : 'q35'}'>hvm</type></os>`,
      "  <cpu><numa><cell id='0' cpus='0' memory='512' unit='MiB'/><cell id='1' cpus='1' memory='512' unit='MiB'/></numa></cpu>",
      '  <devices>',
      "    <controller type='pci' index='0' model='pcie-root'/>",
      ...controllers,
      ...hostdevs,
      '  </devices>',
      '</domain>',
      '',
    ].join('\n');
  });

describe('place adds no error that validate reports on its output (generated domain XML, four families)', () => {
  it('on every generated design without an error, both policies give a design without an error (fixed seed)', () => {
    let clean = 0;
    fc.assert(
      fc.property(arbXml, (xml) => {
        const r = createDesign(xml, undefined, 'generated.xml');
        if (!r.ok || errors(r.value).length > 0) return;
        clean++;
        for (const policy of ['libvirt', 'pe-per-phb'] as const) {
          const placed = placeWithReport(r.value, { policy });
          expect(placed.notes.filter((n) => n.includes('placement failed'))).toEqual([]);
          expect(errors(placed.design).map((f) => `${policy}: ${f.ruleId}: ${f.message}`), `${xml}\nplaced:\n${exportDomain(placed.design)}`).toEqual([]);
        }
      }),
      { seed: 20261129, numRuns: 300 },
    );
    // the generator must give clean designs often enough for the property to say something
    expect(clean).toBeGreaterThan(50);
  });

  it('on every generated design with errors, neither policy adds an error rule the input lacks, with or without spares (fixed seed)', () => {
    let withErrors = 0;
    fc.assert(
      fc.property(arbXml, fc.constantFrom(0, 2, 31), (xml, spare) => {
        const r = createDesign(xml, undefined, 'generated.xml');
        if (!r.ok || errors(r.value).length === 0) return;
        withErrors++;
        for (const policy of ['libvirt', 'pe-per-phb'] as const) expect(addedErrors(r.value, policy, spare), `${policy}, spare ${spare}:\n${xml}`).toEqual([]);
      }),
      { seed: 20261201, numRuns: 300 },
    );
    expect(withErrors).toBeGreaterThan(50);
  });

  it('on many devices around the count where libvirt stops finding slots, neither policy adds an error rule the input lacks (fixed seed)', () => {
    let refused = 0;
    fc.assert(
      fc.property(arbBulk, (b) => {
        const r = createDesign(bulkXml(b), undefined, 'bulk.xml');
        if (!r.ok) throw new Error(r.error.message);
        if (errors(r.value).length > 0) refused++;
        for (const policy of ['libvirt', 'pe-per-phb'] as const) expect(addedErrors(r.value, policy, b.spare), `${policy}: ${b.machine}, ${b.count} x ${b.kind}, spare ${b.spare}`).toEqual([]);
      }),
      { seed: 20261201, numRuns: 100 },
    );
    // inputs libvirt refuses must come up, or the property says nothing about them
    expect(refused).toBeGreaterThan(5);
  });

  it('pe-per-phb on q35/virt with expander buses carrying guest cells: no error added, and each NUMA warning of its output named in a note (fixed seed)', () => {
    const host = importHost(DEMO_HOST_XML, 'demo-host.xml');
    if (!host.ok) throw new Error(host.error.message);
    let onCell = 0;
    fc.assert(
      fc.property(arbNuma, (xml) => {
        const r = createDesign(xml, host.value, 'numa.xml');
        if (!r.ok) throw new Error(r.error.message);
        const placed = placeWithReport(r.value, { policy: 'pe-per-phb' });
        const back = createDesign(exportDomain(placed.design), host.value, 'placed.xml');
        if (!back.ok) throw new Error(back.error.message);
        const had = errorIds(r.value);
        expect([...errorIds(back.value)].filter((id) => !had.has(id)), xml).toEqual([]);
        // the input places no hostdev, so it has no NUMA warning: each one of the output is new
        for (const f of validate(back.value).filter((x) => x.ruleId === 'Q35-NUMA-1')) {
          const labels = (f.subjects.devices ?? []).map((k) => back.value.guest.devices.find((d) => d.key === k)?.label ?? k);
          expect(labels.some((l) => placed.notes.some((n) => n.includes(l) && n.includes('Q35-NUMA-1'))), `${f.message}\nnotes: ${placed.notes.join('\n')}\n${xml}`).toBe(true);
        }
        if (placed.design.guest.controllers.some((c) => c.model === 'pcie-root-port' && placed.design.guest.controllers.some((e) => e.model === 'pcie-expander-bus' && e.index === c.address?.bus))) onCell++;
      }),
      { seed: 20261201, numRuns: 120 },
    );
    // the placement must put devices behind expanders often enough for the property to say something
    expect(onCell).toBeGreaterThan(20);
  });
});
