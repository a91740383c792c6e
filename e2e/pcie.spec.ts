import { expect, test, type Page } from '@playwright/test';
import { center, drag, dropOn, errorsShown, exportXml, findingsOf, openApp, placements, saveExport } from './helpers.ts';


/** Controller index -> model, read from the store. */
async function controllers(page: Page): Promise<Record<number, { model: string; bus?: number; slot?: number; chassis?: number }>> {
  return page.evaluate(() => {
    const s = window.__pcitopo?.getState() as { present: { design: { guest: { controllers: { model: string; index?: number; address?: { bus: number; slot: number }; target: { chassis?: number } }[] } } } };
    const out: Record<number, { model: string; bus?: number; slot?: number; chassis?: number }> = {};
    for (const c of s.present.design.guest.controllers) if (c.index !== undefined) out[c.index] = { model: c.model, bus: c.address?.bus, slot: c.address?.slot, chassis: c.target.chassis };
    return out;
  });
}

/** The guest address line of the hostdev whose host source is `host` (0000:01:00.1 form). */
function guestAddressOf(xml: string, host: string): string | undefined {
  const [dom, bus, rest] = host.split(':') as [string, string, string];
  const [slot, fn] = rest.split('.') as [string, string];
  const src = `<address domain='0x${dom}' bus='0x${bus}' slot='0x${slot}' function='0x${fn}'/>`;
  for (const h of xml.match(/<hostdev[\s\S]*?<\/hostdev>/g) ?? []) {
    if (h.includes(src)) return /<address type='pci'[^>]*\/>/.exec(h)?.[0];
  }
  return undefined;
}


