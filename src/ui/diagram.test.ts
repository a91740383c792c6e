import { parseXml, XmlElement } from '@rgrove/parse-xml';
import { describe, expect, it } from 'vitest';
import { DEMO_DOMAIN_XML, DEMO_HOST_XML, machineFamily, MACHINE_TEMPLATES, validate } from '../engine/index.ts';
import type { Design } from '../engine/index.ts';
import { diagramSvg } from './diagram.ts';
import { busNodeName, controllerLabel, shownControllers } from './layout.ts';

const design = designFromXml;

function elements(root: XmlElement, name: string): XmlElement[] {
  const out: XmlElement[] = [];
  const walk = (e: XmlElement) => {
    if (e.name === name) out.push(e);
    for (const c of e.children) if (c instanceof XmlElement) walk(c);
  };
  walk(root);
  return out;
}

describe('diagramSvg', () => {
  it('draws every controller and device of the demo as well-formed SVG', () => {
    const d = design(DEMO_DOMAIN_XML, DEMO_HOST_XML);
    const { svg, width, height } = diagramSvg(d, validate(d));
    const root = parseXml(svg).root;
    expect(root?.name).toBe('svg');
    if (!root) return;
    expect(root.attributes.width).toBe(String(width));
    expect(root.attributes.height).toBe(String(height));
    const texts = elements(root, 'text').map((t) => t.text);
    for (const i of [0, 1, 2]) expect(texts).toContain(`vPHB ${i}`);
    const ids = elements(root, 'g').map((g) => g.attributes.id);
    for (const dev of d.guest.devices) if (dev.address) expect(ids).toContain(`device-${dev.key}`);
    // the PE each vPHB holds, named by host IOMMU group
    expect(texts).toContain('PE: host group 1');
    expect(texts).toContain('PE: host group 3');
  });

  it('escapes names and draws the edges of a tree (q35: root ports under pcie-root)', () => {
    const xml = MACHINE_TEMPLATES.q35.replace(/<name>[^<]*<\/name>/, '<name>a&amp;b &lt;test&gt;</name>');
    const d = design(xml);
    const { svg } = diagramSvg(d, []);
    const root = parseXml(svg).root;
    if (!root) throw new Error('no root');
    expect(elements(root, 'title')[0]?.text).toContain('a&b <test>');
    const ports = d.guest.controllers.filter((c) => c.model === 'pcie-root-port').length;
    expect(elements(root, 'path')).toHaveLength(ports);
    expect(elements(root, 'text').map((t) => t.text)).toContain('PCIe root 0');
  });

  it('colours a controller by its worst finding', () => {
    const d = design(DEMO_DOMAIN_XML, DEMO_HOST_XML);
    const { svg } = diagramSvg(d, [{ ruleId: 'X', severity: 'error', message: 'm', subjects: { controllers: [1] } }]);
    const root = parseXml(svg).root;
    if (!root) throw new Error('no root');
    const g = elements(root, 'g').find((e) => e.attributes.id === 'controller-1');
    const rect = g?.children.find((c): c is XmlElement => c instanceof XmlElement && c.name === 'rect');
    expect(rect?.attributes.stroke).toBe('#c62828');
    const other = elements(root, 'g').find((e) => e.attributes.id === 'controller-2')?.children.find((c): c is XmlElement => c instanceof XmlElement && c.name === 'rect');
    expect(other?.attributes.stroke).not.toBe('#c62828');
  });
});

import { largePseries, unplacedPseries } from '../../e2e/fixtures/designs.ts';
import { estimateWidth, SAFETY } from './textMeasure.ts';
import { designFromXml } from './testDesign.ts';

/** The text an element shows (its <title> tooltip apart). */
const shown = (t: XmlElement): string => t.children.filter((c) => !(c instanceof XmlElement)).map((c) => (c as { text: string }).text).join('');

