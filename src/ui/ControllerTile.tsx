/**
 * A bus as a summary tile: what the canvas draws below the detail threshold (layout.ts
 * FULL_MIN_ZOOM), so a 31-vPHB guest reads at first sight. Its text and chips are laid out in screen
 * pixels for the zoom the canvas last rested at (tileZoom.ts, the tile's --z) and scaled into the
 * tile's box (styles.css .tlines), so a zoom under way lays nothing out again; lines that do not
 * fit are dropped whole, least important last, and a line too long for the tile's width ends in an
 * ellipsis (only such a line is clipped: tileFit.ts). Every device on the bus is a chip: a drag source and
 * a `guest-device-<key>` node, as on the full node.
 */
import { memo, useCallback, useMemo } from 'react';
import { Handle, Position } from '@xyflow/react';
import type { Design, Finding, GuestDevice, Host, MachineFamily, PciController, Severity } from '../engine/index.ts';
import { DEFAULT_LIBVIRT_RELEASE, formatNumber, formatPciAddress, machineFamily } from '../engine/index.ts';
import { controllerTargetId, designerStore, findingsOf, SEVERITY_RANK, subjectIndex, useDesigner } from '../store/index.ts';
import { hostNameOf, missingOnHost, parseSelected, parseSeverities, selectDevice, useBusSelected, useBusSeverities } from './devices.ts';
import { dragFrom } from './dnd.ts';
import { busNameIdOf, busNodeName, busOwner, controllerKindLabel, controllerLabel, controllerShortKind, controllersByBus, devicesByBus, NO_CONTROLLERS, NO_DEVICES, shownAsPhb, shownControllers, slotsLine, slotUse, SPACING } from './layout.ts';
import { ADDED_TITLE, useAddedOnBus } from './AddedAtDefine.tsx';
import { onEnterOrSpace } from './roving.ts';
import { TILE_CSS, tileCutZooms, uiMeasure, type TileLine, type TileText } from './tileFit.ts';
import { sliced, useLazyValue } from './slicing.ts';
import { useTileZoom } from './tileZoom.ts';

/** The open design's machine family, as a string: a bus is named in its machine's words ("vPHB" only on pseries). */
export const useFamily = (): MachineFamily => useDesigner((s) => (s.present ? machineFamily(s.present.design.guest) : 'other'));

const hex2 = (n: number) => n.toString(16).padStart(2, '0');

/**
 * The controller `key` as the canvas draws it (layout.ts shownControllers: the index and address
 * libvirt gives one the XML leaves without), and whether its index is libvirt's rather than written.
 */
export function useShownController(key: string): { readonly c: PciController | undefined; readonly assigned: boolean; readonly filled: string } {
  const c = useDesigner((s) => (s.present ? shownControllers(s.present.design.guest).byKey.get(key) : undefined));
  const assigned = useDesigner((s) => (s.present ? shownControllers(s.present.design.guest).assignedIndex.has(key) : false));
  // a string, not the set: an edit computes new sets, and an unchanged answer must not re-render the node
  const filled = useDesigner((s) => (s.present ? [...(shownControllers(s.present.design.guest).filled.get(key) ?? [])].join(' ') : ''));
  return { c, assigned, filled };
}

/** What a target attribute libvirt fills means, for its tooltip (`release`: the design's setting, undefined the default). */
export const filledNote = (release: string | undefined): string =>
  `Not in the XML: the value libvirt ${release ?? DEFAULT_LIBVIRT_RELEASE} gives it when it defines the domain (the release select). Export leaves the XML as written.`;

/** What a libvirt-assigned index means, for its tooltip. */
export const ASSIGNED_INDEX_NOTE = 'The XML gives this controller no index: this is the one libvirt assigns when it defines the domain (the lowest unused, in document order). Export leaves the XML as written.';

