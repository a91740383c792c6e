/**
 * The long run of the differential check (scripts/differential.mjs): many designs per family, the
 * agreement figures, and each kind of disagreement with its smallest design.
 *
 *   npm run differential -- --seed S --count N [--family F[,F]] [--jobs J] [--batch B]
 *                           [--no-shrink] [--fixtures DIR] [--json FILE]
 * With --fixtures DIR, the kinds DIR has no smallest design for yet are shrunk and added there.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Family, GeneratedDesign } from '../support/generate-design.ts';
import { FAMILIES, domainXml, generateDesign, hostXml } from '../support/generate-design.ts';
import type { DesignResult } from './differential.ts';
import { kindsOf, loadFixtures, primaryAtom, runDesigns, shrink } from './differential.ts';
import { KNOWN_DISAGREEMENTS } from './differential-known.ts';

export interface FamilyTally {
  designs: number;
  /** libvirt defined it (placement compared) */
  defined: number;
  placementAgree: number;
  verdictAgree: number;
  /** pcitopo error / libvirt+QEMU refuse */
  bothRefuse: number;
  bothAccept: number;
  onlyPcitopo: number;
  onlyReal: number;
  /** the sandbox failed: no verdict */
  internal: number;
}

export interface KindSummary {
  kind: string;
  count: number;
  known: boolean;
  examples: string[];
  first: DesignResult & { design: GeneratedDesign };
  smallest?: GeneratedDesign | undefined;
  smallestResult?: DesignResult | undefined;
}

/** Runs designs in batches of `batch`, `jobs` sandboxes at a time. */
export async function runMany(designs: readonly GeneratedDesign[], batch: number, jobs: number, onBatch?: (done: number) => void): Promise<DesignResult[]> {
  const batches: GeneratedDesign[][] = [];
  for (let i = 0; i < designs.length; i += batch) batches.push(designs.slice(i, i + batch));
  const results: DesignResult[][] = new Array(batches.length);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    while (next < batches.length) {
      const k = next++;
      results[k] = await runDesigns(batches[k] as GeneratedDesign[]);
      done += (batches[k] as GeneratedDesign[]).length;
      onBatch?.(done);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, jobs) }, worker));
  return results.flat();
}

export function tally(results: readonly DesignResult[]): Map<Family, FamilyTally> {
  const out = new Map<Family, FamilyTally>();
  for (const r of results) {
    const f = r.family;
    let t = out.get(f);
    if (!t) out.set(f, (t = { designs: 0, defined: 0, placementAgree: 0, verdictAgree: 0, bothRefuse: 0, bothAccept: 0, onlyPcitopo: 0, onlyReal: 0, internal: 0 }));
    t.designs++;
    if (r.real.internal) {
      t.internal++;
      continue;
    }
    if (r.placement) {
      t.defined++;
      if (!r.placement.length) t.placementAgree++;
    }
    if (r.verdict.agree) t.verdictAgree++;
    if (r.pcitopoRefuses && r.realRefuses) t.bothRefuse++;
    else if (r.pcitopoRefuses) t.onlyPcitopo++;
    else if (r.realRefuses) t.onlyReal++;
    else t.bothAccept++;
  }
  return out;
}

export function groupKinds(results: readonly DesignResult[]): KindSummary[] {
  const known = new Set(KNOWN_DISAGREEMENTS.map((k) => k.kind));
  const by = new Map<string, KindSummary>();
  for (const r of results) {
    if (r.real.internal) continue;
    for (const k of kindsOf(r)) {
      let s = by.get(k);
      if (!s) {
        if (!r.design) continue;
        by.set(k, (s = { kind: k, count: 0, known: known.has(k), examples: [], first: { ...r, design: r.design } }));
      }
      s.count++;
      if (s.examples.length < 5) s.examples.push(r.name);
    }
  }
  return [...by.values()].sort((a, b) => b.count - a.count || a.kind.localeCompare(b.kind));
}

const pct = (a: number, b: number): string => (b ? `${((100 * a) / b).toFixed(1)}%` : '-');

