import { describe, expect, it } from 'vitest';
import { createDesign, validate } from '../src/engine/index.ts';
import type { Command, Design, Finding } from '../src/engine/index.ts';
import { applyCommand } from '../src/engine/commands/commands.ts';
import { generatedQ35 } from './support/generatedQ35.ts';

/**
 * Q35-HP-1's fix counts its ports from a few defines (fewestPorts: the ports libvirt adds, plus the
 * spare, checked by halving) where it once added them one at a time, three defines each. On
 * generated q35 designs (written root ports, some controllers written without an index or an
 * address, devices without an address, fixed seed) the property that makes the count right: the fix
 * leaves a port empty once libvirt has defined the guest (no Q35-HP-1 finding), adds no error, and
 * one port fewer leaves none (the fewest ports).
 */
const hp1 = (d: Design): Finding | undefined => validate(d).find((f) => f.ruleId === 'Q35-HP-1');
const errors = (d: Design): string[] => validate(d).filter((f) => f.severity === 'error').map((f) => `${f.ruleId} ${f.message}`);
const ports = (c: Command): Command[] => (c.kind === 'batch' ? c.commands.flatMap(ports) : c.kind === 'add-controller' ? [c] : []);

describe('Q35-HP-1: the counted fix on generated q35 designs', () => {
  const fixed: Array<{ design: Design; command: Command }> = [];
  for (const xml of generatedQ35(20261201, 60)) {
    const r = createDesign(xml);
    if (!r.ok) continue;
    const fix = hp1(r.value)?.fixes?.[0];
    if (fix) fixed.push({ design: r.value, command: fix.command });
  }

  it('the generator yields designs to fix, some needing many ports', () => {
    expect(fixed.length).toBeGreaterThan(15);
    expect(fixed.some((f) => ports(f.command).length >= 10)).toBe(true);
  });

  it('each fix leaves a spare after define and adds no error; one port fewer leaves none', () => {
    for (const { design, command } of fixed) {
      const after = applyCommand(design, command);
      expect(hp1(after)).toBeUndefined();
      const before = new Set(errors(design));
      expect(errors(after).filter((e) => !before.has(e))).toEqual([]);
      const added = ports(command);
      if (added.length < 2) continue;
      const last = added[added.length - 1];
      const fewer = applyCommand(design, { kind: 'batch', label: 'fewer', commands: (command.kind === 'batch' ? command.commands : [command]).filter((c) => c !== last) });
      expect(hp1(fewer)).toBeDefined();
    }
  });
});
