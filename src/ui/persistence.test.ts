import { describe, expect, it } from 'vitest';
import { createDesign, demoDesign, DEMO_HOST_XML, exportDomain, importHost } from '../engine/index.ts';
import type { DocState } from '../store/index.ts';
import { HISTORY_MAX_STEPS, historyOf, historyStates, LADDER, migrateSnapshot, parseSnapshot, readSnapshotText, sameDesign, SNAPSHOT_VERSION, snapshotName, snapshotOf, whyNotSaved } from './persistence.ts';

const T = '2026-01-02T03:04:05.000Z';

describe('the snapshot (version 3: a workspace of guests)', () => {
  it('holds a list of one guest for today’s designer, with the pristine flag and the imported text when XML edits changed it', () => {
    const design = demoDesign();
    const s = snapshotOf({ design, hostText: DEMO_HOST_XML, file: 'demo.xml', label: 'Open the demo', pristine: true }, new Date(T));
    expect(s).toEqual({ v: 3, guests: [{ domain: exportDomain(design), file: 'demo.xml' }], active: 0, host: DEMO_HOST_XML, label: 'Open the demo', pristine: true, savedAt: T });
    expect(parseSnapshot(JSON.stringify(s))).toEqual(JSON.parse(JSON.stringify(s)));
    const edited = snapshotOf({ design, label: 'Edit the XML', baseline: '<domain/>' });
    expect(edited.guests[0]?.baseline).toBe('<domain/>');
    expect(edited.pristine).toBe(false);
    expect(snapshotName(s)).toBe('p9-demo');
  });

  it('reads several guests and names the active one', () => {
    const s = { v: 3, guests: [{ domain: '<domain><name>a</name></domain>' }, { domain: '<domain><name>b</name></domain>' }], active: 1, pristine: false, savedAt: T };
    const r = readSnapshotText(JSON.stringify(s));
    expect(r).toMatchObject({ ok: true, from: 3 });
    expect(r?.ok && snapshotName(r.snapshot)).toBe('b and 1 more guests');
  });
});

describe('the libvirt release the design is placed as (issue 12: optional in version 3)', () => {
  it('is written only when set, and read back', () => {
    const design = demoDesign();
    const set = snapshotOf({ design, label: 'x', libvirtVersion: '9.0' }, new Date(T));
    expect(set.libvirtVersion).toBe('9.0');
    expect(parseSnapshot(JSON.stringify(set))?.libvirtVersion).toBe('9.0');
    expect('libvirtVersion' in snapshotOf({ design, label: 'x' }, new Date(T))).toBe(false);
    expect('libvirtVersion' in snapshotOf({ design, label: 'x', libvirtVersion: undefined }, new Date(T))).toBe(false);
  });

  it('a snapshot saved before the setting existed reads unchanged, at the same version (no rung added)', () => {
    const old = { v: 3, guests: [{ domain: 'd', file: 'a.xml' }], active: 0, host: 'h', label: 'Add a vPHB', pristine: false, savedAt: T };
    expect(readSnapshotText(JSON.stringify(old))).toEqual({ ok: true, from: 3, snapshot: old });
    expect(SNAPSHOT_VERSION).toBe(3);
  });

  it('a value that is not a libvirt release is refused with the reason', () => {
    const ok3 = { v: 3, guests: [{ domain: 'd' }], active: 0, pristine: false, savedAt: T };
    for (const bad of [9, 'latest', '']) {
      expect(migrateSnapshot({ ...ok3, libvirtVersion: bad })).toEqual({ ok: false, reason: 'libvirtVersion is not a libvirt release such as 9.0 (version 3)' });
    }
    expect(migrateSnapshot({ ...ok3, libvirtVersion: '10.7.0' })).toMatchObject({ ok: true });
  });
});

