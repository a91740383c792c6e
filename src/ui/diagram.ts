/**
 * The diagram as a standalone SVG (toolbar "SVG" / "PNG"): drawn from the same projection the canvas
 * uses (layout.ts: node positions, heights, edges), so the picture matches what the user sees
 * without reading pixels back from the DOM. Fixed light colours: an exported file has no theme.
 */
import type { Design, Finding, PciController, Severity } from '../engine/index.ts';
import { busModel, formatPciAddress, isPhb } from '../engine/index.ts';
import { subjectIndex } from '../store/index.ts';
import { controllerKindLabel } from './ControllerNode.tsx';
import { devicesByBus, estimateHeight, groupsLabel, layoutGuest, NODE_WIDTH, nodeIdOf } from './layout.ts';

const MARGIN = 24;
const SLOT_COLUMNS = 8;
const COLOURS: Readonly<Record<Severity | 'none', string>> = { error: '#c62828', warning: '#b26a00', info: '#1565c0', none: '#8a94a6' };

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const hex2 = (n: number): string => n.toString(16).padStart(2, '0');

export interface Diagram {
  readonly svg: string;
  readonly width: number;
  readonly height: number;
}

function controllerTitle(c: PciController): string {
  return `${controllerKindLabel(c)} #${c.index ?? '?'}`;
}

