// The mutation run in chunks (issue 11): Stryker over one source file at a time, each with its own
// json report under reports/mutation/files/, so a run stopped at any point resumes where it was.
// `npm run mutation` stays the whole run in one Stryker process; this runs the same configuration
// (stryker.config.mjs: folders, case-table ranges, perTest coverage, concurrency 1), niced.
//
//   npm run mutation:chunks [-- [--force] [--dry] [--batch N] [substring ...]]
//
// --errors-first: rule files of error severity first (what libvirt or QEMU refuses), then the rest.
// --batch N: up to N files of the same suite in one Stryker run (one start, one initial test run),
// its report then split into the same per-file reports. Worth it for rule files: under the `own`
// suite each rule's mutants run only that rule's tests whichever files share the run, so a batch
// gives each file the result its own run would, for one initial test run instead of N. A batch
// keeps its incremental file under reports/mutation/batches/ (named by its files), reused when the
// same batch runs again; a batch stopped midway leaves nothing (Stryker writes its reports at the end).
//
// A file is skipped when its report exists and was made from the same content of that source file
// (sha-256 in the .meta.json beside the report) against the same test suite (`rules` for a rule file,
// `all` otherwise: stryker.config.mjs suiteOf); --force runs it again (after new tests, to count
// the kills; Stryker's per-file incremental file then re-runs only the mutants whose tests changed).
// Substrings pick files ("placement/", "GEN-ADDR"). After each file the summary (docs/mutation.md)
// is rewritten. One chunked run at a time: reports/mutation/chunks.lock holds its pid.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import config, { suiteOf } from '../stryker.config.mjs';

const OUT = 'reports/mutation/files';
const LOCK = 'reports/mutation/chunks.lock';
const BATCHES = 'reports/mutation/batches';

const args = process.argv.slice(2);
const force = args.includes('--force');
const dry = args.includes('--dry');
const batchAt = args.indexOf('--batch');
const batchSize = batchAt >= 0 ? Math.max(1, Number(args[batchAt + 1]) || 1) : 1;
const picks = args.filter((a, i) => !a.startsWith('--') && !(batchAt >= 0 && i === batchAt + 1));

/** `src/engine/rules/GEN-ADDR-1.ts:1-29` -> `src/engine/rules/GEN-ADDR-1.ts` */
const fileOf = (entry) => entry.replace(/:\d+-\d+$/, '');
/** the report's base name: the path with `/` as `__` */
export const reportBase = (file) => path.join(OUT, file.replaceAll('/', '__'));
const sha256 = (file) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function takeLock() {
  fs.mkdirSync(OUT, { recursive: true });
  if (fs.existsSync(LOCK)) {
    const pid = Number(fs.readFileSync(LOCK, 'utf8'));
    if (pid && alive(pid)) {
      console.error(`mutation-chunks: another chunked run is going (pid ${pid}, ${LOCK}); one Stryker at a time.`);
      process.exit(1);
    }
  }
  fs.writeFileSync(LOCK, String(process.pid));
  process.on('exit', () => fs.rmSync(LOCK, { force: true }));
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));
}

/** 0 for a rule file whose rule is an error (its meta's first `severity:`), else 1 */
const rank = (e) => (/severity: 'error'/.exec(fs.readFileSync(fileOf(e), 'utf8').match(/severity: '[a-z]+'/)?.[0] ?? '') ? 0 : 1);
const picked = config.mutate.filter((e) => picks.length === 0 || picks.some((p) => e.includes(p)));
// a stable sort: the config's order within each rank
const entries = args.includes('--errors-first') ? [...picked].sort((a, b) => rank(a) - rank(b)) : picked;
const todo = entries.filter((e) => {
  const file = fileOf(e);
  const meta = `${reportBase(file)}.meta.json`;
  if (force || !fs.existsSync(`${reportBase(file)}.json`) || !fs.existsSync(meta)) return true;
  const m = JSON.parse(fs.readFileSync(meta, 'utf8'));
  return m.sha256 !== sha256(file) || (m.suite ?? 'all') !== suiteOf(['--mutate', e]);
});
console.log(`mutation-chunks: ${entries.length} files, ${entries.length - todo.length} with a current report, ${todo.length} to run`);
if (dry) {
  for (const e of todo) console.log(`  ${e}`);
  process.exit(0);
}
takeLock();