/** The index as a title shows it: a number, marked when libvirt assigns it. */
export function IndexLabel({ index, assigned, prefix = '' }: { index: number | undefined; assigned: boolean; prefix?: string }) {
  return assigned ? (
    <strong className="assigned-index" title={ASSIGNED_INDEX_NOTE}>
      {prefix}
      {index}
    </strong>
  ) : (
    <strong>
      {prefix}
      {index ?? '?'}
    </strong>
  );
}

/** The worst finding on each bus (its own, or one of its devices'), per validation. */
const worstCache = new WeakMap<readonly Finding[], Map<number, Finding>>();
export function worstFindingByBus(design: Design): ReadonlyMap<number, Finding> {
  const findings = findingsOf(design);
  let m = worstCache.get(findings);
  if (!m) {
    m = new Map();
    const busOf = new Map(design.guest.devices.flatMap((d) => (d.address ? [[d.key, d.address.bus] as const] : [])));
    const put = (bus: number, f: Finding) => {
      const cur = m?.get(bus);
      if (!cur || SEVERITY_RANK[f.severity] > SEVERITY_RANK[cur.severity]) m?.set(bus, f);
    };
    for (const f of findings) {
      for (const c of f.subjects.controllers ?? []) put(c, f);
      for (const k of f.subjects.devices ?? []) {
        const bus = busOf.get(k);
        if (bus !== undefined) put(bus, f);
      }
    }
    worstCache.set(findings, m);
  }
  return m;
}

/**
 * "MT27800 Family ×2, virtio disk vda, 2 root ports": what the bus carries, devices (named by their
 * host product when passed through) and the buses plugged into it, in bus order.
 */
export function busSummary(devices: readonly GuestDevice[], children: readonly PciController[], host: Host | undefined, family: MachineFamily): string {
  const named = new Map<string, number>();
  for (const d of devices) {
    const name = hostNameOf(d, host)?.replace(/\s*\[.*?\]\s*/g, ' ').trim() ?? d.label;
    named.set(name, (named.get(name) ?? 0) + 1);
  }
  const buses = new Map<string, number>();
  for (const c of children) {
    const name = controllerKindLabel(c, family).toLowerCase();
    buses.set(name, (buses.get(name) ?? 0) + 1);
  }
  return [...[...named].map(([n, k]) => (k > 1 ? `${n} ×${k}` : n)), ...[...buses].map(([n, k]) => (k > 1 ? `${k} ${n}s` : `1 ${n}`))].join(', ');
}

function targetLine(c: PciController, family: MachineFamily): string {
  const parts: string[] = [];
  if (shownAsPhb(c, family) && c.target.index !== undefined) parts.push(`target ${c.target.index}`);
  if (c.target.node !== undefined) parts.push(`NUMA ${c.target.node}`);
  // the port first: it tells a guest's root ports apart, and a narrow tile cuts the line's end
  if (c.target.port !== undefined) parts.push(`port 0x${hex2(c.target.port)}`);
  if (c.target.chassis !== undefined) parts.push(`chassis ${c.target.chassis}`);
  if (c.implicit) parts.push('implicit');
  return parts.join(' · ');
}

const sameZoom = (zoom: number) => zoom;

/** The width of a row of `n` chips in px (styles.css .chip and .tchiprow: tileFit.ts TILE_CSS). */
export const chipRowWidth = (n: number): number => Math.max(0, n * (TILE_CSS.chip + TILE_CSS.chipGap) - TILE_CSS.chipGap);

/**
 * A device on a tile: a plain element with no hook of its own (a tile of a big design holds 248 of
 * them); its tile subscribes to its bus's selection and severities once and handles the chips'
 * pointer, click and key events for all of them ({@link TileChips}).
 */
const Chip = memo(function Chip({ device, host, selected, severity }: { device: GuestDevice; host: Host | undefined; selected: boolean; severity: Severity | undefined }) {
  const a = device.address;
  const name = hostNameOf(device, host);
  const where = a ? `${hex2(a.slot)}.${a.function} ` : '';
  return (
    <span
      className={`chip nopan nodrag${device.hostAddress ? ' passthrough' : ''}${selected ? ' selected' : ''}${severity ? ` sev-${severity}` : ''}${missingOnHost(device, host) ? ' missing' : ''}`}
      data-testid={`guest-device-${device.key}`}
      data-key={device.key}
      role="button"
      tabIndex={0}
      aria-pressed={selected}
      aria-label={`${device.label}${a ? ` at slot ${formatNumber('slot', a.slot)} function ${formatNumber('function', a.function)}` : ''}${severity ? `, has ${severity}s` : ''}`}
      title={`${where}${device.label}${name ? ` (${name})` : ''}`}
    />
  );
});

