import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Command, Design, Guest, GuestPciAddress, Host, PciController } from '../src/engine/index.ts';
import { sharedPath } from './support/shared.ts';
import { CommandError, DEMO_DOMAIN_XML, DEMO_HOST_XML, applyCommand, createDesign, createValidator, exportDomain, importHost, validate } from '../src/engine/index.ts';

/**
 * Export is a text patch of the imported document; this checks it against the model over random
 * edit sequences: whatever the commands did, importing the exported text gives back the edited
 * guest (PCI controllers and every device's element, host address and guest address), and undoing
 * the edits gives back the original bytes. Along the way the incremental validator must agree with
 * a full one.
 */


function host(): Host {
  const r = importHost(DEMO_HOST_XML, 'demo-host.xml');
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}
const HOST = host();
const HOST_ADDRESSES = [...HOST.devices.values()].filter((d) => !d.bridge).map((d) => d.address);
const GROUPS = [...HOST.groups.keys()];

function designOf(text: string, file: string): Design {
  const r = createDesign(text, HOST, file);
  if (!r.ok) throw new Error(`${file}: ${r.error.message}`);
  return r.value;
}

/** What the XML says about PCI topology, without keys (re-import renumbers `disk-<n>`, `pci-new-<n>`). */
function topology(g: Guest): { controllers: string[]; devices: string[] } {
  // Keys sorted, undefined dropped: the same facts give the same string.
  const json = (o: object) =>
    JSON.stringify(o, (_k, v: unknown) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : 1))) : v));
  // 0000:00:00.x reads back as no address: libvirt takes it as "assign one" (virDeviceInfoPCIAddressIsWanted).
  const written = (a: GuestPciAddress | undefined) => (a && a.domain === 0 && a.bus === 0 && a.slot === 0 ? undefined : a);
  const root = (c: PciController) => c.model === 'pci-root' || c.model === 'pcie-root';
  // libvirt's implicit root is not in the XML: an unchanged one is never written, and a root the
  // edits removed comes back as the implicit one on import (as libvirt adds it back).
  const controllers = g.controllers.filter((c) => !c.implicit).map((c) => json({ i: c.index, m: c.model, n: c.modelName, t: { ...c.target }, a: root(c) ? c.address : written(c.address) })).sort();
  const devices = g.devices.filter((d) => !d.implicit).map((d) => json({ e: d.element, h: d.hostAddress, a: written(d.address) })).sort();
  return { controllers, devices };
}

const MODELS = ['pci-root', 'pci-bridge', 'pcie-root-port', 'pcie-to-pci-bridge', 'pcie-switch-upstream-port', 'pci-expander-bus'] as const;

const arbTarget = fc.record(
  {
    index: fc.integer({ min: 0, max: 31 }),
    chassis: fc.integer({ min: 0, max: 255 }),
    port: fc.integer({ min: 0, max: 255 }),
    chassisNr: fc.integer({ min: 1, max: 255 }),
    busNr: fc.integer({ min: 1, max: 254 }),
    hotplug: fc.constantFrom('on' as const, 'off' as const),
    memReserve: fc.integer({ min: 0, max: 1 << 20 }),
    node: fc.integer({ min: 0, max: 3 }),
  },
  { requiredKeys: [] },
);

/** One edit, as numbers resolved against the design it is applied to (so it always names something real). */
const arbOp = fc.record({
  kind: fc.integer({ min: 0, max: 8 }),
  a: fc.nat(),
  b: fc.nat(),
  slot: fc.integer({ min: 0, max: 31 }),
  fn: fc.integer({ min: 0, max: 7 }),
  mf: fc.constantFrom(undefined, 'on' as const, 'off' as const),
  flag: fc.boolean(),
  target: arbTarget,
});
type Op = typeof arbOp extends fc.Arbitrary<infer T> ? T : never;

function pick<T>(list: readonly T[], n: number): T | undefined {
  return list.length === 0 ? undefined : list[n % list.length];
}

