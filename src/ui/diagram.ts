/**
 * The diagram as a standalone SVG (toolbar "Diagram" > SVG / PNG), a picture worth sharing: a title
 * (domain, machine, counts), the host IOMMU groups beside the guest's PCI tree with where each group
 * went, the tree itself laid out as the canvas lays it out in full detail (layout.ts), with its
 * columns chosen for a landscape page rather than one long strip, the devices still unplaced, and a
 * legend. Every label is measured (textMeasure.ts) and kept inside its box, cut with an ellipsis
 * only where it must be, the full text then in a <title> tooltip. Fixed light colours: an exported
 * file has no theme.
 *
 * Structure (what the tests rely on): every box is a <g class="box"> whose first child is its
 * <rect>; the texts of a box are its direct children; controllers are <g id="controller-N">,
 * devices <g id="device-KEY">, host groups <g id="host-group-N">.
 */
import type { Design, Finding, GuestDevice, MachineFamily, PciController, Severity } from '../engine/index.ts';
import { busModel, formatPciAddress, machineFamily } from '../engine/index.ts';
import { subjectIndex } from '../store/index.ts';
import { busOwner, chooseColumns, controllerLabel, deviceGrid, devicesByBus, shownControllers, FULL_PARTS, groupsLabel, layoutGuest, nodeIdOf, pciDevices, shownAsPhb, SPACING, unplacedDevices, type Rect } from './layout.ts';
import { canvasMeasure, estimateWidth, fitText, MONO, SANS, type Measure, type TextStyle } from './textMeasure.ts';

const MARGIN = 24;
const TITLE_H = 64;
const HOST_W = 300;
const COL_GAP = 48;
const SLOT_COLUMNS = 8;
const PAD = 8;
/** the page the tree's columns are chosen for: landscape, about 16:10 */
const PAGE = { width: 1600, height: 1000 };

const C = {
  error: '#c62828',
  warning: '#b26a00',
  info: '#1565c0',
  none: '#8a94a6',
  accent: '#2457c5',
  slot: '#5b7fd6',
  text: '#1b1f24',
  muted: '#4a5568',
  panel: '#ffffff',
  phbFill: '#f3f6fd',
  busFill: '#f7f7f9',
  passthrough: '#eef7ee',
  peFill: '#e3ebfb',
  warnFill: '#fff4e0',
} as const;
const SEV: Readonly<Record<Severity | 'none', string>> = { error: C.error, warning: C.warning, info: C.info, none: C.none };

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const hex2 = (n: number): string => n.toString(16).padStart(2, '0');

export interface Diagram {
  readonly svg: string;
  readonly width: number;
  readonly height: number;
}

export interface DiagramOptions {
  /** text metrics; the browser's when it has a canvas, an estimate otherwise */
  readonly measure?: Measure | undefined;
}

/** SVG output with measured, fitted text. */
class Svg {
  readonly out: string[] = [];
  constructor(private readonly measure: Measure) {}

  raw(s: string): void {
    this.out.push(s);
  }

  /**
   * A label at (x, y) (baseline) that must fit `maxWidth` px: cut with an ellipsis when it does not,
   * the full text kept in a <title>. `anchor` 'end' and 'middle' place x at its end or middle.
   */
  text(x: number, y: number, label: string, maxWidth: number, style: TextStyle & { fill?: string; anchor?: 'start' | 'middle' | 'end' }): void {
    const fit = fitText(label, maxWidth, style, this.measure);
    if (!fit.text) return;
    const attrs = [`x="${round(x)}"`, `y="${round(y)}"`, `font-size="${style.size}"`];
    if (style.bold) attrs.push('font-weight="700"');
    if (style.mono) attrs.push(`font-family="${MONO.replace(/"/g, "'")}"`);
    if (style.fill) attrs.push(`fill="${style.fill}"`);
    if (style.anchor && style.anchor !== 'start') attrs.push(`text-anchor="${style.anchor}"`);
    this.out.push(`<text ${attrs.join(' ')}>${fit.cut ? `<title>${esc(label)}</title>` : ''}${esc(fit.text)}</text>`);
  }

  width(label: string, style: TextStyle): number {
    return this.measure(label, style);
  }

  rect(r: Rect, fill: string, stroke: string, strokeWidth = 1, radius = 6): void {
    this.out.push(`<rect x="${round(r.x)}" y="${round(r.y)}" width="${round(r.width)}" height="${round(r.height)}" rx="${radius}" fill="${fill}" stroke="${stroke}" stroke-width="${strokeWidth}"/>`);
  }

