import type { Guest, NumaCell, WrittenMemnode } from '../model/guest.ts';

/**
 * What src/conf/numa_conf.c refuses in the numbering of a domain's NUMA cells once it has read
 * their ids (libvirt 10.7, the same words from libvirt 9.0's `virsh define`). An id that cannot be
 * read at all is Guest.unreadable's (GEN-IDX-1 says so apart).
 */

/**
 * virDomainNumaDefParseXML(): there are as many cells as `<cell>` elements, each takes its `id` (its
 * position when none is written), and, in the order written, the first id that is not below the
 * number of cells, or that an earlier cell took, makes libvirt refuse the domain. Returns its words.
 * @param cells the cells as read (NumaCell.id undefined: unreadable, skipped here)
 */
export function virDomainNumaDefParseXMLError(cells: readonly NumaCell[]): string | undefined {
  const taken = new Set<number>();
  for (const { id } of cells) {
    if (id === undefined) continue;
    if (id >= cells.length) return "Exactly one 'cell' element per guest NUMA cell allowed, non-contiguous ranges or ranges not starting from 0 are not allowed";
    if (taken.has(id)) return `Duplicate NUMA cell info for cell id '${id}'`;
    taken.add(id);
  }
  return undefined;
}

/** The `<memnode mode>` values libvirt reads (virDomainNumatuneMemMode, src/conf/numa_conf.c; libvirt 9.0 has restrictive). */
const MEMNODE_MODES: ReadonlySet<string> = new Set(['strict', 'preferred', 'interleave', 'restrictive']);

/**
 * The bits a nodeset may name: VIR_DOMAIN_CPUMASK_LEN (src/conf/domain_conf.h), the size
 * virDomainNumatuneNodeParseXML gives virBitmapParse; libvirt 9.0 takes `nodeset='0-16383'` and
 * refuses `'16384'` ("Failed to parse bitmap '16384'").
 */
export const VIR_DOMAIN_CPUMASK_LEN = 16384;

const isSpace = (c: string | undefined): boolean => c !== undefined && ' \t\n\v\f\r'.includes(c);

/**
 * virBitmapParse() (src/util/virbitmap.c, virBitmapParseInternal): a comma-separated list of `N`,
 * `N-M` (N <= M) and `^N` (N taken out), blanks allowed around numbers, commas and dashes, a
 * trailing comma allowed, each number base 10 below `size` (after a dash strtol also takes a
 * sign: `0-+1`, `0--0`). Returns the bits set, or undefined when libvirt cannot parse it. Checked with
 * libvirt 9.0: `'0 - 1'`, `'1,'`, `'00'`, `'^0,1'`, `'0-+1'` parse; `''`, `' '`, `'0-'`, `'1-0'`,
 * `',1'`, `'0,,1'`, `'0 1'`, `'+1'`, `'0x1'`, `'-1'`, `'^0-1'`, `'0--1'` do not. Never loops more
 * than `size` times per range: the bits are bounded by `size`, not by the input.
 */
export function virBitmapParse(str: string, size: number): ReadonlySet<number> | undefined {
  const bits = new Set<number>();
  let i = 0;
  const skipSpaces = (): void => {
    while (isSpace(str[i])) i++;
  };
  const digits = (): number | undefined => {
    const m = /^[0-9]+/.exec(str.slice(i));
    if (!m) return undefined;
    i += m[0].length;
    const n = Number.parseInt(m[0], 10);
    return n < size ? n : undefined;
  };
  skipSpaces();
  if (i >= str.length) return undefined;
  while (i < str.length) {
    const neg = str[i] === '^';
    if (neg) i++;
    const start = digits();
    if (start === undefined) return undefined;
    skipSpaces();
    if (str[i] === ',' || i >= str.length) {
      if (neg) bits.delete(start);
      else bits.add(start);
    } else if (str[i] === '-') {
      if (neg) return undefined;
      i++;
      skipSpaces();
      // strtol: a sign, then digits ('-0' is 0)
      const sign = str[i] === '-' ? -1 : 1;
      if (str[i] === '+' || str[i] === '-') i++;
      const magnitude = digits();
      const last = magnitude === undefined ? undefined : sign * magnitude;
      if (last === undefined || last < start) return undefined;
      for (let b = start; b <= last; b++) bits.add(b);
      skipSpaces();
    }
    if (str[i] === ',') {
      i++;
      skipSpaces();
    } else if (i < str.length) {
      return undefined;
    }
  }
  return bits;
}

/**
 * virDomainNumatuneNodeParseXML() (called by virDomainNumatuneParseXML, src/conf/numa_conf.c):
 * memnodes without any `<cell>` are refused; then each memnode in the order written: `cellid` is
 * required (one libvirt cannot read is Guest.unreadable's, GEN-IDX-1 says so apart, and libvirt
 * stops there), must name a cell and no earlier memnode's cell, `mode` must be one libvirt knows,
 * `nodeset` is required, must parse ({@link virBitmapParse}) and must name a node. Returns libvirt's
 * words for the first refusal, undefined when all are taken. Every message checked with libvirt 9.0's
 * `virsh define`.
 * @param memnodes the memnodes as written (Guest.memnodesWritten)
 * @param cells how many `<cell>` elements the domain has
 */
export function virDomainNumatuneNodeParseXMLError(memnodes: readonly WrittenMemnode[], cells: number): string | undefined {
  if (memnodes.length === 0) return undefined;
  if (cells === 0) return "Element 'memnode' is invalid without any guest NUMA cells";
  const seen = new Set<number>();
  for (const m of memnodes) {
    if (m.cellidUnreadable) return undefined;
    if (m.cellid === undefined) return "Missing required attribute 'cellid' in element 'memnode'";
    if (m.cellid >= cells) return "Argument 'cellid' in memnode element must correspond to existing guest's NUMA cell";
    if (seen.has(m.cellid)) return `Multiple memnode elements with cellid ${m.cellid}`;
    seen.add(m.cellid);
    if (m.mode !== undefined && !MEMNODE_MODES.has(m.mode)) return `Invalid value for attribute 'mode' in element 'memnode': '${m.mode}'.`;
    if (m.nodeset === undefined) return 'Missing required nodeset attribute in memnode element';
    const nodes = virBitmapParse(m.nodeset, VIR_DOMAIN_CPUMASK_LEN);
    if (!nodes) return `Failed to parse bitmap '${m.nodeset}'`;
    if (nodes.size === 0) return `Invalid value of 'nodeset': ${m.nodeset}`;
  }
  return undefined;
}

/** The memnodes as written: Guest.memnodesWritten, or for a guest built without it, those it maps. */
export function writtenMemnodes(guest: Pick<Guest, 'numaMemnodes' | 'memnodesWritten'>): readonly WrittenMemnode[] {
  return guest.memnodesWritten ?? guest.numaMemnodes;
}
