/**
 * What the canvas' colours, borders and badges mean. Each sample is drawn with the same classes as
 * the thing it explains, so the legend cannot drift from the canvas. The exported diagram draws the
 * same entries (LEGEND in diagram.ts).
 */
export interface LegendEntry {
  readonly sample: string;
  readonly text: string;
}

const ENTRIES: readonly { readonly title: string; readonly rows: readonly LegendEntry[] }[] = [
  {
    title: 'Buses',
    rows: [
      { sample: 'lg-bus phb', text: 'vPHB (pseries PCI host bridge): its own PE' },
      { sample: 'lg-bus', text: 'PCIe root, root port, switch port or bridge' },
      { sample: 'lg-bus sev-error', text: 'has an error: libvirt or QEMU refuses it, or the guest cannot use a device' },
      { sample: 'lg-bus sev-warning', text: 'has a warning: runs, degraded or risky' },
      { sample: 'lg-bus selected', text: 'selected' },
    ],
  },
  {
    title: 'Slots and devices',
    rows: [
      { sample: 'slot used', text: 'slot in use' },
      { sample: 'slot free', text: 'free slot: a drop target' },
      { sample: 'slot used by-libvirt', text: 'slot libvirt fills at define (not in your XML): taken, not free' },
      { sample: 'chip passthrough', text: 'host device passed through (hostdev)' },
      { sample: 'chip', text: 'emulated device (disk, NIC, controller, …)' },
      { sample: 'chip selected', text: 'selected device (Shift/Ctrl-click or Shift-drag for several)' },
      { sample: 'lg-bus lg-added', text: 'added by libvirt at define: not in your XML, not movable' },
    ],
  },
  {
    title: 'Badges',
    rows: [
      { sample: 'badge error', text: 'error on it or on one of its devices' },
      { sample: 'badge warning', text: 'warning' },
      { sample: 'badge info', text: 'note (advice)' },
    ],
  },
  {
    title: 'While dragging',
    rows: [
      { sample: 'lg-bus drop-clean', text: 'a drop here adds no finding' },
      { sample: 'lg-bus drop-warning', text: 'a drop here adds a warning' },
      { sample: 'lg-bus drop-error', text: 'a drop here adds an error' },
      { sample: 'lg-bus drop-pending', text: 'not judged yet: judged as the pointer enters' },
    ],
  },
];

const BADGE_TEXT: Readonly<Record<string, string>> = { 'badge error': '!', 'badge warning': '!', 'badge info': 'i', 'slot used': '03', 'slot free': '04', 'slot used by-libvirt': '05' };

export function Legend({ onClose }: { onClose: () => void }) {
  return (
    <div className="legend" role="dialog" aria-label="Legend" data-testid="legend">
      <div className="legend-head">
        <strong>Legend</strong>
        <button type="button" aria-label="Close the legend" title="Close" onClick={onClose}>
          ✕
        </button>
      </div>
      {ENTRIES.map((g) => (
        <section key={g.title}>
          <h3>{g.title}</h3>
          <ul>
            {g.rows.map((r) => (
              <li key={r.text}>
                <span className={`lg-sample ${r.sample}`} aria-hidden="true">
                  {BADGE_TEXT[r.sample] ?? ''}
                </span>
                <span>{r.text}</span>
              </li>
            ))}
          </ul>
        </section>
      ))}
      <p className="muted">Zoomed out, each bus is a summary tile; zoom in (+, or the wheel) for its slot grid. Shift+1 fits the design, Shift+2 the selection.</p>
    </div>
  );
}
