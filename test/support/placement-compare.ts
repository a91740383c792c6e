import type { GuestDevice, GuestPciAddress, PciController } from '../../src/engine/index.ts';
import { formatPciAddress, virDomainAssignDeviceControllerIndexes } from '../../src/engine/index.ts';

/**
 * The semantic comparison of a placement with libvirt's (tests/qemuxmlconfdata `NAME.<arch>-latest.xml`,
 * or what a real libvirt defined): PCI controllers row by row (index, model, model name, target
 * attributes, address) and every device's PCI address under a key that survives libvirt's
 * reordering. Used by the corpus check (test/placement-corpus.test.ts) and the corpus report
 * (scripts/corpus-report.ts), so both judge alike.
 */

export const addr = (a: GuestPciAddress | undefined): string => (a ? `${formatPciAddress(a)}${a.multifunction ? ` mf=${a.multifunction}` : ''}` : 'none');

const controllerRow = (c: PciController): string =>
  `${c.index} ${c.model} name=${c.modelName ?? '-'} target=${c.target.index ?? '-'} chassis=${c.target.chassis ?? '-'} port=${c.target.port ?? '-'} chassisNr=${c.target.chassisNr ?? '-'} busNr=${c.target.busNr ?? '-'} node=${c.target.node ?? '-'} at ${addr(c.address)}`;

/** One row per PCI controller, sorted by index: `3 pcie-root-port name=pcie-root-port target=- chassis=3 port=10 … at 0000:00:01.2`. */
export function controllerRows(cs: readonly PciController[]): string[] {
  return cs.map(controllerRow).sort((a, b) => parseInt(a, 10) - parseInt(b, 10));
}

/**
 * Keys that survive libvirt's reordering: a PCI hostdev by its host address, a disk by its target
 * (libvirt orders disks by bus and target: virDomainDiskInsertPreAlloced), a non-PCI controller by
 * type and index, anything else by its position among the elements of its kind, an order libvirt keeps.
 */
export function deviceKeys(devices: readonly GuestDevice[]): Map<string, GuestDevice> {
  const seen = new Map<string, number>();
  const out = new Map<string, GuestDevice>();
  const controllerKeys = nonPciControllerKeys(devices);
  for (const d of devices) {
    const ck = controllerKeys.get(d);
    if (ck) {
      out.set(ck, d);
      continue;
    }
    if (d.hostAddress) {
      out.set(`${d.element} ${formatPciAddress(d.hostAddress)}`, d);
      continue;
    }
    // the label of a disk ends in its target dev ("disk vda"), unique in a domain
    const dev = d.element === 'disk' ? d.label.split(' ').pop() : undefined;
    if (dev) {
      out.set(`disk#${dev}`, d);
      continue;
    }
    const kind = d.element === 'controller' ? `controller/${d.type ?? ''}` : d.element;
    const n = seen.get(kind) ?? 0;
    seen.set(kind, n + 1);
    out.set(`${kind}#${n}`, d);
  }
  return out;
}

/**
 * Non-PCI controllers by type and index (libvirt keeps def->controllers sorted by type and index,
 * not in document order): `controller/usb#0`; one not written with an index gets the one libvirt
 * gives it (virDomainAssignDeviceControllerIndexes); several of one type and index (an ICH9 USB2
 * set) are told apart by model, then by position.
 */
function nonPciControllerKeys(devices: readonly GuestDevice[]): Map<GuestDevice, string> {
  const indexed = virDomainAssignDeviceControllerIndexes(devices);
  const base = new Map<GuestDevice, string>();
  devices.forEach((d, i) => {
    if (d.element === 'controller') base.set(d, `controller/${d.type ?? ''}#${indexed[i]?.index ?? '?'}`);
  });
  const count = new Map<string, number>();
  for (const k of base.values()) count.set(k, (count.get(k) ?? 0) + 1);
  const out = new Map<GuestDevice, string>();
  const seen = new Map<string, number>();
  for (const [d, k] of base) {
    if ((count.get(k) ?? 0) < 2) {
      out.set(d, k);
      continue;
    }
    const withModel = `${k} ${d.model ?? ''}`;
    const n = seen.get(withModel) ?? 0;
    seen.set(withModel, n + 1);
    out.set(d, n === 0 ? withModel : `${withModel}#${n}`);
  }
  return out;
}

