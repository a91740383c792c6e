import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { RULES as SINGLE } from '../src/engine/rules/index.ts';
import { WORKSPACE_RULES } from '../src/engine/rules/workspace/index.ts';

/** every rule: a guest's own, and those across the guests of a workspace (issue 15) */
const RULES = [...SINGLE, ...WORKSPACE_RULES];
import { ADDED_IDS, catalogMarkdown, NOT_IMPLEMENTED, ruleCatalog, SEVERITY_NOTES } from '../src/engine/rules/coverage.ts';
import { SHARED, sharedPath } from './support/shared.ts';

/**
 * Issue 4: every RULES.md id is either a registered rule or listed in coverage.ts with a reason,
 * and docs/rules.md is exactly what scripts/gen-rules-doc.ts generates from them.
 */
const RULES_MD = path.join(SHARED, 'RULES.md');
const DOC = path.resolve(__dirname, '..', 'docs', 'rules.md');
const registered = new Map(RULES.map((r) => [r.meta.id, r.meta]));

/** id -> the severity cell RULES.md gives: table rows `| ID | Check | Sev | … |` and `**ID (sev)**` items. */
function rulesMdIds(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('|')) continue;
    const cells = line.split(/(?<!\\)\|/);
    const m = /^\s*([A-Z0-9]+(?:-[A-Z0-9]+)+)\s*$/.exec(cells[1] ?? '');
    if (m?.[1] && cells.length >= 5) out.set(m[1], (cells[3] ?? '').replace(/\*/g, '').trim());
  }
  for (const m of text.matchAll(/\*\*(?:Rule )?([A-Z0-9]+(?:-[A-Z0-9]+)+) \(([a-z /]+)\)\*\*/g)) if (m[1] && m[2]) out.set(m[1], m[2]);
  return out;
}

const severities = (s: string): string[] => ['error', 'warning', 'info'].filter((w) => s.includes(w));

describe('coverage map', () => {
  it('lists no registered rule, and every entry has a reason', () => {
    for (const [id, u] of Object.entries(NOT_IMPLEMENTED)) {
      expect(registered.has(id), `${id} is registered and in NOT_IMPLEMENTED`).toBe(false);
      expect(u.coverage.reason.length, id).toBeGreaterThan(10);
      expect(u.title.length, id).toBeGreaterThan(5);
    }
  });

  it('ids pcitopo adds are registered rules', () => {
    for (const id of Object.keys(ADDED_IDS)) expect(registered.has(id), `${id} is in ADDED_IDS but has no rule`).toBe(true);
  });

  it('"covered by" names registered rules', () => {
    for (const [id, u] of Object.entries(NOT_IMPLEMENTED)) {
      if (u.coverage.kind !== 'covered') continue;
      expect(u.coverage.by.length, id).toBeGreaterThan(0);
      for (const by of u.coverage.by) expect(registered.has(by), `${id} covered by unregistered ${by}`).toBe(true);
    }
  });

  it('severity notes are for registered rules whose severity differs from RULES.md', () => {
    for (const [id, note] of Object.entries(SEVERITY_NOTES)) {
      const meta = registered.get(id);
      expect(meta, id).toBeDefined();
      expect(severities(note.rulesMd)).not.toContain(meta?.severity);
    }
  });

  it('the catalog has one row per id, registered rules as implemented', () => {
    const rows = ruleCatalog(RULES);
    expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
    expect(rows.length).toBe(RULES.length + Object.keys(NOT_IMPLEMENTED).length);
    for (const r of rows) expect(r.status === 'implemented', r.id).toBe(registered.has(r.id));
  });
});

describe('docs/rules.md', () => {
  it('is what scripts/gen-rules-doc.ts generates (run `npx tsx scripts/gen-rules-doc.ts` after changing rules)', () => {
    expect(fs.existsSync(DOC), `${DOC} missing`).toBe(true);
    expect(fs.readFileSync(DOC, 'utf8')).toBe(catalogMarkdown(RULES));
  });
});

if (sharedPath('the RULES.md cross-check', 'RULES.md')) {
  const ids = rulesMdIds(fs.readFileSync(RULES_MD, 'utf8'));

  describe('RULES.md ids', () => {
    it('are parsed (the catalog has more than 100)', () => {
      expect(ids.size).toBeGreaterThan(100);
    });

    it('every id mentioned in RULES.md is one it defines', () => {
      const text = fs.readFileSync(RULES_MD, 'utf8');
      const mentioned = new Set([...text.matchAll(/\b(?:GEN|PAPR|Q35|VIRT|HD)-[A-Z]+-\d+\b/g)].map((m) => m[0]));
      expect([...mentioned].filter((id) => !ids.has(id))).toEqual([]);
    });

    it.each([...ids.keys()])('%s is a registered rule or in the coverage map', (id) => {
      expect(registered.has(id) || id in NOT_IMPLEMENTED, `${id}: add src/engine/rules/${id}.ts or an entry in coverage.ts`).toBe(true);
    });

    it('the coverage map and the registry name only RULES.md ids, or ids pcitopo adds (which RULES.md does not define)', () => {
      expect([...Object.keys(NOT_IMPLEMENTED), ...registered.keys()].filter((id) => !ids.has(id) && !(id in ADDED_IDS))).toEqual([]);
      expect(Object.keys(ADDED_IDS).filter((id) => ids.has(id))).toEqual([]);
    });

    it('every error-severity id of GEN/PAPR/Q35/VIRT is implemented, covered, or not judgeable with a reason', () => {
      for (const [id, sev] of ids) {
        if (!/^(GEN|PAPR|Q35|VIRT)-/.test(id) || !sev.startsWith('error')) continue;
        const u = NOT_IMPLEMENTED[id];
        expect(registered.has(id) || u?.coverage.kind === 'covered' || u?.coverage.kind === 'not-judgeable', id).toBe(true);
      }
    });

    it('severities agree with RULES.md, or a note says why not', () => {
      for (const [id, sev] of ids) {
        const meta = registered.get(id);
        if (meta) {
          if (!SEVERITY_NOTES[id]) expect(severities(sev), `${id}: registered ${meta.severity}, RULES.md "${sev}"`).toContain(meta.severity);
          else expect(severities(sev)).toEqual(severities(SEVERITY_NOTES[id]?.rulesMd ?? ''));
        } else {
          expect(severities(NOT_IMPLEMENTED[id]?.severity ?? ''), id).toEqual(severities(sev));
        }
      }
    });
  });
}
