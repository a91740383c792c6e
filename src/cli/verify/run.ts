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
 *  4. readback QMP, readback.ts; then compare.ts, the pure comparison
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDesign, declaredEncoding, encodeXml, formatInputError, libvirtControllerOrder, machineProfile, releaseControllerDefaults } from '../../engine/index.ts';
import type { Design } from '../../engine/index.ts';
import { compare } from './compare.ts';
import { hostAssumptions } from './host.ts';
import { ARCH_EMULATORS, makeDefineCopy, makeRunnableCopy, machineDecision } from './prepare.ts';
import type { DefineCopy } from './prepare.ts';
import { Qmp } from './qmp.ts';
import { Recording, readBuiltins, readQom } from './readback.ts';
import { APT_HINT, Sandbox, isRoot, libvirtQemuDriverPresent, which } from './sandbox.ts';
import type { VerifyOptions, VerifyReport } from './types.ts';
import { child, parseDocumentElement } from './xml.ts';
import type { XmlElement } from './xml.ts';

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
  let design: Design;
  try {
    const read = createDesign(domainXml, undefined, 'the domain XML');
    if (!read.ok) return { ...report, problem: 'unreadable', error: `cannot read the domain XML: ${formatInputError(read.error)}` };
    design = read.value;
    dom = parseDocumentElement(domainXml);
  } catch (e) {
    return { ...report, problem: 'unreadable', error: `cannot read the domain XML: ${(e as Error).message}` };
  }
  report.libvirtVersion = spawnSync('virsh', ['--version'], { encoding: 'utf8' }).stdout?.trim() || undefined;
  // The controllers libvirt adds (import shows them `implicit`) are compared with the defaults the
  // installed release gives them, not 10.7's: libvirt 9.0 reaches them after the written ones, so a
  // pseries PHB it adds for a gap may get another target index (libvirtControllerOrder).
  const assumed = hostAssumptions(design, (address) => fs.existsSync(path.join('/sys/bus/pci/devices', address, 'iommu_group')));
  if (assumed.length > 0) report.hostAssumed = assumed;
  const shown = releaseControllerDefaults(design.guest.controllers, machineProfile(design.guest), libvirtControllerOrder(report.libvirtVersion));
  if (shown !== design.guest.controllers) design = { ...design, guest: { ...design.guest, controllers: shown.slice() } };

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
  const didNotRun = (what: string, r: { code: number | null; stderr: string; timedOut: boolean }): VerifyReport | undefined => {
    if (r.timedOut) return { ...report, problem: 'internal', error: `timeout (${timeoutSec} s) in ${what}` };
    if (r.code === null) return { ...report, problem: 'internal', error: `could not run ${what}: ${r.stderr.trim()}` };
    return undefined;
  };
  try {
    const inFile = box.file('in.xml');
    // the bytes of the design as written: in the encoding its declaration names
    const bytes = encodeXml(domainXml, declaredEncoding(domainXml) ?? 'UTF-8');
    fs.writeFileSync(inFile, bytes.ok ? bytes.value : domainXml);
    let t = now();
    const schema = await box.run('virt-xml-validate', [inFile, 'domain'], timeoutSec);
    const schemaProblem = didNotRun('virt-xml-validate', schema);
    if (schemaProblem) return schemaProblem;
    const schemaErrors =
      schema.code === 0
        ? []
        : (schema.stderr + schema.stdout)
            .split('\n')
            .map((l) => l.replace(`${inFile}:`, 'line ').replace(inFile, 'the domain XML').trim())
            .filter(Boolean);
    t = lap('schema', t);

    let copy: DefineCopy;
    let unknownMachine: string | undefined;
    const written = child(child(dom, 'os'), 'type')?.attributes.machine;
    try {
      const arch = child(child(dom, 'os'), 'type')?.attributes.arch;
      const emu = ARCH_EMULATORS[arch ?? ''];
      const machineHelp = (): string => spawnSync(emu?.binary ?? 'false', ['-machine', 'help'], { encoding: 'utf8' }).stdout ?? '';
      copy = makeDefineCopy(dom, design, machineHelp);
      const e = ARCH_EMULATORS[copy.arch];
      const missing = checkVerifyTools(copy.arch).missing;
      if (missing.length || !e) {
        return { ...report, problem: 'tools-missing', missingTools: missing, error: `missing: ${missing.join(', ') || `an emulator for arch ${copy.arch}`}; ${tools.hint}` };
      }
      report.arch = copy.arch;
      report.machine = copy.machine;
      report.machineWritten = copy.machineWritten;
      // a machine type QEMU does not offer, nor a version of one it does: never substituted, libvirt decides
      if (written && !copy.machineWritten && !['pseries', 'q35', 'virt', 'pc'].includes(written) && machineDecision(written, machineHelp()).kind === 'unknown') {
        unknownMachine = `machine type '${written}' is neither one this QEMU offers nor a version of a machine family it offers: verify ran it as written, substituting nothing`;
      }
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
    const r1Problem = didNotRun('virsh define', r1);
    if (r1Problem) return r1Problem;
    if (/^error: Failed to define domain/m.test(r1.stderr) || !r1.stdout.includes('<domain')) {
      const msgs = virshErrors(r1.stderr);
      const why = [...schemaErrors, ...msgs, ...(unknownMachine ? [unknownMachine] : [])];
      return { ...report, stage: schemaErrors.length ? 'schema' : 'libvirt', error: why.join('\n') || r1.stderr.trim() };
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
    const r2Problem = didNotRun('virsh start', r2);
    if (r2Problem) return r2Problem;
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
    const recording = new Recording(qmp);
    const qom = await readQom(recording);
    const builtins = await readBuiltins(recording);
    await qmp.tryExecute('quit');
    lap('qmp', t);
    opts.onReadback?.({ normalized: r1.stdout, live: r2.stdout, qmp: recording.exchanges });
    const rows = compare({ copy, normalized, live, qom, builtins });
    report.devices.push(...rows.devices);
    report.controllers.push(...rows.controllers);
    if (rows.sparesTaken.length) report.sparesTaken = rows.sparesTaken;
    report.stage = 'done';
    report.ok = report.devices.every((d) => d.agree) && report.controllers.every((c) => c.agree);
    if (!report.ok) {
      report.error = [
        ...(report.sparesTaken ?? []).map((s) => `spare taken by libvirt: ${s}, on a bus the design left empty for hotplug`),
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
