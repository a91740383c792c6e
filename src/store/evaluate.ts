/**
 * Drop targets and what dropping there would do: the engine applies the hypothetical command and
 * validates the result, so the canvas can say "clean / warning / error" before the user lets go
 * (issue 7). The same answers drive the keyboard "Move to…" menu.
 *
 * Listing the targets is cheap; judging one costs a validation. A drag therefore lists every target
 * at its start and judges them one by one (the one under the pointer first, the rest in idle slices),
 * so a large design never spends more than a frame on it (DESIGN.md §7).
 */
import type { Command, Design, PciController, Severity } from '../engine/index.ts';
import { applyCommand, busModel, firstFreeSlot, formatPciAddress, parsePciAddress, ruleMeta, usedFunctions } from '../engine/index.ts';
import { findingKey, findingsOf, SEVERITY_RANK } from './findings.ts';
import type { DragPayload } from './store.ts';

export type VerdictLevel = 'clean' | Severity;

export interface Verdict {
  readonly level: VerdictLevel;
  /** the worst new finding's message, or the engine's refusal */
  readonly message?: string | undefined;
  /** the rule of that finding */
  readonly ruleId?: string | undefined;
  /** the other new warnings and errors, worst first: a drop that adds two must not hide the second */
  readonly more?: readonly VerdictNote[] | undefined;
}

export interface VerdictNote {
  readonly ruleId: string;
  readonly severity: Severity;
  /** the rule's short title */
  readonly title: string;
}

/** "+2 more: PAPR-ISO-6 One IOMMU group per PHB (else EEH is off), …": the rest of a verdict, in a line. */
export function verdictMore(v: Verdict, shown = 2): string | undefined {
  const more = v.more ?? [];
  if (more.length === 0) return undefined;
  const names = more.slice(0, shown).map((n) => `${n.ruleId} ${n.title}`);
  return `+${more.length} more: ${names.join(', ')}${more.length > shown ? ', …' : ''}`;
}

export interface DropTarget {
  readonly id: string;
  readonly command: Command;
  readonly label: string;
}

export const controllerTargetId = (c: Pick<PciController, 'key'>): string => `c:${c.key}`;
export const slotTargetId = (index: number, slot: number): string => `s:${index}:${slot}`;
/** Dropping guest devices here takes them out of the guest (the canvas' remove zone, the host panel). */
export const REMOVE_TARGET_ID = 'remove';

/** Buses that take endpoints (table 1.1); upstream ports and pcie-expander-bus do not. */
export function takesEndpoints(c: PciController): boolean {
  const m = busModel(c);
  return !!m && (m.accepts.includes('pci-endpoint') || m.accepts.includes('pcie-endpoint'));
}

/** The findings a design already has, as keys: every target of one drag compares against the same set. */
const keysCache = new WeakMap<Design, ReadonlySet<string>>();
function findingKeys(design: Design): ReadonlySet<string> {
  let keys = keysCache.get(design);
  if (!keys) {
    keys = new Set(findingsOf(design).map(findingKey));
    keysCache.set(design, keys);
  }
  return keys;
}

export function hypothetical(design: Design, cmd: Command): Verdict {
  let after: Design;
  try {
    after = applyCommand(design, cmd);
  } catch (e) {
    return { level: 'error', message: (e as Error).message };
  }
  const before = findingKeys(design);
  // worst first; among equals the engine's order (by rule id), so the same drop always reads the same
  const added = findingsOf(after)
    .filter((f) => !before.has(findingKey(f)) && f.severity !== 'info')
    .map((f, i) => ({ f, i }))
    .sort((a, b) => SEVERITY_RANK[b.f.severity] - SEVERITY_RANK[a.f.severity] || a.i - b.i)
    .map(({ f }) => f);
  const [worst, ...rest] = added;
  if (!worst) return { level: 'clean' };
  const more = rest.map((f) => ({ ruleId: f.ruleId, severity: f.severity, title: ruleMeta(f.ruleId)?.title ?? f.message }));
  return { level: worst.severity, message: worst.message, ruleId: worst.ruleId, ...(more.length ? { more } : {}) };
}

