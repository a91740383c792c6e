import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Design } from '../../engine/index.ts';
import { createDesign } from '../../engine/index.ts';
import { compare } from './compare.ts';
import type { CompareRows } from './compare.ts';
import { makeDefineCopy } from './prepare.ts';
import { Replay, readBuiltins, readQom } from './readback.ts';
import type { QmpExchange } from './types.ts';
import { parseDocumentElement } from './xml.ts';

/**
 * `compare` on what libvirt 9.0 and QEMU 7.2 really answered (fixtures/*.json, recorded by
 * fixtures/record.ts through runVerify's onReadback): the recorded answers must give the verdicts
 * the real runs gave, and each way QEMU or libvirt can differ from the design, made by changing
 * one recorded answer, must show as a disagreeing row that says what differs.
 */
interface Fixture {
  domain: string;
  normalized: string;
  live: string;
  qmp: QmpExchange[];
}
const load = (name: string): Fixture => JSON.parse(fs.readFileSync(path.join(import.meta.dirname, 'fixtures', `${name}.json`), 'utf8')) as Fixture;

function design(xml: string): Design {
  const r = createDesign(xml);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

async function rows(f: Fixture): Promise<CompareRows> {
  const copy = makeDefineCopy(parseDocumentElement(f.domain), design(f.domain), () => '');
  const q = new Replay(f.qmp);
  return compare({ copy, normalized: parseDocumentElement(f.normalized), live: parseDocumentElement(f.live), qom: await readQom(q), builtins: await readBuiltins(q) });
}

/** The fixture with one QMP answer replaced. */
const withAnswer = (f: Fixture, args: Record<string, unknown>, answer: unknown): Fixture => {
  const at = f.qmp.findIndex((x) => JSON.stringify(x.arguments) === JSON.stringify(args));
  if (at < 0) throw new Error(`no recorded answer for ${JSON.stringify(args)}`);
  return { ...f, qmp: f.qmp.map((x, i) => (i === at ? { ...x, return: answer, error: undefined } : x)) };
};

describe('compare on recorded answers: designs libvirt and QEMU realised as designed', () => {
  it('pseries demo: every hostdev, vPHB and emulated device agrees, named as the engine names them', async () => {
    const r = await rows(load('pseries-demo'));
    expect(r.devices.filter((d) => !d.agree)).toEqual([]);
    expect(r.controllers.filter((c) => !c.agree)).toEqual([]);
    expect(r.sparesTaken).toEqual([]);
    const hostdev = r.devices.find((d) => d.key === '0000:01:00.1');
    expect(hostdev).toMatchObject({ label: 'hostdev 0000:01:00.1', designed: { bus: 1, slot: 1, function: 1 }, libvirt: { bus: 1, slot: 1, function: 1 }, qemu: { bus: 'pci.1.0', slot: 1, function: 1 } });
    expect(r.controllers.map((c) => [c.index, c.model, c.targetIndex])).toEqual([
      [0, 'pci-root', 0],
      [1, 'pci-root', 1],
      [2, 'pci-root', 2],
    ]);
  });

  it('q35 with a switch and a pcie-to-pci-bridge: ports, chassis and the bridge agree', async () => {
    const r = await rows(load('q35-ports'));
    expect(r.devices.filter((d) => !d.agree).map((d) => d.label)).toEqual([]);
    expect(r.controllers.filter((c) => !c.agree)).toEqual([]);
    const models = new Set(r.controllers.map((c) => c.model));
    for (const m of ['pcie-root', 'pcie-root-port', 'pcie-switch-upstream-port', 'pcie-switch-downstream-port', 'pcie-to-pci-bridge']) expect(models).toContain(m);
    expect(r.controllers.filter((c) => c.model === 'pcie-root-port').every((c) => c.chassis !== undefined)).toBe(true);
    // the machine's own SATA/LPC/SMBus functions are found as built-ins, not missing devices
    expect(r.devices.filter((d) => d.note === 'built into the machine type').length).toBeGreaterThan(0);
  });
});

describe('compare on recorded answers: each kind of difference is a disagreeing row that says what', () => {
  it('libvirt put its own USB controller on the last empty root port: a spare taken', async () => {
    const r = await rows(load('q35-spare-taken'));
    expect(r.sparesTaken).toEqual(['controller usb qemu-xhci at 02:00.0']);
    const usb = r.devices.find((d) => d.element === 'controller usb qemu-xhci');
    expect(usb).toMatchObject({ agree: false, libvirt: { bus: 2, slot: 0, function: 0 } });
    expect(usb?.note).toContain('on a port the design left empty: spare taken by libvirt');
    // the disk the design left unaddressed is libvirt's to place: not a disagreement
    expect(r.devices.find((d) => d.label === 'disk vda')).toMatchObject({ agree: true, note: 'address chosen by libvirt' });
  });

  it('QEMU realised a device at another address than libvirt', async () => {
    const f = load('pseries-demo');
    // ua-pcitopo-3 is hostdev 0000:01:00.0 at 01:01.0 (devfn 8): QEMU says slot 2 instead
    const r = await rows(withAnswer(f, { path: '/machine/peripheral/ua-pcitopo-3', property: 'addr' }, 16));
    const row = r.devices.find((d) => d.key === '0000:01:00.0');
    expect(row).toMatchObject({ agree: false, qemu: { bus: 'pci.1.0', slot: 2, function: 0 } });
    expect(row?.note).toContain('QEMU realised it elsewhere');
    expect(r.devices.filter((d) => !d.agree)).toHaveLength(1);
  });

  it('libvirt did not keep the designed address', async () => {
    const f = load('pseries-demo');
    const moved = f.normalized.replace(/(<hostdev[\s\S]*?<address type='pci' domain='0x0000' bus='0x01' slot=')0x01(' function='0x0')/, '$10x03$2');
    expect(moved).not.toBe(f.normalized);
    const r = await rows({ ...f, normalized: moved });
    const row = r.devices.find((d) => d.key === '0000:01:00.0');
    expect(row?.agree).toBe(false);
    expect(row?.note).toContain('libvirt did not keep the designed address');
  });

  it("a vPHB whose QEMU index is not libvirt's target index", async () => {
    const r = await rows(withAnswer(load('pseries-demo'), { path: '/machine/peripheral/pci.2', property: 'index' }, 5));
    expect(r.controllers.find((c) => c.index === 2)).toMatchObject({ agree: false, note: 'QEMU index 5' });
  });

  it('a controller QEMU does not have', async () => {
    const f = load('pseries-demo');
    const list = f.qmp.find((x) => x.execute === 'qom-list' && x.arguments?.path === '/machine/peripheral')?.return as Array<{ name: string }>;
    const r = await rows(withAnswer(f, { path: '/machine/peripheral' }, list.filter((e) => e.name !== 'pci.1')));
    expect(r.controllers.find((c) => c.index === 1)).toMatchObject({ agree: false, note: 'QEMU has no such controller' });
    // and the devices on it are not found where libvirt put them
    expect(r.devices.find((d) => d.key === '0000:01:00.0')?.agree).toBe(false);
  });

  it('a root port whose QEMU chassis differs', async () => {
    const f = load('q35-ports');
    const ask = f.qmp.find((x) => x.execute === 'qom-get' && x.arguments?.property === 'chassis' && typeof x.return === 'number');
    if (!ask?.arguments) throw new Error('the q35 fixture has no chassis answer');
    const id = String(ask.arguments.path).split('/').pop();
    const r = await rows(withAnswer(f, ask.arguments, (ask.return as number) + 40));
    expect(r.controllers.find((c) => c.qemuId === id)).toMatchObject({ agree: false, note: `QEMU chassis ${(ask.return as number) + 40}` });
  });
});

describe('read-back from recorded QMP answers', () => {
  it('QOM gives each device its bus, slot and function, vPHBs their index', async () => {
    const qom = await readQom(new Replay(load('pseries-demo').qmp));
    expect(qom.get('ua-pcitopo-4')).toMatchObject({ bus: 'pci.1.0', parentController: 'pci.1', slot: 1, function: 1 });
    expect(qom.get('pci.2')).toMatchObject({ driver: 'spapr-pci-host-bridge', index: 2, childBus: 'pci.2.0' });
  });
  it('a command QEMU never answered reads as absent, not as a failure', async () => {
    expect(await new Replay([]).tryExecute('query-pci')).toBeUndefined();
    expect(await readQom(new Replay([]))).toEqual(new Map());
  });
});
