import { describe, expect, it } from 'vitest';
import { applyCommand, demoDesign, place, validate } from '../engine/index.ts';
import { changeSummary, importSummary, leftText, workspaceImportSummary } from './summary.ts';

describe('what a change did, in a line', () => {
  it('counts placed devices and added vPHBs after auto-place, then what is left', () => {
    const demo = demoDesign();
    const bare = { ...demo, guest: { ...demo.guest, devices: demo.guest.devices.map((d) => ({ ...d, address: undefined })) } };
    const placed = place(bare, { policy: 'pe-per-phb', spare: 2 });
    expect(changeSummary(bare, placed, validate(placed))).toBe(`placed 7 devices, added 2 vPHBs; ${leftText(validate(placed))}`);
  });

  it('says moves, removals and what is left', () => {
    const demo = demoDesign();
    const moved = applyCommand(demo, { kind: 'move-group', group: 1, controller: 2 });
    expect(changeSummary(demo, moved, validate(moved))).toMatch(/^moved 2 devices; \d+ warnings? left$/);
    const removed = applyCommand(demo, { kind: 'remove-controller', controller: demo.guest.controllers[2]?.key ?? '' });
    expect(changeSummary(demo, removed, [])).toBe('cleared the address of 1 device, removed 1 controller; no errors or warnings left');
    expect(changeSummary(demo, demo, [])).toBe('nothing changed; no errors or warnings left');
  });

  it('counts errors and warnings in words', () => {
    const f = (severity: 'error' | 'warning' | 'info') => ({ ruleId: 'X', severity, message: '', subjects: {} });
    expect(leftText([f('error'), f('warning'), f('warning'), f('info')])).toBe('1 error and 2 warnings left');
    expect(leftText([f('info')])).toBe('no errors or warnings left');
  });

  it('says what an imported design holds', () => {
    const demo = demoDesign();
    expect(importSummary(demo, validate(demo))).toBe('7 PCI devices on 3 PCI controllers; no errors or warnings left');
  });

  it('says what an opened workspace holds in all its guests, and counts their findings and those across guests once', () => {
    const demo = demoDesign();
    const bare = { ...demo, guest: { ...demo.guest, devices: demo.guest.devices.map((d) => ({ ...d, address: undefined })) } };
    const f = (severity: 'error' | 'warning' | 'info') => ({ ruleId: 'X', severity, message: '', subjects: {} });
    const text = workspaceImportSummary(
      [
        { design: demo, findings: [f('error')] },
        { design: bare, findings: [f('warning'), f('info')] },
      ],
      [f('warning')],
    );
    expect(text).toBe('2 domains, 14 PCI devices on 6 PCI controllers, 7 without an address (Auto-place gives them one); 1 error and 2 warnings left');
  });
});
