import { demoDesign } from '../demo/demoDesign.ts';
import { describe, expect, it } from 'vitest';
import { applyCommand } from '../commands/commands.ts';
import { exportDomain } from '../xml/domain.ts';
import { validate } from './validate.ts';


describe('fixes keep NUMA locality', () => {
  it('isolating a split group on a new vPHB gives that vPHB the guest cell of the group\'s host node', () => {
    // group 3 (NVMe, host node 0) shares vPHB 2 with a function of group 1: split group 1 (PAPR-ISO-5)
    const split = applyCommand(demoDesign(), { kind: 'move-device', device: '0000:01:00.1', address: { domain: 0, bus: 2, slot: 2, function: 0 } });
    const iso5 = validate(split).find((f) => f.ruleId === 'PAPR-ISO-5');
    expect(iso5?.fixes?.[0]?.label).toMatch(/new vPHB \(controller 3, NUMA cell 0\)/);
    const fixed = applyCommand(split, iso5!.fixes![0]!.command);
    const phb = fixed.guest.controllers.find((c) => c.index === 3);
    expect(phb?.target).toMatchObject({ index: 3, node: 0 });
    expect(validate(fixed).filter((f) => f.severity !== 'info')).toEqual([]);
    expect(exportDomain(fixed)).toContain("<target index='3'>\n        <node>0</node>\n      </target>");
  });

  it('PAPR-NUMA-4 offers to move the vPHB to the cell of the device\'s host node', () => {
    // the NVMe (host node 0) on vPHB 2, which claims guest cell 1 (host node 8)
    const wrong = applyCommand(demoDesign(), { kind: 'update-controller', controller: 'pci-2', changes: { target: { index: 2, node: 1 } } });
    const f = validate(wrong).find((x) => x.ruleId === 'PAPR-NUMA-4');
    expect(f?.severity).toBe('warning');
    const fixed = applyCommand(wrong, f!.fixes![0]!.command);
    expect(fixed.guest.controllers.find((c) => c.index === 2)?.target.node).toBe(0);
    expect(validate(fixed).some((x) => x.ruleId === 'PAPR-NUMA-4')).toBe(false);
  });
});
