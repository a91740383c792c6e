import { expect, test } from '@playwright/test';
import { center, drag, exportXml, findingsOf, openApp, pasteXml, placements, savedDomain, saveExport } from './helpers.ts';

test.describe('drag and drop', () => {
  test('a host group dropped on a vPHB places the whole group there; undo and redo by keyboard', async ({ page }, info) => {
    const errors = await openApp(page);
    const before = await exportXml(page);
    await drag(page, await center(page, 'host-group-2'), await center(page, 'controller-0'));
    // While dragging every bus says what the drop would give.
    for (const i of [0, 1, 2]) await expect(page.getByTestId(`controller-${i}`)).toHaveClass(/drop-(clean|warning|error)/);
    await expect(page.locator('.ghost')).toContainText('IOMMU group 2');
    await expect(page.locator('body')).toHaveClass(/\bdragging\b/);
    await page.mouse.up();
    await expect(page.locator('.ghost')).toHaveCount(0);
    // the grabbing cursor ends with the drag (dnd.ts takes it off a frame after the drop)
    await expect(page.locator('body')).not.toHaveClass(/\bdragging\b/);
    for (const f of [0, 1, 2, 3]) await expect(page.getByTestId(`guest-device-0001:01:00.${f}`)).toBeVisible();
    const p = await placements(page);
    for (const f of [0, 1, 2, 3]) {
      expect(p[`0001:01:00.${f}`]?.bus).toBe(0);
      expect(p[`0001:01:00.${f}`]?.fn).toBe(f);
    }
    expect(new Set([0, 1, 2, 3].map((f) => p[`0001:01:00.${f}`]?.slot)).size).toBe(1);
    const after = await exportXml(page);
    expect(after).not.toBe(before);
    expect(after).toContain("<address domain='0x0001' bus='0x01' slot='0x00' function='0x3'/>");

    await page.keyboard.press('Control+z');
    await expect(page.getByTestId('guest-device-0001:01:00.0')).toHaveCount(0);
    expect(await exportXml(page)).toBe(before);
    await page.keyboard.press('Control+Shift+z');
    await expect(page.getByTestId('guest-device-0001:01:00.0')).toBeVisible();
    expect(await exportXml(page)).toBe(after);
    await page.getByTestId('undo').click();
    await expect(page.getByTestId('guest-device-0001:01:00.0')).toHaveCount(0);
    await page.keyboard.press('Control+y');
    await expect(page.getByTestId('guest-device-0001:01:00.0')).toBeVisible();
    expect(await saveExport(page, info)).toBe(after);
    expect(errors).toEqual([]);
  });

  test('a host device dropped on a free slot passes one function through at that slot', async ({ page }) => {
    await openApp(page);
    await drag(page, await center(page, 'host-device-0035:03:00.0'), await center(page, 'slot-2-5'));
    await expect(page.getByTestId('slot-2-5')).toHaveClass(/drop-/);
    await expect(page.getByTestId('slot-2-5')).toHaveClass(/over/);
    await page.mouse.up();
    await expect(page.getByTestId('guest-device-0035:03:00.0')).toBeVisible();
    const p = await placements(page);
    expect(p['0035:03:00.0']).toMatchObject({ bus: 2, slot: 5, fn: 0 });
    await expect(page.getByTestId('slot-2-5')).toHaveCount(0);
  });

  test('a guest device dropped on another vPHB moves there, as one undo step', async ({ page }) => {
    await openApp(page);
    const before = await exportXml(page);
    await drag(page, await center(page, 'guest-device-0030:01:00.0'), await center(page, 'controller-1'));
    await page.mouse.up();
    await expect(page.getByTestId('controller-1').getByTestId('guest-device-0030:01:00.0')).toBeVisible();
    expect((await placements(page))['0030:01:00.0']?.bus).toBe(1);
    await page.getByTestId('undo').click();
    await expect(page.getByTestId('controller-2').getByTestId('guest-device-0030:01:00.0')).toBeVisible();
    expect(await exportXml(page)).toBe(before);
  });

  test('Escape cancels a drag and changes nothing', async ({ page }) => {
    await openApp(page);
    const before = await exportXml(page);
    await drag(page, await center(page, 'host-group-5'), await center(page, 'controller-1'));
    await page.keyboard.press('Escape');
    await page.mouse.up();
    await expect(page.locator('.ghost')).toHaveCount(0);
    await expect(page.locator('body')).not.toHaveClass(/\bdragging\b/);
    expect(await exportXml(page)).toBe(before);
    await expect(page.getByTestId('undo')).toBeDisabled();
  });
});

