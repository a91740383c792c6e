import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createDesign, DEMO_DOMAIN_XML, DEMO_HOST_XML, INTERNAL_KEY, MACHINE_TEMPLATES } from '../../engine/index.ts';
import { createDesignerStore, docOf, findingsOf } from '../../store/index.ts';
import { snapshotOf } from '../persistence.ts';
import { keepAside, keptStore } from '../keeping.ts';
import { listKept, loadAutosave, readKept, resetConnection, settled } from '../saved.ts';
import {
  addBlock,
  addBus,
  applyFix,
  autoPlace,
  copyXml,
  deselect,
  exportPng,
  exportSvg,
  exportXml,
  fitAll,
  fitSelection,
  focusMoveTo,
  importAny,
  importDomain,
  importHost,
  isolate,
  moveTo,
  newDesign,
  openContextMenu,
  openDemo,
  redo,
  removeSelection,
  restoreKept,
  restorePrevious,
  shareLink,
  undo,
  zoomIn,
  zoomOut,
} from './index.ts';
import { run } from './run.ts';
import { contextOf, countingView, demoStore, MemoryStorage, templateStore } from './testkit.ts';
import { dropTargets } from '../../engine/index.ts';

beforeEach(() => {
  vi.stubGlobal('localStorage', new MemoryStorage());
  vi.stubGlobal('indexedDB', new IDBFactory());
  resetConnection();
  keptStore.setState({ kept: [] });
});
afterEach(async () => {
  await settled();
  resetConnection();
  vi.unstubAllGlobals();
});

const present = (s: ReturnType<typeof demoStore>) => {
  const p = s.getState().present;
  if (!p) throw new Error('no document');
  return p;
};
const device = (s: ReturnType<typeof demoStore>, key: string) => present(s).design.guest.devices.find((d) => d.key === key);
const balloonKey = (s: ReturnType<typeof demoStore>) => present(s).design.guest.devices.find((d) => d.element === 'memballoon')?.key ?? '';

describe('history actions', () => {
  it('undo and redo say why they cannot run, then step through one command', async () => {
    const s = demoStore();
    expect(undo.enabled(s.getState())).toBe('Nothing to undo');
    expect(redo.enabled(s.getState())).toBe('Nothing to redo');
    s.getState().select({ kind: 'device', key: balloonKey(s) });
    expect(await run(removeSelection, undefined, contextOf(s))).toBe(true);
    expect(undo.enabled(s.getState())).toBe(true);
    const label = typeof undo.label === 'function' ? undo.label(s.getState()) : undo.label;
    expect(label).toBe('Undo: Remove memballoon');
    await run(undo, undefined, contextOf(s));
    expect(device(s, balloonKey(s))).toBeDefined();
    await run(redo, undefined, contextOf(s));
    expect(present(s).design.guest.devices.some((d) => d.element === 'memballoon')).toBe(false);
  });
});

