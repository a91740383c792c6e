import type { ControllerTarget, Guest, GuestDevice, PciController } from '../model/guest.ts';
import type { GuestPciAddress } from '../model/pci.ts';
import { libvirtAddressAttributes, samePciAddress } from '../model/pci.ts';
import type { DeviceLayout, DomainLayout, ElementSpan } from '../model/domainSource.ts';
import type { ElementTags, Splice } from './domainText.ts';
import { addressTag, applySplices, elementTags, endTagStart, escapeAttribute, firstQuote, indentBefore, lineStart, restOfLineEnd, scanStartTag, wholeLines, writeTag } from './domainText.ts';

/**
 * Export by patching: the diff between the imported guest and the edited one becomes a few text
 * splices on the original document. Nothing outside the touched elements is re-serialised, so
 * comments, entities, quoting, odd spacing and unknown elements survive byte for byte.
 */

/** The order libvirt writes `<devices>` children in (virDomainDefFormatInternal), for placing new ones. */
const LIBVIRT_DEVICE_ORDER = [
  'emulator', 'disk', 'controller', 'lease', 'filesystem', 'interface', 'smartcard', 'serial', 'parallel',
  'console', 'channel', 'input', 'tpm', 'graphics', 'sound', 'audio', 'video', 'hostdev', 'redirdev',
  'redirfilter', 'hub', 'watchdog', 'memballoon', 'rng', 'nvram', 'panic', 'shmem', 'memory', 'iommu',
  'vsock', 'crypto', 'pstore',
];
const RANK = new Map(LIBVIRT_DEVICE_ORDER.map((n, i) => [n, i]));

/** `<target>` attributes in the order libvirt writes them (virDomainControllerDefFormat). */
const TARGET_ATTRIBUTES = ['chassisNr', 'chassis', 'port', 'busNr', 'index', 'hotplug', 'memReserve'] as const;

/** One line of a new element: nesting depth below the element's own indentation, and its text. */
type Line = readonly [number, string];

function sameGuestAddress(a: GuestPciAddress | undefined, b: GuestPciAddress | undefined): boolean {
  if (!a || !b) return a === b;
  return samePciAddress(a, b) && a.multifunction === b.multifunction;
}

function targetValue(t: ControllerTarget, k: (typeof TARGET_ATTRIBUTES)[number]): string | undefined {
  const v = t[k];
  if (v === undefined) return undefined;
  // libvirt prints the port in hex, the rest in decimal.
  if (k === 'port' && typeof v === 'number') return `0x${v.toString(16)}`;
  return String(v);
}

function targetAttributes(t: ControllerTarget): Array<[string, string | undefined]> {
  return TARGET_ATTRIBUTES.map((k) => [k, targetValue(t, k)]);
}

function sameTarget(a: ControllerTarget, b: ControllerTarget): boolean {
  return TARGET_ATTRIBUTES.every((k) => a[k] === b[k]) && a.node === b.node;
}

/**
 * Finds items by key, trying first the position the previous hit suggests: placement keeps a
 * guest's devices in order, so on 600 devices this replaces a Map per list (its entries, the pairs
 * it was built from, and an iterator result per pair, all cold) with one comparison per look-up.
 * A miss (a device placement added, which the other list lacks) searches the list, and once
 * those searches have cost a few thousand comparisons, a Map of positions made once. Keys are
 * unique in a guest (model/keys.ts uniqueKey), so the item found is the one a Map by key would give.
 */
function byKey<T extends { readonly key: string }>(items: readonly T[]): (key: string, at: number) => T | undefined {
  let shift = 0;
  let positions: Map<string, number> | undefined;
  let budget = 4096;
  return (key, at) => {
    const guess = items[at + shift];
    if (guess !== undefined && guess.key === key) return guess;
    if (positions === undefined && budget >= items.length) {
      budget -= items.length;
      for (let i = 0; i < items.length; i++) {
        if ((items[i] as T).key === key) {
          shift = i - at;
          return items[i];
        }
      }
      return undefined;
    }
    if (positions === undefined) {
      positions = new Map();
      for (let i = 0; i < items.length; i++) positions.set((items[i] as T).key, i);
    }
    const found = positions.get(key);
    if (found === undefined) return undefined;
    shift = found - at;
    return items[found];
  };
}

class Patcher {
  readonly splices: Splice[] = [];
  /** indentation of `<devices>` children */
  readonly deviceIndent: string;
  /** starts of `<devices>` children that are being removed: never an anchor for an insert */
  readonly removed = new Set<number>();
  /**
   * New children for a `<devices/>` or a missing `<devices>`: that element is written once, in
   * {@link finish}, with all of them (two separate expansions would overlap, and the second be lost).
   */
  readonly newDevices: string[] = [];
  /** blocks to insert where something else precedes `pos` on its line, by `pos` */
  readonly midLine = new Map<number, { blocks: string[]; closingIndent: string }>();

