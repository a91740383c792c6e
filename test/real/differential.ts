/**
 * The differential check (issues 12 and 13): generated designs go through pcitopo (`validate` on the
 * input, `place --policy libvirt`) and through the libvirt + QEMU installed here (define in an
 * embedded driver, `dumpxml --inactive`, then a runnable copy started paused under TCG), and the two
 * are compared:
 *  - placement: every PCI controller and every device's PCI address, with the semantic comparison
 *    of the corpus check (test/support/placement-compare.ts);
 *  - verdict: `validate` has an error exactly when libvirt's define or QEMU's start refuses, except
 *    for the rules in {@link VERDICT_EXCEPTIONS}.
 * One sandbox of `pcitopo verify` (src/cli/verify/sandbox.ts: an embedded libvirt in a temp root)
 * serves a whole batch: one virsh process runs `define; dumpxml --inactive; undefine` for each design
 * (with the designs' host devices shown as sysfs), then, for those libvirt accepted, virsh runs
 * `create --paused` on verify's runnable copies (emulated stand-ins for hostdevs, at the same
 * addresses), a few at a time; their QEMUs are killed after each chunk (never two virsh processes on
 * one root while QEMU runs: sandbox.ts).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Design, Finding, Guest, Host } from '../../src/engine/index.ts';
import { RULES, createDesign, importHost, place, validate } from '../../src/engine/index.ts';
import { makeRunnableCopy } from '../../src/cli/verify/prepare.ts';
import { Sandbox, isRoot } from '../../src/cli/verify/sandbox.ts';
import { parseDocumentElement } from '../../src/cli/verify/xml.ts';
import type { Family, GeneratedDesign } from '../support/generate-design.ts';
import { domainXml, generateDesign, hostXml, withoutAddress, withoutItem, withoutNuma } from '../support/generate-design.ts';
import { controllerRows, deviceKeys } from '../support/placement-compare.ts';
import { CACHE_DIR } from './helpers.ts';

/**
 * The libvirt release installed here (`virsh --version`, "9.0.0"), which `place` and `validate` are
 * asked to follow where libvirt releases differ (PlaceOptions.libvirtVersion,
 * ValidateOptions.libvirtVersion): the comparison is with this libvirt,
 * not with 10.7's own tests. Undefined when virsh does not answer (the run then fails elsewhere).
 */
export const INSTALLED_LIBVIRT: string | undefined = (() => {
  const r = spawnSync('virsh', ['--version'], { encoding: 'utf8' });
  const v = r.status === 0 ? r.stdout.trim() : '';
  return /^\d+\.\d+/.test(v) ? v : undefined;
})();

/**
 * Rules whose errors judge what the sandbox cannot show: they are left out of the verdict
 * comparison, by rule id (never by design).
 */
export const VERDICT_EXCEPTIONS: Readonly<Record<string, string>> = {
  'PAPR-ISO-5':
    'one host IOMMU group split over PHBs: QEMU with real VFIO refuses it (spapr_tce / VFIO container per group), the sandbox runs emulated stand-ins for hostdevs',
  'GEN-MF-3':
    'functions without function 0: libvirt and QEMU accept them, the guest cannot use them (it never probes the slot)',
  'HD-VFIO-1':
    'a host IOMMU group not passed through whole: real VFIO refuses a group that is not viable, the sandbox has no VFIO',
};

// ---------------------------------------------------------------------------------------------
// libvirt + QEMU

export interface RealOutcome {
  /** libvirt's define refused: its message(s) */
  defineError?: string | undefined;
  /** libvirt's `dumpxml --inactive` after define */
  normalized?: string | undefined;
  /** QEMU's start (through libvirt) refused: the message(s) */
  startError?: string | undefined;
  /** the sandbox itself failed (timeout, runnable copy not made): no verdict */
  internal?: string | undefined;
}

const SAFE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Host PCI functions as libvirt will see them in sysfs (see {@link fakeSysfs}). */
export interface SysfsFunction {
  /** `dddd:bb:ss.f` */
  address: string;
  group: number;
  pcie: boolean;
  node?: number | undefined;
}

