/**
 * How far `place --policy libvirt` gets libvirt's own placement: a report, not a test.
 * Runs the placement on every input of ../shared/corpus/libvirt/ and ../shared/corpus/libvirt-upstream/
 * that has an expected output (`NAME.<arch>-latest.xml`) for pseries, q35, aarch64 virt or i440fx,
 * compares device by device (test/support/placement-compare.ts, the comparison of
 * test/placement-corpus.test.ts), and prints matches per family, the first difference of every
 * mismatch, and the kinds of difference by count. Hosts are libvirt's mock host (virpcimock).
 *
 * Run: npx tsx scripts/corpus-report.ts [--quiet]   (--quiet: figures and kinds only)
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Design, Host, MachineFamily } from '../src/engine/index.ts';
import { createDesign, importHost, machineFamily, placeWithReport } from '../src/engine/index.ts';
import type { Difference } from '../test/support/placement-compare.ts';
import { firstDifference } from '../test/support/placement-compare.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CORPUS = path.resolve(ROOT, '..', 'shared', 'corpus');
const DIRS = ['libvirt', 'libvirt-upstream'];
const FAMILIES: readonly MachineFamily[] = ['pseries', 'q35', 'virt', 'i440fx'];
const OUTPUT = /^(.*)\.([a-z0-9_]+)-latest\.xml$/;

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

run();