/** The middle of a host group's card: on a multi-function group that is one of its function rows. */
async function middleOf(page: Page, testId: string): Promise<{ x: number; y: number }> {
  await center(page, testId);
  const box = await page.getByTestId(testId).boundingBox();
  if (!box) throw new Error(`${testId} is not visible`);
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

for (const machine of ['q35', 'virt'] as const) {
  test(`${machine}: multi-function host groups dropped on root ports keep every function`, async ({ page }, info) => {
    const errors = await openApp(page);
    await page.getByTestId('machine-select').selectOption(machine);
    await expect(page.getByTestId('controller-0')).toContainText('PCIe root');
    for (const i of [1, 2, 3]) {
      await page.getByTestId('add-phb').click();
      await expect(page.getByTestId(`controller-${i}`)).toContainText('Root port');
    }
    // group 1: two functions, grabbed by its header; group 2: four functions, grabbed in the middle
    // of the card (over a function row: the acceptance tester's drag that used to take one function)
    await dropOn(page, await center(page, 'host-group-1'), 'controller-1');
    const groupCard = await middleOf(page, 'host-group-2');
    const under = await page.evaluate(({ x, y }) => document.elementFromPoint(x, y)?.closest('[data-testid^="host-device-"]')?.getAttribute('data-testid'), groupCard);
    expect(under, 'the press lands on a function row of the card').toMatch(/^host-device-0001:01:00\./);
    await drag(page, groupCard, await center(page, 'controller-2'));
    await expect(page.locator('.ghost')).toContainText('IOMMU group 2 (4 functions)');
    await page.mouse.up();
    // a single host function: the V100, alone in its group
    await dropOn(page, await center(page, 'host-device-0035:03:00.0'), 'controller-3');

    const p = await placements(page);
    for (const f of [0, 1]) expect(p[`0000:01:00.${f}`], `0000:01:00.${f}`).toMatchObject({ bus: 1, slot: 0, fn: f });
    for (const f of [0, 1, 2, 3]) expect(p[`0001:01:00.${f}`], `0001:01:00.${f}`).toMatchObject({ bus: 2, slot: 0, fn: f });
    expect(p['0035:03:00.0']).toMatchObject({ bus: 3, slot: 0, fn: 0 });
    const xml = await exportXml(page);
    expect(guestAddressOf(xml, '0000:01:00.0')).toBe("<address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0' multifunction='on'/>");
    expect(guestAddressOf(xml, '0000:01:00.1')).toBe("<address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x1'/>");
    expect(guestAddressOf(xml, '0001:01:00.0')).toBe("<address type='pci' domain='0x0000' bus='0x02' slot='0x00' function='0x0' multifunction='on'/>");
    for (const f of [1, 2, 3]) expect(guestAddressOf(xml, `0001:01:00.${f}`)).toBe(`<address type='pci' domain='0x0000' bus='0x02' slot='0x00' function='0x${f}'/>`);
    expect(guestAddressOf(xml, '0035:03:00.0')).toBe("<address type='pci' domain='0x0000' bus='0x03' slot='0x00' function='0x0'/>");
    await expect(findingsOf(page, 'HD-VFIO-1')).toHaveCount(0);
    await expect(errorsShown(page)).toHaveCount(0);
    await saveExport(page, info);
    expect(errors).toEqual([]);
  });
}

test('one function of a multi-function group is dragged by its handle, and VFIO says the group is split', async ({ page }) => {
  await openApp(page);
  await page.getByTestId('machine-select').selectOption('q35');
  await page.getByTestId('add-phb').click();
  await expect(page.getByTestId('controller-1')).toBeVisible();
  await drag(page, await center(page, 'host-function-grip-0000:01:00.1'), await center(page, 'controller-1'));
  await expect(page.locator('.ghost strong')).toHaveText('0000:01:00.1 MT27800 Family [ConnectX-5]');
  await expect(page.locator('.ghost')).toContainText('HD-VFIO-1');
  await page.mouse.up();
  const p = await placements(page);
  expect(p['0000:01:00.1']).toMatchObject({ bus: 1, slot: 0, fn: 0 });
  expect(p['0000:01:00.0']).toBeUndefined();
  await expect(findingsOf(page, 'HD-VFIO-1')).toHaveCount(1);
});

/** The demo host plus a conventional PCI NIC (no <pci-express/>) alone in IOMMU group 9. */
async function importHostWithPciNic(page: Page): Promise<void> {
  const hostText = await page.evaluate(() => (window.__pcitopo?.getState() as { present: { hostText?: string } }).present.hostText ?? '');
  expect(hostText).toContain('<device>');
  const nic = `<device>
  <name>pci_0000_05_01_0</name>
  <driver>
    <name>e1000</name>
  </driver>
  <capability type='pci'>
    <class>0x020000</class>
    <domain>0</domain>
    <bus>5</bus>
    <slot>1</slot>
    <function>0</function>
    <product id='0x100e'>82540EM Gigabit Ethernet Controller</product>
    <vendor id='0x8086'>Intel Corporation</vendor>
    <iommuGroup number='9'>
      <address domain='0x0000' bus='0x05' slot='0x01' function='0x0'/>
    </iommuGroup>
  </capability>
</device>
`;
  const text = hostText.replace(/(<\/device>\s*)(<\/devices>\s*)?$/, (_m, last: string, wrap?: string) => `${last}${nic}${wrap ?? ''}`);
  await page.getByTestId('import-host-file').setInputFiles({ name: 'host-with-pci-nic.xml', mimeType: 'application/xml', buffer: Buffer.from(text) });
  await expect(page.getByTestId('host-device-0000:05:01.0')).toContainText('PCI');
  await expect(page.getByTestId('host-device-0000:05:01.0').locator('.hmeta')).not.toContainText('PCIe');
}

async function addFromMenu(page: Page, testId: string): Promise<void> {
  await page.getByTestId('add-controller-menu').click();
  await page.getByTestId(testId).click();
  await expect(page.getByTestId(testId)).toBeHidden();
}

test('q35: a root port with a pcie-to-pci-bridge takes a conventional PCI device; a switch takes a group', async ({ page }, info) => {
  const errors = await openApp(page);
  await page.getByTestId('machine-select').selectOption('q35');
  await importHostWithPciNic(page);

  // the conventional NIC on a root port is what GEN-CONNECT-2 warns about
  await page.getByTestId('add-phb').click();
  await dropOn(page, await center(page, 'host-device-0000:05:01.0'), 'controller-1');
  await expect(findingsOf(page, 'GEN-CONNECT-2')).toHaveCount(1);
  await page.getByTestId('undo').click();
  await page.getByTestId('undo').click();
  await expect(page.getByTestId('controller-1')).toHaveCount(0);

  // Add… > PCIe-to-PCI bridge: a new root port (1) with the bridge (2) behind it
  await addFromMenu(page, 'add-pcie-to-pci-bridge');
  await expect(page.getByTestId('controller-2')).toContainText('PCIe-to-PCI bridge');
  let c = await controllers(page);
  expect(c[1]).toMatchObject({ model: 'pcie-root-port', bus: 0, chassis: 1 });
  expect(c[2]).toMatchObject({ model: 'pcie-to-pci-bridge', bus: 1, slot: 0 });
  await dropOn(page, await center(page, 'host-device-0000:05:01.0'), 'controller-2');
  expect((await placements(page))['0000:05:01.0']).toMatchObject({ bus: 2, slot: 1, fn: 0 });
  await expect(findingsOf(page, 'GEN-CONNECT-2')).toHaveCount(0);
  await expect(errorsShown(page)).toHaveCount(0);

  // Add… > Switch with 2 downstream ports: a new root port (3), the upstream port (4), ports 5 and 6
  await page.getByTestId('add-controller-menu').click();
  await page.getByTestId('add-switch-ports').fill('2');
  await expect(page.getByTestId('add-switch')).toBeVisible();
  await page.getByTestId('add-switch').click();
  await expect(page.getByTestId('controller-6')).toContainText('Switch downstream');
  await expect(page.getByTestId('controller-7')).toHaveCount(0);
  c = await controllers(page);
  expect(c[3]).toMatchObject({ model: 'pcie-root-port', bus: 0 });
  expect(c[4]).toMatchObject({ model: 'pcie-switch-upstream-port', bus: 3, slot: 0 });
  expect(c[5]).toMatchObject({ model: 'pcie-switch-downstream-port', bus: 4, slot: 0 });
  expect(c[6]).toMatchObject({ model: 'pcie-switch-downstream-port', bus: 4, slot: 1 });
  const chassis = Object.values(c).map((x) => x.chassis).filter((x) => x !== undefined);
  expect(new Set(chassis).size, 'chassis numbers are unique (Q35-RP-3)').toBe(chassis.length);
  // one undo step took the whole switch
  await expect(page.getByTestId('undo')).toHaveAttribute('title', /Add a switch with 2 downstream ports/);

  await dropOn(page, await center(page, 'host-group-1'), 'controller-5');
  const p = await placements(page);
  for (const f of [0, 1]) expect(p[`0000:01:00.${f}`]).toMatchObject({ bus: 5, slot: 0, fn: f });
  await expect(findingsOf(page, 'HD-VFIO-1')).toHaveCount(0);
  await expect(errorsShown(page)).toHaveCount(0);

  // The last empty downstream port would go to libvirt's own USB controller at define time, and its
  // memballoon needs a port too: Q35-HP-1 says so, and its one-click fix adds the memballoon's root
  // port and the spare, one undo step; one click leaves a real hotplug spare (the real stage checks it).
  await expect(findingsOf(page, 'Q35-HP-1')).toHaveCount(1);
  const fix = findingsOf(page, 'Q35-HP-1').getByTestId('finding-fix');
  await expect(fix).toHaveText(["Add 2 empty pcie-root-ports (libvirt's virtio memballoon takes one)"]);
  await fix.click();
  await expect(page.getByTestId('controller-8')).toBeVisible();
  await expect(findingsOf(page, 'Q35-HP-1')).toHaveCount(0);
  c = await controllers(page);
  expect([c[7], c[8]]).toEqual([expect.objectContaining({ model: 'pcie-root-port', bus: 0, chassis: 7 }), expect.objectContaining({ model: 'pcie-root-port', bus: 0, chassis: 8 })]);
  await expect(page.getByTestId('undo')).toHaveAttribute('title', /Add 2 empty pcie-root-ports/);

  const xml = await saveExport(page, info);
  expect(xml).toMatch(/<controller type='pci' index='2' model='pcie-to-pci-bridge'>\s*<model name='pcie-pci-bridge'\/>\s*<address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'\/>/);
  expect(xml).toMatch(/<controller type='pci' index='4' model='pcie-switch-upstream-port'>\s*<model name='x3130-upstream'\/>\s*<address type='pci' domain='0x0000' bus='0x03' slot='0x00' function='0x0'\/>/);
  expect(xml).toMatch(/<controller type='pci' index='6' model='pcie-switch-downstream-port'>\s*<model name='xio3130-downstream'\/>\s*<target chassis='6' port='0x1'\/>/);
  expect(errors).toEqual([]);
});

test('a bridge or switch goes on the selected empty root port; chassis numbers stay unique after an import', async ({ page }) => {
  await openApp(page);
  // an imported design whose root port 1 already uses chassis 3
  const domain = `<domain type='kvm'>
  <name>chassis-taken</name>
  <memory unit='GiB'>2</memory>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
  </os>
  <devices>
    <controller type='pci' index='0' model='pcie-root'/>
    <controller type='pci' index='1' model='pcie-root-port'>
      <model name='pcie-root-port'/>
      <target chassis='3' port='0x8'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0'/>
    </controller>
  </devices>
</domain>
`;
  await page.getByTestId('import-domain-file').setInputFiles({ name: 'chassis-taken.xml', mimeType: 'application/xml', buffer: Buffer.from(domain) });
  await expect(page.getByTestId('controller-1')).toContainText('chassis 3');
  await page.getByTestId('controller-1').locator('.chead').click();
  await addFromMenu(page, 'add-switch');
  // upstream port 2 on the selected root port 1; downstream ports 3 and 4: chassis 3 is taken
  const c = await controllers(page);
  expect(c[2]).toMatchObject({ model: 'pcie-switch-upstream-port', bus: 1 });
  expect(c[3]).toMatchObject({ model: 'pcie-switch-downstream-port', bus: 2, slot: 0 });
  expect(c[4]).toMatchObject({ model: 'pcie-switch-downstream-port', bus: 2, slot: 1, chassis: 4 });
  expect(c[3]?.chassis).not.toBe(3);
  const chassis = Object.values(c).map((x) => x.chassis).filter((x) => x !== undefined);
  expect(new Set(chassis).size).toBe(chassis.length);
  await expect(findingsOf(page, 'Q35-RP-3')).toHaveCount(0);
  await expect(errorsShown(page)).toHaveCount(0);
});

test('pseries: Add… offers a vPHB and a pci-bridge, and says the bridge adds no isolation', async ({ page }) => {
  await openApp(page);
  await page.getByTestId('add-controller-menu').click();
  await expect(page.getByTestId('add-pcie-to-pci-bridge')).toHaveCount(0);
  await expect(page.getByTestId('add-pci-bridge')).toContainText('PAPR-BRIDGE-4');
  await page.getByTestId('add-vphb').click();
  await expect(page.getByTestId('controller-3')).toContainText('target 3');
  await expect(page.getByTestId('controller-3')).toContainText('PE: none (empty: spare for hotplug)');
  // vPHB 2 holds the NVMe drive: a PE; vPHB 0 holds emulated devices only
  await expect(page.getByTestId('controller-0')).toContainText('PE: none (emulated devices only)');
  await page.getByTestId('controller-1').locator('.chead').click();
  await addFromMenu(page, 'add-pci-bridge');
  await expect(page.getByTestId('controller-4')).toContainText('PCI bridge');
  expect((await controllers(page))[4]).toMatchObject({ model: 'pci-bridge', bus: 1 });
  await expect(page.getByTestId('notice-message')).toContainText('PAPR-BRIDGE-4');
  await expect(findingsOf(page, 'PAPR-BRIDGE-4')).toHaveCount(1);
});

test('the drop tooltip shows the worst new finding and counts the others, PAPR-ISO-6 among them', async ({ page }) => {
  await openApp(page);
  await drag(page, await center(page, 'host-group-2'), await center(page, 'controller-1'));
  await expect(page.getByTestId('controller-1')).toHaveClass(/ over/);
  const ghost = page.locator('.ghost');
  await expect(ghost).toContainText('warning');
  await expect(ghost).toContainText('PAPR-ISO-6');
  await expect(page.getByTestId('ghost-more')).toHaveText(/^\+\d+ more: /);
  await expect(page.getByTestId('controller-1').locator('.why')).toContainText('PAPR-ISO-6');
  await page.keyboard.press('Escape');
  await page.mouse.up();
});

test('add vPHB shows the whole tree with the new vPHB selected', async ({ page }) => {
  await openApp(page);
  await page.getByTestId('add-phb').click();
  await expect(page.getByTestId('controller-3').locator('.chead')).toHaveAttribute('aria-pressed', 'true');
  const canvas = await page.locator('.canvas').boundingBox();
  if (!canvas) throw new Error('no canvas');
  for (const i of [0, 1, 2, 3]) {
    const id = `controller-${i}`;
    await center(page, id);
    const box = await page.getByTestId(id).boundingBox();
    if (!box) throw new Error(`${id} is not visible`);
    expect(box.x, id).toBeGreaterThanOrEqual(canvas.x - 1);
    expect(box.y, id).toBeGreaterThanOrEqual(canvas.y - 1);
    expect(box.x + box.width, id).toBeLessThanOrEqual(canvas.x + canvas.width + 1);
    expect(box.y + box.height, id).toBeLessThanOrEqual(canvas.y + canvas.height + 1);
  }
});

for (const width of [1280, 1920]) {
  test(`inspector address fields fit the right panel at ${width} px, and the function can be edited`, async ({ page }, info) => {
    await page.setViewportSize({ width, height: 900 });
    await openApp(page);
    await page.getByTestId('guest-device-0000:01:00.1').click();
    // as libvirt writes it: function='0x1'
    await expect(page.getByTestId('inspector-function')).toHaveValue('0x1');
    const panel = await page.locator('.panel.right').boundingBox();
    if (!panel) throw new Error('no right panel');
    const fields = page.locator('.inspector input, .inspector select, .inspector button');
    const n = await fields.count();
    expect(n).toBeGreaterThanOrEqual(6);
    for (let i = 0; i < n; i++) {
      const el = fields.nth(i);
      const box = await el.boundingBox();
      const name = (await el.getAttribute('data-testid')) ?? (await el.textContent()) ?? `field ${i}`;
      if (!box) throw new Error(`${name} has no box`);
      expect(box.x, name).toBeGreaterThanOrEqual(panel.x);
      expect(box.x + box.width, name).toBeLessThanOrEqual(Math.min(width, panel.x + panel.width));
      expect(box.width, `${name} is wide enough to read`).toBeGreaterThanOrEqual(48);
    }
    const scrolls = await page.locator('.inspector').evaluate((el) => el.scrollWidth > el.clientWidth);
    expect(scrolls, 'no horizontal scroll in the inspector').toBe(false);

    await page.getByTestId('inspector-function').fill('2');
    await expect(page.getByTestId('inspector-function-reads')).toHaveText('function 2, read as decimal');
    await page.getByTestId('inspector-apply').click();
    await expect(page.getByTestId('inspector-function')).toHaveValue('0x2');
    const xml = await exportXml(page);
    expect(guestAddressOf(xml, '0000:01:00.1')).toMatch(/function='0x2'\/>$/);
    expect((await placements(page))['0000:01:00.1']?.fn).toBe(2);
    await saveExport(page, info);
  });
}
