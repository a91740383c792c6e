import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Design } from '../model/design.ts';
import { applyCommand } from '../commands/commands.ts';
import { machineFamily } from '../machines/index.ts';
import { DEMO_DOMAIN_XML } from '../demo/demo.ts';
import { MAX_XML_BYTES } from '../errors.ts';
import { createDesign, exportDomain, exportDomainBytes, importDomain, whyUnwritable } from './domain.ts';
import { validate } from '../rules/validate.ts';
import { domainSchemaErrors } from '../../../test/support/xmllint.ts';

import { SHARED, sharedPath } from '../../../test/support/shared.ts';

const CORPUS = path.join(SHARED, 'corpus', 'libvirt');

/** Deliberately schema-invalid inputs (corpus README); they may or may not import. */
const INVALID = new Set(['qemuxmlconfdata__pci-bridge-negative-index-invalid.xml', 'qemuxmlconfdata__pseries-spaprvio-invalid.xml']);
/** A device document (hotplug test input), not a domain: it must say so. */
const NOT_DOMAINS = new Set(['qemuhotplugtestdevices__qemuhotplug-hostdev-pci.xml']);

function design(text: string, file?: string): Design {
  const r = createDesign(text, undefined, file);
  if (!r.ok) throw new Error(`${file ?? 'text'}: ${r.error.message}`);
  return r.value;
}

function corpusFile(name: string): string {
  return readFileSync(path.join(CORPUS, name), 'utf8');
}

/** Lines removed and added between two texts (edits here are local: trim common head and tail). */
function lineDiff(a: string, b: string): { removed: string[]; added: string[] } {
  const x = a.split('\n');
  const y = b.split('\n');
  let head = 0;
  while (head < x.length && head < y.length && x[head] === y[head]) head++;
  let tail = 0;
  while (tail < x.length - head && tail < y.length - head && x[x.length - 1 - tail] === y[y.length - 1 - tail]) tail++;
  return { removed: x.slice(head, x.length - tail), added: y.slice(head, y.length - tail) };
}

const xmllintErrors = (text: string): string => domainSchemaErrors([['domain.xml', text]]);
const xmllintManyErrors = domainSchemaErrors;

const move = (d: Design, device: string, bus: number, slot: number, fn = 0): Design =>
  applyCommand(d, { kind: 'move-device', device, address: { domain: 0, bus, slot, function: fn } });

