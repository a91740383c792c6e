import { useEffect, useMemo, useState } from 'react';
import type { Command, ControllerTarget, Design, GuestPciAddress, PciController } from '../engine/index.ts';
import { formatPciAddress, isPhb, machineFamily } from '../engine/index.ts';
import { controllerTargetId, designerStore, dropTargets, hypothetical, isBusTarget, lazyVerdicts, useDesigner, verdictMore, type DragPayload, type DropTarget, type Selection, type VerdictLevel } from '../store/index.ts';
import { whenIdle } from './dnd.ts';
import { controllerKindLabel, hostNameOf } from './ControllerNode.tsx';

/** Whole numbers only; '' means "not written". Hex as libvirt writes it (0x1f) is accepted too. */
function parseField(text: string, name: string): { ok: true; value: number | undefined } | { ok: false; error: string } {
  const t = text.trim();
  if (t === '') return { ok: true, value: undefined };
  const n = /^0x[0-9a-f]+$/i.test(t) ? parseInt(t, 16) : /^\d+$/.test(t) ? parseInt(t, 10) : NaN;
  if (!Number.isSafeInteger(n)) return { ok: false, error: `${name} must be a whole number, not "${t}"` };
  return { ok: true, value: n };
}

/** Applies an edit unless the engine says it makes the design invalid; then shows the rule's message. */
function applyChecked(design: Design, cmd: Command, label: string, setError: (e: string | null) => void): void {
  const v = hypothetical(design, cmd, { newOnly: true });
  if (v.level === 'error') {
    setError(v.message ?? 'This change would make the design invalid.');
    return;
  }
  setError(null);
  designerStore.getState().apply(cmd, label);
}

const VERDICT_TEXT: Readonly<Record<VerdictLevel, string>> = { clean: 'clean', info: 'clean', warning: 'warning', error: 'error' };

/**
 * The keyboard equivalent of a drag: every bus that could take the selection, each with its verdict.
 * The list shows at once; the chosen bus is judged right away and the others in idle slices
 * (lazyVerdicts), so selecting something in a 1,000-device design stays within a frame or two.
 */
function MoveTo({ design, payload, what }: { design: Design; payload: DragPayload; what: string }) {
  // pcie-root last: an endpoint placed there is an integrated device that can never be hot-unplugged
  // (Q35-PCI-2, Q35-HP-1), so it should not be the preselected choice.
  const lazy = useMemo(() => {
    const onRoot = (t: DropTarget) => design.guest.controllers.find((c) => controllerTargetId(c) === t.id)?.model === 'pcie-root';
    const buses = dropTargets(design, payload).filter(isBusTarget);
    return lazyVerdicts(design, [...buses.filter((t) => !onRoot(t)), ...buses.filter(onRoot)]);
  }, [design, payload]);
  const [, setJudged] = useState(0);
  useEffect(() => {
    let cancel = () => {};
    const step = (budgetMs: number) => {
      const more = lazy.judgeSome(budgetMs);
      setJudged(lazy.judged);
      if (more) cancel = whenIdle(step);
    };
    if (lazy.targets.length) cancel = whenIdle(step);
    return () => cancel();
  }, [lazy]);
  const [choice, setChoice] = useState('');
  const chosen = lazy.targets.find((t) => t.id === choice) ?? lazy.targets[0];
  if (!chosen) return <p className="muted">No bus can take {what}.</p>;
  const chosenVerdict = lazy.judge(chosen.id);
  const nameOf = (t: DropTarget) => {
    const key = t.id.slice(2);
    const c = design.guest.controllers.find((x) => x.key === key);
    return c ? `${controllerKindLabel(c)} #${c.index}` : key;
  };
  const go = () => designerStore.getState().apply(chosen.command, chosen.label);
  return (
    <div className="moveto">
      <label htmlFor="move-to">Move {what} to…</label>
      <div className="row">
        <select id="move-to" data-testid="move-to" aria-label={`Move ${what} to`} value={chosen.id} onChange={(e) => setChoice(e.target.value)} onKeyDown={(e) => e.key === 'Enter' && go()} aria-describedby={chosenVerdict && chosenVerdict.level !== 'clean' ? 'move-to-why' : undefined}>
          {lazy.targets.map((t) => {
            const v = lazy.get(t.id);
            return (
              <option key={t.id} value={t.id} data-verdict={v?.level ?? 'pending'}>
                {nameOf(t)} — {v ? VERDICT_TEXT[v.level] : 'checking…'}
              </option>
            );
          })}
        </select>
        <button type="button" data-testid="move-to-apply" onClick={go}>
          Move
        </button>
      </div>
      {chosenVerdict && chosenVerdict.level !== 'clean' ? (
        <p id="move-to-why" className={`why ${chosenVerdict.level}`}>
          {chosenVerdict.ruleId ? <strong>{chosenVerdict.ruleId} </strong> : null}
          {chosenVerdict.message}
          {verdictMore(chosenVerdict) ? <span className="more">{verdictMore(chosenVerdict)}</span> : null}
        </p>
      ) : null}
    </div>
  );
}

