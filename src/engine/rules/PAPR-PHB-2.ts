import type { Finding, Rule, RuleMeta } from './types.ts';
import type { Guest, GuestDevice } from '../model/guest.ts';
import type { RuleContext } from './context.ts';
import { finding } from './context.ts';
import { atDefine, placesAnything } from './atDefine.ts';
import { globalRule } from './define.ts';
import { setTargetFix } from './fixes.ts';
import { nextPhbTargetIndex } from '../commands/commands.ts';
import { isPhb } from '../model/guest.ts';
import { MAX_PHBS, MAX_PHB_TARGET_INDEX, pseriesPhbCount } from '../libvirt/limits.ts';
import { at, ctrl, dev, phb, pseries } from './testkit.ts';

const meta: RuleMeta = {
  id: 'PAPR-PHB-2',
  severity: 'error',
  title: 'PHB target index is 0-30',
  why: 'QEMU places at most 31 PHBs in the 32-64 TiB window; libvirt refuses a target index above 30.',
  source: "libvirt src/conf/domain_validate.c virDomainControllerDefValidate (\"target index 'N' out of range - must be 0-30\"); the PHBs libvirt adds at define: src/conf/domain_addr.c virDomainPCIAddressSetGrow, src/qemu/qemu_domain_address.c qemuDomainPCIControllerSetDefaults, qemuDomainAddressFindNewTargetIndex (\"No usable target index found\"); QEMU include/hw/pci-host/spapr.h SPAPR_MAX_PHBS",
  families: ['pseries'],
};

export const rule: Rule = globalRule(meta, (ctx) => [
  ...ctx.guest.controllers.flatMap((c) => {
    const t = c.target.index;
    if (!isPhb(c) || t === undefined || (t >= 0 && t <= 30)) return [];
    const free = nextPhbTargetIndex(ctx.guest);
    const fixes = free <= 30 && c.index !== 0 ? [setTargetFix(c, `Use the free target index ${free}`, { ...c.target, index: free })] : undefined;
    return [finding(meta, `PCI controller ${c.index ?? '(index unreadable)'} has target index ${t}, out of range: it must be 0-30.`, { controllers: c.index !== undefined ? [c.index] : [] }, fixes)];
  }),
  ...tooManyPhbs(ctx.guest),
  ...addedBeyondRange(ctx),
]);

/**
 * The PHBs libvirt adds itself at define (placement/defineTime.ts defineDomain): when the devices it
 * places (those written without an address, and its own default USB controller and memballoon) find
 * no free slot on the 31 PHBs, virDomainPCIAddressSetGrow adds another pci-root, and
 * qemuDomainPCIControllerSetDefaults gives it target index 31 (or none: "No usable target index
 * found"), which virDomainControllerDefValidate then refuses. Checked with libvirt 9.0's `virsh
 * define`: 958 unaddressed virtio NICs define, 959 are refused; every slot of PHBs 0-30 written and
 * the default USB controller and memballoon left to libvirt are refused.
 */
function addedBeyondRange(ctx: RuleContext): Finding[] {
  // a written PHB beyond the range is reported above; libvirt's own then come from that one
  if (pseriesPhbCount(ctx.guest, false) > MAX_PHBS) return [];
  const defined = atDefine(ctx, placesAnything);
  if (!defined) return [];
  const added = defined.guest.controllers.filter((c) => c.model === 'pci-root' && c.index !== 0 && !defined.written.has(c.key) && (c.target.index === undefined || c.target.index > MAX_PHB_TARGET_INDEX));
  const first = added[0];
  if (!first) return [];
  const waiting: GuestDevice[] = ctx.guest.devices.filter((d) => !d.address && !d.implicit && ctx.takesPci(d));
  const what = waiting.length === 0 ? "libvirt's own default devices (USB controller, memballoon)" : waiting.length <= 3 ? waiting.map((d) => d.label).join(', ') : `${waiting.length} devices written without an address`;
  const refusal = first.target.index === undefined ? 'No usable target index found' : `PCI controller target index '${first.target.index}' out of range - must be 0-${MAX_PHB_TARGET_INDEX}`;
  return [
    finding(
      meta,
      `The ${MAX_PHBS} vPHBs have no room left for ${what}: libvirt adds vPHB ${first.index ?? '?'} at define${first.target.index === undefined ? ' and finds no target index for it' : `, gives it target index ${first.target.index}`} and refuses the domain ("${refusal}"). Pass fewer devices through, or free slots on the existing vPHBs (<memballoon model='none'/> and <controller type='usb' model='none'/> free the ones libvirt's own devices take).`,
      { devices: waiting.map((d) => d.key) },
    ),
  ];
}