describe('libvirt corpus', () => {
  if (sharedPath('the libvirt corpus', 'corpus', 'libvirt')) {
    const files = readdirSync(CORPUS).filter((f) => f.endsWith('.xml') && !INVALID.has(f)).sort();

    it('holds the files the tests expect', () => {
      expect(files.length).toBeGreaterThan(250);
    });

    it('round-trips every domain byte for byte when nothing is edited', () => {
      const failures: string[] = [];
      for (const f of files.filter((x) => !NOT_DOMAINS.has(x))) {
        const text = corpusFile(f);
        const r = createDesign(text, undefined, f);
        if (!r.ok) failures.push(`${f}: ${r.error.message}`);
        else if (exportDomain(r.value) !== text) failures.push(`${f}: export differs`);
        // A design rebuilt with a fresh guest object but equal content must also change nothing.
        else if (r.ok && exportDomain({ ...r.value, guest: { ...r.value.guest } }) !== text) failures.push(`${f}: no-op diff changed the text`);
      }
      expect(failures).toEqual([]);
    });

    it('says a device document is not a domain', () => {
      for (const f of NOT_DOMAINS) {
        const r = importDomain(corpusFile(f), f);
        expect(r.ok).toBe(false);
        if (!r.ok) {
          expect(r.error.code).toBe('not-a-domain');
          expect(r.error.message).toContain('<hostdev>');
        }
      }
    });

    it('reads pseries-phb-numa-node: four vPHBs, NUMA cells and memnodes', () => {
      const { guest } = design(corpusFile('qemuxmlconfdata__pseries-phb-numa-node.ppc64-latest.xml'));
      expect(guest.arch).toBe('ppc64');
      expect(guest.machine).toBe('pseries');
      expect(guest.domainType).toBe('qemu');
      expect(guest.name).toBe('QEMUGuest1');
      expect(guest.numaCells).toEqual([
        { id: 0, cpus: '0-3', memory: '1048576' },
        { id: 1, cpus: '4-7', memory: '1048576' },
      ]);
      expect(guest.numaMemnodes).toEqual([
        { cellid: 0, nodeset: '1', mode: 'strict' },
        { cellid: 1, nodeset: '2', mode: 'strict' },
      ]);
      expect(guest.controllers.map((c) => [c.key, c.index, c.model, c.modelName, c.target])).toEqual([
        ['pci-0', 0, 'pci-root', 'spapr-pci-host-bridge', { index: 0 }],
        ['pci-1', 1, 'pci-root', 'spapr-pci-host-bridge', { index: 1, node: 1 }],
        ['pci-2', 2, 'pci-root', 'spapr-pci-host-bridge', { index: 2 }],
        ['pci-3', 3, 'pci-root', 'spapr-pci-host-bridge', { index: 3, node: 0 }],
      ]);
      // usb controller, memballoon, panic; <audio> and <emulator> cannot take a PCI address.
      expect(guest.devices.map((d) => d.key)).toEqual(['controller-0', 'memballoon-0', 'panic-0']);
      expect(guest.devices.every((d) => d.address === undefined)).toBe(true);
    });

    it('reads pseries-hostdevs-1: hostdevs and interface type=hostdev keyed by host address', () => {
      const { guest } = design(corpusFile('qemuxmlconfdata__pseries-hostdevs-1.ppc64-latest.xml'));
      const byKey = new Map(guest.devices.map((d) => [d.key, d]));
      expect([...byKey.keys()]).toEqual(['controller-0', '0005:90:01.0', '0001:01:00.0', '0001:01:00.1', 'memballoon-0', 'panic-0']);
      expect(byKey.get('0005:90:01.0')).toMatchObject({ element: 'interface', type: 'hostdev', managed: 'yes', address: { domain: 0, bus: 1, slot: 1, function: 0 } });
      expect(byKey.get('0001:01:00.1')).toMatchObject({ element: 'hostdev', mode: 'subsystem', managed: 'yes', hostAddress: { domain: 1, bus: 1, slot: 0, function: 1 }, address: { bus: 2, slot: 2 } });
      expect(guest.controllers).toHaveLength(3);
    });

    it('reads aliases, pci-bridge targets and controller addresses', () => {
      const { guest } = design(corpusFile('qemuxmlconfdata__pseries-phb-user-alias.ppc64-latest.xml'));
      expect(guest.controllers.some((c) => c.alias !== undefined)).toBe(true);
      const bridge = design(corpusFile('qemuxmlconfdata__pci-bridge.x86_64-latest.xml')).guest;
      const b = bridge.controllers.find((c) => c.model === 'pci-bridge');
      expect(b?.target.chassisNr).toBeTypeOf('number');
      expect(b?.address).toMatchObject({ domain: 0, bus: 0 });
    });

    it('moving one hostdev changes exactly its <address> line, and the result validates', () => {
      const name = 'qemuxmlconfdata__pseries-hostdevs-1.ppc64-latest.xml';
      const text = corpusFile(name);
      const out = exportDomain(move(design(text), '0001:01:00.1', 1, 5));
      expect(lineDiff(text, out)).toEqual({
        removed: ["      <address type='pci' domain='0x0000' bus='0x02' slot='0x02' function='0x0'/>"],
        added: ["      <address type='pci' domain='0x0000' bus='0x01' slot='0x05' function='0x0'/>"],
      });
      expect(xmllintErrors(out)).toBe('');
    });

    it('adding a vPHB adds only the new controller lines, after the highest lower index', () => {
      const text = corpusFile('qemuxmlconfdata__pseries-phb-numa-node.ppc64-latest.xml');
      const out = exportDomain(applyCommand(design(text), { kind: 'add-controller', controller: { model: 'pci-root', target: { node: 1 } } }));
      const diff = lineDiff(text, out);
      expect(diff.removed).toEqual([]);
      expect(diff.added).toEqual([
        "    <controller type='pci' index='4' model='pci-root'>",
        "      <model name='spapr-pci-host-bridge'/>",
        "      <target index='4'>",
        '        <node>1</node>',
        '      </target>',
        '    </controller>',
      ]);
      expect(out.indexOf("index='4' model")).toBeGreaterThan(out.indexOf("<target index='3'>"));
      expect(out.indexOf("index='4' model")).toBeLessThan(out.indexOf('<audio'));
      expect(xmllintErrors(out)).toBe('');
    });

    it('moving a pci-bridge rewrites only its own <address> line', () => {
      const text = corpusFile('qemuxmlconfdata__pci-bridge.x86_64-latest.xml');
      const d = design(text);
      const bridge = d.guest.controllers.find((c) => c.model === 'pci-bridge');
      if (!bridge?.address) throw new Error('pci-bridge.x86_64-latest.xml has an addressed pci-bridge');
      const out = exportDomain(applyCommand(d, { kind: 'update-controller', controller: bridge.key, changes: { address: { ...bridge.address, slot: 0x1f } } }));
      const diff = lineDiff(text, out);
      expect(diff.removed).toHaveLength(1);
      expect(diff.added).toEqual([diff.removed[0]?.replace(/slot='0x[0-9a-f]+'/, "slot='0x1f'")]);
      expect(xmllintErrors(out)).toBe('');
    });

    it('every corpus domain still validates after adding a controller, moving, addressing and removing devices', () => {
      const docs: Array<[string, string]> = [];
      for (const f of files.filter((x) => !NOT_DOMAINS.has(x))) {
        let d = design(corpusFile(f), f);
        const fam = machineFamily(d.guest);
        const model = fam === 'q35' || fam === 'virt' ? 'pcie-root-port' : fam === 'pseries' ? 'pci-root' : 'pci-bridge';
        d = applyCommand(d, { kind: 'add-controller', controller: { model, address: fam === 'pseries' ? undefined : { domain: 0, bus: 0, slot: 0x1e, function: 0 } } });
        const addressed = d.guest.devices.find((x) => x.address);
        if (addressed?.address) d = move(d, addressed.key, addressed.address.bus, 0x1d, addressed.address.function);
        const bare = d.guest.devices.find((x) => !x.address && !x.otherAddressType && ['memballoon', 'rng', 'disk'].includes(x.element) && x.model !== 'none');
        if (bare) d = move(d, bare.key, 0, 0x1c);
        const hostdev = d.guest.devices.find((x) => x.element === 'hostdev');
        if (hostdev) d = applyCommand(d, { kind: 'remove-device', device: hostdev.key });
        const out = exportDomain(d);
        expect(out).not.toBe(corpusFile(f));
        docs.push([f, out]);
      }
      expect(docs.length).toBeGreaterThan(250);
      expect(xmllintManyErrors(docs)).toBe('');
    });

    it('validates documents after each kind of edit across the pseries corpus', () => {
      const pseries = files.filter((f) => /pseries-(hostdevs|phb)-.*latest\.xml$/.test(f));
      expect(pseries.length).toBeGreaterThan(3);
      for (const f of pseries) {
        let d = design(corpusFile(f), f);
        d = applyCommand(d, { kind: 'add-controller', controller: { model: 'pci-root' } });
        const phb = d.guest.controllers[d.guest.controllers.length - 1]?.index ?? 0;
        d = applyCommand(d, { kind: 'add-hostdevs', hostAddresses: ['0033:01:00.0'], controller: phb });
        const first = d.guest.devices.find((x) => x.address);
        if (first) d = move(d, first.key, phb, 9);
        const out = exportDomain(d);
        expect({ f, errors: xmllintErrors(out) }).toEqual({ f, errors: '' });
        expect(createDesign(out).ok).toBe(true);
      }
    });
  }
});

