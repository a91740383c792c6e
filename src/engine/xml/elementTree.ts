/**
 * A strict, single-pass XML reader for node-device documents (nodedev.ts): the elements, their
 * attributes and their text, as plain objects, in time linear in the input.
 *
 * Why not a library here: host import has a budget (DESIGN.md §7: 2,048 devices in under 50 ms,
 * linear in size), and the general parsers we have spend most of theirs elsewhere (fast-xml-parser
 * validates in one pass and builds in a second, with a path matcher per element; @rgrove/parse-xml
 * calls a function per character), while a node-device dump uses a handful of XML constructs.
 * Every well-formedness rule those constructs have is checked (XML 1.0 §2-3: names, quoted
 * attributes without `<`, no repeated attribute, matching end tags, references, no `]]>` in text),
 * and a break names its offset; DOCTYPEs were refused before (safety.ts).
 *
 * The tree: an element is a string (its trimmed text) when it has neither attributes nor child
 * elements, else an object with `@_<name>` per attribute (raw, entities not expanded), one array
 * per child element name in document order, and `#text` (trimmed) when it has text. Every key is
 * an own property, so an element named `__proto__` or `constructor` is just a name (see newNode).
 */

export type XNode = string | { readonly [key: string]: unknown };

export interface ScanError {
  /** UTF-16 offset in the text */
  readonly offset: number;
  readonly message: string;
}

/** How deep elements may nest: node-device XML nests about five levels. */
export const MAX_DEPTH = 256;

/**
 * How many attributes one element may have: node-device XML writes at most four on an element
 * (`<address domain bus slot function>`, src/conf/schemas/nodedev.rng). A million attributes on one
 * element made a host import take seconds and gigabytes (one object with a million keys) before
 * this bound (issue 11: bounded by the format's own limits, never by the input).
 */
export const MAX_ATTRIBUTES = 64;

interface Open {
  name: string;
  offset: number;
  node: Record<string, unknown>;
  attributes: number;
  elements: number;
  /** the text so far, from its first character trim() would keep */
  text: string;
  /** blank text after `text`: kept only if more text follows (trim() would drop it at the end) */
  pending: string;
}

// XML 1.0 §2.3 NameStartChar / NameChar, outside the astral planes.
const NAME = /[:A-Z_a-z\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD][-.0-9:A-Z_a-z\u00B7\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u037D\u037F-\u1FFF\u200C-\u200D\u203F\u2040\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD]*/y;
/** ASCII NameChars (§2.3), any number: matches at any index up to the text's length (nameAt) */
const ASCII_NAME_CHARS = /[-.0-9:A-Z_a-z]*/y;
/** what trim() removes (JS white space and line terminators) */
const BLANK = /^\s*$/;
const REFERENCE = /&(?:#[0-9]+|#x[0-9A-Fa-f]+|amp|lt|gt|quot|apos);/y;

/**
 * Names seen in this scan, by length and first character: a document repeats a few dozen names
 * thousands of times, and handing back the same string object (no slice, already a property key)
 * instead of a fresh copy each time takes most of the garbage out of a large host import.
 */
export type Names = Map<number, string[]>;

/** The name at `at`: ASCII names by char codes (all libvirt writes), others by the XML grammar's regex. */
export function nameAt(text: string, at: number, names?: Names): string | undefined {
  const c = text.charCodeAt(at);
  if ((c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x3a || c === 0x5f) {
    // the ASCII NameChars that follow (letters, digits, `-`, `.`, `:`, `_`) by a sticky regex: it
    // runs native, where a loop over them would run in V8's interpreter (a short CLI run ends
    // before V8 optimises anything), a few bytecodes per character of every name
    ASCII_NAME_CHARS.lastIndex = at + 1;
    ASCII_NAME_CHARS.test(text);
    const end = ASCII_NAME_CHARS.lastIndex;
    if (text.charCodeAt(end) < 0x80 || end >= text.length) {
      if (names === undefined) return text.slice(at, end);
      const key = (end - at) * 128 + c;
      const seen = names.get(key);
      if (seen !== undefined) {
        for (let k = 0; k < seen.length; k++) if (text.startsWith(seen[k] as string, at)) return seen[k];
      }
      const name = text.slice(at, end);
      if (seen === undefined) names.set(key, [name]);
      else if (seen.length < 8) seen.push(name);
      return name;
    }
  }
  NAME.lastIndex = at;
  return NAME.exec(text)?.[0];
}

/** The index of the first character at or after `at` that is not XML white space (§2.3 S). */
export function skipSpace(text: string, at: number): number {
  for (let c = text.charCodeAt(at); c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d; c = text.charCodeAt(at)) at++;
  return at;
}

/** Would String.prototype.trim() leave nothing of [from, to)? Without making the string. */
function blank(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || (c >= 0x09 && c <= 0x0d)) continue;
    if (c < 0x80) return false;
    return BLANK.test(text.slice(i, to));
  }
  return true;
}

