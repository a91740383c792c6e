/**
 * Small text helpers for patching XML in place: start-tag attributes with their offsets, line
 * boundaries and indentation. They run only on text the parser already accepted, so a start tag
 * is known to be well-formed.
 */
import type { GuestPciAddress } from '../model/pci.ts';

export interface AttributeSpan {
  readonly name: string;
  /** start of the name; the attribute text runs [start, end) */
  readonly start: number;
  readonly end: number;
  readonly valueStart: number;
  readonly valueEnd: number;
  readonly quote: '"' | "'";
}

export interface StartTag {
  readonly name: string;
  readonly attributes: readonly AttributeSpan[];
  /** index of `>` or of the `/` of `/>` */
  readonly closeStart: number;
  /** index just after `>` */
  readonly end: number;
  readonly selfClosing: boolean;
}

const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r';

/** Reads the start tag beginning at `start` (the `<`). */
export function scanStartTag(text: string, start: number): StartTag {
  let i = start + 1;
  while (i < text.length && !isSpace(text[i]) && text[i] !== '>' && text[i] !== '/') i++;
  const name = text.slice(start + 1, i);
  const attributes: AttributeSpan[] = [];
  for (;;) {
    while (isSpace(text[i])) i++;
    const c = text[i];
    if (c === undefined) return { name, attributes, closeStart: i, end: i, selfClosing: false };
    if (c === '>') return { name, attributes, closeStart: i, end: i + 1, selfClosing: false };
    if (c === '/') return { name, attributes, closeStart: i, end: text.indexOf('>', i) + 1, selfClosing: true };
    const nameStart = i;
    while (i < text.length && text[i] !== '=' && !isSpace(text[i])) i++;
    const attrName = text.slice(nameStart, i);
    while (text[i] !== '"' && text[i] !== "'" && i < text.length) i++;
    const quote = text[i] === '"' ? '"' : "'";
    const valueStart = i + 1;
    const valueEnd = text.indexOf(quote, valueStart);
    i = valueEnd + 1;
    attributes.push({ name: attrName, start: nameStart, end: i, valueStart, valueEnd, quote });
  }
}

/**
 * The quote of the first attribute of the start tag at `start`, undefined when it has none: what
 * `scanStartTag(text, start).attributes[0]?.quote` says, without reading the whole tag (before
 * the first value only names, `=` and white space can come).
 */
export function firstQuote(text: string, start: number): '"' | "'" | undefined {
  BEFORE_QUOTE.lastIndex = start + 1;
  // a sticky regex that fails (only past the end here) sets lastIndex to 0
  if (!BEFORE_QUOTE.test(text)) return undefined;
  const c = text.charCodeAt(BEFORE_QUOTE.lastIndex);
  return c === 0x27 ? "'" : c === 0x22 ? '"' : undefined;
}

// Sticky regexes instead of loops over characters: a `place` of hundreds of devices runs these a
// few times per device, once, mostly before V8 compiles anything (the interpreter pays per
// character, a regex runs native). Each stands for the loop it replaced, as its comment says.
/** what may come before a start tag's first quote: stops at `'`, `"`, `>` or `/` (or the end) */
const BEFORE_QUOTE = /[^'">/]*/y;
/** the rest of a start tag after its `<`: characters other than quotes and `>`, and quoted values, up to the `>` */
const START_TAG_REST = /[^>'"]*(?:(?:'[^']*'|"[^"]*")[^>'"]*)*>/y;
/** the blanks that may indent a line */
const INDENT = /[ \t]*/y;
/** the blanks that may end a line, CR included */
const LINE_END_BLANKS = /[ \t\r]*/y;

/** Index just after the `>` of the start tag at `start` (`scanStartTag(text, start).end` for a tag that is not self-closing), quoted values skipped; the text's length when it has none. */
function startTagEnd(text: string, start: number): number {
  START_TAG_REST.lastIndex = start + 1;
  return START_TAG_REST.test(text) ? START_TAG_REST.lastIndex : text.length;
}

export interface ElementTags {
  /** index just after the `>` of the start tag */
  readonly startTagEnd: number;
  readonly selfClosing: boolean;
  /** index of `</name>`; equals `end` for a self-closing element */
  readonly closeTagStart: number;
}

