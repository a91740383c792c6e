/**
 * A workspace of several guests on one host (issue 15): opened from several files at once, a guest
 * switcher, who uses what in the host panel, findings across guests, asking before a group another
 * guest holds is taken (moving it is one undo step), export of the changed domains as a zip, and
 * the whole workspace through a share link, and through the link `pcitopo open DIR` serves.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { unzipSync, strFromU8 } from 'fflate';
import { workspacePayload } from '../src/cli/commands/open.ts';
import { processIo } from '../src/cli/io.ts';
import { loadWorkspace } from '../src/cli/workspaceio.ts';
import { DEMO_HOST_XML } from '../src/engine/demo/demo.ts';
import { createWorkspace, importHost, validateWorkspace, type WorkspaceFinding } from '../src/engine/index.ts';
import { encodeShareLink } from '../src/engine/share/link.ts';
import { center, dropOn, exportXml, findingsOf, openApp, savedDomain, settled } from './helpers.ts';

/** A pseries guest passing these host functions through (unplaced: the designer places them). */
function domain(name: string, hostdevs: readonly string[]): string {
  const src = (a: string) => {
    const [d, b, sf] = a.split(':') as [string, string, string];
    const [s, f] = sf.split('.') as [string, string];
    return `<address domain='0x${d}' bus='0x${b}' slot='0x${s}' function='0x${f}'/>`;
  };
  const devs = hostdevs.map((a) => `    <hostdev mode='subsystem' type='pci' managed='yes'>\n      <source>\n        ${src(a)}\n      </source>\n    </hostdev>\n`).join('');
  return `<domain type='kvm'>\n  <name>${name}</name>\n  <memory unit='GiB'>4</memory>\n  <os>\n    <type arch='ppc64le' machine='pseries'>hvm</type>\n  </os>\n  <devices>\n${devs}  </devices>\n</domain>\n`;
}

/**
 * alpha holds IOMMU group 1 whole; gamma one of its functions too (a device given to two guests);
 * beta holds two functions of group 2 and gamma a third (a group split between two guests).
 */
const FILES = {
  'alpha.xml': domain('alpha', ['0000:01:00.0', '0000:01:00.1']),
  'beta.xml': domain('beta', ['0001:01:00.0', '0001:01:00.1']),
  'gamma.xml': domain('gamma', ['0000:01:00.0', '0001:01:00.2']),
  'host.xml': DEMO_HOST_XML,
};

const file = (name: string, text: string) => ({ name, mimeType: 'application/xml', buffer: Buffer.from(text) });

async function openThree(page: Page): Promise<void> {
  await page.getByTestId('import-domain-file').setInputFiles(Object.entries(FILES).map(([n, t]) => file(n, t)));
  await expect(page.getByTestId('guest-switcher').getByRole('tab')).toHaveCount(3);
  await settled(page);
}

/** The engine's findings of the workspace FILES hold, computed here in Node (what `pcitopo validate DIR` reports). */
function nodeFindings(): WorkspaceFinding[] {
  const host = importHost(DEMO_HOST_XML, 'host.xml');
  if (!host.ok) throw new Error(host.error.message);
  const ws = createWorkspace(
    Object.entries(FILES).filter(([n]) => n !== 'host.xml').map(([n, text]) => ({ text, file: n })),
    host.value,
  );
  if (!ws.ok) throw new Error(ws.error.message);
  return validateWorkspace(ws.value);
}

const counted = (n: number, what: string) => (n === 0 ? `no ${what}s` : `${n} ${what}${n === 1 ? '' : 's'}`);

/** What each guest's tab must say of it: its own errors and warnings and those across guests naming it. */
function expectedBadges(findings: readonly WorkspaceFinding[]): Record<string, string> {
  const names = [...new Set(findings.flatMap((f) => f.domains))];
  const count = (name: string, s: string) => findings.filter((f) => f.severity === s && f.domains.includes(name)).length;
  return Object.fromEntries(names.map((n) => [n, `${counted(count(n, 'error'), 'error')}, ${counted(count(n, 'warning'), 'warning')}`]));
}

