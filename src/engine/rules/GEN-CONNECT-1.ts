import type { Finding, Fix, Rule, RuleMeta } from './types.ts';
import type { GuestDevice, PciController } from '../model/guest.ts';
import { virDomainDefImplicitDiskControllers, virDomainDefPostParse } from '../libvirt/domainConf.ts';
import { MAX_PCI_SLOTS } from '../libvirt/limits.ts';
import { buildContext, controllerText, finding, nextFreeIndex } from './context.ts';
import { atDefine, placesAnything } from './atDefine.ts';
import { defineDomain } from '../placement/defineTime.ts';
import { libvirtRootPort, writingAControllerRegrows } from './fixes.ts';
import type { Command } from '../commands/commands.ts';
import { applyCommand } from '../commands/commands.ts';
import { globalRule } from './define.ts';
import { BUS_MODELS, busAccepts, controllerConnectType } from '../libvirt/index.ts';
import { qemuDomainDeviceCalculatePCIConnectFlags, qemuDomainDeviceIsIntegrated } from '../libvirt/qemuDomainAddress.ts';
import type { RuleContext } from './context.ts';
import { at, ctrl, design, dev, q35, rootPort, virt } from './testkit.ts';

const meta: RuleMeta = {
  id: 'GEN-CONNECT-1',
  severity: 'error',
  title: 'What libvirt must place itself has a bus that allows it',
  why: 'libvirt places unaddressed controllers only where the connect table matches exactly, and it never adds a parent for root ports, switch ports, dmi-to-pci-bridge or expander buses; with no such bus the domain is refused. The controllers it adds for the disks\' drive addresses (one for every index up to the highest named) and the USB controller and memballoon it adds by default need PCI slots too, and it refuses the domain when it runs out.',
  source: 'libvirt src/conf/domain_addr.c virDomainPCIAddressFlagsCompatible ("was auto-assigned this address, but the PCI controller … doesn\'t allow auto-assignment"), virDomainPCIAddressSetGrow ("Cannot automatically add a new PCI bus for a device with connect flags"), virDomainPCIAddressGetNextAddr ("No PCI buses available"; in the dry run it grows a pcie-root-port even for an integrated device, which virDomainPCIAddressFlagsCompatible then refuses: "needs to be an integrated device (bus=0)"); src/qemu/qemu_domain.c qemuDomainMachineIsQ35, qemuDomainDefAddDefaultDevices (no PCI root for a machine it classifies as neither q35 nor i440fx), qemuDomainSupportsPCI (isapc and microvm have no PCI: a PCI controller or a device that needs a PCI slot written for one is refused, libvirt\'s tests isapc-pci, microvm-pci, usb-controller-default-isapc); src/conf/domain_conf.c virDomainDefAddDiskControllersForType, virDomainDefMaybeAddHostdevSCSIcontroller (a controller for every index up to the one a drive address names, each placed on PCI: libvirt 9.0 defines a q35 disk on SCSI controller 540 and refuses one on 541: "a PCI slot is needed to connect a PCI controller model=\'pci-bridge\', but none is available")',
  families: ['q35', 'virt', 'i440fx', 'other'],
};

/** Root-port functions still free where libvirt may put an unaddressed root port: 8 per free slot. */
function rootPortCapacity(ctx: RuleContext): number {
  let free = 0;
  for (const c of ctx.guest.controllers) {
    if ((c.model !== 'pcie-root' && c.model !== 'pcie-expander-bus') || c.index === undefined) continue;
    const model = BUS_MODELS[c.model];
    if (!model) continue;
    const bus = ctx.busByIndex.get(c.index);
    const used = new Set<number>();
    for (const d of bus?.devices ?? []) if (d.address) used.add(d.address.slot);
    for (const x of bus?.controllers ?? []) if (x.address) used.add(x.address.slot);
    // ICH9's LPC/SATA/SMBus slot on q35.
    if (c.model === 'pcie-root' && ctx.family === 'q35') used.add(0x1f);
    for (let s = model.minSlot; s <= model.maxSlot; s++) if (!used.has(s)) free++;
  }
  return free * 8;
}