/** Every text's extent (by the same estimate the diagram was drawn with) against the rect of its box. */
function overflows(root: XmlElement): string[] {
  const bad: string[] = [];
  const visit = (g: XmlElement) => {
    const kids = g.children.filter((c): c is XmlElement => c instanceof XmlElement);
    const rect = g.attributes.class === 'box' ? kids.find((k) => k.name === 'rect') : undefined;
    if (rect) {
      const [rx, ry, rw, rh] = ['x', 'y', 'width', 'height'].map((a) => Number(rect.attributes[a]));
      for (const t of kids.filter((k) => k.name === 'text')) {
        const size = Number(t.attributes['font-size'] ?? 12);
        const w = estimateWidth(shown(t), { size, bold: t.attributes['font-weight'] === '700', mono: !!t.attributes['font-family']?.includes('Mono') }) * SAFETY;
        const x = Number(t.attributes.x);
        const y = Number(t.attributes.y);
        const anchor = t.attributes['text-anchor'] ?? 'start';
        const [x0, x1] = anchor === 'middle' ? [x - w / 2, x + w / 2] : anchor === 'end' ? [x - w, x] : [x, x + w];
        if (x0 < (rx as number) - 0.5 || x1 > (rx as number) + (rw as number) + 0.5 || y - size * 0.8 < (ry as number) - 0.5 || y > (ry as number) + (rh as number) + 0.5) bad.push(`${shown(t)} @${x},${y} not in ${rx},${ry},${rw},${rh}`);
      }
    }
    for (const k of kids) if (k.name === 'g') visit(k);
  };
  visit(root);
  return bad;
}

const svgOf = (d: Design) => {
  const root = parseXml(diagramSvg(d, validate(d), { measure: estimateWidth }).svg).root;
  if (!root) throw new Error('no root');
  return root;
};

