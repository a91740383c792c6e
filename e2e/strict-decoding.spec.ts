import fs from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { DEMO_DOMAIN_XML, DEMO_HOST_XML, decodeAnyShareLink, decodeXml, encodeShareLink, encodeXml, encodingBeyondText, encodingToWrite } from '../src/engine/index.ts';
import { exportXml, openApp } from './helpers.ts';

/**
 * Files are read in the app as the CLI reads them (issue 11: strict decoding, "in the CLI and the
 * app"): bytes decoded by the engine's decodeXml, never File.text(), whose U+FFFD hides a Latin-1
 * byte; a refused file names the byte, file, line and column and leaves the design as it was; a
 * file in an encoding its text does not say (UTF-16), domain or host, keeps it through a share link;
 * a character typed that the file's encoding cannot hold is named with its place, and exported as
 * UTF-8 on request. Every file is made here as bytes.
 */

const DOMAIN = DEMO_DOMAIN_XML.replace('<name>p9-demo</name>', '<name>enc-test</name>');
const AT = DOMAIN.indexOf('<memory');
/** The domain with a comment holding café, é written as the bytes given. */
const cafe = (decl: string, e: number[]): Buffer => Buffer.concat([Buffer.from(`${decl}${DOMAIN.slice(0, AT)}<!-- caf`), Buffer.from(e), Buffer.from(` -->\n  ${DOMAIN.slice(AT)}`)]);
const LATIN1 = cafe("<?xml version='1.0' encoding='ISO-8859-1'?>\n", [0xe9]);
const INVALID = cafe('', [0xe9]);
/** the line and column decodeXml gives the bad byte: line 4 (after <domain>, <name> and the demo's comment), after "  <!-- caf" */
const WHERE = ':4:11: byte 0xE9 is not UTF-8';

async function exported(page: Page): Promise<Buffer> {
  const download = page.waitForEvent('download');
  await page.getByTestId('export-domain').click();
  const d = await download;
  expect(d.suggestedFilename()).toBe('enc-test.xml');
  return fs.readFileSync(await d.path());
}

test('Import domain: invalid UTF-8 is refused naming byte, file, line and column, and the design is kept', async ({ page }) => {
  const errors = await openApp(page);
  const before = await exportXml(page);
  await page.getByTestId('import-domain-file').setInputFiles({ name: 'bad.xml', mimeType: 'application/xml', buffer: INVALID });
  await expect(page.getByTestId('error-message')).toContainText(`Could not import the domain: bad.xml${WHERE}`);
  expect(await exportXml(page)).toBe(before);
  expect(before).toContain('<name>p9-demo</name>');
  expect(errors).toEqual([]);
});

test('Import domain: a declared ISO-8859-1 file opens with é, and Export XML downloads its very bytes', async ({ page }) => {
  const errors = await openApp(page);
  await page.getByTestId('import-domain-file').setInputFiles({ name: 'latin1.xml', mimeType: 'application/xml', buffer: LATIN1 });
  await expect.poll(() => exportXml(page)).toContain('<!-- café -->');
  expect((await exported(page)).equals(LATIN1)).toBe(true);
  expect(errors).toEqual([]);
});

test('a dropped file with invalid UTF-8 is refused the same way; a dropped Latin-1 file opens', async ({ page }) => {
  const errors = await openApp(page);
  const before = await exportXml(page);
  const drop = (bytes: Buffer, name: string) =>
    page.evaluate(
      ({ data, file }) => {
        const dt = new DataTransfer();
        dt.items.add(new File([new Uint8Array(data)], file, { type: 'application/xml' }));
        window.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
        window.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
      },
      { data: [...bytes], file: name },
    );
  await drop(INVALID, 'dropped.xml');
  await expect(page.getByTestId('error-message')).toContainText(`Could not read dropped.xml${WHERE}`);
  expect(await exportXml(page)).toBe(before);
  await drop(LATIN1, 'dropped.xml');
  await expect.poll(() => exportXml(page)).toContain('<!-- café -->');
  expect((await exported(page)).equals(LATIN1)).toBe(true);
  expect(errors).toEqual([]);
});

for (const order of ['LE', 'BE'] as const) {
  test(`a UTF-16${order} design: a link made as pcitopo link makes it, and the app's own share link of it, export the file's bytes`, async ({ page, browser }) => {
    test.setTimeout(90_000);
    const le = Buffer.from(`\uFEFF${DOMAIN}`, 'utf16le');
    const bytes = order === 'LE' ? le : Buffer.from(le).swap16();
    // what `pcitopo link FILE` writes (src/cli/commands/open.ts singlePayload)
    const d = decodeXml(new Uint8Array(bytes), 'f.xml');
    if (!d.ok) throw new Error(d.error.message);
    const encoding = encodingBeyondText(d.value);
    expect(encoding).toBe(`UTF-16${order}`);
    const link = await encodeShareLink({ v: 1, domain: d.value.text, ...(encoding ? { encoding } : {}) }, 'http://x/');
    const errors = await openApp(page, link.slice(link.indexOf('#')));
    await expect(page.getByTestId('controller-1')).toBeVisible();
    expect((await exported(page)).equals(bytes)).toBe(true);

    await page.getByTestId('share-link').click();
    const url = await page.getByTestId('share-link-url').inputValue();
    const fresh = await browser.newContext();
    const other = await fresh.newPage();
    const otherErrors = await openApp(other, url);
    await expect(other.getByTestId('controller-1')).toBeVisible();
    expect((await exported(other)).equals(bytes)).toBe(true);
    await fresh.close();
    expect([...errors, ...otherErrors]).toEqual([]);
  });
}