/** The chip under an event's target (its `data-key`), inside `container`. */
function chipOf(target: EventTarget, container: Element, byKey: ReadonlyMap<string, GuestDevice>): GuestDevice | undefined {
  const el = target instanceof Element ? target.closest('[data-key]') : null;
  return el && container.contains(el) ? byKey.get(el.getAttribute('data-key') ?? '') : undefined;
}

/**
 * A tile's chips: one subscription for their selection and one for their severities (strings: a
 * change elsewhere re-renders nothing here), and their events handled here, as each chip's own hooks
 * did (devices.ts useDeviceHandlers: drag, select, Enter or Space).
 */
const TileChips = memo(function TileChips({ devices, host, cut }: { devices: readonly GuestDevice[]; host: Host | undefined; cut: boolean }) {
  const selectedText = useBusSelected(devices);
  // a big design's badges follow a check in the background (slicing.ts), not in the task of its answer
  const big = useDesigner((s) => (s.present ? sliced(s.present.design.guest) : false));
  const severityText = useLazyValue(useBusSeverities(devices), big);
  const selected = useMemo(() => parseSelected(selectedText), [selectedText]);
  const severities = useMemo(() => parseSeverities(severityText), [severityText]);
  const byKey = useMemo(() => new Map(devices.map((d) => [d.key, d])), [devices]);
  const onPointerDown = useCallback(
    (e: React.PointerEvent<HTMLDivElement>) => {
      const d = chipOf(e.target, e.currentTarget, byKey);
      if (d) dragFrom(e, { kind: 'guest-device', key: d.key }, d.label);
    },
    [byKey],
  );
  const onClick = useCallback(
    (e: React.MouseEvent<HTMLDivElement>) => {
      const d = chipOf(e.target, e.currentTarget, byKey);
      if (d) selectDevice(e, d.key);
    },
    [byKey],
  );
  const onKeyDown = useCallback(
    (e: React.KeyboardEvent<HTMLDivElement>) => {
      if (e.key !== 'Enter' && e.key !== ' ') return;
      const d = chipOf(e.target, e.currentTarget, byKey);
      if (!d) return;
      e.preventDefault();
      selectDevice(e, d.key);
    },
    [byKey],
  );
  // one row of fixed size (styles.css .tchiprow): a new width of the tile moves it, it lays out none of its chips again
  const rowStyle = useMemo(() => ({ width: chipRowWidth(devices.length) }), [devices.length]);
  return (
    <div className={cut ? 'tchips cut' : 'tchips'} onPointerDown={onPointerDown} onClick={onClick} onKeyDown={onKeyDown}>
      <div className="tchiprow" style={rowStyle}>
        {devices.map((d) => (
          <Chip key={d.key} device={d} host={host} selected={selected.has(d.key)} severity={severities.get(d.key)} />
        ))}
      </div>
    </div>
  );
});

/**
 * A bus as a tile: the outline says what a drop there would give, while a drag is under way. The
 * wrapper alone follows the drag (verdict, pointer over it, badge, selection); what the tile shows of
 * the bus is {@link TileBody}, which re-renders only when its own bus changes, so a drag's start, its
 * verdicts and a drop elsewhere cost one small element per tile, not the tile.
 */
