import { XmlError } from '@rgrove/parse-xml';
import type { Result } from '../errors.ts';
import { fail, ok } from '../errors.ts';
import type { ControllerTarget, Guest, GuestDevice, GuestDeviceElement, NumaCell, NumaMemnode, PciController, WrittenMemnode } from '../model/guest.ts';
import type { GuestPciAddress, PciAddress } from '../model/pci.ts';
import { parseLibvirtUint } from '../model/pci.ts';
import { deviceLabel, uniqueNames, type DeviceFacts } from '../model/names.ts';
import { deviceKeyer } from '../model/keys.ts';
import { localName, namespaceOf, qemuNamespaceOf } from './qemuNamespace.ts';
import { checkXmlInput, lineColumn } from './safety.ts';
import { virDomainControllerTypeOrder } from '../libvirt/domainConf.ts';
import type { DeviceLayout, DomainLayout, DomainSource, ElementSpan } from '../model/domainSource.ts';
import { indentBefore, scanStartTag } from './domainText.ts';
import type { DomElement } from './domainTree.ts';
import { FAST_MAX_DEPTH, firstNestedPast, parseDomainTree, readDomainTree } from './domainTree.ts';

/**
 * Reads a libvirt domain document into the model and remembers where each PCI-relevant element
 * sits in the text. The element tree comes from domainTree.ts: its single-pass reader, and
 * @rgrove/parse-xml for whatever that reader leaves (it decides what is not XML and says where),
 * both with the start and end offset of every element, which patching needs.
 */

/** `<devices>` children that can take a PCI address (RULES.md §1.3); `controller` is a non-PCI one. */
const DEVICE_ELEMENTS: ReadonlySet<string> = new Set<GuestDeviceElement>([
  'hostdev', 'interface', 'disk', 'controller', 'filesystem', 'video', 'sound', 'memballoon', 'rng',
  'watchdog', 'input', 'shmem', 'vsock', 'iommu', 'panic', 'serial', 'console', 'channel', 'memory', 'crypto',
  'redirdev', 'smartcard', 'tpm', 'nvram', 'pstore', 'hub',
]);

const elements = (el: DomElement): readonly DomElement[] => el.children;
/** The first child element named `name` (a loop, not `find`: no closure per call, several per device, cold). */
function child(el: DomElement | undefined, name: string): DomElement | undefined {
  if (el === undefined) return undefined;
  const kids = el.children;
  for (let i = 0; i < kids.length; i++) if ((kids[i] as DomElement).name === name) return kids[i];
  return undefined;
}

function span(el: DomElement): ElementSpan {
  return { start: el.start, end: el.end };
}

function uint(v: string | undefined): number | undefined {
  return parseLibvirtUint(v);
}

/**
 * A numeric attribute as libvirt reads it. A value that is written but cannot be read is noted in
 * `unreadable` (as `name='value'`) instead of silently becoming "not written", which libvirt would
 * fill in by itself. Negative integers are read as such: libvirt parses them and refuses them with
 * a message of its own (GEN-IDX-1).
 */
function numberAttr(v: string | undefined, name: string, unreadable: string[]): number | undefined {
  if (v === undefined) return undefined;
  const n = uint(v) ?? (/^\s*-[0-9]+\s*$/.test(v) ? parseInt(v, 10) : undefined);
  if (n === undefined) unreadable.push(`${name}='${v}'`);
  return n;
}

const UINT_MAX = 0xffffffff;

/**
 * A number as virStrToLong_uip(text, NULL, 10, …) reads it (src/util/virstring.c): white space and
 * a `+` may lead, then decimal digits only, up to UINT_MAX; no sign `-` (not even `-0`), no `0x`,
 * nothing after. libvirt reads the numbers of a drive, virtio-serial, ccid and usb `<address>` so
 * (virXMLPropUInt base 10: virDomainDeviceDriveAddressParseXML and its siblings, src/conf/device_conf.c)
 * and a NUMA `<cell id>` and `<memnode cellid>` (virDomainNumaDefParseXML, virDomainNumatuneParseXML,
 * src/conf/numa_conf.c). libvirt 9.0 refuses `controller='0x1'` and `id='-0'` ("… Expected
 * non-negative integer value") and reads `'01'` as 1, `' 1'` and `'+1'` as 1. Undefined when unreadable.
 */
