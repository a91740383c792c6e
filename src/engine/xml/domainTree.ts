import { parseXml, XmlElement } from '@rgrove/parse-xml';
import type { Names } from './elementTree.ts';
import { finder, nameAt, skipSpace } from './elementTree.ts';

/**
 * The element tree a domain document is read into (domainRead.ts): each element's name, its
 * attribute values (references expanded, white space normalised as XML 1.0 §3.3.3 says), its
 * child elements, its text, and its span [start, end) in the text as UTF-16 indexes, start tag to
 * end of end tag, which is what the lossless export patches by (domainPatch.ts).
 *
 * Two readers give it, with one result:
 * - {@link readDomainTree}, a single pass in time linear in the input (issue 14: `pcitopo place`
 *   as fast as libvirt's own define; @rgrove/parse-xml calls a function per character and spent
 *   most of the import). It reads the XML a libvirt domain is written in, and when it meets
 *   anything else or anything wrong (a name outside the Basic Multilingual Plane, an unusual XML
 *   declaration, a broken tag, nesting past {@link FAST_MAX_DEPTH}), it gives up rather than
 *   deciding: it never refuses a document and never accepts one @rgrove/parse-xml would refuse.
 * - {@link parseDomainTree}, @rgrove/parse-xml, for everything the fast reader gives up on:
 *   it decides whether the document is XML and words the error, with line and column.
 * test/domain-tree.test.ts holds the two to the same tree on libvirt's corpus and on mutated
 * documents.
 */
export interface DomElement {
  readonly name: string;
  /** index of the `<` of the start tag */
  readonly start: number;
  /** index just after the end tag's `>` (or the `/>`) */
  readonly end: number;
  /** values as XML defines them: references expanded, each tab/CR/LF (CRLF as one) read as a space */
  readonly attributes: Readonly<Record<string, string>>;
  /** child elements, in document order */
  readonly children: readonly DomElement[];
  /** the text of the element and all its descendants, CDATA included, line ends read as LF (as XmlElement.text) */
  readonly text: string;
}

/** Deeper than this the fast reader gives up (libvirt nests about ten levels; parse-xml recurses and may overflow). */
export const FAST_MAX_DEPTH = 256;

// XML 1.0 §2.3 NameStartChar / NameChar, outside the astral planes (a name using them: give up).
const NAME_CHAR = /[-.0-9:A-Z_a-z\u00B7\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u037D\u037F-\u1FFF\u200C-\u200D\u203F\u2040\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD]/;
const REFERENCE = /&(?:#([0-9]+)|#x([0-9A-Fa-f]+)|(amp|lt|gt|quot|apos));/y;
// The XML declarations parse-xml accepts, in the forms people write; any other gives up.
const XML_DECLARATION =
  /<\?xml[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*(?:"1\.[0-9]+"|'1\.[0-9]+')(?:[ \t\r\n]+encoding[ \t\r\n]*=[ \t\r\n]*(?:"[A-Za-z][\w.-]*"|'[A-Za-z][\w.-]*'))?(?:[ \t\r\n]+standalone[ \t\r\n]*=[ \t\r\n]*(?:"(?:yes|no)"|'(?:yes|no)'))?[ \t\r\n]*\?>/y;
/**
 * Tested on every attribute value: one object made once (a regex literal in the function is a new
 * RegExp each call, garbage per attribute of a large document). It has no g or y flag, so test()
 * keeps no state between calls.
 */
const LINE_BREAK_OR_TAB = /[\t\n\r]/;
/**
 * An attribute with its leading white space, as the general steps of readDomainTree read it, when
 * its name is ASCII and its value holds no `<`, `&`, tab or line end (the value is then the
 * literal text, captured in 2 or 3 by its quote). Anything else fails to match and is read by
 * those steps.
 */
const PLAIN_ATTRIBUTE = /[ \t\r\n]+([:A-Z_a-z][-.0-9:A-Z_a-z]*)[ \t\r\n]*=[ \t\r\n]*(?:'([^'<&\t\n\r]*)'|"([^"<&\t\n\r]*)")/y;
const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

const isXmlCodePoint = (cp: number): boolean =>
  (cp >= 0x20 && cp <= 0xd7ff) || cp === 0x0a || cp === 0x09 || cp === 0x0d || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);

