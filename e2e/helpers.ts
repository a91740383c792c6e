import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page, type TestInfo } from '@playwright/test';
import type { GeneratedDesign } from './fixtures/designs.ts';
import { INTERNAL_KEY } from '../src/engine/model/names.ts';
import { createEvaluator, dropTargets, type Design } from '../src/engine/index.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(here, '..');
/** ../shared next to the repository: the corpus; tests that need it say so when it is absent. */
// PCITOPO_SHARED overrides ../shared as in test/support/shared.ts
export const SHARED = process.env['PCITOPO_SHARED'] || path.resolve(REPO, '..', 'shared');
export const CORPUS = path.join(SHARED, 'corpus', 'libvirt');

/**
 * `true` when `file` (under ../shared) is there; otherwise registers one test, named for what did
 * not run, that FAILS: ../shared lives beside every checkout that runs e2e (README), so its absence
 * is a broken setup to be told, never a quiet skip. Call while tests are collected.
 */
export function sharedPresent(what: string, file: string): boolean {
  if (fs.existsSync(file)) return true;
  test(`${what} not run: ${file} is absent`, () => {
    throw new Error(`${file} is absent: put ../shared beside the checkout (bash scripts/setup-test-deps.sh)`);
  });
  return false;
}
export const corpusFile = (name: string): string => path.join(CORPUS, name);

/** Opens the app on a clean slate (no autosave) and waits until the first design is drawn. */
export async function openApp(page: Page, url = '/'): Promise<string[]> {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.addInitScript(() => {
    if (!sessionStorage.getItem('pcitopo-e2e-keep')) {
      localStorage.clear();
      // queued before the app opens it (IndexedDB runs a name's open and delete requests in order)
      indexedDB.deleteDatabase('pcitopo');
    }
  });
  await page.goto(url);
  await expect(page.locator('html[data-ready="true"]')).toBeAttached();
  return errors;
}

/** The domain of the autosaved design (IndexedDB), null when none is saved. */
export async function savedDomain(page: Page): Promise<string | null> {
  return page.evaluate(async () => {
    const raw = (await window.__pcitopo?.saved())?.autosave;
    if (!raw) return null;
    const s = JSON.parse(raw) as { guests: { domain: string }[]; active: number };
    return s.guests[s.active]?.domain ?? null;
  });
}

/** The names of the designs kept aside, newest first. */
export async function keptNames(page: Page): Promise<string[]> {
  return page.evaluate(async () => ((await window.__pcitopo?.saved())?.kept ?? []).map((k) => k.name));
}

export async function exportXml(page: Page): Promise<string> {
  return page.evaluate(() => window.__pcitopo?.exportXml() ?? '');
}

/** Where the main workflows leave their exported XML: the real-libvirt stage runs each through `pcitopo verify`. */
export const EXPORTED_DIR = path.join(REPO, 'e2e', 'output', 'exported');

/** Writes the design's exported XML to e2e/output/exported/<test title>.xml and returns it. */
export async function saveExport(page: Page, info: TestInfo): Promise<string> {
  const xml = await exportXml(page);
  expect(xml).toContain('<domain');
  const name = info.title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  fs.mkdirSync(EXPORTED_DIR, { recursive: true });
  fs.writeFileSync(path.join(EXPORTED_DIR, `${name}.xml`), xml);
  return xml;
}

/** A real pointer drag: press, several moves (the app and React Flow need more than one), release. */
export async function drag(page: Page, from: { x: number; y: number }, to: { x: number; y: number }): Promise<void> {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(from.x + 8, from.y + 8, { steps: 3 });
  await page.mouse.move(to.x, to.y, { steps: 12 });
  await page.mouse.move(to.x + 1, to.y + 1, { steps: 2 });
}

export async function center(page: Page, testId: string): Promise<{ x: number; y: number }> {
  const el = page.getByTestId(testId).first();
  await el.scrollIntoViewIfNeeded();
  // The canvas may still be panning (fitView animates) or laying out after an edit: wait until the
  // box has not moved across three reads, each two animation frames apart.
  const frames = () => page.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))));
  let box = await el.boundingBox();
  let stable = 0;
  await expect
    .poll(async () => {
      await frames();
      const next = await el.boundingBox();
      const same = !!box && !!next && box.x === next.x && box.y === next.y && box.width === next.width && box.height === next.height;
      stable = same ? stable + 1 : 0;
      box = next;
      return stable >= 3;
    }, { intervals: [50] })
    .toBe(true);
  if (!box) throw new Error(`${testId} is not visible`);
  return { x: box.x + box.width / 2, y: box.y + Math.min(box.height / 2, 18) };
}

