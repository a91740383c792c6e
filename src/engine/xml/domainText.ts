/**
 * Small text helpers for patching XML in place: start-tag attributes with their offsets, line
 * boundaries and indentation. They run only on text the parser already accepted, so a start tag
 * is known to be well-formed.
 */

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
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x27) return "'";
    if (c === 0x22) return '"';
    if (c === 0x3e /* > */ || c === 0x2f /* / */) return undefined;
  }
  return undefined;
}

/** Index just after the `>` of the start tag at `start` (`scanStartTag(text, start).end` for a tag that is not self-closing), quoted values skipped. */
function startTagEnd(text: string, start: number): number {
  let quote = 0;
  for (let i = start + 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (quote !== 0) {
      if (c === quote) quote = 0;
    } else if (c === 0x27 || c === 0x22) quote = c;
    else if (c === 0x3e) return i + 1;
  }
  return text.length;
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
  if (text.charCodeAt(span.end - 2) === 47 /* '/' of '/>' */) return { startTagEnd: span.end, selfClosing: true, closeTagStart: span.end };
  return { startTagEnd: startTagEnd(text, span.start), selfClosing: false, closeTagStart: text.lastIndexOf('</', span.end - 1) };
}

/** Index of the first character of the line holding `pos`. */
export function lineStart(text: string, pos: number): number {
  return text.lastIndexOf('\n', pos - 1) + 1;
}

/** The blanks before `pos` on its line, or undefined when something else precedes it there. */
export function indentBefore(text: string, pos: number): string | undefined {
  const from = lineStart(text, pos);
  for (let i = from; i < pos; i++) if (text[i] !== ' ' && text[i] !== '\t') return undefined;
  return text.slice(from, pos);
}

/** Index after the line end following `pos` when only blanks follow it on its line; else undefined. */
export function restOfLineEnd(text: string, pos: number): number | undefined {
  for (let i = pos; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') return i + 1;
    if (c !== ' ' && c !== '\t' && c !== '\r') return undefined;
  }
  return text.length;
}

/** The whole lines of [start, end) when the element has its lines to itself, else just [start, end). */
export function wholeLines(text: string, start: number, end: number): [number, number] {
  const before = indentBefore(text, start);
  const after = restOfLineEnd(text, end);
  if (before !== undefined && after !== undefined) return [start - before.length, after];
  return [start, end];
}

/** Escapes an attribute value for the given quote (values we write are plain, but be safe). */
export function escapeAttribute(value: string, quote: '"' | "'"): string {
  // what we write (numbers, model names) holds none of these: one test, not four replaces
  if (!/[&<'"]/.test(value)) return value;
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
  const order = splices.map((s, i) => ({ s, i }));
  order.sort((a, b) => a.s.start - b.s.start || a.s.end - a.s.start - (b.s.end - b.s.start) || a.i - b.i);
  const parts: string[] = [];
  let pos = 0;
  for (const { s } of order) {
    if (s.start < pos) continue;
    parts.push(text.slice(pos, s.start), s.text);
    pos = s.end;
  }
  parts.push(text.slice(pos));
  return parts.join('');
}
