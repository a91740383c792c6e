import type { InputError, Result } from '../errors.ts';
import { fail, ok } from '../errors.ts';
import type { Host, HostDevice } from '../model/host.ts';
import { makeHost } from '../model/host.ts';
import type { PciAddress } from '../model/pci.ts';
import { formatPciAddress, parseLibvirtUint } from '../model/pci.ts';
import type { XNode } from './elementTree.ts';
import { scanElements } from './elementTree.ts';
import { checkXmlInput, lineColumn } from './safety.ts';

/**
 * Host import: node-device XML as `virsh nodedev-dumpxml` prints it (libvirt docs/formatnode.rst,
 * src/conf/schemas/nodedev.rng), in the three shapes users have at hand:
 *  - one `<device>` document;
 *  - several concatenated, each possibly with its own `<?xml?>` declaration (a shell loop over
 *    `virsh nodedev-list --cap pci`, or scripts/collect-host.sh);
 *  - devices wrapped in one root element of any name.
 * All three are read as the children of one element (elementTree.ts, a strict single-pass reader:
 * host import is linear in its size, DESIGN.md §7). The declarations are blanked in place, so
 * positions stay the file's own.
 */

export function importHost(text: string, file?: string): Result<Host> {
  const refused = checkXmlInput(text, file, 'the host XML');
  if (refused) return fail(refused);
  // /^\s*$/ is trim() === '' (U+FEFF included) without copying a file of megabytes twice
  if (/^\s*$/.test(text)) {
    return fail({ code: 'not-node-devices', file, message: 'the host file is empty; expected node-device XML (virsh nodedev-dumpxml)' });
  }

  const body = blankDeclarations(text.replace(/^\uFEFF/, ' '));
  // Devices are read as the scan closes them (elementTree.ts TakeElement), so a host of thousands
  // never stands as one tree in memory (DESIGN.md §7: 2,048 devices in under 50 ms). Two readings
  // run side by side, since which applies is known only at the end: the document's own <device>
  // children, and the <device> children of its first element (devices wrapped in a root).
  const direct = newReading();
  const wrapped = newReading();
  const topNames: string[] = [];
  let topElements = 0;
  const scanned = scanElements(body, (name, value, depth, offset, parent) => {
    if (depth === 1) {
      topElements++;
      if (!topNames.includes(name)) topNames.push(name);
      if (name !== 'device') return false;
      readDevice(direct, value, offset, body, file);
      return true;
    }
    if (name !== 'device' || parent === 'device' || topElements > 0) return false;
    readDevice(wrapped, value, offset, body, file);
    return true;
  });
  if (!scanned.ok) {
    const { offset, message } = scanned.error;
    const { line, column } = lineColumn(body, offset);
    if (message === 'nested too deeply') return fail({ code: 'malformed-xml', file, line, column, message: 'the host XML has elements nested too deeply to read (node-device XML nests about five levels)' });
    return fail({ code: 'malformed-xml', file, line, column, message });
  }
  if (topNames.length === 0) {
    return fail({ code: 'not-node-devices', file, message: 'found no XML elements; expected node-device XML (virsh nodedev-dumpxml)' });
  }
  // Devices wrapped in one root of any name (`<devices>`, `<host>`, ...) count when the document has no <device> of its own.
  const reading = direct.devices > 0 ? direct : topNames.length === 1 ? wrapped : direct;
  if (reading.devices === 0) {
    const found = topNames.map((n) => `<${n}>`).join(', ');
    return fail({
      code: 'not-node-devices',
      file,
      message: `this is not node-device XML: found ${found}, expected <device> elements as virsh nodedev-dumpxml prints them`,
    });
  }
  if (reading.failure) return fail(reading.failure);
  const { full, listedGroup, skipped } = reading;

  if (full.size === 0) {
    const what = [...skipped].map(([k, n]) => `${n} × ${k}`).join(', ');
    return fail({
      code: 'not-node-devices',
      file,
      message: `no PCI device in the host XML (found ${what} node devices); export them with virsh nodedev-dumpxml for each device of virsh nodedev-list --cap pci`,
    });
  }

  // Group members without a <device> of their own (a partial dump) still belong to the group:
  // the rules need whole groups, since a group is assigned (or isolated) as one.
  const all: HostDevice[] = [...full.values()].map((x) => x.device);
  for (const [address, { group, pci }] of listedGroup) {
    if (full.has(address)) continue;
    all.push({ address, pci, iommuGroup: group, pcie: false, bridge: false, virtFunctions: [] });
  }
  return ok(makeHost(all, file));
}

