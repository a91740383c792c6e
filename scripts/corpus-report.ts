/**
 * How far `place --policy libvirt` gets libvirt's own placement: a report, not a test.
 * Runs the placement on every input of ../shared/corpus/libvirt/ and ../shared/corpus/libvirt-upstream/
 * that has an expected output (`NAME.<arch>-latest.xml`) for pseries, q35, aarch64 virt or i440fx,
 * compares device by device (test/support/placement-compare.ts, the comparison of
 * test/placement-corpus.test.ts), and prints matches per family, the first difference of every
 * mismatch, and the kinds of difference by count. Hosts are libvirt's mock host (virpcimock).
 *
 * Run: npx tsx scripts/corpus-report.ts [--quiet]   (--quiet: figures and kinds only)
 *
 * With --dir DIR it reads libvirt test files fetched elsewhere instead (a flat directory of
 * NAME.xml inputs with NAME.<arch>-latest.xml expected outputs or NAME.<arch>-latest.err refusals,
 * with or without the corpus' `qemuxmlconfdata__` prefix), and also tabulates the verdicts: refused by
 * libvirt with a pcitopo error (and its rules) or clean (a miss); accepted with a pcitopo error (a
 * false alarm), the placement matching or its first difference. Nothing of DIR is kept.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Design, Host, MachineFamily } from '../src/engine/index.ts';
import { createDesign, importHost, machineFamily, placeWithReport, validate } from '../src/engine/index.ts';
import type { Difference } from '../test/support/placement-compare.ts';
import { firstDifference } from '../test/support/placement-compare.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CORPUS = path.resolve(ROOT, '..', 'shared', 'corpus');
const DIRS = ['libvirt', 'libvirt-upstream'];
const FAMILIES: readonly MachineFamily[] = ['pseries', 'q35', 'virt', 'i440fx'];
const OUTPUT = /^(.*)\.([a-z0-9_]+)-latest\.xml$/;
const ERR = /^(.*)\.([a-z0-9_]+)-latest\.err$/;

interface Row {
  readonly name: string;
  readonly family: MachineFamily;
  readonly difference: Difference | undefined;
}

function load(file: string, host: Host): Design | string {
  const r = createDesign(fs.readFileSync(file, 'utf8'), host, path.basename(file));
  return r.ok ? r.value : `${path.basename(file)}: ${r.error.message}`;
}

function run(): void {
  const hostFile = path.join(CORPUS, 'libvirt-mock-host.nodedev.xml');
  if (!fs.existsSync(hostFile)) {
    console.error(`${CORPUS} not found: the corpus report needs ../shared next to the checkout`);
    process.exit(2);
  }
  const hostResult = importHost(fs.readFileSync(hostFile, 'utf8'), 'libvirt-mock-host.nodedev.xml');
  if (!hostResult.ok) throw new Error(hostResult.error.message);
  const host = hostResult.value;

  const rows: Row[] = [];
  for (const dir of DIRS) {
    const files = fs.readdirSync(path.join(CORPUS, dir)).sort();
    const inputs = new Set(files.filter((f) => f.endsWith('.xml') && !/-latest(\.abi-update)?\.xml$/.test(f)));
    for (const out of files) {
      const m = OUTPUT.exec(out);
      if (!m || m[1]?.endsWith('.abi-update')) continue;
      const inputFile = `${m[1]}.xml`;
      if (!inputs.has(inputFile)) continue;
      const name = `${dir}/${(m[1] ?? '').replace(/^qemuxmlconfdata__/, '')}`;
      const expected = load(path.join(CORPUS, dir, out), host);
      if (typeof expected === 'string') continue;
      const family = machineFamily(expected.guest);
      if (!FAMILIES.includes(family)) continue;
      const input = load(path.join(CORPUS, dir, inputFile), host);
      if (typeof input === 'string') {
        rows.push({ name, family, difference: { kind: 'input not read', text: input } });
        continue;
      }
      let difference: Difference | undefined;
      try {
        const r = placeWithReport(input, { policy: 'libvirt' });
        const inputFamily = machineFamily(input.guest);
        difference =
          inputFamily === 'other'
            ? { kind: `machine not recognised in the input (${input.guest.machine === undefined ? 'no machine written' : `'${input.guest.machine}'`})`, text: r.notes.join('; ') }
            : firstDifference(input.guest.devices, r.design.guest, expected.guest);
      } catch (e) {
        difference = { kind: 'place threw', text: e instanceof Error ? e.message : String(e) };
      }
      rows.push({ name, family, difference });
    }
  }

  const quiet = process.argv.includes('--quiet');
  console.log('place --policy libvirt against libvirt 10.7 expected outputs (corpus/libvirt + corpus/libvirt-upstream)\n');
  let matched = 0;
  for (const f of FAMILIES) {
    const of = rows.filter((r) => r.family === f);
    const ok = of.filter((r) => !r.difference).length;
    matched += ok;
    console.log(`${f.padEnd(8)} ${String(ok).padStart(4)} of ${String(of.length).padStart(4)} match`);
  }
  console.log(`${'all'.padEnd(8)} ${String(matched).padStart(4)} of ${String(rows.length).padStart(4)} match\n`);

  if (!quiet) {
    console.log('First difference of each mismatch:');
    for (const r of rows) if (r.difference) console.log(`  ${r.name} [${r.family}] ${r.difference.kind}: ${r.difference.text}`);
    console.log('');
  }
  const kinds = new Map<string, number>();
  for (const r of rows) if (r.difference) kinds.set(r.difference.kind, (kinds.get(r.difference.kind) ?? 0) + 1);
  console.log('Kinds of first difference, by count:');
  for (const [kind, n] of [...kinds].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) console.log(`  ${String(n).padStart(4)}  ${kind}`);
}

/** --dir DIR: every input of DIR with its verdict (see the header). */
function runDir(dir: string, host: Host): void {
  const files = fs.readdirSync(dir).sort();
  const names = new Set(files);
  const verdicts = new Map<string, number>();
  const count = (k: string): void => void verdicts.set(k, (verdicts.get(k) ?? 0) + 1);
  const quiet = process.argv.includes('--quiet');
  for (const f of files) {
    if (!f.endsWith('.xml') || /-latest(\.abi-update)?\.xml$/.test(f)) continue;
    const base = f.slice(0, -'.xml'.length);
    const name = base.replace(/^qemuxmlconfdata__/, '');
    const err = files.find((x) => ERR.exec(x)?.[1] === base);
    const out = files.find((x) => OUTPUT.exec(x)?.[1] === base && names.has(x));
    const input = load(path.join(dir, f), host);
    let verdict: string;
    let detail = '';
    if (typeof input === 'string') {
      verdict = err ? 'refused: pcitopo refuses to read it' : 'accepted: pcitopo refuses to read it';
      detail = input;
    } else {
      const errors = validate(input).filter((x) => x.severity === 'error');
      const rules = [...new Set(errors.map((e) => e.ruleId))].join(', ');
      if (err) {
        verdict = errors.length ? 'refused: pcitopo error' : 'refused: pcitopo clean (miss)';
        detail = errors.length ? rules : fs.readFileSync(path.join(dir, err), 'utf8').trim();
      } else if (errors.length) {
        verdict = out ? 'accepted: pcitopo error (false alarm)' : 'accepted (no expected output): pcitopo error';
        detail = errors.map((e) => `${e.ruleId}: ${e.message}`).join(' | ');
      } else if (!out) {
        verdict = 'accepted (no expected output): clean';
      } else {
        const expected = load(path.join(dir, out), host);
        const difference = typeof expected === 'string' ? { kind: 'expected output not read', text: expected } : firstDifference(input.guest.devices, placeWithReport(input, { policy: 'libvirt' }).design.guest, expected.guest);
        verdict = difference ? 'accepted: placement differs' : 'accepted: placement matches';
        detail = difference ? `${difference.kind}: ${difference.text}` : '';
      }
    }
    count(verdict);
    if (!quiet) console.log(`${name.padEnd(44)} ${verdict}${detail ? `  [${detail}]` : ''}`);
  }
  console.log(`\nVerdicts over ${dir}:`);
  for (const [k, n] of [...verdicts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))) console.log(`  ${String(n).padStart(4)}  ${k}`);
}

const dirAt = process.argv.indexOf('--dir');
if (dirAt >= 0) {
  const dir = process.argv[dirAt + 1];
  if (!dir || !fs.existsSync(dir)) {
    console.error('--dir needs a directory of libvirt test files');
    process.exit(2);
  }
  const hostResult = importHost(fs.readFileSync(path.join(CORPUS, 'libvirt-mock-host.nodedev.xml'), 'utf8'), 'libvirt-mock-host.nodedev.xml');
  if (!hostResult.ok) throw new Error(hostResult.error.message);
  runDir(dir, hostResult.value);
} else {
  run();
}
