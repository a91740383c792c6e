import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDesign } from '../xml/domain.ts';
import { virDomainAssignControllerIndexes } from './domainConf.ts';
import { applyCommand } from '../commands/commands.ts';
import { controllerTargetId, dropTargets, takesEndpoints } from '../commands/drop.ts';
import { sharedPath } from '../../../test/support/shared.ts';

/**
 * virDomainAssignControllerIndexes (src/conf/domain_postparse.c, run by virDomainDefPostParse) on
 * libvirt's own test inputs whose PCI controllers are written without `index`
 * (qemuxmlconfdata__q35-pcie.xml, q35-multifunction.xml, pseries-phb-simple.xml, ...): each gets the
 * index libvirt's expected output (`*.<arch>-latest.xml`) gives the controller of that model.
 */

const pciControllers = (xml: string): { index: number | undefined; model: string }[] => {
  const d = createDesign(xml);
  if (!d.ok) throw new Error(d.error.message);
  return d.value.guest.controllers.filter((c) => !c.implicit).map((c) => ({ index: c.index, model: c.model }));
};

describe('virDomainAssignControllerIndexes on the corpus', () => {
  const corpus = sharedPath('the libvirt corpus', 'corpus', 'libvirt');
  if (!corpus) return;
  const files = readdirSync(corpus);
  // every input that writes a PCI controller without an index and has libvirt's output beside it
  const cases = files
    .filter((f) => f.endsWith('.xml') && !f.includes('-latest.') && !f.endsWith('-invalid.xml'))
    .map((f) => ({ input: f, output: files.find((o) => o.startsWith(f.replace(/\.xml$/, '.')) && o.endsWith('-latest.xml')) }))
    .filter((c): c is { input: string; output: string } => c.output !== undefined)
    .filter((c) => /<controller\b(?=[^>]*type=['"]pci['"])(?![^>]*\bindex=)[^>]*>/.test(readFileSync(path.join(corpus, c.input), 'utf8')));

  it('finds several such documents, q35 and pseries among them', () => {
    expect(cases.map((c) => c.input)).toEqual(expect.arrayContaining(['qemuxmlconfdata__q35-pcie.xml', 'qemuxmlconfdata__q35-multifunction.xml', 'qemuxmlconfdata__pseries-phb-simple.xml']));
  });

  for (const c of cases) {
    it(`${c.input}: each index-less PCI controller gets the index libvirt's output gives it`, () => {
      const written = createDesign(readFileSync(path.join(corpus, c.input), 'utf8'));
      if (!written.ok) throw new Error(written.error.message);
      const list = written.value.guest.controllers.filter((x) => !x.implicit);
      const before = list.filter((x) => x.index === undefined).length;
      expect(before).toBeGreaterThan(0);
      const assigned = virDomainAssignControllerIndexes(list);
      const want = new Set(pciControllers(readFileSync(path.join(corpus, c.output), 'utf8')).map((x) => `${x.index} ${x.model}`));
      for (const [i, x] of assigned.entries()) {
        expect(x.index, `controller ${i} (${x.model})`).toBeDefined();
        expect(want.has(`${x.index} ${x.model}`), `${x.model} index ${x.index} in ${c.output}`).toBe(true);
      }
      // written indexes stay as written: the same objects
      for (const [i, x] of list.entries()) if (x.index !== undefined) expect(assigned[i]).toBe(x);
    });
  }

  // the documents among them whose index-less controllers include a bus that takes endpoints
  const designOf = (file: string) => {
    const d = createDesign(readFileSync(path.join(corpus, file), 'utf8'));
    if (!d.ok) throw new Error(d.error.message);
    return d.value;
  };
  const indexlessBuses = (design: ReturnType<typeof designOf>) => {
    const assigned = virDomainAssignControllerIndexes(design.guest.controllers);
    return design.guest.controllers.flatMap((x, i) => (x.index === undefined && takesEndpoints(assigned[i] ?? x) ? [{ key: x.key, model: x.model, index: assigned[i]?.index }] : []));
  };
  const dropCases = cases.filter((c) => indexlessBuses(designOf(c.input)).length > 0);

  it('finds buses written without index among them, q35 root ports included', () => {
    expect(dropCases.map((c) => c.input)).toEqual(expect.arrayContaining(['qemuxmlconfdata__q35-pcie.xml', 'qemuxmlconfdata__q35-multifunction.xml']));
  });

  for (const c of dropCases) {
    it(`${c.input}: a host function dropped on an index-less bus writes the index define gives it, and every controller keeps the index define gives it`, () => {
      const design = designOf(c.input);
      const assigned = virDomainAssignControllerIndexes(design.guest.controllers).map((x) => x.index);
      // a host function passed through there (some of these guests have no device of their own to move)
      const payload = { kind: 'host-device', address: '0000:06:12.0' } as const;
      const targets = new Map(dropTargets(design, payload).map((t) => [t.id, t]));
      for (const bus of indexlessBuses(design)) {
        const t = targets.get(controllerTargetId(bus));
        if (!t) throw new Error(`${bus.model} ${bus.index} not offered`);
        const after = applyCommand(design, t.command);
        expect(after.guest.controllers.find((x) => x.key === bus.key)?.index, `${bus.model} ${bus.index} written`).toBe(bus.index);
        expect(after.guest.devices.find((d) => d.key === payload.address)?.address?.bus).toBe(bus.index);
        expect(virDomainAssignControllerIndexes(after.guest.controllers).map((x) => x.index)).toEqual(assigned);
      }
    });
  }
});