function ControllerForm({ design, c }: { design: Design; c: PciController }) {
  const phb = isPhb(c) && machineFamily(design.guest) === 'pseries';
  const [f, setF] = useState({
    index: c.index?.toString() ?? '',
    targetIndex: c.target.index?.toString() ?? '',
    node: c.target.node?.toString() ?? '',
    chassis: c.target.chassis?.toString() ?? '',
    port: c.target.port?.toString() ?? '',
    hotplug: c.target.hotplug ?? '',
  });
  const [error, setError] = useState<string | null>(null);
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    const fields = { index: 'Controller index', targetIndex: 'Target index', node: 'NUMA node', chassis: 'Chassis', port: 'Port' } as const;
    const parsed: Partial<Record<keyof typeof fields, number | undefined>> = {};
    for (const k of Object.keys(fields) as (keyof typeof fields)[]) {
      const r = parseField(f[k], fields[k]);
      if (!r.ok) return setError(r.error);
      parsed[k] = r.value;
    }
    const target: ControllerTarget = {
      ...c.target,
      index: phb ? parsed.targetIndex : c.target.index,
      node: parsed.node,
      chassis: parsed.chassis,
      port: parsed.port,
      hotplug: f.hotplug === 'on' || f.hotplug === 'off' ? f.hotplug : undefined,
    };
    const cmd: Command = { kind: 'update-controller', controller: c.key, changes: { target, ...(parsed.index !== undefined && parsed.index !== c.index ? { index: parsed.index } : {}) } };
    applyChecked(design, cmd, `Edit ${controllerKindLabel(c)} #${c.index ?? '?'}`, setError);
  };
  const field = (k: keyof typeof f, label: string, hint?: string) => (
    <label className="field">
      <span>{label}</span>
      <input data-testid={`inspector-${k}`} value={f[k]} inputMode="numeric" onChange={(e) => setF({ ...f, [k]: e.target.value })} placeholder={hint ?? 'not set'} />
    </label>
  );
  const canPort = c.model === 'pcie-root-port' || c.model === 'pcie-switch-downstream-port';
  return (
    <form onSubmit={submit} className="iform" aria-label="Edit controller">
      <h3>
        {controllerKindLabel(c)} #{c.index ?? '?'} <small className="muted">{c.model}{c.modelName ? ` · ${c.modelName}` : ''}</small>
      </h3>
      {field('index', 'Controller index')}
      {phb ? field('targetIndex', 'Target index (0–30)') : null}
      {phb || c.model === 'pci-expander-bus' || c.model === 'pcie-expander-bus' ? field('node', 'Guest NUMA node') : null}
      {canPort ? field('chassis', 'Chassis') : null}
      {canPort ? field('port', 'Port') : null}
      {c.model === 'pci-root' || canPort ? (
        <label className="field">
          <span>Hotplug</span>
          <select data-testid="inspector-hotplug" value={f.hotplug} onChange={(e) => setF({ ...f, hotplug: e.target.value as typeof f.hotplug })}>
            <option value="">default</option>
            <option value="on">on</option>
            <option value="off">off</option>
          </select>
        </label>
      ) : null}
      <FormActions error={error} remove={c.index !== 0 && !c.implicit ? { label: 'Remove controller', command: { kind: 'remove-controller', controller: c.key } } : undefined} />
    </form>
  );
}

/** The foot of an inspector form: the rule's message when an edit is refused, Apply, and a remove button. */
function FormActions({ error, remove }: { error: string | null | undefined; remove?: { label: string; command: Command } | undefined }) {
  return (
    <>
      {error ? (
        <p className="ierror" role="alert" data-testid="inspector-error">
          {error}
        </p>
      ) : null}
      <div className="row">
        <button type="submit" data-testid="inspector-apply">
          Apply
        </button>
        {remove ? (
          <button type="button" className="danger" onClick={() => designerStore.getState().apply(remove.command, remove.label)}>
            {remove.label}
          </button>
        ) : null}
      </div>
    </>
  );
}

