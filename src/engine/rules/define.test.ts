import { describe, expect, it } from 'vitest';
import { busNumbersUsed } from './buses.ts';
import { buildContext } from './context.ts';
import { busRule, globalRule, hostRule } from './define.ts';
import type { Finding, RuleMeta } from './types.ts';
import { at, ctrl, dev, hostdev, phb, pseries, q35, rootPort } from './testkit.ts';

const meta: RuleMeta = { id: 'TEST-DEF-1', severity: 'warning', title: 'a test rule', why: 'test', source: 'test', families: 'all' };
const finding = (message: string): Finding => ({ ruleId: meta.id, severity: meta.severity, message, subjects: {} });

describe('rule shapes (define.ts)', () => {
  const d = pseries([phb(1), phb(2)], [hostdev('0000:01:00.0', at(1, 1))]);

  it('a per-bus rule judges every bus in index order, then what lies off the buses', () => {
    const r = busRule(meta, (_ctx, bus) => [finding(`bus ${bus.index}`)], () => [finding('off')]);
    expect(r.check(buildContext(d)).map((f) => f.message)).toEqual(['bus 0', 'bus 1', 'bus 2', 'off']);
    expect(r.checkOffBus).toBeDefined();
    const plain = busRule(meta, (_ctx, bus) => [finding(`bus ${bus.index}`)]);
    expect(plain.check(buildContext(d)).map((f) => f.message)).toEqual(['bus 0', 'bus 1', 'bus 2']);
    expect('checkOffBus' in plain).toBe(false);
  });

  it('a whole-design rule is its check', () => {
    expect(globalRule(meta, () => [finding('all')]).check(buildContext(d))).toEqual([finding('all')]);
  });

  it('a rule that needs the host: its findings with one; without, one info when the guest has something for it, else nothing', () => {
    const r = hostRule(meta, (ctx) => ctx.hostdevs.length > 0, () => [finding('judged')]);
    const withHost = pseries([phb(1)], [hostdev('0000:01:00.0', at(1, 1))], { groups: { 1: ['0000:01:00.0'] } });
    expect(r.check(buildContext(withHost))).toEqual([finding('judged')]);
    expect(r.check(buildContext(d))).toEqual([
      { ruleId: 'TEST-DEF-1', severity: 'info', message: 'TEST-DEF-1 (a test rule) could not be checked: no host is loaded. Load the host\'s node-device XML to check it.', subjects: {} },
    ]);
    expect(r.check(buildContext(pseries([phb(1)], [dev('vda', 'disk', at(1, 1))])))).toEqual([]);
  });
});

describe('bus numbers a guest uses (QEMU docs/pcie.txt: one per port, bridge or expander, plus the root)', () => {
  it('counts the root once and each other PCI controller', () => {
    expect(busNumbersUsed(buildContext(q35([], [])))).toBe(1);
    expect(busNumbersUsed(buildContext(q35([rootPort(1, 1), rootPort(2, 2), ctrl('pcie-to-pci-bridge', 3, { address: at(1, 0) })], [])))).toBe(4);
    // pseries: each vPHB is a pci-root of its own bus space, not a bus number of PHB 0's
    expect(busNumbersUsed(buildContext(pseries([phb(1), ctrl('pci-bridge', 2, { address: at(1, 1) })], [])))).toBe(2);
  });
});
