import fs from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { center, drag, errorsShown, exportXml, openApp, pasteXml, saveExport } from './helpers.ts';


/** The demo domain with every guest PCI address removed (hostdev source addresses have no type and stay). */
const unplaced = (demo: string, name: string): string => demo.replace(/\n\s*<address type='pci'[^>]*\/>/g, '').replace('<name>p9-demo</name>', `<name>${name}</name>`);

interface BusView {
  phbs: number[];
  /** controller index -> keys of the devices on it */
  onBus: Record<number, string[]>;
  /** host IOMMU group -> guest buses its passed-through devices sit on */
  groupBuses: Record<number, number[]>;
  /** guest device key -> the host IOMMU group it passes through */
  groupOf: Record<string, number>;
}

/** The guest's buses and where each passed-through group sits, read from the store. */
async function busView(page: Page): Promise<BusView> {
  return page.evaluate(() => {
    type Addr = { domain: number; bus: number; slot: number; function: number };
    const s = window.__pcitopo?.getState() as {
      present: { design: { guest: { controllers: { model: string; index?: number }[]; devices: { key: string; address?: Addr; hostAddress?: Addr }[] }; host?: { devices: Map<string, { iommuGroup?: number }> } } };
    };
    const { guest, host } = s.present.design;
    const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');
    const out: BusView = { phbs: [], onBus: {}, groupBuses: {}, groupOf: {} };
    for (const c of guest.controllers) if (c.model === 'pci-root' && c.index !== undefined) out.phbs.push(c.index);
    for (const i of out.phbs) out.onBus[i] = [];
    for (const d of guest.devices) {
      if (!d.address) continue;
      (out.onBus[d.address.bus] ??= []).push(d.key);
      if (!d.hostAddress) continue;
      const a = d.hostAddress;
      const g = host?.devices.get(`${hex(a.domain, 4)}:${hex(a.bus, 2)}:${hex(a.slot, 2)}.${a.function}`)?.iommuGroup;
      if (g === undefined) continue;
      out.groupOf[d.key] = g;
      const list = (out.groupBuses[g] ??= []);
      if (!list.includes(d.address.bus)) list.push(d.address.bus);
    }
    return out;
  });
}


