/**
 * `pcitopo verify DOMAIN.xml`: runs a design through the libvirt and QEMU installed here and reports,
 * per device, where libvirt and QEMU really put it next to where the design put it.
 *
 *  1. schema   `virt-xml-validate` (libvirt's RelaxNG); on failure libvirt's parser still runs for its
 *              precise message
 *  2. libvirt  `virsh define` in a private embedded QEMU driver: libvirt's topology checks on the real
 *              devices; its normalized XML gives every address it assigned
 *  3. qemu     a runnable copy (stand-ins at the same addresses) is started paused under TCG: libvirt
 *              builds its real QEMU command line and QEMU realises the topology (no guest code runs)
 *  4. readback QMP `qom-get parent_bus/addr` per device, `index` per vPHB, `chassis` per port
 *              (query-pci cannot see behind bridges before firmware numbers the buses)
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseLibvirtUint } from '../../engine/index.ts';
import { ARCH_EMULATORS, InputProblem, makeDefineCopy, makeRunnableCopy } from './prepare.ts';
import type { DefineCopy } from './prepare.ts';
import { Qmp } from './qmp.ts';
import { APT_HINT, Sandbox, isRoot, libvirtQemuDriverPresent, which } from './sandbox.ts';
import { landedNote, spareAccount } from './spares.ts';
import { aliasOf, child, elements, parseDocumentElement, pciAddressOf } from './xml.ts';
import type { XmlElement } from './xml.ts';

export { APT_HINT, APT_PACKAGES } from './sandbox.ts';

export interface BusSlotFunction {
  bus: number;
  slot: number;
  function: number;
}

export interface VerifyDevice {
  /** the engine's device key (host address of a PCI hostdev, alias, or `<element>-<n>`); `pci-ctrl-<index>` for PCI controllers */
  key: string;
  element: string;
  /** where the design put it (undefined: the design left it to libvirt, or libvirt added the device) */
  designed?: BusSlotFunction | undefined;
  /** where libvirt put it (bus = controller index) */
  libvirt?: BusSlotFunction | undefined;
  /** where QEMU realised it: bus = QEMU bus name (pci.0, pci.1.0 for vPHB 1, pci.3 behind port pci.3) */
  qemu?: { bus: string; parentController?: string | undefined; slot: number; function: number } | undefined;
  agree: boolean;
  note?: string | undefined;
}

export interface VerifyController {
  index: number;
  model: string;
  /** vPHB target index as libvirt has it; QEMU's `index` property must match */
  targetIndex?: number | undefined;
  /** root/downstream port chassis as libvirt has it; QEMU's `chassis` property must match */
  chassis?: number | undefined;
  /** the QEMU device id (libvirt's alias) */
  qemuId?: string | undefined;
  agree: boolean;
  note?: string | undefined;
}

export interface VerifyReport {
  /** accepted by schema, libvirt and QEMU, and everything where the design put it */
  ok: boolean;
  /** the last stage reached: where it stopped when not ok */
  stage: 'schema' | 'libvirt' | 'qemu' | 'done';
  /** libvirt's or QEMU's own message(s) when refused; our message for other problems */
  error?: string | undefined;
  /** set when no verdict came from libvirt/QEMU: the input cannot be read, tools are missing, or verify itself failed */
  problem?: 'unreadable' | 'tools-missing' | 'internal' | undefined;
  missingTools?: string[] | undefined;
  libvirtVersion?: string | undefined;
  qemuVersion?: string | undefined;
  arch?: string | undefined;
  machine?: string | undefined;
  controllers: VerifyController[];
  devices: VerifyDevice[];
  /** what the sandbox changed to run the design here (none of it moves a PCI device) */
  substitutions: string[];
  timingMs: Record<string, number>;
  /** devices libvirt added (default USB controller, memballoon, …) on the last empty ports/vPHBs the design kept for hotplug */
  sparesTaken?: string[] | undefined;
}