/** The fix removes what the machine cannot connect; whatever sat on it loses its address and libvirt places it again. */
function removeFix(list: readonly PciController[]): Fix {
  const what = list.length <= 3 ? list.map(controllerText).join(', ') : `${list.length} controllers (${[...new Set(list.map((c) => c.model))].join(', ')})`;
  return { label: `Remove ${what}: this machine cannot connect ${list.length === 1 ? 'it' : 'them'}`, command: { kind: 'batch', label: `Remove ${what}`, commands: list.map((c) => ({ kind: 'remove-controller' as const, controller: c.key })) } };
}

export const rule: Rule = globalRule(meta, (ctx) => {
  const out: Finding[] = [];
  const stranded = ctx.guest.controllers.filter((c) => {
    const type = controllerConnectType(c);
    // pci-bridge: libvirt can always find or make a PCI slot for it.
    if (c.address || !type || type === 'pci-bridge') return false;
    // a switch upstream port: on a pcie-root libvirt grows a pcie-root-port for it (virDomainPCIAddressSetGrow,
    // src/conf/domain_addr.c); whether that port comes after it is GEN-IDX-4's, a full root bus unplacedAtDefine's
    const grown = type === 'pcie-switch-upstream-port';
    return !(ctx.guest.controllers.some((p) => p !== c && busAccepts(p, type)) || ((type === 'pcie-root-port' || type === 'dmi-to-pci-bridge' || type === 'pcie-expander-bus' || grown) && ctx.pcieRoot));
  });
  for (const c of stranded) {
    const fixes = stranded.length > 1 ? [removeFix(stranded), removeFix([c])] : [removeFix([c])];
    out.push(finding(meta, `${controllerText(c)} has no address and no bus in this guest accepts a ${c.model}; libvirt cannot add one automatically.`, { controllers: c.index !== undefined ? [c.index] : [] }, fixes));
  }
  const unplacedPorts = ctx.guest.controllers.filter((c) => c.model === 'pcie-root-port' && !c.address);
  if (ctx.pcieRoot && unplacedPorts.length > 0) {
    const capacity = rootPortCapacity(ctx);
    if (unplacedPorts.length > capacity) {
      const excess = unplacedPorts.slice(capacity);
      out.push(finding(meta, `${unplacedPorts.length} pcie-root-ports have no address but only ${capacity} root-port functions are free: a PCI slot is needed to connect a PCI controller model='pcie-root-port', but none is available, and it cannot be automatically added.`, { controllers: excess.flatMap((c) => (c.index !== undefined ? [c.index] : [])) }, [removeFix(excess)]));
    }
  }
  out.push(...unplacedAtDefine(ctx, new Set(out.flatMap((f) => f.subjects.controllers ?? []))));
  out.push(...noPciBus(ctx));
  out.push(...pciOnNonPciMachine(ctx));
  if (out.length === 0) out.push(...refusedAtDefine(ctx));
  return out;
});

/**
 * libvirt's address assignment failing on a controller it adds itself (none of the design's own
 * devices or controllers is "unplaced", so the checks above say nothing). Two kinds, both checked
 * with libvirt 9.0's `virsh define`:
 * - q35 or virt whose pcie-root has no slot left for the root port libvirt adds for a device
 *   written without an address: the dry run grows a pcie-root-port bus for the device
 *   (virDomainPCIAddressGetNextAddr → virDomainPCIAddressSetGrow), which then finds no slot and
 *   cannot have a bus added for it (237 virtio NICs define, 238 do not);
 * - i440fx whose dry run added pci-bridges: qemuDomainAssignPCIAddresses reserves a slot for each
 *   bridge it adds while still in the dry run, and a failure there is `goto cleanup` even where
 *   the second pass would place everything (60 e1000 NICs are refused, 59 and 61 define).
 * Either way libvirt says "a PCI slot is needed to connect a PCI controller model='…', but none is
 * available, and it cannot be automatically added" (src/conf/domain_addr.c
 * virDomainPCIAddressSetGrow). The devices libvirt adds itself count as what it places: a q35 whose
 * pcie-root is full of written devices is refused for the root ports its default USB controller and
 * memballoon need. Reported only when this rule has said nothing else: its other
 * findings are the same refusal, named more precisely.
 */