/** A real drag released over `target`, once the app shows it as the target under the pointer. */
export async function dropOn(page: Page, from: { x: number; y: number }, target: string): Promise<void> {
  await drag(page, from, await center(page, target));
  await expect(page.getByTestId(target)).toHaveClass(/ over/);
  await page.mouse.up();
  await expect(page.locator('.ghost')).toHaveCount(0);
}

/** Imports domain XML through the Paste dialog. */
export async function pasteXml(page: Page, text: string): Promise<void> {
  await page.getByTestId('paste-xml').click();
  await page.getByTestId('paste-text').fill(text);
  await page.getByTestId('paste-import').click();
  await expect(page.getByTestId('paste-text')).toHaveCount(0);
}

/** Findings of one rule shown in the panel; every error finding shown. */
export const findingsOf = (page: Page, ruleId: string) => page.locator(`[data-testid="finding"][data-rule-id="${ruleId}"]`);
export const errorsShown = (page: Page) => page.locator('[data-testid="finding"][data-severity="error"]');

declare global {
  interface Window {
    __pcitopo?: { getState: () => unknown; exportXml: () => string; pciDeviceKeys: () => string[]; saved: () => Promise<{ autosave: string | null; kept: { name: string; why: string }[] }>; ready: boolean };
  }
}

export interface DevicePlace {
  key: string;
  bus?: number | undefined;
  slot?: number | undefined;
  fn?: number | undefined;
}

/** Where each guest device sits, read from the store (the domain, not the pixels). */
export async function placements(page: Page): Promise<Record<string, DevicePlace>> {
  return page.evaluate(() => {
    const s = window.__pcitopo?.getState() as { present: { design: { guest: { devices: { key: string; address?: { bus: number; slot: number; function: number } }[] } } } };
    const out: Record<string, { key: string; bus?: number; slot?: number; fn?: number }> = {};
    for (const d of s.present.design.guest.devices) out[d.key] = { key: d.key, bus: d.address?.bus, slot: d.address?.slot, fn: d.address?.function };
    return out;
  });
}

/** Imports a generated design (its host first, when it has one) and waits until the canvas has settled. */
export async function loadDesign(page: Page, g: GeneratedDesign): Promise<void> {
  if (g.host) {
    await page.getByTestId('import-host-file').setInputFiles({ name: `${g.name}-host.xml`, mimeType: 'application/xml', buffer: Buffer.from(g.host) });
    await expect.poll(() => page.evaluate(() => (window.__pcitopo?.getState() as { present?: { hostText?: string } }).present?.hostText?.length ?? 0)).toBe(g.host.length);
  }
  await page.getByTestId('import-domain-file').setInputFiles({ name: `${g.name}.xml`, mimeType: 'application/xml', buffer: Buffer.from(g.domain) });
  await expect.poll(() => page.evaluate(() => (window.__pcitopo?.getState() as { present?: { design: { guest: { name?: string } } } }).present?.design.guest.name)).toBe(g.name);
  await settled(page);
}

/**
 * Waits until the view has stopped moving: the same viewport transform over three reads, two frames apart,
 * and every summary tile laid out for that zoom (src/ui/tileZoom.ts).
 */
export async function settled(page: Page): Promise<void> {
  let last = '';
  let same = 0;
  await expect
    .poll(
      async () => {
        const now = await page.evaluate(
          () =>
            new Promise<string>((r) =>
              requestAnimationFrame(() =>
                requestAnimationFrame(() => {
                  const transform = (document.querySelector('.react-flow__viewport') as HTMLElement | null)?.style.transform ?? '';
                  // tiles are laid out for the zoom once it rests (src/ui/tileZoom.ts): until then a tile's --z is an earlier zoom
                  const zoom = Number(/scale\(([\d.]+)\)/.exec(transform)?.[1] ?? 'NaN');
                  const tiles = Array.from(document.querySelectorAll<HTMLElement>('.ctile')).every((t) => Math.abs(Number(t.style.getPropertyValue('--z')) / zoom - 1) < 1e-3);
                  r(`${transform}|${document.querySelectorAll('.react-flow__node').length}|${tiles ? 'rested' : 'zooming'}`);
                }),
              ),
            ),
        );
        same = now === last ? same + 1 : 0;
        last = now;
        return same >= 2 && now.endsWith('|rested');
      },
      { intervals: [50] },
    )
    .toBe(true);
}