test.describe('keyboard and inspector', () => {
  test('select a device with the keyboard and move it with "Move to…"', async ({ page }, info) => {
    await openApp(page);
    await page.getByTestId('guest-device-0030:01:00.0').focus();
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('guest-device-0030:01:00.0')).toHaveAttribute('aria-pressed', 'true');
    await page.keyboard.press('m');
    await expect(page.getByTestId('move-to')).toBeFocused();
    const option = page.getByTestId('move-to').locator('option', { hasText: /^vPHB 0 — / });
    await page.getByTestId('move-to').selectOption(await option.getAttribute('value') ?? '');
    await page.getByTestId('move-to').press('Enter');
    await expect(page.getByTestId('controller-0').getByTestId('guest-device-0030:01:00.0')).toBeVisible();
    expect((await placements(page))['0030:01:00.0']?.bus).toBe(0);
    expect(await saveExport(page, info)).toContain("<address type='pci' domain='0x0000' bus='0x00'");
  });

  test('a host group is placed from the keyboard too', async ({ page }) => {
    await openApp(page);
    await page.getByTestId('host-group-5').locator('header').focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('move-to-apply').click();
    await expect(page.getByTestId('guest-device-0033:01:00.0')).toBeVisible();
  });

  test('the inspector edits a vPHB and rejects invalid values with a message', async ({ page }) => {
    await openApp(page);
    await page.getByTestId('controller-2').locator('.chead').click();
    await page.getByTestId('inspector-node').fill('1');
    await page.getByTestId('inspector-apply').click();
    await expect(page.getByTestId('controller-2')).toContainText('NUMA 1');
    expect(await exportXml(page)).toMatch(/<target index='2'>\s*<node>1<\/node>/);

    await page.getByTestId('inspector-targetIndex').fill('two');
    await page.getByTestId('inspector-apply').click();
    await expect(page.getByTestId('inspector-error')).toContainText('whole number');
  });

  test('add vPHB adds a controller with the next target index; undo removes it', async ({ page }) => {
    await openApp(page);
    await page.getByTestId('add-phb').click();
    await expect(page.getByTestId('controller-3')).toBeVisible();
    await expect(page.getByTestId('controller-3')).toContainText('target 3');
    await page.keyboard.press('Control+z');
    await expect(page.getByTestId('controller-3')).toHaveCount(0);
  });

  test('new q35 design draws a pcie-root and adds root ports', async ({ page }) => {
    await openApp(page);
    await page.getByTestId('machine-select').selectOption('q35');
    await expect(page.getByTestId('controller-0')).toContainText('PCIe root');
    await page.getByTestId('add-phb').click();
    await expect(page.getByTestId('controller-1')).toContainText('Root port');
    await expect(page.getByTestId('xml-preview')).toContainText("machine='q35'");
  });
});

