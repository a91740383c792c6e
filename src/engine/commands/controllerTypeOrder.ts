import type { Design } from '../model/design.ts';
import type { Guest } from '../model/guest.ts';
import { virDomainControllerTypeOrder } from '../libvirt/domainConf.ts';

/**
 * Guest.controllerTypeOrder of an edited design: virDomainControllerTypeOrder() of the
 * `<controller>` elements of the document the design exports, since that document is what libvirt
 * parses (virDomainDefControllersParse keeps each type where its first `<controller>` is written).
 * Those are the source's `<controller>`s in its order, less the ones the design removed (a PCI
 * controller by its key, another by its device key), and the PCI controllers export adds: it writes
 * them next to a written PCI controller, which keeps the PCI group where it is, or, when none is
 * written, after the last other `<controller>` (xml/domainPatch.ts), so 'pci' then comes last. An
 * implicit root is written only once the design changes it.
 *
 * Returns the same guest when the order does not change, or the design has no source document. Cost: one pass over `<devices>`' children
 * with a `<controller>` among them, so callers run it only when the controllers or devices changed.
 */
export function withControllerTypeOrder(design: Design, guest: Guest): Guest {
  const layout = design.source.layout;
  // a design made without a document (a template) keeps what it has: export writes it whole
  if (layout === undefined) return guest;
  const byStart = new Map<number, string>();
  for (const [key, l] of layout.controllers) byStart.set(l.start, key);
  for (const [key, l] of layout.devices) if (l.element === 'controller') byStart.set(l.start, key);
  const pciKeys = new Set<string>();
  for (const c of guest.controllers) pciKeys.add(c.key);
  const deviceKeys = new Set<string>();
  for (const d of guest.devices) if (d.element === 'controller') deviceKeys.add(d.key);
  const types: Array<string | undefined> = [];
  for (const child of layout.deviceChildren) {
    if (child.element !== 'controller') continue;
    const key = byStart.get(child.span.start);
    if (key !== undefined && (pciKeys.has(key) || deviceKeys.has(key))) types.push(child.type);
  }
  const original = new Map(design.original.controllers.map((c) => [c.key, c] as const));
  const addsPci = guest.controllers.some((c) => !layout.controllers.has(c.key) && !(c.implicit && original.get(c.key) === c));
  if (addsPci && !types.includes('pci')) types.push('pci');
  const order = virDomainControllerTypeOrder(types);
  const before = guest.controllerTypeOrder;
  if (order === before || (order && before && order.length === before.length && order.every((t, i) => t === before[i]))) return guest;
  const { controllerTypeOrder: _dropped, ...rest } = guest;
  return order ? { ...rest, controllerTypeOrder: order } : rest;
}
