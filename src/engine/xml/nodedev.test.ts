import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_HOST_XML } from '../demo/demo.ts';
import type { Host, HostDevice } from '../model/host.ts';
import { importHost } from './nodedev.ts';

import { SHARED, sharedPaths } from '../../../test/support/shared.ts';

const NODEDEV_DIR = path.join(SHARED, 'corpus/libvirt-nodedev');
const MOCK_XML = path.join(SHARED, 'corpus/libvirt-mock-host.nodedev.xml');
const MOCK_JSON = path.join(SHARED, 'corpus/libvirt-mock-host.json');

function host(text: string, file?: string): Host {
  const r = importHost(text, file);
  if (!r.ok) throw new Error(`import failed: ${r.error.message} (line ${String(r.error.line)})`);
  return r.value;
}

function dev(h: Host, address: string): HostDevice {
  const d = h.devices.get(address);
  if (!d) throw new Error(`no device ${address}`);
  return d;
}

const PF = `<device>
  <name>pci_0001_01_00_0</name>
  <path>/sys/devices/pci0001:00/0001:00:00.0/0001:01:00.0</path>
  <parent>pci_0001_00_00_0</parent>
  <driver>
    <name>vfio-pci</name>
  </driver>
  <capability type='pci'>
    <class>0x020000</class>
    <domain>1</domain>
    <bus>1</bus>
    <slot>0</slot>
    <function>0</function>
    <product id='0x105e'>82571EB &amp; friends &#x263A;</product>
    <vendor id='0x8086'>Intel Corporation</vendor>
    <capability type='virt_functions' maxCount='7'/>
    <iommuGroup number='5'>
      <address domain='0x0001' bus='0x01' slot='0x00' function='0x0'/>
      <address domain='0x0001' bus='0x01' slot='0x00' function='0x1'/>
    </iommuGroup>
    <numa node='0'/>
    <pci-express>
      <link validity='cap' port='0' speed='2.5' width='4'/>
      <link validity='sta' speed='2.5' width='4'/>
    </pci-express>
  </capability>
</device>
`;

const VF = `<device>
  <name>pci_0000_06_12_1</name>
  <parent>pci_0000_00_1c_0</parent>
  <capability type='pci'>
    <domain>0</domain>
    <bus>6</bus>
    <slot>18</slot>
    <function>1</function>
    <product id='0x0047'/>
    <vendor id='0x8086'>Intel Corporation</vendor>
    <capability type='phys_function'>
      <address domain='0x0000' bus='0x06' slot='0x12' function='0x0'/>
    </capability>
    <iommuGroup number='10'>
      <address domain='0x0000' bus='0x06' slot='0x12' function='0x1'/>
    </iommuGroup>
  </capability>
</device>
`;

const SCSI = `<device>
  <name>scsi_host0</name>
  <parent>pci_0000_00_1f_2</parent>
  <capability type='scsi_host'>
    <host>0</host>
  </capability>
</device>
`;

describe('importHost: one device', () => {
  it('reads every field the rules need', () => {
    const h = host(PF, 'pf.xml');
    expect(h.label).toBe('pf.xml');
    const d = dev(h, '0001:01:00.0');
    expect(d).toEqual({
      address: '0001:01:00.0',
      pci: { domain: 1, bus: 1, slot: 0, function: 0 },
      name: 'pci_0001_01_00_0',
      vendorId: '0x8086',
      vendorName: 'Intel Corporation',
      productId: '0x105e',
      productName: '82571EB & friends \u263A',
      classCode: '0x020000',
      driver: 'vfio-pci',
      iommuGroup: 5,
      numaNode: 0,
      pcie: true,
      bridge: false,
      physFunction: undefined,
      virtFunctions: [],
      sriovMaxVfs: 7,
    });
    // 0001:01:00.1 has no <device> here but is in group 5: the group stays whole.
    expect([...h.groups.get(5)?.members ?? []]).toEqual(['0001:01:00.0', '0001:01:00.1']);
    expect(dev(h, '0001:01:00.1')).toMatchObject({ iommuGroup: 5, pcie: false, virtFunctions: [] });
    expect(dev(h, '0001:01:00.1').name).toBeUndefined();
  });

  it('reads a VF: decimal slot 18 is 0x12, PF link, no names, no numa, not PCIe', () => {
    const d = dev(host(VF), '0000:06:12.1');
    expect(d.pci).toEqual({ domain: 0, bus: 6, slot: 0x12, function: 1 });
    expect(d.physFunction).toBe('0000:06:12.0');
    expect(d.productId).toBe('0x0047');
    expect(d.productName).toBeUndefined();
    expect(d.numaNode).toBeUndefined();
    expect(d.pcie).toBe(false);
    expect(d.driver).toBeUndefined();
    expect(d.classCode).toBeUndefined();
  });
});

