import type { GuestDevice } from '../model/guest.ts';
import type { PciAddress } from '../model/pci.ts';
import { formatPciAddress } from '../model/pci.ts';
import type { Command } from '../commands/commands.ts';
import type { Finding, Fix, Rule, RuleMeta } from './types.ts';
import type { RuleContext } from './context.ts';
import { finding } from './context.ts';
import { hostRule } from './define.ts';
import { deviceName, emptyPhb, relocateFix } from './fixes.ts';
import { nextFreeIndex } from './context.ts';
import { at, dev, hostdev, phb, pseries, q35, rootPort } from './testkit.ts';
import { hexNumber } from '../model/names.ts';

const meta: RuleMeta = {
  id: 'HD-MF-1',
  severity: 'warning',
  title: 'Functions of one host device stay together',
  why: "A multi-function card (a GPU and its HDMI audio, a multi-port NIC) split over guest slots shows the guest unrelated single-function devices: drivers that pair the functions may not bind, and the card's resets and power states no longer belong to one device. libvirt's auto-assignment gives each function its own slot, so the functions have to be addressed together.",
  source:
    'libvirt src/conf/domain_addr.c virDomainPCIAddressGetNextAddr / virDomainPCIAddressFindUnusedFunctionOnBus (one slot per auto-assigned endpoint, RULES.md GEN-MF-4); libvirt test hostdev-pci-multifunction (functions written together, multifunction=\'on\'); Linux drivers/xen/xen-pciback/vpci.c __xen_pcibk_add_pci_dev ("keep multi-function devices together", virtual functions excepted)',
  needsHost: true,
  families: 'all',
};

/** Host functions of one host slot (`dddd:bb:ss`) passed through, SR-IOV VFs excepted; duplicates are HD-SRC-2's. */
function hostSlots(ctx: RuleContext, withHost: boolean): Map<number, GuestDevice[]> {
  const out = new Map<number, GuestDevice[]>();
  const seen = new Set<number>();
  for (const d of ctx.hostdevs) {
    const a = d.hostAddress;
    if (!a) continue;
    // dddd:bb:ss as one number (16 + 8 + 5 bits), the function in the low 3 bits
    const slot = (a.domain * 256 + a.bus) * 32 + a.slot;
    const fn = slot * 8 + a.function;
    if (seen.has(fn)) continue;
    seen.add(fn);
    if (withHost && ctx.hostDevice(d)?.physFunction !== undefined) continue;
    const list = out.get(slot);
    if (list) list.push(d);
    else out.set(slot, [d]);
  }
  return out;
}

const sameSlot = (list: readonly GuestDevice[]): boolean => list.every((d) => d.address && d.address.bus === list[0]?.address?.bus && d.address.slot === list[0]?.address?.slot);

/**
 * The fix: function 0 with multifunction='on' and the others beside it, keeping the host function
 * numbers when the host's function 0 comes along (else 0, 1, … in host order: a slot needs a
 * function 0, GEN-MF-3) and where nothing else holds them. In the slot of the lowest addressed
 * function, beside whatever shares it; when the slot has no room, wherever a whole slot is free
 * (fixes.ts relocateFix); on pseries, unaddressed ones on an empty or new vPHB.
 */
function togetherFix(ctx: RuleContext, devices: readonly GuestDevice[]): Fix | undefined {
  const sorted = [...devices].sort((a, b) => (a.hostAddress?.function ?? 0) - (b.hostAddress?.function ?? 0));
  const keep = sorted[0]?.hostAddress?.function === 0;
  const functions = new Map(sorted.map((d, i) => [d.key, keep ? (d.hostAddress?.function ?? i) : i]));
  const what = sorted.map(deviceName).join(' and ');
  const moves = (bus: number, slot: number, fns: ReadonlyMap<string, number> = functions): Command[] =>
    sorted.map((d) => {
      const fn = fns.get(d.key) ?? 0;
      return { kind: 'move-device', device: d.key, address: { domain: 0, bus, slot, function: fn, ...(fn === 0 ? { multifunction: 'on' as const } : {}) } };
    });
  const anchor = sorted.find((d) => d.address)?.address;
  if (anchor) {
    // Beside what already shares the anchor's slot, on the host's function numbers where they are free.
    const members = new Set(sorted.map((d) => d.key));
    const bus = ctx.busByIndex.get(anchor.bus);
    const taken = new Set<number>();
    for (const d of bus?.devices ?? []) if (d.address?.slot === anchor.slot && !members.has(d.key)) taken.add(d.address.function);
    for (const c of bus?.controllers ?? []) if (c.address?.slot === anchor.slot) taken.add(c.address.function);
    const assigned = new Map<string, number>();
    for (const d of sorted) {
      let fn = functions.get(d.key) ?? 0;
      if (taken.has(fn)) fn = [0, 1, 2, 3, 4, 5, 6, 7].find((f) => !taken.has(f)) ?? 8;
      taken.add(fn);
      assigned.set(d.key, fn);
    }
    if ([...assigned.values()].every((f) => f < 8)) {
      return { label: `Put ${what} together in slot ${hexNumber(anchor.slot, 2)} of bus ${hexNumber(anchor.bus, 2)} (function 0 multifunction='on')`, command: { kind: 'batch', label: `Put ${what} together`, commands: moves(anchor.bus, anchor.slot, assigned) } };
    }
    return relocateFix(ctx, sorted, { functions, verb: 'Put' });
  }
  if (ctx.family !== 'pseries') return relocateFix(ctx, sorted, { functions, verb: 'Put' });
  const target = emptyPhb(ctx);
  if (target !== undefined) return { label: `Put ${what} together on the empty vPHB (controller ${target})`, command: { kind: 'batch', label: `Put ${what} together`, commands: moves(target, 1) } };
  const index = nextFreeIndex(ctx.guest);
  return { label: `Put ${what} together on a new vPHB (controller ${index})`, command: { kind: 'batch', label: `Put ${what} together`, commands: [{ kind: 'add-controller', controller: { model: 'pci-root', index } }, ...moves(index, 1)] } };
}

