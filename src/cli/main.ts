import { readFileSync, statSync, writeFileSync } from 'node:fs';
import type { Design, Finding, Host, InputError, PlacementPolicy, Result } from '../engine/index.ts';
import {
  MAX_XML_BYTES,
  applyFixes,
  createDesign,
  decodeShareLink,
  encodeShareLink,
  exportDomain,
  formatInputError,
  importHost,
  placeWithReport,
  ruleMeta,
  subjectNames,
  validate,
} from '../engine/index.ts';

/**
 * The pcitopo CLI (DESIGN.md §4): a thin shell over the engine. Exit codes: 0 fine, 1 the design
 * has errors (or verify disagrees), 2 an input could not be read or parsed, 3 a tool is missing.
 */

const USAGE = `pcitopo: design and check the PCI topology of libvirt guests

Usage: pcitopo <command> [options]

Commands:
  validate DOMAIN.xml [--host HOST] [--json] [--fix [--out FILE]]
      Check the design against the rule catalog. Exit 0 when there is no error (warnings allowed),
      1 when there are errors, 2 when an input cannot be read. --json prints an array of findings.
      --fix applies the one-click fix of each error and prints the fixed domain XML.
  place DOMAIN.xml [--host HOST] [--policy libvirt|pe-per-phb] [--spare-phbs N] [--spare-ports N] [--replace-all]
      Print the domain XML with every unaddressed PCI device placed and controllers added as needed.
      libvirt (default): predict libvirt's own assignment. pe-per-phb: one vPHB per host IOMMU group
      (pseries), or one root port per PCIe device (q35/virt), plus N spare vPHBs/ports for hotplug.
  roundtrip DOMAIN.xml
      Import, then export with no edit: prints the same bytes.
  link DOMAIN.xml [--host HOST] [--base URL]
      Print a share link holding the design.
  unlink LINK [--host-out FILE]
      Print the domain XML a share link holds (and write its host XML to FILE).
  verify DOMAIN.xml [--json] [--timeout SEC] [--keep]
      Run the design through the libvirt and QEMU installed here (sandboxed, QEMU paused) and report
      where each device really lands next to where the design put it. Exit 0 when libvirt and QEMU
      accept it and put everything where the design says, 1 when they refuse or disagree, 3 when
      libvirt or QEMU is missing, 4 when the check itself failed (timeout). libvirt's probe of QEMU
      is cached in ~/.cache/pcitopo/libvirt-qemu (PCITOPO_CACHE_DIR moves it).

HOST is node-device XML: 'virsh nodedev-dumpxml' output for one or more PCI devices (concatenated or
wrapped in one root), or what scripts/collect-host.sh writes.
`;

class UsageError extends Error {}
class InputFailure extends Error {}

interface Args {
  positional: string[];
  flags: Map<string, string | true>;
}

const VALUE_FLAGS = new Set(['--host', '--policy', '--spare-phbs', '--spare-ports', '--base', '--host-out', '--out', '--timeout']);
const BOOL_FLAGS = new Set(['--json', '--fix', '--replace-all', '--help', '-h', '--keep']);

function parseArgs(argv: string[]): Args {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a.startsWith('-') && a !== '-') {
      const [name, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
      if (VALUE_FLAGS.has(name)) {
        const v = inline ?? argv[++i];
        if (v === undefined) throw new UsageError(`${name} needs a value`);
        flags.set(name, v);
      } else if (BOOL_FLAGS.has(name)) flags.set(name, true);
      else throw new UsageError(`unknown option ${name}`);
    } else positional.push(a);
  }
  return { positional, flags };
}