/** The host file a link gives back, written as `pcitopo unlink --host-out` writes it. */
async function linkedHostBytes(url: string): Promise<Buffer> {
  const p = await decodeAnyShareLink(url);
  if (!p.ok || p.value.host === undefined) throw new Error('the link holds no host');
  const encoding = encodingToWrite(p.value.host, p.value.hostEncoding);
  const bytes = encoding && encodeXml(p.value.host, encoding);
  if (!bytes?.ok) throw new Error("the link's host cannot be written");
  return Buffer.from(bytes.value);
}

async function shared(page: Page): Promise<string> {
  await page.getByTestId('share-link').click();
  return page.getByTestId('share-link-url').inputValue();
}

test("a UTF-16 host file imported: the app's share link, opened elsewhere, shared again there and after a reload, gives the host file's bytes back", async ({ page, browser }) => {
  test.setTimeout(90_000);
  const host = Buffer.from(`\uFEFF${DEMO_HOST_XML}`, 'utf16le');
  const errors = await openApp(page);
  await page.getByTestId('import-host-file').setInputFiles({ name: 'host16.xml', mimeType: 'application/xml', buffer: host });
  await expect(page.getByTestId('undo')).toHaveAttribute('aria-label', 'Undo: Import host host16.xml');
  const url = await shared(page);
  expect((await linkedHostBytes(url)).equals(host)).toBe(true);

  const fresh = await browser.newContext();
  const other = await fresh.newPage();
  const otherErrors = await openApp(other, url);
  await expect(other.getByTestId('controller-1')).toBeVisible();
  expect((await linkedHostBytes(await shared(other))).equals(host)).toBe(true);
  // the autosave keeps it too: what a reload restores shares the same bytes
  await expect.poll(() => other.evaluate(async () => JSON.parse((await window.__pcitopo?.saved())?.autosave ?? '{}').hostEncoding)).toBe('UTF-16LE');
  await other.evaluate(() => sessionStorage.setItem('pcitopo-e2e-keep', '1'));
  await other.reload();
  await expect(other.locator('html[data-ready="true"]')).toBeAttached();
  await expect(other.getByTestId('controller-1')).toBeVisible();
  expect((await linkedHostBytes(await shared(other))).equals(host)).toBe(true);
  await fresh.close();
  expect([...errors, ...otherErrors]).toEqual([]);
});

test('a character typed that the Latin-1 file cannot hold: Export says which, where and in what encoding, and Export as UTF-8 writes it all, the design unchanged', async ({ page }) => {
  const errors = await openApp(page);
  await page.getByTestId('import-domain-file').setInputFiles({ name: 'latin1.xml', mimeType: 'application/xml', buffer: LATIN1 });
  await expect.poll(() => exportXml(page)).toContain('<!-- café -->');
  const toggle = page.getByTestId('xml-drawer-toggle');
  if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
  const typed = (await exportXml(page)).replace('<!-- café -->', '<!-- caf€ -->');
  // typed as a user types it: end of the comment's line, back over ' -->', é out, € in (a fill()
  // of the whole text makes Chromium's editing add a styled span, which the CSP refuses)
  await page.locator('.cm-line', { hasText: '<!-- café -->' }).click();
  await page.keyboard.press('End');
  for (let i = 0; i < ' -->'.length; i++) await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('Backspace');
  await page.keyboard.insertText('€');
  await expect.poll(() => exportXml(page)).toBe(typed);
  const lines = typed.split('\n');
  const line = lines.findIndex((l) => l.includes('€')) + 1;
  const column = (lines[line - 1] ?? '').indexOf('€') + 1;

  await page.getByTestId('export-domain').click();
  await expect(page.getByTestId('error-message')).toContainText(`Could not export enc-test.xml: the character '€' (U+20AC) at line ${line}, column ${column} cannot be written in ISO-8859-1, the file's encoding.`);
  const download = page.waitForEvent('download');
  await page.getByTestId('export-utf8').click();
  const d = await download;
  expect(d.suggestedFilename()).toBe('enc-test.xml');
  const bytes = fs.readFileSync(await d.path());
  expect(bytes.equals(Buffer.from(typed.replace("encoding='ISO-8859-1'", "encoding='UTF-8'"), 'utf8'))).toBe(true);
  await expect(page.getByTestId('notice-message')).toContainText("Exported enc-test.xml as UTF-8, its XML declaration saying encoding='UTF-8'. The design is as it was.");
  expect(await exportXml(page)).toBe(typed);
  expect(errors).toEqual([]);
});

test('a domain named with letters beyond ASCII downloads as <name>.xml with those letters, as the CLI writes it', async ({ page }) => {
  const errors = await openApp(page);
  const named = DEMO_DOMAIN_XML.replace('<name>p9-demo</name>', '<name>p9-démo</name>');
  await page.getByTestId('import-domain-file').setInputFiles({ name: 'x.xml', mimeType: 'application/xml', buffer: Buffer.from(named) });
  await expect.poll(() => exportXml(page)).toContain('<name>p9-démo</name>');
  const download = page.waitForEvent('download');
  await page.getByTestId('export-domain').click();
  const d = await download;
  expect(d.suggestedFilename()).toBe('p9-démo.xml');
  expect(fs.readFileSync(await d.path()).equals(Buffer.from(named))).toBe(true);
  expect(errors).toEqual([]);
});