function commandOf(d: Design, op: Op): Command | undefined {
  const devices = d.guest.devices.filter((x) => !x.implicit);
  const controllers = d.guest.controllers;
  const indexes = [...new Set(controllers.flatMap((c) => (c.index === undefined ? [] : [c.index]))), 0];
  const bus = pick(indexes, op.b) ?? 0;
  const address = { domain: 0, bus, slot: op.slot, function: op.fn, ...(op.mf ? { multifunction: op.mf } : {}) };
  const device = pick(devices, op.a);
  const controller = pick(controllers, op.a);
  switch (op.kind) {
    case 0:
      return device && { kind: 'move-device', device: device.key, address: op.flag && op.slot % 4 === 0 ? null : address };
    case 1:
      return { kind: 'add-hostdevs', hostAddresses: HOST_ADDRESSES.filter((_, i) => (op.a >> i) & 1 || i === op.b % HOST_ADDRESSES.length), controller: bus };
    case 2:
      return { kind: 'move-group', group: pick(GROUPS, op.a) ?? 0, controller: bus };
    case 3:
      return device && { kind: 'remove-device', device: device.key };
    case 4:
      return {
        kind: 'add-controller',
        controller: { model: pick(MODELS, op.a) ?? 'pci-root', ...(op.flag ? { index: op.b % 40 } : {}), ...(op.slot % 2 ? { address: { ...address, slot: op.slot } } : {}), ...(op.fn % 2 ? { target: op.target } : {}) },
      };
    case 5:
      return controller && { kind: 'remove-controller', controller: controller.key };
    case 6:
      if (!controller) return undefined;
      return {
        kind: 'update-controller',
        controller: controller.key,
        changes: op.flag ? { index: op.b % 40 } : op.fn % 2 ? { target: op.target } : { address: op.slot % 3 === 0 ? null : address },
      };
    case 7:
      return device && { kind: 'set-multifunction', device: device.key, value: op.mf ?? null };
    default:
      return device && { kind: 'batch', label: 'move and move back', commands: [{ kind: 'move-device', device: device.key, address }, { kind: 'move-device', device: device.key, address: device.address ?? null }] };
  }
}

/**
 * Applies the ops; after each, the incremental validator (which re-uses a bus's findings while its
 * objects are the same) must agree with a full validation: commands keep untouched objects identical.
 */
function run(d: Design, ops: readonly Op[]): Design {
  let current = d;
  const incremental = createValidator();
  incremental(current);
  for (const op of ops) {
    const cmd = commandOf(current, op);
    if (!cmd) continue;
    try {
      current = applyCommand(current, cmd);
    } catch (e) {
      if (!(e instanceof CommandError)) throw e;
    }
    expect(incremental(current)).toEqual(validate(current));
  }
  return current;
}

function checkDocument(name: string, text: string, numRuns: number): void {
  const base = designOf(text, name);
  fc.assert(
    fc.property(fc.array(arbOp, { maxLength: 8 }), (ops) => {
      const edited = run(base, ops);
      const out = exportDomain(edited);
      const back = createDesign(out, HOST, name);
      if (!back.ok) throw new Error(`export does not parse: ${back.error.message} at ${back.error.line}:${back.error.column}\n${out}`);
      expect(topology(back.value.guest)).toEqual(topology(edited.guest));
      // New lines are written in the document's own line ends, indentation and quotes.
      if (text.includes('\r\n')) expect(out.replace(/\r\n/g, '')).not.toContain('\n');
      if (/^\t/m.test(text)) expect(out).not.toMatch(/^ +</m);
      if (!text.includes("'")) expect(out).not.toContain("'");
      const blankLines = (x: string) => x.match(/\n[ \t]*\r?\n/g)?.length ?? 0;
      expect(blankLines(out)).toBeLessThanOrEqual(blankLines(text));
      // Exporting the re-imported design unedited is the same text again.
      expect(exportDomain(back.value)).toBe(out);
      // Putting the original guest back restores the original bytes.
      expect(exportDomain({ ...edited, guest: base.guest })).toBe(text);
    }),
    { numRuns, seed: 20260701 },
  );
}

