import type { Rule, RuleMeta } from './types.ts';
import { controllerText, finding } from './context.ts';
import { globalRule } from './define.ts';
import { CONTROLLER_MODEL_NAMES } from '../libvirt/index.ts';
import { at, ctrl, phb, pseries, q35 } from './testkit.ts';

const meta: RuleMeta = {
  id: 'GEN-MODEL-1',
  severity: 'error',
  title: '<model name> matches the controller model',
  why: 'The model name is the QEMU device libvirt starts for the controller; a name that does not belong to the model is refused.',
  source: 'libvirt src/qemu/qemu_validate.c qemuValidateDomainDeviceDefControllerPCI; src/qemu/qemu_domain.c qemuDomainPCIControllerSetDefaultModelName; domaincommon.rng controller/pci',
  families: 'all',
};

export const rule: Rule = globalRule(meta, (ctx) =>
  ctx.guest.controllers.flatMap((c) => {
    if (c.modelName === undefined) return [];
    let allowed: readonly string[] | undefined;
    if (c.model === 'pci-root') allowed = ctx.family === 'pseries' ? ['spapr-pci-host-bridge'] : [];
    else if (c.model === 'pcie-root') allowed = [];
    else allowed = CONTROLLER_MODEL_NAMES[c.model];
    if (!allowed || allowed.includes(c.modelName)) return [];
    const want = allowed.length ? `must be ${allowed.map((n) => `'${n}'`).join(' or ')}` : 'must not be given';
    return [finding(meta, `${controllerText(c)} has <model name='${c.modelName}'/>: the name ${want}.`, { controllers: c.index !== undefined ? [c.index] : [] })];
  }),
);

export const cases = {
  pass: [{ name: 'PHB and root port names', design: pseries([phb(1)], []) }, { name: 'ioh3420', design: q35([ctrl('pcie-root-port', 1, { modelName: 'ioh3420', address: at(0, 1) })], []) }],
  fail: [
    { name: 'bridge named pxb', design: pseries([ctrl('pci-bridge', 1, { modelName: 'pxb', address: at(0, 1) })], []), expect: { controllers: [1] } },
    { name: 'spapr name on q35', design: q35([], [], undefined, { controllers: [ctrl('pcie-root', 0, { modelName: 'spapr-pci-host-bridge' })] }), expect: { controllers: [0] } },
  ],
};
