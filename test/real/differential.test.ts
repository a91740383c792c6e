/**
 * The differential check in the real stage (issues 12 and 13): a fixed seed of generated designs per
 * machine family, each through pcitopo (`validate`, `place --policy libvirt`) and through the libvirt
 * 9.0 + QEMU 7.2 installed here (define, dumpxml --inactive, start paused under TCG). Every
 * disagreement must be one of KNOWN_DISAGREEMENTS (differential-known.ts), and every entry there
 * must still show: a fixed one is removed from the table. Long runs: scripts/differential.mjs.
 */
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkVerifyTools } from '../../src/cli/verify/index.ts';
import type { Family, GeneratedDesign } from '../support/generate-design.ts';
import { FAMILIES, domainXml, generateDesign } from '../support/generate-design.ts';
import { designOf } from '../support/designs.ts';
import type { DesignResult } from './differential.ts';
import { VERDICT_EXCEPTIONS, comparePlacement, hostDevicesVisible, kindsOf, loadFixtures, messageKind, runCases, runDesigns, schemaRefusals } from './differential.ts';
import { FIXTURES } from './cases.ts';
import { KNOWN_DISAGREEMENTS } from './differential-known.ts';
import { describe as said, groupKinds, runMany, tally } from './differential-run.ts';
import { place } from '../../src/engine/index.ts';

const SEED = 1;
/** designs per family: 80 designs in two sandboxes of 20 at a time, the fixtures in a third: 83 s for the designs, 222 s for the file under a load of 19 on 2 cores */
const COUNT = 20;

const designs = FAMILIES.flatMap((f) => Array.from({ length: COUNT }, (_, n) => generateDesign(SEED, n, f)));
let results: DesignResult[] = [];
/** the smallest design of each kind a long run found (scripts/differential.mjs --fixtures) */
const FIXTURE_DIR = path.join(FIXTURES, 'differential');
const fixtures = loadFixtures(FIXTURE_DIR);
let fixtureResults: DesignResult[] = [];
/**
 * the smallest designs of kinds that once disagreed and were fixed (GEN-USB-1, Q35-RP-3 on the
 * ports libvirt adds, GEN-IDX-4 on where libvirt places a downstream port): they must keep agreeing
 */
const AGREED_DIR = path.join(FIXTURES, 'differential-agreed');
const agreed = loadFixtures(AGREED_DIR);
let agreedResults: DesignResult[] = [];

describe('differential check: pcitopo against libvirt 9.0 + QEMU 7.2 on generated designs', () => {
  beforeAll(async () => {
    if (!checkVerifyTools().ok) return;
    [results, fixtureResults, agreedResults] = await Promise.all([runMany(designs, 20, 2), runCases(fixtures), runCases(agreed)]);
  }, 900_000);

  it('has libvirt and QEMU to run against (scripts/setup-real.sh)', () => {
    const t = checkVerifyTools();
    expect(t.missing, t.hint).toEqual([]);
    expect(results).toHaveLength(designs.length);
  });

  it("shows libvirt the designs' host devices (as root: a mount namespace with their sysfs)", () => {
    // without them libvirt takes every hostdev for PCIe and isolates none on pseries: not what a host with the devices does
    expect(hostDevicesVisible(), 'run the real stage as root (unshare -m must work)').toBe(true);
  });

  it("the generated designs are valid for libvirt's schema", () => {
    expect(schemaRefusals(designs.map((d) => ({ name: d.name, xml: domainXml(d) })))).toEqual([]);
    // the check itself sees a refusal
    expect(schemaRefusals([{ name: 'broken', xml: domainXml(designs[0] as GeneratedDesign).replace('<devices>', '<devices><controller/>') }])).toHaveLength(1);
  });

  it('every design got a verdict from libvirt and QEMU (no sandbox failure)', () => {
    expect(results.filter((r) => r.real.internal).map((r) => `${r.name}: ${r.real.internal}`)).toEqual([]);
  });

  it('each family has designs both sides accept and designs both refuse, and most designs are placed by libvirt', () => {
    const t = tally(results);
    for (const f of FAMILIES) {
      const x = t.get(f as Family);
      expect(x?.bothAccept, f).toBeGreaterThan(COUNT / 2);
      expect(x?.defined, f).toBeGreaterThan(COUNT / 2);
    }
    expect([...t.values()].reduce((s, x) => s + x.bothRefuse, 0)).toBeGreaterThan(0);
  });

  it('each smallest design of test/real/fixtures/differential still shows its kind of disagreement', () => {
    expect(fixtures.length).toBeGreaterThan(0);
    const stale = fixtures.filter((f, i) => {
      const r = fixtureResults[i];
      return !r || r.real.internal || !kindsOf(r).includes(f.kind);
    });
    expect(
      stale.map((f) => `${f.file}: ${f.kind}`),
      'these now agree (or show another kind): turn each into a test of the behaviour, then delete the file and its entry in differential-known.ts',
    ).toEqual([]);
  });

  it('each design of a kind that was fixed (test/real/fixtures/differential-agreed) no longer shows it, nor any unknown kind', () => {
    expect(agreed.length).toBeGreaterThan(0);
    expect(agreedResults).toHaveLength(agreed.length);
    const again = agreed.flatMap((f, i) => {
      const r = agreedResults[i];
      if (!r || r.real.internal) return [`${f.file}: no verdict from libvirt/QEMU (${r?.real.internal ?? 'not run'})`];
      // its old kind must not come back; anything else it shows must be a known kind (listed with its cause)
      const known = new Set(KNOWN_DISAGREEMENTS.map((k) => k.kind));
      const kinds = kindsOf(r).filter((k) => k === f.kind || !known.has(k));
      return kinds.length === 0 ? [] : [`${f.file}: was '${f.kind}', now ${kinds.join('; ')}`];
    });
    expect(again).toEqual([]);
  });

  it('shows no disagreement that is not in the known table', () => {
    const known = new Set(KNOWN_DISAGREEMENTS.map((k) => k.kind));
    const fresh = groupKinds(results)
      .filter((k) => !known.has(k.kind))
      .map((k) => `${k.kind}\n  ${k.count} designs, e.g. ${k.examples.join(', ')}\n  ${said(k.first).replace(/\n/g, '\n  ')}`);
    for (const [i, f] of fixtures.entries()) {
      const r = fixtureResults[i];
      for (const k of r ? kindsOf(r) : []) if (!known.has(k)) fresh.push(`${k}\n  fixture ${f.file}\n  ${said(r as DesignResult).replace(/\n/g, '\n  ')}`);
    }
    expect(fresh, 'new disagreements: fix them, or list them in differential-known.ts with the libvirt/QEMU behaviour and the issue').toEqual([]);
  });

  it('every known disagreement still shows (remove the ones that now agree)', () => {
    const seen = new Set([...results, ...fixtureResults].flatMap(kindsOf));
    expect(KNOWN_DISAGREEMENTS.filter((k) => !seen.has(k.kind)).map((k) => k.kind)).toEqual([]);
  });
});