/** What the <device> elements of one reading gave so far; `failure` is the first device that stops the import. */
interface Reading {
  devices: number;
  readonly full: Map<string, { device: HostDevice; offset: number }>;
  readonly listedGroup: Map<string, { group: number; pci: PciAddress; offset: number }>;
  readonly skipped: Map<string, number>;
  failure?: InputError;
}

const newReading = (): Reading => ({ devices: 0, full: new Map(), listedGroup: new Map(), skipped: new Map() });

/** Reads one <device> into the reading, in document order; after a failure the rest only count. */
function readDevice(reading: Reading, dev: XNode, offset: number, body: string, file: string | undefined): void {
  reading.devices++;
  if (reading.failure || typeof dev === 'string') return;
  const at = (message: string): InputError => ({ code: 'not-node-devices', file, ...lineColumn(body, offset), message });
  const lineOf = (o: number): number => lineColumn(body, o).line;
  const caps = children(dev, 'capability');
  const pciCap = caps.find((c) => attr(c, 'type') === 'pci');
  if (pciCap === undefined || typeof pciCap === 'string') {
    const kind = caps.map((c) => attr(c, 'type') ?? '?').join('+') || 'no capability';
    reading.skipped.set(kind, (reading.skipped.get(kind) ?? 0) + 1);
    return;
  }
  const read = readPciDevice(dev, pciCap);
  if (typeof read === 'string') {
    reading.failure = at(read);
    return;
  }
  const { device, members } = read;
  const earlier = reading.full.get(device.address);
  if (earlier) {
    if (JSON.stringify(earlier.device) === JSON.stringify(device)) return;
    reading.failure = at(`PCI device ${device.address} is described twice with different content (first at line ${lineOf(earlier.offset)})`);
    return;
  }
  reading.full.set(device.address, { device, offset });
  if (device.iommuGroup === undefined) return;
  // A device is in exactly one IOMMU group (its iommu_group link in sysfs): a file that puts it
  // in two was edited or stitched from two hosts, and every isolation verdict would be wrong.
  const check = (key: string, pci: PciAddress): boolean => {
    const known = reading.listedGroup.get(key);
    if (known && known.group !== device.iommuGroup) {
      reading.failure = at(`PCI device ${key} is listed in IOMMU group ${known.group} (line ${lineOf(known.offset)}) and in IOMMU group ${String(device.iommuGroup)}; a device belongs to one group`);
      return false;
    }
    if (!known) reading.listedGroup.set(key, { group: device.iommuGroup as number, pci, offset });
    return true;
  };
  if (!check(device.address, device.pci)) return;
  for (const m of members) if (!check(formatPciAddress(m), m)) return;
}

function readPciDevice(
  dev: Exclude<XNode, string>,
  cap: Exclude<XNode, string>,
): { device: HostDevice; members: PciAddress[] } | string {
  const name = textOf(first(dev['name']));
  const what = name ? `device ${name}` : 'a PCI <device>';
  const fields = ['domain', 'bus', 'slot', 'function'] as const;
  const values = fields.map((f) => decimal(textOf(first(cap[f]))));
  for (let i = 0; i < values.length; i++) {
    if (values[i] === undefined) return `${what}: <${fields[i] as string}> is missing or not a decimal number`;
  }
  let pci: PciAddress = { domain: values[0] as number, bus: values[1] as number, slot: values[2] as number, function: values[3] as number };
  if (!inRange(pci)) {
    // libvirt itself accepts any unsigned int here (its own test data has bus 4294967295); the
    // node name is libvirt's pci_DDDD_BB_SS_F spelling of the same address, so use it instead.
    const fromName = name === undefined ? undefined : addressFromName(name);
    if (!fromName) return `${what}: PCI address ${fields.map((f, i) => `${f} ${String(values[i])}`).join(', ')} is out of range`;
    pci = fromName;
  }

  const product = first(cap['product']);
  const vendor = first(cap['vendor']);
  const subcaps = children(cap, 'capability');
  const subcap = (type: string) => subcaps.find((c) => attr(c, 'type') === type);
  const phys = subcap('phys_function');
  const virt = subcap('virt_functions');
  const group = first(cap['iommuGroup']);
  const groupNumber = group === undefined ? undefined : decimal(attr(group, 'number'));
  if (group !== undefined && groupNumber === undefined) return `${what}: <iommuGroup number> is missing or not a number`;
  const numa = first(cap['numa']);
  const numaNode = numa === undefined ? undefined : decimal(attr(numa, 'node'));

  const physAddress = phys === undefined ? undefined : addresses(phys)[0];
  const maxCount = virt === undefined ? undefined : parseLibvirtUint(attr(virt, 'maxCount'));
  const device: HostDevice = {
    address: formatPciAddress(pci),
    pci,
    name,
    vendorId: attr(vendor, 'id'),
    vendorName: textOf(vendor),
    productId: attr(product, 'id'),
    productName: textOf(product),
    classCode: textOf(first(cap['class'])),
    driver: textOf(first(children(first(dev['driver']), 'name'))),
    iommuGroup: groupNumber,
    numaNode,
    pcie: cap['pci-express'] !== undefined,
    bridge: subcap('pci-bridge') !== undefined || subcap('cardbus-bridge') !== undefined,
    physFunction: physAddress === undefined ? undefined : formatPciAddress(physAddress),
    virtFunctions: virt === undefined ? [] : addresses(virt).map(formatPciAddress),
    sriovMaxVfs: maxCount,
  };
  return { device, members: group === undefined ? [] : addresses(group) };
}

