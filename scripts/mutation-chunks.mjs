// The mutation run in chunks (issue 11): Stryker over one source file at a time, each with its own
// json report under reports/mutation/files/, so a run stopped at any point resumes where it was.
// `npm run mutation` stays the whole run in one Stryker process; this runs the same configuration
// (stryker.config.mjs: folders, case-table ranges, perTest coverage, concurrency 1), niced.
//
//   npm run mutation:chunks [-- [--force] [--dry] [substring ...]]
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

const args = process.argv.slice(2);
const force = args.includes('--force');
const dry = args.includes('--dry');
const picks = args.filter((a) => !a.startsWith('--'));

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

const entries = config.mutate.filter((e) => picks.length === 0 || picks.some((p) => e.includes(p)));
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

for (const [i, entry] of todo.entries()) {
  const file = fileOf(entry);
  const base = reportBase(file);
  const hash = sha256(file);
  const suite = suiteOf(['--mutate', entry]);
  // an incremental file made against another suite holds results that suite gave: not reused
  const previous = fs.existsSync(`${base}.meta.json`) ? JSON.parse(fs.readFileSync(`${base}.meta.json`, 'utf8')) : undefined;
  if (previous && (previous.suite ?? 'all') !== suite) fs.rmSync(`${base}.incremental.json`, { force: true });
  // a run that finds its incremental file re-tests only what changed: its time is no per-mutant figure
  const reused = fs.existsSync(`${base}.incremental.json`);
  const started = Date.now();
  console.log(`\n[${i + 1}/${todo.length}] ${entry}, judged by the ${suite} suite  (${new Date().toISOString()})`);
  const run = spawnSync(
    'nice',
    ['-n', '15', process.execPath, 'node_modules/@stryker-mutator/core/bin/stryker.js', 'run', 'stryker.config.mjs',
      '--mutate', entry, '--concurrency', '1', '--reporters', 'json,clear-text,progress-append-only'],
    {
      stdio: 'inherit',
      env: { ...process.env, PCITOPO_MUTATION_SUITE: suite, PCITOPO_MUTATION_JSON: `${base}.partial.json`, PCITOPO_MUTATION_INCREMENTAL: `${base}.incremental.json` },
    },
  );
  if (run.status !== 0 || !fs.existsSync(`${base}.partial.json`)) {
    console.error(`mutation-chunks: Stryker failed on ${entry} (exit ${run.status ?? run.signal}); stopping.`);
    process.exit(1);
  }
  fs.renameSync(`${base}.partial.json`, `${base}.json`);
  const report = JSON.parse(fs.readFileSync(`${base}.json`, 'utf8'));
  const mutants = Object.values(report.files).reduce((n, f) => n + f.mutants.length, 0);
  const seconds = Math.round((Date.now() - started) / 1000);
  fs.writeFileSync(`${base}.meta.json`, JSON.stringify({ file, entry, suite, sha256: hash, finishedAt: new Date().toISOString(), seconds, mutants, incremental: reused }, null, 2) + '\n');
  console.log(`mutation-chunks: ${file}: ${mutants} mutants in ${seconds} s`);
  spawnSync(process.execPath, ['scripts/mutation-summary.mjs'], { stdio: 'inherit' });
}