export interface VerifyOptions {
  /** limit for each libvirt+QEMU step (default 120) */
  timeoutSec?: number;
  /** keep the sandbox dir for debugging (its path goes to stderr) */
  keepDir?: boolean;
  /**
   * where to keep libvirt's QEMU capability probe between runs (~1.5 s per emulator);
   * default $PCITOPO_CACHE_DIR or ~/.cache/pcitopo/libvirt-qemu; false: none
   */
  cacheDir?: string | false;
}

/** 0 accepted as designed, 1 refused or disagrees, 2 unreadable input, 3 tools missing, 4 verify itself failed */
export function verifyExitCode(r: VerifyReport): 0 | 1 | 2 | 3 | 4 {
  if (r.ok) return 0;
  if (r.problem === 'unreadable') return 2;
  if (r.problem === 'tools-missing') return 3;
  if (r.problem === 'internal') return 4;
  return 1;
}

/** Which binaries are missing for `verify` (for one guest arch, or for pseries, q35 and aarch64 virt). */
export function checkVerifyTools(arch?: string): { ok: boolean; missing: string[]; hint: string } {
  const missing: string[] = [];
  const need = (bin: string, pkg: string): void => {
    if (!which(bin)) missing.push(`${bin} (Debian package ${pkg})`);
  };
  need('virsh', 'libvirt-clients');
  need('virt-xml-validate', 'libvirt-clients');
  need('xmllint', 'libxml2-utils');
  if (!libvirtQemuDriverPresent()) missing.push("libvirt's QEMU driver libvirt_driver_qemu.so (Debian package libvirt-daemon-driver-qemu)");
  if (isRoot()) need('runuser', 'util-linux');
  const emulators = arch ? [ARCH_EMULATORS[arch] ?? { binary: `qemu-system-${arch}`, pkg: 'qemu-system-misc' }] : [ARCH_EMULATORS.ppc64, ARCH_EMULATORS.x86_64, ARCH_EMULATORS.aarch64];
  for (const e of emulators) if (e) need(e.binary, e.pkg);
  if (!['/usr/lib/ipxe/qemu/efi-virtio.rom', '/usr/share/qemu/efi-virtio.rom'].some((f) => fs.existsSync(f))) {
    missing.push('NIC option ROMs efi-virtio.rom (Debian package ipxe-qemu)');
  }
  return { ok: missing.length === 0, missing, hint: `install with: ${isRoot() ? '' : 'sudo '}${APT_HINT}` };
}

function defaultCacheDir(): string {
  if (process.env.PCITOPO_CACHE_DIR) return process.env.PCITOPO_CACHE_DIR;
  const base = process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache');
  return path.join(base, 'pcitopo', 'libvirt-qemu');
}

function copyXmlFiles(from: string, to: string): void {
  try {
    const files = fs.readdirSync(from).filter((f) => f.endsWith('.xml'));
    if (!files.length) return;
    fs.mkdirSync(to, { recursive: true });
    for (const f of files) fs.copyFileSync(path.join(from, f), path.join(to, f));
  } catch {
    // a cache is an optimisation: never a reason to fail
  }
}

/** virsh's own error lines, without the generic "Failed to define domain from …" wrappers */
function virshErrors(stderr: string): string[] {
  return stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('error:'))
    .filter((l) => !/^error: (Failed to define domain|failed to get domain|Failed to start domain)|domain is not running/.test(l))
    .map((l) => l.replace(/^error:\s*/, ''));
}

