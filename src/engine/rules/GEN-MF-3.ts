import type { Rule, RuleMeta } from './types.ts';
import { finding, occupantsBySlot, occupantSubjects } from './context.ts';
import { busRule } from './define.ts';
import { deviceName } from './fixes.ts';
import { at, hostdev, pseries } from './testkit.ts';
import { hexNumber } from '../model/names.ts';

const meta: RuleMeta = {
  id: 'GEN-MF-3',
  severity: 'error',
  title: 'A slot with functions > 0 has a function 0',
  why: 'The guest scans a slot from function 0; without it the other functions are never seen, and QEMU refuses to expose them.',
  source: 'QEMU hw/pci/pci.c do_pci_register_device, pci_init_multifunction',
  families: 'all',
};

export const rule: Rule = busRule(meta, (ctx, bus) => {
  const out = [];
  for (const [slot, list] of occupantsBySlot(bus)) {
    if (list.some((o) => o.function === 0)) continue;
    // The machine's own function 0: ICH9 LPC at 00:1f.0 on q35, PIIX3 at 00:01.0 on i440fx.
    if (bus.index === 0 && ((ctx.family === 'q35' && slot === 0x1f) || (ctx.family === 'i440fx' && slot === 1))) continue;
    const first = [...list].sort((a, b) => a.function - b.function).find((o) => o.device)?.device;
    const fixes = first?.address
      ? [{ label: `Move ${deviceName(first)} to function 0 of slot ${hexNumber(slot, 2)}`, command: { kind: 'move-device' as const, device: first.key, address: { ...first.address, function: 0, multifunction: list.length > 1 ? ('on' as const) : undefined } } }]
      : undefined;
    out.push(finding(meta, `Slot ${hexNumber(slot, 2)} of bus ${hexNumber(bus.index, 2)} uses function(s) ${list.map((o) => o.function).join(', ')} but has no function 0; the guest will not see them.`, occupantSubjects(list), fixes));
  }
  return out;
});

export const cases = {
  pass: [{ name: 'functions 0 and 1', design: pseries([], [hostdev('0000:01:00.0', at(0, 1, 0, 'on')), hostdev('0000:01:00.1', at(0, 1, 1))]) }],
  fail: [{ name: 'function 1 alone', design: pseries([], [hostdev('0000:01:00.1', at(0, 1, 1))]), expect: { devices: ['0000:01:00.1'] } }],
};
