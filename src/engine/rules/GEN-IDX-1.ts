import type { Finding, Rule, RuleMeta } from './types.ts';
import type { RuleContext } from './context.ts';
import type { GuestDevice, PciController, WrittenMemnode } from '../model/guest.ts';
import { controllerText, finding, nextFreeIndex } from './context.ts';
import { globalRule } from './define.ts';
import { atDefine, indexesPastLimitAtDefine, placesAnything } from './atDefine.ts';
import { deviceName } from './fixes.ts';
import { invalidControllerNumberMessage, invalidDomainNumberMessage, invalidIndexMessage, isAddressAttribute } from '../libvirt/controllerParse.ts';
import { virDomainNumaDefParseXMLError, virDomainNumatuneNodeParseXMLError, writtenMemnodes } from '../libvirt/numaConf.ts';
import { ctrl, design, dev, guest, phb, pseries, q35 } from './testkit.ts';

const meta: RuleMeta = {
  id: 'GEN-IDX-1',
  severity: 'error',
  title: 'Controller indexes (and ports, NUMA cell ids) are non-negative integers; PCI ones 0-255 and unique, cell ids 0 to n-1 once each',
  why: "The index is the bus number addresses use; libvirt refuses an index above 255 and two PCI controllers with the same index. Any controller's index (usb, scsi, sata, …), `ports` or virtio-serial `vectors` that is not a non-negative base-10 integer makes libvirt refuse the domain when it parses it, and so does a NUMA <cell id> or <memnode cellid> that is not a non-negative base-10 integer, a cell id that is not below the number of cells or that another cell has, and a memnode cellid that names no cell; so does a <memnode> without cellid or nodeset, a second one for a cell, one whose mode or nodeset libvirt cannot read or whose nodeset names no node, and memnodes without NUMA cells.",
  source: 'libvirt src/conf/domain_validate.c virDomainControllerDefValidate ("PCI controller index N too high"); domain_conf.c parser ("Multiple \'pci\' controllers with index"); domain_conf.c virDomainControllerDefParseXML, every controller type (virXMLPropInt base 10, VIR_XML_PROP_NONNEGATIVE: "Invalid value for attribute \'index\' in element \'controller\': \'x\'. Expected integer value"; checked with libvirt 9.0); src/conf/numa_conf.c virDomainNumaDefParseXML (cell id: virXMLPropUIntDefault base 10, its position when not written) and virDomainNumatuneNodeParseXML (memnode cellid: virXMLPropUInt base 10, then below the number of cells), libvirt 10.7; the same refusals checked with libvirt 9.0: "Invalid value for attribute \'id\' in element \'cell\': \'0x1\'. Expected non-negative integer value", "Exactly one \'cell\' element per guest NUMA cell allowed, …", "Duplicate NUMA cell info for cell id \'0\'", "Argument \'cellid\' in memnode element must correspond to existing guest\'s NUMA cell"; and, libvirt 9.0, virDomainNumatuneNodeParseXML\'s other refusals: "Element \'memnode\' is invalid without any guest NUMA cells", "Missing required attribute \'cellid\' in element \'memnode\'", "Multiple memnode elements with cellid 1", "Invalid value for attribute \'mode\' in element \'memnode\': \'x\'.", "Missing required nodeset attribute in memnode element", "Failed to parse bitmap \'x\'" (src/util/virbitmap.c virBitmapParse, nodes below VIR_DOMAIN_CPUMASK_LEN 16384), "Invalid value of \'nodeset\': 0,^0"',
  families: 'all',
};

