/**
 * The Unplaced tray: every PCI device of the domain that has no place on a drawn bus (no `<address>`
 * yet, as hand-written XML and management tools leave them), so no device is ever missing from the
 * canvas. Each says where libvirt would put it; dragging one onto a bus or slot places it, and
 * Auto-place empties the tray.
 */
import { memo } from 'react';
import type { GuestDevice, Host } from '../engine/index.ts';
import { useDesigner } from '../store/index.ts';
import { hostNameOf, missingOnHost, useDeviceHandlers, useDeviceSelected, useDeviceSeverity } from './devices.ts';
import { unplacedDevices } from './layout.ts';
import { libvirtHints } from './placementHint.ts';

const TrayItem = memo(function TrayItem({ device, host, hint }: { device: GuestDevice; host: Host | undefined; hint: string | undefined }) {
  const selected = useDeviceSelected(device.key);
  const severity = useDeviceSeverity(device.key);
  const handlers = useDeviceHandlers(device);
  const missing = missingOnHost(device, host);
  const name = hostNameOf(device, host);
  return (
    <li
      className={`titem${device.hostAddress ? ' passthrough' : ''}${selected ? ' selected' : ''}${severity ? ` sev-${severity}` : ''}${missing ? ' missing' : ''}`}
      data-testid={`guest-device-${device.key}`}
      data-key={device.key}
      role="button"
      tabIndex={0}
      aria-pressed={selected}
      aria-label={`${device.label}, not placed${hint ? `; ${hint}` : ''}`}
      title={`${device.label}${name ? ` (${name})` : ''}${missing ? ': not on the loaded host' : ''}`}
      {...handlers}
    >
      <span className="tname">
        {device.label}
        {severity ? <span className={`badge ${severity}`} aria-hidden="true">{severity === 'info' ? 'i' : '!'}</span> : null}
      </span>
      {missing ? <span className="tsub warn">not on the loaded host</span> : null}
      {hint ? <span className="thint">{hint}</span> : null}
    </li>
  );
});

export function UnplacedTray() {
  const design = useDesigner((s) => s.present?.design);
  const release = useDesigner((s) => s.present?.libvirtVersion);
  const unplaced = design ? unplacedDevices(design.guest) : [];
  if (!design || unplaced.length === 0) return null;
  const hints = libvirtHints(design, release);
  return (
    <section className="tray" aria-label="Unplaced devices" data-testid="unplaced-tray">
      <div className="tray-head">
        <h2>Unplaced · {unplaced.length}</h2>
        <span className="muted">no PCI address yet: drag onto a bus or a free slot, or Auto-place</span>
      </div>
      <ul className="tray-items">
        {unplaced.map((d) => (
          <TrayItem key={d.key} device={d} host={design.host} hint={hints.get(d.key)} />
        ))}
      </ul>
    </section>
  );
}
