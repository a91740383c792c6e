import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { Host, HostDevice } from '../src/engine/index.ts';
import { importHost } from '../src/engine/index.ts';
import { needTool, sharedPath } from './support/shared.ts';
import { XMLLINT } from './support/xmllint.ts';

const SCRIPT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../scripts/collect-host.sh');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pcitopo-sysfs-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface FakeDevice {
  address: string;
  /** parent directory under sys/devices, e.g. `pci0000:00` or `pci0000:00/0000:00:00.0` */
  under: string;
  config?: Buffer;
  files?: Record<string, string>;
  driver?: string;
  group?: number;
  physfn?: string;
  virtfns?: string[];
}

/** Config space with the given bytes set; `size` 64 is what an unprivileged read returns. */
function config(bytes: Record<number, number>, size = 256): Buffer {
  const b = Buffer.alloc(size);
  for (const [at, v] of Object.entries(bytes)) b[Number(at)] = v;
  return b;
}

/** Builds sys/ the way the kernel lays it out: devices/, bus/pci/{devices,drivers}, kernel/iommu_groups. */
function buildSysfs(root: string, devices: FakeDevice[]): void {
  const sys = path.join(root, 'sys');
  const bus = path.join(sys, 'bus/pci/devices');
  fs.mkdirSync(bus, { recursive: true });
  const where = new Map(devices.map((d) => [d.address, path.join(sys, 'devices', d.under, d.address)]));
  for (const d of devices) {
    const dir = where.get(d.address) as string;
    fs.mkdirSync(dir, { recursive: true });
    if (d.config) fs.writeFileSync(path.join(dir, 'config'), d.config);
    for (const [name, content] of Object.entries(d.files ?? {})) fs.writeFileSync(path.join(dir, name), `${content}\n`);
    fs.symlinkSync(path.relative(bus, dir), path.join(bus, d.address));
    if (d.driver) {
      const drv = path.join(sys, 'bus/pci/drivers', d.driver);
      fs.mkdirSync(drv, { recursive: true });
      fs.symlinkSync(path.relative(dir, drv), path.join(dir, 'driver'));
    }
    if (d.group !== undefined) {
      const g = path.join(sys, 'kernel/iommu_groups', String(d.group), 'devices');
      fs.mkdirSync(g, { recursive: true });
      fs.symlinkSync(path.relative(g, dir), path.join(g, d.address));
      fs.symlinkSync(path.relative(dir, path.dirname(g)), path.join(dir, 'iommu_group'));
    }
  }
  for (const d of devices) {
    const dir = where.get(d.address) as string;
    if (d.physfn) fs.symlinkSync(path.relative(dir, where.get(d.physfn) as string), path.join(dir, 'physfn'));
    for (const [i, vf] of (d.virtfns ?? []).entries()) {
      fs.symlinkSync(path.relative(dir, where.get(vf) as string), path.join(dir, `virtfn${i}`));
    }
  }
}

