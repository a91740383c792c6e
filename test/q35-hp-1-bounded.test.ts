import { describe, expect, it } from 'vitest';
import { applyCommand } from '../src/engine/commands/commands.ts';
import { defineRuns } from '../src/engine/placement/defineTime.ts';
import { findingsOf } from './mutation-cases/alone.ts';
import { at, ctrl, dev, q35, rootPort } from '../src/engine/rules/testkit.ts';
import type { Design } from '../src/engine/model/design.ts';

/**
 * Bounded work (issue 11), counted rather than timed: how many designs Q35-HP-1 defines (runs of the
 * define-time model, placement/defineTime.ts defineRuns) to find its fix. Adding ports one at a
 * time defined three designs per port; the count of ports libvirt adds, checked by halving, defines
 * about a dozen whatever the number of ports, and a domain libvirt refuses a handful.
 */
const noDefaults = [dev('usb', 'controller', undefined, { type: 'usb', model: 'none' }), dev('mb', 'memballoon', undefined, { model: 'none' })];
const nics = (n: number) => Array.from({ length: n }, (_, i) => dev(`net${i}`, 'interface', undefined, { model: 'virtio' }));

/** Q35-HP-1's findings on `d`, and how many designs it defined for them. */
function counted(d: Design): { findings: ReturnType<typeof findingsOf>; runs: number } {
  const before = defineRuns();
  const findings = findingsOf(d, 'Q35-HP-1');
  return { findings, runs: defineRuns() - before };
}

describe('Q35-HP-1: the designs its fix defines', () => {
  it.each([10, 60, 150])('%i NICs without an address beside one used port: that many ports plus the spare, from a dozen defines or so', (n) => {
    const d = q35([rootPort(1, 1)], [dev('vda', 'disk', at(1, 0)), ...nics(n), ...noDefaults]);
    const { findings, runs } = counted(d);
    const fix = findings[0]?.fixes?.[0];
    expect(fix?.label.startsWith(`Add ${n + 1} empty pcie-root-ports`)).toBe(true);
    // 7, 9 and 11 here; one port at a time took about 3 per port
    expect(runs).toBeLessThanOrEqual(15);
    expect(findingsOf(applyCommand(d, fix!.command), 'Q35-HP-1')).toEqual([]);
  });

  it('a domain libvirt refuses at define (a controller index past 255): no fix, from a handful of defines', () => {
    const d = q35([ctrl('pcie-expander-bus', 1), rootPort(2, 1)], [dev('vda', 'disk', at(2, 0)), ...nics(254), ...noDefaults]);
    const { findings, runs } = counted(d);
    expect(findings[0]?.fixes).toBeUndefined();
    expect(runs).toBeLessThanOrEqual(5);
  });

  it('no room for a spare (every port libvirt could add is taken): the words say so, from a few defines', () => {
    // 253 NICs: libvirt's root ports reach index 255, so the spare would be 256
    const d = q35([ctrl('pcie-expander-bus', 1), rootPort(2, 1)], [dev('vda', 'disk', at(2, 0)), ...nics(253), ...noDefaults]);
    const { findings, runs } = counted(d);
    expect(findings[0]?.message).toContain('Only 253 more root ports fit');
    expect(runs).toBeLessThanOrEqual(10);
  });
});
