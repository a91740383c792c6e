/**
 * PCI addresses in libvirt's two spellings: `dddd:bb:ss.f` (host side, nodedev names, our keys)
 * and the `<address domain='0x0000' bus='0x01' slot='0x02' function='0x0'/>` attributes.
 * libvirt parses those attributes with virStrToLong_uip(…, 0, …), i.e. C `strtoul` base 0:
 * `0x` hex, a leading `0` octal, otherwise decimal. We read them the same way.
 */

export interface PciAddress {
  readonly domain: number;
  readonly bus: number;
  readonly slot: number;
  readonly function: number;
}

/** Where a device sits in the guest. `bus` is a controller index (GEN-ADDR-5), not a guest bus number. */
export interface GuestPciAddress extends PciAddress {
  /** as written: 'on' | 'off' | undefined (absent) */
  readonly multifunction?: 'on' | 'off' | undefined;
}

/** C unsigned int's maximum: virStrToLong_uip refuses a value that does not fit `(unsigned int) val`. */
const UINT_MAX = 0xffffffff;

/**
 * Reads a number as libvirt's virStrToLong_uip(s, NULL, 0, &v) does (src/util/virstring.c; used by
 * virXMLPropUInt for every `<address>` attribute): C `strtoul` in base 0, that is leading white
 * space skipped (' ', tab, LF, VT, FF, CR), an optional '+', then `0x`/`0X` hex, a leading `0`
 * octal or else decimal; then the whole value must be consumed (nothing after the digits, not even
 * a space: `!end_ptr && *p` is an error), no '-' may appear in what was read, and the value must fit
 * an unsigned int (0-0xFFFFFFFF). So `'09'` (9 is no octal digit), `'0x'`, `'0x05 '` and `'-1'` are
 * refused, `' 5'` and `'+5'` are 5. Returns undefined for anything libvirt refuses.
 */
export function parseLibvirtUint(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  // the form libvirt writes (`0x1f`), read without a regex: a host file holds thousands of them
  if (text.length > 2 && text.length <= 10 && text.charCodeAt(0) === 0x30 && (text.charCodeAt(1) | 0x20) === 0x78) {
    let n = 0;
    let i = 2;
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      const d = c >= 0x30 && c <= 0x39 ? c - 0x30 : (c | 0x20) >= 0x61 && (c | 0x20) <= 0x66 ? (c | 0x20) - 0x57 : -1;
      if (d < 0) break;
      n = n * 16 + d;
    }
    if (i === text.length) return n;
  }
  const m = /^[ \t\n\v\f\r]*\+?(?:0[xX]([0-9a-fA-F]+)|0([0-7]*)|([1-9][0-9]*))$/.exec(text);
  if (!m) return undefined;
  const n = m[1] !== undefined ? parseInt(m[1], 16) : m[2] !== undefined ? (m[2] === '' ? 0 : parseInt(m[2], 8)) : parseInt(m[3] as string, 10);
  return n <= UINT_MAX ? n : undefined;
}

const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0');

/** `0000:01:00.0`: the form used by lspci, sysfs and our data-testid keys. */
export function formatPciAddress(a: PciAddress): string {
  return `${hex(a.domain, 4)}:${hex(a.bus, 2)}:${hex(a.slot, 2)}.${a.function.toString(16)}`;
}

const keyOf = new WeakMap<PciAddress, string>();

/**
 * formatPciAddress of an address object the design keeps (a hostdev's `<source>` address): made
 * once per object, since validation looks each one up in the host on every run (DESIGN.md §7:
 * re-validation after a move under 1 ms). Addresses are never mutated, so the text stays right.
 */
export function pciAddressKey(a: PciAddress): string {
  let k = keyOf.get(a);
  if (k === undefined) keyOf.set(a, (k = formatPciAddress(a)));
  return k;
}

/** Parses `dddd:bb:ss.f` or `bb:ss.f` (domain 0). */
export function parsePciAddress(text: string): PciAddress | undefined {
  const m = /^(?:([0-9a-fA-F]{1,4}):)?([0-9a-fA-F]{1,2}):([0-9a-fA-F]{1,2})\.([0-7])$/.exec(text.trim());
  if (!m) return undefined;
  return {
    domain: m[1] === undefined ? 0 : parseInt(m[1], 16),
    bus: parseInt(m[2] as string, 16),
    slot: parseInt(m[3] as string, 16),
    function: parseInt(m[4] as string, 16),
  };
}

export function samePciAddress(a: PciAddress | undefined, b: PciAddress | undefined): boolean {
  if (!a || !b) return false;
  return a.domain === b.domain && a.bus === b.bus && a.slot === b.slot && a.function === b.function;
}

/** A key for "this bus/slot/function", used to find clashes (GEN-ADDR-4). */
export function busSlotFunctionKey(a: PciAddress): string {
  return `${a.domain}:${a.bus}:${a.slot}:${a.function}`;
}

/** Attributes as libvirt writes them: `domain='0x0000' bus='0x01' slot='0x02' function='0x0'`. */
export function libvirtAddressAttributes(a: GuestPciAddress): Array<[string, string]> {
  const attrs: Array<[string, string]> = [
    ['type', 'pci'],
    ['domain', `0x${hex(a.domain, 4)}`],
    ['bus', `0x${hex(a.bus, 2)}`],
    ['slot', `0x${hex(a.slot, 2)}`],
    ['function', `0x${a.function.toString(16)}`],
  ];
  if (a.multifunction) attrs.push(['multifunction', a.multifunction]);
  return attrs;
}