function refusedAtDefine(ctx: RuleContext): Finding[] {
  const disks = addsDiskControllers(ctx);
  const defaults = ctx.machine.placeable ? addsDefaultDevices(ctx, disks) : [];
  if (!ctx.machine.placeable || !(placesAnything(ctx) || disks.length > 0 || defaults.length > 0)) return [];
  const run = defineDomain(ctx.design.guest, ctx.host, ctx.order);
  if (!run) return [];
  // a controller libvirt added for a bus of its dry run and then found no slot for (the real pass's
  // "unplaced"); a run that failed as a whole (unplaced ['*']) is a written address's, which
  // GEN-ADDR-2 reports
  const added = run.unplaced.find((k) => !ctx.guest.controllers.some((c) => c.key === k) && !ctx.guest.devices.some((d) => d.key === k));
  const addedModel = run.guest.controllers.find((c) => c.key === added)?.model;
  const failure = run.dryRunFailure ?? (addedModel ? `a PCI slot is needed to connect a PCI controller model='${addedModel}', but none is available, and it cannot be automatically added` : undefined);
  if (failure === undefined) return [];
  const waiting = ctx.guest.devices.filter((d) => !d.address && !d.implicit && ctx.takesPci(d));
  const ports = ctx.guest.controllers.filter((c) => !c.address && !c.implicit && c.model !== 'pci-root' && c.model !== 'pcie-root');
  // the devices libvirt adds are named only when nothing of the design's is left to it
  const byLibvirt = waiting.length + ports.length > 0 ? [] : defaults;
  const what = [...waiting.map((d) => d.label), ...ports.map(controllerText), ...byLibvirt.map((d) => d.label)];
  const named = what.length <= 3 ? what.join(', ') : [waiting.length + byLibvirt.length ? plural(waiting.length + byLibvirt.length, 'device') : '', ports.length ? plural(ports.length, 'controller') : ''].filter(Boolean).join(' and ');
  const forDisks = disks.map((c) => `${plural(c.added, `${c.type} controller`)} for ${c.by.label}, which sits on ${c.type} controller ${c.highest}`);
  const all = [named, ...forDisks].filter(Boolean).join('; ');
  const advice = forDisks.length ? ' Give the disks a lower `controller` in their drive address.' : ' Free a slot on the root bus, or give the devices addresses on existing buses.';
  return [finding(meta, `libvirt cannot place what has no address (${all}): "${failure}", so it refuses the domain.${advice}`, { devices: [...waiting.map((d) => d.key), ...disks.map((c) => c.by.key)], controllers: ports.flatMap((c) => (c.index !== undefined ? [c.index] : [])) })];
}

/**
 * The controllers libvirt adds at define for the drive addresses of disks and SCSI hostdevs
 * (virDomainDefAddImplicitControllers: every index from 0 to the highest one named), per type, when
 * it adds any: each is a PCI device libvirt places (an lsilogic or virtio-scsi SCSI controller, an
 * AHCI one), so a drive address can make it run out of slots with every device written. Past
 * libvirt's limits (GEN-ADDR-3) nothing is counted here.
 */
function addsDiskControllers(ctx: RuleContext): { readonly type: string; readonly highest: number; readonly by: GuestDevice; readonly added: number }[] {
  const out = [];
  for (const c of virDomainDefImplicitDiskControllers(ctx.guest)) {
    if (c.highest >= MAX_PCI_SLOTS) return [];
    const written = new Set(ctx.guest.devices.filter((d) => d.element === 'controller' && d.type === c.type && d.index !== undefined && d.index <= c.highest).map((d) => d.index));
    if (written.size <= c.highest) out.push({ ...c, added: c.highest + 1 - written.size });
  }
  return out;
}

/**
 * The devices libvirt adds by default with no address that take a PCI slot (qemuDomainDefAddDefaultDevices:
 * a USB controller, a memballoon, unless written, if only with model 'none'), other than the disk
 * controllers {@link addsDiskControllers} counts and q35's SATA controller 0, which libvirt puts on ICH9's
 * 00:1f.2 (qemuDomainValidateDevicePCISlotsQ35): on a q35 whose pcie-root is full they need a root port
 * libvirt has no slot for, and libvirt 9.0 refuses the domain though every written device has an address.
 */
