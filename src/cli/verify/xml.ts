/**
 * A small mutable XML tree for the throw-away copies `verify` hands to libvirt. The copies are never
 * shown to users, so comments and formatting need not survive; the user's file is never rewritten.
 */
import { parseXml, XmlElement, XmlText } from '@rgrove/parse-xml';
import { parseLibvirtUint } from '../../engine/index.ts';
import type { GuestPciAddress } from '../../engine/index.ts';

export { XmlElement };

/** The document element, with source offsets (`start`) so elements can be matched to the engine's reading of the same text. */
export function parseDocumentElement(text: string): XmlElement {
  const doc = parseXml(text, { includeOffsets: true });
  const root = doc.children.find((c): c is XmlElement => c instanceof XmlElement);
  if (!root) throw new Error('no document element');
  return root;
}

export function elements(el: XmlElement, name?: string): XmlElement[] {
  return el.children.filter((c): c is XmlElement => c instanceof XmlElement && (name === undefined || c.name === name));
}

export function child(el: XmlElement | undefined, name: string): XmlElement | undefined {
  return el ? elements(el, name)[0] : undefined;
}

/** `child(el, 'a', 'b')` = el's first `<a>`'s first `<b>` */
export function path(el: XmlElement | undefined, ...names: string[]): XmlElement | undefined {
  let cur = el;
  for (const n of names) cur = child(cur, n);
  return cur;
}

export function textOf(el: XmlElement | undefined): string | undefined {
  return el ? el.text : undefined;
}

export function remove(el: XmlElement): void {
  const p = el.parent;
  if (p instanceof XmlElement) p.children.splice(p.children.indexOf(el), 1);
}

export function append(parent: XmlElement, el: XmlElement): XmlElement {
  parent.children.push(el);
  (el as { parent: unknown }).parent = parent;
  return el;
}

export function replace(old: XmlElement, el: XmlElement): void {
  const p = old.parent;
  if (!(p instanceof XmlElement)) return;
  p.children.splice(p.children.indexOf(old), 1, el);
  (el as { parent: unknown }).parent = p;
}

export function make(name: string, attributes: Record<string, string> = {}, children: Array<XmlElement | string> = []): XmlElement {
  const el = new XmlElement(name, { ...attributes });
  for (const c of children) {
    if (typeof c === 'string') el.children.push(new XmlText(c));
    else append(el, c);
  }
  return el;
}

export function setText(el: XmlElement, text: string): void {
  el.children.splice(0, el.children.length, new XmlText(text));
}

/** Keeps only the element children named in `keep` (text children go too: they are only indentation). */
export function keepChildren(el: XmlElement, keep: ReadonlySet<string>): void {
  el.children.splice(0, el.children.length, ...elements(el).filter((c) => keep.has(c.name)));
}

const escText = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const escAttr = (s: string): string => escText(s).replace(/"/g, '&quot;');

export function serialize(el: XmlElement): string {
  const attrs = Object.entries(el.attributes)
    .map(([k, v]) => ` ${k}="${escAttr(v)}"`)
    .join('');
  if (el.children.length === 0) return `<${el.name}${attrs}/>`;
  let inner = '';
  for (const c of el.children) {
    if (c instanceof XmlElement) inner += serialize(c);
    else if (c instanceof XmlText) inner += escText(c.text);
    // comments, CDATA and processing instructions: libvirt ignores them in the places we copy
  }
  return `<${el.name}${attrs}>${inner}</${el.name}>`;
}

/** The element's own `<address type='pci'>`, read the way libvirt reads it. */
export function pciAddressOf(el: XmlElement): GuestPciAddress | undefined {
  const a = child(el, 'address');
  if (!a || a.attributes.type !== 'pci') return undefined;
  const n = (k: string): number => parseLibvirtUint(a.attributes[k]) ?? 0;
  const mf = a.attributes.multifunction;
  return {
    domain: n('domain'),
    bus: n('bus'),
    slot: n('slot'),
    function: n('function'),
    multifunction: mf === 'on' || mf === 'off' ? mf : undefined,
  };
}

export function aliasOf(el: XmlElement): string | undefined {
  return child(el, 'alias')?.attributes.name;
}
