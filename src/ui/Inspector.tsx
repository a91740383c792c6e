import { useMemo, useState } from 'react';
import type { Command, ControllerTarget, Design, DropPayload, DropTarget, GuestPciAddress, NumberAttribute, PciController } from '../engine/index.ts';
import { controllerName, deviceName, dropTargets, formatNumber, formatPciAddress, isPhb, machineFamily, NEW_BUS_TARGET, parseNumberInput, payloadName, writtenInHex } from '../engine/index.ts';
import { designerStore, isBusTarget, lazyVerdicts, useDesigner, verdictMore, type Selection, type VerdictLevel } from '../store/index.ts';
import { moveTo, run } from './actions/index.ts';
import { useLazyJudging } from './lazyJudging.ts';
import { shownControllers } from './layout.ts';

/**
 * A number field's text as libvirt reads it: '' is "not written"; `0x1f` is hex and `31` decimal,
 * whatever base libvirt writes that attribute in.
 */
function parseField(text: string, name: string): { ok: true; value: number | undefined } | { ok: false; error: string } {
  if (text.trim() === '') return { ok: true, value: undefined };
  const r = parseNumberInput(text, name);
  return r.ok ? { ok: true, value: r.value } : { ok: false, error: r.error };
}

/** "slot 0x1f (31), read as hex": what a number field will write, shown while it is typed. */
function readsAs(text: string, word: string): string | undefined {
  if (text.trim() === '') return `${word} not written: libvirt picks it`;
  const r = parseNumberInput(text, word);
  if (!r.ok) return undefined;
  return `${word} ${r.echo}, read as ${r.base === 16 ? 'hex' : 'decimal'}`;
}

const show = (attr: NumberAttribute, n: number | undefined): string => (n === undefined ? '' : formatNumber(attr, n));

/**
 * A form's edits: `apply` applies one unless it adds an error to the design, else `error` is the
 * rule's message (store.ts applyEdit). A heavy document's edit is judged in the checking worker,
 * never here: meanwhile `checking` is true (the form says so, Apply waits).
 */
function useCheckedEdit(): { error: string | null; checking: boolean; setError: (e: string | null) => void; apply: (cmd: Command, label: string) => void } {
  const [error, setError] = useState<string | null>(null);
  const [checking, setChecking] = useState(false);
  const apply = (cmd: Command, label: string): void => {
    setChecking(true);
    void designerStore
      .getState()
      .applyEdit(cmd, label)
      .then((refused) => {
        setChecking(false);
        setError(refused);
      });
  };
  return { error, checking, setError, apply };
}

const VERDICT_TEXT: Readonly<Record<VerdictLevel, string>> = { clean: 'clean', info: 'clean', warning: 'warning', error: 'error' };

/**
 * The keyboard equivalent of a drag: every bus that could take the selection, and a new vPHB or root
 * port, each with its verdict (the engine's one evaluation, as the canvas and the findings show it).
 * The list shows at once; the chosen bus is judged right away and the others in idle slices.
 */