/**
 * The host devices of a batch as sysfs shows them to libvirt: `config` (4096 bytes for PCI Express,
 * 256 for conventional PCI: what unprivileged libvirt goes by, qemuDomainDeviceCalculatePCIConnectFlags),
 * `vendor`, `device` (virPCIDeviceNew), `iommu_group` (virPCIDeviceAddressGetIOMMUGroupNum: pseries
 * puts each IOMMU group on a PHB of its own, qemuDomainFillDeviceIsolationGroup) and `numa_node`.
 * Without them libvirt finds no such device, takes it as PCIe and does not isolate it: not what a
 * host with the device does. They are bind-mounted over /sys/bus/pci/devices and
 * /sys/kernel/iommu_groups in a mount namespace of virsh's own (unshare -m), so nothing else sees them.
 */
function fakeSysfs(box: Sandbox, fns: readonly SysfsFunction[]): string {
  const root = box.file('sysfs');
  fs.rmSync(root, { recursive: true, force: true });
  fs.mkdirSync(path.join(root, 'devices'), { recursive: true });
  fs.mkdirSync(path.join(root, 'iommu_groups'), { recursive: true });
  for (const f of fns) {
    const dev = path.join(root, 'devices', f.address);
    fs.mkdirSync(dev, { recursive: true });
    fs.writeFileSync(path.join(dev, 'config'), Buffer.alloc(f.pcie ? 4096 : 256));
    fs.writeFileSync(path.join(dev, 'vendor'), '0x15b3\n');
    fs.writeFileSync(path.join(dev, 'device'), '0x1017\n');
    fs.writeFileSync(path.join(dev, 'class'), '0x020000\n');
    fs.writeFileSync(path.join(dev, 'numa_node'), `${f.node ?? -1}\n`);
    const group = path.join(root, 'iommu_groups', String(f.group), 'devices');
    fs.mkdirSync(group, { recursive: true });
    fs.symlinkSync(`../../../../kernel/iommu_groups/${f.group}`, path.join(dev, 'iommu_group'));
    fs.symlinkSync(`../../../../bus/pci/devices/${f.address}`, path.join(group, f.address));
  }
  return root;
}

/** Whether this process may give virsh its own mount namespace (root with CAP_SYS_ADMIN). */
let canUnshare: boolean | undefined;
export function hostDevicesVisible(): boolean {
  if (canUnshare === undefined) {
    canUnshare = isRoot() && spawnSync('unshare', ['-m', '--propagation', 'private', 'true']).status === 0;
  }
  return canUnshare;
}

/**
 * virsh with stdout and stderr in one stream (virsh flushes stdout before each error), so messages
 * stay next to the design they belong to; with `sysfs`, in a mount namespace that shows libvirt
 * those host devices.
 */
function virshMerged(box: Sandbox, commands: string, timeoutSec: number, sysfs?: string): ReturnType<Sandbox['run']> {
  const env = [
    `PATH=${SAFE_PATH}`,
    'LC_ALL=C',
    `HOME=${box.file('home')}`,
    `XDG_CACHE_HOME=${box.file('home/cache')}`,
    `XDG_CONFIG_HOME=${box.file('home/config')}`,
    `XDG_RUNTIME_DIR=${box.file('home/run')}`,
    `LIBVIRT_LOG_OUTPUTS=3:file:${box.file('libvirt.log')}`,
  ];
  fs.writeFileSync(box.file('commands.virsh'), commands);
  const virsh = ['env', '-i', ...env, 'sh', '-c', 'exec virsh -q -c "$0" "$(cat "$1")" 2>&1', `qemu:///embed?root=${box.root}`, box.file('commands.virsh')];
  const user = box.runAs ? ['runuser', '-u', box.runAs, '--', ...virsh] : virsh;
  if (!sysfs) return box.run(user[0] as string, user.slice(1), timeoutSec);
  const q = (s: string): string => `'${s.replace(/'/g, "'\\''")}'`;
  const script = [
    'set -e',
    `mount --bind ${q(path.join(sysfs, 'devices'))} /sys/bus/pci/devices`,
    `mount --bind ${q(path.join(sysfs, 'iommu_groups'))} /sys/kernel/iommu_groups`,
    `exec ${user.map(q).join(' ')}`,
  ].join('\n');
  fs.writeFileSync(box.file('virsh.sh'), `${script}\n`);
  return box.run('unshare', ['-m', '--propagation', 'private', 'sh', box.file('virsh.sh')], timeoutSec);
}