/** Every slot 1-31 of PHBs 0-30 taken by a written virtio NIC (961 of them). */
function fullPhbs(): { controllers: ReturnType<typeof phb>[]; devices: GuestDevice[] } {
  const controllers = Array.from({ length: MAX_PHB_TARGET_INDEX }, (_, i) => phb(i + 1));
  const devices: GuestDevice[] = [];
  for (let bus = 0; bus <= MAX_PHB_TARGET_INDEX; bus++) for (let slot = 1; slot <= 31; slot++) devices.push(dev(`nic-${bus}-${slot}`, 'interface', at(bus, slot), { type: 'user' }));
  return { controllers, devices };
}
const libvirtDefaultsNone = (): GuestDevice[] => [dev('usb', 'controller', undefined, { type: 'usb', model: 'none' }), dev('balloon', 'memballoon', undefined, { model: 'none' })];
const full = fullPhbs();

/**
 * issue 11 (h06-pseries-index-255): libvirt fills every index gap below a PHB with another PHB
 * (qemuDomainPCIAddressSetCreate), each needing its own target index; past 31 PHBs none is left
 * (qemuDomainAddressFindNewTargetIndex, virDomainControllerDefValidate). Counted, never built.
 */
function tooManyPhbs(guest: Guest): Finding[] {
  const n = pseriesPhbCount(guest, false);
  if (n <= MAX_PHBS) return [];
  // n > 31 needs a controller index above 30: those are the ones to renumber
  const high = guest.controllers.filter((c) => c.index !== undefined && c.index > MAX_PHB_TARGET_INDEX && c.index <= 255).map((c) => c.index as number);
  return [finding(meta, `Controller index ${Math.max(...high)} makes libvirt fill the indexes below it with PHBs: ${n} PHBs, but target indexes 0-${MAX_PHB_TARGET_INDEX} allow only ${MAX_PHBS} ("No usable target index found"). Use controller indexes up to ${MAX_PHB_TARGET_INDEX} for PHBs.`, { controllers: high })];
}

export const cases = {
  pass: [
    { name: 'target index 30', design: pseries([phb(1, { index: 30 })], []) },
    { name: 'target index 0 on the default PHB', design: pseries([], []) },
    { name: 'PHB at controller index 30: 31 PHBs once the gaps are filled', design: pseries([phb(30, { index: undefined })], []) },
    // libvirt 9.0 defines it: nothing is left for it to place
    { name: 'every slot of the 31 vPHBs written, no USB controller nor memballoon', design: pseries(full.controllers, [...full.devices, ...libvirtDefaultsNone()]) },
    { name: 'the devices libvirt places fit on the vPHBs it adds up to target index 30', design: pseries([], Array.from({ length: 40 }, (_, i) => dev(`nic-${i}`, 'interface', undefined, { type: 'user' }))) },
  ],
  fail: [
    { name: 'target index 31', design: pseries([phb(1, { index: 31 })], []), expect: { controllers: [1] } },
    // h09-phb-negative-target: libvirt reads the target index as a signed int and refuses below 0
    { name: 'target index -2', design: pseries([phb(1, { index: -2 })], []), expect: { controllers: [1] } },
    // h06-pseries-index-255: 254 gap PHBs, never built
    { name: 'a PHB at controller index 255', design: pseries([phb(255, { index: undefined })], []), expect: { controllers: [255] } },
    { name: 'a PHB at controller index 31: 32 PHBs', design: pseries([phb(31, { index: undefined })], []), expect: { controllers: [31] } },
    { name: 'a pci-bridge at index 40 on pseries: the gaps below it become PHBs', design: pseries([ctrl('pci-bridge', 40, { address: at(0, 2) })], []), expect: { controllers: [40] } },
    // libvirt 9.0: "PCI controller target index '31' out of range - must be 0-30"
    { name: 'every slot of the 31 vPHBs written and one NIC without an address', design: pseries(full.controllers, [...full.devices, ...libvirtDefaultsNone(), dev('extra', 'interface', undefined, { type: 'user' })]), expect: { devices: ['extra'] } },
    { name: "every slot of the 31 vPHBs written and libvirt's default USB controller and memballoon", design: pseries(full.controllers, full.devices), expect: { devices: [] } },
  ],
};