/** Where the start and end tags of the well-formed element [start, end) are. */
export function elementTags(text: string, span: { readonly start: number; readonly end: number }): ElementTags {
  const close = endTagStart(text, span);
  if (close === undefined) return { startTagEnd: span.end, selfClosing: true, closeTagStart: span.end };
  return { startTagEnd: startTagEnd(text, span.start), selfClosing: false, closeTagStart: close };
}

/**
 * Index of the `</name>` of the well-formed element [start, end), undefined when it is
 * self-closing: `elementTags(…).closeTagStart` without the start tag's scan and the object, for
 * export's one insert per device placed.
 */
export function endTagStart(text: string, span: { readonly start: number; readonly end: number }): number | undefined {
  return text.charCodeAt(span.end - 2) === 47 /* '/' of '/>' */ ? undefined : text.lastIndexOf('</', span.end - 1);
}

/** Index of the first character of the line holding `pos`. */
export function lineStart(text: string, pos: number): number {
  return text.lastIndexOf('\n', pos - 1) + 1;
}

/** The blanks before `pos` on its line, or undefined when something else precedes it there. */
export function indentBefore(text: string, pos: number): string | undefined {
  const from = lineStart(text, pos);
  INDENT.lastIndex = from;
  const blankTo = INDENT.test(text) ? INDENT.lastIndex : from;
  if (blankTo < pos) return undefined;
  // indentation is mostly spaces: one string per width, not a copy per call (export asks twice per device)
  const width = pos - from;
  if (width > 0 && width < 64) {
    const spaces = (SPACES[width] ??= ' '.repeat(width));
    if (text.startsWith(spaces, from)) return spaces;
  }
  return text.slice(from, pos);
}

/** indentBefore's runs of spaces, by width */
const SPACES: string[] = [];

/** Index after the line end following `pos` when only blanks follow it on its line; else undefined. */
export function restOfLineEnd(text: string, pos: number): number | undefined {
  LINE_END_BLANKS.lastIndex = pos;
  const i = LINE_END_BLANKS.test(text) ? LINE_END_BLANKS.lastIndex : text.length;
  if (i >= text.length) return text.length;
  return text.charCodeAt(i) === 0x0a ? i + 1 : undefined;
}

/** The whole lines of [start, end) when the element has its lines to itself, else just [start, end). */
export function wholeLines(text: string, start: number, end: number): [number, number] {
  const before = indentBefore(text, start);
  const after = restOfLineEnd(text, end);
  if (before !== undefined && after !== undefined) return [start - before.length, after];
  return [start, end];
}

