/**
 * libvirt's QEMU namespace (`xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'`): what a
 * domain passes to QEMU past libvirt's own model. libvirt reads it by namespace, not by prefix:
 * qemuDomainDefNamespaceParse (src/qemu/qemu_domain.c) runs XPath `./qemu:commandline/qemu:arg`,
 * `./qemu:commandline/qemu:env`, `./qemu:capabilities/…`, `./qemu:override/qemu:device` and
 * `string(./qemu:deprecation/@behavior)` from the root with the prefix `qemu` registered for that
 * URI (virXMLNamespaceRegister), so `<q:commandline xmlns:q='…qemu/1.0'>` is read alike and a
 * `<qemu:commandline>` whose prefix names another URI is not.
 */

import type { QemuOverride } from '../model/guest.ts';

export const QEMU_NAMESPACE = 'http://libvirt.org/schemas/domain/qemu/1.0';

/** An element as far as namespaces go: its qualified name and its attributes (the xmlns declarations among them). */
export interface NamespacedElement {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
}

/**
 * The namespace URI of `el`'s name (Namespaces in XML 1.0 §6): its prefix (or the default
 * namespace when it has none) looked up in `el`'s own declarations, then in each of `ancestors`,
 * innermost first. undefined: no namespace (an unprefixed name with no default declared, or
 * `xmlns=''`), or a prefix nothing declares.
 */
export function namespaceOf(el: NamespacedElement, ancestors: readonly NamespacedElement[]): string | undefined {
  const colon = el.name.indexOf(':');
  const attr = colon < 0 ? 'xmlns' : `xmlns:${el.name.slice(0, colon)}`;
  for (const scope of [el, ...ancestors]) {
    const uri = scope.attributes[attr];
    if (uri !== undefined) return uri === '' ? undefined : uri;
  }
  return undefined;
}

/** The name without its prefix. */
export const localName = (name: string): string => name.slice(name.indexOf(':') + 1);

export interface TreeElement extends NamespacedElement {
  readonly children: readonly unknown[];
}

const elementChildren = <E extends TreeElement>(el: E): E[] =>
  el.children.filter((c): c is E => typeof c === 'object' && c !== null && typeof (c as TreeElement).name === 'string' && Array.isArray((c as TreeElement).children));

/**
 * What libvirt's QEMU driver reads from the QEMU namespace of a `<domain>` root: the elements
 * themselves (children of the root in that namespace, whatever their local name), of
 * `<qemu:commandline>` the argument values and environment names, in document order over every
 * `<qemu:commandline>` (XPath node sets: libvirt takes them all), and of `<qemu:override>` each
 * `<qemu:device alias>`'s `<qemu:frontend><qemu:property name type value>`
 * (qemuDomainDefNamespaceParseOverride, libvirt ≥ 8.2; a property without a name is skipped here:
 * libvirt refuses it at parse, which is no PCI matter).
 */
export function qemuNamespaceOf<E extends TreeElement>(root: E): { elements: E[]; args: string[]; env: string[]; overrides: QemuOverride[] } {
  const elements: E[] = [];
  const args: string[] = [];
  const env: string[] = [];
  const overrides: QemuOverride[] = [];
  const inNs = (el: E, ancestors: readonly E[], local: string): boolean => localName(el.name) === local && namespaceOf(el, ancestors) === QEMU_NAMESPACE;
  for (const el of elementChildren(root)) {
    if (namespaceOf(el, [root]) !== QEMU_NAMESPACE) continue;
    elements.push(el);
    if (localName(el.name) === 'override') {
      for (const device of elementChildren(el)) {
        const alias = device.attributes.alias;
        if (!inNs(device, [el, root], 'device') || alias === undefined) continue;
        for (const frontend of elementChildren(device)) {
          if (!inNs(frontend, [device, el, root], 'frontend')) continue;
          for (const p of elementChildren(frontend)) {
            const name = p.attributes.name;
            if (!inNs(p, [frontend, device, el, root], 'property') || name === undefined) continue;
            overrides.push({ alias, name, type: p.attributes.type, value: p.attributes.value });
          }
        }
      }
      continue;
    }
    if (localName(el.name) !== 'commandline') continue;
    for (const c of elementChildren(el)) {
      if (namespaceOf(c, [el, root]) !== QEMU_NAMESPACE) continue;
      const what = localName(c.name);
      if (what === 'arg' && c.attributes.value !== undefined) args.push(c.attributes.value);
      else if (what === 'env' && c.attributes.name !== undefined) env.push(c.attributes.name);
    }
  }
  return { elements, args, env, overrides };
}