function MoveTo({ design, payload }: { design: Design; payload: DropPayload }) {
  // pcie-root last: an endpoint placed there is an integrated device that can never be hot-unplugged
  // (Q35-PCI-2, Q35-HP-1), so it should not be the preselected choice; the new bus comes after it.
  const lazy = useMemo(() => {
    const onRoot = (t: DropTarget) => design.guest.controllers.find((c) => `c:${c.key}` === t.id)?.model === 'pcie-root';
    const all = dropTargets(design, payload, { newBus: true });
    const buses = all.filter(isBusTarget);
    const fresh = all.filter((t) => t.id === NEW_BUS_TARGET);
    return lazyVerdicts(design, [...buses.filter((t) => !onRoot(t)), ...buses.filter(onRoot), ...fresh]);
  }, [design, payload]);
  useLazyJudging(lazy, design);
  const [choice, setChoice] = useState('');
  const what = payloadName(design, payload);
  const chosen = lazy.targets.find((t) => t.id === choice) ?? lazy.targets[0];
  if (!chosen) return <p className="muted">No bus can take {what}.</p>;
  const chosenVerdict = lazy.judge(chosen.id);
  const go = () => void run(moveTo, { payload, target: chosen });
  return (
    <div className="moveto">
      <label htmlFor="move-to">Move {what} to…</label>
      <div className="row">
        <select id="move-to" data-testid="move-to" aria-label={`Move ${what} to`} value={chosen.id} onChange={(e) => setChoice(e.target.value)} onKeyDown={(e) => e.key === 'Enter' && go()} aria-describedby={chosenVerdict && chosenVerdict.level !== 'clean' ? 'move-to-why' : undefined}>
          {lazy.targets.map((t) => {
            const v = lazy.get(t.id);
            return (
              <option key={t.id} value={t.id} data-verdict={v?.level ?? 'pending'}>
                {t.where} — {v ? VERDICT_TEXT[v.level] : lazy.unjudged ? `not judged: ${lazy.unjudged}` : 'checking…'}
              </option>
            );
          })}
        </select>
        <button type="button" data-testid="move-to-apply" onClick={go}>
          Move
        </button>
      </div>
      {chosenVerdict && chosenVerdict.level !== 'clean' ? (
        <p id="move-to-why" className={`why ${chosenVerdict.level}`} data-testid="move-to-why">
          {chosenVerdict.ruleId ? <strong>{chosenVerdict.ruleId} </strong> : null}
          {chosenVerdict.message}
          {verdictMore(chosenVerdict) ? <span className="more">{verdictMore(chosenVerdict)}</span> : null}
        </p>
      ) : null}
    </div>
  );
}

/** A number field that says how it reads what is typed ("slot 0x1f (31), read as hex"). */
function NumberField({ id, label, word, value, onChange, hint }: { id: string; label: string; word: string; value: string; onChange: (v: string) => void; hint?: string | undefined }) {
  const reads = readsAs(value, word);
  return (
    <label className="field">
      <span>{label}</span>
      <input data-testid={`inspector-${id}`} value={value} inputMode="text" spellCheck={false} onChange={(e) => onChange(e.target.value)} placeholder={hint ?? 'not set'} aria-describedby={`inspector-${id}-reads`} />
      <small id={`inspector-${id}-reads`} className="reads muted" data-testid={`inspector-${id}-reads`}>
        {reads ?? '\u00a0'}
      </small>
    </label>
  );
}