async function expectBadges(page: Page, want: Record<string, string>): Promise<void> {
  for (const [name, label] of Object.entries(want)) {
    await expect(page.getByTestId(`guest-badges-${name}`)).toHaveAttribute('aria-label', label);
    await expect(page.getByTestId(`guest-tab-${name}`)).toHaveAccessibleName(new RegExp(`^${name}.*${label}`));
  }
}

const state = (page: Page) =>
  page.evaluate(() => {
    const s = window.__pcitopo?.getState() as { past: unknown[]; present: { design: { guest: { name?: string } }; workspace?: { active: string; workspace: { guests: { name: string }[] } } } };
    return { undo: s.past.length, active: s.present.workspace?.active, shown: s.present.design.guest.name, guests: s.present.workspace?.workspace.guests.map((g) => g.name) };
  });

test.describe('a workspace of several guests', () => {
  test('opens three guests and a host at once; the usage column and the findings across guests name them', async ({ page }) => {
    const errors = await openApp(page);
    await openThree(page);
    expect(await state(page)).toMatchObject({ guests: ['alpha', 'beta', 'gamma'], active: 'alpha', shown: 'alpha' });
    await expect(page.getByTestId('guest-tab-alpha')).toHaveAttribute('aria-selected', 'true');
    await expect(page.getByTestId('guest-device-0000:01:00.1')).toBeAttached();

    // who uses each group and device
    await expect(page.getByTestId('host-group-usage-1')).toHaveText(/alpha.*gamma/);
    await expect(page.getByTestId('host-group-usage-2')).toHaveText(/beta.*gamma/);
    await expect(page.getByTestId('host-device-usage-0000:01:00.0')).toHaveText(/alpha.*gamma/);
    await expect(page.getByTestId('host-device-usage-0000:01:00.1')).toHaveText('alpha');
    await expect(page.getByTestId('host-device-usage-0001:01:00.3')).toHaveCount(0);
    await expect(page.getByTestId('host-group-usage-3')).toHaveCount(0);

    // a device given to two guests, a group split between two guests: warnings naming both
    await expect(findingsOf(page, 'HD-SHARE-1')).toHaveCount(1);
    await expect(findingsOf(page, 'HD-SHARE-1')).toHaveAttribute('data-severity', 'warning');
    await expect(findingsOf(page, 'HD-SHARE-1').getByTestId('finding-guests')).toHaveText(/alpha.*gamma/);
    await expect(findingsOf(page, 'HD-SHARE-1')).toContainText(/cannot run at the same time/);
    const splits = findingsOf(page, 'HD-SHARE-2');
    await expect(splits).toHaveCount(2);
    await expect(splits.filter({ hasText: /beta.*gamma/ })).toHaveCount(1);
    await expect(findingsOf(page, 'HD-NUMA-1')).toHaveAttribute('data-severity', 'info');

    // the filter by guest
    await page.getByTestId('host-guest-filter').selectOption('beta');
    await expect(page.getByTestId('host-group-2')).toBeVisible();
    await expect(page.getByTestId('host-group-1')).toHaveCount(0);
    await page.getByTestId('host-guest-filter').selectOption('');
    await expect(page.getByTestId('host-group-1')).toBeVisible();

    // the switcher shows another guest on the canvas; it is not an undo step
    await page.getByTestId('guest-tab-beta').click();
    await expect(page.getByTestId('guest-tab-beta')).toHaveAttribute('aria-selected', 'true');
    await expect(page.getByTestId('guest-device-0001:01:00.0')).toBeAttached();
    await expect(page.getByTestId('guest-device-0000:01:00.1')).toHaveCount(0);
    expect(await state(page)).toMatchObject({ active: 'beta', shown: 'beta', undo: 1 });
    expect(errors).toEqual([]);
  });

  test('the tabs count every guest\'s errors and warnings on the host from the start: after opening files, a reload and a share link', async ({ page, browser }) => {
    const findings = nodeFindings();
    const want = expectedBadges(findings);
    // the kind that went missing before: errors only the host's IOMMU groups reveal
    expect(findings.some((f) => f.severity === 'error' && f.ruleId.startsWith('HD-'))).toBe(true);
    const errors = await openApp(page);
    await openThree(page);
    await expectBadges(page, want);
    // the summary of the opening counts the same findings, once the host is on every guest
    const errorsLeft = findings.filter((f) => f.severity === 'error').length;
    const warningsLeft = findings.filter((f) => f.severity === 'warning').length;
    await expect(page.getByTestId('change-summary')).toHaveText(new RegExp(`^3 domains, .*; ${counted(errorsLeft, 'error')} and ${counted(warningsLeft, 'warning')} left\\.$`));
    expect(await state(page)).toMatchObject({ active: 'alpha' });

    await page.getByTestId('share-link').click();
    const url = await page.getByTestId('share-link-url').inputValue();
    const opened = await exportXml(page);
    await expect.poll(() => savedDomain(page)).toBe(opened);
    await page.evaluate(() => sessionStorage.setItem('pcitopo-e2e-keep', '1'));
    await page.reload();
    await expect(page.locator('html[data-ready="true"]')).toBeAttached();
    await expectBadges(page, want);

    const fresh = await browser.newContext();
    const other = await fresh.newPage();
    const otherErrors = await openApp(other, url);
    await expectBadges(other, want);
    expect(errors).toEqual([]);
    expect(otherErrors).toEqual([]);
    await fresh.close();
  });

  test('guests are in the order of their names and keep their colours whatever order their files are picked in', async ({ page }) => {
    const errors = await openApp(page);
    /** opens FILES under other file names (so file-name order is not name order) and reads the tabs and usage chips */
    const openAs = async (rename: (name: string) => string) => {
      await page.getByTestId('import-domain-file').setInputFiles(Object.entries(FILES).map(([n, t]) => file(n === 'host.xml' ? n : rename(n), t)));
      await expect(page.getByTestId('guest-switcher').getByRole('tab')).toHaveCount(3);
      const tabs = await page.getByTestId('guest-switcher').getByRole('tab').evaluateAll((els) =>
        els.map((el) => [el.getAttribute('data-testid')?.replace('guest-tab-', ''), getComputedStyle(el.querySelector('.gdot') as Element).backgroundColor]),
      );
      const chip = await page.getByTestId('host-group-usage-2').locator('.user').evaluateAll((els) => els.map((el) => [el.textContent, getComputedStyle(el.querySelector('.gdot') as Element).backgroundColor]));
      return { tabs, chip };
    };
    // gamma's file first, then beta's, then alpha's
    const first = await openAs((n) => ({ 'alpha.xml': '3.xml', 'beta.xml': '2.xml', 'gamma.xml': '1.xml' })[n] ?? n);
    expect(first.tabs.map(([n]) => n)).toEqual(['alpha', 'beta', 'gamma']);
    expect(new Set(first.tabs.map(([, c]) => c)).size).toBe(3);
    // the host panel marks each guest with its tab's colour
    expect(first.chip).toEqual(first.tabs.filter(([n]) => n === 'beta' || n === 'gamma'));
    const second = await openAs((n) => `picked-${n}`);
    expect(second).toEqual(first);
    expect(errors).toEqual([]);
  });

  test('taking a group another guest holds asks first; moving it is one undo step; the changed domains export as a zip', async ({ page }) => {
    const errors = await openApp(page);
    await openThree(page);
    await page.getByTestId('guest-tab-gamma').click();
    await settled(page);
    const before = await state(page);

    // cancel leaves everything as it was
    await dropOn(page, await center(page, 'host-group-2'), 'controller-0');
    await expect(page.getByTestId('group-take-dialog')).toContainText('used by beta');
    await page.getByTestId('group-take-cancel').click();
    await expect(page.getByTestId('group-take-dialog')).toHaveCount(0);
    expect(await state(page)).toEqual(before);

    await dropOn(page, await center(page, 'host-group-2'), 'controller-0');
    await page.getByTestId('group-take-move').click();
    await expect(page.getByTestId('host-group-usage-2')).toHaveText('gamma');
    await expect(findingsOf(page, 'HD-SHARE-2').filter({ hasText: /beta/ })).toHaveCount(0);
    for (const f of [0, 1, 2, 3]) await expect(page.getByTestId(`guest-device-0001:01:00.${f}`)).toBeVisible();
    expect((await state(page)).undo).toBe(before.undo + 1);

    // one undo step gives beta its functions back and takes them from gamma
    await page.getByTestId('undo').click();
    await expect(page.getByTestId('host-group-usage-2')).toHaveText(/beta.*gamma/);
    await expect(page.getByTestId('guest-device-0001:01:00.0')).toHaveCount(0);
    expect(await state(page)).toEqual(before);
    await page.getByTestId('redo').click();
    await expect(page.getByTestId('host-group-usage-2')).toHaveText('gamma');

    // export: beta and gamma changed, alpha did not
    await page.getByTestId('export-changed-menu').click();
    await expect(page.getByTestId('export-changed-file-beta')).toBeVisible();
    await expect(page.getByTestId('export-changed-file-alpha')).toHaveCount(0);
    const download = page.waitForEvent('download');
    await page.getByTestId('export-changed').click();
    const zipFile = await (await download).path();
    const entries = unzipSync(new Uint8Array(fs.readFileSync(zipFile)));
    expect(Object.keys(entries).sort()).toEqual(['beta.xml', 'gamma.xml']);
    const beta = strFromU8(entries['beta.xml'] as Uint8Array);
    expect(beta).toContain('<name>beta</name>');
    expect(beta).not.toContain('<hostdev');
    expect(strFromU8(entries['gamma.xml'] as Uint8Array)).toContain("bus='0x01' slot='0x00' function='0x3'");
    expect(errors).toEqual([]);
  });

  test('giving a group to a second guest too shows the sharing warnings', async ({ page }) => {
    await openApp(page);
    await openThree(page);
    await page.getByTestId('guest-tab-beta').click();
    await settled(page);
    await dropOn(page, await center(page, 'host-group-1'), 'controller-0');
    await expect(page.getByTestId('group-take-dialog')).toContainText(/alpha and gamma/);
    await page.getByTestId('group-take-share').click();
    await expect(page.getByTestId('host-group-usage-1')).toHaveText(/alpha.*beta.*gamma/);
    await expect(findingsOf(page, 'HD-SHARE-1').filter({ hasText: /beta/ }).first()).toBeVisible();
  });

  test('at 1280 px the guests\' chips stay inside their host cards and the search box keeps its room', async ({ page }) => {
    await page.setViewportSize({ width: 1280, height: 720 });
    await openApp(page);
    await openThree(page);
    await page.getByTestId('guest-tab-beta').click();
    await settled(page);
    await dropOn(page, await center(page, 'host-group-1'), 'controller-0');
    await page.getByTestId('group-take-share').click();
    await expect(page.getByTestId('host-group-usage-1')).toHaveText(/alpha.*beta.*gamma/);
    const outside = await page.locator('.hgroup').evaluateAll((cards) =>
      cards.flatMap((card) => {
        const box = card.getBoundingClientRect();
        return Array.from(card.querySelectorAll('.user')).flatMap((chip) => {
          const r = chip.getBoundingClientRect();
          return r.right > box.right + 0.5 || r.left < box.left - 0.5 ? [`${card.getAttribute('data-testid')}: ${chip.textContent} at ${Math.round(r.left)}-${Math.round(r.right)}, card ${Math.round(box.left)}-${Math.round(box.right)}`] : [];
        });
      }),
    );
    expect(outside).toEqual([]);
    const search = await page.locator('.filters input[type="search"]').boundingBox();
    expect(search?.width ?? 0).toBeGreaterThanOrEqual(100);
  });

  test('a share link reopens the whole workspace, on the guest it showed', async ({ page, browser }) => {
    await openApp(page);
    await openThree(page);
    await page.getByTestId('guest-tab-gamma').click();
    await settled(page);
    await dropOn(page, await center(page, 'host-group-2'), 'controller-0');
    await page.getByTestId('group-take-move').click();
    await expect(page.getByTestId('host-group-usage-2')).toHaveText('gamma');
    await page.getByTestId('share-link').click();
    const url = await page.getByTestId('share-link-url').inputValue();

    const fresh = await browser.newContext();
    const other = await fresh.newPage();
    const errors = await openApp(other, url);
    await expect(other.getByTestId('guest-switcher').getByRole('tab')).toHaveCount(3);
    expect(await state(other)).toMatchObject({ guests: ['alpha', 'beta', 'gamma'], active: 'gamma', undo: 0 });
    await expect(other.getByTestId('host-group-usage-2')).toHaveText('gamma');
    await expect(other.getByTestId('host-group-usage-1')).toHaveText(/alpha.*gamma/);
    await expect(findingsOf(other, 'HD-SHARE-1')).toHaveCount(1);
    expect(errors).toEqual([]);
    await fresh.close();
  });

  test('several files dropped on the window open as one workspace', async ({ page }) => {
    const errors = await openApp(page);
    await page.evaluate((files) => {
      const dt = new DataTransfer();
      for (const [name, text] of Object.entries(files)) dt.items.add(new File([text], name, { type: 'application/xml' }));
      window.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, FILES);
    await expect(page.getByTestId('guest-switcher').getByRole('tab')).toHaveCount(3);
    expect(await state(page)).toMatchObject({ guests: ['alpha', 'beta', 'gamma'], active: 'alpha', undo: 1 });
    await expect(page.getByTestId('host-group-usage-1')).toHaveText(/alpha.*gamma/);
    expect(errors).toEqual([]);
  });

  test('at 1280 px a workspace keeps the toolbar to one line; "Changed" sits over the guests and its list opens over the canvas', async ({ page }) => {
    await page.setViewportSize({ width: 1280, height: 800 });
    const errors = await openApp(page);
    await openThree(page);
    await page.getByTestId('guest-tab-beta').click();
    await page.getByTestId('auto-place').click();
    await expect(page.getByTestId('guest-tab-beta')).toHaveAttribute('title', /changed since opened/);
    const tops = await page.locator('.toolbar > .tgroup, .toolbar > .brand').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().top + e.getBoundingClientRect().height / 2));
    expect(Math.max(...tops) - Math.min(...tops)).toBeLessThan(4);
    await expect(page.getByTestId('guest-switcher').getByTestId('export-changed-menu')).toBeVisible();
    await page.getByTestId('export-changed-menu').click();
    // the list is not clipped by the bar: its entries take a click
    await page.getByTestId('export-changed-file-beta').click({ trial: true });
    const download = page.waitForEvent('download');
    await page.getByTestId('export-changed-file-beta').click();
    expect((await download).suggestedFilename()).toBe('beta.xml');
    expect(errors).toEqual([]);
  });

  test('"Open folder…" opens a folder as `pcitopo collect` writes it as one workspace (its subfolders and other files left out)', async ({ page }) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pcitopo-folder-'));
    try {
      for (const [n, t] of Object.entries(FILES)) fs.writeFileSync(path.join(dir, n), t);
      fs.writeFileSync(path.join(dir, 'notes.txt'), 'not a domain');
      fs.mkdirSync(path.join(dir, 'old'));
      fs.writeFileSync(path.join(dir, 'old', 'delta.xml'), domain('delta', []));
      const errors = await openApp(page);
      await page.getByTestId('import-menu').click();
      const chooser = page.waitForEvent('filechooser');
      await page.getByTestId('import-folder').click();
      await (await chooser).setFiles(dir);
      await expect(page.getByTestId('guest-switcher').getByRole('tab')).toHaveCount(3);
      expect(await state(page)).toMatchObject({ guests: ['alpha', 'beta', 'gamma'], active: 'alpha', undo: 1 });
      await expect(page.getByTestId('host-group-usage-1')).toHaveText(/alpha.*gamma/);
      await expect(findingsOf(page, 'HD-SHARE-1')).toHaveCount(1);
      // what each guest came from names the folder
      await expect(page.getByTestId('guest-tab-beta')).toHaveAttribute('title', new RegExp(`from ${path.basename(dir)}/beta\\.xml`));

      // a folder without XML says so and changes nothing
      const empty = path.join(dir, 'old', 'empty');
      fs.mkdirSync(empty);
      fs.writeFileSync(path.join(empty, 'readme.txt'), 'nothing here');
      await page.getByTestId('import-folder-file').setInputFiles(empty);
      await expect(page.getByTestId('error-message')).toContainText(/holds no \.xml file.*Your design is unchanged/);
      expect(await state(page)).toMatchObject({ guests: ['alpha', 'beta', 'gamma'], undo: 1 });
      expect(errors).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a reload restores the whole workspace from autosave, on the guest shown, with what changed', async ({ page }) => {
    await openApp(page);
    await openThree(page);
    await page.getByTestId('guest-tab-gamma').click();
    await settled(page);
    await dropOn(page, await center(page, 'host-group-2'), 'controller-0');
    await page.getByTestId('group-take-move').click();
    await expect(page.getByTestId('host-group-usage-2')).toHaveText('gamma');
    // autosave writes after the frame: reload once it holds this state (one workspace record)
    const now = await exportXml(page);
    await expect.poll(() => savedDomain(page)).toBe(now);
    await page.evaluate(() => sessionStorage.setItem('pcitopo-e2e-keep', '1'));
    await page.reload();
    await expect(page.locator('html[data-ready="true"]')).toBeAttached();
    await expect(page.getByTestId('guest-switcher').getByRole('tab')).toHaveCount(3);
    expect(await state(page)).toMatchObject({ guests: ['alpha', 'beta', 'gamma'], active: 'gamma' });
    await expect(page.getByTestId('host-group-usage-2')).toHaveText('gamma');
    await page.getByTestId('export-changed-menu').click();
    await expect(page.getByTestId('export-changed-file-beta')).toBeVisible();
    await expect(page.getByTestId('export-changed-file-alpha')).toHaveCount(0);
  });

  test('the link `pcitopo open DIR` serves opens the whole directory as a workspace', async ({ page, baseURL }) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pcitopo-open-'));
    for (const [n, t] of Object.entries(FILES)) fs.writeFileSync(path.join(dir, n), t);
    // what `pcitopo open DIR` does before it serves: read the directory, put it in a version 2 link
    const loaded = await loadWorkspace([dir], undefined, processIo());
    const url = await encodeShareLink(workspacePayload(loaded), `${baseURL}/`);
    fs.rmSync(dir, { recursive: true, force: true });
    const errors = await openApp(page, url);
    await expect(page.getByTestId('guest-switcher').getByRole('tab')).toHaveCount(3);
    expect(await state(page)).toMatchObject({ guests: ['alpha', 'beta', 'gamma'], active: 'alpha' });
    await expect(page.getByTestId('host-group-usage-2')).toHaveText(/beta.*gamma/);
    await expect(page.getByTestId('host-group-2')).toBeVisible();
    expect(errors).toEqual([]);
  });
});
