import { defaultRangeExtractor, useVirtualizer, type Range } from '@tanstack/react-virtual';
import { memo, useCallback, useLayoutEffect, useMemo, useRef, useState, type FocusEvent, type RefObject } from 'react';
import type { Design, Finding, Severity, WorkspaceFinding } from '../engine/index.ts';
import { findingKey } from '../engine/index.ts';
import { acrossFindingsOf, CHECKING_ID, designerStore, findingsOf, guestColour, ruleMetaOf, useDesigner, workspaceOf } from '../store/index.ts';
import { nodeIdOf, shownControllers } from './layout.ts';
import { applyFix, run } from './actions/index.ts';
import { useLazyValue } from './slicing.ts';

const ORDER: readonly Severity[] = ['error', 'warning', 'info'];
const TITLES: Readonly<Record<Severity, string>> = { error: 'Errors', warning: 'Warnings', info: 'Notes' };

/** Selects the first subject and pans the canvas to every node that holds one. */
export function revealSubjects(f: Finding, design: Design): void {
  const st = designerStore.getState();
  const guest = design.guest;
  // findings name controllers by the index libvirt gives them, written or not (layout.ts shownControllers)
  const controllers = shownControllers(guest).list;
  const nodeIds = new Set<string>();
  for (const i of f.subjects.controllers ?? []) {
    const c = controllers.find((x) => x.index === i);
    if (c) nodeIds.add(nodeIdOf(c));
  }
  for (const k of f.subjects.devices ?? []) {
    const d = guest.devices.find((x) => x.key === k);
    const c = d?.address ? controllers.find((x) => x.index === d.address?.bus) : undefined;
    if (c) nodeIds.add(nodeIdOf(c));
  }
  const firstDevice = f.subjects.devices?.find((k) => guest.devices.some((d) => d.key === k));
  const firstController = controllers.find((c) => c.index !== undefined && f.subjects.controllers?.includes(c.index));
  const firstGroup = f.subjects.groups?.[0];
  if (firstDevice) st.select({ kind: 'device', key: firstDevice });
  else if (firstController) st.select({ kind: 'controller', key: firstController.key });
  else if (firstGroup !== undefined) st.select({ kind: 'group', number: firstGroup });
  if (nodeIds.size) st.focusNodes([...nodeIds]);
  if (firstGroup !== undefined) document.querySelector(`[data-testid="host-group-${firstGroup}"]`)?.scrollIntoView({ block: 'nearest' });
}

/** The design shown now: a finding's link reads it when clicked, so the item need not re-render with every edit. */
const presentDesign = (): Design | undefined => designerStore.getState().present?.design;

/**
 * Keys that follow each finding, not its place in the list: a finding a drop adds before others
 * leaves their items (and DOM) as they were instead of rewriting every one after it.
 */
function keysOf(list: readonly Finding[]): string[] {
  const seen = new Map<string, number>();
  return list.map((f) => {
    const k = findingKey(f);
    const n = seen.get(k) ?? 0;
    seen.set(k, n + 1);
    return n ? `${k}#${n}` : k;
  });
}

type Guests = readonly { name: string; colour: string }[];

type ItemProps = {
  f: Finding;
  guests?: Guests | undefined;
  /** in a windowed list: the row's index (data-index, what the virtualizer measures) and its top in px */
  index?: number | undefined;
  top?: number | undefined;
  measure?: ((el: HTMLLIElement | null) => void) | undefined;
};

/**
 * Whether an item would render the same: the same finding, or one that reads the same (findings are
 * plain data, fixes included: an engine command is data, DESIGN.md §3). Each evaluation makes new
 * finding objects, so identity alone re-rendered every item on every edit (33 on a drop on the
 * 31-vPHB design, in the frame that shows it, DESIGN.md §7).
 */
export function sameItem(a: ItemProps, b: ItemProps): boolean {
  return a.index === b.index && a.top === b.top && a.measure === b.measure && samePlain(a.f, b.f) && samePlain(a.guests, b.guests);
}