function ControllerForm({ design, c }: { design: Design; c: PciController }) {
  const family = machineFamily(design.guest);
  const phb = isPhb(c) && family === 'pseries';
  // an index the XML leaves out is named by the one libvirt assigns (layout.ts shownControllers), never "(no index)"
  const shown = shownControllers(design.guest);
  const assignedIndex = shown.assignedIndex.has(c.key) ? shown.byKey.get(c.key)?.index : undefined;
  const name = controllerName(assignedIndex === undefined ? c : { ...c, index: assignedIndex }, family);
  // A bus import shows as libvirt's (implicit) has libvirt's target throughout: the one the design's
  // release gives it (engine definedControllers), which an edit then writes. A written controller
  // keeps its own; what it leaves out is named as the release fills it.
  const libvirts = shown.byKey.get(c.key) ?? c;
  const base = c.implicit ? libvirts.target : c.target;
  const filled = shown.filled.get(c.key);
  const given = (what: 'targetIndex' | 'chassis' | 'port', attr: NumberAttribute, n: number | undefined) => (!c.implicit && filled?.has(what) && n !== undefined ? `not written: libvirt gives ${formatNumber(attr, n)}` : undefined);
  const hints = { targetIndex: given('targetIndex', 'targetIndex', libvirts.target.index), chassis: given('chassis', 'chassis', libvirts.target.chassis), port: given('port', 'port', libvirts.target.port) };
  const [f, setF] = useState({
    index: show('index', c.index),
    targetIndex: show('targetIndex', base.index),
    node: show('node', base.node),
    chassis: show('chassis', base.chassis),
    port: show('port', base.port),
    hotplug: base.hotplug ?? '',
  });
  const { error, checking, setError, apply } = useCheckedEdit();
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    if (checking) return;
    const fields = { index: 'Controller index', targetIndex: 'Target index', node: 'NUMA node', chassis: 'Chassis', port: 'Port' } as const;
    const parsed: Partial<Record<keyof typeof fields, number | undefined>> = {};
    for (const k of Object.keys(fields) as (keyof typeof fields)[]) {
      const r = parseField(f[k], fields[k]);
      if (!r.ok) return setError(r.error);
      parsed[k] = r.value;
    }
    const target: ControllerTarget = {
      ...base,
      index: phb ? parsed.targetIndex : base.index,
      node: parsed.node,
      chassis: parsed.chassis,
      port: parsed.port,
      hotplug: f.hotplug === 'on' || f.hotplug === 'off' ? f.hotplug : undefined,
    };
    const cmd: Command = { kind: 'update-controller', controller: c.key, changes: { target, ...(parsed.index !== undefined && parsed.index !== c.index ? { index: parsed.index } : {}) } };
    apply(cmd, `Edit ${name}`);
  };
  const field = (k: 'index' | 'targetIndex' | 'node' | 'chassis' | 'port', label: string, word: string) => (
    <NumberField id={k} label={label} word={word} value={f[k]} onChange={(v) => setF({ ...f, [k]: v })} hint={k === 'index' ? (assignedIndex !== undefined ? `not written: libvirt assigns ${assignedIndex}` : undefined) : k === 'node' ? undefined : hints[k]} />
  );
  const canPort = c.model === 'pcie-root-port' || c.model === 'pcie-switch-downstream-port';
  const removable = c.index !== 0 && !c.implicit;
  return (
    <form onSubmit={submit} className="iform" aria-label="Edit controller">
      <h3>
        {name} <small className="muted">{c.model}{c.modelName ? ` · ${c.modelName}` : ''}</small>
      </h3>
      {field('index', 'Controller index', 'index')}
      {phb ? field('targetIndex', 'Target index (0–30)', 'target index') : null}
      {phb || c.model === 'pci-expander-bus' || c.model === 'pcie-expander-bus' ? field('node', 'Guest NUMA node', 'node') : null}
      {canPort ? field('chassis', 'Chassis', 'chassis') : null}
      {canPort ? field('port', `Port (libvirt writes it in ${writtenInHex('port') ? 'hex' : 'decimal'})`, 'port') : null}
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
      <FormActions error={error} checking={checking} remove={removable ? { label: 'Remove controller', undo: `Remove ${name}`, command: { kind: 'remove-controller', controller: c.key } } : undefined} />
    </form>
  );
}

