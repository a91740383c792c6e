import { expect, test } from '@playwright/test';
import { center, drag, exportXml, findingsOf, noInternalKey, openApp, pasteXml, placements } from './helpers.ts';

/**
 * The editor half of issue 10: libvirt's words everywhere, one answer from the canvas, the drop, the
 * inspector and the findings, the XML drawer as an editor, the context menu, the keyboard, and a line
 * on what an import, auto-place or fix did.
 */

const SIZES = [
  { width: 1280, height: 720 },
  { width: 1920, height: 1080 },
] as const;

/** A domain as people bring them: disks, NICs, USB, SATA, a balloon, video, all on PCI addresses. */
const CORPUS_LIKE = `<domain type='kvm'>
  <name>people-bring-this</name>
  <memory unit='GiB'>4</memory>
  <os>
    <type arch='x86_64' machine='pc-q35-9.0'>hvm</type>
  </os>
  <devices>
    <disk type='file' device='disk'>
      <source file='/var/lib/libvirt/images/a.qcow2'/>
      <target dev='vda' bus='virtio'/>
      <address type='pci' domain='0x0000' bus='0x03' slot='0x00' function='0x0'/>
    </disk>
    <disk type='file' device='disk'>
      <source file='/var/lib/libvirt/images/b.qcow2'/>
      <target dev='vdb' bus='virtio'/>
      <address type='pci' domain='0x0000' bus='0x04' slot='0x00' function='0x0'/>
    </disk>
    <controller type='usb' index='0' model='qemu-xhci'>
      <address type='pci' domain='0x0000' bus='0x02' slot='0x00' function='0x0'/>
    </controller>
    <controller type='sata' index='0'>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x1f' function='0x2'/>
    </controller>
    <controller type='pci' index='0' model='pcie-root'/>
    <controller type='pci' index='1' model='pcie-root-port'>
      <target chassis='1' port='0x10'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0' multifunction='on'/>
    </controller>
    <controller type='pci' index='2' model='pcie-root-port'>
      <target chassis='2' port='0x11'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x1'/>
    </controller>
    <controller type='pci' index='3' model='pcie-root-port'>
      <target chassis='3' port='0x12'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x2'/>
    </controller>
    <controller type='pci' index='4' model='pcie-root-port'>
      <target chassis='4' port='0x13'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x3'/>
    </controller>
    <controller type='pci' index='5' model='pcie-root-port'>
      <target chassis='5' port='0x14'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x4'/>
    </controller>
    <controller type='pci' index='6' model='pcie-root-port'>
      <target chassis='6' port='0x15'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x5'/>
    </controller>
    <interface type='network'>
      <mac address='52:54:00:6b:3c:58'/>
      <source network='default'/>
      <model type='virtio'/>
      <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>
    </interface>
    <interface type='bridge'>
      <source bridge='br0'/>
      <model type='e1000e'/>
      <address type='pci' domain='0x0000' bus='0x05' slot='0x00' function='0x0'/>
    </interface>
    <video>
      <model type='virtio'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0'/>
    </video>
    <memballoon model='virtio'>
      <address type='pci' domain='0x0000' bus='0x06' slot='0x00' function='0x0'/>
    </memballoon>
  </devices>
</domain>
`;