describe('demo document edits', () => {
  const demo = (): Design => design(DEMO_DOMAIN_XML);

  it('add-hostdevs adds only the new hostdev lines, after the last hostdev', () => {
    const out = exportDomain(applyCommand(demo(), { kind: 'add-hostdevs', hostAddresses: ['0001:01:00.0'], controller: 2 }));
    const diff = lineDiff(DEMO_DOMAIN_XML, out);
    expect(diff.removed).toEqual([]);
    expect(diff.added).toEqual([
      "    <hostdev mode='subsystem' type='pci' managed='yes'>",
      '      <source>',
      "        <address domain='0x0001' bus='0x01' slot='0x00' function='0x0'/>",
      '      </source>',
      "      <address type='pci' domain='0x0000' bus='0x02' slot='0x02' function='0x0'/>",
      '    </hostdev>',
    ]);
    expect(out.indexOf("domain='0x0001' bus='0x01'")).toBeLessThan(out.indexOf('<memballoon'));
    expect(out.indexOf("domain='0x0001' bus='0x01'")).toBeGreaterThan(out.indexOf("domain='0x0030'"));
  });

  it('remove-device removes only its lines', () => {
    const out = exportDomain(applyCommand(demo(), { kind: 'remove-device', device: '0030:01:00.0' }));
    const diff = lineDiff(DEMO_DOMAIN_XML, out);
    expect(diff.added).toEqual([]);
    expect(diff.removed).toHaveLength(6);
    expect(diff.removed[0]).toBe("    <hostdev mode='subsystem' type='pci' managed='yes'>");
    expect(diff.removed[5]).toBe('    </hostdev>');
  });

  it('remove-controller removes only its lines, and the address of what was on its bus', () => {
    const out = exportDomain(applyCommand(demo(), { kind: 'remove-controller', controller: 'pci-2' }));
    const controller = [
      "    <controller type='pci' index='2' model='pci-root'>",
      "      <model name='spapr-pci-host-bridge'/>",
      "      <target index='2'>",
      '        <node>0</node>',
      '      </target>',
      '    </controller>',
      '',
    ].join('\n');
    const address = "      <address type='pci' domain='0x0000' bus='0x02' slot='0x01' function='0x0'/>\n";
    expect(DEMO_DOMAIN_XML).toContain(controller);
    expect(DEMO_DOMAIN_XML).toContain(address);
    expect(out).toBe(DEMO_DOMAIN_XML.replace(controller, '').replace(address, ''));
  });

  it('clearing an address drops its line; setting one on a device without any adds it as the last child', () => {
    const cleared = exportDomain(applyCommand(demo(), { kind: 'move-device', device: 'memballoon-0', address: null }));
    expect(lineDiff(DEMO_DOMAIN_XML, cleared)).toEqual({ removed: ["      <address type='pci' domain='0x0000' bus='0x00' slot='0x04' function='0x0'/>"], added: [] });
    const panic = exportDomain(move(demo(), 'panic-0', 0, 5));
    expect(lineDiff(DEMO_DOMAIN_XML, panic)).toEqual({
      removed: ["    <panic model='pseries'/>"],
      added: ["    <panic model='pseries'>", "      <address type='pci' domain='0x0000' bus='0x00' slot='0x05' function='0x0'/>", '    </panic>'],
    });
  });

  it('set-multifunction rewrites only the address line', () => {
    const out = exportDomain(applyCommand(demo(), { kind: 'set-multifunction', device: '0000:01:00.0', value: null }));
    expect(lineDiff(DEMO_DOMAIN_XML, out)).toEqual({
      removed: ["      <address type='pci' domain='0x0000' bus='0x01' slot='0x01' function='0x0' multifunction='on'/>"],
      added: ["      <address type='pci' domain='0x0000' bus='0x01' slot='0x01' function='0x0'/>"],
    });
  });

  it('update-controller rewrites only the changed attributes and <node>', () => {
    let d = applyCommand(demo(), { kind: 'update-controller', controller: 'pci-1', changes: { target: { index: 1, node: 1 } } });
    expect(lineDiff(DEMO_DOMAIN_XML, exportDomain(d))).toEqual({ removed: ['        <node>0</node>'], added: ['        <node>1</node>'] });
    d = applyCommand(demo(), { kind: 'update-controller', controller: 'pci-1', changes: { target: { index: 5 } } });
    expect(lineDiff(DEMO_DOMAIN_XML, exportDomain(d))).toEqual({
      removed: ["      <target index='1'>", '        <node>0</node>', '      </target>'],
      added: ["      <target index='5'/>"],
    });
    d = applyCommand(demo(), { kind: 'update-controller', controller: 'pci-0', changes: { target: { index: 0, node: 1 } } });
    expect(lineDiff(DEMO_DOMAIN_XML, exportDomain(d))).toEqual({
      removed: ["      <target index='0'/>"],
      added: ["      <target index='0'>", '        <node>1</node>', '      </target>'],
    });
    // A renumbered controller takes what is plugged into it along: the hostdev on bus 2 follows.
    d = applyCommand(demo(), { kind: 'update-controller', controller: 'pci-2', changes: { index: 7 } });
    const renumbered = exportDomain(d);
    expect(renumbered.split('\n').length).toBe(DEMO_DOMAIN_XML.split('\n').length);
    const changed = DEMO_DOMAIN_XML.split('\n').flatMap((l, i) => (l === renumbered.split('\n')[i] ? [] : [[l, renumbered.split('\n')[i]]]));
    expect(changed).toEqual([
      ["    <controller type='pci' index='2' model='pci-root'>", "    <controller type='pci' index='7' model='pci-root'>"],
      ["      <address type='pci' domain='0x0000' bus='0x02' slot='0x01' function='0x0'/>", "      <address type='pci' domain='0x0000' bus='0x07' slot='0x01' function='0x0'/>"],
    ]);
  });

  it('exports the same from a source holding only text', () => {
    const d = move(demo(), '0030:01:00.0', 2, 4);
    expect(exportDomain({ ...d, source: { text: d.source.text } })).toBe(exportDomain(d));
  });

  it('exported edits read back as the edited model', () => {
    let d = applyCommand(demo(), { kind: 'add-controller', controller: { model: 'pci-root' } });
    d = applyCommand(d, { kind: 'add-hostdevs', hostAddresses: ['0001:01:00.0', '0001:01:00.1'], controller: 3 });
    d = move(d, 'disk-0', 0, 7);
    const back = design(exportDomain(d)).guest;
    expect(back.controllers.map((c) => [c.index, c.target.index])).toEqual(d.guest.controllers.map((c) => [c.index, c.target.index]));
    // Same devices and addresses; the text lists new hostdevs where libvirt would, not at the end.
    const byKey = (g: typeof back): Record<string, unknown> => Object.fromEntries(g.devices.map((x) => [x.key, x.address]));
    expect(byKey(back)).toEqual(byKey(d.guest));
  });
});