export function diagramSvg(design: Design, findings: readonly Finding[]): Diagram {
  const guest = design.guest;
  const { nodes, edges } = layoutGuest(guest, { lod: 'full', columns: 3 });
  const byBus = devicesByBus(guest);
  const subjects = subjectIndex(findings);
  const byId = new Map(guest.controllers.map((c) => [nodeIdOf(c), c]));
  const box = new Map<string, { x: number; y: number; h: number }>();
  let width = 0;
  let height = 0;
  for (const n of nodes) {
    const c = byId.get(n.id);
    if (!c) continue;
    const h = estimateHeight(c, c.index === undefined ? 0 : (byBus.get(c.index)?.length ?? 0));
    box.set(n.id, { x: n.position.x + MARGIN, y: n.position.y + MARGIN, h });
    width = Math.max(width, n.position.x + NODE_WIDTH + 2 * MARGIN);
    height = Math.max(height, n.position.y + h + 2 * MARGIN);
  }
  width = Math.max(width, 2 * MARGIN + NODE_WIDTH);
  height = Math.max(height, 2 * MARGIN + 40);

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" font-size="12">`);
  out.push(`<title>${esc(`PCI topology of ${guest.name ?? 'the guest'} (${guest.machine ?? 'unknown machine'})`)}</title>`);
  out.push(`<rect width="100%" height="100%" fill="#ffffff"/>`);
  for (const e of edges) {
    const a = box.get(e.source);
    const b = box.get(e.target);
    if (!a || !b) continue;
    const x1 = a.x + NODE_WIDTH;
    const y1 = a.y + 24;
    const x2 = b.x;
    const y2 = b.y + 24;
    const mx = (x1 + x2) / 2;
    out.push(`<path d="M${x1} ${y1} H${mx} V${y2} H${x2}" fill="none" stroke="#8a94a6" stroke-width="1.5"/>`);
  }
  for (const n of nodes) {
    const c = byId.get(n.id);
    const b = box.get(n.id);
    if (!c || !b) continue;
    const index = c.index;
    const sev = index === undefined ? undefined : subjects.controllers.get(index);
    const phb = isPhb(c);
    out.push(`<g id="controller-${esc(String(index ?? c.key))}" data-model="${esc(c.model)}">`);
    out.push(`<rect x="${b.x}" y="${b.y}" width="${NODE_WIDTH}" height="${b.h}" rx="8" fill="${phb ? '#f3f6fd' : '#f7f7f9'}" stroke="${COLOURS[sev ?? 'none']}" stroke-width="${sev ? 2 : 1}"/>`);
    const meta: string[] = [];
    if (phb && c.target.index !== undefined) meta.push(`target ${c.target.index}`);
    if (c.target.node !== undefined) meta.push(`NUMA ${c.target.node}`);
    if (c.target.chassis !== undefined) meta.push(`chassis ${c.target.chassis}`);
    if (c.target.port !== undefined) meta.push(`port ${c.target.port}`);
    out.push(`<text x="${b.x + 10}" y="${b.y + 20}" font-weight="700" font-size="13">${esc(controllerTitle(c))}</text>`);
    if (meta.length) out.push(`<text x="${b.x + NODE_WIDTH - 10}" y="${b.y + 20}" text-anchor="end" fill="#4a5568">${esc(meta.join(' · '))}</text>`);
    const devices = index === undefined ? [] : (byBus.get(index) ?? []);
    const groups = new Set<number>();
    for (const d of devices) {
      const g = d.hostAddress ? design.host?.devices.get(formatPciAddress(d.hostAddress))?.iommuGroup : undefined;
      if (g !== undefined) groups.add(g);
    }
    if (phb || groups.size) {
      const pe = groupsLabel(phb, groups, devices.length > 0 || guest.controllers.some((k) => index !== undefined && k.index !== index && k.address?.bus === index));
      out.push(`<text x="${b.x + 10}" y="${b.y + 40}" fill="${groups.size > 1 ? COLOURS.warning : '#4a5568'}">${esc(pe)}</text>`);
    }
    // slot grid: used slots filled, free ones outlined
    const m = busModel(c);
    const used = new Set<number>();
    for (const d of devices) if (d.address) used.add(d.address.slot);
    for (const k of guest.controllers) if (index !== undefined && k.address?.bus === index && k.index !== index) used.add(k.address.slot);
    let y = b.y + 54;
    if (m && index !== undefined) {
      const cell = (NODE_WIDTH - 20) / SLOT_COLUMNS;
      let i = 0;
      for (let s = m.minSlot; s <= m.maxSlot; s++, i++) {
        const cx = b.x + 10 + (i % SLOT_COLUMNS) * cell;
        const cy = y + Math.floor(i / SLOT_COLUMNS) * 28;
        const on = used.has(s);
        out.push(`<rect x="${cx + 1}" y="${cy}" width="${cell - 2}" height="22" rx="3" fill="${on ? '#5b7fd6' : '#ffffff'}" stroke="${on ? '#5b7fd6' : '#c3cad6'}"/>`);
        out.push(`<text x="${cx + cell / 2}" y="${cy + 15}" text-anchor="middle" font-size="10" fill="${on ? '#ffffff' : '#8a94a6'}">${hex2(s)}</text>`);
      }
      y += Math.ceil(i / SLOT_COLUMNS) * 28;
    }
    y += 6;
    if (devices.length === 0) out.push(`<text x="${b.x + 10}" y="${y + 18}" fill="#8a94a6">No devices</text>`);
    for (const d of devices) {
      const a = d.address;
      const dsev = subjects.devices.get(d.key);
      const host = d.hostAddress ? design.host?.devices.get(formatPciAddress(d.hostAddress)) : undefined;
      const name = host ? (host.productName ?? host.vendorName) : undefined;
      out.push(`<g id="device-${esc(d.key)}">`);
      out.push(`<rect x="${b.x + 8}" y="${y + 2}" width="${NODE_WIDTH - 16}" height="26" rx="4" fill="${d.hostAddress ? '#eef7ee' : '#ffffff'}" stroke="${COLOURS[dsev ?? 'none']}" stroke-width="${dsev ? 1.5 : 0.5}"/>`);
      out.push(`<text x="${b.x + 14}" y="${y + 19}" font-family="ui-monospace, monospace" fill="#4a5568">${a ? `${hex2(a.slot)}.${a.function}` : '--'}</text>`);
      const label = name ? `${d.label} — ${name}` : d.label;
      out.push(`<text x="${b.x + 56}" y="${y + 19}">${esc(label.length > 40 ? `${label.slice(0, 39)}…` : label)}</text>`);
      out.push(`</g>`);
      y += 30;
    }
    out.push(`</g>`);
  }
  out.push(`</svg>`);
  return { svg: out.join('\n'), width, height };
}
