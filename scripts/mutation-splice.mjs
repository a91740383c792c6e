// Check by hand, file by file, that new cases kill a rule's surviving mutants (issue 11;
// docs/mutation.md): for each mutant its report lists as survived or not covered, splice Stryker's
// replacement into the rule's source, run the given test files, record whether they fail, and put
// the source back. The mutant is found by its text with W characters either side (default 40), so
// a source edited since the report still takes the mutants of its unchanged parts ("moved" for the
// rest). The tests must pass without any mutant first.
//
//   node scripts/mutation-splice.mjs GEN-FS-1 test/mutation-cases/GEN-FS-1.test.ts
//   ONLY=104:17,105:272 W=12 node scripts/mutation-splice.mjs GEN-CONNECT-1 test/mutation-cases/GEN-CONNECT-1.test.ts
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

const [rule, ...tests] = process.argv.slice(2);
if (!rule || tests.length === 0) {
  console.error('usage: node scripts/mutation-splice.mjs RULE-ID|SOURCE-PATH test-file...');
  process.exit(2);
}
// a rule id, or a source path (src/engine/placement/finish.ts)
const src = rule.includes('/') ? rule : `src/engine/rules/${rule}.ts`;
const now = fs.readFileSync(src, 'utf8');
const report = JSON.parse(fs.readFileSync(`reports/mutation/files/${src.replaceAll('/', '__')}.json`, 'utf8'));
const reported = Object.values(report.files)[0];
const lines = reported.source.split('\n');
const offset = (p) => lines.slice(0, p.line - 1).reduce((n, l) => n + l.length + 1, 0) + p.column - 1;
const only = process.env.ONLY ? process.env.ONLY.split(',') : undefined;
const W = Number(process.env.W ?? 40);
const vitest = () => spawnSync('npx', ['vitest', 'run', ...tests], { encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } }).status !== 0;
const text = (m) => `${m.location.start.line}:${m.location.start.column} ${m.mutatorName}: ${(m.replacement ?? '').replace(/\s+/g, ' ').slice(0, 70)}`;

if (vitest()) {
  console.error('the tests fail without any mutant: fix them first');
  process.exit(1);
}
const mutants = reported.mutants
  .filter((m) => (m.status === 'Survived' || m.status === 'NoCoverage') && (!only || only.includes(`${m.location.start.line}:${m.location.start.column}`)))
  .sort((a, b) => a.location.start.line - b.location.start.line || a.location.start.column - b.location.start.column);
try {
  for (const m of mutants) {
    const a0 = offset(m.location.start);
    const b0 = offset(m.location.end);
    const around = reported.source.slice(Math.max(0, a0 - W), b0 + W);
    const at = now.indexOf(around);
    if (at < 0 || now.indexOf(around, at + 1) >= 0) {
      console.log(`moved   ${text(m)}`);
      continue;
    }
    const a = at + (a0 - Math.max(0, a0 - W));
    fs.writeFileSync(src, now.slice(0, a) + m.replacement + now.slice(a + (b0 - a0)));
    console.log(`${vitest() ? 'killed ' : 'lives  '} ${text(m)}`);
  }
} finally {
  fs.writeFileSync(src, now);
}