/**
 * Deep equality of plain data (what JSON.stringify would tell apart, for data that has no undefined
 * fields of meaning): compared in place, stopping at the first difference, so the 961 findings of a
 * 7,688-device design are compared in a few ms where stringifying both sides of each took ~26 ms
 * of an edit's main-thread task.
 */
export function samePlain(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!samePlain(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let n = 0;
  for (const k in x) {
    if (x[k] === undefined) continue;
    n++;
    if (!samePlain(x[k], y[k])) return false;
  }
  for (const k in y) if (y[k] !== undefined) n--;
  return n === 0;
}

const FindingItem = memo(function FindingItem({ f, guests, index, top, measure }: ItemProps) {
  const meta = ruleMetaOf(f.ruleId);
  return (
    <li
      className={`finding ${f.severity}`}
      data-testid="finding"
      data-rule-id={f.ruleId}
      data-severity={f.severity}
      ref={measure}
      data-index={index}
      style={top === undefined ? undefined : { transform: `translateY(${top}px)` }}
    >
      <button type="button" className="fmain" onClick={() => {
          const design = presentDesign();
          if (design) revealSubjects(f, design);
        }} aria-label={`${f.severity} ${f.ruleId}: ${f.message}. Show on the canvas`}>
        <span className="rule">{f.ruleId}</span>
        {meta?.title ? <span className="ftitle">{meta.title}</span> : null}
        {guests ? (
          <span className="fguests" data-testid="finding-guests">
            {guests.map((g) => (
              <span key={g.name} className="user" style={{ borderColor: g.colour, color: g.colour }}>
                <span className="gdot" style={{ background: g.colour }} aria-hidden="true" />
                {g.name}
              </span>
            ))}
          </span>
        ) : null}
        <span className="fmsg">{f.message}</span>
      </button>
      {meta?.why || meta?.source ? (
        <details>
          <summary>Why it matters</summary>
          {meta.why ? <p>{meta.why}</p> : null}
          {meta.source ? <p className="source">Source: {meta.source}</p> : null}
        </details>
      ) : null}
      {f.fixes?.length ? (
        <div className="fixes">
          {f.fixes.map((fix, i) => (
            <button type="button" key={i} className="fix" data-testid="finding-fix" onClick={() => void run(applyFix, fix)}>
              {fix.label}
            </button>
          ))}
        </div>
      ) : null}
    </li>
  );
}, sameItem);

/**
 * Findings beyond which the panel renders only the rows in view (a windowed list). Rendering every
 * one cost one task per finding of React work, style, layout and pre-paint: 17,301 findings of a q35
 * guest with 15,376 NICs made one task of ~1.3 s of CPU (issue 11), the 961 of a 7,688-device pseries
 * design ~200 ms. A short list keeps every finding in the page (a drop on the 31-vPHB design's 33
 * findings pays no windowing, DESIGN.md §7).
 */
export const LONG_FINDINGS = 100;

/** Whether a list of `count` findings is windowed. */
export const windowed = (count: number): boolean => count > LONG_FINDINGS;

/** The panel's class for a list of `count` findings. */
export const findingsClass = (count: number): string => (windowed(count) ? 'findings long' : 'findings');

/** One row of the windowed list: a severity's (or the across-guests') heading, or a finding. */
export type FindingRow =
  | { readonly kind: 'head'; readonly key: string; readonly title: string; readonly across: boolean }
  | { readonly kind: 'item'; readonly key: string; readonly f: Finding; readonly guests?: Guests | undefined };

/**
 * The findings as the panel lists them, in rows: each severity's heading then its findings (errors,
 * warnings, notes), then the findings across guests under theirs with `guestsOf` each. Keys follow
 * the findings (keysOf), so an edit that adds one keeps the others' rows.
 */
export function findingRows(findings: readonly Finding[], across: readonly WorkspaceFinding[], guestsOf: (f: WorkspaceFinding) => Guests): FindingRow[] {
  const rows: FindingRow[] = [];
  for (const sev of ORDER) {
    const list = findings.filter((f) => f.severity === sev);
    if (!list.length) continue;
    rows.push({ kind: 'head', key: `head:${sev}`, title: TITLES[sev], across: false });
    const keys = keysOf(list);
    list.forEach((f, i) => rows.push({ kind: 'item', key: `item:${keys[i] ?? i}`, f }));
  }
  if (across.length) {
    rows.push({ kind: 'head', key: 'head:across', title: 'Across guests', across: true });
    across.forEach((f, i) => rows.push({ kind: 'item', key: `across:${f.ruleId}-${i}`, f, guests: guestsOf(f) }));
  }
  return rows;
}

/**
 * Rows kept in the page besides those in view: the two on each side of the row holding the focus
 * (`focus`, an index of `count` rows, or null). The focused row stays when scrolled away (its focus
 * is not lost), and Tab and Shift+Tab always find the next and previous finding in the page (a
 * heading row has a finding after it), so the keyboard walks the whole list as it did unwindowed.
 * Returns `inView` with those added, ascending (the page's order is the list's, and so the Tab order).
 */
export function withFocusRows(inView: readonly number[], focus: number | null, count: number): number[] {
  if (focus === null || focus < 0 || focus >= count) return [...inView];
  const all = new Set(inView);
  for (let i = Math.max(0, focus - 2); i <= Math.min(count - 1, focus + 2); i++) all.add(i);
  return [...all].sort((a, b) => a - b);
}

/** A row's height with its vertical margins (a finding's margin-bottom parts it from the next). */
function heightWithMargins(el: Element): number {
  const cs = getComputedStyle(el);
  return el.getBoundingClientRect().height + (parseFloat(cs.marginTop) || 0) + (parseFloat(cs.marginBottom) || 0);
}

const ESTIMATE_HEAD_PX = 30;
const ESTIMATE_ITEM_PX = 70;

/**
 * The rows in view of the panel's scroller (@tanstack/react-virtual, heights measured as drawn: a
 * finding takes two to six lines, more with "Why it matters" open), kept in the list's order.
 */
function WindowedFindings({ rows, scroller }: { rows: readonly FindingRow[]; scroller: RefObject<HTMLElement | null> }) {
  const listRef = useRef<HTMLUListElement | null>(null);
  const [offset, setOffset] = useState(0);
  const [focusKey, setFocusKey] = useState<string | null>(null);
  const focus = useMemo(() => (focusKey === null ? null : rows.findIndex((r) => r.key === focusKey)), [rows, focusKey]);
  const rangeExtractor = useCallback((r: Range) => withFocusRows(defaultRangeExtractor(r), focus, rows.length), [focus, rows.length]);
  // eslint-disable-next-line react-hooks/incompatible-library -- no React Compiler builds this app; the virtualizer's functions are read in this render, and measureElement is one function for its life
  const v = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: (i) => (rows[i]?.kind === 'head' ? ESTIMATE_HEAD_PX : ESTIMATE_ITEM_PX),
    getItemKey: (i) => rows[i]?.key ?? i,
    overscan: 6,
    scrollMargin: offset,
    rangeExtractor,
    measureElement: heightWithMargins,
  });
  // the list starts below the panel's head: the scroller's offset of its first row
  useLayoutEffect(() => {
    const top = listRef.current?.offsetTop ?? 0;
    if (top !== offset) setOffset(top);
  }, [offset, rows]);
  const onFocus = (e: FocusEvent<HTMLUListElement>) => {
    const i = Number((e.target as Element).closest('[data-index]')?.getAttribute('data-index'));
    const key = Number.isInteger(i) ? rows[i]?.key : undefined;
    if (key !== undefined && key !== focusKey) setFocusKey(key);
  };
  const onBlur = (e: FocusEvent<HTMLUListElement>) => {
    if (!(e.relatedTarget instanceof Node && e.currentTarget.contains(e.relatedTarget))) setFocusKey(null);
  };
  return (
    <ul className="fwindow" ref={listRef} style={{ height: v.getTotalSize() }} onFocus={onFocus} onBlur={onBlur}>
      {v.getVirtualItems().map((it) => {
        const row = rows[it.index];
        if (!row) return null;
        const top = it.start - offset;
        if (row.kind === 'item') return <FindingItem key={it.key} f={row.f} guests={row.guests} index={it.index} top={top} measure={v.measureElement} />;
        return (
          <li key={it.key} className="fhead" role="presentation" ref={v.measureElement} data-index={it.index} style={{ transform: `translateY(${top}px)` }} data-testid={row.across ? 'findings-across' : undefined}>
            <h3>{row.title}</h3>
          </li>
        );
      })}
    </ul>
  );
}