describe('importHost: the three shapes', () => {
  const expectPfAndVf = (h: Host) => {
    expect([...h.devices.keys()]).toEqual(['0000:06:12.1', '0001:01:00.0', '0001:01:00.1']);
    expect([...h.groups.keys()]).toEqual([5, 10]);
  };

  it('concatenated documents with declarations and comments between them', () => {
    const text = `<?xml version="1.0" encoding="UTF-8"?>\n${PF}<!-- next -->\n<?xml version='1.0'?>\n${VF}\n${SCSI}`;
    expectPfAndVf(host(text));
  });

  it('wrapped in one root of any name', () => {
    expectPfAndVf(host(`<?xml version="1.0"?>\n<my-host note="x">\n${PF}${SCSI}${VF}</my-host>\n`));
  });

  it('an identical device repeated is read once; a different one is an error naming both lines', () => {
    expectPfAndVf(host(PF + VF + PF));
    const changed = PF.replace('<numa node=\'0\'/>', '<numa node=\'1\'/>');
    const r = importHost(PF + changed, 'h.xml');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.line).toBe(PF.split('\n').length);
    expect(r.error.message).toMatch(/0001:01:00\.0 is described twice.*line 1/);
  });

  it('read device by device as the scan goes, it still answers as for the whole file', () => {
    // a wrapper repeated: the devices of the first one, as before the streaming reader
    const twice = host(`<h>\n${PF}</h>\n<h>\n${VF}</h>\n`);
    expect([...twice.devices.keys()]).toEqual(['0001:01:00.0', '0001:01:00.1']); // the PF and the group member it lists
    expect(twice.devices.has('0000:06:12.1')).toBe(false);
    // a bad device early and broken XML later: the broken XML is what the user hears about
    const bad = PF.replace('<bus>1</bus>', '<bus>x</bus>');
    const r = importHost(`${bad}${VF}<device>`, 'h.xml');
    expect(r.ok || r.error.code).toBe('malformed-xml');
    // a bad device with the rest well-formed names the device and its line
    const r2 = importHost(`${VF}\n  ${bad}`, 'h.xml');
    expect(r2.ok || [r2.error.code, r2.error.line, r2.error.column]).toEqual(['not-node-devices', VF.split('\n').length + 1, 3]);
    // own <device> children win over a wrapper's, and two top-level names wrap nothing
    expect(host(`${PF}<x>${VF}</x>`).devices.has('0000:06:12.1')).toBe(false);
    const two = importHost(`<a>${PF}</a><b/>`, 'h.xml');
    expect(two.ok || two.error.message).toMatch(/found <a>, <b>/);
  });

  it('non-PCI devices are skipped', () => {
    const h = host(SCSI + PF);
    expect(h.devices.size).toBe(2);
  });
});

describe('importHost: the demo host', () => {
  it('has groups 0..5, group 2 with four functions', () => {
    const h = host(DEMO_HOST_XML);
    expect([...h.groups.keys()]).toEqual([0, 1, 2, 3, 4, 5]);
    expect(h.groups.get(2)?.members).toEqual(['0001:01:00.0', '0001:01:00.1', '0001:01:00.2', '0001:01:00.3']);
    expect(dev(h, '0000:00:00.0').bridge).toBe(true);
    for (const d of h.devices.values()) expect(d.name, d.address).toBeDefined();
  });
});