function run(root: string, args: string[] = [], env: Record<string, string> = {}) {
  const r = spawnSync('bash', [SCRIPT, ...args], { env: { ...process.env, SYSFS_ROOT: root, ...env }, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const PCIE_CAP_AT_0x40 = { 0x06: 0x10, 0x34: 0x40, 0x40: 0x10, 0x41: 0x00 };

const DEVICES: FakeDevice[] = [
  {
    // root port: header type 1, PCIe capability first in the list
    address: '0000:00:00.0',
    under: 'pci0000:00',
    config: config({ ...PCIE_CAP_AT_0x40, 0x0e: 0x01 }),
    files: { class: '0x060400', vendor: '0x1014', device: '0x04c1', numa_node: '0' },
    driver: 'pcieport',
    group: 0,
  },
  {
    // PF: multifunction header (0x80), PM capability, then PCIe at 0x70
    address: '0000:01:00.0',
    under: 'pci0000:00/0000:00:00.0',
    config: config({ 0x06: 0x10, 0x0e: 0x80, 0x34: 0x40, 0x40: 0x01, 0x41: 0x70, 0x70: 0x10, 0x71: 0x00 }),
    files: {
      class: '0x020000', vendor: '0x15b3', device: '0x1017', numa_node: '-1', sriov_totalvfs: '8',
      max_link_speed: '8.0 GT/s PCIe', max_link_width: '16', current_link_speed: '2.5 GT/s PCIe', current_link_width: '8',
    },
    driver: 'mlx5_core',
    group: 5,
    virtfns: ['0000:01:00.2'],
  },
  {
    // second function: capability list without PCIe. Readable config wins over max_link_speed.
    address: '0000:01:00.1',
    under: 'pci0000:00/0000:00:00.0',
    config: config({ 0x06: 0x10, 0x0e: 0x80, 0x34: 0x40, 0x40: 0x01, 0x41: 0x00 }),
    files: { class: '0x020000', vendor: '0x15b3', device: '0x1017', max_link_speed: '8.0 GT/s PCIe' },
    group: 5,
  },
  {
    // VF with no config file: PCIe from max_link_speed
    address: '0000:01:00.2',
    under: 'pci0000:00/0000:00:00.0',
    files: { class: '0x020000', vendor: '0x15b3', device: '0x1018', max_link_speed: '8.0 GT/s PCIe', max_link_width: '8' },
    group: 6,
    physfn: '0000:01:00.0',
  },
  {
    // unprivileged read (64 bytes): the capability list is out of reach, no max_link_speed
    address: '0010:0a:1f.7',
    under: 'pci0010:0a',
    config: config({ 0x06: 0x10, 0x0e: 0x02, 0x34: 0x80 }, 64),
    files: { class: '0x060700', vendor: '0x104c', device: '0xac50', numa_node: '1' },
    group: 7,
  },
];

const FAKE_LSPCI = `#!/bin/sh
case "$3" in
  0000:01:00.0) echo '01:00.0 "Ethernet controller" "Mellanox & <Co>" "ConnectX-5 '"'"'x'"'"'" -r00 "" ""' ;;
esac
`;

function imported(stdout: string): Host {
  const r = importHost(stdout, 'collect-host.xml');
  if (!r.ok) throw new Error(`${r.error.message} at ${String(r.error.line)}:${String(r.error.column)}\n${stdout}`);
  return r.value;
}

function dev(h: Host, address: string): HostDevice {
  const d = h.devices.get(address);
  if (!d) throw new Error(`no ${address}`);
  return d;
}

describe('scripts/collect-host.sh on a fake sysfs tree', () => {
  const root = path.join(tmp, 'host');
  buildSysfs(root, DEVICES);
  const lspci = path.join(tmp, 'lspci');
  fs.writeFileSync(lspci, FAKE_LSPCI, { mode: 0o755 });
  const out = run(root, [], { LSPCI: lspci });

  it('succeeds and says what it wrote in a header comment', () => {
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
    expect(out.stdout).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<!-- Written by pcitopo scripts\/collect-host.sh/);
    expect(out.stdout).toMatch(/5 PCI functions.*\n.*wrapped in one <devices> root/);
    expect(out.stdout.trimEnd().endsWith('</devices>')).toBe(true);
  });

  it('importHost reads every device and group', () => {
    const h = imported(out.stdout);
    expect([...h.devices.keys()]).toEqual(['0000:00:00.0', '0000:01:00.0', '0000:01:00.1', '0000:01:00.2', '0010:0a:1f.7']);
    expect(Object.fromEntries([...h.groups].map(([n, g]) => [n, g.members]))).toEqual({
      0: ['0000:00:00.0'],
      5: ['0000:01:00.0', '0000:01:00.1'],
      6: ['0000:01:00.2'],
      7: ['0010:0a:1f.7'],
    });
  });

  it('root port: bridge from header type 1, PCIe from the capability list, driver, NUMA node, path, name', () => {
    const d = dev(imported(out.stdout), '0000:00:00.0');
    expect(d).toMatchObject({
      name: 'pci_0000_00_00_0', classCode: '0x060400', vendorId: '0x1014', productId: '0x04c1',
      driver: 'pcieport', iommuGroup: 0, numaNode: 0, pcie: true, bridge: true, virtFunctions: [],
    });
    expect(out.stdout).toContain('<path>/sys/devices/pci0000:00/0000:00:00.0</path>');
    // paths read as on the host itself, not under SYSFS_ROOT
    for (const line of out.stdout.split('\n').filter((l) => l.includes('<path>'))) expect(line).not.toContain(root);
  });

  it('PF: PCIe found past a PM capability, SR-IOV links, numa -1 left out, names escaped', () => {
    const d = dev(imported(out.stdout), '0000:01:00.0');
    expect(d).toMatchObject({
      name: 'pci_0000_01_00_0', driver: 'mlx5_core', iommuGroup: 5, pcie: true, bridge: false,
      virtFunctions: ['0000:01:00.2'], sriovMaxVfs: 8, physFunction: undefined,
      vendorName: 'Mellanox & <Co>', productName: "ConnectX-5 'x'",
    });
    expect(d.numaNode).toBeUndefined();
    expect(out.stdout).toContain('<vendor id=\'0x15b3\'>Mellanox &amp; &lt;Co&gt;</vendor>');
    expect(out.stdout).toContain("<link validity='cap' speed='8' width='16'/>");
    expect(out.stdout).toContain("<link validity='sta' speed='2.5' width='8'/>");
    expect(out.stdout).toContain('<parent>pci_0000_00_00_0</parent>');
  });

  it('a readable capability list without PCIe means conventional PCI, even with max_link_speed', () => {
    const d = dev(imported(out.stdout), '0000:01:00.1');
    expect(d).toMatchObject({ pcie: false, bridge: false, driver: undefined, sriovMaxVfs: undefined });
    expect(d.vendorName).toBeUndefined();
  });

  it('VF without config: PCIe from max_link_speed, phys_function link', () => {
    const d = dev(imported(out.stdout), '0000:01:00.2');
    expect(d).toMatchObject({ pcie: true, physFunction: '0000:01:00.0', iommuGroup: 6, productId: '0x1018' });
  });

  it('64-byte config (unprivileged): cardbus bridge from the header, not PCIe, hex domain/bus/slot as decimal', () => {
    const d = dev(imported(out.stdout), '0010:0a:1f.7');
    expect(d).toMatchObject({ pci: { domain: 16, bus: 10, slot: 31, function: 7 }, bridge: true, pcie: false, numaNode: 1 });
    expect(out.stdout).toContain('<domain>16</domain>');
    expect(out.stdout).toContain("<capability type='cardbus-bridge'/>");
    expect(out.stdout).toContain('<parent>computer</parent>');
  });

  it('without LSPCI under SYSFS_ROOT, names are left out (lspci would describe the real host)', () => {
    const plain = run(root, [], { LSPCI: '' });
    expect(plain.status).toBe(0);
    expect(dev(imported(plain.stdout), '0000:01:00.0').vendorName).toBeUndefined();
  });

  it('class-code fallback for the header type when config is missing', () => {
    const r2 = path.join(tmp, 'bridge-noconfig');
    buildSysfs(r2, [{ address: '0000:00:1c.0', under: 'pci0000:00', files: { class: '0x060400', vendor: '0x8086', device: '0x8c10' }, group: 8 }]);
    const o = run(r2);
    expect(o.status).toBe(0);
    expect(dev(imported(o.stdout), '0000:00:1c.0')).toMatchObject({ bridge: true, pcie: false, iommuGroup: 8 });
  });
});

describe('scripts/collect-host.sh output against libvirt nodedev.rng', () => {
  const NODEDEV_RNG = sharedPath("libvirt's nodedev.rng", 'schemas', 'libvirt', 'nodedev.rng');
  const xmllint = needTool('the nodedev schema check', XMLLINT, 'run: bash scripts/setup-test-deps.sh');
  if (!NODEDEV_RNG || !xmllint) return;
  it('every <device> it writes validates', () => {
    const root = path.join(tmp, 'rng');
    buildSysfs(root, DEVICES);
    const lspci = path.join(tmp, 'lspci-rng');
    fs.writeFileSync(lspci, FAKE_LSPCI, { mode: 0o755 });
    const out = run(root, [], { LSPCI: lspci });
    const body = out.stdout.slice(out.stdout.indexOf('<devices>'));
    const devices = body.match(/<device>[\s\S]*?<\/device>/g) ?? [];
    expect(devices.length).toBe(DEVICES.length);
    for (const [i, d] of devices.entries()) {
      const f = path.join(tmp, `device-${i}.xml`);
      fs.writeFileSync(f, d);
      const r = spawnSync(XMLLINT, ['--noout', '--relaxng', NODEDEV_RNG, f], { encoding: 'utf8' });
      expect(r.stderr, d).toMatch(/validates/);
      expect(r.status).toBe(0);
    }
  });
});

describe('scripts/collect-host.sh: errors and usage', () => {
  it('an empty tree is a clear error with exit status 1', () => {
    const empty = path.join(tmp, 'empty');
    fs.mkdirSync(path.join(empty, 'sys/bus/pci/devices'), { recursive: true });
    const r = run(empty);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/no PCI devices found under .*empty\/sys\/bus\/pci\/devices/);
  });

  it('a missing tree is the same error', () => {
    const r = run(path.join(tmp, 'does-not-exist'));
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/no PCI devices found/);
  });

  it('--help prints usage, exit 0; an unknown argument exits 2', () => {
    const h = run(tmp, ['--help']);
    expect(h.status).toBe(0);
    expect(h.stdout).toMatch(/^Usage: collect-host.sh/);
    expect(h.stdout).toMatch(/SYSFS_ROOT/);
    const bad = run(tmp, ['--frobnicate']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/unknown argument '--frobnicate'/);
  });
});