describe('hand-written documents keep their quirks', () => {
  const QUIRKY = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!-- kept in git; reviewed by people -->',
    '<?pcitopo keep="me"?>',
    '<domain type="kvm" xmlns:qemu="http://libvirt.org/schemas/domain/qemu/1.0">',
    '\t<name>odd &amp; tabs &#65;</name>',
    "\t<memory unit='KiB'>04194304</memory>",
    '\t<metadata><app:x xmlns:app="urn:x"><![CDATA[ <raw> ]]></app:x></metadata>',
    '\t<os>',
    "\t\t<type arch='ppc64le' machine=\"pseries\">hvm</type>",
    '\t</os>',
    '\t<devices>',
    '\t\t<!-- the default PHB -->',
    '\t\t<controller type="pci" index="0" model="pci-root"/>',
    "\t\t<controller type='pci' index='01' model='pci-root'>",
    '\t\t\t<target index="1"/>',
    '\t\t</controller>',
    '\t\t<hostdev mode="subsystem"   type="pci" managed="yes">',
    '\t\t\t<source><address domain="0x0001" bus="1" slot="0" function="0"/></source>',
    '\t\t\t<address type="pci" domain="0" bus="01" slot="0x1" function="0"/>',
    '\t\t</hostdev>',
    '\t\t<memballoon model="virtio"/>',
    '\t</devices>',
    '\t<qemu:commandline>',
    '\t\t<qemu:arg value="-S"/>',
    '\t</qemu:commandline>',
    '</domain>',
    '',
  ].join('\r\n');

  it('round-trips byte for byte and reads numbers like libvirt (strtoul base 0)', () => {
    const d = design(QUIRKY);
    expect(exportDomain(d)).toBe(QUIRKY);
    expect(d.guest.controllers.map((c) => c.index)).toEqual([0, 1]);
    // bus='01' is octal 1, slot='0x1' hex 1
    expect(d.guest.devices[0]).toMatchObject({ key: '0001:01:00.0', address: { domain: 0, bus: 1, slot: 1, function: 0 } });
  });

  it("reads a controller index in base 10 as libvirt does (virStrToLong_uip): '010' is 10, '0x1f' is refused", () => {
    const withIndex = (index: string): Design => design(QUIRKY.replace("index='01'", `index='${index}'`));
    const ten = withIndex('010').guest.controllers;
    expect(ten.filter((c) => !c.implicit).map((c) => c.index)).toEqual([0, 10]);
    // libvirt adds PHBs 1-9 for the buses below index 10 (GEN-IDX-5)
    expect(ten.filter((c) => c.implicit).map((c) => c.index)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const hex = withIndex('0x1f').guest.controllers.find((c) => c.unreadable);
    expect(hex?.index).toBeUndefined();
    expect(hex?.unreadable).toEqual(["index='0x1f'"]);
  });

  it('an edit keeps tabs, CRLF, double quotes, comments, entities and everything else', () => {
    let d = design(QUIRKY);
    d = move(d, '0001:01:00.0', 0, 3);
    d = applyCommand(d, { kind: 'add-controller', controller: { model: 'pci-root' } });
    d = move(d, 'memballoon-0', 0, 4);
    const out = exportDomain(d);
    const expected = QUIRKY.replace(
      '\t\t\t<address type="pci" domain="0" bus="01" slot="0x1" function="0"/>',
      '\t\t\t<address type="pci" domain="0x0000" bus="0x00" slot="0x03" function="0x0"/>',
    )
      .replace(
        '\t\t</controller>\r\n',
        '\t\t</controller>\r\n\t\t<controller type="pci" index="2" model="pci-root">\r\n\t\t\t<model name="spapr-pci-host-bridge"/>\r\n\t\t\t<target index="2"/>\r\n\t\t</controller>\r\n',
      )
      .replace(
        '\t\t<memballoon model="virtio"/>',
        '\t\t<memballoon model="virtio">\r\n\t\t\t<address type="pci" domain="0x0000" bus="0x00" slot="0x04" function="0x0"/>\r\n\t\t</memballoon>',
      );
    expect(out).toBe(expected);
    expect(out.split('\n').every((l, i, all) => i === all.length - 1 || l.endsWith('\r'))).toBe(true);
  });

  it('adds a hostdev before the devices libvirt lists after hostdevs when there is none', () => {
    const text = "<domain type='kvm'>\n  <name>x</name>\n  <memory>1048576</memory>\n  <os><type arch='ppc64le' machine='pseries'>hvm</type></os>\n  <devices>\n    <disk type='file' device='disk'><target dev='vda' bus='virtio'/></disk>\n    <memballoon model='none'/>\n  </devices>\n</domain>\n";
    const out = exportDomain(applyCommand(design(text), { kind: 'add-hostdevs', hostAddresses: ['0001:01:00.0'], controller: 0 }));
    const diff = lineDiff(text, out);
    expect(diff.removed).toEqual([]);
    expect(diff.added[0]).toBe("    <hostdev mode='subsystem' type='pci' managed='yes'>");
    expect(out.indexOf('<hostdev')).toBeLessThan(out.indexOf('<memballoon'));
    expect(xmllintErrors(out)).toBe('');
  });

  it('adds <devices> when the domain has none, and controllers to a self-closing <devices/>', () => {
    const none = "<domain type='kvm'>\n  <name>x</name>\n  <memory>1048576</memory>\n  <os><type arch='ppc64le' machine='pseries'>hvm</type></os>\n</domain>\n";
    const a = exportDomain(applyCommand(design(none), { kind: 'add-controller', controller: { model: 'pci-root', index: 0 } }));
    expect(a).toContain("  <devices>\n    <controller type='pci' index='0' model='pci-root'>");
    expect(design(a).guest.controllers).toHaveLength(1);
    expect(xmllintErrors(a)).toBe('');
    const empty = "<domain type='kvm'>\n  <name>x</name>\n  <memory>1048576</memory>\n  <os><type arch='ppc64le' machine='pseries'>hvm</type></os>\n  <devices/>\n</domain>\n";
    const b = exportDomain(applyCommand(design(empty), { kind: 'add-controller', controller: { model: 'pci-root', index: 0 } }));
    expect(design(b).guest.controllers).toHaveLength(1);
    expect(xmllintErrors(b)).toBe('');
  });

  it('reads domain, bus and slot all 0 as no address, as libvirt does, and writes into that element when one is set', () => {
    const text = [
      "<domain type='kvm'>",
      "  <os><type arch='aarch64' machine='virt'>hvm</type></os>",
      '  <devices>',
      "    <controller type='pci' index='0' model='pcie-root'>",
      "      <address type='pci' domain='0' bus='0' slot='0' function='0'/>",
      '    </controller>',
      "    <interface type='user'>",
      "      <model type='virtio'/>",
      "      <address type='pci'/>",
      '    </interface>',
      "    <disk type='file' device='disk'>",
      "      <target dev='vda' bus='virtio'/>",
      "      <address type='pci' domain='0x0000' bus='0x00' slot='0x00' function='0x3'/>",
      '    </disk>',
      '  </devices>',
      '</domain>',
      '',
    ].join('\n');
    const d = design(text);
    expect(d.guest.devices.map((x) => [x.key, x.address, x.otherAddressType])).toEqual([
      ['interface-0', undefined, undefined],
      ['disk-0', undefined, undefined],
    ]);
    // The root keeps what is written: libvirt refuses any address on it (Q35-ROOT-1).
    expect(d.guest.controllers[0]?.address).toEqual({ domain: 0, bus: 0, slot: 0, function: 0 });
    const out = exportDomain(move(d, 'interface-0', 0, 2));
    expect(lineDiff(text, out)).toEqual({ removed: ["      <address type='pci'/>"], added: ["      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'/>"] });
  });

  it('numbers NUMA cells without an id by their position, as libvirt does', () => {
    const text = "<domain type='kvm'><cpu><numa><cell cpus='0-1' memory='1024'/><cell cpus='2-3' memory='1024'/></numa></cpu><os><type arch='x86_64' machine='q35'>hvm</type></os></domain>";
    expect(design(text).guest.numaCells.map((c) => c.id)).toEqual([0, 1]);
  });

  it('gives unique keys when aliases or host addresses repeat', () => {
    const text = [
      "<domain type='kvm'><devices>",
      "<disk type='file' device='disk'><alias name='ua-x'/></disk>",
      "<disk type='file' device='disk'><alias name='ua-x'/></disk>",
      "<hostdev mode='subsystem' type='pci'><source><address domain='0x0001' bus='0x01' slot='0x00' function='0x0'/></source></hostdev>",
      "<hostdev mode='subsystem' type='pci'><source><address domain='0x0001' bus='0x01' slot='0x00' function='0x0'/></source></hostdev>",
      "<controller type='usb' index='0'/><controller type='pci' index='0' model='pci-root'/><controller type='scsi' index='0'/>",
      '</devices></domain>',
    ].join('');
    const { guest } = design(text);
    expect(guest.devices.map((d) => d.key)).toEqual(['ua-x', 'ua-x#2', '0001:01:00.0', '0001:01:00.0#2', 'controller-0', 'controller-2']);
    expect(guest.controllers.map((c) => c.key)).toEqual(['pci-0']);
  });

  it('keeps a non-PCI address as its type and rewrites it when the device gets a PCI one', () => {
    const text = "<domain type='kvm'>\n  <devices>\n    <interface type='network'>\n      <source network='default'/>\n      <address type='spapr-vio' reg='0x1000'/>\n    </interface>\n  </devices>\n</domain>\n";
    const d = design(text);
    expect(d.guest.devices[0]).toMatchObject({ key: 'interface-0', otherAddressType: 'spapr-vio', address: undefined });
    expect(lineDiff(text, exportDomain(move(d, 'interface-0', 0, 2)))).toEqual({
      removed: ["      <address type='spapr-vio' reg='0x1000'/>"],
      added: ["      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'/>"],
    });
  });
});