describe('documents', () => {
  it('the demo and a new design are pristine; an edit of them is not', async () => {
    const s = templateStore('q35');
    await run(openDemo, undefined, contextOf(s));
    expect(present(s)).toMatchObject({ label: 'Open the demo', pristine: true });
    await run(newDesign, 'virt', contextOf(s));
    expect(present(s)).toMatchObject({ label: 'New virt design', pristine: true });
    await run(addBus, undefined, contextOf(s));
    expect(present(s).pristine).toBe(false);
    // undo finds the template pristine again: history keeps whole states
    await run(undo, undefined, contextOf(s));
    expect(present(s).pristine).toBe(true);
  });

  it('replacing edited work keeps it aside, and restore brings it back as one step', async () => {
    const s = demoStore();
    await run(addBus, undefined, contextOf(s));
    const edited = present(s).design;
    await run(newDesign, 'q35', contextOf(s));
    await settled();
    await vi.waitFor(() => expect(s.getState().previous?.name).toBe('p9-demo'));
    expect((await listKept()).map((k) => [k.name, k.why])).toEqual([['p9-demo', 'replaced']]);
    expect(restorePrevious.enabled(s.getState())).toBe(true);
    await run(restorePrevious, undefined, contextOf(s));
    expect(present(s).design.guest.controllers).toHaveLength(edited.guest.controllers.length);
    expect(s.getState().message?.text).toMatch(/^Restored your previous design \(p9-demo, saved .*\)\. Ctrl\+Z goes back\.$/);
  });

  it('several replaced designs are each kept, and any one restores', async () => {
    const s = demoStore();
    await run(addBus, undefined, contextOf(s));
    await run(newDesign, 'q35', contextOf(s));
    await run(addBus, undefined, contextOf(s));
    const q35 = present(s).design;
    await run(openDemo, undefined, contextOf(s));
    await settled();
    await vi.waitFor(() => expect(keptStore.getState().kept).toHaveLength(2));
    const [newest, older] = keptStore.getState().kept;
    expect(newest?.name).toBe('new-q35');
    expect(older?.name).toBe('p9-demo');
    await run(restoreKept, newest?.id ?? '', contextOf(s));
    expect(present(s).design.guest.controllers).toHaveLength(q35.guest.controllers.length);
    expect(present(s).label).toBe('Restore a kept design');
    // the restored design stays kept: deleting is the user's choice
    expect(await readKept(newest?.id ?? '')).not.toBeNull();
  });

  it('a pristine design is not kept aside over earlier work', async () => {
    const s = demoStore();
    await keepAside(s, snapshotOf({ ...present(s), pristine: false, label: 'earlier work' }));
    await run(newDesign, 'q35', contextOf(s));
    await settled();
    // the demo was pristine: the earlier work stays the only kept one
    const kept = await listKept();
    expect(kept).toHaveLength(1);
    const back = await readKept(kept[0]?.id ?? '');
    expect(back && 'snapshot' in back ? back.snapshot.label : null).toBe('earlier work');
    expect(await loadAutosave()).toBeNull();
  });
});

describe('imports', () => {
  it('a node-device file given to Import domain says what it is and which button reads it', async () => {
    const s = demoStore();
    const before = present(s);
    expect(await run(importDomain, { text: DEMO_HOST_XML, file: 'host.xml' }, contextOf(s))).toBe(false);
    expect(s.getState().message).toEqual({ kind: 'error', text: "host.xml holds node devices (a host's PCI devices, as virsh nodedev-dumpxml prints them), not a libvirt domain. Use Import host to read it. Your design is unchanged." });
    expect(present(s)).toBe(before);
  });

  it('a domain given to Import host says so too', async () => {
    const s = demoStore();
    expect(await run(importHost, { text: DEMO_DOMAIN_XML, file: 'guest.xml' }, contextOf(s))).toBe(false);
    expect(s.getState().message?.text).toBe('guest.xml is a libvirt domain (<domain>), not the host\'s node devices. Use Import domain to read it. Your design is unchanged.');
  });

  it('a broken file names file:line:column, once, with no doubled punctuation', async () => {
    const s = demoStore();
    await run(importDomain, { text: "<domain type='kvm'>\n  <name>x</name>\n  <devices>\n</domain>\n", file: 'broken.xml' }, contextOf(s));
    const text = s.getState().message?.text ?? '';
    expect(text).toMatch(/^Could not import the domain: broken\.xml:\d+:\d+: .+\. Your design is unchanged\.$/);
    expect(text).not.toMatch(/\.\.|: :|:\./);
  });

  it('an import is one undo step and says what the design holds', async () => {
    const s = demoStore();
    const bare = DEMO_DOMAIN_XML.replace(/\n\s*<address type='pci'[^>]*\/>/g, '');
    expect(await run(importDomain, { text: bare, file: 'bare.xml' }, contextOf(s))).toBe(true);
    expect(present(s).label).toBe('Import bare.xml');
    expect(s.getState().summary?.text).toMatch(/^\d+ PCI devices on 3 PCI controllers, \d+ without an address \(Auto-place gives them one\); .* left\.$/);
    await run(undo, undefined, contextOf(s));
    expect(present(s).label).toBe('Open the demo');
  });

  it('a pasted or dropped text goes to the importer its root element names', async () => {
    const s = demoStore();
    expect(await run(importAny, { text: DEMO_HOST_XML, file: 'pasted text' }, contextOf(s))).toBe(true);
    expect(present(s).label).toBe('Import host pasted text');
    expect(present(s).hostText).toBe(DEMO_HOST_XML);
    expect(await run(importAny, { text: MACHINE_TEMPLATES.q35, file: 'pasted text' }, contextOf(s))).toBe(true);
    expect(present(s).design.guest.machine).toBe('q35');
  });
});

