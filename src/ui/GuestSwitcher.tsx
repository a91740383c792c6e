import { useShallow } from 'zustand/react/shallow';
import type { Evaluation } from '../engine/index.ts';
import { acrossFindingsOf, changedFiles, evaluationOf, guestColour, useDesigner } from '../store/index.ts';
import { run, switchGuest } from './actions/index.ts';
import { ChangedItems, Menu } from './Toolbar.tsx';

const counted = (n: number, what: string): string => (n === 0 ? `no ${what}s` : `${n} ${what}${n === 1 ? '' : 's'}`);

/** "1 error, 2 warnings", "no errors, no warnings": a tab's badges in words (their accessible name). */
export function badgeLabel(errors: number, warnings: number): string {
  return `${counted(errors, 'error')}, ${counted(warnings, 'warning')}`;
}

/**
 * The guests of a workspace over the canvas (issue 15), by their domain `<name>` and colour (the
 * same colour marks what each uses in the host panel): a click shows that guest on the canvas and in
 * the inspector. Marks the guests changed since opened and counts each guest's errors and warnings.
 * Nothing is shown for a single domain.
 */
const NO_EVALUATIONS: readonly Evaluation[] = [];

export function GuestSwitcher() {
  const w = useDesigner((s) => s.present?.workspace);
  // Every guest's evaluation, so the tabs count again when a guest's check off the main thread ends
  // (the workspace object stays the same then): until it does, a guest's evaluation is one
  // "checking" note and its counts would stay without what the check finds.
  const evaluations = useDesigner(useShallow((s) => s.present?.workspace?.workspace.guests.map((g) => evaluationOf(g.design)) ?? NO_EVALUATIONS));
  if (!w) return null;
  const ws = w.workspace;
  const changed = new Set(changedFiles(ws).map((f) => f.name));
  const across = acrossFindingsOf(ws);
  return (
    <nav className="guests" aria-label="Guests (domains) of this host" data-testid="guest-switcher">
      <span className="muted guests-label">Guests</span>
      <div role="tablist" aria-label="Guest shown on the canvas">
        {ws.guests.map((g, i) => {
          const own = (evaluations[i] ?? evaluationOf(g.design)).findings;
          const errors = own.filter((f) => f.severity === 'error').length;
          const warnings = own.filter((f) => f.severity === 'warning').length + across.filter((f) => f.severity === 'warning' && f.domains.includes(g.name)).length;
          const active = g.name === w.active;
          const label = badgeLabel(errors, warnings);
          return (
            <button
              key={g.name}
              type="button"
              role="tab"
              aria-selected={active}
              className={`guest-tab${active ? ' active' : ''}`}
              data-testid={`guest-tab-${g.name}`}
              title={`${g.name}${g.file ? ` (from ${g.file})` : ''}${changed.has(g.name) ? ', changed since opened' : ''}: ${label}`}
              onClick={() => void run(switchGuest, g.name)}
            >
              <span className="gdot" style={{ background: guestColour(ws, g.name) }} aria-hidden="true" />
              {g.name}
              {changed.has(g.name) ? (
                <span className="changed" aria-label="changed">
                  •
                </span>
              ) : null}
              {/* the counts in words for screen readers and on hover; the coloured numbers are for the eye */}
              <span className="guest-badges" role="img" aria-label={label} title={label} data-testid={`guest-badges-${g.name}`}>
                {errors ? <span className="badge error" aria-hidden="true">{errors}</span> : null}
                {warnings ? <span className="badge warning" aria-hidden="true">{warnings}</span> : null}
              </span>
            </button>
          );
        })}
      </div>
      {/* here rather than in the toolbar: it is about these guests, and the toolbar keeps to one line at 1280 px */}
      <Menu label="Changed" testId="export-changed-menu" title="Download the domains changed since they were opened: a zip of them all, or one file" className="guests-export">
        <ChangedItems />
      </Menu>
    </nav>
  );
}