function decimalUint(v: string): number | undefined {
  const m = /^[ \t\n\v\f\r]*\+?([0-9]+)$/.exec(v);
  if (!m) return undefined;
  const n = Number.parseInt(m[1] as string, 10);
  return n <= UINT_MAX ? n : undefined;
}

/**
 * The numbers each non-PCI `<address>` type has, all read by virXMLPropUInt() in base 10
 * (src/conf/device_conf.c, libvirt 10.7: virDomainDeviceDriveAddressParseXML,
 * virDomainDeviceVirtioSerialAddressParseXML, virDomainDeviceCcidAddressParseXML,
 * virDomainDeviceUSBAddressParseXML for `bus`; a usb `port` is dotted and read apart). Other
 * address types have no `controller` libvirt reads.
 */
const DECIMAL_ADDRESS_ATTRIBUTES: Readonly<Record<string, readonly string[]>> = {
  drive: ['controller', 'bus', 'target', 'unit'],
  'virtio-serial': ['controller', 'bus', 'port'],
  ccid: ['controller', 'slot'],
  usb: ['bus'],
};

/**
 * A spapr-vio `reg` as virDomainDeviceSpaprVioAddressParseXML() reads it: virXMLPropULongLong()
 * in base 16 (strtoull: white space, a `+` and a `0x` may lead; no `-`, nothing after, at most
 * 64 bits). libvirt 9.0 takes `2000`, `0X2000`, `+10` and refuses `-1`, `''`, `0x` and `x`.
 */
function spaprVioReg(v: string): number | undefined {
  const m = /^[ \t\n\v\f\r]*\+?(?:0[xX])?([0-9a-fA-F]+)$/.exec(v);
  if (!m) return undefined;
  const digits = (m[1] as string).replace(/^0+(?=.)/, '');
  return digits.length <= 16 ? Number.parseInt(digits, 16) : undefined;
}

/**
 * A PCI controller's `<target><node>` as virDomainControllerDefParseXML() reads it (src/conf/domain_conf.c,
 * libvirt 10.7 as 9.0): virXPathInt("string(./target/node)") in base 10, white space before and none
 * after, within an int. An empty `<node/>` is no node (virXPathInt returns -1, "not found"); `0x0`,
 * `x`, `'0 '`, `' '` and past INT_MAX are refused ("invalid NUMA node in target": noted in
 * `unreadable`); `+1` and `01` are 1, `-0` is 0. A negative one is read as such (libvirt refuses
 * it too, with the same words): PAPR-NUMA-1/2 and Q35-PXB-1 say so for the models that take a node.
 */
function numaNodeText(v: string | undefined, unreadable: string[]): number | undefined {
  if (v === undefined || v === '') return undefined;
  const m = /^[ \t\n\v\f\r]*([+-]?)([0-9]+)$/.exec(v);
  const n = m ? Number.parseInt(`${m[1] === '-' ? '-' : ''}${m[2] as string}`, 10) : undefined;
  if (n === undefined || n > INT_MAX || n < -INT_MAX - 1) {
    unreadable.push(`target node='${v}'`);
    return undefined;
  }
  // -0 is 0 (strtol), not a negative node
  return n === 0 ? 0 : n;
}

/** INT_MAX: virXMLPropInt() reads an int */
const INT_MAX = 0x7fffffff;

/**
 * A controller's `index`, of any type, read as libvirt reads it: virDomainControllerDefParseXML()
 * takes it with virXMLPropInt() in base 10 (src/conf/domain_conf.c, src/util/virxml.c), unlike
 * addresses and `<target>` numbers (base 0): `index='010'` is controller 10, and `index='0x1f'`,
 * `index='2147483648'` (past an int) or `index='1 '` are refused ("… Expected integer value"), so
 * they are unreadable here (GEN-IDX-1). A negative one is read: libvirt refuses it with a message
 * of its own ("… Expected non-negative value").
 */
function controllerIndexAttr(v: string | undefined, unreadable: string[]): number | undefined {
  if (v === undefined) return undefined;
  const m = /^[ \t\n\v\f\r]*([+-]?)([0-9]+)$/.exec(v);
  const n = m ? parseInt(`${m[1] === '-' ? '-' : ''}${m[2] as string}`, 10) : undefined;
  if (n === undefined || n > INT_MAX || n < -INT_MAX - 1) {
    unreadable.push(`index='${v}'`);
    return undefined;
  }
  return n;
}