function DeviceForm({ design, deviceKey }: { design: Design; deviceKey: string }) {
  const d = design.guest.devices.find((x) => x.key === deviceKey);
  const a = d?.address;
  const [f, setF] = useState({ bus: a?.bus.toString() ?? '', slot: a?.slot.toString() ?? '', fn: a?.function.toString() ?? '', mf: a?.multifunction ?? '' });
  const [error, setError] = useState<string | null>(null);
  const payload = useMemo<DragPayload>(() => ({ kind: 'guest-device', key: deviceKey }), [deviceKey]);
  if (!d) return null;
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    const bus = parseField(f.bus, 'Bus');
    const slot = parseField(f.slot, 'Slot');
    const fn = parseField(f.fn, 'Function');
    for (const r of [bus, slot, fn]) if (!r.ok) return setError(r.error);
    if (!bus.ok || !slot.ok || !fn.ok) return;
    if (bus.value === undefined && slot.value === undefined && fn.value === undefined) {
      return applyChecked(design, { kind: 'move-device', device: d.key, address: null }, `Clear the address of ${d.key}`, setError);
    }
    if (bus.value === undefined || slot.value === undefined) return setError('Bus and slot are both needed for an address (or clear all three).');
    const address: GuestPciAddress = { domain: 0, bus: bus.value, slot: slot.value, function: fn.value ?? 0, ...(f.mf === 'on' || f.mf === 'off' ? { multifunction: f.mf } : {}) };
    applyChecked(design, { kind: 'move-device', device: d.key, address }, `Set the address of ${d.key}`, setError);
  };
  const name = hostNameOf(d, design.host);
  return (
    <div>
      <form onSubmit={submit} className="iform" aria-label="Edit device address">
        <h3>
          {d.label} {name ? <small className="muted">{name}</small> : null}
        </h3>
        {d.hostAddress ? <p className="muted">Host {formatPciAddress(d.hostAddress)}</p> : null}
        <div className="row3">
          <label className="field">
            <span>Bus</span>
            <input data-testid="inspector-bus" value={f.bus} onChange={(e) => setF({ ...f, bus: e.target.value })} />
          </label>
          <label className="field">
            <span>Slot</span>
            <input data-testid="inspector-slot" value={f.slot} onChange={(e) => setF({ ...f, slot: e.target.value })} />
          </label>
          <label className="field">
            <span>Function</span>
            <input data-testid="inspector-function" value={f.fn} onChange={(e) => setF({ ...f, fn: e.target.value })} />
          </label>
        </div>
        <label className="field">
          <span>Multifunction</span>
          <select data-testid="inspector-multifunction" value={f.mf} onChange={(e) => setF({ ...f, mf: e.target.value as typeof f.mf })}>
            <option value="">not written</option>
            <option value="on">on</option>
            <option value="off">off</option>
          </select>
        </label>
        <FormActions error={error} remove={{ label: 'Remove from guest', command: { kind: 'remove-device', device: d.key } }} />
      </form>
      <MoveTo design={design} payload={payload} what={d.key} />
    </div>
  );
}

function selectionKey(s: Selection): string {
  return s.kind === 'controller' || s.kind === 'device' ? `${s.kind}:${s.key}` : s.kind === 'group' ? `g:${s.number}` : `h:${s.address}`;
}

export function Inspector() {
  const design = useDesigner((s) => s.present?.design);
  const selection = useDesigner((s) => s.selection);
  const groupPayload = useMemo<DragPayload | null>(
    () => (selection?.kind === 'group' ? { kind: 'group', number: selection.number } : selection?.kind === 'host-device' ? { kind: 'host-device', address: selection.address } : null),
    [selection],
  );
  let body: React.ReactNode = <p className="muted">Select a controller, a device or a host group to edit it. Keyboard: Tab to it, Enter selects, then use “Move to…”.</p>;
  if (design && selection) {
    // Keyed by selection and design so a form never shows stale values after undo.
    const k = `${selectionKey(selection)}@${design.guest.controllers.length}:${design.guest.devices.length}`;
    if (selection.kind === 'controller') {
      const c = design.guest.controllers.find((x) => x.key === selection.key);
      if (c) body = <ControllerForm key={`${k}:${JSON.stringify(c)}`} design={design} c={c} />;
    } else if (selection.kind === 'device') {
      const d = design.guest.devices.find((x) => x.key === selection.key);
      if (d) body = <DeviceForm key={`${k}:${JSON.stringify(d.address ?? null)}`} design={design} deviceKey={d.key} />;
    } else if (groupPayload) {
      const what = selection.kind === 'group' ? `IOMMU group ${selection.number}` : selection.address;
      body = (
        <div>
          <h3>{what}</h3>
          <MoveTo key={k} design={design} payload={groupPayload} what={what} />
        </div>
      );
    }
  }
  return (
    <section className="inspector" aria-label="Inspector">
      <div className="panel-head">
        <h2>Inspector</h2>
      </div>
      <div className="pad">{body}</div>
    </section>
  );
}