/**
 * The next occurrence of `needle` at or after `from`, remembered: the reader only moves forward, so
 * each search resumes where the last one found something and the whole scan stays linear (a fresh
 * indexOf from every attribute would rescan to the end each time a needle is absent).
 */
export function finder(text: string, needle: string): (from: number) => number {
  let found = -2;
  return (from) => {
    if (found === -1) return Infinity;
    if (found < from) found = text.indexOf(needle, from);
    return found === -1 ? Infinity : found;
  };
}

/** The offset of the first `&` in [from, to) that does not start a predefined entity or character reference, or -1. */
function badReference(text: string, nextAmp: (from: number) => number, from: number, to: number): number {
  for (let amp = nextAmp(from); amp < to; amp = nextAmp(amp + 1)) {
    REFERENCE.lastIndex = amp;
    if (!REFERENCE.test(text) || REFERENCE.lastIndex > to) return amp;
  }
  return -1;
}

const fail = (offset: number, message: string): ScanError => ({ offset, message });

/**
 * An element's object: a plain literal. Not Object.create(null), whose objects V8 keeps as hash
 * tables (a 2,048-device host then spent half its import collecting garbage, DESIGN.md §7
 * host-import budget); plain objects from one site share hidden classes and can be pretenured.
 * Names that Object.prototype also has are still only names: every key is an own property
 * (`__proto__` is defined, never assigned), and readers take only arrays (children) and strings
 * (`@_` attributes, `#text`), which Object.prototype has none of.
 */
const newNode = (): Record<string, unknown> => ({});

/**
 * Reads `text` as the content of one element (so a file of several concatenated documents reads
 * as their elements side by side) and returns that element, or where and why it is not XML.
 */
/**
 * Called as each element of depth 1 (a child of the document) or 2 closes, in document order of
 * their end; `offset` is where its start tag begins, `parent` the name of the element it is in
 * ('' for the document). Returning true takes the element out of the tree: the caller has read it,
 * and a large file's records then die young instead of all staying alive to the end of the scan.
 */
export type TakeElement = (name: string, value: XNode, depth: 1 | 2, offset: number, parent: string) => boolean;