export function FindingsPanel() {
  const design = useDesigner((s) => s.present?.design);
  // through the store: the design's check off the main thread ending changes them, not the design
  const current = useDesigner((s) => findingsOf(s.present?.design));
  // a long list renders in the background (slicing.ts): 17,301 findings are not drawn in the task of the check's answer
  const findings = useLazyValue(current, windowed(current.length));
  // findings across the guests of a workspace (HD-SHARE-1/2, HD-NUMA-1), each naming its guests
  const ws = useDesigner((s) => workspaceOf(s.present));
  const across: readonly WorkspaceFinding[] = acrossFindingsOf(ws);
  const scroller = useRef<HTMLElement | null>(null);
  const counts = { error: 0, warning: 0, info: 0 };
  for (const f of findings) counts[f.severity]++;
  for (const f of across) counts[f.severity]++;
  // while the design is being checked there is nothing to count yet: "0 errors" would say it is clean
  const checking = findings.some((f) => f.ruleId === CHECKING_ID);
  const shown = (n: number): string => (checking ? '…' : String(n));
  const guestsOf = (f: WorkspaceFinding): Guests => f.domains.map((name) => ({ name, colour: guestColour(ws, name) }));
  const long = windowed(findings.length + across.length);
  // once per list, not per render of the panel (17,301 findings: their keys, ~10 ms)
  const rows = useMemo(() => (long ? findingRows(findings, acrossFindingsOf(ws), (f) => f.domains.map((name) => ({ name, colour: guestColour(ws, name) }))) : []), [long, findings, ws]);
  return (
    <section className={findingsClass(findings.length + across.length)} aria-label="Findings" ref={scroller}>
      <div className="panel-head">
        <h2>Findings</h2>
        <span className="counts" aria-live="polite">
          <span className="c error" title="errors">{shown(counts.error)}</span>
          <span className="c warning" title="warnings">{shown(counts.warning)}</span>
          <span className="c info" title="notes">{shown(counts.info)}</span>
        </span>
      </div>
      {findings.length === 0 && across.length === 0 ? <p className="ok pad">No findings: libvirt and QEMU should accept this topology.</p> : null}
      {design && long ? <WindowedFindings rows={rows} scroller={scroller} /> : null}
      {design && !long
        ? ORDER.map((sev) => {
            const list = findings.filter((f) => f.severity === sev);
            if (!list.length) return null;
            const keys = keysOf(list);
            return (
              <div key={sev} className="fgroup">
                <h3>{TITLES[sev]}</h3>
                <ul>
                  {list.map((f, i) => (
                    <FindingItem key={keys[i]} f={f} />
                  ))}
                </ul>
              </div>
            );
          })
        : null}
      {design && !long && across.length ? (
        <div className="fgroup across" data-testid="findings-across">
          <h3>Across guests</h3>
          <ul>
            {across.map((f, i) => (
              <FindingItem key={`${f.ruleId}-${i}`} f={f} guests={guestsOf(f)} />
            ))}
          </ul>
        </div>
      ) : null}
    </section>
  );
}