/** The reference at `amp` as [its value, the index after it], or undefined when it is not one XML defines. */
function referenceAt(text: string, amp: number): [string, number] | undefined {
  REFERENCE.lastIndex = amp;
  const m = REFERENCE.exec(text);
  if (!m) return undefined;
  if (m[3] !== undefined) return [ENTITIES[m[3]] as string, REFERENCE.lastIndex];
  const cp = m[1] !== undefined ? parseInt(m[1], 10) : parseInt(m[2] as string, 16);
  if (!isXmlCodePoint(cp)) return undefined;
  return [String.fromCodePoint(cp), REFERENCE.lastIndex];
}

/** Line ends as XML reads them (§2.11): CRLF and a lone CR become LF. */
const normalizeLineBreaks = (s: string): string => (s.indexOf('\r') === -1 ? s : s.replace(/\r\n?/g, '\n'));

/**
 * An element's attributes: own properties only, on a prototype chain without any (so `constructor`
 * or `__proto__` is just an attribute name), and unlike Object.create(null) in V8's fast mode:
 * elements written alike share one layout, where a dictionary per element would cost a fifth of a
 * large document's import.
 */
const Attributes = function Attributes() {} as unknown as new () => Record<string, string>;
Attributes.prototype = Object.create(null) as object;

/** The children of an element that has none (most have none): one shared array, never written. */
const NO_CHILDREN: FastElement[] = [];

// Fields are declared and set in the constructor, in one order: class field initialisers would
// define each one again per element, which costs before V8 optimises anything.
class FastElement implements DomElement {
  declare readonly name: string;
  declare readonly start: number;
  declare readonly attributes: Record<string, string>;
  declare private readonly source: string;
  /** NO_CHILDREN until the end tag, then exactly its children (an array grown child by child keeps room for 17) */
  declare children: FastElement[];
  declare end: number;
  /** [contentStart, contentEnd): what lies between the tags (empty for `<x/>`) */
  declare contentStart: number;
  declare contentEnd: number;
  declare private cachedText: string | undefined;
  constructor(name: string, start: number, attributes: Record<string, string>, source: string) {
    this.name = name;
    this.start = start;
    this.attributes = attributes;
    this.source = source;
    this.children = NO_CHILDREN;
    this.end = 0;
    this.contentStart = 0;
    this.contentEnd = 0;
    this.cachedText = undefined;
  }

  get text(): string {
    if (this.cachedText === undefined) {
      let out = '';
      let at = this.contentStart;
      for (let i = 0; i < this.children.length; i++) {
        const k = this.children[i] as FastElement;
        out += contentText(this.source, at, k.start) + k.text;
        at = k.end;
      }
      this.cachedText = out + contentText(this.source, at, this.contentEnd);
    }
    return this.cachedText;
  }
}

/** The text of [from, to), which holds no element (the reader checked it): character data, references, CDATA, comments, PIs. */
function contentText(text: string, from: number, to: number): string {
  let out = '';
  let i = from;
  while (i < to) {
    let next = text.indexOf('<', i);
    if (next === -1 || next > to) next = to;
    // an `&` only up to `next`: indexOf would search on to the end of the document for the `&`
    // most texts lack (a `<node>` of each of 1,600 controllers scanned the rest of 1 MiB each)
    for (let k = i; k < next; k++) {
      if (text.charCodeAt(k) === 0x26 /* & */) {
        next = k;
        break;
      }
    }
    if (next > i) out += normalizeLineBreaks(text.slice(i, next));
    i = next;
    if (i >= to) break;
    if (text.charCodeAt(i) === 0x26 /* & */) {
      const ref = referenceAt(text, i) as [string, number];
      out += ref[0];
      i = ref[1];
    } else if (text.startsWith('<!--', i)) i = text.indexOf('-->', i + 4) + 3;
    else if (text.startsWith('<![CDATA[', i)) {
      const close = text.indexOf(']]>', i + 9);
      out += normalizeLineBreaks(text.slice(i + 9, close));
      i = close + 3;
    } else i = text.indexOf('?>', i + 2) + 2;
  }
  return out;
}