export const rule: Rule = globalRule(meta, (ctx) => {
  const out: Finding[] = [];
  // NUMA numbers (Guest.unreadable): libvirt reads them before the devices
  for (const u of ctx.guest.unreadable ?? []) out.push(finding(meta, `<${u.slice(0, u.indexOf(' '))}> has ${u.slice(u.indexOf(' ') + 1)}: libvirt expects a non-negative base-10 integer and refuses the domain ("${invalidDomainNumberMessage(u)}").`, {}));
  // then their numbering: ids 0 to n-1, each once; memnodes name a cell
  const cells = ctx.guest.numaCells;
  const numbering = virDomainNumaDefParseXMLError(cells);
  if (numbering) out.push(finding(meta, `The NUMA cell ids (${cells.map((c) => c.id ?? '?').join(', ')}) are not 0 to ${cells.length - 1}, each once: libvirt refuses the domain ("${numbering}").`, {}));
  const memnodes = writtenMemnodes(ctx.guest);
  const memnode = virDomainNumatuneNodeParseXMLError(memnodes, cells.length);
  if (memnode) out.push(finding(meta, `The <numatune> memnodes (cellids ${memnodes.map((m) => m.cellid ?? '(none)').join(', ')}; ${cells.length} cells) are not what libvirt reads: it refuses the domain ("${memnode}"). Each <memnode> names a cell by its cellid, no cell twice, with a nodeset of host nodes and, if written, a mode of strict, preferred, interleave or restrictive.`, {}));
  const seen = new Set<number>();
  let free = nextFreeIndex(ctx.guest);
  for (const c of ctx.guest.controllers) {
    const unreadable = c.unreadable?.find((u) => u.startsWith('index='));
    if (unreadable) {
      out.push(finding(meta, `A ${c.model || 'PCI'} controller has ${unreadable}: libvirt expects a non-negative integer and refuses the domain.`, {}));
      continue;
    }
    // `ports` is read on every controller type (virXMLPropInt base 10, non-negative)
    const ports = c.unreadable?.find((u) => u.startsWith('ports='));
    if (ports) out.push(finding(meta, `${controllerText(c)} has ${ports}: libvirt refuses the domain ("${invalidControllerNumberMessage(ports)}").`, { controllers: c.index !== undefined ? [c.index] : [] }));
    if (c.index === undefined) continue;
    if (c.index < 0) {
      out.push(finding(meta, `PCI controller index ${c.index} is invalid: libvirt expects a non-negative integer ("Invalid value for attribute 'index'").`, { controllers: [c.index] }));
    } else if (c.index > 255) {
      out.push(finding(meta, `PCI controller index ${c.index} is out of range: the maximum is 255.`, { controllers: [c.index] }));
    } else if (seen.has(c.index)) {
      const fix = free <= 255 ? [{ label: `Give the second controller ${c.index} the free index ${free}`, command: { kind: 'update-controller' as const, controller: c.key, changes: { index: free } } }] : undefined;
      free++;
      out.push(finding(meta, `Multiple PCI controllers with index ${c.index} (${controllerText(c)}).`, { controllers: [c.index] }, fix));
    }
    seen.add(c.index);
  }
  for (const d of ctx.guest.devices) {
    if (d.element !== 'controller') continue;
    for (const u of d.unreadableAttributes ?? []) if (!isAddressAttribute(u)) out.push(finding(meta, `${deviceName(d)} has ${u}: libvirt expects a non-negative integer and refuses the domain ("${invalidControllerNumberMessage(u)}").`, { devices: [d.key] }));
    if (d.unreadableIndex === undefined) continue;
    out.push(finding(meta, `${deviceName(d)} has index='${d.unreadableIndex}': libvirt expects a non-negative integer and refuses the domain ("${invalidIndexMessage(d.unreadableIndex)}").`, { devices: [d.key] }));
  }
  // the indexes libvirt gives at define: only once the written ones are readable and in range, as
  // its parser refuses those first
  if (out.length === 0) out.push(...pastLimitAtDefine(ctx));
  return out;
});

/** The controllers libvirt adds past index 255 at define ({@link indexesPastLimitAtDefine}): one finding naming the first and how many. */
function pastLimitAtDefine(ctx: RuleContext): Finding[] {
  const past = indexesPastLimitAtDefine(ctx, atDefine(ctx, placesAnything));
  const first = past[0];
  if (!first) return [];
  return [
    finding(
      meta,
      `At define, libvirt adds ${past.length} PCI controller${past.length === 1 ? '' : 's'} past index 255 for the buses the devices and controllers written without an address need (the first, a ${first.model}, index ${first.index}) and refuses the domain ("PCI controller index ${first.index} too high, maximum is 255"): libvirt gives each PCIe device it places a root port of its own, so leave fewer devices without an address, or write their addresses so several share a bus (the functions of one slot, a pcie-to-pci-bridge).`,
      {},
    ),
  ];
}