describe('importHost: bad input', () => {
  const error = (text: string) => {
    const r = importHost(text, 'bad.xml');
    if (r.ok) throw new Error('expected an error');
    return r.error;
  };

  it('malformed XML names file, line and column', () => {
    const e = error(`<device>\n  <name>x</nam>\n</device>\n`);
    expect(e).toMatchObject({ code: 'malformed-xml', file: 'bad.xml', line: 2, column: 10 });
    expect(e.message).toMatch(/closing tag/);
  });

  it('columns on line 1 are the file\'s own, not shifted by the synthetic root', () => {
    const e = error(`<device a="1" a="2"/>`);
    expect(e).toMatchObject({ code: 'malformed-xml', line: 1 });
    expect(e.column).toBeLessThanOrEqual(15);
    expect(e.message).not.toMatch(/pcitopo-nodedev-input/);
  });

  it('an element left open is reported at the end of the file without naming the synthetic root', () => {
    const e = error(`${PF}<device>\n  <name>x</name>\n`);
    expect(e.code).toBe('malformed-xml');
    expect(e.line).toBe(PF.split('\n').length + 2);
    expect(e.message).toMatch(/device/);
    expect(error(`<device>\n<name>x</name>\n`).message).toMatch(/opened in line 1, col 1\)/);
    expect(e.message).not.toMatch(/pcitopo-nodedev-input/);
  });

  it('a domain XML is not node devices, and says what it found', () => {
    const e = error(`<domain type='kvm'><name>g</name><devices/></domain>`);
    expect(e.code).toBe('not-node-devices');
    expect(e.message).toMatch(/<domain>/);
  });

  it('only non-PCI devices: says what was found', () => {
    const e = error(SCSI + SCSI);
    expect(e.code).toBe('not-node-devices');
    expect(e.message).toMatch(/no PCI device.*2 × scsi_host/);
  });

  it('DOCTYPE and entity tricks are refused before parsing', () => {
    const bomb = `<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>\n<device>&lol2;</device>`;
    const e = error(bomb);
    expect(e).toMatchObject({ code: 'doctype-refused', line: 2, column: 1 });
    expect(e.message).toMatch(/entity/);
  });

  it('empty and whitespace-only files', () => {
    expect(error('').code).toBe('not-node-devices');
    expect(error(' \n\t\n').message).toMatch(/empty/);
    expect(error('just text').message).toMatch(/no XML elements/);
  });

  it('a PCI device without its address is an error at its line', () => {
    const e = error(`${VF}<device>\n<name>pci_x</name>\n<capability type='pci'><domain>0</domain></capability>\n</device>\n`);
    expect(e).toMatchObject({ code: 'not-node-devices', line: VF.split('\n').length });
    expect(e.message).toMatch(/pci_x.*<bus>/);
  });

  it('too large', () => {
    expect(error(' '.repeat(17 * 1024 * 1024)).code).toBe('too-large');
  });
});