/** Every text a person can read: the page's text, option labels, tooltips, accessible names (never data-testid). */
export async function readableText(page: Page): Promise<string> {
  return page.evaluate(() => {
    const parts = [document.body.innerText];
    for (const el of Array.from(document.querySelectorAll('[title], [aria-label], option'))) {
      parts.push(el.getAttribute('title') ?? '', el.getAttribute('aria-label') ?? '', el.tagName === 'OPTION' ? (el.textContent ?? '') : '');
    }
    return parts.join('\n');
  });
}

/** Fails naming `where` and the text around it when an internal key (`controller-4`, `disk-0`) is readable on the page. */
export async function noInternalKey(page: Page, where: string): Promise<void> {
  const text = await readableText(page);
  const m = INTERNAL_KEY.exec(text);
  expect(m ? text.slice(Math.max(0, m.index - 60), m.index + 30) : undefined, `${where}: an internal key in the page`).toBeUndefined();
}

/**
 * Issue 10's "one answer everywhere": the findings panel lists exactly the engine's findings of
 * `design`, and every controller, device and host group on the page carries the badge of the worst
 * finding that names it (none when none does). Returns the badges read, by what follows the test id's
 * prefix (a controller's index, a device's key, a group's number).
 */
export async function expectFindingsAndBadgesAreTheEngines(page: Page, design: Design): Promise<{ controllers: Record<string, string>; devices: Record<string, string>; groups: Record<string, string> }> {
  const e = createEvaluator().evaluate(design);
  await expect(page.locator('[data-testid="finding"][data-rule-id="CHECKING"]')).toHaveCount(0);
  const shown = await page.locator('[data-testid="finding"]').evaluateAll((els) => els.map((el) => `${el.getAttribute('data-severity')} ${el.getAttribute('data-rule-id')} ${el.querySelector('.fmsg')?.textContent ?? ''}`));
  expect(shown.sort()).toEqual(e.findings.map((f) => `${f.severity} ${f.ruleId} ${f.message}`).sort());
  const badges = await page.evaluate(() => {
    const sev = (el: Element) => /\bsev-(error|warning|info)\b/.exec(el.className)?.[1] ?? '';
    const read = (prefix: string) => Object.fromEntries(Array.from(document.querySelectorAll(`[data-testid^="${prefix}"]`)).map((el) => [el.getAttribute('data-testid')?.slice(prefix.length) ?? '', sev(el)]));
    return { controllers: read('controller-'), devices: read('guest-device-'), groups: read('host-group-') };
  });
  for (const [i, s] of Object.entries(badges.controllers)) if (/^\d+$/.test(i)) expect(s, `badge of controller index ${i}`).toBe(e.controllers.get(Number(i)) ?? '');
  for (const [k, s] of Object.entries(badges.devices)) expect(s, `badge of device ${k}`).toBe(e.devices.get(k) ?? '');
  for (const [n, s] of Object.entries(badges.groups)) if (/^\d+$/.test(n)) expect(s, `badge of host group ${n}`).toBe(e.groups.get(Number(n)) ?? '');
  return badges;
}

/**
 * Issue 10's "one answer everywhere": the inspector of `device` (clicked on the canvas) lists Move to…
 * verdicts that, once all are judged, are the engine's verdicts on the same moves; at least one compared.
 */
export async function expectMoveToVerdictsAreTheEngines(page: Page, design: Design, device: { readonly key: string; readonly label: string }): Promise<void> {
  await page.getByTestId(`guest-device-${device.key}`).click();
  const menu = page.getByTestId('move-to');
  await expect(menu.locator('option[data-verdict="pending"]')).toHaveCount(0);
  const options = await menu.locator('option').evaluateAll((els) => els.map((el) => ({ id: (el as HTMLOptionElement).value, verdict: el.getAttribute('data-verdict') })));
  const targets = new Map(dropTargets(design, { kind: 'guest-device', key: device.key }).map((t) => [t.id, t]));
  let compared = 0;
  for (const o of options) {
    const t = targets.get(o.id);
    if (!t) continue;
    expect(o.verdict, `Move ${device.label} to ${t.label}`).toBe(createEvaluator().verdict(design, t.command).level);
    compared++;
  }
  expect(compared).toBeGreaterThan(0);
}

