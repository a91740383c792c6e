import type { Finding, Rule, RuleMeta } from './types.ts';
import { controllerText, finding, nextFreeIndex } from './context.ts';
import { globalRule } from './define.ts';
import { ctrl, phb, pseries, q35 } from './testkit.ts';

const meta: RuleMeta = {
  id: 'GEN-IDX-1',
  severity: 'error',
  title: 'PCI controller indexes are 0-255 and unique',
  why: 'The index is the bus number addresses use; libvirt refuses an index above 255 and two PCI controllers with the same index.',
  source: 'libvirt src/conf/domain_validate.c virDomainControllerDefValidate ("PCI controller index N too high"); domain_conf.c parser ("Multiple \'pci\' controllers with index")',
  families: 'all',
};

export const rule: Rule = globalRule(meta, (ctx) => {
  const out: Finding[] = [];
  const seen = new Set<number>();
  let free = nextFreeIndex(ctx.guest);
  for (const c of ctx.guest.controllers) {
    const unreadable = c.unreadable?.find((u) => u.startsWith('index='));
    if (unreadable) {
      out.push(finding(meta, `A ${c.model || 'PCI'} controller has ${unreadable}: libvirt expects a non-negative integer and refuses the domain.`, {}));
      continue;
    }
    if (c.index === undefined) continue;
    if (c.index < 0) {
      out.push(finding(meta, `PCI controller index ${c.index} is invalid: libvirt expects a non-negative integer ("Invalid value for attribute 'index'").`, { controllers: [c.index] }));
    } else if (c.index > 255) {
      out.push(finding(meta, `PCI controller index ${c.index} is out of range: the maximum is 255.`, { controllers: [c.index] }));
    } else if (seen.has(c.index)) {
      const fix = free <= 255 ? [{ label: `Give the second controller ${c.index} the free index ${free}`, command: { kind: 'update-controller' as const, controller: c.key, changes: { index: free } } }] : undefined;
      free++;
      out.push(finding(meta, `Multiple PCI controllers with index ${c.index} (${controllerText(c)}).`, { controllers: [c.index] }, fix));
    }
    seen.add(c.index);
  }
  return out;
});

export const cases = {
  pass: [{ name: 'distinct indexes', design: pseries([phb(1), phb(2)], []) }],
  fail: [
    { name: 'two controllers index 1', design: pseries([phb(1), phb(1, { index: 2 }, { key: 'pci-dup' })], []), expect: { controllers: [1] } },
    { name: 'index 256', design: q35([ctrl('pci-bridge', 256)], []), expect: { controllers: [256] } },
    // libvirt's own test pci-bridge-negative-index-invalid
    { name: 'index -1', design: q35([ctrl('pci-bridge', -1)], []), expect: { controllers: [-1] } },
    { name: "index='one' (unreadable)", design: q35([{ ...ctrl('pci-bridge', 1), index: undefined, unreadable: ["index='one'"] }], []), expect: {} },
  ],
};