/** An attribute value as XML reads it: references expanded, tab, CR, LF and CRLF in the literal text as one space each. */
function attributeValue(text: string, from: number, to: number, nextAmp: (from: number) => number): string | undefined {
  let amp = nextAmp(from);
  if (amp >= to) {
    const raw = text.slice(from, to);
    return LINE_BREAK_OR_TAB.test(raw) ? raw.replace(/\r\n|[\n\r\t]/g, ' ') : raw;
  }
  let out = '';
  let i = from;
  while (amp < to) {
    out += text.slice(i, amp).replace(/\r\n|[\n\r\t]/g, ' ');
    const ref = referenceAt(text, amp);
    if (!ref || ref[1] > to) return undefined;
    out += ref[0];
    i = ref[1];
    amp = nextAmp(i);
  }
  return out + text.slice(i, to).replace(/\r\n|[\n\r\t]/g, ' ');
}

/**
 * Skips a comment or a processing instruction at `i` as parse-xml reads them (no `--` inside a
 * comment; a PI's target is a name other than `xml`, followed by space or `?>`): the index after
 * it, or -1 to give up. Any other `<!` or `<?` gives up too.
 */
function skipMarkup(text: string, i: number): number {
  if (text.startsWith('<!--', i)) {
    const dashes = text.indexOf('--', i + 4);
    return dashes !== -1 && text.charCodeAt(dashes + 2) === 0x3e /* > */ ? dashes + 3 : -1;
  }
  if (text.startsWith('<?', i)) {
    const target = nameAt(text, i + 2);
    if (target === undefined || target.toLowerCase() === 'xml') return -1;
    const after = i + 2 + target.length;
    if (text.startsWith('?>', after)) return after + 2;
    const c = text.charCodeAt(after);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return -1;
    const close = text.indexOf('?>', after);
    return close === -1 ? -1 : close + 2;
  }
  return -1;
}

/** Comments, PIs and white space before or after the root element; the index of what follows, or -1 to give up. */
function skipMisc(text: string, i: number): number {
  for (;;) {
    i = skipSpace(text, i);
    if (i >= text.length || text.charCodeAt(i) !== 0x3c /* < */) return i;
    const c = text.charCodeAt(i + 1);
    if (c !== 0x21 /* ! */ && c !== 0x3f /* ? */) return i;
    const after = skipMarkup(text, i);
    if (after === -1) return -1;
    i = after;
  }
}

/**
 * Takes each child element of a `<domain>` root's first `<devices>` as its end tag is read, in
 * document order (domainRead.ts reads a device there and then). Such a child is not kept among
 * `<devices>`' children, nor in its text: a device's subtree then dies young instead of the whole
 * tree living through the import (at 1 MiB, copying it at every scavenge was most of the
 * collector's time). When the reader gives up after some were taken, those were read in vain.
 */
export type DeviceSink = (el: DomElement) => void;

/**
 * The document's root element, read in one pass, or undefined when this reader gives up (the
 * document is not XML, or uses XML this reader leaves to {@link parseDomainTree}). The text has
 * passed checkXmlInput (safety.ts): no character XML forbids, no DOCTYPE. With `takeDevice`, the
 * children of every `<devices>` of the root go to it, in document order, instead of into the tree
 * ({@link DeviceSink}).
 */