/** `key address` for every device that has a PCI address on either side, sorted: equal lists = same placement. */
export function deviceRows(mine: ReadonlyMap<string, GuestDevice>, other: ReadonlyMap<string, GuestDevice>): string[] {
  return [...mine]
    .filter(([k, d]) => d.address || other.get(k)?.address)
    .map(([k, d]) => `${k} ${addr(d.address)}`)
    .sort();
}

export interface Difference {
  /** what differs, for counting: `controller model`, `controller target`, `device address interface`, … */
  readonly kind: string;
  /** the first difference, for people */
  readonly text: string;
}

const FIELDS = ['model', 'name', 'target', 'chassis', 'port', 'chassisNr', 'busNr', 'node'] as const;

function controllerDifference(mine: readonly PciController[], theirs: readonly PciController[]): Difference | undefined {
  const byIndex = (cs: readonly PciController[]): Map<number, PciController> => new Map(cs.flatMap((c) => (c.index === undefined ? [] : [[c.index, c] as const])));
  const m = byIndex(mine);
  const t = byIndex(theirs);
  const indexes = [...new Set([...m.keys(), ...t.keys()])].sort((a, b) => a - b);
  for (const i of indexes) {
    const a = m.get(i);
    const b = t.get(i);
    if (!a || !b) {
      return {
        kind: a ? 'controller libvirt does not add' : 'controller place does not add',
        text: a ? `place has controller ${controllerRow(a)}; libvirt has no controller ${i}` : `libvirt has controller ${controllerRow(b as PciController)}; place has none`,
      };
    }
    const ra = controllerRow(a);
    const rb = controllerRow(b);
    if (ra === rb) continue;
    const va = ra.split(' ');
    const vb = rb.split(' ');
    const field = a.model !== b.model ? 'model' : addr(a.address) !== addr(b.address) ? 'address' : (FIELDS.find((f) => va.find((x) => x.startsWith(`${f}=`)) !== vb.find((x) => x.startsWith(`${f}=`))) ?? 'other');
    return { kind: `controller ${field}`, text: `controller ${i}: place ${ra} | libvirt ${rb}` };
  }
  return undefined;
}

/**
 * The first difference between a placement and libvirt's output, or undefined when they match.
 * Controllers are compared first (by index), then device addresses, then whether every device
 * of the input is still there.
 */
export function firstDifference(input: readonly GuestDevice[], placed: { controllers: readonly PciController[]; devices: readonly GuestDevice[] }, expected: { controllers: readonly PciController[]; devices: readonly GuestDevice[] }): Difference | undefined {
  const c = controllerDifference(placed.controllers, expected.controllers);
  if (c) return c;
  const mine = deviceKeys(placed.devices);
  const theirs = deviceKeys(expected.devices);
  const keys = [...new Set([...mine.keys(), ...theirs.keys()])].sort();
  for (const k of keys) {
    const a = mine.get(k);
    const b = theirs.get(k);
    if (!a?.address && !b?.address) continue;
    if (addr(a?.address) === addr(b?.address)) continue;
    const what = k.replace(/#[^#]+$/, '').replace(/ [0-9a-f:.]+$/, '');
    return { kind: `device address ${what}${a?.address ? (b?.address ? '' : ' (libvirt gives none)') : ' (place gives none)'}`, text: `${k}: place ${addr(a?.address)} | libvirt ${addr(b?.address)}` };
  }
  for (const k of deviceKeys(input).keys()) if (!mine.has(k)) return { kind: 'device lost', text: `${k} of the input is missing after place` };
  return undefined;
}