for (const size of SIZES) {
  test.describe(`at ${size.width}x${size.height}`, () => {
    test.use({ viewport: size });

    test('no internal key reaches the page, on the demo and on a domain with disks, NICs, USB and a balloon', async ({ page }) => {
      test.setTimeout(90_000);
      const errors = await openApp(page);
      await noInternalKey(page, 'demo');
      // every device of the demo selected: the inspector, its "Move to…" and the undo label after a removal
      const onCanvas = async () => Object.values(await placements(page)).filter((p) => p.bus !== undefined).map((p) => p.key);
      const keys = await onCanvas();
      for (const key of keys) {
        await page.getByTestId(`guest-device-${key}`).click();
        await expect(page.getByTestId('inspector-apply')).toBeVisible();
        await noInternalKey(page, `demo, ${key} selected`);
      }
      const balloon = keys.find((k) => /memballoon/.test(k)) ?? '';
      await page.getByTestId(`guest-device-${balloon}`).click();
      await page.getByTestId('inspector-remove').click();
      await expect(page.getByTestId('undo')).toHaveAttribute('aria-label', 'Undo: Remove memballoon');

      await pasteXml(page, CORPUS_LIKE);
      await expect(page.getByTestId('controller-6')).toBeVisible();
      await noInternalKey(page, 'corpus-like domain');
      for (const key of await onCanvas()) {
        await page.getByTestId(`guest-device-${key}`).click();
        await expect(page.getByTestId('inspector-apply')).toBeVisible();
        await noInternalKey(page, `corpus-like domain, ${key} selected`);
        await page.keyboard.press('Shift+F10');
        await expect(page.getByTestId('context-menu')).toBeVisible();
        await noInternalKey(page, `corpus-like domain, context menu of ${key}`);
        await page.keyboard.press('Escape');
        await expect(page.getByTestId('context-menu')).toHaveCount(0);
      }
      // a port as libvirt writes it, and the base an input is read in
      await page.getByTestId('controller-1').locator('.chead').click();
      await expect(page.getByTestId('inspector-port')).toHaveValue('0x10');
      await page.getByTestId('inspector-port').fill('0x1f');
      await expect(page.getByTestId('inspector-port-reads')).toHaveText('port 0x1f (31), read as hex');
      await page.getByTestId('inspector-port').fill('31');
      await expect(page.getByTestId('inspector-port-reads')).toHaveText('port 31 (0x1f), read as decimal');
      expect(errors).toEqual([]);
    });

    test('the inspector, the badges, the drop verdict and the findings agree (Move IOMMU group 5 to vPHB 0)', async ({ page }) => {
      test.setTimeout(60_000);
      await openApp(page);
      // group 5 onto vPHB 0, where the emulated devices are: PAPR-ISO-4
      await drag(page, await center(page, 'host-group-5'), await center(page, 'controller-0'));
      await page.mouse.up();
      await expect(page.getByTestId('guest-device-0033:01:00.0')).toBeVisible();
      const iso = findingsOf(page, 'PAPR-ISO-4');
      await expect(iso).toHaveCount(1);
      await expect(iso).toHaveAttribute('data-severity', 'warning');
      await expect(page.getByTestId('controller-0')).toHaveClass(/sev-warning/);
      await expect(page.getByTestId('guest-device-0033:01:00.0')).toHaveClass(/sev-warning/);

      // the inspector's "Move to…" says the same of vPHB 0 (it used to say "clean")
      await page.getByTestId('host-group-5').locator('header').click();
      const menu = page.getByTestId('move-to');
      await expect(menu.locator('option[data-verdict="pending"]')).toHaveCount(0);
      await expect(menu.locator('option').first()).toHaveText('vPHB 0 — warning');
      await menu.selectOption({ label: 'vPHB 0 — warning' });
      await expect(page.getByTestId('move-to-why')).toContainText('PAPR-ISO-4');
      await expect(menu.locator('option', { hasText: /^a new vPHB — / })).toHaveText('a new vPHB — clean');

      // ...and so does the context menu
      await page.getByTestId('host-group-5').locator('header').click({ button: 'right' });
      await page.getByTestId('context-move-to').click();
      const targets = page.getByTestId('context-move-target');
      await expect(targets.locator('xpath=self::*[@data-verdict="pending"]')).toHaveCount(0);
      await expect(targets.filter({ hasText: /^vPHB 0 — / })).toHaveAttribute('data-verdict', 'warning');
      await expect(targets.filter({ hasText: /^vPHB 0 — / })).toContainText('PAPR-ISO-4');
      await page.keyboard.press('Escape');

      // ...and the drag over vPHB 0
      await drag(page, await center(page, 'host-group-5'), await center(page, 'controller-0'));
      await expect(page.getByTestId('controller-0')).toHaveClass(/ over/);
      await expect(page.getByTestId('controller-0')).toHaveClass(/drop-warning/);
      await expect(page.locator('.ghost')).toContainText('PAPR-ISO-4');
      await page.keyboard.press('Escape');
      await page.mouse.up();
    });

    test('the XML editor round-trips an edit: type, the design changes, undo restores, export matches', async ({ page }) => {
      test.setTimeout(60_000);
      await openApp(page);
      const toggle = page.getByTestId('xml-drawer-toggle');
      // collapsed by default below 1600 px, open above
      await expect(toggle).toHaveAttribute('aria-expanded', size.width >= 1600 ? 'true' : 'false');
      if (size.width < 1600) await toggle.click();
      const editor = page.getByTestId('xml-editor');
      await expect(editor).toBeVisible();
      const before = await exportXml(page);
      await expect(page.getByTestId('xml-preview')).toHaveText(before);

      // the NVMe drive (vPHB 2, slot 0x01) typed onto slot 0x05
      const typed = before.replace("bus='0x02' slot='0x01'", "bus='0x02' slot='0x05'");
      expect(typed).not.toBe(before);
      await editor.fill(typed);
      await expect.poll(async () => (await placements(page))['0030:01:00.0']?.slot).toBe(5);
      expect(await exportXml(page)).toBe(typed);
      await expect(page.getByTestId('xml-preview')).toHaveText(typed);
      await expect(page.getByTestId('xml-status')).toHaveText('changed since import');
      await expect(page.getByTestId('undo')).toHaveAttribute('aria-label', 'Undo: Edit the XML');
      // the whole edit is one step
      await page.getByTestId('undo').click();
      expect((await placements(page))['0030:01:00.0']?.slot).toBe(1);
      expect(await exportXml(page)).toBe(before);
      await expect(editor).toContainText("bus='0x02' slot='0x01'");
      await page.getByTestId('redo').click();
      expect(await exportXml(page)).toBe(typed);

      // a parse error marks its line and keeps the design
      await editor.fill(typed.replace('</devices>', '</devicez>'));
      await expect(page.getByTestId('xml-error')).toContainText(/^Line \d+: .*The design keeps its last valid XML\.$/);
      await expect(page.locator('.cm-lintRange-error, .cm-lint-marker-error').first()).toBeVisible();
      expect(await exportXml(page)).toBe(typed);
      await expect(page.getByTestId('undo')).toHaveAttribute('aria-label', 'Undo: Edit the XML');
    });

    test('selecting a device scrolls the XML to its element; "changed lines" steps through what the design changed', async ({ page }) => {
      await openApp(page);
      if (size.width < 1600) await page.getByTestId('xml-drawer-toggle').click();
      await expect(page.getByTestId('xml-editor')).toBeVisible();
      await expect(page.getByTestId('xml-changes')).toHaveText('no lines changed since import');
      await page.getByTestId('guest-device-0030:01:00.0').click();
      await expect(page.getByTestId('xml-selected').first()).toBeVisible();
      await expect(page.getByTestId('xml-selected').first()).toContainText('<hostdev');

      await drag(page, await center(page, 'guest-device-0030:01:00.0'), await center(page, 'controller-1'));
      await page.mouse.up();
      await expect(page.getByTestId('controller-1').getByTestId('guest-device-0030:01:00.0')).toBeVisible();
      await expect(page.getByTestId('xml-changes')).toHaveText(/^1 change since import$/);
      await expect(page.locator('.cm-changed-line').first()).toBeVisible();
      await page.getByTestId('xml-next-change').click();
      await expect(page.getByTestId('xml-changes')).toHaveText(/^1 change since import: change 1 at line \d+$/);
      const line = Number((await page.getByTestId('xml-changes').textContent())?.match(/line (\d+)$/)?.[1]);
      expect((await exportXml(page)).split('\n')[line - 1]).toContain("bus='0x01'");
    });
  });
}