  open(attrs: string): void {
    this.out.push(`<g class="box"${attrs ? ` ${attrs}` : ''}>`);
  }

  close(): void {
    this.out.push('</g>');
  }
}

const round = (n: number): string => String(Math.round(n * 10) / 10);

const drawnAsPhb = shownAsPhb;

function metaOf(c: PciController, family: MachineFamily): string {
  const meta: string[] = [];
  if (drawnAsPhb(c, family) && c.target.index !== undefined) meta.push(`target ${c.target.index}`);
  if (c.target.node !== undefined) meta.push(`NUMA ${c.target.node}`);
  if (c.target.chassis !== undefined) meta.push(`chassis ${c.target.chassis}`);
  if (c.target.port !== undefined) meta.push(`port 0x${hex2(c.target.port)}`);
  if (c.implicit) meta.push('implicit');
  return meta.join(' · ');
}

/** "Root port 3", as the canvas names it (layout.ts controllerLabel); c as drawn (layout.ts shownControllers: an index libvirt assigns reads as one). */
const controllerTitle = controllerLabel;

function hostNameOf(design: Design, d: GuestDevice): string | undefined {
  if (!d.hostAddress) return undefined;
  const hd = design.host?.devices.get(formatPciAddress(d.hostAddress));
  return hd ? (hd.productName ?? hd.vendorName) : undefined;
}

interface GroupPlace {
  readonly number: number;
  readonly numa?: number | undefined;
  /** its functions, those of one card on one line: "0001:01:00.0-3" */
  readonly members: readonly { address: string; name: string }[];
  /** where its functions are in the guest: "vPHB #3 slot 0x01", or "not placed" */
  readonly where: readonly string[];
}

/** The host groups with a function in the guest, and where those functions went. */
function groupPlaces(design: Design): { groups: GroupPlace[]; others: number } {
  const host = design.host;
  if (!host) return { groups: [], others: 0 };
  const byGroup = new Map<number, GuestDevice[]>();
  for (const d of design.guest.devices) {
    if (!d.hostAddress) continue;
    const g = host.devices.get(formatPciAddress(d.hostAddress))?.iommuGroup;
    if (g === undefined) continue;
    byGroup.set(g, [...(byGroup.get(g) ?? []), d]);
  }
  const groups: GroupPlace[] = [];
  for (const [n, devices] of [...byGroup].sort((a, b) => a[0] - b[0])) {
    const g = host.groups.get(n);
    const cards = new Map<string, { fns: string[]; name: string }>();
    for (const a of g?.members ?? []) {
      const slot = a.slice(0, a.lastIndexOf('.'));
      const name = host.devices.get(a)?.productName ?? host.devices.get(a)?.vendorName ?? '';
      const card = cards.get(`${slot}|${name}`) ?? { fns: [], name };
      card.fns.push(a.slice(a.lastIndexOf('.') + 1));
      cards.set(`${slot}|${name}`, card);
    }
    const members = [...cards].map(([k, c]) => ({ address: `${k.slice(0, k.indexOf('|'))}.${c.fns.length > 1 ? `${c.fns[0]}-${c.fns[c.fns.length - 1]}` : c.fns[0]}`, name: c.name }));
    const where = new Set<string>();
    for (const d of devices) {
      const a = d.address;
      const owner = a ? busOwner(design.guest, a.bus) : undefined;
      const c = owner === undefined ? undefined : shownControllers(design.guest).byKey.get(owner);
      where.add(a && c ? `${controllerTitle(c, machineFamily(design.guest))} slot 0x${hex2(a.slot)}` : 'not placed yet');
    }
    groups.push({ number: n, numa: host.devices.get(g?.members[0] ?? '')?.numaNode, members, where: [...where] });
  }
  const assignable = [...host.groups.values()].filter((g) => g.members.some((a) => !host.devices.get(a)?.bridge)).length;
  return { groups, others: Math.max(0, assignable - groups.length) };
}