export function readDomainTree(text: string, takeDevice?: DeviceSink): DomElement | undefined {
  const n = text.length;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  if (text.startsWith('<?xml', i) && !NAME_CHAR.test(text.charAt(i + 5))) {
    XML_DECLARATION.lastIndex = i;
    if (!XML_DECLARATION.test(text)) return undefined;
    i = XML_DECLARATION.lastIndex;
  }
  i = skipMisc(text, i);
  if (i === -1 || i >= n) return undefined;

  // element and attribute names repeat: one string each (elementTree.ts nameAt), not a slice per tag
  const names: Names = new Map();
  const nextAmp = finder(text, '&');
  const nextLessThan = finder(text, '<');
  const nextCdataEnd = finder(text, ']]>');
  let cdataEndAt = -1;
  let ampAt = -1;
  const stack: FastElement[] = [];
  // the children of the open elements, each one's from where its entry in `bases` says
  const kids: FastElement[] = [];
  const bases: number[] = [];
  let root: FastElement | undefined;
  /**
   * the `<devices>` whose children go to takeDevice: each of the root's in turn, as libvirt reads
   * the devices of all of them (virDomainDefParseXML's XPath "./devices/disk" and so on)
   */
  let devices: FastElement | undefined;
  /** An element whose end tag was read goes to its parent's children, or to takeDevice. */
  const closed = (el: FastElement, parent: FastElement | undefined): void => {
    if (parent === devices && devices !== undefined) (takeDevice as DeviceSink)(el);
    else if (parent !== undefined) kids.push(el);
  };
  while (i < n) {
    const top = stack[stack.length - 1];
    if (top === undefined && root !== undefined) break;
    if (top !== undefined) {
      // character data up to the next markup: no `]]>`, only references XML defines
      const lt = text.indexOf('<', i);
      if (lt === -1) return undefined;
      if (lt > i) {
        // the finders' last answers, kept here: asked again only once the reader has passed them
        // (a document without `]]>` or `&` asks each once, not once per run of text)
        if (cdataEndAt < i) cdataEndAt = nextCdataEnd(i);
        if (cdataEndAt < lt) return undefined;
        if (ampAt < i) ampAt = nextAmp(i);
        for (; ampAt < lt; ampAt = nextAmp(ampAt + 1)) {
          const ref = referenceAt(text, ampAt);
          if (!ref || ref[1] > lt) return undefined;
        }
        i = lt;
      }
      const c = text.charCodeAt(i + 1);
      if (c === 0x2f /* / */) {
        // the open element's name right after `</` and `>` right after it: the end tag, read
        // without looking at its name character by character; anything else by nameAt
        const name = top.name;
        let after = i + 2 + name.length;
        if (!text.startsWith(name, i + 2) || text.charCodeAt(after) !== 0x3e) {
          if (nameAt(text, i + 2, names) !== name) return undefined;
          after = skipSpace(text, after);
        }
        if (text.charCodeAt(after) !== 0x3e) return undefined;
        top.contentEnd = i;
        top.end = after + 1;
        stack.pop();
        const base = bases.pop() as number;
        if (kids.length > base) {
          top.children = kids.slice(base);
          kids.length = base;
        }
        closed(top, stack[stack.length - 1]);
        i = after + 1;
        continue;
      }
      if (c === 0x21 /* ! */ && text.startsWith('<![CDATA[', i)) {
        const close = text.indexOf(']]>', i + 9);
        if (close === -1) return undefined;
        i = close + 3;
        continue;
      }
      if (c === 0x21 || c === 0x3f /* ? */) {
        const after = skipMarkup(text, i);
        if (after === -1) return undefined;
        i = after;
        continue;
      }
    } else if (text.charCodeAt(i) !== 0x3c /* < */) return undefined;
    // a start tag
    const name = nameAt(text, i + 1, names);
    if (name === undefined || stack.length >= FAST_MAX_DEPTH) return undefined;
    const attributes = new Attributes();
    let at = i + 1 + name.length;
    let selfClosing = false;
    for (;;) {
      // most attributes are name='value' with a plain value: one native match reads what the
      // general steps below read a character at a time (each a call in V8's interpreter)
      const next = text.charCodeAt(at);
      if (next !== 0x3e /* > */ && next !== 0x2f /* / */) {
        PLAIN_ATTRIBUTE.lastIndex = at;
        const m = PLAIN_ATTRIBUTE.exec(text);
        if (m !== null) {
          const attr = m[1] as string;
          const value = m[2] ?? (m[3] as string);
          if (attributes[attr] !== undefined) return undefined;
          if (attr === 'xml:space' && value !== 'default' && value !== 'preserve') return undefined;
          attributes[attr] = value;
          at = PLAIN_ATTRIBUTE.lastIndex;
          continue;
        }
      }
      const spaced = skipSpace(text, at);
      const c = text.charCodeAt(spaced);
      if (c === 0x3e /* > */) {
        at = spaced + 1;
        break;
      }
      if (c === 0x2f /* / */) {
        if (text.charCodeAt(spaced + 1) !== 0x3e) return undefined;
        at = spaced + 2;
        selfClosing = true;
        break;
      }
      if (spaced === at) return undefined;
      const attr = nameAt(text, spaced, names);
      if (attr === undefined) return undefined;
      let p = skipSpace(text, spaced + attr.length);
      if (text.charCodeAt(p) !== 0x3d /* = */) return undefined;
      p = skipSpace(text, p + 1);
      const quote = text[p];
      if (quote !== '"' && quote !== "'") return undefined;
      const close = text.indexOf(quote, p + 1);
      if (close === -1 || nextLessThan(p + 1) < close) return undefined;
      const value = attributeValue(text, p + 1, close, nextAmp);
      if (value === undefined || attributes[attr] !== undefined) return undefined;
      if (attr === 'xml:space' && value !== 'default' && value !== 'preserve') return undefined;
      attributes[attr] = value;
      at = close + 1;
    }
    const el = new FastElement(name, i, attributes, text);
    if (top === undefined) root = el;
    // the root by its local name, as libvirt (virXMLNodeNameEqual); a prefixed <x:devices> is no <devices> to it
    else if (takeDevice !== undefined && top === root && name === 'devices' && top.name.slice(top.name.indexOf(':') + 1) === 'domain' && !selfClosing) devices = el;
    if (selfClosing) {
      el.contentStart = at;
      el.contentEnd = at;
      el.end = at;
      closed(el, top);
    } else {
      el.contentStart = at;
      stack.push(el);
      bases.push(kids.length);
    }
    i = at;
  }
  if (root === undefined || stack.length > 0) return undefined;
  return skipMisc(text, i) === n ? root : undefined;
}

