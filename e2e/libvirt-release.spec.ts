import fs from 'node:fs';
import { expect, test, type BrowserContext, type Locator, type Page } from '@playwright/test';
import { exportXml, openApp, savedDomain } from './helpers.ts';

// Issue 12: the libvirt release a design is placed as is a setting of the design. q35 with only
// root port 5 written: libvirt adds ports 1-4 for the gap; 9.0 (Debian 12) addresses the written
// port first, 10.7 (the default) goes by controller index.
const ROOT_PORT_5_ALONE = `<domain type='kvm'>
  <name>rp5</name>
  <memory unit='KiB'>1048576</memory>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
  </os>
  <devices>
    <controller type='pci' index='5' model='pcie-root-port'/>
  </devices>
</domain>
`;

/** slot.function of the PCI controller with this index in a domain XML, e.g. "0x01.0x0". */
function controllerAt(xml: string, index: number): string | undefined {
  const block = new RegExp(`<controller type='pci' index='${index}'[^>]*>([\\s\\S]*?)</controller>`).exec(xml)?.[1];
  const a = block ? /<address type='pci' domain='0x0000' bus='0x00' slot='(0x[0-9a-f]+)' function='(0x[0-9a-f]+)'/.exec(block) : null;
  return a ? `${a[1]}.${a[2]}` : undefined;
}

/** A share link opened in another tab of the same browser (its autosave is kept aside, not cleared). */
async function opened(context: BrowserContext, url: string): Promise<Page> {
  const other = await context.newPage();
  await other.goto(url);
  await expect(other.locator('html[data-ready="true"]')).toBeAttached();
  return other;
}

/** The release select: it shows under the libvirt policy, in the spare count's place. */
async function releaseOf(page: Page): Promise<Locator> {
  await page.getByTestId('placement-policy').selectOption('libvirt');
  return page.getByTestId('libvirt-version');
}

async function importAndPlace(page: Page, release?: string): Promise<string> {
  await page.getByTestId('import-domain-file').setInputFiles({ name: 'rp5.xml', mimeType: 'application/xml', buffer: Buffer.from(ROOT_PORT_5_ALONE) });
  await expect(page.getByTestId('controller-5')).toBeVisible();
  await page.getByTestId('placement-policy').selectOption('libvirt');
  if (release) await page.getByTestId('libvirt-version').selectOption(release);
  await page.getByTestId('auto-place').click();
  await expect(page.getByTestId('undo')).toHaveAttribute('aria-label', release ? `Undo: Auto-place (like libvirt ${release})` : 'Undo: Auto-place (like libvirt)');
  const download = page.waitForEvent('download');
  await page.getByTestId('export-domain').click();
  return fs.readFileSync(await (await download).path(), 'utf8');
}

test('placed as libvirt 9.0: the written root port gets the first address; the setting survives a reload and travels in a share link', async ({ page, context }) => {
  await openApp(page);
  const xml = await importAndPlace(page, '9.0');
  expect([controllerAt(xml, 5), controllerAt(xml, 1), controllerAt(xml, 2)]).toEqual(['0x01.0x0', '0x01.0x1', '0x01.0x2']);

  // saved with the design: a reload opens it placed as 9.0 still
  await expect.poll(() => page.evaluate(async () => JSON.parse((await window.__pcitopo?.saved())?.autosave ?? '{}').libvirtVersion)).toBe('9.0');
  // the setting is saved before the placement it drives: wait for the placed design too
  await expect.poll(() => savedDomain(page)).toBe(xml);
  await page.evaluate(() => sessionStorage.setItem('pcitopo-e2e-keep', '1'));
  await page.reload();
  await expect(page.locator('html[data-ready="true"]')).toBeAttached();
  await expect(await releaseOf(page)).toHaveValue('9.0');
  expect(await exportXml(page)).toBe(xml);

  // a share link carries it: opened in another tab, the design is placed as 9.0 there too
  await page.getByTestId('share-link').click();
  const url = await page.getByTestId('share-link-url').inputValue();
  const other = await opened(context, url);
  await expect(await releaseOf(other)).toHaveValue('9.0');
  expect(await exportXml(other)).toBe(xml);
});

