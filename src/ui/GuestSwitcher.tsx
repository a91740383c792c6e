import { acrossFindingsOf, changedFiles, evaluationOf, guestColour, useDesigner } from '../store/index.ts';
import { run, switchGuest } from './actions/index.ts';

/**
 * The guests of a workspace over the canvas (issue 15), by their domain `<name>` and colour (the
 * same colour marks what each uses in the host panel): a click shows that guest on the canvas and in
 * the inspector. Marks the guests changed since opened and counts each guest's errors and warnings.
 * Nothing is shown for a single domain.
 */
export function GuestSwitcher() {
  const w = useDesigner((s) => s.present?.workspace);
  if (!w) return null;
  const ws = w.workspace;
  const changed = new Set(changedFiles(ws).map((f) => f.name));
  const across = acrossFindingsOf(ws);
  return (
    <nav className="guests" aria-label="Guests (domains) of this host" data-testid="guest-switcher">
      <span className="muted guests-label">Guests</span>
      <div role="tablist" aria-label="Guest shown on the canvas">
        {ws.guests.map((g) => {
          const own = evaluationOf(g.design).findings;
          const errors = own.filter((f) => f.severity === 'error').length;
          const warnings = own.filter((f) => f.severity === 'warning').length + across.filter((f) => f.severity === 'warning' && f.domains.includes(g.name)).length;
          const active = g.name === w.active;
          return (
            <button
              key={g.name}
              type="button"
              role="tab"
              aria-selected={active}
              className={`guest-tab${active ? ' active' : ''}`}
              data-testid={`guest-tab-${g.name}`}
              title={`${g.name}${g.file ? ` (from ${g.file})` : ''}${changed.has(g.name) ? ', changed since opened' : ''}: ${errors} error(s), ${warnings} warning(s)`}
              onClick={() => void run(switchGuest, g.name)}
            >
              <span className="gdot" style={{ background: guestColour(ws, g.name) }} aria-hidden="true" />
              {g.name}
              {changed.has(g.name) ? (
                <span className="changed" aria-label="changed">
                  •
                </span>
              ) : null}
              {errors ? <span className="badge error">{errors}</span> : null}
              {warnings ? <span className="badge warning">{warnings}</span> : null}
            </button>
          );
        })}
      </div>
    </nav>
  );
}