const LEGEND: readonly { readonly kind: 'phb' | 'bus-error' | 'bus-warning' | 'slot-used' | 'slot-free' | 'dev-pass' | 'dev-emu' | 'badge-error' | 'badge-warning' | 'badge-info'; readonly text: string }[] = [
  { kind: 'phb', text: 'vPHB: its own PE' },
  { kind: 'bus-error', text: 'bus with an error' },
  { kind: 'bus-warning', text: 'bus with a warning' },
  { kind: 'slot-used', text: 'slot in use' },
  { kind: 'slot-free', text: 'free slot' },
  { kind: 'dev-pass', text: 'host device passed through' },
  { kind: 'dev-emu', text: 'emulated device' },
  { kind: 'badge-error', text: 'error' },
  { kind: 'badge-warning', text: 'warning' },
  { kind: 'badge-info', text: 'note' },
];

function swatch(svg: Svg, kind: (typeof LEGEND)[number]['kind'], x: number, y: number): void {
  const r = { x, y, width: 26, height: 16 };
  switch (kind) {
    case 'phb':
      svg.rect(r, C.phbFill, C.none);
      svg.raw(`<rect x="${x}" y="${y}" width="26" height="4" fill="${C.accent}"/>`);
      return;
    case 'bus-error':
      svg.rect(r, C.busFill, C.error, 2);
      return;
    case 'bus-warning':
      svg.rect(r, C.busFill, C.warning, 2);
      return;
    case 'slot-used':
      svg.rect(r, C.slot, C.slot, 1, 3);
      return;
    case 'slot-free':
      svg.rect(r, C.panel, '#c3cad6', 1, 3);
      return;
    case 'dev-pass':
      svg.rect(r, C.passthrough, C.none, 0.5, 3);
      return;
    case 'dev-emu':
      svg.rect(r, C.panel, C.none, 0.5, 3);
      return;
    default: {
      const sev = kind === 'badge-error' ? 'error' : kind === 'badge-warning' ? 'warning' : 'info';
      svg.raw(`<circle cx="${x + 13}" cy="${y + 8}" r="8" fill="${SEV[sev]}"/>`);
      svg.raw(`<text x="${x + 13}" y="${y + 12}" font-size="11" font-weight="700" fill="#ffffff" text-anchor="middle">${sev === 'info' ? 'i' : '!'}</text>`);
    }
  }
}

