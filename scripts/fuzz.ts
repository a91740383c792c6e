#!/usr/bin/env -S node --import tsx
/**
 * Long fuzz runs (issue 11): `npm run fuzz -- --seed 7 --count 20000 [--out DIR] [--corpus DIR]`.
 * The same invariants as the bounded run in `npm test` (test/fuzz/fuzzkit.ts): mutated libvirt
 * corpus documents and templates through import, validate, place, share links and undo. Prints
 * one line per kind of failure with a count, writes each failing input to --out (default
 * fuzz-out/), and exits 1 when an invariant broke. Placement gaps (place adding an error to a
 * design with none) are listed apart, as they are placement's to fix.
 */
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { arbMutation, BUILT_IN_SEEDS, checkDomain, checkLink, checkUndo, demoHost, InvariantError, mutate } from '../test/fuzz/fuzzkit.ts';
import { createDesign } from '../src/engine/index.ts';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? (args[i + 1] as string) : fallback;
};
if (args.includes('--help')) {
  console.log('usage: npm run fuzz -- [--seed N] [--count N] [--out DIR] [--corpus DIR]');
  process.exit(0);
}
const seed = Number(opt('seed', String(Date.now() % 1e9)));
const count = Number(opt('count', '5000'));
const out = path.resolve(opt('out', 'fuzz-out'));
const corpusDir = path.resolve(opt('corpus', path.join(import.meta.dirname, '..', '..', 'shared', 'corpus', 'libvirt')));

const seeds: Array<readonly [string, string]> = [...BUILT_IN_SEEDS];
if (fs.existsSync(corpusDir)) for (const f of fs.readdirSync(corpusDir).filter((n) => n.endsWith('.xml')).sort()) seeds.push([f, fs.readFileSync(path.join(corpusDir, f), 'utf8')]);
else console.warn(`fuzz: ${corpusDir} is absent; fuzzing the built-in templates only`);
const host = demoHost();

const failures = new Map<string, number>();
const gaps = new Map<string, number>();
let saved = 0;
const keep = (kind: string, text: string): void => {
  failures.set(kind, (failures.get(kind) ?? 0) + 1);
  if (saved >= 200) return;
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, `${String(saved++).padStart(3, '0')}.xml`), `<!-- ${kind.replace(/--/g, '- -')} -->\n${text}`);
};

const t0 = Date.now();
const sample = fc.sample(fc.tuple(fc.nat(), fc.array(arbMutation, { minLength: 1, maxLength: 3 }), fc.boolean(), arbMutation), { seed, numRuns: count });
for (const [i, [pick, muts, withHost, extra]] of sample.entries()) {
  const [, base] = seeds[pick % seeds.length] as readonly [string, string];
  const text = muts.reduce(mutate, base);
  try {
    for (const g of checkDomain(text, withHost ? host : undefined)) {
      const k = `${g.policy}: ${g.added.join(', ')}`;
      gaps.set(k, (gaps.get(k) ?? 0) + 1);
      if ((gaps.get(k) ?? 0) <= 3) {
        fs.mkdirSync(path.join(out, 'gaps'), { recursive: true });
        fs.writeFileSync(path.join(out, 'gaps', `${k.replace(/[^A-Za-z0-9-]+/g, '_')}-${gaps.get(k)}${withHost ? '-host' : ''}.xml`), text);
      }
    }
    const d = createDesign(text, undefined);
    if (d.ok) checkUndo(d.value, muts);
    if (i % 10 === 0) await checkLink(text, extra);
  } catch (e) {
    const kind = e instanceof InvariantError ? e.message.split(':')[0] ?? e.message : `uncaught ${e instanceof Error ? e.name : 'throw'}`;
    keep(`${kind} (${e instanceof Error ? e.message.slice(0, 300) : String(e)})`, text);
  }
  if ((i + 1) % 1000 === 0) console.log(`fuzz: ${i + 1}/${count} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}

console.log(`fuzz: seed ${seed}, ${count} inputs from ${seeds.length} seeds, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
for (const [k, n] of [...failures].sort((a, b) => b[1] - a[1])) console.log(`FAIL ${n} × ${k}`);
for (const [k, n] of [...gaps].sort((a, b) => b[1] - a[1])) console.log(`place added errors ${n} × ${k}`);
if (failures.size) console.log(`failing inputs written to ${out}`);
process.exit(failures.size ? 1 : 0);