/** QEMU's own complaints from its log (`qemu-system-ppc64: -device …: Bus 'x' not found`) */
function qemuLogErrors(logFile: string): string[] {
  let text = '';
  try {
    text = fs.readFileSync(logFile, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .map((l) => l.replace(/^\S+Z\s+/, '').trim())
    .filter((l) => /^qemu-system-[\w-]+: /.test(l) && !l.includes('warning:'))
    .slice(-5);
}

const now = (): number => performance.now();
const fmt = (a: BusSlotFunction | undefined): string =>
  a ? `${a.bus.toString(16).padStart(2, '0')}:${a.slot.toString(16).padStart(2, '0')}.${a.function}` : '-';

/** How a device libvirt added is named in the report: `controller usb qemu-xhci`, `memballoon virtio`. */
function addedName(el: XmlElement): string {
  return [el.name, el.attributes.type, el.attributes.model].filter(Boolean).join(' ');
}
const bsf = (a: { bus: number; slot: number; function: number } | undefined): BusSlotFunction | undefined =>
  a && { bus: a.bus, slot: a.slot, function: a.function };
const sameBsf = (a: BusSlotFunction | undefined, b: BusSlotFunction | undefined): boolean =>
  !!a && !!b && a.bus === b.bus && a.slot === b.slot && a.function === b.function;

interface QomDevice {
  driver: string;
  bus?: string | undefined;
  parentController?: string | undefined;
  slot?: number | undefined;
  function?: number | undefined;
  /** the PCI bus this device provides, if it is a controller */
  childBus?: string | undefined;
  index?: number | undefined;
  chassis?: number | undefined;
}

/** Devices built into the machine (q35's SATA/LPC/SMBus at 00:1f.x): on a root bus, without a QEMU id. */
async function readBuiltins(q: Qmp): Promise<Set<string>> {
  const out = new Set<string>();
  const buses = ((await q.tryExecute('query-pci')) ?? []) as Array<{ devices?: Array<{ slot: number; function: number; qdev_id?: string }> }>;
  for (const b of buses) for (const d of b.devices ?? []) if (!d.qdev_id) out.add(`${d.slot}/${d.function}`);
  return out;
}

async function readQom(q: Qmp): Promise<Map<string, QomDevice>> {
  const out = new Map<string, QomDevice>();
  for (const base of ['/machine/peripheral', '/machine/peripheral-anon']) {
    const list = ((await q.tryExecute('qom-list', { path: base })) ?? []) as Array<{ name: string; type: string }>;
    for (const ent of list) {
      if (!ent.type.startsWith('child<')) continue;
      const p = `${base}/${ent.name}`;
      const d: QomDevice = { driver: ent.type.slice(6, -1) };
      const kids = ((await q.tryExecute('qom-list', { path: p })) ?? []) as Array<{ name: string; type: string }>;
      for (const k of kids) {
        const t = k.type.startsWith('child<') ? k.type.slice(6, -1) : '';
        if (t === 'PCI' || t === 'PCIE' || (t.toLowerCase().startsWith('pxb') && t.toLowerCase().endsWith('bus'))) d.childBus = k.name;
      }
      const pb = await q.tryExecute('qom-get', { path: p, property: 'parent_bus' });
      if (typeof pb === 'string' && pb) {
        const parts = pb.split('/');
        d.bus = parts[parts.length - 1];
        const owner = parts.slice(0, -1).join('/');
        if (owner.startsWith('/machine/peripheral/')) d.parentController = parts[parts.length - 2];
        const devfn = await q.tryExecute('qom-get', { path: p, property: 'addr' });
        if (typeof devfn === 'number') {
          d.slot = devfn >> 3;
          d.function = devfn & 7;
        }
      }
      if (d.driver === 'spapr-pci-host-bridge') {
        const idx = await q.tryExecute('qom-get', { path: p, property: 'index' });
        if (typeof idx === 'number') d.index = idx;
      }
      if (d.childBus && d.driver !== 'spapr-pci-host-bridge') {
        const ch = await q.tryExecute('qom-get', { path: p, property: 'chassis' });
        if (typeof ch === 'number') d.chassis = ch;
      }
      out.set(ent.name, d);
    }
  }
  return out;
}

interface LiveController {
  index: number;
  model: string;
  alias?: string | undefined;
  targetIndex?: number | undefined;
  chassis?: number | undefined;
  address?: BusSlotFunction | undefined;
}

function liveControllers(dom: XmlElement): LiveController[] {
  const out: LiveController[] = [];
  for (const c of elements(child(dom, 'devices') ?? dom, 'controller')) {
    if (c.attributes.type !== 'pci') continue;
    const index = parseLibvirtUint(c.attributes.index);
    if (index === undefined) continue;
    const t = child(c, 'target');
    out.push({
      index,
      model: c.attributes.model ?? '',
      alias: aliasOf(c),
      targetIndex: parseLibvirtUint(t?.attributes.index),
      chassis: parseLibvirtUint(t?.attributes.chassis),
      address: bsf(pciAddressOf(c)),
    });
  }
  return out.sort((a, b) => a.index - b.index);
}

function compare(copy: DefineCopy, normalized: XmlElement, live: XmlElement, qom: Map<string, QomDevice>, builtins: Set<string>, report: VerifyReport): void {
  const ctrls = liveControllers(live);
  const byIndex = new Map(ctrls.map((c) => [c.index, c]));
  const busOf = (index: number): string | undefined => {
    const c = byIndex.get(index);
    if (!c?.alias) return undefined;
    return qom.get(c.alias)?.childBus ?? c.alias;
  };
  const byPosition = new Map<string, [string, QomDevice]>();
  for (const [id, d] of qom) if (d.bus !== undefined && d.slot !== undefined) byPosition.set(`${d.bus}/${d.slot}/${d.function ?? 0}`, [id, d]);

  const qemuView = (alias: string | undefined, at: BusSlotFunction | undefined): { qemu?: VerifyDevice['qemu']; agree: boolean; note?: string } => {
    const want = at && busOf(at.bus);
    let d = alias ? qom.get(alias) : undefined;
    if ((!d || d.slot === undefined) && at && want) d = byPosition.get(`${want}/${at.slot}/${at.function}`)?.[1];
    if ((!d || d.slot === undefined) && at && at.bus === 0 && want && builtins.has(`${at.slot}/${at.function}`)) {
      return { qemu: { bus: want, slot: at.slot, function: at.function }, agree: true, note: 'built into the machine type' };
    }
    if (!d || d.bus === undefined || d.slot === undefined) return { agree: false, note: 'QEMU has no such PCI device' };
    const qemu = { bus: d.bus, parentController: d.parentController, slot: d.slot, function: d.function ?? 0 };
    const agree = !!at && qemu.bus === want && qemu.slot === at.slot && qemu.function === at.function;
    return { qemu, agree, ...(agree ? {} : { note: `libvirt has it on bus ${want ?? '?'} but QEMU realised it elsewhere` }) };
  };

  // libvirt's decisions come from the copy with the real devices (the runnable one only re-states them)
  const normalizedByAlias = new Map<string, XmlElement>();
  for (const el of elements(child(normalized, 'devices') ?? normalized)) {
    const a = aliasOf(el);
    if (a) normalizedByAlias.set(a, el);
  }
  const liveByAlias = new Map<string, XmlElement>();
  for (const el of elements(child(live, 'devices') ?? live)) {
    const a = aliasOf(el);
    if (a) liveByAlias.set(a, el);
  }

  // Buses the design leaves empty, and what is still empty once libvirt has defined it.
  const designedBuses = new Set<number>();
  for (const d of copy.devices) if (d.address) designedBuses.add(d.address.bus);
  for (const a of copy.controllerAddresses.values()) designedBuses.add(a.bus);
  const definedBuses = new Set<number>();
  for (const el of elements(child(normalized, 'devices') ?? normalized)) {
    const a = pciAddressOf(el);
    if (a) definedBuses.add(a.bus);
  }
  const spares = spareAccount(copy.controllers, designedBuses, definedBuses);

  const seen = new Set<string>();
  for (const d of copy.devices) {
    seen.add(d.alias);
    const nel = normalizedByAlias.get(d.alias);
    const libvirt = nel ? bsf(pciAddressOf(nel)) : undefined;
    const liveAt = bsf(pciAddressOf(liveByAlias.get(d.alias) ?? nel ?? live)) ?? libvirt;
    if (!libvirt && !d.address) continue; // not a PCI device after all (e.g. a sata disk)
    const v = qemuView(d.alias, liveAt);
    const notes: string[] = [];
    let agree = v.agree;
    if (d.address && !sameBsf(d.address, libvirt)) {
      agree = false;
      notes.push('libvirt did not keep the designed address');
    }
    if (!sameBsf(libvirt, liveAt)) {
      agree = false;
      notes.push('the runnable copy moved it (a sandbox problem)');
    }
    if (v.note) notes.push(v.note);
    if (!d.address) {
      const landed = libvirt ? landedNote(spares, libvirt.bus, false) : undefined;
      notes.push(['address chosen by libvirt', landed?.note].filter(Boolean).join(' — '));
    }
    report.devices.push({ key: d.key, element: d.element, designed: d.address, libvirt, qemu: v.qemu, agree, ...(notes.length ? { note: notes.join('; ') } : {}) });
  }
  // What libvirt added on its own (usb, memballoon, …): in the inactive XML only the devices of
  // the input carry an alias (ours), so the others are found by address in the live XML.
  const liveByAddress = new Map<string, XmlElement>();
  for (const el of elements(child(live, 'devices') ?? live)) {
    const a = bsf(pciAddressOf(el));
    if (a) liveByAddress.set(fmt(a), el);
  }
  for (const el of elements(child(normalized, 'devices') ?? normalized)) {
    const own = aliasOf(el);
    if ((own && seen.has(own)) || (el.name === 'controller' && el.attributes.type === 'pci')) continue;
    const libvirt = bsf(pciAddressOf(el));
    if (!libvirt) continue;
    const alias = own ?? (liveByAddress.get(fmt(libvirt)) && aliasOf(liveByAddress.get(fmt(libvirt)) as XmlElement));
    const v = qemuView(alias, libvirt);
    const landed = landedNote(spares, libvirt.bus, true);
    if (landed.spareTaken) report.sparesTaken = [...(report.sparesTaken ?? []), `${addedName(el)} at ${fmt(libvirt)}`];
    report.devices.push({
      key: alias ?? addedName(el),
      element: addedName(el),
      libvirt,
      qemu: v.qemu,
      agree: v.agree && !landed.spareTaken,
      note: [[`added by libvirt at ${fmt(libvirt)}`, landed.note].filter(Boolean).join(' — '), v.note].filter(Boolean).join('; '),
    });
  }
  // PCI controllers: their own address, vPHB target index, port chassis
  const designed = copy.controllers;
  for (const c of ctrls) {
    const want = designed.get(c.index);
    const q = c.alias ? qom.get(c.alias) : undefined;
    const notes: string[] = [];
    let agree = true;
    const differs = (note: string): void => {
      agree = false;
      notes.push(note);
    };
    if (want && want.model !== c.model) differs(`designed model ${want.model}`);
    if (want?.targetIndex !== undefined && want.targetIndex !== c.targetIndex) differs(`designed target index ${want.targetIndex}`);
    if (want?.chassis !== undefined && want.chassis !== c.chassis) differs(`designed chassis ${want.chassis}`);
    if (c.index > 0 || c.address) {
      if (!q) differs('QEMU has no such controller');
      else {
        if (c.targetIndex !== undefined && c.index > 0 && q.index !== undefined && q.index !== c.targetIndex) differs(`QEMU index ${q.index}`);
        if (c.chassis !== undefined && q.chassis !== undefined && q.chassis !== c.chassis) differs(`QEMU chassis ${q.chassis}`);
      }
    }
    if (!want) notes.push('added by libvirt');
    report.controllers.push({ index: c.index, model: c.model, targetIndex: c.targetIndex, chassis: c.chassis, qemuId: c.alias, agree, ...(notes.length ? { note: notes.join('; ') } : {}) });
    if (c.address) {
      const v = qemuView(c.alias, c.address);
      const nc = elements(child(normalized, 'devices') ?? normalized, 'controller').find((x) => x.attributes.type === 'pci' && parseLibvirtUint(x.attributes.index) === c.index);
      const libvirt = nc ? bsf(pciAddressOf(nc)) : c.address;
      const des = copy.controllerAddresses.get(c.index);
      // a controller the design has but did not address is placed by libvirt as the design asked
      const landed = !des && libvirt ? landedNote(spares, libvirt.bus, !want) : { spareTaken: false, note: undefined };
      if (landed.spareTaken && libvirt) report.sparesTaken = [...(report.sparesTaken ?? []), `controller ${c.model} ${c.index} at ${fmt(libvirt)}`];
      const ok = v.agree && (!des || sameBsf(des, libvirt)) && !landed.spareTaken;
      report.devices.push({
        key: `pci-ctrl-${c.index}`,
        element: `controller ${c.model}`,
        designed: des,
        libvirt,
        qemu: v.qemu,
        agree: ok,
        ...(v.note || landed.note || (des && !sameBsf(des, libvirt))
          ? { note: [v.note, des && !sameBsf(des, libvirt) ? 'libvirt did not keep the designed address' : undefined, landed.note].filter(Boolean).join('; ') }
          : {}),
      });
    }
  }
}

/** Runs the design through libvirt and QEMU here, in a throw-away sandbox. Never throws. */
export async function runVerify(domainXml: string, opts: VerifyOptions = {}): Promise<VerifyReport> {
  const t0 = now();
  const timeoutSec = opts.timeoutSec ?? 120;
  const report: VerifyReport = { ok: false, stage: 'schema', controllers: [], devices: [], substitutions: [], timingMs: {} };
  const lap = (name: string, since: number): number => {
    const t = now();
    report.timingMs[name] = Math.round(t - since);
    return t;
  };
  const tools = checkVerifyTools('none');
  // the emulator check comes later, once the arch is known
  const common = tools.missing.filter((m) => !m.startsWith('qemu-system-none'));
  if (common.length) return { ...report, problem: 'tools-missing', missingTools: common, error: `missing: ${common.join(', ')}; ${tools.hint}` };
  let dom: XmlElement;
  try {
    if (/<!DOCTYPE/i.test(domainXml)) throw new InputProblem('a DOCTYPE is not allowed in a domain XML (libvirt never writes one)');
    dom = parseDocumentElement(domainXml);
    if (dom.name !== 'domain') throw new InputProblem(`the document element is <${dom.name}>, not <domain>`);
  } catch (e) {
    return { ...report, problem: 'unreadable', error: `cannot read the domain XML: ${(e as Error).message}` };
  }
  report.libvirtVersion = spawnSync('virsh', ['--version'], { encoding: 'utf8' }).stdout?.trim() || undefined;

  const box = new Sandbox(opts.keepDir ?? false);
  const onExit = (): void => box.dispose();
  process.on('exit', onExit);
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const onSignal = (sig: NodeJS.Signals): void => {
    box.dispose();
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  // only when nobody else handles them (the CLI); a test runner keeps its own handlers
  const ownSignals = signals.filter((s) => process.listenerCount(s) === 0);
  for (const s of ownSignals) process.on(s, onSignal);
  const cacheDir = opts.cacheDir === false ? undefined : (opts.cacheDir ?? defaultCacheDir());
  const capsDir = path.join(box.root, 'cache/qemu/capabilities');
  let qmp: Qmp | undefined;
  try {
    const inFile = box.file('in.xml');
    fs.writeFileSync(inFile, domainXml);
    let t = now();
    const schema = await box.run('virt-xml-validate', [inFile, 'domain'], timeoutSec);
    if (schema.timedOut) return { ...report, problem: 'internal', error: `timeout (${timeoutSec} s) in virt-xml-validate` };
    const schemaErrors =
      schema.code === 0
        ? []
        : (schema.stderr + schema.stdout)
            .split('\n')
            .map((l) => l.replace(`${inFile}:`, 'line ').replace(inFile, 'the domain XML').trim())
            .filter(Boolean);
    t = lap('schema', t);

    let copy: DefineCopy;
    try {
      const arch = child(child(dom, 'os'), 'type')?.attributes.arch;
      const emu = ARCH_EMULATORS[arch ?? ''];
      const machinesOf = (bin: string) => (): ReadonlySet<string> =>
        new Set(
          (spawnSync(bin, ['-machine', 'help'], { encoding: 'utf8' }).stdout ?? '')
            .split('\n')
            .slice(1)
            .map((l) => l.split(/\s+/)[0] ?? '')
            .filter(Boolean),
        );
      copy = makeDefineCopy(dom, machinesOf(emu?.binary ?? 'false'));
      const e = ARCH_EMULATORS[copy.arch];
      const missing = checkVerifyTools(copy.arch).missing;
      if (missing.length || !e) {
        return { ...report, problem: 'tools-missing', missingTools: missing, error: `missing: ${missing.join(', ') || `an emulator for arch ${copy.arch}`}; ${tools.hint}` };
      }
      report.arch = copy.arch;
      report.machine = copy.machine;
    } catch (e) {
      if (schemaErrors.length) return { ...report, error: schemaErrors.join('\n') };
      return { ...report, problem: 'unreadable', error: (e as Error).message };
    }
    report.substitutions.push(...copy.notes);
    fs.writeFileSync(box.file('define.xml'), copy.xml);
    if (cacheDir) copyXmlFiles(path.join(cacheDir, 'capabilities'), capsDir);
    box.chown();
    t = lap('prepare', t);

    // libvirt with the real devices: topology checks + the addresses it assigns
    report.stage = 'libvirt';
    const r1 = await box.virsh(`define ${box.file('define.xml')}; dumpxml chk; undefine chk`, timeoutSec);
    t = lap('libvirtDefine', t);
    if (r1.timedOut) return { ...report, problem: 'internal', error: `timeout (${timeoutSec} s) in virsh define` };
    if (/^error: Failed to define domain/m.test(r1.stderr) || !r1.stdout.includes('<domain')) {
      const msgs = virshErrors(r1.stderr);
      return { ...report, stage: schemaErrors.length ? 'schema' : 'libvirt', error: [...schemaErrors, ...msgs].join('\n') || r1.stderr.trim() };
    }
    if (schemaErrors.length) return { ...report, stage: 'schema', error: `libvirt's schema refuses it (libvirt's parser did not):\n${schemaErrors.join('\n')}` };
    const normalized = parseDocumentElement(r1.stdout);
    const notes: string[] = [];
    const runnable = makeRunnableCopy(parseDocumentElement(r1.stdout), box.file('disks'), box.file('q.sock'), notes);
    report.substitutions.push(...notes);
    for (const f of runnable.disks) {
      fs.writeFileSync(f, Buffer.alloc(0));
      fs.truncateSync(f, 1 << 20);
    }
    fs.writeFileSync(box.file('run.xml'), runnable.xml);
    box.chown();
    t = lap('prepareRunnable', t);

    // QEMU: libvirt's real command line, started paused under TCG
    report.stage = 'qemu';
    const r2 = await box.virsh(`define ${box.file('run.xml')}; start --paused chk; dumpxml chk`, timeoutSec);
    t = lap('qemuStart', t);
    if (r2.timedOut) return { ...report, problem: 'internal', error: `timeout (${timeoutSec} s) in virsh start` };
    if (/^error: Failed to define domain/m.test(r2.stderr)) {
      return { ...report, stage: 'libvirt', error: `libvirt refused the runnable copy (see substitutions): ${virshErrors(r2.stderr).join('\n')}` };
    }
    if (/^error: Failed to start domain/m.test(r2.stderr) || !/<domain type='qemu' id=/.test(r2.stdout)) {
      const msgs = virshErrors(r2.stderr);
      const q = qemuLogErrors(path.join(box.root, 'log/qemu/chk.log')).filter((l) => !msgs.some((m) => m.includes(l.replace(/^qemu-system-[\w-]+: /, ''))));
      return { ...report, error: [...msgs, ...q.map((l) => `QEMU said: ${l}`)].join('\n') || r2.stderr.trim() };
    }
    const live = parseDocumentElement(r2.stdout);

    qmp = await Qmp.connect(box.file('q.sock'), timeoutSec * 1000);
    const ver = (await qmp.execute('query-version')) as { qemu: { major: number; minor: number; micro: number } };
    report.qemuVersion = `${ver.qemu.major}.${ver.qemu.minor}.${ver.qemu.micro}`;
    const qom = await readQom(qmp);
    const builtins = await readBuiltins(qmp);
    await qmp.tryExecute('quit');
    lap('qmp', t);
    compare(copy, normalized, live, qom, builtins, report);
    report.stage = 'done';
    report.ok = report.devices.every((d) => d.agree) && report.controllers.every((c) => c.agree);
    if (!report.ok) {
      report.error = [
        ...(report.sparesTaken ?? []).map((t) => `spare taken by libvirt: ${t}, on a bus the design left empty for hotplug`),
        'libvirt or QEMU did not realise the design as designed (see the devices and controllers marked as disagreeing)',
      ].join('\n');
    }
    return report;
  } catch (e) {
    return { ...report, problem: 'internal', error: `verify failed: ${(e as Error).message}` };
  } finally {
    qmp?.close();
    if (cacheDir) copyXmlFiles(capsDir, path.join(cacheDir, 'capabilities'));
    box.dispose();
    process.off('exit', onExit);
    for (const s of ownSignals) process.off(s, onSignal);
    report.timingMs.total = Math.round(now() - t0);
  }
}

/** A table for people: per device, designed vs libvirt vs QEMU. */
export function formatVerifyReport(r: VerifyReport): string {
  const lines: string[] = [];
  const head = r.ok
    ? 'OK: libvirt and QEMU accept the design and realise it as designed'
    : r.problem === 'tools-missing'
      ? 'CANNOT CHECK: tools missing'
      : r.problem === 'unreadable'
        ? 'UNREADABLE input'
        : r.problem === 'internal'
          ? 'VERIFY FAILED (not a verdict on the design)'
          : r.stage === 'done'
            ? 'DISAGREES: libvirt/QEMU did not realise the design as designed'
            : `REFUSED by ${r.stage === 'schema' ? "libvirt's schema" : r.stage === 'libvirt' ? 'libvirt' : 'QEMU (at start)'}`;
  lines.push(head);
  const versions = [r.libvirtVersion && `libvirt ${r.libvirtVersion}`, r.qemuVersion && `QEMU ${r.qemuVersion}`, r.arch && `arch ${r.arch}`, r.machine && `machine ${r.machine}`].filter(Boolean);
  if (versions.length) lines.push(versions.join(', '));
  if (r.error) lines.push(...r.error.split('\n').map((l) => `  ${l}`));
  if (r.missingTools?.length) lines.push(...r.missingTools.map((m) => `  missing: ${m}`));
  const table = (rows: string[][]): void => {
    const w = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length))) ?? [];
    for (const row of rows) lines.push(row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(w[i] ?? 0))).join('  ').trimEnd());
  };
  if (r.controllers.length) {
    lines.push('', 'PCI controllers');
    table([
      ['index', 'model', 'target', 'chassis', 'QEMU id', 'check', 'note'],
      ...r.controllers.map((c) => [String(c.index), c.model, c.targetIndex?.toString() ?? '-', c.chassis?.toString() ?? '-', c.qemuId ?? '-', c.agree ? 'ok' : 'DIFFERS', c.note ?? '']),
    ]);
  }
  if (r.devices.length) {
    lines.push('', 'Devices (bus:slot.function; bus = controller index, QEMU: bus name)');
    table([
      ['device', 'element', 'designed', 'libvirt', 'QEMU', 'check', 'note'],
      ...r.devices.map((d) => [
        d.key,
        d.element,
        fmt(d.designed),
        fmt(d.libvirt),
        d.qemu ? `${d.qemu.bus} ${d.qemu.slot.toString(16).padStart(2, '0')}.${d.qemu.function}` : '-',
        d.agree ? 'ok' : 'DIFFERS',
        d.note ?? '',
      ]),
    ]);
  }
  if (r.substitutions.length) lines.push('', 'Sandbox substitutions (no PCI device moved):', ...r.substitutions.map((s) => `  - ${s}`));
  const timing = Object.entries(r.timingMs).map(([k, v]) => `${k} ${v} ms`);
  if (timing.length) lines.push('', `Timing: ${timing.join(', ')}`);
  return `${lines.join('\n')}\n`;
}
