import type { Rule, RuleMeta } from './types.ts';
import { finding } from './context.ts';
import { globalRule } from './define.ts';
import { ctrl, design, q35 } from './testkit.ts';

const meta: RuleMeta = {
  id: 'GEN-IDX-6',
  severity: 'error',
  title: 'A controller without index would take index 0',
  why: 'libvirt gives an index-less controller the lowest unused index before it adds the root bus, so with no explicit index-0 root a port or bridge becomes controller 0 and the domain is refused.',
  source: 'libvirt src/conf/domain_postparse.c virDomainAssignControllerIndexes, virDomainDefPostParse; docs/pci-hotplug.rst (q35)',
  families: 'all',
};

export const rule: Rule = globalRule(meta, (ctx) => {
  // The controllers as written: the context's have libvirt's indexes filled in already.
  const written = ctx.design.guest.controllers;
  if (written.some((c) => c.index === 0)) return [];
  const first = written.find((c) => c.index === undefined);
  if (!first || first.model === 'pci-root' || first.model === 'pcie-root') return [];
  return [finding(meta, `The ${first.model} controller written without an index will get index 0, which must be the root bus. Add the root controller (index 0) explicitly or give the controller an index.`, { controllers: [] })];
});

export const cases = {
  pass: [{ name: 'pcie-root written', design: q35([ctrl('pcie-root-port', undefined)], []) }],
  fail: [{ name: 'only an index-less root port', design: design({ machine: 'q35', controllers: [ctrl('pcie-root-port', undefined)] }), expect: {} }],
};
