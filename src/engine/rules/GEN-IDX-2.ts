import type { Fix, Rule, RuleMeta } from './types.ts';
import type { PciController } from '../model/guest.ts';
import type { RuleContext } from './context.ts';
import { finding } from './context.ts';
import { globalRule } from './define.ts';
import { at, ctrl, dev, design, phb, q35 } from './testkit.ts';

const meta: RuleMeta = {
  id: 'GEN-IDX-2',
  severity: 'error',
  title: "Index 0 is the machine's root controller",
  why: 'Controller index 0 is the root bus the machine provides: pci-root on pseries and i440fx, pcie-root on q35 and aarch64 virt. libvirt refuses any other model there.',
  source: "libvirt src/qemu/qemu_domain.c qemuDomainDefAddDefaultDevices (\"The PCI controller with index='0' must be model='…' for this machine type\")",
  families: ['pseries', 'i440fx', 'q35', 'virt'],
};

/** Controllers with no parent on a machine whose root is pci-root (RULES.md table 1.1, PAPR-CTRL-2..4, Q35-PXB-2). */
const PCIE_ONLY = new Set(['pcie-root-port', 'pcie-switch-upstream-port', 'pcie-switch-downstream-port', 'dmi-to-pci-bridge', 'pcie-to-pci-bridge', 'pcie-expander-bus']);

/**
 * The fix gives the machine its root back: it removes the wrong root (libvirt then adds the right
 * one, qemuDomainDefAddDefaultDevices) and every controller that cannot connect under the new root,
 * leaving what sat on them without an address for libvirt to place.
 */
function rootFix(ctx: RuleContext, wrong: PciController, root: string): Fix | undefined {
  if (wrong.implicit) return undefined;
  const misfits = ctx.guest.controllers.filter((c) => c !== wrong && !c.implicit && (root === 'pci-root' ? PCIE_ONLY.has(c.model) || (ctx.family === 'pseries' && c.model === 'pci-expander-bus') : c.model === 'pci-expander-bus'));
  const dropped = misfits.map((c) => `${c.model} ${c.index ?? ''}`.trim());
  return {
    label: `Use ${root} as the root${dropped.length ? ` and remove what it cannot connect (${dropped.join(', ')})` : ''}`,
    command: { kind: 'batch', label: `Use ${root} as the root`, commands: [wrong, ...misfits].map((c) => ({ kind: 'remove-controller' as const, controller: c.key })) },
  };
}

export const rule: Rule = globalRule(meta, (ctx) => {
  const root = ctx.family === 'pseries' || ctx.family === 'i440fx' ? 'pci-root' : 'pcie-root';
  return ctx.guest.controllers
    .filter((c) => c.index === 0 && c.model !== root)
    .map((c) => {
      const fix = rootFix(ctx, c, root);
      return finding(meta, `The PCI controller with index 0 must be model '${root}' for this machine type, but model '${c.model}' was found instead.`, { controllers: [0] }, fix ? [fix] : undefined);
    });
});

export const cases = {
  pass: [{ name: 'q35 pcie-root', design: q35([], []) }],
  fail: [
    { name: 'pseries with pcie-root 0', design: design({ machine: 'pseries', controllers: [ctrl('pcie-root', 0)] }), expect: { controllers: [0] } },
    { name: 'q35 with pci-root 0', design: design({ machine: 'q35', controllers: [phb(0)] }), expect: { controllers: [0] } },
    // r04-i440fx-left-with-pcie-root: the root ports go with the pcie-root, their devices are placed again
    {
      name: 'i440fx with pcie-root and root ports',
      design: design({
        machine: 'pc-i440fx-7.2',
        controllers: [ctrl('pcie-root', 0), ctrl('pcie-root-port', 1, { address: at(0, 2, 0, 'on'), target: { chassis: 1, port: 16 } }), ctrl('pcie-root-port', 2, { address: at(0, 2, 1), target: { chassis: 2, port: 17 } })],
        devices: [dev('vda', 'disk', at(2, 0)), dev('nic', 'interface', at(1, 0), { model: 'e1000e' })],
      }),
      expect: { controllers: [0] },
    },
  ],
};