export function scanElements(text: string, take?: TakeElement): { ok: true; root: Record<string, unknown> } | { ok: false; error: ScanError } {
  const root: Open = { name: '', offset: 0, node: newNode(), attributes: 0, elements: 0, text: '', pending: '' };
  const stack: Open[] = [root];
  const pool: Open[] = [];
  let top = root;
  let i = 0;
  const n = text.length;
  const nextAmp = finder(text, '&');
  const nextLessThan = finder(text, '<');
  const nextCdataEnd = finder(text, ']]>');
  const names: Names = new Map();
  const attributeKeys = new Map<string, string>();
  while (i < n) {
    const lt = text.indexOf('<', i);
    const end = lt === -1 ? n : lt;
    if (end > i) {
      const close = nextCdataEnd(i);
      if (close < end) return { ok: false, error: fail(close, "']]>' is not allowed in text") };
      const bad = badReference(text, nextAmp, i, end);
      if (bad !== -1) return { ok: false, error: fail(bad, "'&' starts no entity XML predefines (&amp; &lt; &gt; &quot; &apos;) nor a character reference") };
      if (top !== root) addText(top, text, i, end);
      else if (!blank(text, i, end)) top.text += text.slice(i, end);
      i = end;
      if (lt === -1) break;
    }
    const next = text.charCodeAt(i + 1);
    if (next === 0x21 /* ! */) {
      if (text.startsWith('<!--', i)) {
        // XML forbids '--' in a comment (§2.5) and libxml2 refuses it ("Double hyphen within
        // comment"), as the domain reader (parse-xml) does: a host file pcitopo reads, xmllint reads
        const stop = text.indexOf('-->', i + 4);
        if (stop === -1) return { ok: false, error: fail(i, 'the comment is not closed (-->)') };
        const dashes = text.indexOf('--', i + 4);
        if (dashes < stop) return { ok: false, error: fail(dashes, "'--' inside a comment: XML forbids it (libxml2: \"Double hyphen within comment\"); write it otherwise") };
        i = stop + 3;
        continue;
      }
      if (text.startsWith('<![CDATA[', i)) {
        if (top === root) return { ok: false, error: fail(i, 'a CDATA section outside any element') };
        const stop = text.indexOf(']]>', i + 9);
        if (stop === -1) return { ok: false, error: fail(i, 'the CDATA section is not closed (]]>)') };
        addText(top, text, i + 9, stop);
        i = stop + 3;
        continue;
      }
      return { ok: false, error: fail(i, "'<!' starts neither a comment nor a CDATA section") };
    }
    if (next === 0x3f /* ? */) {
      const target = nameAt(text, i + 2);
      if (!target) return { ok: false, error: fail(i, "'<?' is not followed by a processing instruction's name") };
      if (target.toLowerCase() === 'xml') return { ok: false, error: fail(i, 'an XML declaration is only allowed at the start of a document') };
      const stop = text.indexOf('?>', i + 2);
      if (stop === -1) return { ok: false, error: fail(i, 'the processing instruction is not closed (?>)') };
      i = stop + 2;
      continue;
    }
    if (next === 0x2f /* / */) {
      const name = nameAt(text, i + 2, names);
      const after = name === undefined ? i + 2 : skipSpace(text, i + 2 + name.length);
      if (name === undefined || text.charCodeAt(after) !== 0x3e) return { ok: false, error: fail(i, 'the closing tag is not well-formed') };
      if (top === root) return { ok: false, error: fail(i, `closing tag </${name}> closes no open element`) };
      if (name !== top.name) {
        const { line, column } = lineColumnOf(text, top.offset);
        return { ok: false, error: fail(i, `closing tag </${name}> does not match <${top.name}> (opened in line ${line}, col ${column})`) };
      }
      closeElement(stack, take);
      top = stack[stack.length - 1] as Open;
      i = after + 1;
      continue;
    }
    // a start tag
    const name = nameAt(text, i + 1, names);
    if (name === undefined) return { ok: false, error: fail(i, "'<' starts no tag (write &lt; for a literal '<')") };
    if (stack.length > MAX_DEPTH) return { ok: false, error: fail(i, 'nested too deeply') };
    // one record per depth, reused: the record of a closed element is dead (its node lives on)
    let open = pool[stack.length];
    if (open === undefined) pool[stack.length] = open = { name, offset: i, node: newNode(), attributes: 0, elements: 0, text: '', pending: '' };
    else {
      open.name = name;
      open.offset = i;
      open.node = newNode();
      open.attributes = 0;
      open.elements = 0;
      open.text = '';
      open.pending = '';
    }
    let at = i + 1 + name.length;
    for (;;) {
      const spaced = skipSpace(text, at);
      const c = text.charCodeAt(spaced);
      if (c === 0x3e /* > */ || (c === 0x2f && text.charCodeAt(spaced + 1) === 0x3e)) {
        at = spaced;
        break;
      }
      const attr = spaced > at ? nameAt(text, spaced, names) : undefined;
      if (attr === undefined) {
        if (spaced >= n) return { ok: false, error: fail(i, `the start tag <${name}> is not closed`) };
        return { ok: false, error: fail(spaced, `the start tag <${name}> is not well-formed here (attributes are name='value', separated by spaces)`) };
      }
      let p = skipSpace(text, spaced + attr.length);
      if (text.charCodeAt(p) !== 0x3d /* = */) return { ok: false, error: fail(spaced, `attribute '${attr}' of <${name}> has no value`) };
      p = skipSpace(text, p + 1);
      const quote = text[p];
      if (quote !== '"' && quote !== "'") return { ok: false, error: fail(p, `the value of attribute '${attr}' of <${name}> is not quoted`) };
      const close = text.indexOf(quote, p + 1);
      if (close === -1) return { ok: false, error: fail(p, `the value of attribute '${attr}' of <${name}> is not closed`) };
      const lessThan = nextLessThan(p + 1);
      if (lessThan < close) return { ok: false, error: fail(lessThan, `'<' is not allowed in the value of attribute '${attr}'`) };
      const bad = badReference(text, nextAmp, p + 1, close);
      if (bad !== -1) return { ok: false, error: fail(bad, "'&' starts no entity XML predefines (&amp; &lt; &gt; &quot; &apos;) nor a character reference") };
      let key = attributeKeys.get(attr);
      if (key === undefined) attributeKeys.set(attr, (key = `@_${attr}`));
      if (Object.hasOwn(open.node, key)) return { ok: false, error: fail(spaced, `attribute '${attr}' is repeated in <${name}>`) };
      if (open.attributes === MAX_ATTRIBUTES) return { ok: false, error: fail(spaced, `<${name}> has more than ${MAX_ATTRIBUTES} attributes; node-device XML writes at most a few on an element`) };
      open.node[key] = text.slice(p + 1, close);
      open.attributes++;
      at = close + 1;
    }
    top.elements++;
    if (text.charCodeAt(at) === 0x2f) {
      stack.push(open);
      closeElement(stack, take);
      i = at + 2;
    } else {
      stack.push(open);
      top = open;
      i = at + 1;
    }
  }
  if (stack.length > 1) {
    const { line, column } = lineColumnOf(text, top.offset);
    return { ok: false, error: fail(n, `the element <${top.name}> (opened in line ${line}, col ${column}) is not closed before the end of the file`) };
  }
  const rootText = root.text.trim();
  if (rootText !== '') root.node['#text'] = rootText;
  return { ok: true, root: root.node };
}