const where = (d: GuestDevice): string => (d.address ? `bus ${hexNumber(d.address.bus, 2)} slot ${hexNumber(d.address.slot, 2)}` : 'a slot of its own (no address: libvirt gives each function one)');

export const rule: Rule = hostRule(
  meta,
  (ctx) => [...hostSlots(ctx, false).values()].some((l) => l.length > 1),
  (ctx) => {
    const out: Finding[] = [];
    for (const list of hostSlots(ctx, true).values()) {
      if (list.length < 2 || sameSlot(list)) continue;
      const name = formatPciAddress(list[0]?.hostAddress as PciAddress).replace(/\.[0-7]$/, '');
      const fix = togetherFix(ctx, list);
      out.push(
        finding(
          meta,
          `${list.map(deviceName).join(', ')} are functions of one host device (${name}) but sit in different guest slots (${list.map((d) => `${d.key.replace(/#\d+$/, '')}: ${where(d)}`).join('; ')}). The guest sees unrelated devices instead of one multi-function card; put them in one slot, function 0 with multifunction='on'.`,
          { devices: list.map((d) => d.key) },
          fix ? [fix] : undefined,
        ),
      );
    }
    return out;
  },
);

const GPU = '0000:01:00.0';
const AUDIO = '0000:01:00.1';
const H = { groups: { 1: [GPU, AUDIO] } };
export const cases = {
  pass: [
    { name: 'GPU and audio as functions 0 and 1 of one slot', design: q35([rootPort(1, 1)], [hostdev(GPU, at(1, 0, 0, 'on')), hostdev(AUDIO, at(1, 0, 1))], H) },
    { name: 'two VFs of one PF in their own slots', design: q35([rootPort(1, 1), rootPort(2, 1, 1)], [hostdev('0000:06:10.0', at(1, 0)), hostdev('0000:06:10.2', at(2, 0))], { groups: { 5: ['0000:06:10.0'], 6: ['0000:06:10.2'] }, physFunctions: { '0000:06:10.0': '0000:06:00.0', '0000:06:10.2': '0000:06:00.0' } }) },
    { name: 'one function only', design: q35([rootPort(1, 1)], [hostdev(GPU, at(1, 0))], H) },
  ],
  fail: [
    { name: 'GPU and audio behind two root ports', design: q35([rootPort(1, 1), rootPort(2, 1, 1)], [hostdev(GPU, at(1, 0)), hostdev(AUDIO, at(2, 0))], H), expect: { devices: [GPU, AUDIO] } },
    { name: 'GPU and audio in two slots of one vPHB', design: pseries([phb(1)], [hostdev(GPU, at(1, 1)), hostdev(AUDIO, at(1, 2))], H), expect: { devices: [GPU, AUDIO] } },
    { name: 'the GPU slot holds another device too: moved together elsewhere', design: pseries([phb(1)], [hostdev(GPU, at(1, 1, 0, 'on')), dev('vda', 'disk', at(1, 1, 1)), hostdev(AUDIO, at(1, 2))], H), expect: { devices: [GPU, AUDIO] } },
    { name: 'only the audio function (no function 0) with a second function', design: q35([rootPort(1, 1), rootPort(2, 1, 1)], [hostdev(AUDIO, at(1, 0)), hostdev('0000:01:00.2', at(2, 0))], { groups: { 1: [GPU, AUDIO, '0000:01:00.2'] } }), expect: { devices: [AUDIO, '0000:01:00.2'] } },
    { name: 'unaddressed functions on pseries', design: pseries([phb(1)], [hostdev(GPU), hostdev(AUDIO)], H), expect: { devices: [GPU, AUDIO] } },
    { name: 'unaddressed functions on q35', design: q35([rootPort(1, 1)], [hostdev(GPU), hostdev(AUDIO)], H), expect: { devices: [GPU, AUDIO] } },
  ],
};