test.describe('import, share, autosave', () => {
  test('import by pasting XML and by dropping a file on the window', async ({ page }) => {
    await openApp(page);
    const domain = `<domain type='kvm'>\n  <name>pasted</name>\n  <memory>1048576</memory>\n  <os>\n    <type arch='ppc64le' machine='pseries'>hvm</type>\n  </os>\n  <devices>\n    <controller type='pci' index='0' model='pci-root'/>\n    <controller type='pci' index='1' model='pci-root'>\n      <target index='7'/>\n    </controller>\n  </devices>\n</domain>\n`;
    await pasteXml(page, domain);
    await expect(page.getByTestId('controller-1')).toContainText('target 7');
    expect(await exportXml(page)).toBe(domain);

    const dropped = domain.replace('pasted', 'dropped').replace("index='7'", "index='9'");
    await page.evaluate((text) => {
      const dt = new DataTransfer();
      dt.items.add(new File([text], 'dropped.xml', { type: 'application/xml' }));
      window.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
      window.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, dropped);
    await expect(page.getByTestId('controller-1')).toContainText('target 9');
    expect(await exportXml(page)).toBe(dropped);
  });

  test('a share link opened in a fresh page shows the same design', async ({ page, browser }) => {
    await openApp(page);
    await drag(page, await center(page, 'host-group-4'), await center(page, 'controller-0'));
    await page.mouse.up();
    await expect(page.getByTestId('guest-device-0035:03:00.0')).toBeVisible();
    const xml = await exportXml(page);
    await page.getByTestId('share-link').click();
    const url = await page.getByTestId('share-link-url').inputValue();
    expect(url).toMatch(/#\/d\/[A-Za-z0-9_-]+$/);

    const fresh = await browser.newContext();
    const other = await fresh.newPage();
    const errors = await openApp(other, url);
    await expect(other.getByTestId('guest-device-0035:03:00.0')).toBeVisible();
    await expect(other.getByTestId('host-group-4')).toBeVisible();
    expect(await exportXml(other)).toBe(xml);
    expect(errors).toEqual([]);
    await fresh.close();
  });

  test('a tampered share link shows a clear message and a working empty editor', async ({ page }) => {
    await openApp(page, '/#/d/AAAAnot-a-real-payload');
    // says what is wrong with the link, once, and what the user has now
    await expect(page.getByTestId('error-message')).toContainText(/This share link cannot be opened: the link is damaged: .*You have an empty design instead/);
    await expect(page.getByTestId('error-message')).not.toContainText('share link: share link');
    await expect(page.getByTestId('controller-0')).toBeVisible();
    await page.getByTestId('add-phb').click();
    await expect(page.getByTestId('controller-1')).toBeVisible();
  });

  test('the design is autosaved and restored after a reload', async ({ page }) => {
    await openApp(page);
    await page.getByTestId('add-phb').click();
    await expect(page.getByTestId('controller-3')).toBeVisible();
    const xml = await exportXml(page);
    // autosave writes after the frame: reload once it holds this design
    await expect.poll(() => savedDomain(page)).toBe(xml);
    await page.evaluate(() => sessionStorage.setItem('pcitopo-e2e-keep', '1'));
    await page.reload();
    await expect(page.locator('html[data-ready="true"]')).toBeAttached();
    await expect(page.getByTestId('controller-3')).toBeVisible();
    await expect(page.getByTestId('notice-message')).toContainText('Restored');
    expect(await exportXml(page)).toBe(xml);
  });

  test('light and dark themes follow the system', async ({ page }) => {
    await page.emulateMedia({ colorScheme: 'dark' });
    await openApp(page);
    const dark = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    await page.emulateMedia({ colorScheme: 'light' });
    const light = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    expect(dark).not.toBe(light);
    expect(light).toBe('rgb(245, 246, 248)');
  });
});

test.describe('findings', () => {
  const CLASH = `<domain type='kvm'>
  <name>clash</name>
  <memory>1048576</memory>
  <os>
    <type arch='ppc64le' machine='pseries'>hvm</type>
  </os>
  <devices>
    <controller type='pci' index='0' model='pci-root'/>
    <controller type='pci' index='1' model='pci-root'>
      <target index='1'/>
    </controller>
    <disk type='file' device='disk'>
      <source file='/a.qcow2'/>
      <target dev='vda' bus='virtio'/>
      <address type='pci' domain='0x0000' bus='0x01' slot='0x02' function='0x0'/>
    </disk>
    <disk type='file' device='disk'>
      <source file='/b.qcow2'/>
      <target dev='vdb' bus='virtio'/>
      <address type='pci' domain='0x0000' bus='0x01' slot='0x02' function='0x0'/>
    </disk>
  </devices>
</domain>
`;

  test('findings appear live, a click selects their subject, and a move makes them disappear', async ({ page }) => {
    await openApp(page);
    await pasteXml(page, CLASH);
    const clash = findingsOf(page, 'GEN-ADDR-4');
    await expect(clash).toHaveCount(1);
    await expect(clash).toHaveAttribute('data-severity', 'error');
    await clash.locator('.fmain').click();
    await expect(page.locator('.gdev.selected')).toHaveCount(1);
    await expect(page.getByTestId('guest-device-disk-0')).toHaveClass(/sev-error/);
    // Moving one disk away clears the clash (fit the view first: the click panned to bus 1).
    await page.getByTestId('fit-view').click();
    await drag(page, await center(page, 'guest-device-disk-1'), await center(page, 'controller-0'));
    await expect(page.getByTestId('controller-0')).toHaveClass(/drop-clean/);
    await expect(page.getByTestId('controller-0')).toHaveClass(/over/);
    await page.mouse.up();
    await expect(clash).toHaveCount(0);
    await page.keyboard.press('Control+z');
    await expect(clash).toHaveCount(1);
    // ...and so does its one-click fix, which is one undo step too.
    await clash.getByTestId('finding-fix').first().click();
    await expect(clash).toHaveCount(0);
    await page.getByTestId('undo').click();
    await expect(clash).toHaveCount(1);
  });

  test('the inspector rejects an edit that breaks a rule, with the rule message', async ({ page }) => {
    await openApp(page);
    const before = await exportXml(page);
    await page.getByTestId('controller-2').locator('.chead').click();
    await page.getByTestId('inspector-index').fill('1');
    await page.getByTestId('inspector-apply').click();
    await expect(page.getByTestId('inspector-error')).toBeVisible();
    expect(await exportXml(page)).toBe(before);
  });
});
