import type { Rule, RuleMeta } from './types.ts';
import { finding } from './context.ts';
import { globalRule } from './define.ts';
import { at, ctrl, q35 } from './testkit.ts';

const meta: RuleMeta = {
  id: 'Q35-ROOT-1',
  severity: 'error',
  title: 'pcie-root has no address',
  why: 'The root bus is the machine itself and plugs into nothing; libvirt refuses a pci-root or pcie-root with an <address>.',
  source: 'libvirt src/conf/domain_validate.c virDomainControllerDefValidate ("pci-root and pcie-root controllers should not have an address"); qemuDomainDefAddDefaultDevices',
  families: 'all',
};

export const rule: Rule = globalRule(meta, (ctx) =>
  ctx.guest.controllers
    .filter((c) => (c.model === 'pcie-root' || c.model === 'pci-root') && c.address)
    .map((c) => finding(meta, `The ${c.model} controller (index ${c.index}) should not have an address.`, { controllers: c.index !== undefined ? [c.index] : [] }, [{ label: 'Remove the address', command: { kind: 'update-controller', controller: c.key, changes: { address: null } } }])),
);

export const cases = {
  pass: [{ name: 'bare pcie-root', design: q35([], []) }],
  fail: [{ name: 'pcie-root with address', design: q35([], [], undefined, { controllers: [ctrl('pcie-root', 0, { address: at(0, 1) })] }), expect: { controllers: [0] } }],
};
