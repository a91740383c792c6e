import { describe, expect, it } from 'vitest';
import { demoDesign, DEMO_HOST_XML, exportDomain } from '../engine/index.ts';
import { parseSnapshot, snapshotName, snapshotOf, trySnapshot, writeSnapshot } from './persistence.ts';

describe('the autosave snapshot', () => {
  it('carries the pristine flag and the imported text when XML edits changed it', () => {
    const design = demoDesign();
    const s = snapshotOf({ design, hostText: DEMO_HOST_XML, file: 'demo.xml', label: 'Open the demo', pristine: true }, new Date('2026-01-02T03:04:05Z'));
    expect(s).toEqual({ v: 2, domain: exportDomain(design), host: DEMO_HOST_XML, file: 'demo.xml', label: 'Open the demo', pristine: true, savedAt: '2026-01-02T03:04:05.000Z' });
    expect(parseSnapshot(JSON.stringify(s))).toEqual(s);
    const edited = snapshotOf({ design, label: 'Edit the XML', baseline: '<domain/>' });
    expect(edited.baseline).toBe('<domain/>');
    expect(edited.pristine).toBe(false);
    expect(snapshotName(s)).toBe('p9-demo');
  });

  it('reads version 1, telling pristine designs by the labels version 1 wrote', () => {
    const v1 = (label: string) => JSON.stringify({ v: 1, domain: '<domain/>', label, savedAt: '2026-01-01T00:00:00.000Z' });
    expect(parseSnapshot(v1('Open the demo'))?.pristine).toBe(true);
    expect(parseSnapshot(v1('New q35 design'))?.pristine).toBe(true);
    expect(parseSnapshot(v1('Open a share link'))?.pristine).toBe(true);
    expect(parseSnapshot(v1('Add a vPHB'))).toMatchObject({ v: 2, pristine: false, label: 'Add a vPHB' });
  });

  it('refuses what it cannot read', () => {
    expect(parseSnapshot(null)).toBeNull();
    expect(parseSnapshot('not json')).toBeNull();
    expect(parseSnapshot(JSON.stringify({ v: 3, domain: '<domain/>', savedAt: 'x' }))).toBeNull();
    expect(parseSnapshot(JSON.stringify({ v: 2, savedAt: 'x' }))).toBeNull();
  });
});

describe('writing a snapshot', () => {
  const snap = snapshotOf({ design: demoDesign(), label: 'Add a vPHB' });
  const refusing = (e: unknown) => ({
    setItem: () => {
      throw e;
    },
  });
  it('says why it could not: a full quota, a refusal, no storage at all', () => {
    const kept = new Map<string, string>();
    expect(trySnapshot('k', snap, { setItem: (k, v) => void kept.set(k, v) })).toBeNull();
    expect(parseSnapshot(kept.get('k') ?? null)).toEqual(snap);
    expect(trySnapshot('k', snap, refusing(new DOMException('full', 'QuotaExceededError')))).toContain('full');
    expect(trySnapshot('k', snap, refusing(new DOMException('no', 'SecurityError')))).toContain('refused');
    expect(trySnapshot('k', snap, undefined)).toContain('no storage');
    expect(writeSnapshot('k', snap, refusing(new DOMException('full', 'QuotaExceededError')))).toBe(false);
  });
});