function onOff(v: string | undefined): 'on' | 'off' | undefined {
  return v === 'on' || v === 'off' ? v : undefined;
}

/**
 * An on/off attribute as libvirt reads it: virXMLPropTristateSwitch() with VIR_XML_PROP_NONZERO
 * takes `on` and `off` only (not `default`, not ''), and refuses anything else at parse ("Invalid
 * value for attribute 'hotplug' in element 'target': 'x'."), so that is noted in `unreadable`.
 */
function onOffAttr(v: string | undefined, name: string, unreadable: string[]): 'on' | 'off' | undefined {
  if (v === undefined) return undefined;
  const s = onOff(v);
  if (s === undefined) unreadable.push(`${name}='${v}'`);
  return s;
}

/**
 * A `<controller ports>` (any type) or `vectors` (virtio-serial), read as virDomainControllerDefParseXML()
 * reads them: virXMLPropInt() in base 10 with VIR_XML_PROP_NONNEGATIVE, so `ports='0x10'`, `ports='x'`
 * and `ports='-1'` are refused at parse ("… Expected integer value" / "Expected non-negative value"),
 * and noted in `unreadable`.
 */
function controllerCountAttr(v: string | undefined, name: string, unreadable: string[]): number | undefined {
  if (v === undefined) return undefined;
  const n = controllerIndexAttr(v, []);
  if (n === undefined || n < 0) {
    unreadable.push(`${name}='${v}'`);
    return undefined;
  }
  return n;
}

/** A `<address domain bus slot function>`; libvirt treats a missing part as 0. Undefined when a part is not a number. */
function pciAddress(el: DomElement, unreadable: string[] = []): PciAddress | undefined {
  const part = (k: string): number | undefined => {
    const v = el.attributes[k];
    if (v === undefined) return 0;
    const n = uint(v);
    if (n === undefined) unreadable.push(`${k}='${v}'`);
    return n;
  };
  const domain = part('domain');
  const bus = part('bus');
  const slot = part('slot');
  const fn = part('function');
  // virPCIDeviceAddressParseXML reads multifunction with virXMLPropTristateSwitch: only on/off
  const multifunction = el.attributes.multifunction;
  if (multifunction !== undefined && onOff(multifunction) === undefined) unreadable.push(`multifunction='${multifunction}'`);
  if (domain === undefined || bus === undefined || slot === undefined || fn === undefined || unreadable.length > 0) return undefined;
  return { domain, bus, slot, function: fn };
}

interface AddressInfo {
  readonly address?: GuestPciAddress | undefined;
  readonly otherAddressType?: string | undefined;
  readonly unreadable?: string[] | undefined;
}

/** No PCI address (most devices, before placement): one object, not one per device. */
const NO_ADDRESS: AddressInfo = Object.freeze({});

/**
 * A device's `<address>`. `root` is true for pci-root/pcie-root, which libvirt refuses any address
 * on (Q35-ROOT-1), so theirs is kept as written.
 */
function guestAddress(el: DomElement | undefined, root = false): AddressInfo {
  if (!el) return NO_ADDRESS;
  const type = el.attributes.type;
  if (type !== 'pci') return { otherAddressType: type ?? '' };
  const unreadable: string[] = [];
  const a = pciAddress(el, unreadable);
  // An unreadable PCI address is kept as text, never rewritten; the rules report what cannot be read.
  if (!a) return { otherAddressType: 'pci', unreadable };
  // Domain, bus and slot all 0 (`<address type='pci'/>`, or one holding only <zpci>) is no address
  // to libvirt: the device wants one assigned (virDeviceInfoPCIAddressIsWanted,
  // virPCIDeviceAddressIsEmpty). Export still finds the element and rewrites it when one is set.
  if (!root && a.domain === 0 && a.bus === 0 && a.slot === 0) return NO_ADDRESS;
  const multifunction = onOff(el.attributes.multifunction);
  return { address: multifunction ? { ...a, multifunction } : a };
}

