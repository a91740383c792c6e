import fc from 'fast-check';
import type { Command, Design, Finding, Host } from '../../src/engine/index.ts';
import { DEMO_DOMAIN_XML, DEMO_HOST_XML, MACHINE_TEMPLATES, createDesign, decodeShareLink, encodeShareLink, exportDomain, importHost, placeWithReport, validate } from '../../src/engine/index.ts';
import { toBase64Url } from '../../src/engine/share/link.ts';
import { createDesignerStore } from '../../src/store/store.ts';

/**
 * The fuzzers of issue 11, shared by the bounded run in `npm test` (test/fuzz/fuzz.test.ts) and the
 * long runs of `npm run fuzz` (scripts/fuzz.ts). Inputs are libvirt's own documents (../shared/corpus)
 * and the built-in templates, mutated the ways hostile or careless input differs: hostile numbers
 * in the attributes libvirt reads as numbers, elements dropped or repeated, machine and model
 * swapped, characters and encodings. Each check throws an Error that names the broken invariant.
 */

/** Numbers as they are written in the wild and by attackers: libvirt reads some, refuses others. */
export const HOSTILE_NUMBERS = [
  '0', '1', '7', '0x1f', '31', '32', '0x20', '255', '256', '0xff', '0x100', '0xffff', '0xffffffff', '4294967295', '4294967296',
  '99999999999999999999', '-1', '-0', '-2', '09', '08', '010', '0x', '0x05 ', ' 5', '+3', '5 ', '1e3', '1.0', '', ' ', 'x', '0x1g', '\u00a05', '0X1F',
];

const NUMERIC_ATTRS = ['domain', 'bus', 'slot', 'function', 'index', 'chassis', 'port', 'chassisNr', 'busNr', 'memReserve'];
const MACHINES = ['pseries', 'pseries-2.7', 'q35', 'pc-q35-8.2', 'pc-q35', 'virt', 'virt-2.11', 'pc', 'pc-i440fx-7.2', 's390-ccw-virtio', 'microvm', ''];
const MODELS = ['pci-root', 'pcie-root', 'pci-bridge', 'dmi-to-pci-bridge', 'pcie-root-port', 'pcie-switch-upstream-port', 'pcie-switch-downstream-port', 'pci-expander-bus', 'pcie-expander-bus', 'pcie-to-pci-bridge', 'nonsense'];
const CHARS = ['\u0000', '\u0007', '\uFFFD', '\uFEFF', '\uD83D\uDE00', '\uD800', '&', '<', '>', '"', "'", ']]>', '&amp;', '&#0;', '&#x110000;', '<!--', '-->', '<![CDATA[', '<!DOCTYPE x>', '\r\n', '\t', 'é'];

/** One mutation, as numbers resolved against the text it is applied to. */
export interface Mutation {
  readonly kind: number;
  readonly at: number;
  readonly pick: number;
}

export const arbMutation: fc.Arbitrary<Mutation> = fc.record({ kind: fc.integer({ min: 0, max: 9 }), at: fc.nat(), pick: fc.nat() });

const nth = <T>(list: readonly T[], n: number): T | undefined => (list.length === 0 ? undefined : list[n % list.length]);

/** Every match of `re` in `text`, as [start, end, groups]. */
function matches(text: string, re: RegExp): RegExpExecArray[] {
  return [...text.matchAll(new RegExp(re.source, re.flags.includes('g') ? re.flags : `${re.flags}g`))];
}

