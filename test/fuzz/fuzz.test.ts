import fs from 'node:fs';
import path from 'node:path';
import { deflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createDesign, decodeShareLink } from '../../src/engine/index.ts';
import { toBase64Url } from '../../src/engine/share/link.ts';
import { sharedPath } from '../support/shared.ts';
import type { PlacementGap } from './fuzzkit.ts';
import { arbMutation, BUILT_IN_SEEDS, checkDomain, checkLink, checkUndo, demoHost, HOSTILE_NUMBERS, mutate } from './fuzzkit.ts';

/**
 * The bounded fuzz run of `npm test` (issue 11): a fixed seed and a fixed count, so it takes the
 * same few seconds every time and a failure reproduces. Longer runs: `npm run fuzz -- --seed N
 * --count N` (scripts/fuzz.ts). Invariants in fuzzkit.ts: no exception from import, validate,
 * place or share decoding, no rule failing, an unchanged import round-trips byte for byte, place
 * adds no error rule the design did not already break, undo to the start restores the exact document.
 */

const SEED = 20261129;
const HOST = demoHost();

/**
 * place must not make errors (issue 11): on a design with none, none at all; on a design that
 * already has some, no error rule the design did not already break. Longer runs of scripts/fuzz.ts
 * (seeds 7 and 11, 4000 inputs each) find none since place leaves unchanged a domain libvirt refuses
 * at its chipset's fixed functions (qemuDomainValidateDevicePCISlotsChipsetsError: GEN-ADDR-4 with
 * PC-PIIX3-2 / Q35-RSV-1) or one with a PCI controller no bus takes, which would take any bus place
 * adds (GEN-IDX-4 with GEN-CONNECT-1; placement/index.ts strandedController). Seeds 1-40 (4000
 * inputs each to 12, 20000 after) then found 50 in 23 seeds, of four kinds, none since: the rules
 * judge the guest libvirt defines when it adds a bus to a fully written design (rules/atDefine.ts
 * addsBuses: GEN-IDX-4) or places a member of a group (PAPR-ISO-5), GEN-ADDR-4 leaves out addresses
 * outside domain 0, and pe-per-phb gives a q35 video libvirt places before the controllers its
 * port first (placeOnErrors.test.ts).
 */
function judgeGaps(found: PlacementGap[]): void {
  expect(found.map((g) => `${g.policy}: ${g.added.join(', ')}`), 'place added error rules the design did not already break').toEqual([]);
}

function fuzzSeeds(seeds: ReadonlyArray<readonly [string, string]>, numRuns: number, seed: number): void {
  const gaps: PlacementGap[] = [];
  fc.assert(
    fc.property(fc.nat(), fc.array(arbMutation, { minLength: 1, maxLength: 3 }), fc.boolean(), (pick, muts, withHost) => {
      const [, base] = seeds[pick % seeds.length] as readonly [string, string];
      const text = muts.reduce(mutate, base);
      gaps.push(...checkDomain(text, withHost ? HOST : undefined));
      const d = createDesign(text);
      if (d.ok) checkUndo(d.value, muts);
    }),
    { seed, numRuns },
  );
  judgeGaps(gaps);
}

describe('fuzz: mutated documents through import, validate, place and undo', () => {
  it('the built-in templates and the demo', () => fuzzSeeds(BUILT_IN_SEEDS, 100, SEED));

  describe("libvirt's own test documents", () => {
    const corpus = sharedPath('the corpus fuzz run', 'corpus', 'libvirt');
    if (!corpus) return;
    const seeds = fs
      .readdirSync(corpus)
      .filter((f) => f.endsWith('.xml'))
      .sort()
      .map((f) => [f, fs.readFileSync(path.join(corpus, f), 'utf8')] as const);
    it(`${seeds.length} documents, mutated`, () => fuzzSeeds(seeds, 300, SEED + 1));
    it('every document unmutated', () => {
      const gaps: PlacementGap[] = [];
      for (const [, text] of seeds) gaps.push(...checkDomain(text, HOST));
      judgeGaps(gaps);
    });
  });

  it('hostile numbers in every address attribute of the demo', () => {
    const [, demo] = BUILT_IN_SEEDS[0] as readonly [string, string];
    // the first occurrence of each attribute libvirt reads as a number
    const attrs = [...demo.matchAll(/\b(domain|bus|slot|function|index|chassis|port|chassisNr|busNr|memReserve)=(['"])([^'"]*)\2/g)];
    const first = [...new Map(attrs.map((m, i) => [m[1], i] as const)).values()];
    expect(first.length).toBeGreaterThanOrEqual(5);
    for (const i of first) for (const [n] of HOSTILE_NUMBERS.entries()) checkDomain(mutate(demo, { kind: 0, at: i, pick: n }), HOST);
  });
});

describe('fuzz: share links', () => {
  it('links of mutated documents come back exactly, and damaged links are refused, never thrown', async () => {
    const runs = fc.sample(fc.tuple(fc.nat(), fc.array(arbMutation, { minLength: 1, maxLength: 2 }), arbMutation), { seed: SEED + 2, numRuns: 60 });
    for (const [pick, muts, damage] of runs) {
      const [, base] = BUILT_IN_SEEDS[pick % BUILT_IN_SEEDS.length] as readonly [string, string];
      await checkLink(muts.reduce(mutate, base), damage);
    }
  });

  it('arbitrary payloads decode to a design or a message', async () => {
    const deflated = (s: string): string => toBase64Url(deflateRawSync(Buffer.from(s)));
    const runs = fc.sample(
      fc.oneof(
        fc.string(),
        fc.uint8Array({ maxLength: 300 }).map((b) => toBase64Url(b)),
        fc.json().map(deflated),
        fc.record({ v: fc.oneof(fc.constant(1), fc.anything()), domain: fc.oneof(fc.string(), fc.anything()), host: fc.option(fc.string()), crc: fc.option(fc.string()) }).map((o) => deflated(JSON.stringify(o))),
      ),
      { seed: SEED + 3, numRuns: 300 },
    );
    for (const payload of runs) {
      const r = await decodeShareLink(`#/d/${payload}`);
      if (!r.ok) expect(r.error.message.length).toBeGreaterThan(10);
    }
  });
});
