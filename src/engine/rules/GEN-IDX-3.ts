import type { Finding, Rule, RuleMeta } from './types.ts';
import { finding, nextFreeIndex } from './context.ts';
import { globalRule } from './define.ts';
import { removeControllerFix } from './fixes.ts';
import { ctrl, design, phb, pseries, q35 } from './testkit.ts';

const meta: RuleMeta = {
  id: 'GEN-IDX-3',
  severity: 'error',
  title: 'Non-root controllers have index > 0; roots have index 0 (pseries may have more pci-roots)',
  why: 'Index 0 belongs to the root bus; libvirt refuses a bridge or port with index 0, and a second root bus on any machine but pseries.',
  source: "libvirt src/qemu/qemu_validate.c qemuValidateDomainDeviceDefControllerPCI (\"Index for '…' controllers must be > 0\"); src/qemu/qemu_domain.c qemuDomainControllerDefPostParse",
  families: 'all',
};

const KNOWN_ROOT: Record<string, string> = { pseries: 'pci-root', i440fx: 'pci-root', q35: 'pcie-root', virt: 'pcie-root' };

export const rule: Rule = globalRule(meta, (ctx) => {
  const out: Finding[] = [];
  for (const c of ctx.guest.controllers) {
    if (c.index === undefined) continue;
    const isRoot = c.model === 'pci-root' || c.model === 'pcie-root';
    // A non-root model at index 0 is GEN-IDX-2 on machines whose root is known.
    if (!isRoot && c.index === 0 && KNOWN_ROOT[ctx.family] === undefined) out.push(finding(meta, `Index for '${c.model}' controllers must be > 0.`, { controllers: [0] }, [{ label: `Renumber the ${c.model} controller to index ${nextFreeIndex(ctx.guest)}`, command: { kind: 'update-controller', controller: c.key, changes: { index: nextFreeIndex(ctx.guest) } } }]));
    if (c.model === 'pcie-root' && c.index !== 0) out.push(finding(meta, `pcie-root controllers must have index 0, not ${c.index}.`, { controllers: [c.index] }, removeControllerFix(c, 'the root bus is index 0')));
    if (c.model === 'pci-root' && c.index !== 0 && ctx.family !== 'pseries') out.push(finding(meta, `pci-root controllers must have index 0 on this machine type (only pseries has several PHBs); index ${c.index} found.`, { controllers: [c.index] }, removeControllerFix(c, 'only pseries has several root buses')));
  }
  return out;
});

export const cases = {
  pass: [{ name: 'pseries with PHB 1', design: pseries([phb(1)], []) }],
  fail: [
    { name: 'q35 with pci-root 1', design: q35([ctrl('pci-root', 1)], []), expect: { controllers: [1] } },
    { name: 'pseries with pcie-root 2', design: pseries([ctrl('pcie-root', 2)], []), expect: { controllers: [2] } },
    { name: 'unknown machine, bridge at 0', design: design({ machine: 'mystery', controllers: [ctrl('pci-bridge', 0)] }), expect: { controllers: [0] } },
  ],
};