function readInput(file: string): string {
  try {
    if (file === '-') return readFileSync(0, 'utf8');
    const size = statSync(file).size;
    if (size > MAX_XML_BYTES) throw new InputFailure(`${file}: ${(size / 1048576).toFixed(1)} MiB is more than pcitopo reads (${MAX_XML_BYTES / 1048576} MiB)`);
    return readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof InputFailure) throw e;
    throw new InputFailure(`${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

function unwrap<T>(r: Result<T>): T {
  if (!r.ok) throw new InputFailure(formatInputError(r.error as InputError));
  return r.value;
}

function loadDesign(args: Args): Design {
  const file = args.positional[1];
  if (!file) throw new UsageError('missing DOMAIN.xml');
  const hostFile = args.flags.get('--host');
  let host: Host | undefined;
  if (typeof hostFile === 'string') host = unwrap(importHost(readInput(hostFile), hostFile));
  return unwrap(createDesign(readInput(file), host, file));
}

function formatFinding(f: Finding, design: Design): string {
  // in libvirt's words: "vPHB 0, disk vda", never an internal key like disk-0
  const subjects = subjectNames(design.guest, f.subjects);
  const lines = [`${f.severity.padEnd(7)} ${f.ruleId}: ${f.message}${subjects.length ? ` [${subjects.join(', ')}]` : ''}`];
  const meta = ruleMeta(f.ruleId);
  if (meta && f.severity !== 'info') lines.push(`        source: ${meta.source}`);
  for (const fix of f.fixes ?? []) lines.push(`        fix: ${fix.label}`);
  return lines.join('\n');
}

function summary(findings: readonly Finding[]): string {
  const count = (s: string) => findings.filter((f) => f.severity === s).length;
  return `${count('error')} error(s), ${count('warning')} warning(s), ${count('info')} note(s)`;
}

async function cmdValidate(args: Args, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  let design = loadDesign(args);
  if (args.flags.has('--fix')) {
    design = applyFixes(design);
    const xml = exportDomain(design);
    const target = args.flags.get('--out');
    if (typeof target === 'string') writeFileSync(target, xml);
    else out(xml);
  }
  const findings = validate(design);
  const report = args.flags.has('--fix') && !args.flags.has('--out') ? err : out;
  if (args.flags.has('--json')) report(`${JSON.stringify(findings, null, 2)}\n`);
  else {
    for (const f of findings) report(`${formatFinding(f, design)}\n`);
    report(`${summary(findings)}\n`);
  }
  return findings.some((f) => f.severity === 'error') ? 1 : 0;
}

function intFlag(args: Args, name: string): number | undefined {
  const v = args.flags.get(name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isInteger(n) || n < 0 || n > 255) throw new UsageError(`${name} needs a whole number 0-255, not ${String(v)}`);
  return n;
}

async function cmdPlace(args: Args, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const design = loadDesign(args);
  const policy = (args.flags.get('--policy') ?? 'libvirt') as string;
  if (policy !== 'libvirt' && policy !== 'pe-per-phb') throw new UsageError(`--policy must be libvirt or pe-per-phb, not ${policy}`);
  // Spare vPHBs (pseries) and spare root ports (q35/virt) are one option under two names; two
  // different counts would leave one silently ignored.
  const phbs = intFlag(args, '--spare-phbs');
  const ports = intFlag(args, '--spare-ports');
  if (phbs !== undefined && ports !== undefined && phbs !== ports) throw new UsageError(`--spare-phbs ${phbs} and --spare-ports ${ports} disagree: give --spare-phbs for a pseries guest or --spare-ports for q35/virt`);
  const spare = phbs ?? ports;
  // Notes say what could not be done as asked (e.g. fewer spare vPHBs fit than requested).
  const { design: placed, notes } = placeWithReport(design, { policy: policy as PlacementPolicy, spare, replaceAll: args.flags.has('--replace-all') });
  for (const n of notes) err(`pcitopo place: ${n}\n`);
  out(exportDomain(placed));
  return 0;
}

async function cmdRoundtrip(args: Args, out: (s: string) => void): Promise<number> {
  out(exportDomain(loadDesign(args)));
  return 0;
}

async function cmdLink(args: Args, out: (s: string) => void): Promise<number> {
  const file = args.positional[1];
  if (!file) throw new UsageError('missing DOMAIN.xml');
  const domain = readInput(file);
  unwrap(createDesign(domain, undefined, file));
  const hostFile = args.flags.get('--host');
  const host = typeof hostFile === 'string' ? readInput(hostFile) : undefined;
  if (host !== undefined) unwrap(importHost(host, hostFile as string));
  const base = (args.flags.get('--base') as string | undefined) ?? 'http://localhost:8080/';
  out(`${await encodeShareLink({ v: 1, domain, ...(host !== undefined ? { host } : {}) }, base)}\n`);
  return 0;
}

async function cmdUnlink(args: Args, out: (s: string) => void): Promise<number> {
  const link = args.positional[1];
  if (!link) throw new UsageError('missing LINK');
  const payload = unwrap(await decodeShareLink(link));
  const hostOut = args.flags.get('--host-out');
  if (typeof hostOut === 'string') {
    if (payload.host === undefined) throw new InputFailure('the link holds no host');
    writeFileSync(hostOut, payload.host);
  }
  out(payload.domain);
  return 0;
}

async function cmdVerify(args: Args, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const file = args.positional[1];
  if (!file) throw new UsageError('missing DOMAIN.xml');
  const text = readInput(file);
  const design = unwrap(createDesign(text, undefined, file));
  const verify = await import('./verify/index.ts');
  const tools = verify.checkVerifyTools(design.guest.arch);
  if (!tools.ok) {
    err(`pcitopo verify: missing ${tools.missing.join(', ')}. ${tools.hint}\n`);
    return 3;
  }
  const timeout = intFlag(args, '--timeout');
  const report = await verify.runVerify(text, { ...(timeout !== undefined ? { timeoutSec: timeout } : {}), keepDir: args.flags.has('--keep') });
  out(args.flags.has('--json') ? `${JSON.stringify(report, null, 2)}\n` : verify.formatVerifyReport(report));
  return verify.verifyExitCode(report);
}

export async function main(
  argv: string[],
  out: (s: string) => void = (s) => process.stdout.write(s),
  err: (s: string) => void = (s) => process.stderr.write(s),
): Promise<number> {
  try {
    const args = parseArgs(argv);
    const command = args.positional[0];
    if (!command || args.flags.has('--help') || args.flags.has('-h') || command === 'help') {
      out(USAGE);
      return command || args.flags.size ? 0 : 2;
    }
    switch (command) {
      case 'validate':
        return await cmdValidate(args, out, err);
      case 'place':
        return await cmdPlace(args, out, err);
      case 'roundtrip':
        return await cmdRoundtrip(args, out);
      case 'link':
        return await cmdLink(args, out);
      case 'unlink':
        return await cmdUnlink(args, out);
      case 'verify':
        return await cmdVerify(args, out, err);
      default:
        throw new UsageError(`unknown command '${command}'`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      err(`pcitopo: ${e.message}\nRun 'pcitopo --help' for usage.\n`);
      return 2;
    }
    if (e instanceof InputFailure) {
      err(`pcitopo: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
}