  constructor(
    readonly text: string,
    readonly layout: DomainLayout,
  ) {
    const first = layout.deviceChildren[0];
    const firstIndent = first ? indentBefore(text, first.span.start) : undefined;
    const devicesIndent = layout.devicesElement ? (indentBefore(text, layout.devicesElement.start) ?? layout.indentUnit) : layout.indentUnit;
    this.deviceIndent = firstIndent ?? devicesIndent + layout.indentUnit;
  }

  splice(start: number, end: number, text: string): void {
    this.splices.push({ start, end, text });
  }

  tags(span: ElementSpan): ElementTags {
    return elementTags(this.text, span);
  }

  quoteOf(span: ElementSpan): '"' | "'" {
    return firstQuote(this.text, span.start) ?? this.layout.quote;
  }

  indentOf(span: ElementSpan): string {
    return indentBefore(this.text, span.start) ?? this.deviceIndent;
  }

  childIndentOf(el: DeviceLayout): string {
    const fromChild = el.firstChild ? indentBefore(this.text, el.firstChild.start) : undefined;
    return fromChild ?? this.indentOf(el) + this.layout.indentUnit;
  }

  render(lines: readonly Line[] | string, indent: string): string {
    if (typeof lines === 'string') return indent + lines;
    // what `lines.map(…).join(newline)` gives, without the array, the pair destructuring's iterator
    // and a flat copy per line (place renders one or more per device, cold)
    const unit = this.layout.indentUnit;
    const nl = this.layout.newline;
    let out = '';
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i] as Line;
      out += (i === 0 ? '' : nl) + indent + unit.repeat(l[0]) + l[1];
    }
    return out;
  }

  /** Puts rendered lines on the line(s) after the element ending at `end`. */
  insertAfter(end: number, block: string): void {
    const after = restOfLineEnd(this.text, end);
    const nl = this.layout.newline;
    if (after === undefined) this.splice(end, end, nl + block);
    else if (after === this.text.length && !this.text.endsWith('\n')) this.splice(after, after, nl + block);
    else this.splice(after, after, block + nl);
  }

  /** Puts rendered lines before whatever starts at `pos` (a child or an end tag), whose line indent is `closingIndent`. */
  insertBefore(pos: number, block: string, closingIndent: string): void {
    if (indentBefore(this.text, pos) !== undefined) {
      const at = lineStart(this.text, pos);
      this.splice(at, at, block + this.layout.newline);
      return;
    }
    // Mid-line (`…</disk></devices>`): the blocks for one spot are joined in finish(), so two of
    // them do not leave a blank line between them.
    const pending = this.midLine.get(pos);
    if (pending) pending.blocks.push(block);
    else this.midLine.set(pos, { blocks: [block], closingIndent });
  }

  /** `<x a='1'/>` becomes `<x a='1'>` + the block + `</x>`. */
  expandSelfClosing(el: ElementSpan, name: string, block: string, indent: string): void {
    let from = el.end - 2;
    while (from > el.start && /\s/.test(this.text[from - 1] ?? '')) from--;
    const nl = this.layout.newline;
    this.splice(from, el.end, `>${nl}${block}${nl}${indent}</${name}>`);
  }

  /** Sets, replaces or (value undefined) removes one attribute of the start tag at `tagStart`. */
  setAttribute(tagStart: number, name: string, value: string | undefined, fallbackQuote: '"' | "'"): void {
    const tag = scanStartTag(this.text, tagStart);
    const attr = tag.attributes.find((a) => a.name === name);
    if (attr) {
      if (value === undefined) {
        let from = attr.start;
        while (from > tagStart && /\s/.test(this.text[from - 1] ?? '')) from--;
        this.splice(from, attr.end, '');
      } else {
        this.splice(attr.valueStart, attr.valueEnd, escapeAttribute(value, attr.quote));
      }
    } else if (value !== undefined) {
      const quote = tag.attributes[0]?.quote ?? fallbackQuote;
      const at = tag.attributes[tag.attributes.length - 1]?.end ?? tagStart + 1 + tag.name.length;
      this.splice(at, at, ` ${name}=${quote}${escapeAttribute(value, quote)}${quote}`);
    }
  }

  removeElement(span: ElementSpan): void {
    const [from, to] = wholeLines(this.text, span.start, span.end);
    this.splice(from, to, '');
  }

  /** Adds child lines (a string: one line of depth 0) to `el` at its start (`first`) or end. */
  addChildren(el: DeviceLayout, lines: readonly Line[] | string, where: 'first' | 'last', after?: ElementSpan): void {
    const indent = this.indentOf(el);
    const block = this.render(lines, this.childIndentOf(el));
    const close = endTagStart(this.text, el);
    if (close === undefined) this.expandSelfClosing(el, el.element, block, indent);
    else if (after) this.insertAfter(after.end, block);
    else if (where === 'first' && el.firstChild) this.insertBefore(el.firstChild.start, block, indent);
    else this.insertBefore(close, block, indent);
  }

  /**
   * The device's own guest `<address>`: rewritten in place or dropped here; when it has to be added
   * its tag is returned (a line of depth 0, not wrapped in an array: one per device placed), for
   * the caller to add as the device's last child.
   */
  patchAddress(el: DeviceLayout, before: GuestPciAddress | undefined, after: GuestPciAddress | undefined, replacesUnreadable = false): string | undefined {
    if (!replacesUnreadable && sameGuestAddress(before, after)) return undefined;
    const quote = el.address ? this.quoteOf(el.address) : this.quoteOf(el);
    if (!after) {
      // Only a PCI address the model knew (or an unreadable one the design cleared) is removed;
      // a non-PCI one (spapr-vio, ccw, …) is not ours.
      if (el.address && (before || replacesUnreadable)) this.removeElement(el.address);
      return undefined;
    }
    if (!el.address) return addressTag(after, quote, '/>');
    const tags = this.tags(el.address);
    this.splice(el.address.start, tags.startTagEnd, addressTag(after, quote, tags.selfClosing ? '/>' : '>'));
    return undefined;
  }

  patchController(el: DeviceLayout, before: PciController, after: PciController): void {
    const quote = this.quoteOf(el);
    if (before.index !== after.index) this.setAttribute(el.start, 'index', after.index === undefined ? undefined : String(after.index), quote);
    if (before.model !== after.model) this.setAttribute(el.start, 'model', after.model === '' ? undefined : after.model, quote);
    const first: Line[] = [];
    if (before.modelName !== after.modelName) {
      if (el.model && after.modelName !== undefined) this.setAttribute(el.model.start, 'name', after.modelName, quote);
      else if (el.model) this.removeElement(el.model);
      else if (after.modelName !== undefined) first.push([0, writeTag('model', [['name', after.modelName]], quote, '/>')]);
    }
    if (!sameTarget(before.target, after.target)) {
      if (el.target) this.patchTarget(el, el.target, before.target, after.target, quote);
      else first.push(...this.targetLines(after.target, quote));
    }
    const address = this.patchAddress(el, before.address, after.address);
    const last: Line[] = address === undefined ? [] : [[0, address]];
    if (this.tags(el).selfClosing && first.length + last.length > 0) {
      this.addChildren(el, [...first, ...last], 'last');
      return;
    }
    // libvirt writes <model> then <target> first; a new <target> goes after an existing <model>.
    if (first.length > 0) this.addChildren(el, first, 'first', first[0]?.[1].startsWith('<model') ? undefined : el.model);
    if (last.length > 0) this.addChildren(el, last, 'last');
  }

  patchTarget(el: DeviceLayout, target: ElementSpan, before: ControllerTarget, after: ControllerTarget, quote: '"' | "'"): void {
    for (const k of TARGET_ATTRIBUTES) {
      if (before[k] !== after[k]) this.setAttribute(target.start, k, targetValue(after, k), quote);
    }
    if (before.node === after.node) return;
    const node = el.targetNode;
    if (node && after.node !== undefined) {
      const tags = this.tags(node);
      if (tags.selfClosing) this.splice(node.start, node.end, `<node>${after.node}</node>`);
      else this.splice(tags.startTagEnd, tags.closeTagStart, String(after.node));
    } else if (node) {
      if (el.targetOtherChildren) this.removeElement(node);
      else this.splice(this.tags(target).startTagEnd - 1, target.end, '/>');
    } else if (after.node !== undefined) {
      const indent = indentBefore(this.text, target.start) ?? this.childIndentOf(el);
      const block = this.render([[0, `<node>${after.node}</node>`]], indent + this.layout.indentUnit);
      const tags = this.tags(target);
      if (tags.selfClosing) this.expandSelfClosing(target, 'target', block, indent);
      else this.insertBefore(tags.closeTagStart, block, indent);
    }
  }

  targetLines(t: ControllerTarget, quote: '"' | "'"): Line[] {
    const attrs = targetAttributes(t);
    const hasAttrs = attrs.some(([, v]) => v !== undefined);
    if (t.node === undefined) return hasAttrs ? [[0, writeTag('target', attrs, quote, '/>')]] : [];
    return [
      [0, writeTag('target', attrs, quote, '>')],
      [1, `<node>${t.node}</node>`],
      [0, '</target>'],
    ];
  }

  /** A PCI controller as libvirt writes it (XML-EXAMPLES.md §1). */
  controllerLines(c: PciController, quote: '"' | "'"): Line[] {
    const inner: Line[] = [];
    if (c.modelName !== undefined) inner.push([0, writeTag('model', [['name', c.modelName]], quote, '/>')]);
    inner.push(...this.targetLines(c.target, quote));
    if (c.alias !== undefined) inner.push([0, writeTag('alias', [['name', c.alias]], quote, '/>')]);
    if (c.address) inner.push([0, addressTag(c.address, quote, '/>')]);
    const attrs: Array<[string, string | undefined]> = [
      ['type', 'pci'],
      ['index', c.index === undefined ? undefined : String(c.index)],
      ['model', c.model === '' ? undefined : c.model],
    ];
    if (inner.length === 0) return [[0, writeTag('controller', attrs, quote, '/>')]];
    return [[0, writeTag('controller', attrs, quote, '>')], ...inner.map(([d, s]): Line => [d + 1, s]), [0, '</controller>']];
  }

  /** A PCI hostdev as libvirt writes it (XML-EXAMPLES.md §1). */
  hostdevLines(d: GuestDevice, quote: '"' | "'"): Line[] | undefined {
    if (!d.hostAddress) return undefined;
    const host = libvirtAddressAttributes({ ...d.hostAddress, multifunction: undefined }).filter(([k]) => k !== 'type');
    const lines: Line[] = [
      [0, writeTag('hostdev', [['mode', d.mode ?? 'subsystem'], ['type', 'pci'], ['managed', d.managed ?? 'yes']], quote, '>')],
      [1, '<source>'],
      [2, writeTag('address', host, quote, '/>')],
      [1, '</source>'],
    ];
    if (d.alias !== undefined) lines.push([1, writeTag('alias', [['name', d.alias]], quote, '/>')]);
    if (d.address) lines.push([1, addressTag(d.address, quote, '/>')]);
    lines.push([0, '</hostdev>']);
    return lines;
  }

  /**
   * Inserts a new `<devices>` child: after `anchor` when given, else before the first child libvirt
   * lists after `element`, else at the end of `<devices>` (creating `<devices>` when missing).
   */
  insertDevice(element: string, lines: readonly Line[], anchor: ElementSpan | undefined): void {
    const block = this.render(lines, this.deviceIndent);
    if (anchor) return this.insertAfter(anchor.end, block);
    const rank = RANK.get(element) ?? LIBVIRT_DEVICE_ORDER.length;
    const next = this.layout.deviceChildren.find((c) => !this.removed.has(c.span.start) && (RANK.get(c.element) ?? -1) > rank);
    const devices = this.layout.devicesElement;
    if (next) return this.insertBefore(next.span.start, block, this.deviceIndent);
    const devicesTags = devices ? this.tags(devices) : undefined;
    if (devices && devicesTags && !devicesTags.selfClosing) return this.insertBefore(devicesTags.closeTagStart, block, indentBefore(this.text, devices.start) ?? '');
    this.newDevices.push(block);
  }

  /** The document with every splice applied, and `<devices>` written when it had to be made. */
  finish(): string {
    if (this.newDevices.length > 0) {
      const nl = this.layout.newline;
      const block = this.newDevices.join(nl);
      const devices = this.layout.devicesElement;
      if (devices) this.expandSelfClosing(devices, 'devices', block, indentBefore(this.text, devices.start) ?? '');
      else {
        const dom = this.layout.domainElement;
        const unit = this.layout.indentUnit;
        const wrapped = [unit + '<devices>', block, unit + '</devices>'].join(nl);
        const domTags = this.tags(dom);
        if (domTags.selfClosing) this.expandSelfClosing(dom, 'domain', wrapped, '');
        else this.insertBefore(domTags.closeTagStart, wrapped, '');
      }
    }
    const nl = this.layout.newline;
    for (const [pos, { blocks, closingIndent }] of this.midLine) this.splice(pos, pos, nl + blocks.join(nl) + nl + closingIndent);
    return applySplices(this.text, this.splices);
  }
}

