/**
 * The host's PCI devices as libvirt node-device XML, read from sysfs: the TypeScript twin of
 * scripts/collect-host.sh (same reads, same output, byte for byte inside <devices>; test/collect.test.ts
 * holds them to it), for `pcitopo collect` when libvirt does not answer. The package ships no
 * shell script, and this needs no bash.
 *
 * Reads $SYSFS_ROOT/sys/bus/pci/devices/* (address, class, ids, driver, NUMA node, SR-IOV links),
 * $SYSFS_ROOT/sys/kernel/iommu_groups/* and config space (PCI Express capability, header type), as
 * libvirt's own virPCIDevice code and nodedev driver do (src/util/virpci.c, node_device_udev.c).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, openSync, readSync, closeSync, readdirSync, readFileSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

const ADDRESS = /^[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$/;
const isAddress = (s: string): boolean => ADDRESS.test(s);

function firstLine(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n')[0] ?? '';
  } catch {
    return '';
  }
}

function linkBase(link: string): string {
  try {
    if (!lstatSync(link).isSymbolicLink()) return '';
    return basename(readlinkSync(link));
  } catch {
    return '';
  }
}

const isLink = (p: string): boolean => {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
};

const isDir = (p: string): boolean => {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
};

/** Up to 256 bytes of config space; unprivileged reads get 64. */
function readConfig(dev: string): Uint8Array {
  let fd: number | undefined;
  try {
    fd = openSync(join(dev, 'config'), 'r');
    const buf = new Uint8Array(256);
    let n = 0;
    for (;;) {
      const got = readSync(fd, buf, n, 256 - n, null);
      if (got <= 0) break;
      n += got;
      if (n >= 256) break;
    }
    return buf.subarray(0, n);
  } catch {
    return new Uint8Array(0);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** PCI spec: status bit 4 says there is a capability list, its head at 0x34; the PCI Express capability is id 0x10. */
function findPcie(cfg: Uint8Array): 'yes' | 'no' | 'unknown' {
  if (cfg.length < 64) return 'unknown';
  if (((cfg[6] as number) & 0x10) === 0) return 'no';
  let ptr = (cfg[0x34] as number) & 0xfc;
  for (let hops = 0; ptr !== 0 && hops < 48; hops++) {
    if (ptr + 1 >= cfg.length) return 'unknown';
    if (cfg[ptr] === 0x10) return 'yes';
    ptr = (cfg[ptr + 1] as number) & 0xfc;
  }
  return 'no';
}

/** "8.0 GT/s PCIe" -> 8, "2.5 GT/s" -> 2.5, as libvirt writes link speeds */
function linkSpeed(text: string): string {
  let s = text.split(' ')[0] ?? '';
  if (s.endsWith('.0')) s = s.slice(0, -2);
  return /^[0-9]+(\.[0-9]+)?$/.test(s) ? s : '';
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/'/g, '&apos;').replace(/"/g, '&quot;');
const hexAttrs = (a: string): string => `<address domain='0x${a.slice(0, 4)}' bus='0x${a.slice(5, 7)}' slot='0x${a.slice(8, 10)}' function='0x${a.slice(11, 12)}'/>`;

/** `lspci -mm -D` once: address -> [vendor name, device name]. Empty when lspci is missing. */
function lspciNames(lspci: string): Map<string, [string, string]> {
  const out = new Map<string, [string, string]>();
  const r = spawnSync(lspci, ['-mm', '-D'], { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0 || typeof r.stdout !== 'string') return out;
  for (const line of r.stdout.split('\n')) {
    const m = /^(\S+) "[^"]*" +"([^"]*)" +"([^"]*)"/.exec(line);
    if (m) out.set((m[1] as string).toLowerCase(), [m[2] as string, m[3] as string]);
  }
  return out;
}

function deviceXml(rootReal: string, groupsDir: string, dev: string, addr: string, names: Map<string, [string, string]>): string {
  const lines: string[] = [];
  let real = dev;
  try {
    real = realpathSync(dev);
  } catch {
    // a dangling link: name it as found
  }
  const path = rootReal && real.startsWith(rootReal) ? real.slice(rootReal.length) : real;
  const parentAddr = basename(dirname(real));
  const parent = isAddress(parentAddr) ? `pci_${parentAddr.replace(/[:.]/g, '_')}` : 'computer';
  const driver = linkBase(join(dev, 'driver'));
  const cls = firstLine(join(dev, 'class'));
  const vendor = firstLine(join(dev, 'vendor'));
  const product = firstLine(join(dev, 'device'));
  const numa = firstLine(join(dev, 'numa_node'));
  const totalvfs = firstLine(join(dev, 'sriov_totalvfs'));
  const group = linkBase(join(dev, 'iommu_group'));
  const physfn = linkBase(join(dev, 'physfn'));
  const cfg = readConfig(dev);
  let pcie = findPcie(cfg);
  // The kernel shows max_link_speed only for PCI Express devices (pcie_dev_attrs).
  if (pcie === 'unknown') pcie = existsSync(join(dev, 'max_link_speed')) ? 'yes' : 'no';
  let header = -1;
  if (cfg.length > 14) header = (cfg[14] as number) & 0x7f;
  else if (/^0x060[49]/.test(cls)) header = 1;
  else if (cls.startsWith('0x0607')) header = 2;
  const [vendorName, productName] = names.get(addr.toLowerCase()) ?? ['', ''];

  lines.push('<device>', `  <name>${esc(`pci_${addr.replace(/[:.]/g, '_')}`)}</name>`, `  <path>${esc(path)}</path>`, `  <parent>${parent}</parent>`);
  if (driver) lines.push('  <driver>', `    <name>${esc(driver)}</name>`, '  </driver>');
  lines.push("  <capability type='pci'>");
  if (/^0x[0-9a-fA-F]{1,6}$/.test(cls)) lines.push(`    <class>0x${parseInt(cls, 16).toString(16).padStart(6, '0')}</class>`);
  lines.push(
    `    <domain>${parseInt(addr.slice(0, 4), 16)}</domain>`,
    `    <bus>${parseInt(addr.slice(5, 7), 16)}</bus>`,
    `    <slot>${parseInt(addr.slice(8, 10), 16)}</slot>`,
    `    <function>${parseInt(addr.slice(11, 12), 16)}</function>`,
  );
  lines.push(productName ? `    <product id='${esc(product)}'>${esc(productName)}</product>` : `    <product id='${esc(product)}'/>`);
  lines.push(vendorName ? `    <vendor id='${esc(vendor)}'>${esc(vendorName)}</vendor>` : `    <vendor id='${esc(vendor)}'/>`);
  if (isAddress(physfn)) lines.push("    <capability type='phys_function'>", `      ${hexAttrs(physfn)}`, '    </capability>');
  const vfs: string[] = [];
  for (let i = 0; isLink(join(dev, `virtfn${i}`)); i++) {
    const vf = linkBase(join(dev, `virtfn${i}`));
    if (isAddress(vf)) vfs.push(vf);
  }
  const total = /^[0-9]+$/.test(totalvfs) && Number(totalvfs) > 0;
  if (total || vfs.length > 0) {
    const max = total ? ` maxCount='${totalvfs}'` : '';
    if (vfs.length === 0) lines.push(`    <capability type='virt_functions'${max}/>`);
    else lines.push(`    <capability type='virt_functions'${max}>`, ...vfs.map((vf) => `      ${hexAttrs(vf)}`), '    </capability>');
  }
  if (header === 1) lines.push("    <capability type='pci-bridge'/>");
  else if (header === 2) lines.push("    <capability type='cardbus-bridge'/>");
  if (/^[0-9]+$/.test(group)) {
    let members = join(groupsDir, group, 'devices');
    if (!isDir(members)) members = join(dev, 'iommu_group', 'devices');
    lines.push(`    <iommuGroup number='${group}'>`);
    let listed = 0;
    if (isDir(members)) {
      for (const m of readdirSync(members).sort()) {
        if (!isAddress(m)) continue;
        lines.push(`      ${hexAttrs(m)}`);
        listed++;
      }
    }
    if (listed === 0) lines.push(`      ${hexAttrs(addr)}`);
    lines.push('    </iommuGroup>');
  }
  if (/^[0-9]+$/.test(numa)) lines.push(`    <numa node='${numa}'/>`);
  if (pcie === 'yes') {
    const ms = linkSpeed(firstLine(join(dev, 'max_link_speed')));
    const mw = firstLine(join(dev, 'max_link_width'));
    const cs = linkSpeed(firstLine(join(dev, 'current_link_speed')));
    const cw = firstLine(join(dev, 'current_link_width'));
    if (/^[0-9]+$/.test(mw)) {
      lines.push('    <pci-express>', `      <link validity='cap'${ms ? ` speed='${ms}'` : ''} width='${mw}'/>`);
      if (/^[0-9]+$/.test(cw)) lines.push(`      <link validity='sta'${cs ? ` speed='${cs}'` : ''} width='${cw}'/>`);
      lines.push('    </pci-express>');
    } else lines.push('    <pci-express/>');
  }
  lines.push('  </capability>', '</device>');
  return lines.map((l) => `  ${l}\n`).join('');
}

export interface SysfsHost {
  /** the whole document: node devices in one <devices> root */
  readonly xml: string;
  readonly devices: number;
}

/**
 * The PCI functions under `sysfsRoot`/sys (`''`: this machine's /sys) as one `<devices>` document,
 * or undefined when there is none (no sysfs, or a wrong root). Names come from `lspci` when reading
 * this machine and it is installed (as the script does).
 */
export function collectFromSysfs(sysfsRoot: string, lspci: string | undefined): SysfsHost | undefined {
  const devicesDir = join(sysfsRoot || '/', 'sys/bus/pci/devices');
  const groupsDir = join(sysfsRoot || '/', 'sys/kernel/iommu_groups');
  let addresses: string[];
  try {
    // byte order = the C locale's glob order: domain, bus, slot, function
    addresses = readdirSync(devicesDir).filter(isAddress).sort();
  } catch {
    return undefined;
  }
  if (addresses.length === 0) return undefined;
  let rootReal = '';
  if (sysfsRoot) {
    try {
      rootReal = realpathSync(sysfsRoot);
    } catch {
      rootReal = '';
    }
  }
  const names = lspci && !sysfsRoot ? lspciNames(lspci) : new Map<string, [string, string]>();
  const from = `${sysfsRoot}/sys`.replace(/-{2,}/g, '-');
  const body = addresses.map((a) => deviceXml(rootReal, groupsDir, join(devicesDir, a), a, names)).join('');
  const xml = `<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by pcitopo collect from ${from}: ${addresses.length} PCI functions, each a <device> as
     virsh nodedev-dumpxml prints it, wrapped in one <devices> root. pcitopo reads it as a host file. -->
<devices>
${body}</devices>
`;
  return { xml, devices: addresses.length };
}