/** Every place the payload could be dropped, in canvas order: each bus, then its free slots. Judges none. */
export function dropTargets(design: Design, payload: DragPayload): DropTarget[] {
  if (payload.kind === 'guest-devices') return severalDevicesTargets(design, payload.keys);
  const guest = design.guest;
  const out: DropTarget[] = [];
  if (payload.kind === 'guest-device' && guest.devices.some((d) => d.key === payload.key)) {
    out.push({ id: REMOVE_TARGET_ID, command: { kind: 'remove-device', device: payload.key }, label: `Remove ${payload.key} from the guest` });
  }
  for (const c of guest.controllers) {
    if (c.index === undefined || !takesEndpoints(c)) continue;
    const index = c.index;
    const where = `controller ${index}`;
    if (payload.kind === 'group') {
      out.push({ id: controllerTargetId(c), command: { kind: 'move-group', group: payload.number, controller: index }, label: `Place IOMMU group ${payload.number} on ${where}` });
      continue;
    }
    if (payload.kind === 'host-device') {
      out.push({ id: controllerTargetId(c), command: { kind: 'add-hostdevs', hostAddresses: [payload.address], controller: index }, label: `Pass ${payload.address} through on ${where}` });
    } else {
      const d = guest.devices.find((x) => x.key === payload.key);
      if (!d) continue;
      // its own bus is no target as a whole (nothing would move), but its free slots are: a re-slot
      if (d.address?.bus !== index) {
        const slot = firstFreeSlot(guest, index, new Set([d.key]));
        if (slot !== undefined) out.push({ id: controllerTargetId(c), command: { kind: 'move-device', device: d.key, address: { domain: 0, bus: index, slot, function: 0 } }, label: `Move ${d.key} to ${where}` });
      }
    }
    // free slots of this bus as finer targets
    const m = busModel(c);
    if (!m) continue;
    const used = usedFunctions(guest, index, payload.kind === 'guest-device' ? new Set([payload.key]) : new Set());
    for (let s = m.minSlot; s <= m.maxSlot; s++) {
      if ([...used].some((u) => u.startsWith(`${s}.`))) continue;
      const address = { domain: 0, bus: index, slot: s, function: 0 };
      if (payload.kind === 'guest-device') {
        out.push({ id: slotTargetId(index, s), command: { kind: 'move-device', device: payload.key, address }, label: `Move ${payload.key} to ${where} slot ${s}` });
      } else {
        const pci = parsePciAddress(payload.address);
        const key = pci ? formatPciAddress(pci) : payload.address;
        out.push({
          id: slotTargetId(index, s),
          command: {
            kind: 'batch',
            label: `Pass ${key} through on ${where} slot ${s}`,
            commands: [
              { kind: 'add-hostdevs', hostAddresses: [payload.address], controller: index },
              { kind: 'move-device', device: key, address },
            ],
          },
          label: `Pass ${key} through on ${where} slot ${s}`,
        });
      }
    }
  }
  return out;
}

/** Several devices: each bus takes them all (move-devices), or the remove zone takes them out. */
function severalDevicesTargets(design: Design, keys: readonly string[]): DropTarget[] {
  const known = keys.filter((k) => design.guest.devices.some((d) => d.key === k));
  if (known.length === 0) return [];
  const n = `${known.length} device${known.length === 1 ? '' : 's'}`;
  const out: DropTarget[] = [{ id: REMOVE_TARGET_ID, command: { kind: 'batch', label: `Remove ${n} from the guest`, commands: known.map((k) => ({ kind: 'remove-device', device: k })) }, label: `Remove ${n} from the guest` }];
  for (const c of design.guest.controllers) {
    if (c.index === undefined || !takesEndpoints(c)) continue;
    out.push({ id: controllerTargetId(c), command: { kind: 'move-devices', devices: known, controller: c.index }, label: `Move ${n} to controller ${c.index}` });
  }
  return out;
}

/** Targets and their verdicts; `which` narrows what is judged (the "Move to…" menu wants buses only). */
export function evaluate(design: Design, payload: DragPayload, which: (t: DropTarget) => boolean = () => true): { targets: Map<string, DropTarget>; verdicts: Map<string, Verdict> } {
  const targets = new Map<string, DropTarget>();
  const verdicts = new Map<string, Verdict>();
  for (const t of dropTargets(design, payload)) {
    if (!which(t)) continue;
    targets.set(t.id, t);
    verdicts.set(t.id, hypothetical(design, t.command));
  }
  return { targets, verdicts };
}

export const isBusTarget = (t: Pick<DropTarget, 'id'>): boolean => t.id.startsWith('c:');

/**
 * Verdicts judged on demand, for the keyboard "Move to…" menu: listing its buses is cheap, judging
 * them all at once costs one validation each (~100 ms with 1,000 devices). The menu shows the list at
 * once, judges the chosen bus when asked, and the rest in idle slices, as a drag does.
 */
export interface LazyVerdicts {
  readonly targets: readonly DropTarget[];
  /** the verdict if judged already */
  get(id: string): Verdict | undefined;
  /** the verdict, judged now if it was not yet; undefined for an unknown target */
  judge(id: string): Verdict | undefined;
  /** judges targets not judged yet, in order, for about budgetMs (at least one); returns whether any remain */
  judgeSome(budgetMs: number): boolean;
  /** how many are judged */
  readonly judged: number;
}

export function lazyVerdicts(design: Design, targets: readonly DropTarget[]): LazyVerdicts {
  const byId = new Map(targets.map((t) => [t.id, t]));
  const verdicts = new Map<string, Verdict>();
  let next = 0;
  const judge = (id: string): Verdict | undefined => {
    let v = verdicts.get(id);
    if (!v) {
      const t = byId.get(id);
      if (!t) return undefined;
      v = hypothetical(design, t.command);
      verdicts.set(id, v);
    }
    return v;
  };
  return {
    targets,
    get: (id) => verdicts.get(id),
    judge,
    judgeSome(budgetMs) {
      const until = performance.now() + budgetMs;
      do {
        const t = targets[next++];
        if (t) judge(t.id);
      } while (next < targets.length && performance.now() < until);
      return next < targets.length;
    },
    get judged() {
      return verdicts.size;
    },
  };
}