describe('the known table', () => {
  it('lists each kind once, with the behaviour it is about and the issue that fixes it', () => {
    const kinds = KNOWN_DISAGREEMENTS.map((k) => k.kind);
    expect(new Set(kinds).size).toBe(kinds.length);
    for (const k of KNOWN_DISAGREEMENTS) {
      expect(k.kind).toMatch(/^(verdict|placement) \| (pseries|q35|virt|i440fx) \| ./);
      expect(k.about.length, k.kind).toBeGreaterThan(20);
      // the function that decides names libvirt's or QEMU's source file
      expect(k.decides, k.kind).toMatch(/\((libvirt |QEMU )?src\/|hw\/|softmmu\//);
      expect([11, 12, 13]).toContain(k.issue);
      // a version difference is a placement libvirt 10.7 makes as pcitopo does, never a verdict
      if (k.version) expect(k.kind, k.kind).toMatch(/^placement/);
    }
  });

  it('exceptions are rule ids with the reason the sandbox cannot judge them', () => {
    for (const [id, why] of Object.entries(VERDICT_EXCEPTIONS)) {
      expect(id).toMatch(/^[A-Z0-9]+(-[A-Z0-9]+)+$/);
      expect(why.length).toBeGreaterThan(20);
    }
  });
});

describe('the comparison notices what differs', () => {
  it('a placement that is not libvirt\'s (pe-per-phb instead of libvirt) is reported device by device', async () => {
    const d = designs.find((x) => x.family === 'q35' && !x.mutation && x.items.some((i) => i.host)) ?? designs[0];
    if (!d) throw new Error('no q35 design');
    const [r] = await runDesigns([{ ...d, name: `${d.name}-control` }], { start: false });
    const theirs = r?.real.normalized;
    expect(theirs).toBeDefined();
    const input = designOf(domainXml(d));
    const other = place(input, { policy: 'pe-per-phb', spare: 3 }).guest;
    const atoms = comparePlacement(other, designOf(theirs as string).guest);
    expect(atoms.length).toBeGreaterThan(0);
    expect(atoms.some((a) => a.kind.startsWith('controller pcie-root-port'))).toBe(true);
  });

  it('refusals group by their words, not by this design\'s numbers and names', () => {
    expect(messageKind("XML error: Multiple 'pci' controllers with index '1'")).toBe(messageKind("XML error: Multiple 'pci' controllers with index '7'"));
    expect(
      messageKind(
        `internal error: qemu unexpectedly closed the monitor: 2026-11-29T11:40:42.294796Z qemu-system-x86_64: -device {"driver":"pcie-root-port","port":9,"chassis":1,"id":"pci.2","bus":"pcie.0","addr":"0x1.0x1"}: Can't add chassis slot, error -16`,
      ),
    ).toBe('QEMU: Can\'t add chassis slot, error -N');
  });
});
