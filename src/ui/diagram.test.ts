import { parseXml, XmlElement } from '@rgrove/parse-xml';
import { describe, expect, it } from 'vitest';
import { createDesign, DEMO_DOMAIN_XML, DEMO_HOST_XML, importHost, MACHINE_TEMPLATES, validate } from '../engine/index.ts';
import type { Design } from '../engine/index.ts';
import { diagramSvg } from './diagram.ts';

function design(xml: string, hostXml?: string): Design {
  const host = hostXml === undefined ? undefined : importHost(hostXml);
  if (host && !host.ok) throw new Error(host.error.message);
  const d = createDesign(xml, host?.value);
  if (!d.ok) throw new Error(d.error.message);
  return d.value;
}

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
    for (const i of [0, 1, 2]) expect(texts).toContain(`vPHB #${i}`);
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
    expect(elements(root, 'text').map((t) => t.text)).toContain('PCIe root #0');
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