describe('diagramSvg, a picture worth sharing', () => {
  it('titles the picture with the domain and its machine, and has a legend', () => {
    const root = svgOf(design(DEMO_DOMAIN_XML, DEMO_HOST_XML));
    const title = elements(root, 'g').find((g) => g.attributes.id === 'title');
    expect(elements(title as XmlElement, 'text').map(shown).join(' ')).toMatch(/PCI topology of p9-demo[\s\S]*pseries/);
    const legend = elements(root, 'g').find((g) => g.attributes.id === 'legend');
    const words = elements(legend as XmlElement, 'text').map(shown);
    for (const w of ['vPHB: its own PE', 'bus with an error', 'free slot', 'host device passed through']) expect(words).toContain(w);
  });

  it('puts the host groups beside the tree, each saying where it went', () => {
    const root = svgOf(design(DEMO_DOMAIN_XML, DEMO_HOST_XML));
    const group = (n: number) => elements(root, 'g').find((g) => g.attributes.id === `host-group-${n}`);
    expect(elements(group(1) as XmlElement, 'text').map(shown)).toContain('→ vPHB 1 slot 0x01');
    expect(elements(group(3) as XmlElement, 'text').map(shown)).toContain('→ vPHB 2 slot 0x01');
    // groups the guest does not use are counted, not drawn
    expect(group(4)).toBeUndefined();
    expect(elements(root, 'text').map(shown).some((t) => /^\d+ more groups? not passed through$/.test(t))).toBe(true);
    // the host column is left of the tree
    const host = elements(root, 'g').find((g) => g.attributes.id === 'host');
    const phb = elements(root, 'g').find((g) => g.attributes.id === 'controller-0');
    const x = (g: XmlElement | undefined) => Number(g?.children.find((c): c is XmlElement => c instanceof XmlElement && c.name === 'rect')?.attributes.x);
    expect(x(host)).toBeLessThan(x(phb));
  });

  it('keeps every label inside its box, cutting a long one with an ellipsis and keeping it whole in a tooltip', () => {
    const d = design(DEMO_DOMAIN_XML, DEMO_HOST_XML);
    const long = 'virtio disk with a name far too long to fit in any box of the diagram at all';
    const withLong: Design = { ...d, guest: { ...d.guest, devices: d.guest.devices.map((x, i) => (i === 0 ? { ...x, label: long } : x)) } };
    const root = svgOf(withLong);
    expect(overflows(root)).toEqual([]);
    const cut = elements(root, 'text').find((t) => t.children.some((c) => c instanceof XmlElement && c.name === 'title' && c.text === long));
    expect(cut).toBeDefined();
    expect(shown(cut as XmlElement)).toMatch(/…$/);
    expect(long.startsWith(shown(cut as XmlElement).slice(0, -1))).toBe(true);
  });

  it('gives a 31-vPHB design a page-like shape, labels inside their boxes', () => {
    const g = largePseries();
    const d = design(g.domain, g.host);
    const { svg, width, height } = diagramSvg(d, validate(d), { measure: estimateWidth });
    expect(width / height).toBeGreaterThan(0.6);
    expect(width / height).toBeLessThan(2.5);
    expect(Math.max(width, height)).toBeLessThan(6000);
    const root = parseXml(svg).root as XmlElement;
    expect(overflows(root)).toEqual([]);
    for (let i = 0; i < 31; i++) expect(elements(root, 'g').some((e) => e.attributes.id === `controller-${i}`)).toBe(true);
    expect(elements(root, 'g').filter((e) => e.attributes.id?.startsWith('device-'))).toHaveLength(g.pciDevices);
    expect(elements(root, 'g').filter((e) => e.attributes.id?.startsWith('host-group-'))).toHaveLength(30);
  });

  it('lists the devices that have no place yet', () => {
    const g = unplacedPseries();
    const d = design(g.domain, DEMO_HOST_XML);
    const root = svgOf(d);
    const box = elements(root, 'g').find((e) => e.attributes.id === 'unplaced') as XmlElement;
    expect(box).toBeDefined();
    expect(elements(box, 'g').flatMap((e) => (e.attributes.id?.startsWith('device-') ? [e.attributes.id] : [])).sort()).toEqual(g.unplaced.map((k) => `device-${k}`).sort());
    expect(overflows(root)).toEqual([]);
    // a group none of whose functions is placed yet says so
    const g1 = elements(root, 'g').find((e) => e.attributes.id === 'host-group-1') as XmlElement;
    expect(elements(g1, 'text').map(shown)).toContain('→ not placed yet');
  });

  // libvirt's pci-many.xml / pci-bridge-many-disks.xml (machine 'pc') came out as "vPHB #0" with a
  // PE line and a vPHB legend entry: the pseries words on an i440fx guest
  it('an i440fx guest\'s pci-root is its PCI root, not a vPHB; only pseries diagrams explain vPHBs', () => {
    const pc = design("<domain type='kvm'><name>pc</name><memory>1048576</memory><os><type arch='x86_64' machine='pc'>hvm</type></os><devices><controller type='pci' index='0' model='pci-root'/><disk type='file' device='disk'><target dev='vda' bus='virtio'/><address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/></disk></devices></domain>");
    const texts = (svg: string) => {
      const root = parseXml(svg).root;
      return root ? elements(root, 'text').map((t) => t.text) : [];
    };
    const pcTexts = texts(diagramSvg(pc, validate(pc)).svg);
    expect(pcTexts).toContain('PCI root 0');
    expect(pcTexts.filter((t) => /vPHB|PE:/.test(t))).toEqual([]);
    const q35 = design(MACHINE_TEMPLATES.q35);
    expect(texts(diagramSvg(q35, validate(q35)).svg).filter((t) => /vPHB/.test(t))).toEqual([]);
    const pseries = design(DEMO_DOMAIN_XML, DEMO_HOST_XML);
    expect(texts(diagramSvg(pseries, validate(pseries)).svg)).toContain('vPHB: its own PE');
  });
});

describe('a controller reads the same on the canvas and in the diagram', () => {
  it('names each bus of a pseries, a q35 and an i440fx guest as layout.ts controllerLabel does, as the canvas node does', () => {
    const pc = "<domain type='kvm'><name>pc</name><memory>1048576</memory><os><type arch='x86_64' machine='pc'>hvm</type></os><devices><controller type='pci' index='0' model='pci-root'/></devices></domain>";
    for (const d of [design(DEMO_DOMAIN_XML, DEMO_HOST_XML), design(MACHINE_TEMPLATES.q35), design(pc)]) {
      const family = machineFamily(d.guest);
      const root = parseXml(diagramSvg(d, validate(d)).svg).root;
      const texts = root ? elements(root, 'text').map((t) => t.text) : [];
      const shown = shownControllers(d.guest).byKey;
      expect(shown.size).toBeGreaterThan(0);
      for (const c of shown.values()) {
        const name = controllerLabel(c, family);
        expect(name).not.toMatch(/#/);
        expect(texts).toContain(name);
        expect(busNodeName(c, family, 0)).toBe(`${name}, no devices`);
      }
    }
  });
});