describe('importHost: libvirt corpus', () => {
  if (!sharedPaths('the libvirt nodedev corpus', ['corpus', 'libvirt-nodedev'], ['corpus', 'libvirt-mock-host.nodedev.xml'])) return;
  const files = fs.readdirSync(NODEDEV_DIR).filter((f) => f.endsWith('.xml')).sort();

  it('has the 19 nodedev files', () => expect(files.length).toBe(19));

  for (const f of files) {
    it(f, () => {
      const text = fs.readFileSync(path.join(NODEDEV_DIR, f), 'utf8');
      const r = importHost(text, f);
      const isPci = /<capability type='pci'>/.test(text);
      if (!isPci) {
        expect(r.ok).toBe(false);
        if (!r.ok) expect(r.error.code).toBe('not-node-devices');
        return;
      }
      if (!r.ok) throw new Error(r.error.message);
      const name = /<name>(pci_[^<]*)<\/name>/.exec(text)?.[1];
      const own = [...r.value.devices.values()].find((d) => d.name === name);
      expect(own, 'the file\'s own device').toBeDefined();
      if (!own) return;
      // Every stated field made it into the model.
      expect(own.pcie).toBe(text.includes('<pci-express'));
      expect(own.bridge).toBe(/type='(pci|cardbus)-bridge'/.test(text));
      expect(own.iommuGroup).toBe(/iommuGroup number='(\d+)'/.exec(text)?.[1] === undefined ? undefined : Number(/iommuGroup number='(\d+)'/.exec(text)?.[1]));
      expect(own.numaNode).toBe(/<numa node='(\d+)'/.exec(text) ? Number(/<numa node='(\d+)'/.exec(text)?.[1]) : undefined);
      expect(own.vendorId).toBe(/<vendor id='([^']*)'/.exec(text)?.[1]);
      expect(own.productId).toBe(/<product id='([^']*)'/.exec(text)?.[1]);
      expect(own.productName).toBe(/<product id='[^']*'>([^<]*)</.exec(text)?.[1]);
      expect(own.classCode).toBe(/<class>([^<]*)</.exec(text)?.[1]);
      expect(own.driver).toBe(/<driver>\s*<name>([^<]*)</.exec(text)?.[1]);
      const vfs = /type='virt_functions'[^>]*?(?:\/>|>([\s\S]*?)<\/capability>)/.exec(text)?.[1] ?? '';
      expect(own.virtFunctions.length).toBe((vfs.match(/<address/g) ?? []).length);
      expect(own.sriovMaxVfs).toBe(/maxCount='(\d+)'/.exec(text) ? Number(/maxCount='(\d+)'/.exec(text)?.[1]) : undefined);
      expect(own.physFunction !== undefined).toBe(text.includes("type='phys_function'"));
      // Each group lists every member the file names.
      const members = (/<iommuGroup[^>]*>([\s\S]*?)<\/iommuGroup>/.exec(text)?.[1]?.match(/<address/g) ?? []).length;
      if (own.iommuGroup !== undefined) expect(r.value.groups.get(own.iommuGroup)?.members.length).toBe(members);
    });
  }

  it('specific values: SR-IOV VF with four VFs, header-type bridge, bus 4294967295 falls back to the name', () => {
    const read = (f: string) => host(fs.readFileSync(path.join(NODEDEV_DIR, `nodedevschemadata__${f}.xml`), 'utf8'));
    const vf = dev(read('pci_0000_02_10_7_sriov_pf_vfs_all_header_type'), '0000:02:10.7');
    expect(vf.physFunction).toBe('0000:02:00.1');
    expect(vf.virtFunctions).toEqual(['0000:02:00.2', '0000:02:00.3', '0000:02:00.4', '0000:02:00.5']);
    expect(vf.sriovMaxVfs).toBe(7);
    expect(vf.bridge).toBe(true);
    const gpu = dev(read('pci_0000_00_02_0_header_type'), '0000:00:02.0');
    expect(gpu.pci.bus).toBe(0);
    const wireless = read('pci_8086_4238_pcie_wireless');
    expect(wireless.groups.get(8)?.members).toHaveLength(8);
    expect(dev(wireless, '0000:0d:00.3').iommuGroup).toBe(8);
    expect(dev(read('pci_0000_42_00_0_vpd'), '0000:42:00.0').sriovMaxVfs).toBe(16);
  });

  it('all PCI files concatenated; identical duplicates collapse, differing ones are refused', () => {
    const texts = files.map((f) => fs.readFileSync(path.join(NODEDEV_DIR, f), 'utf8'));
    const r = importHost(texts.join('\n'), 'all.xml');
    // pci_0000_02_10_7 appears in six variants: that is a conflict, reported with a line.
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/0000:02:10\.7 is described twice/);
    const isVf7 = (t: string) => t.includes('<name>pci_0000_02_10_7</name>');
    const h = host([...texts.filter((t) => !isVf7(t)), texts.find(isVf7) ?? ''].join('\n'));
    // 9 own PCI devices + 7 group members named only in others' <iommuGroup>
    expect(h.devices.size).toBe(16);
    expect(h.groups.get(8)?.members).toHaveLength(8);
    expect(dev(h, '0000:00:1c.0').bridge).toBe(true);
  });

  it('libvirt mock host: 23 devices, groups as in libvirt-mock-host.json', () => {
    const h = host(fs.readFileSync(MOCK_XML, 'utf8'));
    const facts = JSON.parse(fs.readFileSync(MOCK_JSON, 'utf8')) as {
      devices: Array<{ address: string; iommu_group: number; physfn: string | null; vendor: string; device: string; driver_bound_at_start: string | null; libvirt_treats_as_pcie: boolean }>;
      iommu_groups: Record<string, string[]>;
    };
    expect(h.devices.size).toBe(23);
    expect(facts.devices.length).toBe(23);
    const groups = Object.fromEntries([...h.groups].map(([n, g]) => [String(n), [...g.members]]));
    expect(groups).toEqual(Object.fromEntries(Object.entries(facts.iommu_groups).map(([n, m]) => [n, [...m].sort()])));
    for (const f of facts.devices) {
      const d = dev(h, f.address);
      expect(d.iommuGroup, f.address).toBe(f.iommu_group);
      expect(d.physFunction ?? null, f.address).toBe(f.physfn);
      expect(d.vendorId, f.address).toBe(f.vendor);
      expect(d.productId, f.address).toBe(f.device);
      expect(d.driver ?? null, f.address).toBe(f.driver_bound_at_start);
      expect(d.pcie, f.address).toBe(f.libvirt_treats_as_pcie);
    }
  });
});