/** consecutive entries of one suite, up to batchSize each */
const batches = [];
for (const e of todo) {
  const last = batches.at(-1);
  if (last && last.length < batchSize && suiteOf(['--mutate', last[0]]) === suiteOf(['--mutate', e])) last.push(e);
  else batches.push([e]);
}

for (const [i, batch] of batches.entries()) {
  const joined = batch.join(',');
  const suite = suiteOf(['--mutate', joined]);
  const single = batch.length === 1;
  const files = batch.map(fileOf);
  const hashes = Object.fromEntries(files.map((f) => [f, sha256(f)]));
  // one file: its own incremental file, as before; a batch: one named after its files
  const batchId = crypto.createHash('sha256').update(joined).digest('hex').slice(0, 16);
  const incremental = single ? `${reportBase(files[0])}.incremental.json` : path.join(BATCHES, `${batchId}.incremental.json`);
  const partial = single ? `${reportBase(files[0])}.partial.json` : path.join(BATCHES, `${batchId}.partial.json`);
  fs.mkdirSync(BATCHES, { recursive: true });
  // an incremental file made against another suite holds results that suite gave: not reused
  const previous = single && fs.existsSync(`${reportBase(files[0])}.meta.json`) ? JSON.parse(fs.readFileSync(`${reportBase(files[0])}.meta.json`, 'utf8')) : undefined;
  if (previous && (previous.suite ?? 'all') !== suite) fs.rmSync(incremental, { force: true });
  // a run that finds its incremental file re-tests only what changed: its time is no per-mutant figure
  const reused = fs.existsSync(incremental);
  const started = Date.now();
  console.log(`\n[${i + 1}/${batches.length}] ${single ? batch[0] : `${batch.length} files: ${files.map((f) => path.posix.basename(f)).join(' ')}`}, judged by the ${suite} suite  (${new Date().toISOString()})`);
  const run = spawnSync(
    'nice',
    ['-n', '19', process.execPath, 'node_modules/@stryker-mutator/core/bin/stryker.js', 'run', 'stryker.config.mjs',
      '--mutate', joined, '--concurrency', '1', '--reporters', 'json,clear-text,progress-append-only'],
    {
      stdio: 'inherit',
      env: { ...process.env, PCITOPO_MUTATION_SUITE: suite, PCITOPO_MUTATION_JSON: partial, PCITOPO_MUTATION_INCREMENTAL: incremental },
    },
  );
  if (run.status !== 0 || !fs.existsSync(partial)) {
    console.error(`mutation-chunks: Stryker failed on ${joined} (exit ${run.status ?? run.signal}); stopping.`);
    process.exit(1);
  }
  const report = JSON.parse(fs.readFileSync(partial, 'utf8'));
  fs.rmSync(partial);
  const seconds = Math.round((Date.now() - started) / 1000);
  const total = Object.values(report.files).reduce((n, f) => n + f.mutants.length, 0);
  for (const [j, file] of files.entries()) {
    const base = reportBase(file);
    // the report keys files by their path from the project root
    const own = report.files[file] ?? { language: 'typescript', source: '', mutants: [] };
    fs.writeFileSync(`${base}.json`, JSON.stringify({ ...report, files: { [file]: own } }));
    const mutants = own.mutants.length;
    // a batch's time shared by its files in proportion to their mutants (its initial run included)
    const share = single ? seconds : Math.round((seconds * mutants) / Math.max(1, total));
    const batchInfo = single ? {} : { batch: { id: batchId, files: files.length, seconds, mutants: total } };
    fs.writeFileSync(`${base}.meta.json`, JSON.stringify({ file, entry: batch[j], suite, sha256: hashes[file], finishedAt: new Date().toISOString(), seconds: share, mutants, incremental: reused, ...batchInfo }, null, 2) + '\n');
  }
  console.log(`mutation-chunks: ${files.length} file(s), ${total} mutants in ${seconds} s`);
  spawnSync(process.execPath, ['scripts/mutation-summary.mjs'], { stdio: 'inherit' });
}