function controllerTarget(target: DomElement | undefined, unreadable: string[]): ControllerTarget {
  if (!target) return {};
  const a = target.attributes;
  const t: { -readonly [K in keyof ControllerTarget]: ControllerTarget[K] } = {};
  const set = <K extends keyof ControllerTarget>(k: K, v: ControllerTarget[K]): void => {
    if (v !== undefined) t[k] = v;
  };
  set('index', numberAttr(a.index, 'target index', unreadable));
  set('chassis', numberAttr(a.chassis, 'target chassis', unreadable));
  set('port', numberAttr(a.port, 'target port', unreadable));
  set('chassisNr', numberAttr(a.chassisNr, 'target chassisNr', unreadable));
  set('busNr', numberAttr(a.busNr, 'target busNr', unreadable));
  set('hotplug', onOffAttr(a.hotplug, 'target hotplug', unreadable));
  set('memReserve', numberAttr(a.memReserve, 'target memReserve', unreadable));
  const node = child(target, 'node');
  if (node) set('node', numaNodeText(node.text, unreadable));
  return t;
}

function deviceModel(el: DomElement, m: DomElement | undefined, target: DomElement | undefined): string | undefined {
  if (el.attributes.model !== undefined) return el.attributes.model;
  if (m) return m.attributes.type ?? m.attributes.name ?? (m.text.trim() || undefined);
  if (el.name === 'serial' || el.name === 'console') return child(target, 'model')?.attributes.name;
  return undefined;
}

function deviceBus(el: DomElement, target: DomElement | undefined): string | undefined {
  if (el.name === 'disk') return target?.attributes.bus;
  if (el.name === 'serial' || el.name === 'console' || el.name === 'channel') return target?.attributes.type;
  return el.attributes.bus ?? target?.attributes.bus;
}

/** The facts {@link deviceLabel} names a device by, read off its element. */
function labelFacts(el: DomElement, d: Omit<GuestDevice, 'label' | 'key'>, target: DomElement | undefined): DeviceFacts {
  return {
    element: d.element,
    type: d.type,
    model: d.model,
    bus: d.bus,
    diskDevice: d.element === 'disk' ? el.attributes.device : undefined,
    targetDev: d.element === 'disk' ? target?.attributes.dev : undefined,
    mac: d.element === 'interface' ? child(el, 'mac')?.attributes.address : undefined,
    index: d.element === 'controller' ? el.attributes.index : undefined,
    target: d.element === 'filesystem' ? target?.attributes.dir : d.element === 'shmem' ? el.attributes.name : undefined,
    hostAddress: d.hostAddress,
  };
}

function detectLayoutStyle(text: string, devicesEl: DomElement | undefined, root: DomElement, read: Pick<DevicesRead, 'first' | 'firstWithAttributes'>): Pick<DomainLayout, 'newline' | 'quote' | 'indentUnit'> {
  const nl = text.indexOf('\n');
  const newline = nl > 0 && text[nl - 1] === '\r' ? '\r\n' : '\n';
  let quote: '"' | "'" = "'";
  // `<devices>`' children were read one by one and are not kept in the tree (readDomainTree)
  const firstWithAttrs = devicesEl ? read.firstWithAttributes : elements(root).find(hasAttributes);
  if (firstWithAttrs) quote = scanStartTag(text, firstWithAttrs.start).attributes[0]?.quote ?? "'";
  let indentUnit = '  ';
  const outer = devicesEl ?? root;
  const outerIndent = indentBefore(text, outer.start) ?? '';
  const first = devicesEl ? read.first : elements(root)[0];
  const inner = first ? indentBefore(text, first.start) : undefined;
  if (inner !== undefined && inner.length > outerIndent.length && inner.startsWith(outerIndent)) indentUnit = inner.slice(outerIndent.length);
  return { newline, quote, indentUnit };
}

/** What `<devices>` gives, child by child, in document order (readDomainTree hands each over as it reads it). */
interface DevicesRead {
  readonly controllers: PciController[];
  readonly devices: GuestDevice[];
  readonly deviceLayouts: Map<string, DeviceLayout>;
  readonly controllerLayouts: Map<string, DeviceLayout>;
  readonly deviceChildren: Array<{ element: string; type?: string | undefined; span: ElementSpan }>;
  /** position in `devices` -> the index attribute of a non-PCI controller */
  readonly controllerIndexes: Map<number, string>;
  /** the first child, and the first with attributes (detectLayoutStyle) */
  first?: DomElement | undefined;
  firstWithAttributes?: DomElement | undefined;
  /** reads one child of `<devices>`; the element is not kept */
  readonly add: (el: DomElement) => void;
}

