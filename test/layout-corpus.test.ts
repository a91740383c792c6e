import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Guest } from '../src/engine/index.ts';
import { createDesign, validate } from '../src/engine/index.ts';
import { sharedPath } from './support/shared.ts';
import { diagramSvg } from '../src/ui/diagram.ts';
import { layoutGuest, nodeIdOf, shownControllers, type Lod } from '../src/ui/layout.ts';

/**
 * The canvas tree of libvirt's own test domains whose PCI controllers are written without an index
 * or without an address (hand-written q35 guests: qemuxmlconfdata__q35-pcie.xml,
 * q35-multifunction.xml; switch downstream ports: pcie-expander-bus.xml; expander buses:
 * pci-expander-bus.xml; ...): each controller hangs from the bus libvirt plugs it into, as libvirt's
 * expected output (`*.<arch>-latest.xml`) addresses it, and is drawn below it.
 */

function guestOf(xml: string, file: string): Guest {
  const d = createDesign(xml, undefined, file);
  if (!d.ok) throw new Error(`${file}: ${d.error.message}`);
  return d.value.guest;
}

const isRoot = (model: string) => model === 'pci-root' || model === 'pcie-root';

describe('the tree of controllers written without index or address, as libvirt defines them', () => {
  const corpus = sharedPath('the libvirt corpus', 'corpus', 'libvirt');
  if (!corpus) return;
  const files = readdirSync(corpus);
  const cases = files
    .filter((f) => f.endsWith('.xml') && !f.includes('-latest.') && !f.endsWith('-invalid.xml'))
    .map((f) => ({ input: f, output: files.find((o) => o.startsWith(f.replace(/\.xml$/, '.')) && /\.(x86_64|aarch64)-latest\.xml$/.test(o)) }))
    .filter((c): c is { input: string; output: string } => c.output !== undefined)
    .map((c) => ({ ...c, guest: guestOf(readFileSync(path.join(corpus, c.input), 'utf8'), c.input) }))
    .filter((c) => c.guest.controllers.some((x) => !x.implicit && (x.index === undefined || (!x.address && !isRoot(x.model)))) && c.guest.controllers.some((x) => !isRoot(x.model)));

  it('finds hand-written q35 guests and switch ports among them', () => {
    expect(cases.map((c) => c.input)).toEqual(expect.arrayContaining(['qemuxmlconfdata__q35-pcie.xml', 'qemuxmlconfdata__q35-multifunction.xml', 'qemuxmlconfdata__pcie-expander-bus.xml', 'qemuxmlconfdata__pci-expander-bus.xml']));
  });

  for (const c of cases) {
    for (const lod of ['tile', 'full'] as Lod[]) {
      it(`${c.input} (${lod}): every controller has one edge, from the bus libvirt's output plugs it into, and sits below it`, () => {
        const out = guestOf(readFileSync(path.join(corpus, c.output), 'utf8'), c.output);
        const parentIn = new Map(out.controllers.map((x) => [x.index, x.address?.bus]));
        const shown = shownControllers(c.guest);
        const l = layoutGuest(c.guest, { lod, columns: 4 });
        const byNode = new Map(shown.list.map((x) => [nodeIdOf(x), x]));
        let checked = 0;
        for (const x of shown.list) {
          expect(x.index, `${x.model} has an index`).toBeDefined();
          const id = nodeIdOf(x);
          const into = l.edges.filter((e) => e.target === id);
          if (isRoot(x.model)) {
            expect(into).toHaveLength(0);
            continue;
          }
          expect(into, `${x.model} ${x.index}: edges into it`).toHaveLength(1);
          const parent = byNode.get(into[0]?.source ?? '');
          expect(parent?.index, `${x.model} ${x.index}: its parent`).toBe(parentIn.get(x.index));
          const p = l.boxes.get(nodeIdOf(parent ?? x));
          const b = l.boxes.get(id);
          if (!p || !b) throw new Error(`no box for ${x.model} ${x.index}`);
          expect(b.y, `${x.model} ${x.index} below its parent`).toBeGreaterThanOrEqual(p.y + p.height);
          checked++;
        }
        expect(checked).toBeGreaterThan(0);
      });
    }
  }
});

describe('the diagram of controllers written without index', () => {
  const corpus = sharedPath('the libvirt corpus', 'corpus', 'libvirt');
  if (!corpus) return;
  for (const file of ['qemuxmlconfdata__q35-pcie.xml', 'qemuxmlconfdata__q35-multifunction.xml']) {
    it(`${file}: every controller is titled and named by the index libvirt assigns, never "#?"`, () => {
      const d = createDesign(readFileSync(path.join(corpus, file), 'utf8'), undefined, file);
      if (!d.ok) throw new Error(d.error.message);
      const { svg } = diagramSvg(d.value, validate(d.value));
      const ids = [...svg.matchAll(/<g class="box" id="controller-([^"]+)"/g)].map((m) => m[1]);
      expect(ids.length).toBe(d.value.guest.controllers.length);
      for (const id of ids) expect(id).toMatch(/^\d+$/);
      expect(new Set(ids).size).toBe(ids.length);
      expect(svg).not.toMatch(/#\?|\(no index\)/);
    });
  }
});