describe("the host file's encoding (issue 11: optional in version 3, as each guest's encoding)", () => {
  const design = demoDesign();
  it('is written only when set and only with a host, and read back', () => {
    const set = snapshotOf({ design, label: 'x', hostText: 'h', hostEncoding: 'UTF-16LE' }, new Date(T));
    expect([set.host, set.hostEncoding]).toEqual(['h', 'UTF-16LE']);
    expect(parseSnapshot(JSON.stringify(set))?.hostEncoding).toBe('UTF-16LE');
    expect('hostEncoding' in snapshotOf({ design, label: 'x', hostText: 'h' }, new Date(T))).toBe(false);
    expect('hostEncoding' in snapshotOf({ design, label: 'x', hostEncoding: 'UTF-16LE' }, new Date(T))).toBe(false);
  });

  it('a snapshot saved before it existed reads unchanged, at the same version (no rung added), its host as its text declares', () => {
    const old = { v: 3, guests: [{ domain: 'd', file: 'a.xml', encoding: 'UTF-16BE' }], active: 0, host: 'h', label: 'Import host', pristine: false, savedAt: T };
    const r = readSnapshotText(JSON.stringify(old));
    expect(r).toEqual({ ok: true, from: 3, snapshot: old });
    expect(r?.ok && 'hostEncoding' in r.snapshot).toBe(false);
  });

  it('an unknown encoding, or one without a host, is refused with the reason (the snapshot and its undo steps)', () => {
    const ok3 = { v: 3, guests: [{ domain: 'd' }], active: 0, host: 'h', pristine: false, savedAt: T };
    expect(migrateSnapshot({ ...ok3, hostEncoding: 'utf-16' })).toEqual({ ok: false, reason: 'hostEncoding is not an encoding such as UTF-16LE (version 3)' });
    expect(migrateSnapshot({ ...ok3, host: undefined, hostEncoding: 'UTF-16LE' })).toEqual({ ok: false, reason: 'hostEncoding is there without a host (version 3)' });
    const step = { guests: [{ domain: 0 }], active: 0, host: 0, label: 'l', pristine: false };
    expect(migrateSnapshot({ ...ok3, history: { texts: ['t'], past: [{ ...step, hostEncoding: 'EBCDIC' }], future: [] } })).toEqual({ ok: false, reason: 'history.past[0].hostEncoding is not an encoding such as UTF-16LE (version 3)' });
    expect(migrateSnapshot({ ...ok3, history: { texts: ['t'], past: [{ ...step, hostEncoding: 'UTF-16BE' }], future: [] } })).toMatchObject({ ok: true });
  });

  it('the same texts with another host encoding are another design', () => {
    const a = snapshotOf({ design, label: 'x', hostText: 'h', hostEncoding: 'UTF-16LE' });
    expect(sameDesign(a, snapshotOf({ design, label: 'x', hostText: 'h' }))).toBe(false);
    expect(sameDesign(a, snapshotOf({ design, label: 'y', hostText: 'h', hostEncoding: 'UTF-16LE' }))).toBe(true);
  });
});

describe('the migration ladder', () => {
  it('has a rung for every version up to the current one, the last without a step up', () => {
    for (let v = 1; v < SNAPSHOT_VERSION; v++) expect(LADDER[v]?.up).toBeTypeOf('function');
    expect(LADDER[SNAPSHOT_VERSION]?.up).toBeUndefined();
  });

  it('lifts version 1, telling pristine designs by the labels version 1 wrote', () => {
    const v1 = (label: string) => JSON.stringify({ v: 1, domain: '<domain/>', file: 'a.xml', label, savedAt: T });
    expect(parseSnapshot(v1('Open the demo'))?.pristine).toBe(true);
    expect(parseSnapshot(v1('New q35 design'))?.pristine).toBe(true);
    expect(parseSnapshot(v1('Open a share link'))?.pristine).toBe(true);
    expect(readSnapshotText(v1('Add a vPHB'))).toEqual({ ok: true, from: 1, snapshot: { v: 3, guests: [{ domain: '<domain/>', file: 'a.xml' }], active: 0, host: undefined, label: 'Add a vPHB', pristine: false, savedAt: T } });
  });

  it('lifts version 2 to a workspace of one guest, keeping its baseline and host', () => {
    const v2 = { v: 2, domain: '<domain/>', host: '<device/>', file: 'a.xml', label: 'Edit the XML', pristine: false, baseline: '<domain></domain>', savedAt: T };
    expect(migrateSnapshot(v2)).toEqual({ ok: true, from: 2, snapshot: { v: 3, guests: [{ domain: '<domain/>', file: 'a.xml', baseline: '<domain></domain>' }], active: 0, host: '<device/>', label: 'Edit the XML', pristine: false, savedAt: T } });
  });

  it('refuses, saying what and where, every shape it cannot trust', () => {
    const why = (v: unknown) => {
      const r = typeof v === 'string' ? readSnapshotText(v) : migrateSnapshot(v);
      return r && !r.ok ? r.reason : 'read';
    };
    expect(readSnapshotText(null)).toBeNull();
    expect(why('not json')).toMatch(/^it is not valid JSON/);
    expect(why([1])).toBe('it is not a saved design');
    expect(why({ domain: '<domain/>' })).toBe('it has no version number');
    expect(why({ v: 0, domain: '<domain/>' })).toBe('its version 0 is unknown');
    expect(why({ v: 9, guests: [] })).toMatch(/saved by a newer pcitopo \(version 9; this one reads up to 3\)/);
    expect(why({ v: 2, savedAt: T, pristine: true })).toBe('domain is missing or not text (version 2)');
    expect(why({ v: 2, domain: 'd', savedAt: T })).toBe('pristine is not true or false (version 2)');
    expect(why({ v: 1, domain: 'd', savedAt: 'yesterday' })).toBe('savedAt is not a time (version 1)');
    expect(why({ v: 1, domain: 'd', host: 5, savedAt: T })).toBe('host is not text (version 1)');
    const ok3 = { v: 3, guests: [{ domain: 'd' }], active: 0, pristine: false, savedAt: T };
    expect(why(ok3)).toBe('read');
    expect(why({ ...ok3, guests: [] })).toBe('guests is not a list of at least one guest (version 3)');
    expect(why({ ...ok3, guests: [{ file: 'x' }] })).toBe('guests[0].domain is missing or not text (version 3)');
    expect(why({ ...ok3, active: 1 })).toBe('active is not one of the guests (version 3)');
    expect(why({ ...ok3, rev: -1 })).toBe('rev is not a revision number (version 3)');
    expect(why({ ...ok3, history: { texts: ['d'], past: [{ guests: [{ domain: 4 }], active: 0, label: 'x', pristine: false }], future: [] } })).toBe('history.past[0].guests[0].domain is not a saved text (version 3)');
    expect(why({ ...ok3, history: { texts: [7], past: [], future: [] } })).toBe('history.texts[0] is not text (version 3)');
  });
});

