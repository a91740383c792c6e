import type { PciController } from '../model/guest.ts';
import type { DefinedDomain } from '../placement/defineTime.ts';
import { defineDomain } from '../placement/defineTime.ts';
import type { RuleContext } from './context.ts';
import { BUS_MODELS } from '../libvirt/index.ts';
import { MAX_CONTROLLER_INDEX } from '../libvirt/limits.ts';

/**
 * What libvirt makes of the design at define time, for the rules that judge it (issue 13: `validate`
 * on the input catches what it catches on the placed output). It is the one define-time model
 * (placement/defineTime.ts defineDomain: virDomainDefPostParse + qemuDomainAssignPCIAddresses),
 * as the libvirt release validation targets orders the controllers (RuleContext.order),
 * run once per validation and only when a rule's `matters` says libvirt has something to decide
 * that can go wrong, so a fully written design costs nothing.
 */
export function atDefine(ctx: RuleContext, matters: (ctx: RuleContext) => boolean): DefinedDomain | undefined {
  if (!ctx.machine.placeable || !matters(ctx)) return undefined;
  const r = defineDomain(ctx.design.guest, ctx.host, ctx.order);
  return r && !r.unplaced.includes('*') ? r : undefined;
}

const isRoot = (c: PciController): boolean => c.model === 'pci-root' || c.model === 'pcie-root';

/** A written PCI controller libvirt must place itself (no address, not a root): where it lands is libvirt's choice. */
export function placesControllers(ctx: RuleContext): boolean {
  return ctx.design.guest.controllers.some((c) => !c.address && !c.implicit && !isRoot(c));
}

/**
 * …or a written device that needs a PCI address and has none, or a bus libvirt adds to a fully
 * written design ({@link addsBuses}): libvirt places that bus's controller.
 */
export function placesAnything(ctx: RuleContext): boolean {
  return placesControllers(ctx) || ctx.design.guest.devices.some((d) => !d.address && !d.implicit && ctx.takesPci(d)) || addsBuses(ctx);
}

/**
 * May libvirt's dry run (qemuDomainAssignPCIAddresses, src/qemu/qemu_domain_address.c) add a bus
 * when every device and controller is written? It does for an index no controller has up to the
 * highest written one (qemuDomainPCIAddressSetCreate sizes the set by it) and for a bus an address
 * names beyond that (qemuDomainCollectPCIAddress → virDomainPCIAddressReserveAddrInternal: `if
 * (addrs->dryRun && virDomainPCIAddressSetGrow(...))`, src/conf/domain_addr.c); and with a pci-root,
 * for the slot it reserves for a future bridge when the buses are not all full ("reserve 1 extra
 * slot for a (potential) bridge"), which grows a bus only if no bus has a free slot for a PCI
 * device, so only if the root bus, which takes them, has none. virDomainDefMaybeAddController adds
 * a controller for each new bus and qemuDomainPCIAddressReserveNextAddr gives it a slot, which may
 * be on its own bus (GEN-IDX-4). A gate, not the verdict: true when the define-time model must run
 * to know.
 */
export function addsBuses(ctx: RuleContext): boolean {
  // the root is libvirt's whether written or not; the buses import shows `implicit` are the ones it adds
  const written = new Set<number>([0]);
  for (const c of ctx.guest.controllers) if (c.index !== undefined && !c.implicit) written.add(c.index);
  const highest = Math.max(0, ...written);
  for (let i = 1; i < highest; i++) if (!written.has(i)) return true;
  const named = (a: { readonly bus: number } | undefined): boolean => a !== undefined && !written.has(a.bus);
  if (ctx.guest.devices.some((d) => !d.implicit && named(d.address)) || ctx.guest.controllers.some((c) => named(c.address))) return true;
  return !ctx.pcieRoot && rootBusFull(ctx);
}

/** Has the pci-root at index 0 no free slot: each is written, or held by the chipset (PIIX3's 00:01)? */
function rootBusFull(ctx: RuleContext): boolean {
  const root = ctx.controllerByIndex.get(0);
  const shape = root?.model === 'pci-root' ? BUS_MODELS['pci-root'] : undefined;
  if (!shape) return false;
  const used = new Set<number>(ctx.machine.chipset?.builtinSlots ?? []);
  const bus = ctx.busByIndex.get(0);
  for (const x of [...(bus?.devices ?? []), ...(bus?.controllers ?? [])]) if (x.address) used.add(x.address.slot);
  for (let s = shape.minSlot; s <= shape.maxSlot; s++) if (!used.has(s)) return false;
  return true;
}

/** Is this controller one libvirt adds (not written in the design, nor the root it always adds)? */
export function addedByLibvirt(defined: DefinedDomain, c: PciController): boolean {
  return !defined.written.has(c.key) && !isRoot(c);
}

/** How a finding names a controller of the defined guest: the ones libvirt adds say so. */
export function definedControllerText(defined: DefinedDomain, c: PciController): string {
  return addedByLibvirt(defined, c) ? `the ${c.model} index ${c.index ?? '?'} libvirt adds at define` : `${c.model} controller index ${c.index ?? '(none)'}`;
}

/**
 * The PCI controllers libvirt adds past its highest index when it defines the design: one per bus
 * its address assignment grows for what it places (qemuDomainAssignPCIAddresses,
 * virDomainPCIAddressSetGrow, then virDomainDefMaybeAddController). libvirt's validation after
 * post-parse refuses each (src/conf/domain_validate.c virDomainControllerDefValidate: "PCI
 * controller index 256 too high, maximum is 255"; checked with libvirt 9.0, test/real/index-limit.test.ts).
 * A controller written past 255, or written without an index and numbered past it as libvirt reads
 * the domain (the context's guest has those indexes), is GEN-IDX-1's parse-time finding instead.
 * Empty when the model did not run, and when libvirt's address assignment refuses the domain first
 * (something it cannot place, or its dry run failing: GEN-CONNECT-1): post-parse fails there, and
 * the validation that checks the indexes never runs (virDomainDefPostParse before
 * virDomainDefValidate; libvirt 9.0 says only "a PCI slot is needed to connect a PCI controller …").
 */
export function indexesPastLimitAtDefine(ctx: RuleContext, defined: DefinedDomain | undefined): Array<PciController & { readonly index: number }> {
  if (!defined || defined.unplaced.length > 0 || defined.dryRunFailure !== undefined) return [];
  const read = new Set(ctx.guest.controllers.map((c) => c.key));
  return defined.guest.controllers.filter((c): c is PciController & { readonly index: number } => c.index !== undefined && c.index > MAX_CONTROLLER_INDEX && !read.has(c.key));
}
