import { memo } from 'react';
import type { Design, Finding, Severity, WorkspaceFinding } from '../engine/index.ts';
import { findingKey } from '../engine/index.ts';
import { acrossFindingsOf, CHECKING_ID, designerStore, findingsOf, guestColour, ruleMetaOf, useDesigner, workspaceOf } from '../store/index.ts';
import { nodeIdOf, shownControllers } from './layout.ts';
import { applyFix, run } from './actions/index.ts';

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

type ItemProps = { f: Finding; guests?: readonly { name: string; colour: string }[] | undefined };

/**
 * Whether an item would render the same: the same finding, or one that reads the same (findings are
 * plain data, fixes included: an engine command is data, DESIGN.md §3). Each evaluation makes new
 * finding objects, so identity alone re-rendered every item on every edit (33 on a drop on the
 * 31-vPHB design, in the frame that shows it, DESIGN.md §7).
 */
export function sameItem(a: ItemProps, b: ItemProps): boolean {
  return samePlain(a.f, b.f) && samePlain(a.guests, b.guests);
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

const FindingItem = memo(function FindingItem({ f, guests }: ItemProps) {
  const meta = ruleMetaOf(f.ruleId);
  return (
    <li className={`finding ${f.severity}`} data-testid="finding" data-rule-id={f.ruleId} data-severity={f.severity}>
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
 * Findings beyond which the panel's items skip layout and paint while scrolled out of view (CSS
 * `.findings.long .finding`: content-visibility: auto). The 961 findings of a 7,688-device design
 * cost one task of ~200 ms of style, layout and pre-paint when drawn; a short list does not pay the
 * skipping's own cost (~1.5 ms a drop on the 31-vPHB design's 33 findings, DESIGN.md §7).
 */
export const LONG_FINDINGS = 100;

/** The panel's class for a list of `count` findings. */
export const findingsClass = (count: number): string => (count > LONG_FINDINGS ? 'findings long' : 'findings');

export function FindingsPanel() {
  const design = useDesigner((s) => s.present?.design);
  // through the store: the design's check off the main thread ending changes them, not the design
  const findings = useDesigner((s) => findingsOf(s.present?.design));
  // findings across the guests of a workspace (HD-SHARE-1/2, HD-NUMA-1), each naming its guests
  const ws = useDesigner((s) => workspaceOf(s.present));
  const across: readonly WorkspaceFinding[] = acrossFindingsOf(ws);
  const counts = { error: 0, warning: 0, info: 0 };
  for (const f of findings) counts[f.severity]++;
  for (const f of across) counts[f.severity]++;
  // while the design is being checked there is nothing to count yet: "0 errors" would say it is clean
  const checking = findings.some((f) => f.ruleId === CHECKING_ID);
  const shown = (n: number): string => (checking ? '…' : String(n));
  return (
    <section className={findingsClass(findings.length + across.length)} aria-label="Findings">
      <div className="panel-head">
        <h2>Findings</h2>
        <span className="counts" aria-live="polite">
          <span className="c error" title="errors">{shown(counts.error)}</span>
          <span className="c warning" title="warnings">{shown(counts.warning)}</span>
          <span className="c info" title="notes">{shown(counts.info)}</span>
        </span>
      </div>
      {findings.length === 0 && across.length === 0 ? <p className="ok pad">No findings: libvirt and QEMU should accept this topology.</p> : null}
      {design
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
      {design && across.length ? (
        <div className="fgroup across" data-testid="findings-across">
          <h3>Across guests</h3>
          <ul>
            {across.map((f, i) => (
              <FindingItem key={`${f.ruleId}-${i}`} f={f} guests={f.domains.map((name) => ({ name, colour: guestColour(ws, name) }))} />
            ))}
          </ul>
        </div>
      ) : null}
    </section>
  );
}
