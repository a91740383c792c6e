import { memo, useCallback } from 'react';
import { Handle, Position, type NodeProps } from '@xyflow/react';
import type { GuestDevice, Host } from '../engine/index.ts';
import { formatNumber, formatPciAddress } from '../engine/index.ts';
import { controllerTargetId, designerStore, findingsOf, slotTargetId, subjectIndex, useDesigner, verdictMore } from '../store/index.ts';
import { ControllerTile, filledNote, IndexLabel, useFamily, useShownController } from './ControllerTile.tsx';
import { ADDED_TITLE, AddedRow, useAddedOnBus } from './AddedAtDefine.tsx';
import { hostNameOf, missingOnHost, useDeviceHandlers, useDeviceSelected, useDeviceSeverity } from './devices.ts';
import { busNameIdOf, busNodeName, busOwner, controllerKindLabel, controllersByBus, deviceGrid, devicesByBus, groupsLabel, NO_CONTROLLERS, NO_DEVICES, shownAsPhb, slotUse, SPACING, type ControllerFlowNode, type SlotTaker } from './layout.ts';
import { onEnterOrSpace } from './roving.ts';

export { controllerKindLabel, hostNameOf };

const hex2 = (n: number) => n.toString(16).padStart(2, '0');

/** A long device list wraps into columns filled top to bottom, as layout.ts deviceGrid sizes the node. */
function deviceListStyle(count: number, maxRows: number | undefined): React.CSSProperties | undefined {
  const { columns, rows } = deviceGrid(count, maxRows);
  return columns === 1 ? undefined : { display: 'grid', gridAutoFlow: 'column', gridTemplateRows: `repeat(${rows}, 30px)`, gridAutoColumns: 'minmax(0, 1fr)', columnGap: 4 };
}

const SlotCell = memo(function SlotCell({ index, slot, taker }: { index: number; slot: number; taker: SlotTaker | undefined }) {
  const id = slotTargetId(index, slot);
  const verdict = useDesigner((s) => s.drag?.verdicts.get(id)?.level ?? (s.drag?.targets.has(id) ? 'pending' : undefined));
  const over = useDesigner((s) => s.drag?.over === id);
  if (taker?.byLibvirt) {
    // not free for the user: libvirt puts this device here when it defines the domain (no
    // slot-<index>-<slot> test id: DESIGN.md §6 keeps that for free slots, drop targets)
    return (
      <span className="slot used by-libvirt" title={`Slot 0x${hex2(slot)}: taken by libvirt at define (${taker.label}, not in your XML)`}>
        {hex2(slot)}
      </span>
    );
  }
  if (taker) {
    return (
      <span className="slot used" title={taker.label}>
        {hex2(slot)}
      </span>
    );
  }
  return (
    <span className={`slot free${verdict ? ` drop-${verdict}` : ''}${over ? ' over' : ''}`} data-testid={`slot-${index}-${slot}`} data-drop={id} title={`Free slot 0x${hex2(slot)} on bus ${index}`}>
      {hex2(slot)}
    </span>
  );
});

const DeviceRow = memo(function DeviceRow({ device, host }: { device: GuestDevice; host: Host | undefined }) {
  const selected = useDeviceSelected(device.key);
  const severity = useDeviceSeverity(device.key);
  const handlers = useDeviceHandlers(device);
  const a = device.address;
  const name = hostNameOf(device, host);
  const missing = missingOnHost(device, host);
  return (
    <li
      className={`gdev nopan nodrag${selected ? ' selected' : ''}${severity ? ` sev-${severity}` : ''}${device.hostAddress ? ' passthrough' : ''}${missing ? ' missing' : ''}`}
      data-testid={`guest-device-${device.key}`}
      data-key={device.key}
      tabIndex={0}
      role="button"
      aria-label={`${device.label}${a ? ` at slot ${formatNumber('slot', a.slot)} function ${formatNumber('function', a.function)}` : ''}${severity ? `, has ${severity}s` : ''}`}
      aria-pressed={selected}
      {...handlers}
    >
      <span className="addr">{a ? `${hex2(a.slot)}.${a.function}` : '--'}</span>
      <span className="glabel" title={name ? `${device.label} (${name})` : missing ? `${device.label}: not on the loaded host` : device.label}>
        {device.label}
        {name ? <small>{name}</small> : missing ? <small>not on this host</small> : null}
      </span>
      {a?.multifunction === 'on' ? <span className="tag">mf</span> : null}
      {severity ? <span className={`badge ${severity}`} aria-hidden="true">{severity === 'info' ? 'i' : '!'}</span> : null}
    </li>
  );
});