describe('building blocks and placement', () => {
  it('"+ vPHB" adds a vPHB, selects it and shows the tree', async () => {
    const s = demoStore();
    const view = countingView();
    expect(typeof addBus.label === 'function' && addBus.label(s.getState())).toBe('Add a vPHB');
    await run(addBus, undefined, contextOf(s, view));
    const added = present(s).design.guest.controllers.find((c) => c.index === 3);
    expect(added?.model).toBe('pci-root');
    expect(s.getState().selection).toEqual({ kind: 'controller', key: added?.key });
    expect(s.getState().focus?.nodeIds).toHaveLength(4);
  });

  it('on q35 it adds a root port; a switch is one step; a full pcie-root disables it with the reason', async () => {
    const s = templateStore('q35');
    expect(typeof addBus.label === 'function' && addBus.label(s.getState())).toBe('Add a root port');
    await run(addBlock, { block: 'switch', downstreamPorts: 3 }, contextOf(s));
    expect(present(s).label).toBe('Add a switch with 3 downstream ports');
    expect(present(s).design.guest.controllers).toHaveLength(1 + 1 + 1 + 3);
    for (let i = 0; i < 40 && addBus.enabled(s.getState()) === true; i++) await run(addBus, undefined, contextOf(s));
    expect(addBus.enabled(s.getState())).toBe('pcie-root 0 has no free slot for a root port.');
  });

  it('auto-place is one step and says what it did', async () => {
    const s = demoStore();
    await run(importDomain, { text: DEMO_DOMAIN_XML.replace(/\n\s*<address type='pci'[^>]*\/>/g, ''), file: 'bare.xml' }, contextOf(s));
    await run(autoPlace, { policy: 'pe-per-phb', spare: 1 }, contextOf(s));
    expect(present(s).label).toBe('Auto-place (PE per vPHB, 1 spare)');
    expect(s.getState().summary?.text).toMatch(/^placed 7 devices, added 1 vPHB; no errors or warnings left/);
    expect(s.getState().summary?.text).not.toMatch(INTERNAL_KEY);
  });
});

describe('exports', () => {
  it('need a design, and hand their work to the browser as an effect', () => {
    const s = demoStore();
    for (const a of [exportXml, copyXml, exportSvg, exportPng, shareLink]) {
      expect(a.enabled(s.getState()), a.id).toBe(true);
      expect((a.perform(contextOf(s)) as { kind: string }).kind, a.id).toBe('effect');
    }
    s.getState().load(null);
    for (const a of [exportXml, copyXml, exportSvg, exportPng, shareLink]) expect(a.enabled(s.getState()), a.id).toBe('No design is open');
  });
});

