import { describe, expect, it } from 'vitest';
import { applyCommand, demoDesign, exportDomain } from '../engine/index.ts';
import { selectionSpan } from './xmlSpans.ts';

describe('where the selection is written in the live XML', () => {
  it('finds a device and a controller in the imported text', () => {
    const demo = demoDesign();
    const xml = exportDomain(demo);
    const nvme = selectionSpan(demo, { kind: 'device', key: '0030:01:00.0' }, xml);
    expect(xml.slice(nvme?.from, nvme?.to)).toMatch(/^<hostdev[\s\S]*domain='0x0030'[\s\S]*<\/hostdev>$/);
    const phb2 = demo.guest.controllers.find((c) => c.index === 2);
    const span = selectionSpan(demo, { kind: 'controller', key: phb2?.key ?? '' }, xml);
    expect(xml.slice(span?.from, span?.to)).toMatch(/^<controller type='pci' index='2' model='pci-root'>[\s\S]*<\/controller>$/);
    expect(selectionSpan(demo, { kind: 'group', number: 1 }, xml)).toBeUndefined();
  });

  it('finds them in the patched text after edits, new controllers by index', () => {
    const demo = demoDesign();
    const edited = applyCommand(applyCommand(demo, { kind: 'add-controller', controller: { model: 'pci-root', index: 3 } }), { kind: 'move-group', group: 4, controller: 3 });
    const xml = exportDomain(edited);
    const added = edited.guest.controllers.find((c) => c.index === 3);
    const span = selectionSpan(edited, { kind: 'controller', key: added?.key ?? '' }, xml);
    expect(xml.slice(span?.from, span?.to)).toMatch(/^<controller type='pci' index='3' model='pci-root'>/);
    const gpu = selectionSpan(edited, { kind: 'device', key: '0035:03:00.0' }, xml);
    expect(xml.slice(gpu?.from, gpu?.to)).toMatch(/bus='0x03'/);
  });
});