/** The demo written the ways people write XML by hand. */
const VARIANTS: Array<[string, string]> = [
  ['demo', DEMO_DOMAIN_XML],
  ['demo with CRLF', DEMO_DOMAIN_XML.replace(/\n/g, '\r\n')],
  ['demo with tabs', DEMO_DOMAIN_XML.replace(/^( {2})+/gm, (m) => '\t'.repeat(m.length / 2))],
  ['demo with " quotes', DEMO_DOMAIN_XML.replace(/'/g, '"')],
  ['demo with comments between devices', DEMO_DOMAIN_XML.replace(/(\n {4}<\/(hostdev|controller)>)/g, '$1\n    <!-- a note -->')],
  ['demo on one line', DEMO_DOMAIN_XML.replace(/>\s+</g, '><')],
  ['a one-line document without hostdevs or PCI controllers', "<domain type='kvm'><name>x</name><os><type arch='ppc64le' machine='pseries'>hvm</type></os><devices><disk type='file' device='disk'><target dev='vda' bus='virtio'/></disk></devices></domain>"],
  ['no <devices>', "<domain type='kvm'>\n  <name>x</name>\n  <memory>1048576</memory>\n  <os>\n    <type arch='ppc64le' machine='pseries'>hvm</type>\n  </os>\n</domain>\n"],
  ['self-closing <devices/>', "<domain type='kvm'>\n  <name>x</name>\n  <memory>1048576</memory>\n  <os>\n    <type arch='ppc64le' machine='pseries'>hvm</type>\n  </os>\n  <devices/>\n</domain>\n"],
];

describe('export after random edits imports back to the edited guest', () => {
  for (const [name, text] of VARIANTS) it(name, () => checkDocument(name, text, 80));
});

describe('export after edit sequences, examples', () => {
  const demo = () => designOf(DEMO_DOMAIN_XML, 'demo.xml');
  const apply = (d: Design, ...cmds: Command[]) => cmds.reduce(applyCommand, d);
  const address = (bus: number, slot: number) => ({ domain: 0, bus, slot, function: 0 });

  it('gives the original bytes back after adding and removing the same hostdev', () => {
    const d = apply(demo(), { kind: 'add-hostdevs', hostAddresses: ['0035:03:00.0'], controller: 2 }, { kind: 'remove-device', device: '0035:03:00.0' });
    expect(exportDomain(d)).toBe(DEMO_DOMAIN_XML);
  });

  it('gives the original bytes back after moving a device away and back', () => {
    const d = apply(demo(), { kind: 'move-device', device: 'disk-0', address: address(1, 5) }, { kind: 'move-device', device: 'disk-0', address: address(0, 2) });
    expect(exportDomain(d)).toBe(DEMO_DOMAIN_XML);
  });

  it('writes a <hostdev> for a host function that was an <interface type=hostdev> before', () => {
    const text = DEMO_DOMAIN_XML.replace(
      "    <hostdev mode='subsystem' type='pci' managed='yes'>\n      <source>\n        <address domain='0x0030'",
      "    <interface type='hostdev' managed='yes'>\n      <source>\n        <address type='pci' domain='0x0035' bus='0x03' slot='0x00' function='0x0'/>\n      </source>\n    </interface>\n$&",
    );
    const d0 = designOf(text, 'demo-interface.xml');
    expect(d0.guest.devices.find((x) => x.key === '0035:03:00.0')?.element).toBe('interface');
    const d = apply(d0, { kind: 'remove-device', device: '0035:03:00.0' }, { kind: 'add-hostdevs', hostAddresses: ['0035:03:00.0'], controller: 2 });
    const back = designOf(exportDomain(d), 'demo-interface.xml');
    expect(back.guest.devices.find((x) => x.key === '0035:03:00.0')).toMatchObject({ element: 'hostdev', address: address(2, 2) });
    expect(back.guest.devices.filter((x) => x.element === 'interface').map((x) => x.key)).toEqual(['interface-0']);
  });

  it('puts new elements on lines of their own, without blank lines, in a document written on one line', () => {
    const text = "<domain type='kvm'><name>x</name><os><type arch='ppc64le' machine='pseries'>hvm</type></os><devices><disk type='file' device='disk'><target dev='vda' bus='virtio'/></disk></devices></domain>";
    const d = apply(designOf(text, 'one-line.xml'), { kind: 'add-controller', controller: { model: 'pci-root', index: 1 } }, { kind: 'move-group', group: 1, controller: 1 });
    const out = exportDomain(d);
    expect(out).not.toMatch(/\n[ \t]*\n/);
    expect(out.startsWith(text.slice(0, text.indexOf('</devices>')))).toBe(true);
    expect(out.endsWith('\n</devices></domain>')).toBe(true);
    expect(designOf(out, 'one-line.xml').guest.devices.map((x) => x.key)).toEqual(['disk-0', '0000:01:00.0', '0000:01:00.1']);
  });

  // Two inserts into a <devices/> (or a missing <devices>) used to be two overlapping splices, and
  // the second was dropped without a word: the second hostdev never reached the XML.
  for (const [name, devices] of [['no <devices>', ''], ['<devices/>', '  <devices/>\n']] as const) {
    it(`writes every new device into a document with ${name}`, () => {
      const text = `<domain type='kvm'>\n  <name>x</name>\n  <os>\n    <type arch='ppc64le' machine='pseries'>hvm</type>\n  </os>\n${devices}</domain>\n`;
      const d = apply(designOf(text, 'x.xml'), { kind: 'add-controller', controller: { model: 'pci-root', index: 1 } }, { kind: 'move-group', group: 1, controller: 1 });
      const out = exportDomain(d);
      const back = designOf(out, 'x.xml');
      // the root (0) is libvirt's implicit one: not written, shown after import
      expect(back.guest.controllers.map((c) => [c.index, c.implicit === true])).toEqual([[0, true], [1, false]]);
      expect(back.guest.devices.map((x) => x.key)).toEqual(['0000:01:00.0', '0000:01:00.1']);
      expect(out.match(/<devices>/g)).toHaveLength(1);
    });
  }
});

const CORPUS_FILES = [
  'qemuxmlconfdata__pseries-many-buses-2.xml',
  'qemuxmlconfdata__pseries-hostdevs-3.xml',
  'qemuxmlconfdata__q35-pcie.xml',
  'qemuxmlconfdata__pcie-switch-downstream-port.xml',
  'qemuxmlconfdata__aarch64-virt-virtio.xml',
  'qemuxmlconfdata__net-hostdev-vfio.xml',
];

describe('export after random edits, corpus documents', () => {
  const corpus = sharedPath('the libvirt corpus', 'corpus', 'libvirt');
  if (!corpus) return;
  for (const f of CORPUS_FILES) it(f, () => checkDocument(f, readFileSync(path.join(corpus, f), 'utf8'), 50));
});
