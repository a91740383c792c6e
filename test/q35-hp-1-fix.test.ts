import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDesign, importHost, validate } from '../src/engine/index.ts';
import type { Design, Finding } from '../src/engine/index.ts';
import { applyCommand } from '../src/engine/commands/commands.ts';
import type { Host } from '../src/engine/model/host.ts';
import { SHARED, sharedPaths } from './support/shared.ts';

/**
 * Q35-HP-1's fix on every input of the corpus (libvirt's own test inputs, old and upstream, and the
 * small cases): applied once, it leaves a port empty after define as libvirt defines the guest (no
 * Q35-HP-1 finding at all, whatever its subjects: the catalog-wide fix tests compare subjects, and
 * a port taken by libvirt's default USB controller or memballoon moved the finding to other
 * subjects), with no new error and no new finding on indexes, chassis or addresses (GEN-IDX-*,
 * Q35-RP-3, GEN-ADDR-*).
 */
const key = (f: Finding): string => `${f.ruleId} ${f.message}`;
const watched = (f: Finding): boolean => f.severity === 'error' || /^(GEN-IDX|GEN-ADDR|Q35-RP-3)/.test(f.ruleId);

if (sharedPaths('the Q35-HP-1 fix sweep', ['corpus', 'libvirt'], ['corpus', 'libvirt-upstream'], ['corpus', 'libvirt-mock-host.nodedev.xml'], ['cases'])) {
  const hostResult = importHost(fs.readFileSync(path.join(SHARED, 'corpus', 'libvirt-mock-host.nodedev.xml'), 'utf8'));
  if (!hostResult.ok) throw new Error(hostResult.error.message);
  const mockHost: Host = hostResult.value;
  // the small cases bring their own host beside them (NAME.host.xml); libvirt's inputs use its mock host
  const hostFor = (file: string): Host => {
    const own = file.replace(/\.xml$/, '.host.xml');
    if (!fs.existsSync(own)) return mockHost;
    const r = importHost(fs.readFileSync(own, 'utf8'));
    if (!r.ok) throw new Error(r.error.message);
    return r.value;
  };
  const dirs = [path.join(SHARED, 'corpus', 'libvirt'), path.join(SHARED, 'corpus', 'libvirt-upstream'), path.join(SHARED, 'cases')];
  const inputs = dirs.flatMap((dir) => fs.readdirSync(dir).filter((f) => f.endsWith('.xml') && !f.endsWith('.host.xml') && !f.includes('nodedev')).map((f) => path.join(dir, f)));
  const fixable: [string, Design][] = [];
  for (const file of inputs) {
    const text = fs.readFileSync(file, 'utf8');
    if (!/machine=['"](pc-q35|q35|virt)/.test(text)) continue;
    const d = createDesign(text, hostFor(file), path.basename(file));
    if (!d.ok) continue;
    if (validate(d.value).some((f) => f.ruleId === 'Q35-HP-1' && f.fixes?.length)) fixable.push([path.relative(SHARED, file), d.value]);
  }

  describe('Q35-HP-1: its fix on the corpus leaves a spare after define', () => {
    it('the sweep finds inputs to fix, some needing more than one port', () => {
      const labels = fixable.map(([, d]) => validate(d).find((f) => f.ruleId === 'Q35-HP-1')?.fixes?.[0]?.label ?? '');
      expect(labels.filter((l) => l === 'Add an empty pcie-root-port').length).toBeGreaterThan(0);
      expect(labels.filter((l) => /^Add \d+ empty pcie-root-ports \(/.test(l)).length).toBeGreaterThan(0);
    });

    it.each(fixable)('%s', (_, d) => {
      const before = validate(d);
      const f = before.find((x) => x.ruleId === 'Q35-HP-1');
      const next = applyCommand(d, f?.fixes?.[0]?.command ?? { kind: 'batch', label: '', commands: [] });
      const after = validate(next);
      expect(after.filter((x) => x.ruleId === 'Q35-HP-1').map(key)).toEqual([]);
      const was = new Set(before.map(key));
      expect(after.filter((x) => watched(x) && !was.has(key(x))).map(key)).toEqual([]);
    });
  });
}