describe('the undo history kept with the autosave', () => {
  const host = importHost(DEMO_HOST_XML, 'host');
  const doc = (n: number): DocState => {
    const r = createDesign(`<domain type='kvm'><name>step-${n}</name><os><type arch='ppc64le' machine='pseries'>hvm</type></os><devices></devices></domain>`, host.ok ? host.value : undefined, 'd.xml');
    if (!r.ok) throw new Error(r.error.message);
    return { design: r.value, hostText: DEMO_HOST_XML, file: 'd.xml', label: `step ${n}`, pristine: n === 0 };
  };

  it('round-trips past and future, storing a text shared by many steps once', () => {
    const past = [doc(0), doc(1), doc(2)];
    const future = [doc(4)];
    const h = historyOf(past, future);
    expect(h.texts.filter((t) => t === DEMO_HOST_XML)).toHaveLength(1);
    const back = historyStates(h);
    expect(back.past.map((s) => s.label)).toEqual(['step 0', 'step 1', 'step 2']);
    expect(back.future.map((s) => s.label)).toEqual(['step 4']);
    expect(back.past[0]).toMatchObject({ pristine: true, host: DEMO_HOST_XML, guests: [{ domain: exportDomain(past[0]!.design), file: 'd.xml' }] });
    const r = migrateSnapshot(JSON.parse(JSON.stringify({ ...snapshotOf(doc(3)), history: h })));
    expect(r.ok).toBe(true);
  });

  it('keeps the steps nearest the present within the step and size caps', () => {
    const past = Array.from({ length: HISTORY_MAX_STEPS + 10 }, (_, i) => doc(i));
    const h = historyOf(past, [doc(999)]);
    expect(h.past.length + h.future.length).toBe(HISTORY_MAX_STEPS);
    expect(historyStates(h).past.at(-1)?.label).toBe(`step ${HISTORY_MAX_STEPS + 9}`);
    expect(historyStates(h).future[0]?.label).toBe('step 999');
    // a cap of characters: the host (shared) and a few domains fit, older steps do not
    const one = exportDomain(past[0]!.design).length;
    const small = historyOf(past, [], 100, DEMO_HOST_XML.length + 3 * one + 10);
    expect(small.past.length).toBe(3);
    expect(historyStates(small).past.map((s) => s.label)).toEqual([`step ${HISTORY_MAX_STEPS + 7}`, `step ${HISTORY_MAX_STEPS + 8}`, `step ${HISTORY_MAX_STEPS + 9}`]);
    expect(historyOf(past, [], 100, 10).past).toEqual([]);
  });
});

describe('why a write failed', () => {
  it('names a full quota, a closed store and a refusal', () => {
    expect(whyNotSaved(new DOMException('full', 'QuotaExceededError'))).toContain('full');
    expect(whyNotSaved(new DOMException('closed', 'InvalidStateError'))).toContain('closed');
    expect(whyNotSaved(new DOMException('no', 'SecurityError'))).toContain('refused');
  });
});