function addsDefaultDevices(ctx: RuleContext, disks: readonly { readonly type: string }[]): GuestDevice[] {
  const written = new Set(ctx.design.guest.devices.map((d) => d.key));
  const diskTypes = new Set(disks.map((c) => c.type));
  return virDomainDefPostParse(ctx.design.guest, ctx.machine).devices.filter((d) => !written.has(d.key) && !d.address && !(d.element === 'controller' && d.type !== undefined && diskTypes.has(d.type)) && !ich9Sata(ctx, d) && ctx.takesPci(d));
}

function ich9Sata(ctx: RuleContext, d: GuestDevice): boolean {
  return ctx.family === 'q35' && d.element === 'controller' && d.type === 'sata' && d.index === 0;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * What libvirt's own placement (the define-time model) cannot place although the checks above let
 * it through: a pcie-to-pci-bridge when every root port is taken (d09) is the kind. libvirt grows
 * the address set only for endpoints, pci-bridges and switch upstream ports
 * (virDomainPCIAddressSetGrow: "Cannot automatically add a new PCI bus for a device with connect
 * flags …"), so it refuses the domain.
 */
function unplacedAtDefine(ctx: RuleContext, reported: ReadonlySet<number>): Finding[] {
  const defined = atDefine(ctx, placesAnything);
  if (!defined) return [];
  const out: Finding[] = [];
  for (const key of defined.unplaced) {
    const c = ctx.guest.controllers.find((x) => x.key === key);
    if (c) {
      if (c.index === undefined || reported.has(c.index)) continue;
      const fix = portBelowFix(ctx, c);
      out.push(finding(meta, `libvirt cannot place ${controllerText(c)}: no ${parentKinds(c)} is free and libvirt cannot add a bus for a ${c.model} ("Cannot automatically add a new PCI bus"), so it refuses the domain.`, { controllers: [c.index] }, fix ? [fix] : undefined));
      continue;
    }
    const d = ctx.guest.devices.find((x) => x.key === key);
    // a device with no connect flags (ich7 sound, a loop/nbd/ploop filesystem) fits no bus at all:
    // its own rule says what libvirt says of it (GEN-SOUND-1, GEN-FS-1), not "No more available PCI slots"
    if (!d || qemuDomainDeviceCalculatePCIConnectFlags(d, ctx.guest, ctx.machine, ctx.design.host) === 0) continue;
    // An integrated device (virtio-iommu, pvpanic-pci) needs pcie-root itself: with no slot free there,
    // the dry run's virDomainPCIAddressGetNextAddr grows a pcie-root-port for it anyway and the
    // reservation behind it refuses that bus (virDomainPCIAddressFlagsCompatible), before any
    // "No more available PCI slots" of the real run.
    // libvirt's define stops at its dry run's failure when there is one (qemuDomainAssignPCIAddresses:
    // the buses it grows for what it places need slots too), and that is the error it gives; the
    // second pass's "No more available PCI slots" only when the dry run went through
    const why = qemuDomainDeviceIsIntegrated(d, ctx.machine)
      ? 'it is an integrated device, which goes on pcie-root only, and pcie-root has no free slot: libvirt adds a pcie-root-port for it and then refuses that bus ("The device at PCI address … needs to be an integrated device (bus=0)")'
      : defined.dryRunFailure !== undefined
        ? `no free slot takes it, and the buses libvirt adds for what it places find no slot either ("${defined.dryRunFailure}")`
        : 'no free slot takes it and libvirt cannot add a bus for it ("No more available PCI slots")';
    out.push(finding(meta, `libvirt cannot place ${d.label}: ${why}, so it refuses the domain.`, { devices: [d.key] }));
  }
  return out;
}

function parentKinds(c: PciController): string {
  const type = controllerConnectType(c);
  const parents = Object.entries(BUS_MODELS).filter(([, m]) => type !== undefined && m.accepts.includes(type)).map(([model]) => model);
  return parents.length > 0 ? parents.join(' or ') : 'bus';
}

/**
 * A free root port for a controller that plugs into one, numbered below it: the new port takes the
 * controller's index and the controller the next free one, since libvirt places controllers in
 * index order and QEMU creates buses in that order (GEN-IDX-4). The port goes where libvirt puts a
 * root port written without an address in the renumbered design (fixes.ts libvirtRootPort: a free
 * function of a slot root ports aggregate before a wholly free slot,
 * virDomainPCIAddressFindUnusedFunctionOnBus): in a pcie-root with no wholly free slot left, that
 * is the only room there is.
 */
function portBelowFix(ctx: RuleContext, c: PciController): Fix | undefined {
  const type = controllerConnectType(c);
  if (!ctx.pcieRoot || c.index === undefined || type === undefined || !busAccepts({ model: 'pcie-root-port' }, type)) return undefined;
  // judged on the design as it is: renumbering the controller libvirt adds for its bridge would hide it
  if (writingAControllerRegrows(ctx)) return undefined;
  const index = nextFreeIndex(ctx.guest);
  const renumber: Command = { kind: 'update-controller', controller: c.key, changes: { index } };
  const port = libvirtRootPort(buildContext(applyCommand(ctx.design, renumber), ctx), c.index);
  if (!port) return undefined;
  return {
    label: `Add a pcie-root-port for ${controllerText(c)} (the ${c.model} becomes index ${index}, after it)`,
    command: { kind: 'batch', label: `Add a pcie-root-port for the ${c.model}`, commands: [renumber, ...port.commands] },
  };
}

/** The x86 machines without PCI (qemuDomainSupportsPCI() is false for them): libvirt adds no PCI root, and none can be written. */
const NON_PCI_X86 = new Set(['isapc', 'microvm']);

/**
 * A machine name libvirt does not classify as q35 ("q35", "pc-q35-*") or i440fx ("pc", "pc-i440fx-*",
 * …) on x86: qemuDomainDefAddDefaultDevices adds no PCI root, so every device that needs a PCI
 * address has no bus (virDomainPCIAddressGetNextAddr: "No PCI buses available"). r13 is the kind:
 * `pc-q35` without a version.
 */
function noPciBus(ctx: RuleContext): Finding[] {
  const arch = ctx.guest.arch ?? '';
  if (ctx.family !== 'other' || !/^(x86_64|i686)$/.test(arch)) return [];
  if (ctx.guest.controllers.some((c) => c.model === 'pci-root' || c.model === 'pcie-root')) return [];
  const needing = ctx.guest.devices.filter((d) => ctx.takesPci(d));
  if (needing.length === 0) return [];
  const names = needing.slice(0, 3).map((d) => d.label).join(', ') + (needing.length > 3 ? ` and ${needing.length - 3} more` : '');
  const machine = ctx.guest.machine ?? '';
  const have = needing.length === 1 ? 'has' : 'have';
  // isapc and microvm have no PCI at all (qemuDomainSupportsPCI): a device written for one that needs
  // a PCI slot has no bus (libvirt 9.0: "No PCI buses available"; libvirt's later test
  // usb-controller-default-isapc: "USB controller model 'piix3-uhci' requires PCI but machine type
  // 'isapc' does not support PCI"). The defaults libvirt 9.0 adds there (a memballoon on isapc, a
  // USB controller on microvm; qemuDomainDefAddDefaultDevices adds neither later) are not modelled.
  if (NON_PCI_X86.has(machine)) return [finding(meta, `Machine type '${machine}' does not support PCI, and ${names} ${needing.length === 1 ? 'needs' : 'need'} a PCI slot: libvirt refuses the domain ("No PCI buses available"; later releases: "… requires PCI but machine type '${machine}' does not support PCI"). Remove ${needing.length === 1 ? 'it' : 'them'}.`, { devices: needing.map((d) => d.key) })];
  return [finding(meta, `libvirt does not know machine '${machine}' as q35 (written 'q35' or 'pc-q35-X.Y') or i440fx, so it adds no PCI root and ${names} ${have} no PCI bus: libvirt refuses the domain ("No PCI buses available"). Write a machine libvirt knows, such as 'q35'.`, { devices: needing.map((d) => d.key) })];
}

/**
 * isapc and microvm have no PCI host bridge in QEMU (qemuDomainSupportsPCI() is false for them), so
 * a PCI controller written for one has no bus behind it: libvirt after 10.7 refuses it at define
 * (its test isapc-pci: "Machine type 'isapc' does not support PCI"); libvirt 9.0 and 10.7 define
 * it, put the memballoon (isapc) or USB controller (microvm) they add by default on it, and QEMU
 * refuses to start ("Bus 'pci.0' not found", checked with libvirt 9.0 and QEMU 7.2).
 */
function pciOnNonPciMachine(ctx: RuleContext): Finding[] {
  const machine = ctx.guest.machine ?? '';
  if (ctx.family !== 'other' || !/^(x86_64|i686)$/.test(ctx.guest.arch ?? '') || !NON_PCI_X86.has(machine)) return [];
  const written = ctx.guest.controllers.filter((c) => !c.implicit);
  if (written.length === 0) return [];
  return [finding(meta, `Machine type '${machine}' does not support PCI, yet ${written.map(controllerText).join(', ')} ${written.length === 1 ? 'is' : 'are'} written: libvirt refuses the domain ("Machine type '${machine}' does not support PCI"; libvirt 9.0 and 10.7 define it and QEMU refuses to start it: "Bus 'pci.0' not found").`, { controllers: written.flatMap((c) => (c.index === undefined ? [] : [c.index])) }, [removeFix(written)])];
}

/** q35 with pcie-root's slots 1..last taken by written e1000e NICs (0x1f is ICH9's), and a virtio disk without an address. */
function rootFilledTo(last: number) {
  const nics = Array.from({ length: last }, (_, i) => dev(`nic${i + 1}`, 'interface', at(0, i + 1), { model: 'e1000e' }));
  return q35([], [...nics, dev('vda', 'disk')]);
}

/** `n` e1000 NICs without an address, and no USB controller or memballoon (libvirt adds neither with model none). */
function nics(machine: string, n: number) {
  const noUsb = dev('usb', 'controller', undefined, { type: 'usb', model: 'none' });
  const noBalloon = dev('balloon', 'memballoon', undefined, { model: 'none' });
  return design({ machine, arch: 'x86_64', devices: [noUsb, noBalloon, ...Array.from({ length: n }, (_, i) => dev(`nic${i + 1}`, 'interface', undefined, { model: 'e1000' }))] });
}

/** q35 with a SCSI disk whose drive address names `controller` (libvirt adds lsilogic 0 to it), and no memballoon. */
function scsiOn(controller: number) {
  return q35([], [dev('sda', 'disk', undefined, { bus: 'scsi', targetDev: 'sda', otherAddressType: 'drive', addressController: controller }), dev('balloon', 'memballoon', undefined, { model: 'none' })]);
}

export const cases = {
  pass: [
    { name: 'root port without address on q35', design: q35([ctrl('pcie-root-port', 1)], []) },
    // connect flags 0: unplaced, but GEN-SOUND-1 / GEN-FS-1 say libvirt's words, not "No more available PCI slots"
    { name: 'ich7 sound and a loop filesystem (no connect flags) are their own rules\' to report', design: q35([], [dev('snd', 'sound', undefined, { model: 'ich7' }), dev('fs', 'filesystem', undefined, { driverType: 'loop' })]) },
    // libvirt 9.0 defines it, adding root port 2 for the upstream port; QEMU refuses the order (GEN-IDX-4)
    { name: 'an upstream port and no root port: libvirt adds one for it', design: q35([ctrl('pcie-switch-upstream-port', 1)], []) },
    { name: 'downstream under an upstream', design: q35([rootPort(1, 1), ctrl('pcie-switch-upstream-port', 2), ctrl('pcie-switch-downstream-port', 3)], []) },
    { name: 'a pcie-to-pci-bridge with a free root port before it', design: q35([ctrl('pcie-root-port', 1), ctrl('pcie-root-port', 2), ctrl('pcie-to-pci-bridge', 3)], [dev('rng0', 'rng', at(1, 0))]) },
    { name: "an x86 machine libvirt knows as q35 ('pc-q35-' and a version)", design: design({ machine: 'pc-q35-7.2', arch: 'x86_64', devices: [dev('vda', 'disk')] }) },
    { name: 'one pcie-root slot left for the root port libvirt adds for an unaddressed disk', design: rootFilledTo(29) },
    { name: 'i440fx: 59 unaddressed NICs (pci-root and one pci-bridge)', design: nics('pc', 59) },
    { name: 'i440fx: 61 unaddressed NICs (libvirt 9.0 defines it, though it refuses 60)', design: nics('pc', 61) },
    // libvirt 9.0 defines it: 541 lsilogic controllers behind a pcie-to-pci-bridge and 17 pci-bridges
    { name: 'q35: a SCSI disk on drive controller 540', design: scsiOn(540) },
    { name: 'isapc with no PCI controller written', design: design({ machine: 'isapc', arch: 'x86_64', devices: [dev('balloon', 'memballoon', undefined, { model: 'none' })] }) },
    { name: 'an x86 machine libvirt does not know, with nothing that needs PCI', design: design({ machine: 'pc-q35', arch: 'x86_64', devices: [dev('sda', 'disk', undefined, { bus: 'sata' })] }) },
  ],
  fail: [
    { name: '241 unaddressed root ports', design: q35(Array.from({ length: 241 }, (_, i) => ctrl('pcie-root-port', i + 1)), []), expect: {} },
    { name: 'downstream port with no upstream port', design: q35([rootPort(1, 1), ctrl('pcie-switch-downstream-port', 2)], []), expect: { controllers: [2] } },
    // r12-s390x-root-ports
    { name: 'root ports on s390', design: design({ machine: 's390-ccw-virtio', arch: 's390x', controllers: [ctrl('pcie-root-port', 1), ctrl('pcie-root-port', 2)] }), expect: { controllers: [1] } },
    // d09-q35-pcie-to-pci-bridge-no-free-port: the only root port is taken; libvirt cannot add one for a bridge
    { name: 'a pcie-to-pci-bridge when every root port is taken', design: q35([ctrl('pcie-root-port', 1), ctrl('pcie-to-pci-bridge', 2)], [dev('rng0', 'rng', at(1, 0))]), expect: { controllers: [2] } },
    // libvirt 9.0 refuses it at define: "a PCI slot is needed to connect a PCI controller model='pcie-root-port', but none is available, and it cannot be automatically added"
    { name: 'no pcie-root slot left for the root port libvirt adds for an unaddressed disk', design: rootFilledTo(30), expect: { devices: ['vda'] } },
    // the same on aarch64 virt, whose pcie-root has slot 0x1f free too (libvirt 9.0 refuses it likewise)
    { name: 'virt: no pcie-root slot left for the root port libvirt adds', design: virt([], [...Array.from({ length: 31 }, (_, i) => dev(`nic${i + 1}`, 'interface', at(0, i + 1), { model: 'e1000e' })), dev('vda', 'disk')]), expect: { devices: ['vda'] } },
    // i440fx: the dry run adds two pci-bridges and finds no slot for the second one's reservation
    { name: 'i440fx: 60 unaddressed NICs, the dry run finding no slot for a pci-bridge it adds', design: nics('pc', 60), expect: { devices: Array.from({ length: 60 }, (_, i) => `nic${i + 1}`) } },
    // libvirt 9.0: "a PCI slot is needed to connect a PCI controller model='pci-bridge', but none is available, and it cannot be automatically added"
    { name: 'q35: a SCSI disk on drive controller 541 (542 controllers libvirt adds)', design: scsiOn(541), expect: { devices: ['sda'] } },
    // libvirt's test isapc-pci (and microvm-pci): a pci-root on a machine without PCI
    { name: 'a pci-root written for isapc', design: design({ machine: 'isapc', arch: 'x86_64', controllers: [ctrl('pci-root', 0)] }), expect: { controllers: [0] } },
    // libvirt's test usb-controller-default-isapc: the USB controller's default model is PCI
    { name: 'isapc with a USB controller', design: design({ machine: 'isapc', arch: 'x86_64', devices: [dev('usb', 'controller', undefined, { type: 'usb' }), dev('balloon', 'memballoon', undefined, { model: 'none' })] }), expect: { devices: ['usb'] } },
    { name: 'microvm with an e1000 NIC', design: design({ machine: 'microvm', arch: 'x86_64', devices: [dev('nic', 'interface', undefined, { model: 'e1000' }), dev('balloon', 'memballoon', undefined, { model: 'none' })] }), expect: { devices: ['nic'] } },
    { name: 'a pci-root written for microvm', design: design({ machine: 'microvm', arch: 'x86_64', controllers: [ctrl('pci-root', 0)] }), expect: { controllers: [0] } },
    // r13-machine-pc-q35-without-version: libvirt adds no PCI root for a machine it does not classify
    { name: "an x86 machine libvirt does not know ('pc-q35' without a version) with a device that needs PCI", design: design({ machine: 'pc-q35', arch: 'x86_64', devices: [dev('vda', 'disk')] }), expect: { devices: ['vda'] } },
  ],
};