export function formatTally(t: Map<Family, FamilyTally>): string {
  const rows = [['family', 'designs', 'defined', 'placement agree', 'verdict agree', 'both refuse', 'both accept', 'only pcitopo errs', 'only libvirt/QEMU refuse', 'sandbox failed']];
  const total: FamilyTally = { designs: 0, defined: 0, placementAgree: 0, verdictAgree: 0, bothRefuse: 0, bothAccept: 0, onlyPcitopo: 0, onlyReal: 0, internal: 0 };
  const row = (name: string, x: FamilyTally): string[] => [
    name,
    String(x.designs),
    String(x.defined),
    `${x.placementAgree}/${x.defined} (${pct(x.placementAgree, x.defined)})`,
    `${x.verdictAgree}/${x.designs - x.internal} (${pct(x.verdictAgree, x.designs - x.internal)})`,
    String(x.bothRefuse),
    String(x.bothAccept),
    String(x.onlyPcitopo),
    String(x.onlyReal),
    String(x.internal),
  ];
  for (const [f, x] of t) {
    rows.push(row(f, x));
    for (const k of Object.keys(total) as Array<keyof FamilyTally>) total[k] += x[k];
  }
  rows.push(row('all', total));
  const w = (rows[0] as string[]).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(w[i] ?? 0)).join('  ').trimEnd()).join('\n');
}

/** What each side said about one design, for people. */
export function describe(r: DesignResult): string {
  const lines: string[] = [];
  const d = r.design;
  if (d?.mutation) lines.push(`${d.shrunkFrom ? `shrunk from ${d.shrunkFrom}, generated with` : 'generated with'} the mutation: ${d.mutation}`);
  else if (d?.shrunkFrom) lines.push(`shrunk from ${d.shrunkFrom}`);
  const p = r.pcitopo;
  if (p.readError) lines.push(`pcitopo: cannot read it: ${p.readError}`);
  else {
    const errs = [...p.errors, ...p.excepted];
    lines.push(errs.length ? `pcitopo validate: ${errs.map((f) => `${f.ruleId}: ${f.message}`).join(' | ')}` : 'pcitopo validate: no error');
  }
  if (r.real.defineError) lines.push(`libvirt define: refused: ${r.real.defineError.replace(/\n/g, ' | ')}`);
  else if (r.real.startError) lines.push(`libvirt define: accepted; QEMU start: refused: ${r.real.startError.replace(/\n/g, ' | ')}`);
  else if (r.real.internal) lines.push(`sandbox: ${r.real.internal}`);
  else lines.push('libvirt define and QEMU start: accepted');
  const primary = primaryAtom(r.placement ?? []);
  if (primary) lines.push(`placement, primary difference: ${primary.detail}`);
  for (const a of r.placement ?? []) if (a !== primary) lines.push(`placement: ${a.detail}`);
  return lines.join('\n');
}

const slug = (s: string): string =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 90)
    .replace(/-$/, '');

/** The smallest design of a kind as a file: the domain, with what both sides said in a comment. */
export function fixtureText(s: KindSummary): { name: string; xml: string; host?: string | undefined } {
  const d = s.smallest ?? s.first.design;
  const r = s.smallestResult ?? s.first;
  const [area, family] = s.kind.split(' | ');
  const name = `${family}-${area}-${slug(s.kind.split(' | ').slice(2).join(' '))}`;
  const comment = [
    `kind: ${s.kind}`,
    `seen in ${s.count} generated designs (e.g. ${s.examples.join(', ')}); libvirt 9.0 + QEMU 7.2`,
    ...describe(r).split('\n'),
    ...(hostXml(d) ? [`host: ${name}.host.xml`] : []),
  ]
    .map((l) => `  ${l.replace(/--/g, '- -')}`)
    .join('\n');
  return { name, xml: `<!-- differential check, smallest design of one kind of disagreement\n${comment}\n-->\n${domainXml({ ...d, name })}`, host: hostXml(d) };
}

/** INDEX.md of a fixtures directory: one row per smallest design, from the files' `kind:` lines. */
export function writeIndex(dir: string): void {
  const rows = loadFixtures(dir).map((f) => `| ${f.file} | ${f.kind.replace(/\|/g, '/')} |`);
  fs.writeFileSync(
    path.join(dir, 'INDEX.md'),
    `# Smallest designs per kind of disagreement\n\nWritten by \`npm run differential -- --seed S --count N --fixtures test/real/fixtures/differential\` (libvirt 9.0, QEMU 7.2): each run adds the kinds the directory has no design for yet.\nEach file starts with a comment: the kind, what pcitopo said, what libvirt/QEMU did. The causes: docs/differential.md.\n\n| file | kind |\n|---|---|\n${rows.join('\n')}\n`,
  );
}