test.describe('editing as in a diagram editor', () => {
  test.use({ viewport: { width: 1280, height: 720 } });

  test('right-click opens the context menu; Move to… a new vPHB moves there and focus returns to the moved device', async ({ page }) => {
    await openApp(page);
    await page.getByTestId('guest-device-0030:01:00.0').click({ button: 'right' });
    const menu = page.getByTestId('context-menu');
    await expect(menu).toBeVisible();
    await expect(page.getByTestId('context-move-to')).toBeFocused();
    await expect(page.getByTestId('context-isolate')).toHaveText('Isolate on a new vPHB');
    await expect(page.getByTestId('context-remove')).toHaveText(/^Remove hostdev 0030:01:00\.0/);
    await page.keyboard.press('Enter');
    const fresh = page.getByTestId('context-move-target').filter({ hasText: /^a new vPHB — / });
    await expect(fresh).toHaveAttribute('data-verdict', 'clean');
    await fresh.focus();
    await page.keyboard.press('Enter');
    await expect(menu).toHaveCount(0);
    await expect(page.getByTestId('controller-3').getByTestId('guest-device-0030:01:00.0')).toBeVisible();
    await expect(page.getByTestId('guest-device-0030:01:00.0')).toBeFocused();
    expect((await placements(page))['0030:01:00.0']?.bus).toBe(3);
    await expect(page.getByTestId('undo')).toHaveAttribute('aria-label', /^Undo: Move hostdev 0030:01:00\.0 .* to a new vPHB$/);
  });

  test('right-click on a device of a multi-selection keeps it: Move to… and Remove act on all of it, one undo step each', async ({ page }) => {
    await openApp(page);
    const before = await exportXml(page);
    const selectTwo = async () => {
      await page.getByTestId('guest-device-disk-0').click();
      await page.getByTestId('guest-device-interface-0').click({ modifiers: ['Control'] });
      await page.getByTestId('guest-device-interface-0').click({ button: 'right' });
      await expect(page.getByTestId('context-menu')).toBeVisible();
      for (const k of ['disk-0', 'interface-0']) await expect(page.getByTestId(`guest-device-${k}`)).toHaveAttribute('aria-pressed', 'true');
    };
    await selectTwo();
    await expect(page.getByTestId('context-remove')).toHaveText('Remove 2 devices');
    await page.getByTestId('context-move-to').click();
    const target = page.getByTestId('context-move-target').filter({ hasText: /^vPHB 2 — / });
    await expect(target).not.toHaveAttribute('data-verdict', 'pending');
    await target.click();
    await expect(page.getByTestId('context-menu')).toHaveCount(0);
    const p = await placements(page);
    expect(p['disk-0']?.bus).toBe(2);
    expect(p['interface-0']?.bus).toBe(2);
    for (const k of ['disk-0', 'interface-0']) await expect(page.getByTestId(`guest-device-${k}`)).toHaveAttribute('aria-pressed', 'true');
    await expect(page.getByTestId('undo')).toHaveAttribute('aria-label', 'Undo: Move 2 devices to vPHB 2');
    await page.getByTestId('undo').click();
    expect(await exportXml(page)).toBe(before);

    await selectTwo();
    await page.getByTestId('context-remove').click();
    for (const k of ['disk-0', 'interface-0']) await expect(page.getByTestId(`guest-device-${k}`)).toHaveCount(0);
    await page.getByTestId('undo').click();
    expect(await exportXml(page)).toBe(before);
  });

  test('Shift+F10 opens the menu of the focused item; arrows, Enter and Escape work in it', async ({ page }) => {
    await openApp(page);
    await page.getByTestId('host-group-4').locator('header').focus();
    await page.keyboard.press('Shift+F10');
    const menu = page.getByTestId('context-menu');
    await expect(menu).toBeVisible();
    await page.keyboard.press('Escape');
    await expect(menu).toHaveCount(0);
    await expect(page.getByTestId('host-group-4').locator('header')).toBeFocused();
    await page.keyboard.press('Shift+F10');
    await expect(page.getByTestId('context-move-to')).toBeFocused();
    await page.keyboard.press('ArrowDown');
    await expect(page.getByTestId('context-isolate')).toBeFocused();
    await page.keyboard.press('Enter');
    await expect(page.getByTestId('controller-3').getByTestId('guest-device-0035:03:00.0')).toBeVisible();
    await expect(page.getByTestId('host-group-4').locator('header')).toBeFocused();
    await expect(page.getByTestId('change-summary')).toHaveCount(0);
  });

  test('the arrow keys move focus within the host panel and the tree; each is one Tab stop', async ({ page }) => {
    await openApp(page);
    const first = page.getByTestId('host-group-0').locator('header');
    await first.focus();
    await page.keyboard.press('ArrowDown');
    await expect(page.getByTestId('host-device-0000:00:00.0')).toBeFocused();
    await page.keyboard.press('ArrowDown');
    await expect(page.getByTestId('host-group-1').locator('header')).toBeFocused();
    await page.keyboard.press('End');
    const last = await page.evaluate(() => (document.activeElement as HTMLElement).dataset.testid ?? document.activeElement?.closest('[data-testid]')?.getAttribute('data-testid'));
    expect(last).toMatch(/^host-device-/);
    await page.keyboard.press('Home');
    await expect(first).toBeFocused();
    // one Tab stop: from the list, Tab goes on to what follows it, not to the next card
    const tabbable = await page.locator('.panel.host .groups [tabindex="0"]').count();
    expect(tabbable).toBe(1);

    // the tree: from a vPHB's head to its devices, Enter selects, M moves, focus returns to the moved device
    await page.getByTestId('controller-2').locator('.chead').focus();
    await page.keyboard.press('ArrowDown');
    await expect(page.getByTestId('guest-device-0030:01:00.0')).toBeFocused();
    await page.keyboard.press('Enter');
    await page.keyboard.press('m');
    await expect(page.getByTestId('move-to')).toBeFocused();
    await page.getByTestId('move-to').selectOption({ label: 'vPHB 1 — warning' });
    await page.getByTestId('move-to').press('Enter');
    await expect(page.getByTestId('controller-1').getByTestId('guest-device-0030:01:00.0')).toBeFocused();
  });

  test('+, -, Shift+1 and Shift+2 zoom and fit the canvas', async ({ page }) => {
    await openApp(page);
    const scale = () => page.locator('.react-flow__viewport').evaluate((el) => new DOMMatrixReadOnly(getComputedStyle(el).transform).a);
    await page.locator('body').click({ position: { x: 2, y: 400 } });
    const start = await scale();
    await page.keyboard.press('-');
    await expect.poll(scale).toBeLessThan(start);
    const out = await scale();
    await page.keyboard.press('+');
    await expect.poll(scale).toBeGreaterThan(out);
    await page.keyboard.press('Shift+1');
    await expect.poll(scale).toBeCloseTo(start, 2);
    await page.getByTestId('controller-1').locator('.chead').click();
    await page.keyboard.press('Shift+2');
    await expect.poll(scale).toBeGreaterThan(start);
  });
});

