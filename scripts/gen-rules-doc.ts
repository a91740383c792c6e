/**
 * Writes docs/rules.md, the rule catalog page, from the rule registry and
 * src/engine/rules/coverage.ts. `--check` only compares and exits 1 when the page is stale.
 * Run: npx tsx scripts/gen-rules-doc.ts [--check]
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RULES } from '../src/engine/rules/index.ts';
import { WORKSPACE_RULES } from '../src/engine/rules/workspace/index.ts';
import { catalogMarkdown } from '../src/engine/rules/coverage.ts';

const out = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'rules.md');
// the rules across the guests of a workspace are listed with the others
const text = catalogMarkdown([...RULES, ...WORKSPACE_RULES]);
const current = fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : undefined;
if (process.argv.includes('--check')) {
  if (current !== text) {
    console.error(`${out} is stale: run npx tsx scripts/gen-rules-doc.ts`);
    process.exit(1);
  }
  console.log(`${out} is up to date`);
} else if (current === text) {
  console.log(`${out} unchanged`);
} else {
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, text);
  console.log(`wrote ${out}`);
}
