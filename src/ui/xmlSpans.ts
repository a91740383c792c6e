/**
 * Where the selected device or controller is written in the live XML, so the XML drawer can scroll
 * to it and highlight it. The importer keeps every element's offsets (DomainSource.layout); after
 * edits the live XML is a patched text, which is read again (once per design) to find them there.
 */
import type { Design, DomainSource } from '../engine/index.ts';
import { importDomain } from '../engine/index.ts';
import type { Selection } from '../store/index.ts';

export interface Span {
  /** [from, to) offsets into the live XML */
  readonly from: number;
  readonly to: number;
}

const reread = new WeakMap<Design, { xml: string; source: DomainSource | null; controllers: ReadonlyMap<number, string> }>();

function layoutFor(design: Design, xml: string): { source: DomainSource | null; controllerKey: (index: number | undefined, key: string) => string | undefined } {
  if (xml === design.source.text && design.source.layout) return { source: design.source, controllerKey: (_i, key) => key };
  let hit = reread.get(design);
  if (!hit || hit.xml !== xml) {
    const r = importDomain(xml);
    const controllers = new Map<number, string>();
    if (r.ok) for (const c of r.value.guest.controllers) if (c.index !== undefined && !controllers.has(c.index)) controllers.set(c.index, c.key);
    hit = { xml, source: r.ok ? r.value.source : null, controllers };
    reread.set(design, hit);
  }
  const { controllers } = hit;
  // controllers added by the design have new keys: the re-read text knows them by index
  return { source: hit.source, controllerKey: (index) => (index === undefined ? undefined : controllers.get(index)) };
}

/** The element of the selected device or controller in `xml` (the design's live XML); undefined when it is not written. */
export function selectionSpan(design: Design, selection: Selection | null, xml: string): Span | undefined {
  if (!selection || (selection.kind !== 'device' && selection.kind !== 'controller')) return undefined;
  const { source, controllerKey } = layoutFor(design, xml);
  const layout = source?.layout;
  if (!layout) return undefined;
  if (selection.kind === 'device') {
    const el = layout.devices.get(selection.key);
    return el ? { from: el.start, to: el.end } : undefined;
  }
  const c = design.guest.controllers.find((x) => x.key === selection.key);
  const key = c ? controllerKey(c.index, c.key) : undefined;
  const el = key === undefined ? undefined : layout.controllers.get(key);
  return el ? { from: el.start, to: el.end } : undefined;
}