/** A bus in full detail: its header, PE or IOMMU groups, the slot grid, every device on it. */
const ControllerFull = memo(function ControllerFull({ cKey, deviceRows }: { cKey: string; deviceRows?: number | undefined }) {
  const { c, assigned, filled } = useShownController(cKey);
  const release = useDesigner((s) => s.present?.libvirtVersion);
  const devices = useDesigner((s) => (c?.index === undefined || !s.present || busOwner(s.present.design.guest, c.index) !== c.key ? NO_DEVICES : (devicesByBus(s.present.design.guest).get(c.index) ?? NO_DEVICES)));
  const host = useDesigner((s) => s.present?.design.host);
  const added = useAddedOnBus(c?.key, c?.index);
  const children = useDesigner((s) => (c?.index === undefined || !s.present ? NO_CONTROLLERS : (controllersByBus(s.present.design.guest).get(c.index) ?? NO_CONTROLLERS)));
  const severity = useDesigner((s) => (c?.index === undefined ? undefined : subjectIndex(findingsOf(s.present?.design)).controllers.get(c.index)));
  const selected = useDesigner((s) => s.selection?.kind === 'controller' && s.selection.key === cKey);
  const dropId = c ? controllerTargetId(c) : '';
  const verdict = useDesigner((s) => s.drag?.verdicts.get(dropId));
  // a target not judged yet still takes the drop; it is judged the moment the pointer enters it
  const isTarget = useDesigner((s) => s.drag?.targets.has(dropId) ?? false);
  const over = useDesigner((s) => s.drag?.over === dropId);
  const select = useCallback(() => designerStore.getState().select({ kind: 'controller', key: cKey }), [cKey]);
  const family = useFamily();
  if (!c) return null;

  const index = c.index;
  const { slots, takenBy, free: freeCount, byLibvirt } = slotUse(c, devices, children, added, family);

  const groups = new Set<number>();
  for (const d of devices) {
    if (!d.hostAddress) continue;
    const g = host?.devices.get(formatPciAddress(d.hostAddress))?.iommuGroup;
    if (g !== undefined) groups.add(g);
  }
  const phb = shownAsPhb(c, family);
  // a target attribute the XML leaves out, shown as libvirt fills it (the design's release): marked so (an implicit bus says so as a whole)
  const libvirtFilled = (what: string, title?: string) =>
    !c.implicit && filled.split(' ').includes(what) ? { className: 'by-libvirt', title: `${title ? `${title}. ` : ''}${filledNote(release)}` } : title ? { title } : {};
  const title = `${controllerKindLabel(c, family)} ${index ?? '(no index)'}${assigned ? ' (index assigned by libvirt)' : ''}`;
  return (
    <div
      className={`cnode${phb ? ' phb' : ''}${selected ? ' selected' : ''}${severity ? ` sev-${severity}` : ''}${verdict ? ` drop-${verdict.level}` : isTarget ? ' drop-pending' : ''}${over ? ' over' : ''}`}
      data-testid={`controller-${index ?? c.key}`}
      data-drop={isTarget ? dropId : undefined}
      aria-label={`${title}${severity ? `, has ${severity}s` : ''}`}
    >
      <Handle type="target" position={Position.Top} isConnectable={false} />
      <span hidden id={busNameIdOf(c)}>
        {busNodeName(c, family, devices.length)}
      </span>
      <div
        className="chead nopan nodrag"
        role="button"
        tabIndex={0}
        aria-pressed={selected}
        aria-label={`Select ${title}`}
        onClick={select}
        onKeyDown={onEnterOrSpace(select)}
      >
        <span className="ckind">{controllerKindLabel(c, family)}</span>
        <IndexLabel index={index} assigned={assigned} prefix="#" />
        {severity ? <span className={`badge ${severity}`} title={`${severity}s on this controller`}>{severity === 'info' ? 'i' : '!'}</span> : null}
        <span className="cmeta">
          {phb && c.target.index !== undefined ? <span {...libvirtFilled('targetIndex', 'PHB target index (QEMU index=)')}>target {c.target.index}</span> : null}
          {c.target.node !== undefined ? <span title="guest NUMA node">NUMA {c.target.node}</span> : null}
          {c.target.chassis !== undefined ? <span {...libvirtFilled('chassis')}>chassis {c.target.chassis}</span> : null}
          {c.target.port !== undefined ? <span {...libvirtFilled('port')}>port 0x{hex2(c.target.port)}</span> : null}
          {c.target.hotplug === 'off' ? <span>no hotplug</span> : null}
          {c.implicit ? (
            <span className="implicit" data-testid="implicit-controller" title="Not in the XML: libvirt adds this root bus itself at define time. It is written only if you edit it.">
              implicit
            </span>
          ) : null}
        </span>
      </div>
      <div className={`pe${groups.size > 1 ? ' multi' : ''}`}>{groupsLabel(phb, groups, devices.length > 0, children.length)}</div>
      {slots.length > 0 ? (
        <div className="slots nopan nodrag" aria-label={`${freeCount} of ${slots.length} slots free${byLibvirt ? `, ${byLibvirt} taken by libvirt at define` : ''}`}>
          {slots.map((s) => (
            <SlotCell key={s} index={index as number} slot={s} taker={takenBy.get(s)} />
          ))}
        </div>
      ) : null}
      <ul className="gdevs" style={deviceListStyle(devices.length + added.length, deviceRows)}>
        {devices.length === 0 && added.length === 0 ? <li className="empty">No devices</li> : devices.map((d) => <DeviceRow key={d.key} device={d} host={host} />)}
        {added.map((d) => (
          <AddedRow key={d.key} device={d} />
        ))}
      </ul>
      <div className="cfoot">
        {slots.length - freeCount} of {slots.length} slots used
        {byLibvirt ? <span className="by-libvirt-note" title={ADDED_TITLE}>{` (${byLibvirt} taken by libvirt at define)`}</span> : null}
        {over && verdict && verdict.level !== 'clean' && verdict.message ? (
          <div className={`why ${verdict.level}`}>
            {verdict.ruleId ? <strong>{verdict.ruleId} </strong> : null}
            {verdict.message}
            {verdictMore(verdict) ? <div className="more">{verdictMore(verdict)}</div> : null}
          </div>
        ) : null}
      </div>
      <Handle type="source" position={Position.Bottom} isConnectable={false} style={{ left: SPACING.full.indent / 2 }} />
    </div>
  );
});

/** A controller node: the summary tile below the detail threshold, the full bus above it. */
function ControllerNodeImpl({ data }: NodeProps<ControllerFlowNode>) {
  return data.lod === 'tile' ? <ControllerTile cKey={data.key} /> : <ControllerFull cKey={data.key} deviceRows={data.deviceRows} />;
}

export const ControllerNode = memo(ControllerNodeImpl);