const nicsWithoutAddress = (n: number): GuestDevice[] => [
  ...Array.from({ length: n }, (_, i) => dev(`net${i}`, 'interface', undefined, { model: 'virtio' })),
  dev('usb', 'controller', undefined, { type: 'usb', model: 'none' }),
  dev('mb', 'memballoon', undefined, { model: 'none' }),
];
/** q35 with `cells` NUMA cells and these memnodes as written. */
const memnodes = (written: readonly WrittenMemnode[], cells = 2) => design({ ...guest({ machine: 'q35', numaCells: cells }), memnodesWritten: written });

/** Root ports 1-240 at 00:01.0-00:1e.7 (every function of pcie-root libvirt gives a port), 241-255 without an address. */
const rootPortsFillingPcieRoot = (): PciController[] =>
  Array.from({ length: 255 }, (_, i) =>
    i < 240 ? ctrl('pcie-root-port', i + 1, { address: { domain: 0, bus: 0, slot: 1 + Math.floor(i / 8), function: i % 8, ...(i % 8 === 0 ? { multifunction: 'on' as const } : {}) } }) : ctrl('pcie-root-port', i + 1),
  );

export const cases = {
  pass: [
    { name: 'distinct indexes', design: pseries([phb(1), phb(2)], []) },
    { name: 'NUMA cells and memnodes with readable ids', design: q35([], [], undefined, { numaCells: 2, memnodes: { 0: '0', 1: '1' } }) },
    // libvirt 9.0 takes each: no mode, mode restrictive, blanks and ranges in the nodeset, a node taken out of a range
    { name: 'memnodes as libvirt reads them', design: memnodes([{ cellid: 0, nodeset: ' 0 - 1 ' }, { cellid: 1, mode: 'restrictive', nodeset: '0-3,^2' }]) },
    { name: 'NUMA cells written with ids 1 then 0', design: design({ ...guest({ machine: 'q35' }), numaCells: [{ id: 1 }, { id: 0 }] }) },
    { name: 'non-PCI controllers with readable indexes, or none written', design: q35([], [dev('usb', 'controller', undefined, { type: 'usb', model: 'qemu-xhci', index: 0 }), dev('sata', 'controller', undefined, { type: 'sata' })]) },
    // libvirt 9.0 defines it (test/real/index-limit.test.ts): the last root port it adds is index 255
    { name: 'libvirt adds root ports up to index 255 at define', design: q35([ctrl('pcie-expander-bus', 1)], nicsWithoutAddress(254)) },
    // what place writes for 260 virtio NICs on q35: 240 root ports fill pcie-root, 15 more are written
    // without an address, and the NICs beyond the ports would need ports past 255. libvirt 9.0 refuses
    // in its address assignment ("a PCI slot is needed to connect a PCI controller
    // model='pcie-root-port' …", GEN-CONNECT-1), before it validates any index
    { name: 'root ports libvirt finds no slot for: its address assignment refuses the domain before any index past 255', design: q35(rootPortsFillingPcieRoot(), nicsWithoutAddress(260)) },
  ],
  fail: [
    { name: 'two controllers index 1', design: pseries([phb(1), phb(1, { index: 2 }, { key: 'pci-dup' })], []), expect: { controllers: [1] } },
    { name: 'index 256', design: q35([ctrl('pci-bridge', 256)], []), expect: { controllers: [256] } },
    // libvirt's own test pci-bridge-negative-index-invalid
    { name: 'index -1', design: q35([ctrl('pci-bridge', -1)], []), expect: { controllers: [-1] } },
    { name: "index='one' (unreadable)", design: q35([{ ...ctrl('pci-bridge', 1), index: undefined, unreadable: ["index='one'"] }], []), expect: {} },
    // libvirt 9.0: "Invalid value for attribute 'index' in element 'controller': 'x'. Expected integer value"
    { name: "a usb controller with index='x'", design: q35([], [dev('usb', 'controller', undefined, { type: 'usb', model: 'qemu-xhci', unreadableIndex: 'x' })]), expect: { devices: ['usb'] } },
    // "… '-1'. Expected non-negative value"
    // libvirt 9.0: "Invalid value for attribute 'ports' in element 'controller': '0x10'. Expected integer value" (base 10)
    { name: "a virtio-serial controller with ports='0x10'", design: q35([], [dev('vs', 'controller', undefined, { type: 'virtio-serial', index: 0, unreadableAttributes: ["ports='0x10'"] })]), expect: { devices: ['vs'] } },
    { name: "a PCI controller with ports='x'", design: q35([{ ...ctrl('pcie-root-port', 1), unreadable: ["ports='x'"] }], []), expect: { controllers: [1] } },
    // libvirt 9.0: "Invalid value for attribute 'id' in element 'cell': '0x1'. Expected non-negative integer value"
    { name: "a NUMA cell with id='0x1'", design: design({ ...guest({ machine: 'q35', numaCells: 1 }), numaCells: [{ id: 0 }, { id: undefined }], unreadable: ["cell id='0x1'"] }), expect: {} },
    // libvirt 9.0: "Invalid value for attribute 'cellid' in element 'memnode': 'x'. Expected non-negative integer value"
    { name: "a memnode with cellid='x'", design: design({ ...guest({ machine: 'q35', numaCells: 1 }), unreadable: ["memnode cellid='x'"] }), expect: {} },
    // libvirt 9.0: "Exactly one 'cell' element per guest NUMA cell allowed, non-contiguous ranges or ranges not starting from 0 are not allowed"
    { name: 'NUMA cell ids 0 and 2', design: design({ ...guest({ machine: 'q35' }), numaCells: [{ id: 0 }, { id: 2 }] }), expect: {} },
    // libvirt 9.0: "Duplicate NUMA cell info for cell id '0'"
    { name: 'two NUMA cells with id 0', design: design({ ...guest({ machine: 'q35' }), numaCells: [{ id: 0 }, { id: 0 }] }), expect: {} },
    // libvirt 9.0: "Argument 'cellid' in memnode element must correspond to existing guest's NUMA cell"
    { name: 'a memnode for cell 2 of 2', design: q35([], [], undefined, { numaCells: 2, memnodes: { 2: '0' } }), expect: {} },
    // libvirt 9.0: "PCI controller index 256 too high, maximum is 255" (test/real/index-limit.test.ts)
    { name: 'libvirt adds a root port at index 256 at define', design: q35([ctrl('pcie-expander-bus', 1)], nicsWithoutAddress(255)), expect: {} },
    // a controller written without an index gets the next free one when libvirt reads the domain
    {
      name: 'a root port written without an index, numbered 256 by libvirt as it reads the domain',
      design: q35([ctrl('pcie-expander-bus', 1), ...Array.from({ length: 254 }, (_, i) => ctrl('pcie-root-port', i + 2)), { ...ctrl('pcie-root-port', 256), index: undefined }], nicsWithoutAddress(0)),
      expect: {},
    },
    // libvirt 9.0 (virDomainNumatuneNodeParseXML), each in its words
    { name: 'a memnode without NUMA cells', design: memnodes([{ cellid: 0, nodeset: '0' }], 0), expect: {} },
    { name: 'a memnode without cellid', design: memnodes([{ nodeset: '0' }]), expect: {} },
    { name: 'two memnodes for cell 1', design: memnodes([{ cellid: 1, nodeset: '0' }, { cellid: 1, nodeset: '1' }]), expect: {} },
    { name: "a memnode with mode='x'", design: memnodes([{ cellid: 0, mode: 'x', nodeset: '0' }]), expect: {} },
    { name: 'a memnode without nodeset', design: memnodes([{ cellid: 0, mode: 'strict' }]), expect: {} },
    { name: "a memnode with nodeset='1-0'", design: memnodes([{ cellid: 0, nodeset: '1-0' }]), expect: {} },
    { name: "a memnode with nodeset='0,^0' (no node)", design: memnodes([{ cellid: 0, nodeset: '0,^0' }]), expect: {} },
    { name: "a scsi controller with index='-1'", design: q35([], [dev('scsi', 'controller', undefined, { type: 'scsi', model: 'virtio-scsi', unreadableIndex: '-1' })]), expect: { devices: ['scsi'] } },
  ],
};