/** `<address domain='0x0000' bus='0x02' slot='0x00' function='0x1'/>` children: hex, read like libvirt (strtoul base 0). */
function addresses(node: XNode | undefined): PciAddress[] {
  const out: PciAddress[] = [];
  for (const a of children(node, 'address')) {
    const domain = parseLibvirtUint(attr(a, 'domain'));
    const bus = parseLibvirtUint(attr(a, 'bus'));
    const slot = parseLibvirtUint(attr(a, 'slot'));
    const fn = parseLibvirtUint(attr(a, 'function'));
    if (domain === undefined || bus === undefined || slot === undefined || fn === undefined) continue;
    const pci = { domain, bus, slot, function: fn };
    if (inRange(pci)) out.push(pci);
  }
  return out;
}

function inRange(a: PciAddress): boolean {
  return a.domain <= 0xffff && a.bus <= 0xff && a.slot <= 0x1f && a.function <= 7;
}

function addressFromName(name: string): PciAddress | undefined {
  const m = /^pci_([0-9a-f]{4})_([0-9a-f]{2})_([0-9a-f]{2})_([0-7])$/i.exec(name);
  if (!m) return undefined;
  const pci = { domain: parseInt(m[1] as string, 16), bus: parseInt(m[2] as string, 16), slot: parseInt(m[3] as string, 16), function: parseInt(m[4] as string, 16) };
  return inRange(pci) ? pci : undefined;
}

/** libvirt reads these with virXPathUInt: base 10. */
function decimal(text: string | undefined): number | undefined {
  if (text === undefined || !/^\s*\d+\s*$/.test(text)) return undefined;
  const n = parseInt(text, 10);
  return Number.isSafeInteger(n) ? n : undefined;
}

function first(v: unknown): XNode | undefined {
  return Array.isArray(v) ? (v[0] as XNode | undefined) : undefined;
}

function children(node: XNode | undefined, name: string): XNode[] {
  if (node === undefined || typeof node === 'string') return [];
  const v = node[name];
  return Array.isArray(v) ? (v as XNode[]) : [];
}

function attr(node: XNode | undefined, name: string): string | undefined {
  if (node === undefined || typeof node === 'string') return undefined;
  const v = node[`@_${name}`];
  return typeof v === 'string' ? decodeEntities(v) : undefined;
}

/** Element text, entity-decoded; undefined when empty (libvirt omits unknown names that way). */
function textOf(node: XNode | undefined): string | undefined {
  if (node === undefined) return undefined;
  const raw = typeof node === 'string' ? node : node['#text'];
  if (typeof raw !== 'string') return undefined;
  const t = decodeEntities(raw).trim();
  return t === '' ? undefined : t;
}

// Entity processing is off in the parser (no expansion tricks); the predefined entities and
// character references are all libvirt writes, so decode just those.
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);/g, (whole, e: string) => {
    if (e.startsWith('#')) {
      const code = e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED[e] ?? whole;
  });
}

/** Blanks `<?xml …?>` declarations (legal only at a document's start) keeping every newline. */
function blankDeclarations(text: string): string {
  return text.replace(/<\?xml(?=[\s?])[\s\S]*?\?>/g, (d) => d.replace(/[^\n\r]/g, ' '));
}