/**
 * Where the first start tag nested deeper than `limit` elements begins (the index of its `<`), or
 * undefined when none is: to say where a document too deep to parse (parse-xml recurses per
 * element and overflows the stack) goes wrong. A lexical scan: comments, CDATA, processing
 * instructions and quoted attribute values are skipped, so a `<` or `>` in them is not a tag.
 */
export function firstNestedPast(text: string, limit: number): number | undefined {
  let depth = 0;
  for (let i = text.indexOf('<'); i !== -1; i = text.indexOf('<', i)) {
    const skipTo = (end: string): number => {
      const at = text.indexOf(end, i + 1);
      return at === -1 ? text.length : at + end.length;
    };
    if (text.startsWith('<!--', i)) i = skipTo('-->');
    else if (text.startsWith('<![CDATA[', i)) i = skipTo(']]>');
    else if (text.startsWith('<?', i)) i = skipTo('?>');
    else if (text.startsWith('<!', i)) i = skipTo('>');
    else if (text.startsWith('</', i)) {
      depth--;
      i = skipTo('>');
    } else {
      let j = i + 1;
      let quote = '';
      for (; j < text.length; j++) {
        const c = text[j] as string;
        if (quote) {
          if (c === quote) quote = '';
        } else if (c === '"' || c === "'") quote = c;
        else if (c === '>') break;
      }
      if (depth + 1 > limit) return i;
      if (text[j - 1] !== '/') depth++;
      i = j + 1;
    }
  }
  return undefined;
}

/** A parse-xml element seen as a {@link DomElement}: child elements only, its offsets as the span. */
class ParsedElement implements DomElement {
  readonly children: DomElement[];
  constructor(private readonly el: XmlElement) {
    this.children = [];
    for (const k of el.children) if (k instanceof XmlElement) this.children.push(new ParsedElement(k));
  }
  get name(): string {
    return this.el.name;
  }
  get start(): number {
    return this.el.start;
  }
  get end(): number {
    return this.el.end;
  }
  get attributes(): Readonly<Record<string, string>> {
    return this.el.attributes;
  }
  get text(): string {
    return this.el.text;
  }
}

/**
 * The root element by @rgrove/parse-xml (strict XML 1.0, keeps comments and CDATA, refuses
 * undefined entities), or undefined when the document has none. Throws parse-xml's XmlError
 * (message, line, column) when the text is not XML, and RangeError when it nests too deeply for
 * its recursion.
 */
export function parseDomainTree(text: string): DomElement | undefined {
  const doc = parseXml(text, { includeOffsets: true, preserveComments: true, preserveCdata: true, ignoreUndefinedEntities: false });
  return doc.root ? new ParsedElement(doc.root) : undefined;
}
