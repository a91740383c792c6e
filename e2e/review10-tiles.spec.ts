import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { largePseries, q35RootPorts } from './fixtures/designs.ts';
import { CORPUS, loadDesign, openApp, p10, settled, sharedPresent, textSizes } from './helpers.ts';

/**
 * Issue 10, "readable at first view", as a newcomer reads a summary tile: its title says what the bus
 * is and its whole index ("DS port 36", not "S… 4"), and the lines that matter (a root port's port in
 * hex, a vPHB's PE) are there to read, not cut to an ellipsis or dropped.
 */

interface TileRead {
  readonly id: string;
  readonly title: string;
  readonly titleOver: boolean;
  readonly kindCut: boolean;
  readonly index: string;
  readonly phb: boolean;
  readonly rootPort: boolean;
  /** the lines shown whole: inside the tile's line box and not overflowing their own box */
  readonly whole: string[];
}

/** Every summary tile on the canvas, as it reads now. */
async function tiles(page: Page): Promise<TileRead[]> {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll('.ctile')).map((tile) => {
      const title = tile.querySelector('.ttitle') as HTMLElement;
      const kind = tile.querySelector('.tkind') as HTMLElement;
      const box = tile.querySelector('.tlines')?.getBoundingClientRect();
      const whole = (Array.from(tile.querySelectorAll('.tlines > .tline')) as HTMLElement[])
        .filter((l) => {
          const r = l.getBoundingClientRect();
          return !!box && r.right <= box.right + 0.5 && r.bottom <= box.bottom + 0.5 && l.scrollWidth <= l.clientWidth;
        })
        .map((l) => l.textContent ?? '');
      return {
        id: tile.getAttribute('data-testid') ?? '',
        // the kind and the index stand apart by the title's gap, not a space
        title: `${kind.textContent ?? ''} ${title.querySelector('strong')?.textContent ?? ''}`,
        titleOver: title.scrollWidth > title.clientWidth,
        kindCut: kind.scrollWidth > kind.clientWidth,
        index: (tile.getAttribute('data-testid') ?? '').replace(/^controller-/, ''),
        phb: tile.classList.contains('phb'),
        rootPort: /^Root port /.test(tile.getAttribute('aria-label') ?? ''),
        whole,
      };
    }),
  );
}

/**
 * The first view's tiles: each title whole, with its index, and its kind uncut unless `kindWhole` is
 * false (libvirt's expander-bus domain at 1280x720: 40 tiles in a five-level tree get 72 x 45 px
 * each, narrower than "DS port 36"); the size of the text kept.
 */
async function expectTitlesWhole(page: Page, kindWhole = true): Promise<TileRead[]> {
  const read = await tiles(page);
  expect(read.length).toBeGreaterThan(10);
  for (const t of read) {
    expect(t.titleOver, `${t.id}: "${t.title}" overflows its title`).toBe(false);
    if (kindWhole) expect(t.kindCut, `${t.id}: the kind of "${t.title}" is cut`).toBe(false);
    expect(t.title, t.id).toMatch(new RegExp(`^\\D+ ${t.index}$`));
  }
  expect(p10(await textSizes(page))).toBeGreaterThanOrEqual(10);
  return read;
}

const EXPANDER = 'qemuxmlconfdata__pcie-expander-bus.x86_64-latest.xml';
const corpusHere = sharedPresent('summary tiles on libvirt\'s expander-bus domain', path.join(CORPUS, EXPANDER));

for (const viewport of [
  { width: 1280, height: 720 },
  { width: 1920, height: 1080 },
]) {
  test.describe(`summary tiles at first view, ${viewport.width}x${viewport.height}`, () => {
    test.use({ viewport });

    test('a q35 guest with 16 root ports: every title reads kind and index, every root port its port in hex', async ({ page }) => {
      const errors = await openApp(page);
      await loadDesign(page, q35RootPorts(16));
      const read = await expectTitlesWhole(page);
      const ports = read.filter((t) => t.rootPort);
      expect(ports).toHaveLength(16);
      for (const t of ports) expect(t.whole.join('\n'), `${t.id}: ${t.title}`).toMatch(/port 0x[0-9a-f]{2}/);
      expect(errors).toEqual([]);
    });

    test('a 31-vPHB pseries guest: every title reads "vPHB <index>", every tile its PE', async ({ page }) => {
      const errors = await openApp(page);
      await loadDesign(page, largePseries());
      const read = await expectTitlesWhole(page);
      const phbs = read.filter((t) => t.phb);
      expect(phbs).toHaveLength(31);
      for (const t of phbs) {
        expect(t.title).toMatch(/^vPHB \d+$/);
        expect(t.whole.join('\n'), `${t.id}: ${t.title}`).toMatch(/^PE: /m);
      }
      expect(errors).toEqual([]);
    });

    if (corpusHere) test(`libvirt's ${EXPANDER}: 32 downstream ports' titles read kind and index`, async ({ page }) => {
      const errors = await openApp(page);
      await page.getByTestId('import-domain-file').setInputFiles(path.join(CORPUS, EXPANDER));
      await expect.poll(() => page.evaluate(() => (window.__pcitopo?.getState() as { present?: { file?: string } }).present?.file)).toBe(EXPANDER);
      await settled(page);
      const read = await expectTitlesWhole(page, viewport.width > 1280);
      expect(read.filter((t) => /^DS port \d+$/.test(t.title))).toHaveLength(32);
      expect(errors).toEqual([]);
    });
  });
}