export const ControllerTile = memo(function ControllerTile({ cKey }: { cKey: string }) {
  const { c, assigned } = useShownController(cKey);
  const severity = useDesigner((s) => (c?.index === undefined ? undefined : subjectIndex(findingsOf(s.present?.design)).controllers.get(c.index)));
  const selected = useDesigner((s) => s.selection?.kind === 'controller' && s.selection.key === cKey);
  const dropId = c ? controllerTargetId(c) : '';
  const verdict = useDesigner((s) => s.drag?.verdicts.get(dropId));
  const isTarget = useDesigner((s) => s.drag?.targets.has(dropId) ?? false);
  const over = useDesigner((s) => s.drag?.over === dropId);
  const family = useFamily();
  // the zoom its contents are laid out for (tileZoom.ts): its borders and outlines are screen pixels too
  const zoom = useTileZoom(sameZoom);
  const style = useMemo(() => ({ '--z': zoom }) as React.CSSProperties, [zoom]);
  if (!c) return null;
  const index = c.index;
  const title = `${controllerKindLabel(c, family)} ${index ?? '(no index)'}${assigned ? ' (index assigned by libvirt)' : ''}`;
  return (
    <div
      className={`ctile${shownAsPhb(c, family) ? ' phb' : ''}${selected ? ' selected' : ''}${severity ? ` sev-${severity}` : ''}${verdict ? ` drop-${verdict.level}` : isTarget ? ' drop-pending' : ''}${over ? ' over' : ''}`}
      data-testid={`controller-${index ?? c.key}`}
      data-drop={isTarget ? dropId : undefined}
      aria-label={`${title}${severity ? `, has ${severity}s` : ''}`}
      style={style}
    >
      <Handle type="target" position={Position.Top} isConnectable={false} />
      <TileBody c={c} assigned={assigned} selected={selected} family={family} />
      <Handle type="source" position={Position.Bottom} isConnectable={false} style={{ left: SPACING.tile.indent / 2 }} />
    </div>
  );
});

/** A line of a tile below its title row. */
interface Line extends TileLine {
  readonly key: string;
  readonly className?: string | undefined;
  readonly title?: string | undefined;
}

/**
 * Which parts of a tile overflow at the zoom it is laid out for (tileFit.ts, tileZoom.ts): the title's kind (then the short
 * kind stands in), the short kind, the chips, and the lines as a bit mask (bit i: line i). The selector gives a number, so a zoom
 * re-renders the tile only when a part starts or stops overflowing.
 */
function useTileCuts(t: TileText): { readonly short: boolean; readonly title: boolean; readonly chips: boolean; readonly lines: number } {
  const below = tileCutZooms(t, uiMeasure());
  const mask = useTileZoom((zoom) => {
    let m = (zoom < below.title ? 1 : 0) | (zoom < below.short ? 2 : 0) | (zoom < below.chips ? 4 : 0);
    below.lines.forEach((z, i) => {
      if (zoom < z) m |= 8 << i;
    });
    return m;
  });
  return { short: (mask & 1) !== 0, title: (mask & 2) !== 0, chips: (mask & 4) !== 0, lines: mask >> 3 };
}