describe('bad input', () => {
  it('malformed XML names file, line and column', () => {
    const r = importDomain("<domain type='kvm'>\n  <devices>\n    <disk></devices>\n</domain>", 'vm.xml');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toMatchObject({ code: 'malformed-xml', file: 'vm.xml', line: 3 });
      expect(r.error.column).toBeTypeOf('number');
      expect(r.error.message).not.toContain('\n');
    }
  });

  it('an unclosed start tag is reported on the line where the tag starts, not where the parser noticed', () => {
    // the `/>` of the <address> deleted: parse-xml notices at the next line's </disk>
    const text = "<domain type='kvm'>\n  <devices>\n    <disk type='file'>\n      <address type='pci' bus='0x00' slot='0x03'\n    </disk>\n  </devices>\n</domain>";
    const r = importDomain(text, 'vm.xml');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toMatchObject({ code: 'malformed-xml', line: 4, column: 7 });
      expect(r.error.message).toMatch(/^Unclosed start tag for element `address`$/);
    }
  });

  it('an undefined entity is malformed, not silently dropped', () => {
    const r = importDomain('<domain><name>&nbsp;</name></domain>', 'e.xml');
    expect(r.ok ? undefined : r.error.code).toBe('malformed-xml');
  });

  it('a document that is not a domain says what it is', () => {
    const r = importDomain('<device><name>pci_0000_00_00_0</name></device>', 'host.xml');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('not-a-domain');
      expect(r.error.message).toContain('<device>');
    }
  });

  it("a <domain> in a default namespace is refused as libvirt refuses it (\"missing name information\": its XPath reads elements in no namespace); xmlns='' and a prefix's declaration are not one", () => {
    const body = "\n  <name>ns02</name>\n  <os><type arch='x86_64' machine='pc'>hvm</type></os>\n</domain>\n";
    const r = importDomain(`<?xml version='1.0'?>\n<domain type='kvm' xmlns='urn:example'>${body}`, 'ns.xml');
    expect(r.ok ? 'read' : r.error).toMatchObject({ code: 'not-a-domain', file: 'ns.xml', line: 2, column: 1, message: expect.stringContaining('("missing name information")') });
    // libvirt 9.0 defines these (virsh define, test driver)
    expect(importDomain(`<domain type='kvm' xmlns=''>${body}`).ok).toBe(true);
    expect(importDomain(`<domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>${body}`).ok).toBe(true);
  });

  // libvirt 9.0, virsh define: <x:domain xmlns:x='urn:x'> is defined, an <x:controller> in it is
  // not (dumpxml has no controller 9), an <x:os> is no <os> ("an os <type> must be specified"), and
  // an undeclared prefix is refused ("expecting root element of 'domain', not 'x:domain'")
  it("a prefixed <x:domain> root is read as libvirt reads it: by its local name, prefixed children skipped, an undeclared prefix refused", () => {
    const inner = "\n  <name>p</name>\n  <os><type arch='x86_64' machine='q35'>hvm</type></os>\n  <devices>\n    <controller type='pci' index='0' model='pcie-root'/>\n    <controller type='pci' index='1' model='pcie-root-port'/>\n    <x:controller type='pci' index='9' model='pcie-root-port'/>\n  </devices>\n";
    const r = importDomain(`<x:domain xmlns:x='urn:x' type='kvm'>${inner}</x:domain>\n`, 'p.xml');
    expect(r.ok && r.value.guest.controllers.map((c) => c.index)).toEqual([0, 1]);
    expect(r.ok && r.value.guest.name).toBe('p');
    const undeclared = importDomain(`<x:domain type='kvm'>${inner}</x:domain>\n`, 'p.xml');
    expect(undeclared.ok ? 'read' : undeclared.error).toMatchObject({ code: 'not-a-domain', line: 1, column: 1, message: expect.stringContaining(`("expecting root element of 'domain', not 'x:domain'")`) });
    // prefixed <x:devices>: libvirt reads no devices from it
    const devices = importDomain(`<domain type='kvm' xmlns:x='urn:x'>${inner.replace('<devices>', '<x:devices>').replace('</devices>', '</x:devices>')}</domain>\n`);
    expect(devices.ok && devices.value.guest.controllers.filter((c) => !c.implicit).length).toBe(0);
    expect(importDomain(`<x:dom xmlns:x='urn:x'>${inner}</x:dom>`).ok).toBe(false);
  });

  it('<qemu:commandline> arguments are read by namespace, as libvirt\'s XPath reads them: any prefix bound to the QEMU URI, not a qemu: prefix bound elsewhere', () => {
    const head = "<domain type='kvm' xmlns:q='http://libvirt.org/schemas/domain/qemu/1.0' xmlns:qemu='urn:other'><name>n</name><os><type arch='x86_64' machine='q35'>hvm</type></os><devices/>";
    const r = importDomain(`${head}<q:commandline><q:arg value='-device'/><q:arg value='e1000,bus=pcie.0,addr=0x1f'/><q:env name='A' value='1'/></q:commandline><qemu:commandline><qemu:arg value='-not-read'/></qemu:commandline></domain>`);
    expect(r.ok && r.value.guest.qemuArgs).toEqual(['-device', 'e1000,bus=pcie.0,addr=0x1f']);
    const none = importDomain(`${head}</domain>`);
    expect(none.ok && 'qemuArgs' in none.value.guest).toBe(false);
  });

  // libvirt's qemu-ns test input, and libvirt 9.0 defines an override of addr (virsh define keeps it)
  it('<qemu:override> properties are read by namespace, per device alias, and an addr override is a GEN-CMDLINE-1 warning on that device', () => {
    const text = `<domain type='kvm' xmlns:q='http://libvirt.org/schemas/domain/qemu/1.0'><name>n</name><os><type arch='x86_64' machine='q35'>hvm</type></os><devices><interface type='user'><model type='e1000e'/><alias name='ua-net'/></interface></devices><q:override><q:device alias='ua-net'><q:frontend><q:property name='addr' type='string' value='0x7'/><q:property name='prop6' type='remove'/><property name='bus' type='string' value='not-read'/></q:frontend></q:device><q:device><q:frontend><q:property name='bus' type='string' value='no-alias'/></q:frontend></q:device></q:override></domain>`;
    const r = importDomain(text);
    expect(r.ok && r.value.guest.qemuOverrides).toEqual([
      { alias: 'ua-net', name: 'addr', type: 'string', value: '0x7' },
      { alias: 'ua-net', name: 'prop6', type: 'remove', value: undefined },
    ]);
    const d = createDesign(text);
    if (!d.ok) throw new Error(d.error.message);
    const cmdline = validate(d.value).filter((f) => f.ruleId === 'GEN-CMDLINE-1');
    expect(cmdline.map((f) => [f.severity, f.subjects])).toEqual([['warning', { devices: [d.value.guest.devices[0]?.key] }]]);
  });

  it('refuses DOCTYPE with entities (billion laughs) before parsing', () => {
    const lol = ['<?xml version="1.0"?>', '<!DOCTYPE lolz [', '<!ENTITY lol "lol">'];
    for (let i = 1; i < 10; i++) lol.push(`<!ENTITY lol${i} "${`&lol${i - 1 === 0 ? '' : i - 1};`.repeat(10)}">`);
    lol.push(']>', '<domain>&lol9;</domain>');
    const r = importDomain(lol.join('\n'), 'lol.xml');
    expect(r.ok ? undefined : r.error.code).toBe('doctype-refused');
    const ext = importDomain('<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><domain>&x;</domain>');
    expect(ext.ok ? undefined : ext.error.code).toBe('doctype-refused');
  });

  it('refuses an over-size document', () => {
    const big = `<domain>${' '.repeat(MAX_XML_BYTES)}</domain>`;
    const r = importDomain(big, 'big.xml');
    expect(r.ok ? undefined : r.error.code).toBe('too-large');
  });

  it('an empty or blank string is an error, not a throw', () => {
    for (const t of ['', '   \n']) {
      const r = createDesign(t, undefined, 'empty.xml');
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toMatchObject({ code: 'malformed-xml', file: 'empty.xml' });
    }
  });
});