test.describe('main workflows (their XML goes through pcitopo verify in the real stage)', () => {
  test('auto-place with one PE per vPHB and spares gives every passed-through group its own vPHB', async ({ page }, info) => {
    const errors = await openApp(page);
    const bare = unplaced(await exportXml(page), 'p9-autoplace');
    await pasteXml(page, bare);
    // no address yet: the device waits in the Unplaced tray, not on a bus
    const tray = page.getByTestId('unplaced-tray');
    await expect(tray.getByTestId('guest-device-0000:01:00.0')).toBeVisible();
    await expect(page.locator('.react-flow__node').getByTestId('guest-device-0000:01:00.0')).toHaveCount(0);
    expect(await exportXml(page)).toBe(bare);
    const before = await busView(page);
    expect(Object.keys(before.groupBuses)).toEqual([]);

    const spare = 2;
    await page.getByTestId('placement-policy').selectOption('pe-per-phb');
    await page.getByTestId('placement-spare').fill(String(spare));
    await page.getByTestId('auto-place').click();
    await expect(page.locator('.react-flow__node').getByTestId('guest-device-0000:01:00.0')).toBeVisible();
    await expect(tray).toHaveCount(0);

    const after = await busView(page);
    const groups = Object.keys(after.groupBuses).map(Number);
    expect(groups.sort()).toEqual([1, 3]);
    const own = new Set<number>();
    for (const g of groups) {
      const buses = after.groupBuses[g] ?? [];
      expect(buses, `group ${g} sits on one vPHB`).toHaveLength(1);
      const bus = buses[0] as number;
      expect(after.phbs).toContain(bus);
      expect(bus, `group ${g} is not on the default PHB`).not.toBe(0);
      own.add(bus);
      // nothing else shares that vPHB: its PE is the group
      expect(after.onBus[bus]?.map((k) => after.groupOf[k])).toEqual(after.onBus[bus]?.map(() => g));
    }
    expect(own.size).toBe(groups.length);
    const empty = after.phbs.filter((i) => i !== 0 && (after.onBus[i] ?? []).length === 0);
    expect(empty).toHaveLength(spare);
    for (const i of after.phbs) await expect(page.getByTestId(`controller-${i}`)).toBeVisible();
    await expect(errorsShown(page)).toHaveCount(0);

    // one undo restores the design as imported
    await page.getByTestId('undo').click();
    expect(await exportXml(page)).toBe(bare);
    await expect(tray.getByTestId('guest-device-0000:01:00.0')).toBeVisible();
    await page.getByTestId('redo').click();
    await expect(page.locator('.react-flow__node').getByTestId('guest-device-0000:01:00.0')).toBeVisible();
    await expect(tray).toHaveCount(0);
    const xml = await saveExport(page, info);
    expect(xml).toContain('<name>p9-autoplace</name>');
    expect(errors).toEqual([]);
  });

  test('import a domain file then edit it in the inspector and by dragging', async ({ page }, info) => {
    const errors = await openApp(page);
    const demo = await exportXml(page);
    const extra = `$1\n    <controller type='pci' index='3' model='pci-root'>\n      <model name='spapr-pci-host-bridge'/>\n      <target index='3'/>\n    </controller>`;
    const imported = demo.replace('<name>p9-demo</name>', '<name>p9-imported</name>').replace(/(<controller type='pci' index='2' model='pci-root'>[\s\S]*?<\/controller>)/, extra);
    expect(imported).toContain("index='3'");
    await page.getByTestId('import-domain-file').setInputFiles({ name: 'p9-imported.xml', mimeType: 'application/xml', buffer: Buffer.from(imported) });
    await expect(page.getByTestId('controller-3')).toBeVisible();
    expect(await exportXml(page)).toBe(imported);

    await page.getByTestId('controller-3').locator('.chead').click();
    await page.getByTestId('inspector-node').fill('1');
    await page.getByTestId('inspector-apply').click();
    await expect(page.getByTestId('controller-3')).toContainText('NUMA 1');

    // the V100 (group 4) sits on host NUMA node 8, which backs guest cell 1
    await drag(page, await center(page, 'host-group-4'), await center(page, 'controller-3'));
    await expect(page.getByTestId('controller-3')).toHaveClass(/over/);
    await page.mouse.up();
    await expect(page.getByTestId('controller-3').getByTestId('guest-device-0035:03:00.0')).toBeVisible();
    await expect(errorsShown(page)).toHaveCount(0);
    const xml = await saveExport(page, info);
    expect(xml).toMatch(/<target index='3'>\s*<node>1<\/node>/);
    expect(xml).toContain("<address type='pci' domain='0x0000' bus='0x03'");
    expect(errors).toEqual([]);
  });
});

test.describe('diagram export', () => {
  test('the diagram downloads as SVG naming every vPHB, and as PNG', async ({ page }) => {
    const errors = await openApp(page);
    await page.getByTestId('add-phb').click();
    await expect(page.getByTestId('controller-3')).toBeVisible();
    const phbs = (await busView(page)).phbs;
    expect(phbs).toEqual([0, 1, 2, 3]);

    // SVG and PNG live in the toolbar's "Diagram" menu
    await expect(page.getByTestId('export-svg')).toBeHidden();
    await page.getByTestId('export-diagram').click();
    const svgDownload = page.waitForEvent('download');
    await page.getByTestId('export-svg').click();
    await expect(page.getByTestId('export-svg')).toBeHidden();
    const svg = await svgDownload;
    expect(svg.suggestedFilename()).toBe('p9-demo-topology.svg');
    const text = fs.readFileSync(await svg.path(), 'utf8');
    const parsed = await page.evaluate((t) => {
      const doc = new DOMParser().parseFromString(t, 'image/svg+xml');
      if (doc.querySelector('parsererror') || doc.documentElement.nodeName !== 'svg') return null;
      return { texts: Array.from(doc.querySelectorAll('text')).map((x) => x.textContent ?? ''), groups: Array.from(doc.querySelectorAll('g[id]')).map((g) => g.id) };
    }, text);
    expect(parsed, 'the SVG parses').not.toBeNull();
    for (const i of phbs) {
      expect(parsed?.texts).toContain(`vPHB ${i}`);
      expect(parsed?.groups).toContain(`controller-${i}`);
    }
    expect(parsed?.groups).toContain('device-0030:01:00.0');

    await page.getByTestId('export-diagram').click();
    const pngDownload = page.waitForEvent('download');
    await page.getByTestId('export-png').click();
    const png = await pngDownload;
    expect(png.suggestedFilename()).toBe('p9-demo-topology.png');
    const bytes = fs.readFileSync(await png.path());
    expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    // IHDR: width and height at 2x the SVG's size
    const width = Number(/<svg[^>]* width="(\d+)"/.exec(text)?.[1]);
    expect(bytes.readUInt32BE(16)).toBe(width * 2);
    expect(bytes.length).toBeGreaterThan(5_000);
    expect(errors).toEqual([]);
  });
});