/**
 * On-screen size of every visible piece of node text (computed font size x the scale it is drawn at:
 * the canvas' zoom, and a tile's own scale, src/ui/tileZoom.ts) and of the Unplaced tray's (not
 * zoomed), smallest first.
 */
export async function textSizes(page: Page): Promise<number[]> {
  return page.evaluate(() => {
    const viewport = document.querySelector('.react-flow__viewport') as HTMLElement | null;
    const scale = Number(/scale\(([\d.]+)\)/.exec(viewport?.style.transform ?? '')?.[1] ?? '1');
    const flow = (document.querySelector('.flow') as HTMLElement).getBoundingClientRect();
    const sizes: number[] = [];
    const collect = (root: Element | null, s: number, clip: DOMRect) => {
      if (!root) return;
      const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const el = n.parentElement;
        if (!el || !n.textContent?.trim()) continue;
        const range = document.createRange();
        range.selectNodeContents(n);
        const r = range.getBoundingClientRect();
        if (r.width === 0 || r.height === 0 || r.right < clip.left || r.left > clip.right || r.bottom < clip.top || r.top > clip.bottom) continue;
        // text clipped away by its own line box (a tile's line that did not fit) is not on screen
        const box = el.closest('.tlines')?.getBoundingClientRect();
        if (box && (r.left >= box.right || r.top >= box.bottom)) continue;
        // the scale it is drawn at: its box on screen over its layout box (every transform above it)
        const shown = el.getBoundingClientRect();
        const scale = el.offsetWidth > 0 ? shown.width / el.offsetWidth : s;
        sizes.push(parseFloat(getComputedStyle(el).fontSize) * scale);
      }
    };
    collect(document.querySelector('.react-flow__nodes'), scale, flow);
    const tray = document.querySelector('[data-testid="unplaced-tray"]');
    if (tray) collect(tray, 1, tray.getBoundingClientRect());
    return sizes.sort((a, b) => a - b);
  });
}

/** The 10th percentile of a sorted list (issue 10: node text at first view). */
export const p10 = (xs: number[]): number => xs[Math.floor(xs.length * 0.1)] ?? 0;

/** What a summary tile's text does with its box (issue 10: "truncated with an ellipsis only where it must"). */
export interface TileTextFit {
  /** parts whose content overflows and is not clipped with an ellipsis inside the tile */
  readonly escaped: string[];
  /** text lines cut with an ellipsis: their text overflows, they end inside the tile */
  readonly ellipsed: number;
  /** text lines whose text fits and that clip nothing */
  readonly whole: number;
}

/**
 * Every part of every summary tile on the canvas (title kind, chips, lines): one whose content is
 * wider or taller than its box must clip it (overflow not visible) and, when text, end in an ellipsis,
 * within its tile's box. Counts the lines cut with an ellipsis and the lines shown whole and unclipped.
 */
export async function tileTextFit(page: Page): Promise<TileTextFit> {
  return page.evaluate(() => {
    const out = { escaped: [] as string[], ellipsed: 0, whole: 0 };
    for (const tile of Array.from(document.querySelectorAll('.ctile'))) {
      const box = tile.getBoundingClientRect();
      const lines = tile.querySelector('.tlines')?.getBoundingClientRect();
      for (const el of Array.from(tile.querySelectorAll('.tlines > .tline, .tkind, .tchips')) as HTMLElement[]) {
        const r = el.getBoundingClientRect();
        // a line wrapped into the tile's second column is dropped whole by .tlines' clip
        if (lines && r.left >= lines.right - 1) continue;
        const cs = getComputedStyle(el);
        const text = !el.classList.contains('tchips');
        const over = el.scrollWidth > el.clientWidth + 0.5 || el.scrollHeight > el.clientHeight + 0.5;
        const name = `${tile.getAttribute('data-testid')} ${el.className}: ${el.textContent}`;
        if (r.left < box.left - 0.5 || r.right > box.right + 0.5) out.escaped.push(`${name} outside its tile`);
        if (over) {
          if (cs.overflowX === 'visible' || (text && cs.textOverflow !== 'ellipsis')) out.escaped.push(`${name} overflows ${el.scrollWidth}/${el.clientWidth} unclipped`);
          else if (text && el.classList.contains('tline')) out.ellipsed++;
        } else if (text && el.classList.contains('tline') && cs.overflowX === 'visible') out.whole++;
      }
    }
    return out;
  });
}