/**
 * Appends [from, to) to the element's text as trim() will see it: blank runs before any text are
 * dropped and blank runs after it held back, so the indentation between child elements (most of
 * a pretty-printed document) never becomes a string.
 */
function addText(open: Open, text: string, from: number, to: number): void {
  if (blank(text, from, to)) {
    if (open.text !== '') open.pending += text.slice(from, to);
    return;
  }
  if (open.pending !== '') {
    open.text += open.pending;
    open.pending = '';
  }
  open.text += text.slice(from, to);
}

/** Pops the top element and files it under its parent, in the tree's shape. */
function closeElement(stack: Open[], take: TakeElement | undefined): void {
  const done = stack.pop() as Open;
  const parent = stack[stack.length - 1] as Open;
  const text = done.text.trim();
  let value: XNode;
  if (done.attributes === 0 && done.elements === 0) value = text;
  else {
    if (text !== '') done.node['#text'] = text;
    value = done.node;
  }
  const depth = stack.length;
  if (take !== undefined && depth <= 2 && take(done.name, value, depth as 1 | 2, done.offset, parent.name)) return;
  const list = parent.node[done.name];
  if (Array.isArray(list)) list.push(value);
  else if (done.name === '__proto__') {
    const own = Object.getOwnPropertyDescriptor(parent.node, '__proto__')?.value as XNode[] | undefined;
    if (own) own.push(value);
    else Object.defineProperty(parent.node, '__proto__', { value: [value], enumerable: true, writable: true, configurable: true });
  } else parent.node[done.name] = [value];
}

function lineColumnOf(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let last = -1;
  for (let j = text.indexOf('\n'); j !== -1 && j < offset; j = text.indexOf('\n', j + 1)) {
    line++;
    last = j;
  }
  return { line, column: offset - last };
}