/** The foot of an inspector form: the rule's message when an edit is refused, that an edit is being checked, Apply, and a remove button. */
function FormActions({ error, checking, remove }: { error: string | null | undefined; checking: boolean; remove?: { label: string; undo: string; command: Command } | undefined }) {
  return (
    <>
      {checking ? (
        <p className="muted" role="status" data-testid="inspector-checking">
          Checking the edit…
        </p>
      ) : null}
      {error ? (
        <p className="ierror" role="alert" data-testid="inspector-error">
          {error}
        </p>
      ) : null}
      <div className="row">
        <button type="submit" data-testid="inspector-apply" disabled={checking}>
          Apply
        </button>
        {remove ? (
          <button type="button" className="danger" data-testid="inspector-remove" onClick={() => designerStore.getState().apply(remove.command, remove.undo)}>
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
  const [f, setF] = useState({ bus: show('bus', a?.bus), slot: show('slot', a?.slot), fn: show('function', a?.function), mf: a?.multifunction ?? '' });
  const { error, checking, setError, apply } = useCheckedEdit();
  const payload = useMemo<DropPayload>(() => ({ kind: 'guest-device', key: deviceKey }), [deviceKey]);
  if (!d) return null;
  const name = deviceName(d, design.host);
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    if (checking) return;
    const bus = parseField(f.bus, 'Bus');
    const slot = parseField(f.slot, 'Slot');
    const fn = parseField(f.fn, 'Function');
    for (const r of [bus, slot, fn]) if (!r.ok) return setError(r.error);
    if (!bus.ok || !slot.ok || !fn.ok) return;
    if (bus.value === undefined && slot.value === undefined && fn.value === undefined) {
      return apply({ kind: 'move-device', device: d.key, address: null }, `Clear the address of ${d.label}`);
    }
    if (bus.value === undefined || slot.value === undefined) return setError('Bus and slot are both needed for an address (or clear all three).');
    const address: GuestPciAddress = { domain: 0, bus: bus.value, slot: slot.value, function: fn.value ?? 0, ...(f.mf === 'on' || f.mf === 'off' ? { multifunction: f.mf } : {}) };
    apply({ kind: 'move-device', device: d.key, address }, `Set the address of ${d.label} to bus ${formatNumber('bus', address.bus)} slot ${formatNumber('slot', address.slot)} function ${formatNumber('function', address.function)}`);
  };
  const product = name !== d.label ? name.slice(d.label.length).replace(/^ \((.*)\)$/, '$1') : undefined;
  return (
    <div>
      <form onSubmit={submit} className="iform" aria-label="Edit device address">
        <h3>
          {d.label} {product ? <small className="muted">{product}</small> : null}
        </h3>
        {d.hostAddress ? <p className="muted">Host {formatPciAddress(d.hostAddress)}</p> : null}
        <div className="row3">
          <NumberField id="bus" label="Bus" word="bus" value={f.bus} onChange={(v) => setF({ ...f, bus: v })} />
          <NumberField id="slot" label="Slot" word="slot" value={f.slot} onChange={(v) => setF({ ...f, slot: v })} />
          <NumberField id="function" label="Function" word="function" value={f.fn} onChange={(v) => setF({ ...f, fn: v })} />
        </div>
        <label className="field">
          <span>Multifunction</span>
          <select data-testid="inspector-multifunction" value={f.mf} onChange={(e) => setF({ ...f, mf: e.target.value as typeof f.mf })}>
            <option value="">not written</option>
            <option value="on">on</option>
            <option value="off">off</option>
          </select>
        </label>
        <FormActions error={error} checking={checking} remove={{ label: 'Remove from guest', undo: `Remove ${d.label}`, command: { kind: 'remove-device', device: d.key } }} />
      </form>
      <MoveTo design={design} payload={payload} />
    </div>
  );
}

function selectionKey(s: Selection): string {
  return s.kind === 'controller' || s.kind === 'device' ? `${s.kind}:${s.key}` : s.kind === 'group' ? `g:${s.number}` : `h:${s.address}`;
}

export function Inspector() {
  const design = useDesigner((s) => s.present?.design);
  const selection = useDesigner((s) => s.selection);
  // what the controller form shows of libvirt's defaults follows the release setting: a new form when it changes
  const release = useDesigner((s) => s.present?.libvirtVersion);
  const groupPayload = useMemo<DropPayload | null>(
    () => (selection?.kind === 'group' ? { kind: 'group', number: selection.number } : selection?.kind === 'host-device' ? { kind: 'host-device', address: selection.address } : null),
    [selection],
  );
  let body: React.ReactNode = <p className="muted">Select a controller, a device or a host group to edit it. Keyboard: Tab to it, arrow keys to the next, Enter selects, then M for “Move to…” or Shift+F10 for its menu.</p>;
  if (design && selection) {
    // Keyed by selection and design so a form never shows stale values after undo.
    const k = `${selectionKey(selection)}@${design.guest.controllers.length}:${design.guest.devices.length}`;
    if (selection.kind === 'controller') {
      const c = design.guest.controllers.find((x) => x.key === selection.key);
      if (c) body = <ControllerForm key={`${k}:${release ?? ''}:${JSON.stringify(c)}`} design={design} c={c} />;
    } else if (selection.kind === 'device') {
      const d = design.guest.devices.find((x) => x.key === selection.key);
      if (d) body = <DeviceForm key={`${k}:${JSON.stringify(d.address ?? null)}`} design={design} deviceKey={d.key} />;
    } else if (groupPayload) {
      body = (
        <div>
          <h3>{payloadName(design, groupPayload)}</h3>
          <MoveTo key={k} design={design} payload={groupPayload} />
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
