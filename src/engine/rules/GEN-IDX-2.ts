import type { Rule, RuleMeta } from './types.ts';
import { finding } from './context.ts';
import { globalRule } from './define.ts';
import { ctrl, design, phb, q35 } from './testkit.ts';

const meta: RuleMeta = {
  id: 'GEN-IDX-2',
  severity: 'error',
  title: "Index 0 is the machine's root controller",
  why: 'Controller index 0 is the root bus the machine provides: pci-root on pseries and i440fx, pcie-root on q35 and aarch64 virt. libvirt refuses any other model there.',
  source: "libvirt src/qemu/qemu_domain.c qemuDomainDefAddDefaultDevices (\"The PCI controller with index='0' must be model='…' for this machine type\")",
  families: ['pseries', 'i440fx', 'q35', 'virt'],
};

export const rule: Rule = globalRule(meta, (ctx) => {
  const root = ctx.family === 'pseries' || ctx.family === 'i440fx' ? 'pci-root' : 'pcie-root';
  return ctx.guest.controllers
    .filter((c) => c.index === 0 && c.model !== root)
    .map((c) => finding(meta, `The PCI controller with index 0 must be model '${root}' for this machine type, but model '${c.model}' was found instead.`, { controllers: [0] }));
});

export const cases = {
  pass: [{ name: 'q35 pcie-root', design: q35([], []) }],
  fail: [
    { name: 'pseries with pcie-root 0', design: design({ machine: 'pseries', controllers: [ctrl('pcie-root', 0)] }), expect: { controllers: [0] } },
    { name: 'q35 with pci-root 0', design: design({ machine: 'q35', controllers: [phb(0)] }), expect: { controllers: [0] } },
  ],
};