test.describe('host panel', () => {
  test('host groups can be searched and filtered to the free ones', async ({ page }) => {
    await openApp(page);
    const cards = page.locator('[data-testid^="host-group-"]');
    const all = await cards.count();
    expect(all).toBeGreaterThanOrEqual(6);
    const search = page.getByTestId('host-search');
    const only = async (...groups: number[]) => {
      await expect(cards).toHaveCount(groups.length);
      for (const g of groups) await expect(page.getByTestId(`host-group-${g}`)).toBeVisible();
    };

    await search.fill('tg3'); // driver
    await only(2);
    await search.fill('nvme'); // product name, any case
    await only(3);
    await search.fill('0035:03'); // address
    await only(4);
    await search.fill('mellanox'); // vendor
    await only(1);
    await search.fill('no such device');
    await only();
    await expect(page.getByTestId('host-no-match')).toContainText('no such device');
    await search.fill('');
    await expect(cards).toHaveCount(all);

    // free only: groups 1 and 3 are in the demo guest
    await page.getByTestId('host-free-only').check();
    await expect(cards).toHaveCount(all - 2);
    await expect(page.getByTestId('host-group-1')).toHaveCount(0);
    await expect(page.getByTestId('host-group-3')).toHaveCount(0);
    await expect(page.getByTestId('host-group-5')).toBeVisible();
    // placing a group takes it off the free list; undo brings it back
    await drag(page, await center(page, 'host-group-5'), await center(page, 'controller-2'));
    await page.mouse.up();
    await expect(page.getByTestId('host-group-5')).toHaveCount(0);
    await page.getByTestId('undo').click();
    await expect(page.getByTestId('host-group-5')).toBeVisible();
    // both filters together
    await search.fill('connectx');
    await only();
    await page.getByTestId('host-free-only').uncheck();
    await only(1);
  });
});

test.describe('badges', () => {
  test('a finding about a vPHB badges the vPHB; one about devices only badges the devices', async ({ page }) => {
    await openApp(page);
    await expect(page.getByTestId('controller-1')).not.toHaveClass(/sev-(warning|error)/);
    // group 2 joins group 1 on vPHB 1: two PEs on one PHB (PAPR-ISO-6: the PHB and its hostdevs)
    await drag(page, await center(page, 'host-group-2'), await center(page, 'controller-1'));
    await page.mouse.up();
    const iso = page.locator('[data-testid="finding"][data-rule-id="PAPR-ISO-6"]');
    await expect(iso).toHaveCount(1);
    await expect(iso).toHaveAttribute('data-severity', 'warning');
    await expect(page.getByTestId('controller-1')).toHaveClass(/sev-warning/);
    await expect(page.getByTestId('controller-1').locator('.chead .badge.warning')).toBeVisible();
    for (const k of ['0000:01:00.0', '0001:01:00.3']) {
      await expect(page.getByTestId(`guest-device-${k}`)).toHaveClass(/sev-warning/);
      await expect(page.getByTestId(`guest-device-${k}`).locator('.badge.warning')).toBeVisible();
    }
    await expect(page.getByTestId('controller-2')).not.toHaveClass(/sev-(warning|error)/);
    await page.getByTestId('undo').click();
    await expect(iso).toHaveCount(0);
    await expect(page.getByTestId('controller-1')).not.toHaveClass(/sev-(warning|error)/);

    // two disks on one address: GEN-ADDR-4 names the disks only
    const clash = (await exportXml(page)).replace(
      '<panic model=\'pseries\'/>',
      "<disk type='file' device='disk'>\n      <source file='/b.qcow2'/>\n      <target dev='vdb' bus='virtio'/>\n      <address type='pci' domain='0x0000' bus='0x02' slot='0x01' function='0x0'/>\n    </disk>\n    <panic model='pseries'/>",
    );
    await pasteXml(page, clash);
    const addr = page.locator('[data-testid="finding"][data-rule-id="GEN-ADDR-4"]');
    await expect(addr).toHaveCount(1);
    await expect(page.getByTestId('guest-device-0030:01:00.0')).toHaveClass(/sev-error/);
    await expect(page.getByTestId('guest-device-disk-1')).toHaveClass(/sev-error/);
    await expect(page.getByTestId('controller-2')).not.toHaveClass(/sev-error/);
  });
});