describe('exportDomainBytes: the design in the encoding its file came in (issue 11)', () => {
  const moved = (d: Design): Design => {
    const phb = d.guest.controllers.find((c) => c.index === 1);
    return phb ? applyCommand(d, { kind: 'remove-controller', controller: phb.key }) : d;
  };
  it('UTF-16BE kept by the design: unedited the same bytes, edited still UTF-16BE with its BOM', () => {
    const text = `\uFEFF${DEMO_DOMAIN_XML}`;
    const d = createDesign(text, undefined, 'd.xml', 'UTF-16BE');
    if (!d.ok) throw new Error(d.error.message);
    const be = (t: string) => [...Buffer.from(Buffer.from(t, 'utf16le')).swap16()];
    const same = exportDomainBytes(d.value);
    expect(same.ok && [...same.value]).toEqual(be(text));
    const edited = moved(d.value);
    expect(exportDomain(edited)).not.toBe(text);
    const e = exportDomainBytes(edited);
    expect(e.ok && [...e.value]).toEqual(be(exportDomain(edited)));
  });
  it('without a kept encoding, the declaration says it: Latin-1 one byte a character; UTF-8 otherwise', () => {
    const latin = `<?xml version='1.0' encoding='ISO-8859-1'?>\n${DEMO_DOMAIN_XML.replace('<domain', '<!-- caf\u00e9 -->\n<domain')}`;
    const d = createDesign(latin);
    if (!d.ok) throw new Error(d.error.message);
    const b = exportDomainBytes(d.value);
    expect(b.ok && [...b.value]).toEqual([...Buffer.from(latin, 'latin1')]);
    const u = createDesign(DEMO_DOMAIN_XML.replace('<domain', '<!-- caf\u00e9 -->\n<domain'));
    const ub = u.ok ? exportDomainBytes(u.value) : undefined;
    expect(ub?.ok && Buffer.from(ub.value).toString('utf8')).toBe(DEMO_DOMAIN_XML.replace('<domain', '<!-- caf\u00e9 -->\n<domain'));
  });
  it('whyUnwritable says what exportDomainBytes refuses: the character and its encoding, or the declared name; nothing when it writes', () => {
    const latin = `<?xml version='1.0' encoding='ISO-8859-1'?>\n<domain>\n  <!-- €uro --></domain>`;
    expect(whyUnwritable(latin, undefined)).toEqual({ kind: 'character', encoding: 'ISO-8859-1', character: { codePoint: 0x20ac, line: 3, column: 8 } });
    expect(whyUnwritable(latin, 'UTF-8')).toBeUndefined();
    expect(whyUnwritable(latin.replace('€', 'é'), undefined)).toBeUndefined();
    expect(whyUnwritable(`<?xml version='1.0' encoding='EBCDIC'?>\n<domain/>`, undefined)).toEqual({ kind: 'declaration', declared: 'EBCDIC' });
  });
  it('a declared encoding pcitopo cannot write is an error, not bytes in another encoding', () => {
    const d = createDesign(`<?xml version='1.0' encoding='EBCDIC'?>\n${DEMO_DOMAIN_XML}`);
    const r = d.ok ? exportDomainBytes(d.value, 'd.xml') : undefined;
    expect(r && !r.ok && r.error).toMatchObject({ code: 'unsupported', file: 'd.xml' });
  });
});
