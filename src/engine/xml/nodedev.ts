import type { Result } from '../errors.ts';
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
  const scanned = scanElements(body);
  if (!scanned.ok) {
    const { offset, message } = scanned.error;
    if (message === 'nested too deeply') return fail({ code: 'malformed-xml', file, message: 'the host XML has elements nested too deeply to read (node-device XML nests about five levels)' });
    const { line, column } = lineColumn(body, offset);
    return fail({ code: 'malformed-xml', file, line, column, message });
  }
  const root = scanned.root;
  if (elementNames(root).length === 0) {
    return fail({ code: 'not-node-devices', file, message: 'found no XML elements; expected node-device XML (virsh nodedev-dumpxml)' });
  }

  const topNames = elementNames(root);
  let devices = children(root, 'device');
  if (devices.length === 0 && topNames.length === 1) {
    // Devices wrapped in one root of any name (`<devices>`, `<host>`, ...).
    const only = first(root[topNames[0] as string]);
    if (only !== undefined && typeof only !== 'string') devices = children(only, 'device');
  }
  if (devices.length === 0) {
    const found = topNames.length === 0 ? 'no elements' : topNames.map((n) => `<${n}>`).join(', ');
    return fail({
      code: 'not-node-devices',
      file,
      message: `this is not node-device XML: found ${found}, expected <device> elements as virsh nodedev-dumpxml prints them`,
    });
  }

  const deviceLines = deviceStartLines(body);
  const full = new Map<string, { device: HostDevice; line: number | undefined }>();
  const listedGroup = new Map<string, { group: number; pci: PciAddress; line: number | undefined }>();
  const skipped = new Map<string, number>();

  for (const [i, dev] of devices.entries()) {
    if (typeof dev === 'string') continue;
    const line = deviceLines[i];
    const caps = children(dev, 'capability');
    const pciCap = caps.find((c) => attr(c, 'type') === 'pci');
    if (pciCap === undefined || typeof pciCap === 'string') {
      const kind = caps.map((c) => attr(c, 'type') ?? '?').join('+') || 'no capability';
      skipped.set(kind, (skipped.get(kind) ?? 0) + 1);
      continue;
    }
    const read = readPciDevice(dev, pciCap);
    if (typeof read === 'string') return fail({ code: 'not-node-devices', file, line, column: line === undefined ? undefined : 1, message: read });
    const { device, members } = read;
    const earlier = full.get(device.address);
    if (earlier) {
      if (JSON.stringify(earlier.device) === JSON.stringify(device)) continue;
      const where = earlier.line === undefined ? '' : ` (first at line ${earlier.line})`;
      return fail({
        code: 'not-node-devices',
        file,
        line,
        column: line === undefined ? undefined : 1,
        message: `PCI device ${device.address} is described twice with different content${where}`,
      });
    }
    full.set(device.address, { device, line });
    if (device.iommuGroup !== undefined) {
      // A device is in exactly one IOMMU group (its iommu_group link in sysfs): a file that puts it
      // in two was edited or stitched from two hosts, and every isolation verdict would be wrong.
      for (const [key, pci] of [[device.address, device.pci] as const, ...members.map((m) => [formatPciAddress(m), m] as const)]) {
        const known = listedGroup.get(key);
        if (known && known.group !== device.iommuGroup) {
          const where = known.line === undefined ? '' : ` (line ${known.line})`;
          return fail({ code: 'not-node-devices', file, line, column: line === undefined ? undefined : 1, message: `PCI device ${key} is listed in IOMMU group ${known.group}${where} and in IOMMU group ${device.iommuGroup}; a device belongs to one group` });
        }
        if (!known) listedGroup.set(key, { group: device.iommuGroup, pci, line });
      }
    }
  }

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

function readPciDevice(
  dev: Exclude<XNode, string>,
  cap: Exclude<XNode, string>,
): { device: HostDevice; members: PciAddress[] } | string {
  const name = textOf(first(dev['name']));
  const what = name ? `device ${name}` : 'a PCI <device>';
  const fields = ['domain', 'bus', 'slot', 'function'] as const;
  const values = fields.map((f) => decimal(textOf(first(cap[f]))));
  for (const [i, v] of values.entries()) {
    if (v === undefined) return `${what}: <${fields[i] as string}> is missing or not a decimal number`;
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

function elementNames(node: Exclude<XNode, string>): string[] {
  return Object.keys(node).filter((k) => !k.startsWith('@_') && !k.startsWith('?') && k !== '#text');
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

/** 1-based line of each `<device` start tag in document order, comments and CDATA ignored. */
function deviceStartLines(body: string): number[] {
  const masked = body.replace(/<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>/g, (c) => c.replace(/[^\n\r]/g, ' '));
  const lines: number[] = [];
  // One pass, counting newlines as we go (lineColumn per match would be quadratic).
  let line = 1;
  let from = 0;
  for (const m of masked.matchAll(/<device[\s>/]/g)) {
    for (let i = masked.indexOf('\n', from); i !== -1 && i < m.index; i = masked.indexOf('\n', i + 1)) line++;
    from = m.index;
    lines.push(line);
  }
  return lines;
}