function arg(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

export async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(
      'usage: npm run differential -- --seed S --count N [--family pseries,q35,virt,i440fx] [--jobs 2] [--batch 20] [--no-shrink] [--fixtures DIR] [--json FILE]\n',
    );
    return 0;
  }
  const seed = Number(arg(argv, '--seed') ?? 1);
  const count = Number(arg(argv, '--count') ?? 20);
  const families = (arg(argv, '--family')?.split(',') ?? FAMILIES) as Family[];
  for (const f of families) if (!FAMILIES.includes(f)) throw new Error(`--family: ${f} is not one of ${FAMILIES.join(', ')}`);
  if (!Number.isInteger(seed) || !Number.isInteger(count) || count < 1) throw new Error('--seed and --count take whole numbers (count >= 1)');
  const jobs = Number(arg(argv, '--jobs') ?? 2);
  const batch = Number(arg(argv, '--batch') ?? 20);
  const fixtures = arg(argv, '--fixtures');
  const jsonOut = arg(argv, '--json');

  const designs: GeneratedDesign[] = [];
  for (let n = 0; n < count; n++) for (const f of families) designs.push(generateDesign(seed, n, f));
  const t0 = Date.now();
  const results = await runMany(designs, batch, jobs, (done) => process.stderr.write(`\r${done}/${designs.length} designs (${((Date.now() - t0) / 1000).toFixed(0)} s)`));
  process.stderr.write('\n');
  const out: string[] = [];
  out.push(`differential check: seed ${seed}, ${count} designs per family, libvirt 9.0 + QEMU 7.2 here, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  out.push('', formatTally(tally(results)));
  const kinds = groupKinds(results);
  out.push('', `${kinds.length} kinds of disagreement (${kinds.filter((k) => !k.known).length} new):`);
  for (const k of kinds) out.push(`  ${String(k.count).padStart(4)}  ${k.known ? 'known' : 'NEW  '}  ${k.kind}`);
  process.stdout.write(`${out.join('\n')}\n`);

  // with --fixtures, only the kinds the directory has no design for yet are shrunk and written: the
  // directory is a regression set that grows over runs of several seeds, and the real stage tells
  // which of its designs now agree (those are removed by hand, with a test of the fixed behaviour)
  const have = new Set(fixtures ? loadFixtures(fixtures).map((f) => f.kind) : []);
  const toWrite = kinds.filter((k) => !have.has(k.kind));
  if (!argv.includes('--no-shrink')) {
    for (const k of fixtures ? toWrite : kinds) {
      process.stderr.write(`shrinking: ${k.kind}\n`);
      k.smallest = await shrink(k.first.design, k.kind);
      const [r] = await runDesigns([k.smallest]);
      k.smallestResult = r;
    }
  }
  const details: string[] = [];
  for (const k of kinds) {
    const d = k.smallest ?? k.first.design;
    const r = k.smallestResult ?? k.first;
    details.push('', `=== ${k.kind}`, `${k.count} designs, ${k.known ? 'known' : 'NEW'}; e.g. ${k.examples.join(', ')}${k.smallest ? `; smallest form (${d.items.length} items):` : ':'}`);
    details.push(describe(r), domainXml(d).trimEnd(), ...(hostXml(d) ? ['host:', (hostXml(d) as string).trimEnd()] : []));
  }
  process.stdout.write(`${details.join('\n')}\n`);

  if (fixtures) {
    fs.mkdirSync(fixtures, { recursive: true });
    for (const k of toWrite) {
      const f = fixtureText(k);
      fs.writeFileSync(path.join(fixtures, `${f.name}.xml`), f.xml);
      if (f.host) fs.writeFileSync(path.join(fixtures, `${f.name}.host.xml`), f.host);
    }
    writeIndex(fixtures);
    process.stderr.write(`fixtures: ${toWrite.length} written to ${fixtures}\n`);
  }
  if (jsonOut) {
    fs.writeFileSync(
      jsonOut,
      JSON.stringify(
        {
          seed,
          count,
          tally: Object.fromEntries(tally(results)),
          kinds: kinds.map((k) => ({ kind: k.kind, count: k.count, known: k.known, examples: k.examples, smallest: domainXml(k.smallest ?? k.first.design), said: describe(k.smallestResult ?? k.first) })),
        },
        null,
        2,
      ),
    );
  }
  return 0;
}