/** Splits virsh output on `@@ i @@` markers (virsh's echo ends no line): text per design index. */
function split(out: string): Map<number, string> {
  const parts = new Map<number, string>();
  const re = /@@ (\d+) @@/g;
  const marks: Array<[number, number, number]> = [];
  for (let m = re.exec(out); m; m = re.exec(out)) marks.push([Number(m[1]), m.index, m.index + m[0].length]);
  marks.forEach(([i, , end], k) => parts.set(i, out.slice(end, k + 1 < marks.length ? (marks[k + 1] as [number, number, number])[1] : out.length)));
  return parts;
}

const errorLines = (text: string): string[] =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('error:'))
    .map((l) => l.replace(/^error:\s*/, ''))
    .filter((l) => !/^(Failed to define domain|Failed to create domain|failed to get domain|Domain not found)/.test(l));

function copyXml(from: string, to: string): void {
  try {
    const files = fs.readdirSync(from).filter((f) => f.endsWith('.xml'));
    if (!files.length) return;
    fs.mkdirSync(to, { recursive: true });
    for (const f of files) fs.copyFileSync(path.join(from, f), path.join(to, f));
  } catch {
    // the capability cache only saves time
  }
}

const live = new Set<Sandbox>();

/** Kills what the running batches started and removes their sandboxes (for a signal handler). */
export function disposeSandboxes(): void {
  for (const box of live) box.dispose();
  live.clear();
}

/** One design for libvirt: its domain XML (with a `<name>` unique in the batch) and the host functions it passes through. */
export interface RealInput {
  xml: string;
  host?: readonly SysfsFunction[] | undefined;
}

/** Splits a batch where two designs say different things about one host function (each part gets one sysfs). */
function hostParts(inputs: readonly RealInput[]): number[][] {
  const parts: Array<{ fns: Map<string, string>; idx: number[] }> = [];
  inputs.forEach((inp, i) => {
    const mine = new Map((inp.host ?? []).map((f) => [f.address, JSON.stringify([f.group, f.pcie, f.node])]));
    const fits = parts.find((p) => [...mine].every(([a, v]) => (p.fns.get(a) ?? v) === v));
    if (fits) {
      for (const [a, v] of mine) fits.fns.set(a, v);
      fits.idx.push(i);
    } else parts.push({ fns: mine, idx: [i] });
  });
  return parts.map((p) => p.idx);
}

/**
 * Runs designs through libvirt's define and QEMU's start in one sandbox. `start: false` stops after
 * define. Never throws for a design's sake.
 */