/**
 * Patches `text` (laid out as `layout` says) with what changed from `original` to `guest`.
 * Devices added by the design are written only when they are PCI hostdevs (the one kind of device
 * the commands add). Devices placement marks `implicit` are libvirt's own defaults: libvirt adds
 * them again at define time, so writing them would only pin what libvirt already decides.
 */
export function patchDomain(text: string, layout: DomainLayout, original: Guest, guest: Guest): string {
  if (original === guest) return text;
  const p = new Patcher(text, layout);

  const guestDevice = byKey(guest.devices);
  const guestController = byKey(guest.controllers);
  // A key names the same device only while its element stays: a host function removed as an
  // `<interface type='hostdev'>` and added back as a `<hostdev>` is a new element, not a move.
  const sameDevice = (before: GuestDevice, after: GuestDevice | undefined): after is GuestDevice => after !== undefined && after.element === before.element;
  // indexed loops: a for…of allocates an iterator result per step until V8 optimises, which a run
  // of `place` ends before
  for (let i = 0; i < original.devices.length; i++) {
    const d = original.devices[i] as GuestDevice;
    const el = layout.devices.get(d.key);
    if (el && !sameDevice(d, guestDevice(d.key, i))) {
      p.removed.add(el.start);
      p.removeElement(el);
    }
  }
  for (let i = 0; i < original.controllers.length; i++) {
    const c = original.controllers[i] as PciController;
    const el = layout.controllers.get(c.key);
    if (el && guestController(c.key, i) === undefined) {
      p.removed.add(el.start);
      p.removeElement(el);
    }
  }

  const originalController = byKey(original.controllers);
  const added: PciController[] = [];
  for (let i = 0; i < guest.controllers.length; i++) {
    const c = guest.controllers[i] as PciController;
    const before = originalController(c.key, i);
    const el = layout.controllers.get(c.key);
    if (!before || !el) {
      // libvirt's implicit root is written only once the design has changed it
      if (!(c.implicit && before === c)) added.push(c);
    } else if (before !== c) p.patchController(el, before, c);
  }
  if (added.length > 0) {
    // Anchors use the indexes of the edited guest, so a renumbered controller still orders right.
    const kept = guest.controllers
      .map((c) => ({ c, el: layout.controllers.get(c.key) }))
      .filter((x): x is { c: PciController; el: DeviceLayout } => x.el !== undefined && originalController(x.c.key, 0) !== undefined);
    const otherControllers = layout.deviceChildren.filter((x) => x.element === 'controller' && x.type !== 'pci' && !p.removed.has(x.span.start));
    for (const c of [...added].sort((a, b) => (a.index ?? 256) - (b.index ?? 256))) {
      const quote = kept[0] ? p.quoteOf(kept[0].el) : layout.quote;
      const lines = p.controllerLines(c, quote);
      const idx = c.index ?? 256;
      // The kept controller with the highest index below the new one; on a tie, the later in the text.
      let lower: DeviceLayout | undefined;
      let lowerIndex = -1;
      for (const k of kept) {
        const ki = k.c.index ?? -1;
        if (ki < idx && ki >= lowerIndex) {
          lower = k.el;
          lowerIndex = ki;
        }
      }
      if (lower) p.insertDevice('controller', lines, lower);
      else if (kept.length > 0) {
        const firstPci = kept.reduce((a, b) => (b.el.start < a.el.start ? b : a));
        p.insertBefore(firstPci.el.start, p.render(lines, p.deviceIndent), p.deviceIndent);
      } else p.insertDevice('controller', lines, otherControllers[otherControllers.length - 1]?.span);
    }
  }

  const originalDevice = byKey(original.devices);
  let lastHostdev: DomainLayout['deviceChildren'][number] | undefined;
  for (let i = layout.deviceChildren.length - 1; i >= 0 && lastHostdev === undefined; i--) {
    const x = layout.deviceChildren[i] as DomainLayout['deviceChildren'][number];
    if (x.element === 'hostdev' && !p.removed.has(x.span.start)) lastHostdev = x;
  }
  for (let i = 0; i < guest.devices.length; i++) {
    const d = guest.devices[i] as GuestDevice;
    const before = originalDevice(d.key, i);
    const el = layout.devices.get(d.key);
    if (before && el && sameDevice(before, d)) {
      if (before !== d) {
        const address = p.patchAddress(el, before.address, d.address, before.otherAddressType === 'pci' && d.otherAddressType !== 'pci');
        if (address !== undefined) p.addChildren(el, address, 'last');
      }
      continue;
    }
    if (d.element !== 'hostdev' || d.implicit) continue;
    const lines = p.hostdevLines(d, lastHostdev ? p.quoteOf(lastHostdev.span) : layout.quote);
    if (lines) p.insertDevice('hostdev', lines, lastHostdev?.span);
  }
  return p.finish();
}