export function mutate(text: string, m: Mutation): string {
  switch (m.kind) {
    case 0:
    case 1: {
      // a numeric attribute gets a hostile value
      const hit = nth(matches(text, new RegExp(`\\b(${NUMERIC_ATTRS.join('|')})=(['"])([^'"]*)\\2`)), m.at);
      if (!hit) return text;
      const value = nth(HOSTILE_NUMBERS, m.pick) ?? '';
      const q = hit[2] as string;
      return `${text.slice(0, hit.index)}${hit[1]}=${q}${value}${q}${text.slice(hit.index + hit[0].length)}`;
    }
    case 2: {
      // an element is dropped (one line, or a whole controller/device block)
      const hit = nth(matches(text, /<(controller|hostdev|interface|disk|address|target|model|memballoon|video)\b[^>]*?(\/>|>[\s\S]*?<\/\1>)/), m.at);
      return hit ? text.slice(0, hit.index) + text.slice(hit.index + hit[0].length) : text;
    }
    case 3: {
      // a device or controller is written twice
      const hit = nth(matches(text, /<(controller|hostdev|interface|disk)\b[^>]*?(\/>|>[\s\S]*?<\/\1>)/), m.at);
      return hit ? text.slice(0, hit.index + hit[0].length) + hit[0] + text.slice(hit.index + hit[0].length) : text;
    }
    case 4:
      return text.replace(/machine=(['"])[^'"]*\1/, (_s, q: string) => `machine=${q}${nth(MACHINES, m.pick)}${q}`);
    case 5: {
      const hit = nth(matches(text, /model=(['"])([a-z-]+)\1/), m.at);
      if (!hit) return text;
      const q = hit[1] as string;
      return `${text.slice(0, hit.index)}model=${q}${nth(MODELS, m.pick)}${q}${text.slice(hit.index + hit[0].length)}`;
    }
    case 6: {
      // a character inserted anywhere
      const at = m.at % (text.length + 1);
      return text.slice(0, at) + (nth(CHARS, m.pick) ?? '') + text.slice(at);
    }
    case 7: {
      // a piece cut out (truncation, a lost line)
      const at = m.at % (text.length + 1);
      return text.slice(0, at) + text.slice(at + (m.pick % 200));
    }
    case 8: {
      // encodings: a declaration that says otherwise, a BOM, other line ends
      const variants = [
        (t: string) => `<?xml version='1.0' encoding='ISO-8859-1'?>\n${t}`,
        (t: string) => `\uFEFF${t}`,
        (t: string) => t.replace(/\n/g, '\r\n'),
        (t: string) => t.replace(/\n/g, '\r'),
        (t: string) => `<?xml version="1.0" encoding="UTF-16"?>${t}`,
        (t: string) => t.replace(/'/g, '"'),
      ];
      return (nth(variants, m.pick) ?? ((t: string) => t))(text);
    }
    default: {
      // an address on a bus, slot or function from the hostile list, added to a device without one
      const hit = nth(matches(text, /<(disk|interface|hostdev|controller type=['"]pci['"])\b[^>]*>/), m.at);
      if (!hit) return text;
      const n = nth(HOSTILE_NUMBERS, m.pick) ?? '0';
      const at = hit.index + hit[0].length;
      return `${text.slice(0, at)}<address type='pci' domain='0x0000' bus='${n}' slot='0x01' function='0x0'/>${text.slice(at)}`;
    }
  }
}

export function demoHost(): Host {
  const r = importHost(DEMO_HOST_XML, 'demo-host.xml');
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

/** Seeds that need nothing outside the repository: the demo and the machine templates. */
export const BUILT_IN_SEEDS: ReadonlyArray<readonly [string, string]> = [['demo', DEMO_DOMAIN_XML], ...Object.entries(MACHINE_TEMPLATES)];

export class InvariantError extends Error {}

const fail = (what: string, detail: string): never => {
  throw new InvariantError(`${what}: ${detail}`);
};

const errorsOf = (findings: readonly Finding[]): Finding[] => findings.filter((f) => f.severity === 'error');

/** What `place` added that `validate` calls an error: rule ids, as a comparable summary. */
export interface PlacementGap {
  readonly policy: string;
  readonly added: readonly string[];
}

/**
 * The invariants for one domain text (and optional host):
 * - import, validate and place never throw, and no rule fails (no `internal` finding);
 * - an unchanged import exports the same bytes;
 * - place fails on nothing, and says libvirt refuses only a design validate finds an error in;
 * - place adds no error rule the design did not already break (on a design with no error: no error
 *   at all; else a PlacementGap is returned, for the caller to judge), and its export imports again.
 */
export function checkDomain(text: string, host: Host | undefined): PlacementGap[] {
  let r;
  try {
    r = createDesign(text, host, 'fuzz.xml');
  } catch (e) {
    return fail('import threw', String(e));
  }
  if (!r.ok) return [];
  const design = r.value;
  const out = exportDomain(design);
  if (out !== text) fail('an unchanged import did not round-trip byte for byte', firstDifference(text, out));
  const findings = validate(design);
  const internal = findings.filter((f) => f.internal);
  if (internal.length) fail('a rule failed', internal.map((f) => f.message).join(' | '));
  const had = new Set(errorsOf(findings).map((f) => f.ruleId));
  const gaps: PlacementGap[] = [];
  // spares from a few to past what fits (31 vPHBs, ~238 root ports): place must cap them, never add an error
  const spare = [2, 31, 255][text.length % 3] as number;
  for (const opts of [{ policy: 'libvirt' as const }, { policy: 'pe-per-phb' as const, spare }]) {
    const p = placeWithReport(design, opts);
    const broke = p.notes.find((n) => n.startsWith('nothing was placed: placement failed'));
    if (broke) fail(`place (${opts.policy}) failed`, broke);
    // a refusal place blames on libvirt (its own checks, or a PlacementFailure of the modelled
    // assignment) must be one validate reports on the input: else it hides a pcitopo bug
    const refused = p.notes.find((n) => n.startsWith('nothing was placed: libvirt refuses'));
    if (refused && had.size === 0) fail(`place (${opts.policy}) says libvirt refuses a domain validate finds no error in`, refused);
    const after = validate(p.design);
    if (after.some((f) => f.internal)) fail(`a rule failed on the output of place (${opts.policy})`, after.filter((f) => f.internal).map((f) => f.message).join(' | '));
    if (p.design !== design) {
      const back = createDesign(exportDomain(p.design), host, 'placed.xml');
      if (!back.ok) fail(`the export of place (${opts.policy}) does not import`, back.error.message);
    }
    const added = [...new Set(errorsOf(after).map((f) => f.ruleId))].filter((id) => !had.has(id)).sort();
    if (added.length) gaps.push({ policy: opts.policy, added });
  }
  return gaps;
}

/** A share link of the text comes back as the same text; a damaged one is refused, never thrown. */
export async function checkLink(text: string, damage: Mutation): Promise<void> {
  const link = await encodeShareLink({ v: 1, domain: text }, 'https://example.org/');
  const r = await decodeShareLink(link);
  if (!r.ok) fail('a share link did not decode', r.error.message);
  else if (r.value.domain !== text) fail('a share link changed the design', firstDifference(text, r.value.domain));
  const payload = link.slice(link.indexOf('#/d/') + 4);
  const at = damage.at % (payload.length + 1);
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=+/%#';
  const damaged = [
    payload.slice(0, at),
    payload.slice(0, at) + alphabet[damage.pick % alphabet.length] + payload.slice(at + 1),
    payload.slice(0, at) + payload.slice(at + 1 + (damage.pick % 8)),
    toBase64Url(new TextEncoder().encode(payload.slice(at))),
  ][damage.kind % 4] as string;
  try {
    const d = await decodeShareLink(`#/d/${damaged}`);
    if (d.ok) checkDomain(d.value.domain, undefined);
  } catch (e) {
    if (e instanceof InvariantError) throw e;
    fail('decoding a damaged link threw', String(e));
  }
}

/** Random edits through the store, then undo to the start: the exact document comes back. */
export function checkUndo(design: Design, picks: readonly Mutation[]): void {
  const text = exportDomain(design);
  const store = createDesignerStore({ design, label: 'start' });
  let applied = 0;
  for (const p of picks) {
    const cmd = commandFor(store.getState().present?.design ?? design, p);
    if (!cmd) continue;
    try {
      if (store.getState().apply(cmd)) applied++;
    } catch (e) {
      fail('a command threw instead of being refused', `${JSON.stringify(cmd)}: ${String(e)}`);
    }
  }
  for (let i = 0; i < applied; i++) store.getState().undo();
  const back = store.getState().present?.design;
  if (!back || exportDomain(back) !== text) fail('undo to the start did not restore the document', back ? firstDifference(text, exportDomain(back)) : 'no design');
  if (store.getState().past.length !== 0) fail('undo to the start left history behind', String(store.getState().past.length));
}

function commandFor(d: Design, p: Mutation): Command | undefined {
  const devices = d.guest.devices.filter((x) => !x.implicit);
  const device = nth(devices, p.at);
  const controller = nth(d.guest.controllers, p.at);
  const bus = nth(d.guest.controllers.flatMap((c) => (c.index === undefined ? [] : [c.index])), p.pick) ?? 0;
  const address = { domain: 0, bus, slot: p.pick % 34, function: p.at % 9 };
  switch (p.kind % 6) {
    case 0:
      return device && { kind: 'move-device', device: device.key, address };
    case 1:
      return device && { kind: 'remove-device', device: device.key };
    case 2:
      return { kind: 'add-controller', controller: { model: nth(MODELS, p.pick) ?? 'pci-root' } };
    case 3:
      return controller && { kind: 'remove-controller', controller: controller.key };
    case 4:
      return controller && { kind: 'update-controller', controller: controller.key, changes: { target: { chassis: p.pick % 300, index: p.at % 40 } } };
    default:
      return device && { kind: 'move-device', device: device.key, address: null };
  }
}

function firstDifference(a: string, b: string): string {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return `first difference at offset ${i}: ${JSON.stringify(a.slice(Math.max(0, i - 20), i + 20))} vs ${JSON.stringify(b.slice(Math.max(0, i - 20), i + 20))}`;
}