/** made once, not per call as a literal in the function would be; no g flag, so test() keeps no state */
const NEEDS_ESCAPE = /[&<'"]/;

/** Escapes an attribute value for the given quote (values we write are plain, but be safe). */
export function escapeAttribute(value: string, quote: '"' | "'"): string {
  // what we write (numbers, model names) holds none of these: one test, not four replaces
  if (!NEEDS_ESCAPE.test(value)) return value;
  const v = value.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  return quote === "'" ? v.replace(/'/g, '&apos;') : v.replace(/"/g, '&quot;');
}

/** `<name a='1' b='2'` + close: attributes written with `quote`, skipping undefined values. */
export function writeTag(name: string, attributes: ReadonlyArray<readonly [string, string | undefined]>, quote: '"' | "'", close: '/>' | '>'): string {
  let s = `<${name}`;
  // indexed, not `for (const [k, v] of …)`: an iterator per tag and per attribute costs, cold, on
  // the hundreds of addresses `place` writes
  for (let i = 0; i < attributes.length; i++) {
    const a = attributes[i] as readonly [string, string | undefined];
    if (a[1] !== undefined) s += ` ${a[0]}=${quote}${escapeAttribute(a[1], quote)}${quote}`;
  }
  return s + close;
}

/** Two hex digits of 0-255 (`n.toString(16).padStart(2, '0')`), each made once. */
const HEX2: string[] = [];
const hex2 = (n: number): string => (n >= 0 && n <= 255 && Number.isInteger(n) ? (HEX2[n] ??= n.toString(16).padStart(2, '0')) : n.toString(16).padStart(2, '0'));

const isByte = (n: number): boolean => n >= 0 && n <= 255 && Number.isInteger(n);
/** addressTag's cached text before the slot, by quote and bus, and after it, by quote, function and close */
const ADDRESS_HEADS: string[] = [];
const ADDRESS_TAILS: string[] = [];

/** The fixed parts of an address tag, per quote. */
const ADDRESS_PARTS = {
  "'": ["<address type='pci' domain='0x", "' bus='0x", "' slot='0x", "' function='0x", "'"],
  '"': ['<address type="pci" domain="0x', '" bus="0x', '" slot="0x', '" function="0x', '"'],
} as const;

/**
 * `writeTag('address', libvirtAddressAttributes(a), quote, close)` (model/pci.ts), built without
 * the attribute list and a string per piece: `place` writes one per device, and writeTag's way
 * cost about 2 KiB of garbage each (a third of the export's allocations on 600 devices).
 */
export function addressTag(a: GuestPciAddress, quote: '"' | "'", close: '/>' | '>'): string {
  const p = ADDRESS_PARTS[quote];
  // The common case in two concatenations, not nine (each one a 32-byte cons string of garbage):
  // the text before the slot, per bus, and the text after it, per function and close, made once.
  if (a.domain === 0 && a.multifunction === undefined && isByte(a.bus) && isByte(a.slot) && a.function >= 0 && a.function <= 7 && Number.isInteger(a.function)) {
    const q = quote === "'" ? 0 : 1;
    const head = (ADDRESS_HEADS[q * 256 + a.bus] ??= p[0] + '0000' + p[1] + hex2(a.bus) + p[2]);
    const tail = (ADDRESS_TAILS[(q * 8 + a.function) * 2 + (close === '/>' ? 0 : 1)] ??= p[3] + String(a.function) + p[4] + close);
    return head + hex2(a.slot) + tail;
  }
  const domain = a.domain === 0 ? '0000' : a.domain.toString(16).padStart(4, '0');
  const fn = a.function >= 0 && a.function <= 15 && Number.isInteger(a.function) ? (hex2(a.function)[1] as string) : a.function.toString(16);
  const multifunction = a.multifunction ? ` multifunction=${quote}${escapeAttribute(a.multifunction, quote)}${quote}` : '';
  return p[0] + domain + p[1] + hex2(a.bus) + p[2] + hex2(a.slot) + p[3] + fn + p[4] + multifunction + close;
}

/**
 * A text edit. Export collects these and applies them once, from the front, so a 1 MiB document
 * is copied once however many edits there are.
 */
export interface Splice {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/**
 * Applies non-overlapping splices. Inserts at the same offset keep the order they were made in.
 * An edit overlapping an earlier one is a bug in the caller; it is dropped rather than corrupting
 * the document.
 */
export function applySplices(text: string, splices: readonly Splice[]): string {
  if (splices.length === 0) return text;
  // By start, then shorter first (an insert before a replacement at the same offset), then in the
  // order made. Export makes them mostly in that order already: then no sort at all, else the
  // positions are sorted, not an object per splice (600 devices placed make 600 splices, cold).
  let order: number[] | undefined;
  for (let k = 1; k < splices.length; k++) {
    const a = splices[k - 1] as Splice;
    const b = splices[k] as Splice;
    if (a.start > b.start || (a.start === b.start && a.end - a.start > b.end - b.start)) {
      order = new Array<number>(splices.length);
      for (let i = 0; i < splices.length; i++) order[i] = i;
      order.sort((i, j) => {
        const x = splices[i] as Splice;
        const y = splices[j] as Splice;
        return x.start - y.start || x.end - x.start - (y.end - y.start) || i - j;
      });
      break;
    }
  }
  // sized once (a skipped splice leaves two holes, which join reads as empty), not grown push by push
  const n = splices.length;
  const parts = new Array<string>(2 * n + 1);
  let pos = 0;
  for (let k = 0; k < n; k++) {
    const s = splices[order === undefined ? k : (order[k] as number)] as Splice;
    if (s.start < pos) continue;
    parts[2 * k] = text.slice(pos, s.start);
    parts[2 * k + 1] = s.text;
    pos = s.end;
  }
  parts[2 * n] = text.slice(pos);
  return parts.join('');
}