describe('editing the selection', () => {
  it('Remove names what it removes, refuses the root bus, and takes a whole group out of the guest', async () => {
    const s = demoStore();
    expect(removeSelection.enabled(s.getState())).toBe('Nothing is selected');
    const root = present(s).design.guest.controllers.find((c) => c.index === 0);
    s.getState().select({ kind: 'controller', key: root?.key ?? '' });
    expect(removeSelection.enabled(s.getState())).toBe('vPHB 0 is the root bus: every other bus hangs from it');
    s.getState().select({ kind: 'group', number: 1 });
    await run(removeSelection, undefined, contextOf(s));
    expect(present(s).label).toBe('Remove IOMMU group 1 from the guest');
    expect(device(s, '0000:01:00.0')).toBeUndefined();
    expect(device(s, '0000:01:00.1')).toBeUndefined();
  });

  it('Remove of a device asks for focus on its neighbour on the bus, or on the bus once none is left; of a host group, on its row (it stays)', async () => {
    const s = demoStore();
    s.getState().select({ kind: 'device', key: '0000:01:00.1' });
    await run(removeSelection, undefined, contextOf(s));
    // the one before it when it was the last on the bus
    expect(s.getState().focusItem?.testId).toBe('guest-device-0000:01:00.0');
    s.getState().select({ kind: 'device', key: '0000:01:00.0' });
    await run(removeSelection, undefined, contextOf(s));
    expect(s.getState().focusItem?.testId).toBe('controller-1');
    s.getState().select({ kind: 'device', key: 'disk-0' });
    await run(removeSelection, undefined, contextOf(s));
    // the next one on vPHB 0 (slot 0x03 after 0x02)
    expect(s.getState().focusItem?.testId).toBe('guest-device-interface-0');
    s.getState().select({ kind: 'group', number: 3 });
    await run(removeSelection, undefined, contextOf(s));
    expect(device(s, '0030:01:00.0')).toBeUndefined();
    expect(s.getState().focusItem?.testId).toBe('host-group-3');
  });

  it('Remove of a device in the Unplaced tray asks for focus on the next one there, and once the tray is empty on the first bus drawn', async () => {
    const s = demoStore();
    const key = (index: number) => present(s).design.guest.controllers.find((c) => c.index === index)?.key ?? '';
    // vPHB 1 removed: its two functions go to the tray
    s.getState().select({ kind: 'controller', key: key(1) });
    await run(removeSelection, undefined, contextOf(s));
    expect(device(s, '0000:01:00.0')?.address).toBeUndefined();
    s.getState().select({ kind: 'device', key: '0000:01:00.0' });
    await run(removeSelection, undefined, contextOf(s));
    expect(s.getState().focusItem?.testId).toBe('guest-device-0000:01:00.1');
    s.getState().select({ kind: 'device', key: '0000:01:00.1' });
    await run(removeSelection, undefined, contextOf(s));
    expect(s.getState().focusItem?.testId).toBe('controller-0');
  });

  it('Remove of a vPHB asks for focus on the next bus drawn, or the one before for the last', async () => {
    const s = demoStore();
    const key = (index: number) => present(s).design.guest.controllers.find((c) => c.index === index)?.key ?? '';
    s.getState().select({ kind: 'controller', key: key(1) });
    await run(removeSelection, undefined, contextOf(s));
    expect(s.getState().focusItem?.testId).toBe('controller-2');
    s.getState().select({ kind: 'controller', key: key(2) });
    await run(removeSelection, undefined, contextOf(s));
    expect(s.getState().focusItem?.testId).toBe('controller-0');
  });

  it('Move to… applies the target, selects the moved item and asks for focus on it', async () => {
    const s = demoStore();
    const payload = { kind: 'guest-device', key: '0030:01:00.0' } as const;
    const target = dropTargets(present(s).design, payload).find((t) => t.id.startsWith('c:') && t.where === 'vPHB 0');
    if (!target) throw new Error('no target vPHB 0');
    await run(moveTo, { payload, target }, contextOf(s));
    expect(device(s, '0030:01:00.0')?.address?.bus).toBe(0);
    expect(present(s).label).toBe('Move hostdev 0030:01:00.0 (NVMe SSD Controller 172Xa/172Xb) to vPHB 0');
    expect(s.getState().selection).toEqual({ kind: 'device', key: '0030:01:00.0' });
    expect(s.getState().focusItem?.testId).toBe('guest-device-0030:01:00.0');
  });

  it('Isolate puts a group on a new vPHB on pseries, a device on a new root port on q35', async () => {
    const s = demoStore();
    expect(isolate.enabled(s.getState())).toBe('Select a host group, a host function or a guest device');
    s.getState().select({ kind: 'group', number: 4 });
    expect(typeof isolate.label === 'function' && isolate.label(s.getState())).toBe('Isolate on a new vPHB');
    await run(isolate, undefined, contextOf(s));
    expect(present(s).label).toBe('Place IOMMU group 4 on a new vPHB');
    expect(device(s, '0035:03:00.0')?.address?.bus).toBe(3);
    const q = templateStore('q35');
    q.getState().select({ kind: 'host-device', address: '0035:03:00.0' });
    expect(typeof isolate.label === 'function' && isolate.label(q.getState())).toBe('Isolate on a new root port');
    await run(isolate, undefined, contextOf(q));
    expect(present(q).design.guest.controllers.find((c) => c.index === 1)?.model).toBe('pcie-root-port');
  });

  // an i440fx guest (libvirt's pci-bridge.xml, pci-many.xml) once read "Isolate on a new vPHB" in its context menu
  it('Isolate on an i440fx guest, which has neither vPHBs nor root ports, names no vPHB and says why it is off', () => {
    const pc = createDesign("<domain type='kvm'><name>pc</name><memory>1048576</memory><os><type arch='x86_64' machine='pc'>hvm</type></os><devices><disk type='file' device='disk'><target dev='vda' bus='virtio'/><address type='pci' domain='0x0000' bus='0x00' slot='0x03' function='0x0'/></disk></devices></domain>", undefined, 'pc.xml');
    if (!pc.ok) throw new Error(pc.error.message);
    const s = createDesignerStore(docOf(pc.value, 'Import pc.xml', undefined, 'pc.xml', true));
    const disk = pc.value.guest.devices.find((d) => d.label === 'disk vda');
    if (!disk) throw new Error('no disk vda');
    s.getState().select({ kind: 'device', key: disk.key });
    expect(typeof isolate.label === 'function' && isolate.label(s.getState())).toBe('Isolate on a bus of its own');
    expect(isolate.enabled(s.getState())).toBe('This machine has no bus that isolates a device (no PHBs, no root ports)');
  });

  it('a fix is one step and is followed by a line on what it did', async () => {
    const s = demoStore();
    s.getState().apply({ kind: 'move-group', group: 5, controller: 0 });
    const fix = findingsOf(present(s).design).find((f) => f.ruleId === 'PAPR-ISO-4')?.fixes?.[0];
    if (!fix) throw new Error('PAPR-ISO-4 has no fix');
    await run(applyFix, fix, contextOf(s));
    expect(present(s).label).toBe(fix.label);
    expect(s.getState().summary?.text).toMatch(/^moved 1 device, added 1 vPHB; /);
  });

  it('M, Escape and Shift+F10 work on the selection', async () => {
    const s = demoStore();
    expect(focusMoveTo.enabled(s.getState())).not.toBe(true);
    s.getState().select({ kind: 'group', number: 2 });
    expect(focusMoveTo.enabled(s.getState())).toBe(true);
    await run(openContextMenu, undefined, contextOf(s));
    expect(s.getState().contextMenu?.selection).toEqual({ kind: 'group', number: 2 });
    await run(deselect, undefined, contextOf(s));
    expect(s.getState().selection).toBeNull();
    expect(s.getState().contextMenu).toBeNull();
  });
});

describe('view', () => {
  it('zoom and fit call the canvas view; fit selection fits the buses that hold the selection', async () => {
    const s = demoStore();
    const view = countingView();
    const ctx = contextOf(s, view);
    await run(zoomIn, undefined, ctx);
    await run(zoomOut, undefined, ctx);
    await run(fitAll, undefined, ctx);
    expect(fitSelection.enabled(s.getState())).toBe('Select something on the canvas');
    s.getState().select({ kind: 'group', number: 1 });
    await run(fitSelection, undefined, ctx);
    const phb1 = present(s).design.guest.controllers.find((c) => c.index === 1);
    expect(view.calls).toEqual(['zoomIn', 'zoomOut', 'fit', `fitNodes:n:${phb1?.key}`]);
  });
});