/** The diagram of a design. `findings` colour the buses and devices (the canvas' badges). */
export function diagramSvg(design: Design, findings: readonly Finding[], opts: DiagramOptions = {}): Diagram {
  const measure = opts.measure ?? canvasMeasure() ?? estimateWidth;
  const guest = design.guest;
  const byBus = devicesByBus(guest);
  const subjects = subjectIndex(findings);
  const { groups, others } = groupPlaces(design);
  const unplaced = unplacedDevices(guest);
  // the tree's height decides how the host column wraps; its columns are chosen for the page
  const layout0 = layoutGuest(guest, { lod: 'full', columns: chooseColumns(guest, 'full', { width: PAGE.width - HOST_W - COL_GAP, height: PAGE.height }).columns });

  const groupH = (g: GroupPlace) => 30 + g.members.length * 20 + g.where.length * 20 + 8;
  const unplacedH = unplaced.length ? 36 + unplaced.length * 26 + 10 : 0;
  const treeH = layout0.height + (unplacedH ? unplacedH + 32 : 0);
  // the host groups fill columns as tall as the tree (a long single column would make a strip)
  const hostCols: GroupPlace[][] = [];
  {
    const total = groups.reduce((h, g) => h + groupH(g) + 12, 0);
    const perCol = Math.max(treeH, 480, total / Math.max(1, Math.ceil(Math.sqrt(total / Math.max(treeH, 480)))));
    let col: GroupPlace[] = [];
    let h = 0;
    for (const g of groups) {
      if (col.length && h + groupH(g) > perCol) {
        hostCols.push(col);
        col = [];
        h = 0;
      }
      col.push(g);
      h += groupH(g) + 12;
    }
    if (col.length) hostCols.push(col);
  }
  const colH = (col: GroupPlace[]) => col.reduce((h, g) => h + groupH(g) + 12, 0);
  const hostH = groups.length ? 26 + Math.max(...hostCols.map(colH)) + (others ? 24 : 0) : 0;
  const hostW = groups.length ? hostCols.length * HOST_W + (hostCols.length - 1) * 12 + COL_GAP : 0;
  const { columns } = chooseColumns(guest, 'full', { width: PAGE.width - hostW, height: PAGE.height });
  const layout = layoutGuest(guest, { lod: 'full', columns });
  const treeX = MARGIN + hostW;
  const bodyY = MARGIN + TITLE_H;
  const treeW = Math.max(layout.width, unplaced.length ? 420 : 0);
  const bodyH = Math.max(hostH, layout.height + (unplacedH ? unplacedH + 32 : 0));
  let width = Math.max(720, MARGIN * 2 + hostW + treeW);

  // legend: entries flow into rows across the width
  // the vPHB swatch explains pseries only: on q35, virt and i440fx no bus is drawn as one
  const legendItems = LEGEND.filter((e) => e.kind !== 'phb' || machineFamily(guest) === 'pseries').map((e) => ({ ...e, w: 26 + 6 + measure(e.text, { size: 12 }) * 1.1 + 18 }));
  const legendRows: (typeof legendItems)[] = [[]];
  let rowW = 0;
  for (const e of legendItems) {
    if (rowW + e.w > width - 2 * MARGIN - 2 * PAD && rowW > 0) {
      legendRows.push([]);
      rowW = 0;
    }
    legendRows[legendRows.length - 1]?.push(e);
    rowW += e.w;
  }
  const legendH = 30 + legendRows.length * 24 + 6;
  const height = MARGIN + TITLE_H + bodyH + 24 + legendH + MARGIN;
  width = Math.round(width);

  const svg = new Svg(measure);
  const title = `PCI topology of ${guest.name ?? 'the guest'}`;
  svg.raw(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${Math.round(height)}" viewBox="0 0 ${width} ${Math.round(height)}" font-family="${SANS.replace(/"/g, "'")}" font-size="12" fill="${C.text}">`);
  svg.raw(`<title>${esc(`${title} (${guest.machine ?? 'unknown machine'})`)}</title>`);
  svg.raw(`<rect width="100%" height="100%" fill="#ffffff"/>`);

  // title
  const errors = findings.filter((f) => f.severity === 'error').length;
  const warnings = findings.filter((f) => f.severity === 'warning').length;
  const family = machineFamily(guest);
  const counts = `${guest.machine ?? 'unknown machine'}${guest.arch ? ` (${guest.arch})` : ''}${family !== 'other' && family !== guest.machine ? ` · ${family}` : ''} · ${guest.controllers.length} PCI controller${guest.controllers.length === 1 ? '' : 's'} · ${pciDevices(guest).length} PCI devices · ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`;
  svg.open('id="title"');
  svg.rect({ x: MARGIN, y: MARGIN, width: width - 2 * MARGIN, height: TITLE_H - 12 }, C.panel, C.panel, 0, 0);
  svg.text(MARGIN + PAD, MARGIN + 22, title, width - 2 * MARGIN - 2 * PAD, { size: 18, bold: true });
  svg.text(MARGIN + PAD, MARGIN + 42, counts, width - 2 * MARGIN - 2 * PAD, { size: 12, fill: C.muted });
  svg.close();

  // host groups and where they went
  if (groups.length) {
    const hostBoxW = hostW - COL_GAP;
    svg.open('id="host"');
    svg.rect({ x: MARGIN, y: bodyY, width: hostBoxW, height: hostH }, '#fbfbfc', '#d5dae1', 1, 8);
    svg.text(MARGIN + PAD, bodyY + 18, 'Host IOMMU groups → guest', hostBoxW - 2 * PAD, { size: 13, bold: true });
    hostCols.forEach((col, ci) => {
      let y = bodyY + 26;
      const x0 = MARGIN + ci * (HOST_W + 12);
      for (const g of col) {
        const h = groupH(g);
        const box = { x: x0 + PAD, y, width: HOST_W - 2 * PAD, height: h };
        const split = g.where.length > 1;
        svg.open(`id="host-group-${g.number}"`);
        svg.rect(box, C.panel, split ? C.warning : C.none, split ? 1.5 : 1, 6);
        svg.text(box.x + PAD, y + 19, `IOMMU group ${g.number}${g.numa !== undefined ? ` · NUMA ${g.numa}` : ''}`, box.width - 2 * PAD, { size: 12, bold: true });
        let ly = y + 30;
        for (const m of g.members) {
          const addrW = svg.width(m.address, { size: 11, mono: true }) * 1.1;
          svg.text(box.x + PAD, ly + 14, m.address, box.width - 2 * PAD, { size: 11, mono: true, fill: C.muted });
          svg.text(box.x + PAD + addrW + 6, ly + 14, m.name, box.width - 2 * PAD - addrW - 6, { size: 11 });
          ly += 20;
        }
        for (const w of g.where) {
          svg.text(box.x + PAD, ly + 14, `→ ${w}`, box.width - 2 * PAD, { size: 12, bold: true, fill: split ? C.warning : C.accent });
          ly += 20;
        }
        svg.close();
        y += h + 12;
      }
    });
    if (others) svg.text(MARGIN + PAD, bodyY + hostH - 10, `${others} more group${others === 1 ? '' : 's'} not passed through`, hostBoxW - 2 * PAD, { size: 12, fill: C.muted });
    svg.close();
  }

  // the tree's edges, then its buses
  const off = (r: Rect): Rect => ({ ...r, x: r.x + treeX, y: r.y + bodyY });
  for (const e of layout.edges) {
    const a = layout.boxes.get(e.source);
    const b = layout.boxes.get(e.target);
    if (!a || !b) continue;
    const s = off(a);
    const t = off(b);
    const x1 = s.x + SPACING.full.indent / 2;
    const bus = t.y - SPACING.full.row / 2;
    svg.raw(`<path d="M${round(x1)} ${round(s.y + s.height)} V${round(bus)} H${round(t.x + t.width / 2)} V${round(t.y)}" fill="none" stroke="${C.none}" stroke-width="1.5"/>`);
  }
  const byKey = new Map(shownControllers(guest).list.map((c) => [nodeIdOf(c), c]));
  for (const [id, r] of layout.boxes) {
    const c = byKey.get(id);
    if (c) drawController(svg, design, c, off(r), subjects, c.index !== undefined && busOwner(guest, c.index) === c.key ? (byBus.get(c.index) ?? []) : []);
  }

  // devices still without a place
  if (unplaced.length) {
    const y0 = bodyY + layout.height + 32;
    const w = treeW;
    svg.open('id="unplaced"');
    svg.rect({ x: treeX, y: y0, width: w, height: unplacedH }, C.warnFill, C.warning, 1, 8);
    svg.text(treeX + PAD, y0 + 22, `Unplaced: ${unplaced.length} device${unplaced.length === 1 ? '' : 's'} without a PCI address (libvirt assigns one at define time)`, w - 2 * PAD, { size: 12, bold: true, fill: C.warning });
    unplaced.forEach((d, i) => drawDevice(svg, design, d, { x: treeX + PAD, y: y0 + 36 + i * 26, width: w - 2 * PAD, height: 24 }, subjects.devices.get(d.key)));
    svg.close();
  }

  // legend
  const ly = MARGIN + TITLE_H + bodyH + 24;
  svg.open('id="legend"');
  svg.rect({ x: MARGIN, y: ly, width: width - 2 * MARGIN, height: legendH }, '#fbfbfc', '#d5dae1', 1, 8);
  svg.text(MARGIN + PAD, ly + 18, 'Legend', 200, { size: 12, bold: true });
  legendRows.forEach((row, ri) => {
    let x = MARGIN + PAD;
    const y = ly + 28 + ri * 24;
    for (const e of row) {
      swatch(svg, e.kind, x, y);
      svg.text(x + 32, y + 12, e.text, e.w - 32 - 8, { size: 12 });
      x += e.w;
    }
  });
  svg.close();
  svg.raw('</svg>');
  return { svg: svg.out.join('\n'), width, height: Math.round(height) };
}

function drawDevice(svg: Svg, design: Design, d: GuestDevice, r: Rect, sev: Severity | undefined): void {
  const a = d.address;
  const name = hostNameOf(design, d);
  svg.open(`id="device-${esc(d.key)}"`);
  svg.rect(r, d.hostAddress ? C.passthrough : C.panel, SEV[sev ?? 'none'], sev ? 1.5 : 0.5, 4);
  const addr = a ? `${hex2(a.slot)}.${a.function}` : '--';
  svg.text(r.x + 6, r.y + r.height / 2 + 4, addr, 40, { size: 12, mono: true, fill: d.hostAddress ? C.accent : C.muted });
  const label = name ? `${d.label} — ${name}` : d.label;
  svg.text(r.x + 48, r.y + r.height / 2 + 4, label, r.width - 48 - 6, { size: 12 });
  svg.close();
}

function drawController(svg: Svg, design: Design, c: PciController, b: Rect, subjects: ReturnType<typeof subjectIndex>, devices: readonly GuestDevice[]): void {
  const guest = design.guest;
  const index = c.index;
  const sev = index === undefined ? undefined : subjects.controllers.get(index);
  // a note is advice: it gets a badge, not a coloured border
  const border = sev === 'info' ? undefined : sev;
  const family = machineFamily(guest);
  const phb = drawnAsPhb(c, family);
  const p = FULL_PARTS;
  svg.open(`id="controller-${esc(String(index ?? c.key))}" data-model="${esc(c.model)}"`);
  svg.rect(b, phb ? C.phbFill : C.busFill, SEV[border ?? 'none'], border ? 2 : 1, 8);
  if (phb) svg.raw(`<rect x="${round(b.x)}" y="${round(b.y)}" width="${round(b.width)}" height="${p.phbBorder + 1}" fill="${C.accent}"/>`);
  const top = b.y + (phb ? p.phbBorder : 0);
  const inner = b.width - 20;
  const badgeW = sev ? 24 : 0;
  svg.text(b.x + 10, top + 22, controllerTitle(c, family), inner - badgeW, { size: 13, bold: true });
  if (sev) {
    svg.raw(`<circle cx="${round(b.x + b.width - 18)}" cy="${round(top + 17)}" r="8" fill="${SEV[sev]}"/>`);
    svg.raw(`<text x="${round(b.x + b.width - 18)}" y="${round(top + 21)}" font-size="11" font-weight="700" fill="#ffffff" text-anchor="middle">${sev === 'info' ? 'i' : '!'}</text>`);
  }
  const meta = metaOf(c, family);
  if (meta) svg.text(b.x + 10, top + 42, meta, inner, { size: 12, fill: C.muted });

  const groups = new Set<number>();
  for (const d of devices) {
    const g = d.hostAddress ? design.host?.devices.get(formatPciAddress(d.hostAddress))?.iommuGroup : undefined;
    if (g !== undefined) groups.add(g);
  }
  const children = shownControllers(guest).list.filter((k) => index !== undefined && k.key !== c.key && k.address?.bus === index);
  const peY = top + p.head + 2;
  svg.open('');
  svg.rect({ x: b.x + 10, y: peY, width: b.width - 20, height: 22 }, groups.size > 1 ? C.warnFill : C.peFill, 'none', 0, 4);
  svg.text(b.x + 16, peY + 15, groupsLabel(phb, groups, devices.length > 0, children.length), b.width - 32, { size: 12, fill: groups.size > 1 ? C.warning : C.text });
  svg.close();

  // slot grid: used slots filled, free ones outlined
  const m = busModel(c);
  const used = new Set<number>();
  for (const d of devices) if (d.address) used.add(d.address.slot);
  for (const k of children) if (k.address) used.add(k.address.slot);
  let y = top + p.head + p.pe;
  let slots = 0;
  if (m && index !== undefined) {
    const cell = (b.width - 20) / SLOT_COLUMNS;
    for (let s = m.minSlot; s <= m.maxSlot; s++, slots++) {
      const cx = b.x + 10 + (slots % SLOT_COLUMNS) * cell;
      const cy = y + 4 + Math.floor(slots / SLOT_COLUMNS) * p.slotRow;
      const on = used.has(s);
      svg.open('');
      svg.rect({ x: cx + 1, y: cy, width: cell - 3, height: 22 }, on ? C.slot : C.panel, on ? C.slot : '#c3cad6', 1, 3);
      svg.text(cx + cell / 2 - 0.5, cy + 15, hex2(s), cell - 7, { size: 11, mono: true, fill: on ? '#ffffff' : C.none, anchor: 'middle' });
      svg.close();
    }
    y += Math.ceil(slots / SLOT_COLUMNS) * p.slotRow + p.slotPad;
  }
  if (devices.length === 0) svg.text(b.x + 12, y + 20, 'No devices', inner, { size: 12, fill: C.none });
  // a long list wraps into columns filled top to bottom, as on the canvas (layout.ts deviceGrid)
  const grid = deviceGrid(devices.length);
  const colW = (b.width - 16) / grid.columns;
  devices.forEach((d, i) => {
    const col = Math.floor(i / grid.rows);
    const row = i % grid.rows;
    drawDevice(svg, design, d, { x: b.x + 8 + col * colW, y: y + row * p.device + 2, width: colW - (grid.columns > 1 ? 4 : 0), height: p.device - 4 }, subjects.devices.get(d.key));
  });
  y += grid.rows * p.device;
  svg.text(b.x + 10, y + 18, `${used.size} of ${slots} slots used`, inner, { size: 12, fill: C.muted });
  svg.close();
}

