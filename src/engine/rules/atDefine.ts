import type { PciController } from '../model/guest.ts';
import type { DefinedDomain } from '../placement/defineTime.ts';
import { defineDomain } from '../placement/defineTime.ts';
import type { RuleContext } from './context.ts';

/**
 * What libvirt makes of the design at define time, for the rules that judge it (issue 13: `validate`
 * on the input catches what it catches on the placed output). It is the one define-time model
 * (placement/defineTime.ts defineDomain: virDomainDefPostParse + qemuDomainAssignPCIAddresses),
 * run once per validation and only when a rule's `matters` says libvirt has something to decide
 * that can go wrong, so a fully written design costs nothing.
 */
export function atDefine(ctx: RuleContext, matters: (ctx: RuleContext) => boolean): DefinedDomain | undefined {
  if (!ctx.machine.placeable || !matters(ctx)) return undefined;
  const r = defineDomain(ctx.design.guest, ctx.host);
  return r && !r.unplaced.includes('*') ? r : undefined;
}

const isRoot = (c: PciController): boolean => c.model === 'pci-root' || c.model === 'pcie-root';

/** A written PCI controller libvirt must place itself (no address, not a root): where it lands is libvirt's choice. */
export function placesControllers(ctx: RuleContext): boolean {
  return ctx.design.guest.controllers.some((c) => !c.address && !c.implicit && !isRoot(c));
}

/** …or a written device that needs a PCI address and has none. */
export function placesAnything(ctx: RuleContext): boolean {
  return placesControllers(ctx) || ctx.design.guest.devices.some((d) => !d.address && !d.implicit && ctx.takesPci(d));
}

/** Is this controller one libvirt adds (not written in the design, nor the root it always adds)? */
export function addedByLibvirt(defined: DefinedDomain, c: PciController): boolean {
  return !defined.written.has(c.key) && !isRoot(c);
}

/** How a finding names a controller of the defined guest: the ones libvirt adds say so. */
export function definedControllerText(defined: DefinedDomain, c: PciController): string {
  return addedByLibvirt(defined, c) ? `the ${c.model} index ${c.index ?? '?'} libvirt adds at define` : `${c.model} controller index ${c.index ?? '(none)'}`;
}