test.describe('what happened, and what to do', () => {
  test.use({ viewport: { width: 1280, height: 720 } });

  test('an import, auto-place and a fix each say what they did; under the libvirt policy the libvirt release takes the spare count\'s place, with the reason', async ({ page }) => {
    await openApp(page);
    const bare = (await exportXml(page)).replace(/\n\s*<address type='pci'[^>]*\/>/g, '');
    await pasteXml(page, bare);
    await expect(page.getByTestId('change-summary')).toHaveText(/^7 PCI devices on 3 PCI controllers, 7 without an address \(Auto-place gives them one\); .* left\./);
    await page.getByTestId('placement-policy').selectOption('libvirt');
    await expect(page.getByTestId('placement-spare')).toHaveCount(0);
    await expect(page.getByTestId('placement-policy')).toHaveAttribute('title', /the way libvirt would, which keeps no spares/);
    await expect(page.getByTestId('libvirt-version')).toHaveAttribute('title', /^Like libvirt, as libvirt 10\.7 \(the default\) or 9\.0 places/);
    await page.getByTestId('placement-policy').selectOption('pe-per-phb');
    await expect(page.getByTestId('libvirt-version')).toHaveCount(0);
    await expect(page.getByTestId('placement-spare')).toBeEnabled();
    await page.getByTestId('placement-spare').fill('1');
    await page.getByTestId('auto-place').click();
    await expect(page.getByTestId('change-summary')).toHaveText('placed 7 devices, added 1 vPHB; no errors or warnings left.');
    await page.getByTestId('undo').click();
    await expect(page.getByTestId('change-summary')).toHaveCount(0);

    // a fix says what it did
    await pasteXml(page, (await exportXml(page)).replace('<name>', '<name>fix-'));
    await drag(page, await center(page, 'host-group-5'), await center(page, 'controller-0'));
    await page.mouse.up();
    await findingsOf(page, 'PAPR-ISO-4').getByTestId('finding-fix').first().click();
    // the bare design has empty vPHBs: the fix moves the group to one of them
    await expect(page.getByTestId('change-summary')).toHaveText(/^moved 1 device; (\d+ warnings?|no errors or warnings) left\.$/);
  });

  test('a spare count is whole: 1.6 typed is 1 spare vPHB, as the CLI takes only whole counts', async ({ page }) => {
    await openApp(page);
    await pasteXml(page, (await exportXml(page)).replace(/\n\s*<address type='pci'[^>]*\/>/g, ''));
    await page.getByTestId('placement-policy').selectOption('pe-per-phb');
    await page.getByTestId('placement-spare').fill('1.6');
    await expect(page.getByTestId('placement-spare')).toHaveValue('1');
    await page.getByTestId('auto-place').click();
    await expect(page.getByTestId('change-summary')).toHaveText('placed 7 devices, added 1 vPHB; no errors or warnings left.');
  });

  test('a node-device file given to Import domain, and a domain given to Import host, say which button reads them', async ({ page }) => {
    await openApp(page);
    const before = await exportXml(page);
    const hostText = await page.evaluate(() => (window.__pcitopo?.getState() as { present: { hostText?: string } }).present.hostText ?? '');
    await page.getByTestId('import-domain-file').setInputFiles({ name: 'host.xml', mimeType: 'application/xml', buffer: Buffer.from(hostText) });
    await expect(page.getByTestId('error-message')).toHaveText(/^host\.xml holds node devices .* Use Import host to read it\. Your design is unchanged\.✕?$/);
    await page.getByTestId('import-host-file').setInputFiles({ name: 'guest.xml', mimeType: 'application/xml', buffer: Buffer.from(before) });
    await expect(page.getByTestId('error-message')).toContainText('guest.xml is a libvirt domain (<domain>), not the host\'s node devices. Use Import domain to read it.');
    const text = (await page.getByTestId('error-message').textContent()) ?? '';
    expect(text).not.toMatch(/\.\.|: :/);
    expect(await exportXml(page)).toBe(before);
  });

  test('a parse error in the XML editor marks the line of the broken tag and goes once the text is fixed', async ({ page }) => {
    await openApp(page);
    await page.getByTestId('xml-drawer-toggle').click();
    const editor = page.getByTestId('xml-editor');
    await expect(editor).toBeVisible();
    const before = await exportXml(page);
    const lines = before.split('\n');
    // an <address/> at the end of its element: the parser notices the unclosed tag on the next line
    const i = lines.findIndex((l, n) => /^\s*<address [^>]*\/>$/.test(l) && /^\s*<\//.test(lines[n + 1] ?? ''));
    expect(i).toBeGreaterThan(0);
    const broken = lines.map((l, n) => (n === i ? l.replace(/\/>$/, '') : l)).join('\n');
    await editor.fill(broken);
    await expect(page.getByTestId('xml-error')).toHaveText(new RegExp(`^Line ${i + 1}: Unclosed start tag`));
    // the replaced text leaves the view at its end; "Go to line" brings the broken line into view
    await page.getByTestId('xml-error-goto').click();
    await expect(page.locator('.cm-activeLine')).toContainText('<address');
    await expect(page.locator('.cm-lintRange-error')).toContainText('<address');
    // with the drawer closed, the error stays in its head, and "Go to line" opens it on that line of
    // the broken text, which closing did not throw away
    await page.getByTestId('xml-drawer-toggle').click();
    await expect(editor).toHaveCount(0);
    await page.getByTestId('xml-error-goto').click();
    await expect(page.locator('.cm-activeLine')).toHaveText(lines[i]?.replace(/\/>$/, '').trim() ?? '');
    await expect(page.locator('.cm-lintRange-error')).toContainText('<address');
    // the `/>` typed back: the text is the design's XML again, and the error is over
    await editor.fill(before);
    await expect(page.getByTestId('xml-status')).toHaveText('as imported');
    await expect(page.getByTestId('xml-error')).toHaveCount(0);
    await expect(page.locator('.cm-lintRange-error, .cm-lint-marker-error')).toHaveCount(0);
  });

  test('a parse error and its broken text end once the design changes: undo back to the XML they were made against does not bring them back', async ({ page }) => {
    await openApp(page);
    await page.getByTestId('xml-drawer-toggle').click();
    const editor = page.getByTestId('xml-editor');
    await expect(editor).toBeVisible();
    const before = await exportXml(page);
    await editor.fill(before.replace('</devices>', '</devicez>'));
    await expect(page.getByTestId('xml-error')).toBeVisible();
    // an edit elsewhere (the inspector removes a device): the error is stale and goes
    await page.getByTestId('guest-device-0030:01:00.0').click();
    await page.getByTestId('inspector-remove').click();
    await expect(page.getByTestId('xml-error')).toHaveCount(0);
    await expect.poll(() => exportXml(page)).not.toBe(before);
    // undo: the design's XML is `before` again, the text the error was made against
    await page.getByTestId('undo').click();
    await expect.poll(() => exportXml(page)).toBe(before);
    await expect(editor).not.toContainText('</devicez>');
    await expect(page.getByTestId('xml-error')).toHaveCount(0);
    // closing and reopening the drawer shows the design's XML, not the text left behind
    await page.getByTestId('xml-drawer-toggle').click();
    await expect(editor).toHaveCount(0);
    await page.getByTestId('xml-drawer-toggle').click();
    await expect(editor).toBeVisible();
    await expect(editor).toContainText('</devices>');
    await expect(editor).not.toContainText('</devicez>');
    await expect(page.getByTestId('xml-error')).toHaveCount(0);
    expect(await exportXml(page)).toBe(before);
  });

  test('Ctrl+Z in the XML editor over a typo that did not parse takes the text back to the design\'s XML; the next Ctrl+Z undoes the edit made before', async ({ page }) => {
    await openApp(page);
    await page.getByTestId('xml-drawer-toggle').click();
    const editor = page.getByTestId('xml-editor');
    await expect(editor).toBeVisible();
    await page.getByTestId('guest-device-0030:01:00.0').click();
    await page.getByTestId('inspector-remove').click();
    await expect(page.getByTestId('guest-device-0030:01:00.0')).toHaveCount(0);
    const removed = await exportXml(page);
    // a typo: one '<' at the end of a line (the editor shows the removed device's place)
    await editor.locator('.cm-line').first().click();
    await page.keyboard.press('End');
    const cursorLine = page.locator('.cm-activeLine');
    const was = (await cursorLine.textContent()) ?? '';
    await page.keyboard.type('<');
    await expect(cursorLine).toHaveText(`${was}<`);
    await expect(page.getByTestId('xml-error')).toBeVisible();
    await page.keyboard.press('Control+z');
    await expect(page.getByTestId('xml-error')).toHaveCount(0);
    await expect(cursorLine).toHaveText(was);
    // the removal made before the typing stays
    expect(await exportXml(page)).toBe(removed);
    await expect(page.getByTestId('guest-device-0030:01:00.0')).toHaveCount(0);
    // with the text back to the design's XML, Ctrl+Z undoes design steps again
    await page.keyboard.press('Control+z');
    await expect(page.getByTestId('guest-device-0030:01:00.0')).toBeVisible();
    await expect(editor).toContainText('0x0030');
  });

  test('a typo, Ctrl+Z, Ctrl+Shift+Z in the XML editor: the edit made before stays, and no error of a text the editor no longer holds', async ({ page }) => {
    await openApp(page);
    await page.getByTestId('xml-drawer-toggle').click();
    const editor = page.getByTestId('xml-editor');
    await expect(editor).toBeVisible();
    await page.getByTestId('add-phb').click();
    await expect(page.getByTestId('controller-3')).toBeVisible();
    const added = await exportXml(page);
    const cursorLine = page.locator('.cm-activeLine');
    // Ctrl+Z at once, while the typed '<' still waits to be handed up: it fails now, and goes
    await editor.locator('.cm-line').first().click();
    await page.keyboard.press('End');
    const was = (await cursorLine.textContent()) ?? '';
    await page.keyboard.type('<');
    await page.keyboard.press('Control+z');
    await expect(cursorLine).toHaveText(was);
    await expect(page.getByTestId('xml-error')).toHaveCount(0);
    await expect(page.getByTestId('controller-3')).toBeVisible();
    // the same once its error shows, then redo: nothing to redo, and no stale error comes back
    await page.keyboard.press('End');
    await page.keyboard.type('<');
    await expect(page.getByTestId('xml-error')).toBeVisible();
    await page.keyboard.press('Control+z');
    await page.keyboard.press('Control+Shift+Z');
    await expect(cursorLine).toHaveText(was);
    await expect(page.getByTestId('xml-error')).toHaveCount(0);
    await expect(page.getByTestId('controller-3')).toBeVisible();
    expect(await exportXml(page)).toBe(added);
  });

  test('Ctrl+Z in the XML editor right after an edit that parses hands the edit up and undoes it; Ctrl+Shift+Z brings it back', async ({ page }) => {
    await openApp(page);
    await page.getByTestId('xml-drawer-toggle').click();
    const editor = page.getByTestId('xml-editor');
    await expect(editor).toBeVisible();
    const before = await exportXml(page);
    const typed = before.replace("bus='0x02' slot='0x01'", "bus='0x02' slot='0x05'");
    expect(typed).not.toBe(before);
    await editor.fill(typed);
    await page.keyboard.press('Control+z');
    await expect(editor).toContainText("bus='0x02' slot='0x01'");
    expect(await exportXml(page)).toBe(before);
    await page.keyboard.press('Control+Shift+Z');
    await expect(editor).toContainText("bus='0x02' slot='0x05'");
    expect(await exportXml(page)).toBe(typed);
    await expect(page.getByTestId('undo')).toHaveAttribute('aria-label', 'Undo: Edit the XML');
  });

  test('Ctrl+Z on the canvas with nothing left to undo changes nothing, not even the text last typed into the XML editor (the browser\'s own undo)', async ({ page }) => {
    await openApp(page);
    await page.getByTestId('xml-drawer-toggle').click();
    const editor = page.getByTestId('xml-editor');
    await expect(editor).toBeVisible();
    await page.getByTestId('add-phb').click();
    await expect(page.getByTestId('controller-3')).toBeVisible();
    // a typo put in as the browser's own editing does (fill: insertText), which records it in the
    // browser's undo history, as a drop of text or a spelling correction would
    await editor.fill((await exportXml(page)).replace('</devices>', '</devicez>'));
    await expect(page.getByTestId('xml-error')).toBeVisible();
    await page.getByTestId('controller-0').locator('.chead').click();
    await page.keyboard.press('Control+z');
    await expect(page.getByTestId('controller-3')).toHaveCount(0);
    await expect(page.getByTestId('xml-error')).toHaveCount(0);
    const design = await exportXml(page);
    await expect(page.getByTestId('undo')).toBeDisabled();
    await page.keyboard.press('Control+z');
    // the key's default action, had it run, has changed the editor's DOM by the next frames
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const shown = await editor.evaluate((el) => (el as unknown as { cmTile: { view: { state: { doc: { toString(): string } } } } }).cmTile.view.state.doc.toString());
    expect(shown).toBe(design);
    await expect(page.getByTestId('xml-error')).toHaveCount(0);
    expect(await page.evaluate(() => document.activeElement?.closest('[data-testid="xml-editor"]') === null)).toBe(true);
  });

  test('the XML drawer remembers whether it is open and how tall it is', async ({ page }) => {
    await openApp(page);
    await page.getByTestId('xml-drawer-toggle').click();
    const handle = page.getByTestId('xml-drawer-resize');
    await handle.focus();
    const h0 = Number(await handle.getAttribute('aria-valuenow'));
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowUp');
    await expect(handle).toHaveAttribute('aria-valuenow', String(h0 + 48));
    // the drawer writes its preferences in an effect after the render: reload once they are stored
    await expect.poll(() => page.evaluate(() => JSON.parse(localStorage.getItem('pcitopo:xml-drawer:v2') ?? 'null') as unknown)).toEqual({ open: true, height: h0 + 48 });
    await page.evaluate(() => sessionStorage.setItem('pcitopo-e2e-keep', '1'));
    await page.reload();
    await expect(page.locator('html[data-ready="true"]')).toBeAttached();
    await expect(page.getByTestId('xml-drawer-toggle')).toHaveAttribute('aria-expanded', 'true');
    await expect(page.getByTestId('xml-drawer-resize')).toHaveAttribute('aria-valuenow', String(h0 + 48));
  });
});

test.describe('the XML drawer\'s default', () => {
  test.use({ viewport: { width: 1920, height: 1080 } });

  test('open by default on a wide window is not remembered as a choice: a narrower window later opens it collapsed', async ({ page }) => {
    await openApp(page);
    await expect(page.getByTestId('xml-drawer-toggle')).toHaveAttribute('aria-expanded', 'true');
    // the drawer writes its preferences in an effect after the render: reload once they are stored
    await expect.poll(() => page.evaluate(() => localStorage.getItem('pcitopo:xml-drawer:v2'))).not.toBeNull();
    await page.evaluate(() => sessionStorage.setItem('pcitopo-e2e-keep', '1'));
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.reload();
    await expect(page.locator('html[data-ready="true"]')).toBeAttached();
    await expect(page.getByTestId('xml-drawer-toggle')).toHaveAttribute('aria-expanded', 'false');
  });
});
