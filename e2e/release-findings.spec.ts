import { expect, test } from '@playwright/test';
import { openApp } from './helpers.ts';

// The findings follow the libvirt release the design is set to, as Auto-place does: a pseries PHB
// written at index 4 with target index 3 leaves a gap libvirt fills with PHBs 1-3. libvirt 10.7
// (the default) gives PHB 3 target index 3 too, which QEMU refuses (PAPR-PHB-5); libvirt 9.0 gives
// it 4, and the guest starts (real libvirt 9.0: test/real/libvirt-release.test.ts).
const GAP_PHB = `<domain type='qemu'>
  <name>phb-gap</name>
  <memory unit='MiB'>256</memory>
  <vcpu placement='static'>1</vcpu>
  <os>
    <type arch='ppc64' machine='pseries'>hvm</type>
  </os>
  <devices>
    <controller type='pci' index='4' model='pci-root'>
      <target index='3'/>
    </controller>
  </devices>
</domain>
`;

test('setting the libvirt release in the toolbar changes the verdict: PAPR-PHB-5 as 10.7, none as 9.0, back as 10.7', async ({ page }) => {
  const errors = await openApp(page);
  await page.getByTestId('import-domain-file').setInputFiles({ name: 'phb-gap.xml', mimeType: 'application/xml', buffer: Buffer.from(GAP_PHB) });
  await expect(page.getByTestId('controller-4')).toBeVisible();
  const phb5 = page.locator('[data-testid="finding"][data-rule-id="PAPR-PHB-5"]');
  await expect(phb5).toHaveCount(1);
  await expect(phb5).toHaveAttribute('data-severity', 'error');

  // the release select shows under the libvirt policy
  await page.getByTestId('placement-policy').selectOption('libvirt');
  await page.getByTestId('libvirt-version').selectOption('9.0');
  await expect(phb5).toHaveCount(0);
  await expect(page.locator('[data-testid="finding"][data-severity="error"]')).toHaveCount(0);

  await page.getByTestId('libvirt-version').selectOption('10.7');
  await expect(phb5).toHaveCount(1);
  expect(errors).toEqual([]);
});