export async function runReal(inputs: readonly RealInput[], opts: { start?: boolean; timeoutSec?: number; chunk?: number } = {}): Promise<RealOutcome[]> {
  const out: RealOutcome[] = inputs.map(() => ({}));
  if (!inputs.length) return out;
  const box = new Sandbox(false);
  live.add(box);
  const caps = path.join(box.root, 'cache/qemu/capabilities');
  try {
    const names = inputs.map((x, i) => /<name>([^<]+)<\/name>/.exec(x.xml)?.[1] ?? `d${i}`);
    inputs.forEach((x, i) => fs.writeFileSync(box.file(`in${i}.xml`), x.xml));
    copyXml(path.join(CACHE_DIR, 'capabilities'), caps);
    const run: number[] = [];
    for (const part of hostParts(inputs)) {
      const fns = part.flatMap((i) => inputs[i]?.host ?? []);
      const sysfs = fns.length && hostDevicesVisible() ? fakeSysfs(box, [...new Map(fns.map((f) => [f.address, f])).values()]) : undefined;
      box.chown();
      const define = part.map((i) => `echo @@ ${i} @@; define ${box.file(`in${i}.xml`)}; dumpxml --inactive ${names[i]}; undefine ${names[i]}`).join('; ');
      const r1 = await virshMerged(box, `${define}; echo @@ ${inputs.length} @@`, opts.timeoutSec ?? 30 + 2 * part.length, sysfs);
      const parts = split(r1.stdout);
      for (const i of part) {
        const text = parts.get(i);
        const o = out[i] as RealOutcome;
        if (text === undefined) {
          o.internal = r1.timedOut ? 'timeout in virsh define' : `no output from virsh define (${`${r1.stdout}${r1.stderr}`.slice(-300)})`;
          continue;
        }
        const start = text.indexOf('<domain');
        const end = text.indexOf('</domain>');
        if (/Failed to define domain/.test(text) || start < 0 || end < 0) {
          o.defineError = errorLines(text).join('\n') || text.trim();
          continue;
        }
        o.normalized = text.slice(start, end + '</domain>'.length);
        run.push(i);
      }
    }
    run.sort((a, b) => a - b);
    if (opts.start === false || !run.length) return out;

    // QEMU: started paused and left running (libvirt's destroy waits ~1.5 s per domain for QEMU to
    // go); each chunk's QEMUs are killed with the chunk, so only a few run at once
    const chunk = opts.chunk ?? 8;
    for (let k = 0; k < run.length; k += chunk) {
      const part = run.slice(k, k + chunk);
      const startCmds: string[] = [];
      for (const i of part) {
        const o = out[i] as RealOutcome;
        try {
          const notes: string[] = [];
          const copy = makeRunnableCopy(parseDocumentElement(o.normalized as string), box.file(`disks${i}`), box.file(`q${i}.sock`), notes);
          fs.mkdirSync(box.file(`disks${i}`), { recursive: true });
          for (const f of copy.disks) {
            fs.writeFileSync(f, Buffer.alloc(0));
            fs.truncateSync(f, 1 << 20);
          }
          fs.writeFileSync(box.file(`run${i}.xml`), copy.xml);
          startCmds.push(`echo @@ ${i} @@; create --paused ${box.file(`run${i}.xml`)}`);
        } catch (e) {
          o.internal = `runnable copy: ${(e as Error).message}`;
        }
      }
      box.chown();
      const r2 = await virshMerged(box, `${startCmds.join('; ')}; echo @@ ${inputs.length} @@`, opts.timeoutSec ?? 30 + 8 * part.length);
      box.killOurs('SIGKILL');
      const parts2 = split(r2.stdout);
      for (const i of part) {
        const o = out[i] as RealOutcome;
        if (o.internal) continue;
        const text = parts2.get(i);
        if (text === undefined) o.internal = r2.timedOut ? 'timeout in virsh create' : 'no output from virsh create';
        else if (/Failed to create domain/.test(text)) o.startError = errorLines(text).join('\n') || text.trim();
      }
    }
    return out;
  } finally {
    copyXml(caps, path.join(CACHE_DIR, 'capabilities'));
    box.dispose();
    live.delete(box);
  }
}

/**
 * libvirt's RelaxNG schema on many domains in one xmllint run (virt-xml-validate is one process per
 * file): the designs that fail it, with xmllint's words.
 */