test('by default (libvirt 10.7) the ports go by controller index; a link made at the default opens at the default, whatever this browser chose since', async ({ page, context }) => {
  await openApp(page);
  const xml = await importAndPlace(page);
  expect([controllerAt(xml, 1), controllerAt(xml, 5)]).toEqual(['0x01.0x0', '0x01.0x4']);
  await page.getByTestId('share-link').click();
  const url = await page.getByTestId('share-link-url').inputValue();
  // the setting made after the link was shown drops it: it no longer says the design
  await page.getByTestId('libvirt-version').selectOption('9.0');
  await expect(page.getByTestId('share-link-url')).toHaveCount(0);
  await expect.poll(() => page.evaluate(async () => JSON.parse((await window.__pcitopo?.saved())?.autosave ?? '{}').libvirtVersion)).toBe('9.0');
  const other = await opened(context, url);
  await expect(await releaseOf(other)).toHaveValue('10.7');
  expect(await exportXml(other)).toBe(xml);
});

test('at 1280 px, under the libvirt policy, the release select keeps the toolbar to one line', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await openApp(page);
  await expect(await releaseOf(page)).toBeVisible();
  const tops = await page.locator('.toolbar > .tgroup, .toolbar > .brand').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().top + e.getBoundingClientRect().height / 2));
  expect(Math.max(...tops) - Math.min(...tops)).toBeLessThan(4);
});

// A PHB written at index 2 without <target index>, a NIC on bus 1 for which libvirt adds PHB 1. Real
// libvirt 9.0 gives the written PHB target index 1 and the one it adds 2 (shared/tools/libvirt-qemu-check.sh);
// 10.7 goes by controller index. The canvas and the inspector show what the release selected gives.
const PHB_WITHOUT_TARGET = `<domain type='kvm'>
  <name>phb-no-target</name>
  <memory unit='KiB'>1048576</memory>
  <os>
    <type arch='ppc64le' machine='pseries'>hvm</type>
  </os>
  <devices>
    <controller type='pci' index='0' model='pci-root'><model name='spapr-pci-host-bridge'/><target index='0'/></controller>
    <controller type='pci' index='2' model='pci-root'><model name='spapr-pci-host-bridge'/></controller>
    <interface type='network'><source network='default'/><model type='virtio'/><address type='pci' domain='0x0000' bus='0x01' slot='0x01' function='0x0'/></interface>
  </devices>
</domain>
`;

test('the target index drawn for a PHB written without one, and for the PHB libvirt adds, follows the release select', async ({ page }) => {
  await openApp(page);
  await page.getByTestId('import-domain-file').setInputFiles({ name: 'phb.xml', mimeType: 'application/xml', buffer: Buffer.from(PHB_WITHOUT_TARGET) });
  const written = page.getByTestId('controller-2');
  const added = page.getByTestId('controller-1');
  await expect(written).toContainText('target 2');
  await expect(added).toContainText('target 1');

  await (await releaseOf(page)).selectOption('9.0');
  await expect(written).toContainText('target 1');
  await expect(added).toContainText('target 2');
  // the inspector names it as libvirt 9.0 fills it, and the bus libvirt adds starts from 9.0's
  await written.getByRole('button', { name: /^Select / }).click();
  await expect(page.getByTestId('inspector-targetIndex')).toHaveAttribute('placeholder', 'not written: libvirt gives 1');
  await added.getByRole('button', { name: /^Select / }).click();
  await expect(page.getByTestId('inspector-targetIndex')).toHaveValue('2');

  // and back: the default release draws 10.7's again
  await page.getByTestId('libvirt-version').selectOption('10.7');
  await expect(written).toContainText('target 2');
  await expect(added).toContainText('target 1');
  await expect(page.getByTestId('inspector-targetIndex')).toHaveValue('1');
  // the design is as written: export leaves the XML alone
  expect(await exportXml(page)).toBe(PHB_WITHOUT_TARGET);

  // an edit of the bus libvirt adds writes it as the release selected gives it: target index 2 under 9.0
  await page.getByTestId('libvirt-version').selectOption('9.0');
  await expect(page.getByTestId('inspector-targetIndex')).toHaveValue('2');
  await page.getByTestId('inspector-apply').click();
  await expect.poll(() => exportXml(page)).toMatch(/<controller type='pci' index='1' model='pci-root'>\s*<model name='spapr-pci-host-bridge'\/>\s*<target index='2'\/>/);
});
