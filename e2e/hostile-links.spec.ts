import fs from 'node:fs';
import path from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { expect, test } from '@playwright/test';
import { deflateBomb } from '../test/support/bomb.ts';
import { openApp, SHARED, sharedPresent } from './helpers.ts';

/**
 * Hostile share links in Chromium (issue 11): the decoder bounds what it inflates in the browser
 * as it does in Node, and a design that names huge numbers is judged, not simulated. The tab
 * stays alive and usable, and the user is told what is wrong.
 */

test('a deflate bomb link is inflated 1 KiB at a time and stopped: a clear message, and the tab keeps working', async ({ page }) => {
  // 128 MiB of zeros in a 174 KB link. What bounds memory is how the decoder feeds Chromium's
  // DecompressionStream, which inflates each written chunk whole: record every write it gets.
  const bomb = deflateBomb(1 + 258 * Math.floor(2 ** 27 / 258));
  // handing a 174 KB URL to Chromium takes a while on a busy machine: time for the navigation
  test.setTimeout(90_000);
  await page.addInitScript(() => {
    const writes: number[] = [];
    (window as unknown as { __inflateWrites: number[] }).__inflateWrites = writes;
    const write = WritableStreamDefaultWriter.prototype.write;
    WritableStreamDefaultWriter.prototype.write = function (this: WritableStreamDefaultWriter, chunk?: unknown) {
      if (chunk instanceof Uint8Array) writes.push(chunk.byteLength);
      return write.call(this, chunk);
    };
  });
  const errors = await openApp(page, `/#/d/${Buffer.from(bomb).toString('base64url')}`);
  await expect(page.getByTestId('error-message')).toContainText('larger than 8 MiB once unpacked');
  const writes = await page.evaluate(() => (window as unknown as { __inflateWrites: number[] }).__inflateWrites);
  // slices of at most 1 KiB, and far from all of the payload was fed before the decoder stopped
  expect(Math.max(...writes)).toBeLessThanOrEqual(1024);
  expect(writes.reduce((a, b) => a + b, 0)).toBeLessThan(bomb.length / 4);
  // an empty, working editor: a click adds a vPHB
  await expect(page.getByTestId('controller-0')).toBeVisible();
  await page.getByTestId('add-phb').click();
  await expect(page.getByTestId('controller-1')).toBeVisible();
  expect(errors).toEqual([]);
});

test('a link with bytes after its deflate data is refused for that, as the CLI refuses it (not as damaged deflate)', async ({ page }) => {
  // Chromium's own inflater throws on such bytes, which read as "not deflate-compressed" before
  const json = JSON.stringify({ v: 1, domain: "<domain type='kvm'><name>t</name><os><type arch='ppc64le' machine='pseries'>hvm</type></os></domain>" });
  const payload = Buffer.concat([deflateRawSync(Buffer.from(json)), Buffer.from('garbage')]).toString('base64url');
  const errors = await openApp(page, `/#/d/${payload}`);
  await expect(page.getByTestId('error-message')).toContainText('the link is damaged: 7 bytes after the end of its compressed data');
  await expect(page.getByTestId('controller-0')).toBeVisible();
  expect(errors).toEqual([]);
});

test.describe('h02-share-link-that-crashes-the-tab.txt', () => {
  const file = path.join(SHARED, 'cases', 'h02-share-link-that-crashes-the-tab.txt');
  if (!sharedPresent('the h02 link test', file)) return;
  test('a link whose design names bus 0xffffffff opens, shows the error, and the tab stays usable', async ({ page }) => {
    const link = fs.readFileSync(file, 'utf8').trim();
    const errors = await openApp(page, link.slice(link.indexOf('#')));
    const finding = page.getByTestId('finding').filter({ hasText: '0xffffffff' });
    await expect(finding.first()).toHaveAttribute('data-rule-id', 'GEN-ADDR-2');
    await expect(finding.first()).toHaveAttribute('data-severity', 'error');
    await page.getByTestId('add-phb').click();
    await expect(page.getByTestId('controller-2')).toBeVisible();
    expect(errors).toEqual([]);
  });
});