export function schemaRefusals(named: ReadonlyArray<{ name: string; xml: string }>): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pcitopo-schema-'));
  try {
    const files = named.map((d, i) => {
      const f = path.join(dir, `${i}.xml`);
      fs.writeFileSync(f, d.xml);
      return f;
    });
    const r = spawnSync('xmllint', ['--noout', '--relaxng', '/usr/share/libvirt/schemas/domain.rng', ...files], { encoding: 'utf8' });
    const text = `${r.stdout}${r.stderr}`;
    return named.flatMap((d, i) => {
      const f = files[i] as string;
      if (text.includes(`${f} validates`)) return [];
      const why = text.split('\n').filter((l) => l.startsWith(f)).join(' ');
      return [`${d.name}: ${why.replaceAll(f, 'domain.xml') || 'no verdict from xmllint'}`];
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// pcitopo

export interface PcitopoOutcome {
  /** createDesign / importHost refused the input */
  readError?: string | undefined;
  design?: Design | undefined;
  /** error findings on the input */
  errors: Finding[];
  /** error findings of the rules in VERDICT_EXCEPTIONS */
  excepted: Finding[];
  placed?: Guest | undefined;
  placeError?: string | undefined;
}

export function runPcitopo(xml: string, host: string | undefined): PcitopoOutcome {
  let h: Host | undefined;
  if (host !== undefined) {
    const r = importHost(host, 'host.xml');
    if (!r.ok) return { readError: `host: ${r.error.message}`, errors: [], excepted: [] };
    h = r.value;
  }
  const r = createDesign(xml, h, 'domain.xml');
  if (!r.ok) return { readError: r.error.message, errors: [], excepted: [] };
  const all = validate(r.value, RULES, { libvirtVersion: INSTALLED_LIBVIRT }).filter((f) => f.severity === 'error');
  const out: PcitopoOutcome = {
    design: r.value,
    errors: all.filter((f) => !(f.ruleId in VERDICT_EXCEPTIONS)),
    excepted: all.filter((f) => f.ruleId in VERDICT_EXCEPTIONS),
  };
  try {
    out.placed = place(r.value, { policy: 'libvirt', libvirtVersion: INSTALLED_LIBVIRT }).guest;
  } catch (e) {
    out.placeError = (e as Error).message;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Comparison and kinds

/** One difference between pcitopo's placement and libvirt's, in words that group alike cases. */
export interface PlacementAtom {
  /** the kind, without numbers or names of this design: `usb controller: pcitopo on pcie-root, libvirt on pcie-root-port` */
  kind: string;
  /** this design's instance: `controller/usb#0: pcitopo 0000:00:02.0, libvirt 0000:02:00.0` */
  detail: string;
  /**
   * How likely it is a cause rather than a consequence (a device on another kind of bus makes libvirt
   * add other controllers, which shifts every index and slot after them): 0 a device exists or is on
   * PCI on one side only; 1 a device is on another kind of bus, or a controller's model name, target
   * or chassis differs; 2 a controller exists on one side only or has another model; 3 a controller
   * sits on another kind of bus; 4 the same kind of bus, another slot (usually a shift).
   */
  rank: 0 | 1 | 2 | 3 | 4;
  /** where libvirt put it (else where pcitopo did), bus/slot/function: among equal ranks, what libvirt placed first is the likelier cause */
  at?: readonly [number, number, number] | undefined;
}

const bsfOf = (a: { bus: number; slot: number; function: number } | undefined): readonly [number, number, number] | undefined => (a ? [a.bus, a.slot, a.function] : undefined);

const busModel = (g: Guest, bus: number | undefined): string => {
  if (bus === undefined) return 'no address';
  const c = g.controllers.find((x) => x.index === bus);
  return c ? c.model : `missing bus ${bus}`;
};

const keyKind = (key: string, model: string | undefined): string => {
  const base = key.replace(/#\w+$/, '').replace(/ [0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/, '');
  return model ? `${base}(${model})` : base;
};

/** The placement differences, in a fixed order: controllers first (a missing one shifts everything after it). */
export function comparePlacement(placed: Guest, libvirt: Guest): PlacementAtom[] {
  const atoms: PlacementAtom[] = [];
  const mineRows = new Map(controllerRows(placed.controllers).map((r) => [parseInt(r, 10), r]));
  const theirRows = new Map(controllerRows(libvirt.controllers).map((r) => [parseInt(r, 10), r]));
  const byIndex = (g: Guest, i: number) => g.controllers.find((c) => c.index === i);
  for (const i of [...new Set([...mineRows.keys(), ...theirRows.keys()])].sort((a, b) => a - b)) {
    const m = mineRows.get(i);
    const t = theirRows.get(i);
    if (m === t) continue;
    const at = bsfOf(byIndex(libvirt, i)?.address ?? byIndex(placed, i)?.address);
    if (m === undefined) atoms.push({ kind: `controller ${byIndex(libvirt, i)?.model} added by libvirt only`, detail: `libvirt: ${t}`, rank: 2, at });
    else if (t === undefined) atoms.push({ kind: `controller ${byIndex(placed, i)?.model} added by pcitopo only`, detail: `pcitopo: ${m}`, rank: 2, at });
    else {
      const mf = m.split(' ');
      const tf = t.split(' ');
      // the fields of controllerRows, in its order; the address is the rest of the row
      const fields = ['index', 'model', 'name', 'target', 'chassis', 'port', 'chassisNr', 'busNr', 'node', 'address'];
      const last = fields.length - 1;
      const differing = fields.filter((_, k) => (k < last ? mf[k] !== tf[k] : mf.slice(last).join(' ') !== tf.slice(last).join(' ')));
      const model = byIndex(libvirt, i)?.model ?? '?';
      const pm = busModel(placed, byIndex(placed, i)?.address?.bus);
      const lm = busModel(libvirt, byIndex(libvirt, i)?.address?.bus);
      const where = differing.includes('address') ? (pm === lm ? ` (both on ${lm})` : ` (pcitopo on ${pm}, libvirt on ${lm})`) : '';
      const rank = differing.includes('model') ? 2 : differing.some((f) => !['address', 'port'].includes(f)) ? 1 : pm !== lm ? 3 : 4;
      atoms.push({ kind: `controller ${model}: ${differing.join('+')} differ${where}`, detail: `pcitopo: ${m} | libvirt: ${t}`, rank, at });
    }
  }
  const mine = deviceKeys(placed.devices);
  const theirs = deviceKeys(libvirt.devices);
  for (const k of [...new Set([...mine.keys(), ...theirs.keys()])].sort()) {
    const m = mine.get(k);
    const t = theirs.get(k);
    if (!m?.address && !t?.address) continue;
    const same = m?.address && t?.address && m.address.bus === t.address.bus && m.address.slot === t.address.slot && m.address.function === t.address.function && (m.address.multifunction ?? 'off') === (t.address.multifunction ?? 'off');
    if (same) continue;
    const kind = keyKind(k, (t ?? m)?.element === 'disk' ? (t ?? m)?.bus : (t?.model ?? m?.model));
    const a = (d: typeof m): string => (d?.address ? `${d.address.bus}:${d.address.slot.toString(16)}.${d.address.function}${d.address.multifunction ? ` mf=${d.address.multifunction}` : ''}` : 'none');
    const detail = `${k}: pcitopo ${m ? a(m) : 'absent'}, libvirt ${t ? a(t) : 'absent'}`;
    const at = bsfOf(t?.address ?? m?.address);
    if (!m) atoms.push({ kind: `${kind}: added by libvirt only (on ${busModel(libvirt, t?.address?.bus)})`, detail, rank: 0, at });
    else if (!t) atoms.push({ kind: `${kind}: added by pcitopo only`, detail, rank: 0, at });
    else if (!m.address) atoms.push({ kind: `${kind}: pcitopo leaves it off PCI, libvirt puts it on ${busModel(libvirt, t.address?.bus)}`, detail, rank: 0, at });
    else if (!t.address) atoms.push({ kind: `${kind}: libvirt leaves it off PCI, pcitopo puts it on ${busModel(placed, m.address.bus)}`, detail, rank: 0, at });
    else {
      const pm = busModel(placed, m.address.bus);
      const lm = busModel(libvirt, t.address.bus);
      const what =
        pm !== lm
          ? `pcitopo on ${pm}, libvirt on ${lm}`
          : m.address.bus !== t.address.bus
            ? `another ${lm}`
            : m.address.slot !== t.address.slot
              ? `another slot of ${lm}`
              : m.address.function !== t.address.function
                ? `another function`
                : 'multifunction differs';
      atoms.push({ kind: `${kind}: ${what}`, detail, rank: pm !== lm ? 1 : 4, at });
    }
  }
  return atoms;
}

/** A refusal message without this design's numbers and names, so alike refusals group together. */
export function messageKind(msg: string): string {
  const line = msg.split('\n').find((l) => l.trim()) ?? msg;
  // QEMU's complaint comes after its -device argument: keep QEMU's own words
  const qemu = /qemu-system-[\w-]+: (?:-device [^\s]+: )?(.*)$/.exec(line);
  const text = qemu ? `QEMU: ${qemu[1]}` : line;
  return text
    .replace(/'[^']*'/g, "'…'")
    .replace(/"[^"]*"/g, '"…"')
    .replace(/\b0x[0-9a-f]+\b/gi, 'N')
    .replace(/\b[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]\b/gi, 'ADDR')
    .replace(/\b\d+\b/g, 'N')
    .slice(0, 160);
}

export type VerdictKind = { agree: true; kind?: undefined } | { agree: false; kind: string };

export interface DesignResult {
  /** the domain's `<name>` */
  name: string;
  family: Family;
  /** the generated design, when it is one (fixtures are plain XML) */
  design?: GeneratedDesign | undefined;
  xml: string;
  host?: string | undefined;
  pcitopo: PcitopoOutcome;
  real: RealOutcome;
  /** pcitopo has a non-excepted error */
  pcitopoRefuses: boolean;
  /** libvirt's define or QEMU's start refused */
  realRefuses: boolean;
  verdict: VerdictKind;
  /** placement compared (libvirt defined it): the differences (empty = agreement) */
  placement?: PlacementAtom[] | undefined;
}

function verdictOf(p: PcitopoOutcome, r: RealOutcome): VerdictKind {
  const realRefuses = r.defineError !== undefined || r.startError !== undefined;
  if (p.readError !== undefined) return realRefuses ? { agree: true } : { agree: false, kind: `pcitopo cannot read what libvirt accepts: ${messageKind(p.readError)}` };
  const mine = p.errors.length > 0;
  if (mine === realRefuses) return { agree: true };
  if (mine) return { agree: false, kind: `pcitopo error, libvirt+QEMU accept: ${[...new Set(p.errors.map((f) => f.ruleId))].sort().join(' ')}` };
  const stage = r.defineError !== undefined ? 'libvirt define' : 'QEMU start';
  return { agree: false, kind: `${stage} refuses, pcitopo clean: ${messageKind((r.defineError ?? r.startError) as string)}` };
}

function readGuest(xml: string): Guest | undefined {
  const r = createDesign(xml, undefined, 'libvirt.xml');
  return r.ok ? r.value.guest : undefined;
}

/** One case for both sides: a domain (with a `<name>` unique in its batch) and the host file of its hostdevs. */
export interface CaseInput {
  name: string;
  family: Family;
  xml: string;
  /** node-device XML */
  host?: string | undefined;
  design?: GeneratedDesign | undefined;
}

/** The host functions of a host file as sysfs shows them to libvirt. */
export function sysfsOf(host: string | undefined): SysfsFunction[] {
  if (host === undefined) return [];
  const r = importHost(host, 'host.xml');
  if (!r.ok) return [];
  return [...r.value.devices.values()].map((d) => ({ address: d.address, group: d.iommuGroup ?? 0, pcie: d.pcie, node: d.numaNode }));
}

/** Both sides for a batch of cases (one sandbox). */
export async function runCases(cases: readonly CaseInput[], opts: { start?: boolean } = {}): Promise<DesignResult[]> {
  const real = await runReal(
    cases.map((c) => ({ xml: c.xml, host: sysfsOf(c.host) })),
    opts,
  );
  return cases.map((c, i) => {
    const pcitopo = runPcitopo(c.xml, c.host);
    const r = real[i] as RealOutcome;
    const res: DesignResult = {
      name: c.name,
      family: c.family,
      design: c.design,
      xml: c.xml,
      host: c.host,
      pcitopo,
      real: r,
      pcitopoRefuses: pcitopo.readError !== undefined || pcitopo.errors.length > 0,
      realRefuses: r.defineError !== undefined || r.startError !== undefined,
      verdict: r.internal ? { agree: true } : verdictOf(pcitopo, r),
    };
    if (r.normalized !== undefined) {
      const theirs = readGuest(r.normalized);
      if (pcitopo.placed && theirs) res.placement = comparePlacement(pcitopo.placed, theirs);
      else {
        const kind = pcitopo.placeError ? `place throws: ${messageKind(pcitopo.placeError)}` : pcitopo.readError ? 'pcitopo cannot read the input' : "pcitopo cannot read libvirt's output";
        res.placement = [{ kind, detail: pcitopo.placeError ?? pcitopo.readError ?? '', rank: 0 }];
      }
    }
    return res;
  });
}

/** Both sides for a batch of generated designs (one sandbox). */
export function runDesigns(designs: readonly GeneratedDesign[], opts: { start?: boolean } = {}): Promise<DesignResult[]> {
  return runCases(
    designs.map((d) => ({ name: d.name, family: d.family, xml: domainXml(d), host: hostXml(d), design: d })),
    opts,
  );
}

/** A smallest design kept as a file (test/real/fixtures/differential/): its domain, host file and the kind it shows. */
export interface Fixture extends CaseInput {
  file: string;
  /** the `kind:` line of its header comment */
  kind: string;
}

export function loadFixtures(dir: string): Fixture[] {
  let files: string[] = [];
  try {
    files = fs.readdirSync(dir).filter((f) => f.endsWith('.xml') && !f.endsWith('.host.xml')).sort();
  } catch {
    return [];
  }
  return files.map((file) => {
    const xml = fs.readFileSync(path.join(dir, file), 'utf8');
    const kind = /^\s*kind: (.*)$/m.exec(xml)?.[1]?.trim() ?? '';
    const family = kind.split(' | ')[1] as Family;
    const hostFile = path.join(dir, file.replace(/\.xml$/, '.host.xml'));
    const host = fs.existsSync(hostFile) ? fs.readFileSync(hostFile, 'utf8') : undefined;
    const name = /<name>([^<]+)<\/name>/.exec(xml)?.[1] ?? file;
    return { file, kind, name, family, xml, host };
  });
}

/** The placement difference most likely to be the cause: lowest rank, then what libvirt placed first, then by name. */
export function primaryAtom(atoms: readonly PlacementAtom[]): PlacementAtom | undefined {
  const key = (a: PlacementAtom): number => (a.at ? (a.at[0] << 8) | (a.at[1] << 3) | a.at[2] : 1 << 20);
  return [...atoms].sort((a, b) => a.rank - b.rank || key(a) - key(b) || a.kind.localeCompare(b.kind))[0];
}

/**
 * The kinds of disagreement one design shows: its verdict kind, and its placement kind (the
 * primary difference; the others are usually its consequences and are listed in the details).
 */
export function kindsOf(r: DesignResult): string[] {
  const out: string[] = [];
  if (!r.verdict.agree) out.push(`verdict | ${r.family} | ${r.verdict.kind}`);
  const p = primaryAtom(r.placement ?? []);
  if (p) out.push(`placement | ${r.family} | ${p.kind}`);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Shrinking

/**
 * The smallest design (by removing items, addresses and NUMA) that still shows `kind`: each round
 * tries every one-step reduction in one sandbox and keeps the first that still shows it.
 */
export async function shrink(design: GeneratedDesign, kind: string, maxRounds = 40): Promise<GeneratedDesign> {
  // QEMU only where the kind depends on its verdict
  const start = kind.startsWith('verdict') && !kind.includes('libvirt define refuses');
  let cur = design;
  for (let round = 0; round < maxRounds; round++) {
    const cands: GeneratedDesign[] = [];
    if (cur.cells) cands.push(withoutNuma(cur));
    for (let i = 0; i < cur.items.length; i++) cands.push(withoutItem(cur, i));
    for (let i = 0; i < cur.items.length; i++) if (cur.items[i]?.address) cands.push(withoutAddress(cur, i));
    if (!cands.length) break;
    const named = cands.map((c, k) => ({ ...c, name: `${design.name}-s${round}-${k}` }));
    const results = await runDesigns(named, { start });
    const hit = results.findIndex((r) => kindsOf(r).includes(kind));
    if (hit < 0) break;
    cur = { ...(cands[hit] as GeneratedDesign), name: design.name, shrunkFrom: design.name };
  }
  return cur;
}

/** Designs `from`..`from+count-1` of `seed` for each family. */
export function designsFor(seed: number, families: readonly Family[], count: number, from = 0): GeneratedDesign[] {
  const out: GeneratedDesign[] = [];
  for (const f of families) for (let n = from; n < from + count; n++) out.push(generateDesign(seed, n, f));
  return out;
}

