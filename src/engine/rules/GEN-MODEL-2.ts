import type { Rule, RuleMeta } from './types.ts';
import { controllerText, finding } from './context.ts';
import { globalRule } from './define.ts';
import { CONTROLLER_MODEL_NAMES } from '../libvirt/index.ts';
import { ctrl, design, phb, pseries } from './testkit.ts';

const meta: RuleMeta = {
  id: 'GEN-MODEL-2',
  severity: 'error',
  title: 'The QEMU binary has the device behind the model name',
  why: "The model name is the QEMU device libvirt starts; when the emulator for the guest's architecture does not have it, libvirt refuses the controller (\"The '…' device is not supported by this QEMU binary\").",
  source: "libvirt src/qemu/qemu_validate.c virValidateControllerPCIModelNameToQEMUCaps; tests/qemucapabilitiesdata ppc64 caps (QEMU 7.1) list no 'pxb'",
  families: 'all',
};

/**
 * Devices RULES.md records as missing from an emulator, by guest arch. Only what the capability
 * data shows is claimed: qemu-system-ppc64 has no pxb.
 */
const MISSING: Readonly<Record<string, { readonly binary: string; readonly devices: ReadonlySet<string> }>> = {
  ppc64: { binary: 'qemu-system-ppc64', devices: new Set(['pxb']) },
  ppc64le: { binary: 'qemu-system-ppc64', devices: new Set(['pxb']) },
};

export const rule: Rule = globalRule(meta, (ctx) => {
  const missing = MISSING[ctx.guest.arch ?? (ctx.family === 'pseries' ? 'ppc64' : '')];
  if (!missing) return [];
  return ctx.guest.controllers.flatMap((c) => {
    // libvirt fills the default name in before it checks the capability.
    const name = c.modelName ?? CONTROLLER_MODEL_NAMES[c.model]?.[0];
    if (name === undefined || !missing.devices.has(name)) return [];
    return [finding(meta, `${controllerText(c)} needs the QEMU device '${name}', which ${missing.binary} does not have: libvirt refuses it ("The '${name}' device is not supported by this QEMU binary").`, { controllers: c.index !== undefined ? [c.index] : [] })];
  });
});

export const cases = {
  pass: [
    { name: 'pseries PHBs and a pci-bridge', design: pseries([phb(1), ctrl('pci-bridge', 2, { target: { chassisNr: 2 } })], []) },
    { name: 'pxb on an x86_64 i440fx guest', design: design({ machine: 'pc', controllers: [ctrl('pci-root', 0), ctrl('pci-expander-bus', 1, { modelName: 'pxb', target: { busNr: 254 } })] }) },
  ],
  fail: [
    { name: 'pci-expander-bus on pseries (default name pxb)', design: pseries([ctrl('pci-expander-bus', 1)], []), expect: { controllers: [1] } },
    { name: "explicit <model name='pxb'/> on ppc64", design: pseries([ctrl('pci-expander-bus', 1, { modelName: 'pxb' })], [], undefined, { arch: 'ppc64' }), expect: { controllers: [1] } },
  ],
};