/** What a tile shows of its bus: title, device chips and the summary lines (see the module comment). */
const TileBody = memo(function TileBody({ c, assigned, selected, family }: { c: PciController; assigned: boolean; selected: boolean; family: MachineFamily }) {
  const cKey = c.key;
  const devices = useDesigner((s) => (c.index === undefined || !s.present || busOwner(s.present.design.guest, c.index) !== c.key ? NO_DEVICES : (devicesByBus(s.present.design.guest).get(c.index) ?? NO_DEVICES)));
  const host = useDesigner((s) => s.present?.design.host);
  const added = useAddedOnBus(c.key, c.index);
  const children = useDesigner((s) => (c.index === undefined || !s.present ? NO_CONTROLLERS : (controllersByBus(s.present.design.guest).get(c.index) ?? NO_CONTROLLERS)));
  // as text, so a new validation that finds the same re-renders nothing
  const big = useDesigner((s) => (s.present ? sliced(s.present.design.guest) : false));
  const worstKey = useLazyValue(
    useDesigner((s) => {
      const f = c.index === undefined || !s.present ? undefined : worstFindingByBus(s.present.design).get(c.index);
      return f ? `${f.severity}\u0000${f.ruleId}\u0000${f.message}` : '';
    }),
    big,
  );
  const [worstSeverity, worstRule, worstMessage] = worstKey.split('\u0000') as [Severity | '', string | undefined, string | undefined];
  const worst = worstSeverity ? { severity: worstSeverity, ruleId: worstRule ?? '', message: worstMessage ?? '' } : undefined;
  const select = useCallback(() => designerStore.getState().select({ kind: 'controller', key: cKey }), [cKey]);
  const index = c.index;
  const use = slotUse(c, devices, children, added, family);
  const slots = use.slots.length;
  const groups = new Set<number>();
  for (const d of devices) {
    const g = d.hostAddress ? host?.devices.get(formatPciAddress(d.hostAddress))?.iommuGroup : undefined;
    if (g !== undefined) groups.add(g);
  }
  const phb = shownAsPhb(c, family);
  const groupList = [...groups].sort((a, b) => a - b).join(', ');
  const pe = phb ? (groups.size ? `PE: group${groups.size > 1 ? 's' : ''} ${groupList}` : devices.length || children.length ? 'PE: emulated' : 'PE: none (spare)') : groups.size ? `IOMMU group${groups.size > 1 ? 's' : ''} ${groupList}` : '';
  const kind = controllerKindLabel(c, family);
  const short = controllerShortKind(c, family);
  const title = controllerLabel(c, family);
  const meta = targetLine(c, family);
  const summary = busSummary(devices, children, host, family);
  const worstLine: Line | undefined = worst ? { key: 'worst', text: `${worst.severity === 'info' ? 'i' : '!'} ${worst.ruleId}`, className: `tworst ${worst.severity}`, title: worst.message, bold: true } : undefined;
  // what a newcomer reads a tile for, in that order (issue 10: target or port, PE, used/free, worst
  // finding); what the bus carries last, as its chips already show it. Lines that do not fit drop from the end.
  const lines: Line[] = [];
  if (meta) lines.push({ key: 'meta', text: meta, title: meta, className: 'wrap' });
  // "emulated" is short for a tile's width; the tooltip says it whole
  if (pe) lines.push({ key: 'pe', text: pe, title: pe === 'PE: emulated' ? 'PE: emulated devices only' : pe, className: groups.size > 1 ? 'wrap multi' : 'wrap' });
  // a slot libvirt fills at define is not free: counted used, and said so (layout.ts slotUse)
  if (slots > 1) lines.push({ key: 'slots', text: slotsLine(use), title: use.byLibvirt ? ADDED_TITLE : undefined, className: use.byLibvirt ? 'by-libvirt' : undefined });
  if (worstLine) lines.push(worstLine);
  lines.push(summary ? { key: 'summary', text: summary, title: summary, className: 'tmuted' } : { key: 'summary', text: 'no devices', className: 'tmuted' });
  const shownIndex = index === undefined ? '?' : String(index);
  const cut = useTileCuts({ kind, short, index: shownIndex, chips: devices.length, lines });
  return (
    <div className="tlines">
      <span hidden id={busNameIdOf(c)}>
        {busNodeName(c, family, devices.length)}
      </span>
      <div className="trow">
        <div
          className="chead ttitle nopan nodrag"
          role="button"
          tabIndex={0}
          aria-pressed={selected}
          aria-label={`Select ${title}`}
          onClick={select}
          onKeyDown={onEnterOrSpace(select)}
        >
          <span className={cut.title ? 'tkind cut' : 'tkind'} title={cut.short ? kind : undefined}>
            {cut.short ? short : kind}
          </span>
          <IndexLabel index={index} assigned={assigned} />
        </div>
        {devices.length ? <TileChips devices={devices} host={host} cut={cut.chips} /> : null}
      </div>
      {lines.map((l, i) => (
        <div key={l.key} className={`tline${l.className ? ` ${l.className}` : ''}${cut.lines & (1 << i) ? ' cut' : ''}`} title={l.title}>
          {l.text}
        </div>
      ))}
    </div>
  );
});