function devicesReader(): DevicesRead {
  const controllers: PciController[] = [];
  const devices: GuestDevice[] = [];
  const deviceLayouts = new Map<string, DeviceLayout>();
  const controllerLayouts = new Map<string, DeviceLayout>();
  const deviceChildren: Array<{ element: string; type?: string | undefined; span: ElementSpan }> = [];
  const keys = deviceKeyer();
  const controllerIndexes = new Map<number, string>();
  const read: DevicesRead = {
    controllers,
    devices,
    deviceLayouts,
    controllerLayouts,
    deviceChildren,
    controllerIndexes,
    add: (el) => {
      read.first ??= el;
      if (read.firstWithAttributes === undefined && hasAttributes(el)) read.firstWithAttributes = el;
      deviceChildren.push({ element: el.name, type: el.attributes.type, span: span(el) });
      const isPciController = el.name === 'controller' && el.attributes.type === 'pci';
      if (!isPciController && !DEVICE_ELEMENTS.has(el.name)) {
        keys.skip(el.name);
        return;
      }

        // One pass over the children: at 1 MiB every allocation here costs.
      let firstKid: DomElement | undefined;
      let lastKid: DomElement | undefined;
      let addressEl: DomElement | undefined;
      let aliasEl: DomElement | undefined;
      let modelEl: DomElement | undefined;
      let targetEl: DomElement | undefined;
      let sourceEl: DomElement | undefined;
      let driverEl: DomElement | undefined;
      // indexed: a for…of allocates an iterator result per step until V8 optimises (a run of
      // `place` ends before)
      const kids = el.children;
      for (let i = 0; i < kids.length; i++) {
        const k = kids[i] as DomElement;
        firstKid ??= k;
        lastKid = k;
        if (k.name === 'address') addressEl ??= k;
        else if (k.name === 'alias') aliasEl ??= k;
        else if (k.name === 'model') modelEl ??= k;
        else if (k.name === 'target') targetEl ??= k;
        else if (k.name === 'source') sourceEl ??= k;
        else if (k.name === 'driver') driverEl ??= k;
      }
      const alias = aliasEl?.attributes.name;
      const addr = guestAddress(addressEl, isPciController && (el.attributes.model === 'pci-root' || el.attributes.model === 'pcie-root'));
      const address = addressEl ? span(addressEl) : undefined;
      const firstChild = firstKid ? span(firstKid) : undefined;
      const lastChild = lastKid ? span(lastKid) : undefined;

      if (isPciController) {
        const key = keys.key({ element: el.name, pciController: true });
        const nodeEl = child(targetEl, 'node');
        const unreadable: string[] = [];
        // model='' is no model to libvirt: virDomainControllerModelTypeFromString('') fails ("Unknown
        // model type ''"), unlike a controller written without one
        if (el.attributes.model === '') unreadable.push("model=''");
        const index = controllerIndexAttr(el.attributes.index, unreadable);
        controllerCountAttr(el.attributes.ports, 'ports', unreadable);
        const target = controllerTarget(targetEl, unreadable);
        if (addr.unreadable) unreadable.push(...addr.unreadable.map((u) => `address ${u}`));
        controllers.push({
          key,
          index,
          model: el.attributes.model ?? '',
          modelName: modelEl?.attributes.name,
          target,
          address: addr.address,
          alias,
          ...(unreadable.length ? { unreadable } : {}),
        });
        controllerLayouts.set(key, {
          start: el.start,
          end: el.end,
          element: el.name,
          address,
          firstChild,
          lastChild,
          model: modelEl ? span(modelEl) : undefined,
          target: targetEl ? span(targetEl) : undefined,
          targetNode: nodeEl ? span(nodeEl) : undefined,
          targetOtherChildren: targetEl ? elements(targetEl).some((k) => k.name !== 'node') : undefined,
        });
        return;
      }

      const element = el.name as GuestDeviceElement;
      const type = el.attributes.type;
      const hostSide = (element === 'hostdev' && type === 'pci') || (element === 'interface' && type === 'hostdev');
      const hostAddressEl = hostSide ? child(sourceEl, 'address') : undefined;
      // values libvirt's address parsers refuse (virPCIDeviceAddressParseXML for the host side,
      // virXMLPropUInt for a drive/virtio-serial address: "Expected non-negative integer value")
      const unreadableAttributes: string[] = [];
      const sourceUnreadable: string[] = [];
      const hostAddress = hostAddressEl ? pciAddress(hostAddressEl, sourceUnreadable) : undefined;
      for (const u of sourceUnreadable) unreadableAttributes.push(`source address ${u}`);
      // Optional fields are set in the order the type lists them (key order is what JSON, and so a
      // share link, shows), by assignment: a spread of `cond ? {…} : {}` per field costs a copy each.
      const device = {
        key: '',
        element,
        type,
        model: deviceModel(el, modelEl, targetEl),
        bus: deviceBus(el, targetEl),
        mode: element === 'hostdev' ? el.attributes.mode : undefined,
        managed: element === 'hostdev' || element === 'interface' ? el.attributes.managed : undefined,
        alias,
      } as { -readonly [K in keyof GuestDevice]: GuestDevice[K] };
      if (element === 'controller' && el.attributes.index !== undefined) {
        // a negative index is kept out of `index` (nothing numbers a non-PCI controller below 0) and,
        // like one that cannot be read, never taken for "not written"
        const index = controllerIndexAttr(el.attributes.index, []);
        if (index !== undefined && index >= 0) device.index = index;
        else device.unreadableIndex = el.attributes.index;
      }
      const driverType = element === 'filesystem' ? driverEl?.attributes.type : undefined;
      if (driverType !== undefined) device.driverType = driverType;
      device.hostAddress = hostAddress;
      device.address = addr.address;
      device.otherAddressType = addr.otherAddressType;
      // each number of a drive / virtio-serial / ccid / usb <address>, in base 10 as libvirt reads it
      const addressNumbers: Record<string, number> = {};
      for (const name of (addr.otherAddressType !== undefined ? DECIMAL_ADDRESS_ATTRIBUTES[addr.otherAddressType] : undefined) ?? []) {
        const written = addressEl?.attributes[name];
        if (written === undefined) continue;
        const n = decimalUint(written);
        if (n === undefined) unreadableAttributes.push(`address ${name}='${written}'`);
        else addressNumbers[name] = n;
      }
      if (addr.otherAddressType !== 'usb' && addressNumbers.controller !== undefined) device.addressController = addressNumbers.controller;
      if (addr.otherAddressType === 'drive') device.addressDrive = { bus: addressNumbers.bus ?? 0, target: addressNumbers.target ?? 0, unit: addressNumbers.unit ?? 0 };
      const reg = addr.otherAddressType === 'spapr-vio' ? addressEl?.attributes.reg : undefined;
      const addressReg = reg === undefined ? undefined : spaprVioReg(reg);
      if (addressReg !== undefined) device.addressReg = addressReg;
      else if (reg !== undefined) unreadableAttributes.push(`address reg='${reg}'`);
      if (addr.otherAddressType === 'virtio-serial' && addressNumbers.port !== undefined) device.addressPort = addressNumbers.port;
      if (element === 'controller') {
        const ports = controllerCountAttr(el.attributes.ports, 'ports', unreadableAttributes);
        if (type === 'virtio-serial') {
          if (ports !== undefined) device.ports = ports;
          controllerCountAttr(el.attributes.vectors, 'vectors', unreadableAttributes);
        }
      }
      if (unreadableAttributes.length) device.unreadableAttributes = unreadableAttributes;
      if (element === 'disk' && targetEl?.attributes.dev !== undefined) device.targetDev = targetEl.attributes.dev;
      device.label = '';
      if (addr.unreadable?.length) device.unreadable = addr.unreadable;
      if (element === 'controller' && el.attributes.index !== undefined) controllerIndexes.set(devices.length, el.attributes.index);
      device.key = keys.key({ element: el.name, hostAddress, alias });
      device.label = deviceLabel(labelFacts(el, device, targetEl));
      devices.push(device);
      deviceLayouts.set(device.key, { start: el.start, end: el.end, element: el.name, address, firstChild, lastChild });
    },
  };
  return read;
}

function hasAttributes(el: DomElement): boolean {
  for (const k in el.attributes) if (Object.hasOwn(el.attributes, k)) return true;
  return false;
}

/**
 * Where the start tag parse-xml calls unclosed begins. parse-xml reports that error where it noticed
 * it: after the tag's attributes and the white space that follows them, which is the next line when
 * the `>` or `/>` was deleted at the end of a line; the user's mistake is on the tag's own line. The
 * tag is the last `<name` before that position (an attribute value cannot hold a raw `<`).
 */
function unclosedTagStart(text: string, e: XmlError): { line: number; column: number } | undefined {
  const name = /^Unclosed start tag for element `([^`]+)`/.exec(e.message)?.[1];
  if (name === undefined) return undefined;
  const start = text.lastIndexOf(`<${name}`, e.pos);
  if (start < 0) return undefined;
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < start; i = text.indexOf('\n', i + 1)) line++;
  return { line, column: start - lineStart + 1 };
}

/** Reads a domain document. Never throws for bad input: every problem is an InputError. */
export function readDomain(text: string, file?: string): Result<{ guest: Guest; source: DomainSource }> {
  const refused = checkXmlInput(text, file, 'the domain XML');
  if (refused) return fail(refused);
  if (text.trim() === '') return fail({ code: 'malformed-xml', file, line: 1, column: 1, message: 'the domain XML is empty' });
  let root: DomElement;
  // The devices are read as the fast reader reads them, and their elements then left behind; when
  // it gives up, parse-xml's tree is read afresh.
  let read = devicesReader();
  try {
    // One pass; parse-xml only for what the fast reader leaves to it (errors among them).
    let r = readDomainTree(text, read.add);
    if (!r) {
      read = devicesReader();
      r = parseDomainTree(text);
      // every <devices>, as libvirt reads them all (virDomainDefParseXML: XPath ./devices/*)
      for (const devicesEl of r !== undefined && localName(r.name) === 'domain' ? r.children.filter((c) => c.name === 'devices') : []) for (let i = 0; i < devicesEl.children.length; i++) read.add(devicesEl.children[i] as DomElement);
    }
    if (!r) return fail({ code: 'malformed-xml', file, line: 1, column: 1, message: 'the document has no root element' });
    root = r;
  } catch (e) {
    if (e instanceof XmlError) {
      const first = e.message.split('\n')[0] ?? e.message;
      const at = unclosedTagStart(text, e) ?? { line: e.line, column: e.column };
      return fail({ code: 'malformed-xml', file, line: at.line, column: at.column, message: first.replace(/ \(line \d+, column \d+\)$/, '') });
    }
    // The parser recurses per element: a document nested thousands deep overflows the stack.
    if (e instanceof RangeError) {
      const at = firstNestedPast(text, FAST_MAX_DEPTH);
      const where = at === undefined ? {} : lineColumn(text, at);
      return fail({ code: 'malformed-xml', file, ...where, message: `the domain XML has elements nested too deeply to read (libvirt nests about ten levels${at === undefined ? '' : `; this one is nested more than ${FAST_MAX_DEPTH} deep`})` });
    }
    return fail({ code: 'malformed-xml', file, message: e instanceof Error ? e.message : String(e) });
  }
  if (localName(root.name) !== 'domain') {
    return fail({ code: 'not-a-domain', file, message: `the root element is <${root.name}>, not <domain>: this is not a libvirt domain XML document` });
  }
  // libvirt checks the root by its local name (virXMLParseHelper, virXMLNodeNameEqual), whatever its
  // namespace: <x:domain xmlns:x='…'> is a domain (libvirt 9.0 defines it), its unprefixed children
  // read as usual and its prefixed ones not at all (XPath ./devices matches no <x:devices>, so this
  // reader skips them too). A prefix nothing declares leaves libxml2 the whole name 'x:domain'.
  if (root.name !== 'domain' && namespaceOf(root, []) === undefined) {
    return fail({
      code: 'not-a-domain',
      file,
      ...lineColumn(text, root.start),
      message: `the root element <${root.name}> has a prefix no xmlns declares: libvirt reads its name as '${root.name}' and refuses it ("expecting root element of 'domain', not '${root.name}'")`,
    });
  }
  // libvirt reads the domain's elements by XPath without a namespace (virDomainDefParseIDs:
  // string(./name[1])), so under a default namespace it finds no <name> and refuses the domain with
  // VIR_ERR_NO_NAME (libvirt 9.0, virsh define: "missing name information"); xmlns='' is no namespace
  const xmlns = root.attributes.xmlns;
  if (xmlns !== undefined && xmlns !== '') {
    return fail({
      code: 'not-a-domain',
      file,
      ...lineColumn(text, root.start),
      message: `<domain> declares a default namespace (xmlns='${xmlns}'): libvirt reads a domain's elements in no namespace, finds no <name> and refuses it ("missing name information"); remove the xmlns attribute`,
    });
  }

  const os = child(root, 'os');
  const osType = child(os, 'type');
  const numaCells: NumaCell[] = [];
  // values of the domain's own elements libvirt cannot read (Guest.unreadable)
  const domainUnreadable: string[] = [];
  const numa = child(child(root, 'cpu'), 'numa');
  // A cell without an id is numbered by its position, as libvirt does (virDomainNumaDefParseXML:
  // "cells are in order of parsing or explicitly numbered"). One whose id cannot be read still
  // counts as a cell (libvirt sizes its array by the <cell> elements), with no id.
  (numa ? elements(numa).filter((e) => e.name === 'cell') : []).forEach((cell, i) => {
    const written = cell.attributes.id;
    const id = written === undefined ? i : decimalUint(written);
    if (written !== undefined && id === undefined) domainUnreadable.push(`cell id='${written}'`);
    numaCells.push({ id, cpus: cell.attributes.cpus, memory: cell.attributes.memory });
  });
  const numaMemnodes: NumaMemnode[] = [];
  const memnodesWritten: WrittenMemnode[] = [];
  const numatune = child(root, 'numatune');
  for (const mn of numatune ? elements(numatune).filter((e) => e.name === 'memnode') : []) {
    const written = mn.attributes.cellid;
    const cellid = written === undefined ? undefined : decimalUint(written);
    if (written !== undefined && cellid === undefined) domainUnreadable.push(`memnode cellid='${written}'`);
    if (cellid !== undefined && mn.attributes.nodeset !== undefined) numaMemnodes.push({ cellid, nodeset: mn.attributes.nodeset, mode: mn.attributes.mode });
    memnodesWritten.push({ cellid, ...(written !== undefined && cellid === undefined ? { cellidUnreadable: true } : {}), mode: mn.attributes.mode, nodeset: mn.attributes.nodeset });
  }


  // new devices go into the first <devices> (a second one is read too, but libvirt's schema allows one)
  const devicesEl = child(root, 'devices');
  const { args: qemuArgs, overrides: qemuOverrides } = qemuNamespaceOf(root);
  const { controllers, devices, deviceLayouts, controllerLayouts, deviceChildren, controllerIndexes } = read;

  // Two devices named alike (two USB controllers qemu-xhci) are told apart as libvirt does: by index.
  const names = uniqueNames(devices.map((d) => d.label), (i) => (devices[i]?.element === 'controller' ? controllerIndexes.get(i) : undefined));
  devices.forEach((d, i) => {
    const name = names[i];
    if (name !== undefined && name !== d.label) (d as { label: string }).label = name;
  });

  const controllerTypeOrder = virDomainControllerTypeOrder(deviceChildren.filter((e) => e.element === 'controller').map((e) => e.type));
  const guest: Guest = {
    name: child(root, 'name')?.text.trim(),
    domainType: root.attributes.type,
    arch: osType?.attributes.arch,
    machine: osType?.attributes.machine,
    numaCells,
    numaMemnodes,
    ...(memnodesWritten.length ? { memnodesWritten } : {}),
    controllers,
    devices,
    ...(deviceChildren.some((e) => e.element === 'graphics') ? { graphics: deviceChildren.filter((e) => e.element === 'graphics').length } : {}),
    ...(controllerTypeOrder ? { controllerTypeOrder } : {}),
    ...(qemuArgs.length > 0 ? { qemuArgs } : {}),
    ...(qemuOverrides.length > 0 ? { qemuOverrides } : {}),
    ...(domainUnreadable.length > 0 ? { unreadable: domainUnreadable } : {}),
  };
  const layout: DomainLayout = {
    devices: deviceLayouts,
    controllers: controllerLayouts,
    deviceChildren,
    devicesElement: devicesEl ? span(devicesEl) : undefined,
    domainElement: span(root),
    ...detectLayoutStyle(text, devicesEl, root, read),
  };
  return ok({ guest, source: { text, layout } });
}
