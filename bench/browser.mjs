#!/usr/bin/env node
/**
 * DESIGN.md §7's Chromium budgets, measured (never a timed test): serves dist/ with scripts/serve.mjs
 * on a free port, drives Debian's Chromium with Playwright and prints
 *   first-render-demo: <ms> ms     navigation start to the frame showing the demo's vPHBs (median)
 *   drag-findings-1000: <ms> ms    pointer move over a vPHB to its drop verdict painted, 1,000 devices (median)
 *   app-js-gzip: <KiB> KiB         gzip size of dist/assets/*.js
 * Run after `npm run build`: node bench/browser.mjs
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { chromium } from '@playwright/test';
import { largePseriesDomain } from './browser-domain.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = path.join(REPO, 'dist');
// as in playwright.config.ts: Debian's Chromium, never a downloaded browser
const LAUNCH = {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
};
const VIEWPORT = { width: 1440, height: 900 };
const RENDER_RUNS = 7;
const DRAG_SAMPLES = 21;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

function appJsGzipKiB() {
  const dir = path.join(DIST, 'assets');
  let bytes = 0;
  for (const f of fs.readdirSync(dir)) if (f.endsWith('.js')) bytes += zlib.gzipSync(fs.readFileSync(path.join(dir, f)), { level: 9 }).length;
  return bytes / 1024;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function startServer() {
  const port = await freePort();
  const child = spawn(process.execPath, [path.join(REPO, 'scripts/serve.mjs'), '--port', String(port)], { stdio: ['ignore', 'ignore', 'inherit'] });
  const url = `http://127.0.0.1:${port}/`;
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`scripts/serve.mjs exited with ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return { url, child };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill();
  throw new Error('scripts/serve.mjs did not answer within 5 s');
}

/** Navigation start to the first animation frame in which the demo's vPHBs are laid out and visible. */
async function firstRender(browser, url) {
  const times = [];
  for (let i = 0; i < RENDER_RUNS; i++) {
    const context = await browser.newContext({ viewport: VIEWPORT });
    const page = await context.newPage();
    await page.addInitScript(() => {
      localStorage.clear();
      const seen = () => {
        const el = document.querySelector('[data-testid="controller-2"]');
        const node = el?.closest('.react-flow__node');
        return !!node && getComputedStyle(node).visibility !== 'hidden' && !!document.querySelector('[data-testid="host-group-1"]');
      };
      const tick = () => {
        if (seen()) window.__firstRender = performance.now();
        else requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    await page.goto(url);
    await page.waitForFunction(() => typeof window.__firstRender === 'number');
    times.push(await page.evaluate(() => window.__firstRender));
    await context.close();
  }
  return median(times);
}

/** Opens the app, imports the 1,000-device domain through the toolbar's file input and waits for it to be drawn. */
async function openLarge(browser, url) {
  const context = await browser.newContext({ viewport: VIEWPORT });
  const page = await context.newPage();
  await page.addInitScript(() => localStorage.clear());
  await page.goto(url);
  await page.waitForSelector('html[data-ready="true"]', { state: 'attached' });
  const xml = largePseriesDomain(1000, 31);
  await page.getByTestId('import-domain-file').setInputFiles({ name: 'large-1000.xml', mimeType: 'application/xml', buffer: Buffer.from(xml) });
  await page.waitForFunction(() => {
    const s = window.__pcitopo?.getState();
    return s?.present?.design.guest.devices.length === 1000 && document.querySelector('[data-testid="controller-30"]') !== null;
  });
  const onCanvas = await page.locator('[data-testid^="guest-device-"]').count();
  if (onCanvas !== 1000) throw new Error(`expected 1,000 devices on the canvas, found ${onCanvas}`);
  // let the fit-view and the first paints settle
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r, 200)))));
  return { context, page };
}

/** vPHBs whose header is on screen and is what the pointer would hit there. */
async function visibleTargets(page) {
  return page.evaluate(() => {
    const canvas = document.querySelector('.canvas')?.getBoundingClientRect();
    const out = [];
    for (const el of document.querySelectorAll('[data-testid^="controller-"]')) {
      const head = el.querySelector('.chead')?.getBoundingClientRect();
      if (!canvas || !head) continue;
      const x = head.x + head.width / 2;
      const y = head.y + head.height / 2;
      if (x < canvas.left + 10 || x > canvas.right - 10 || y < canvas.top + 10 || y > canvas.bottom - 10) continue;
      if (document.elementFromPoint(x, y)?.closest('[data-testid^="controller-"]') !== el) continue;
      out.push({ testId: el.getAttribute('data-testid'), x, y });
    }
    return out;
  });
}

/**
 * One sample: a drag of host group 4 starts (the pointer leaves its card), and in the next frame the
 * pointer moves over a vPHB; the time runs from that move to the task after the frame that paints
 * the vPHB's verdict (the move is dispatched inside requestAnimationFrame, as Chromium aligns pointer
 * moves with frames, so the same frame renders it).
 */
async function dragSample(page, card, target) {
  await page.mouse.move(card.x, card.y);
  await page.mouse.down();
  const r = await page.evaluate(
    ({ card, target }) =>
      new Promise((resolve, reject) => {
        const el = document.querySelector(`[data-testid="${target.testId}"]`);
        const painted = () => !!el && /\bdrop-(clean|warning|error)\b/.test(el.className) && /\bover\b/.test(el.className);
        requestAnimationFrame(() => {
          window.dispatchEvent(new PointerEvent('pointermove', { clientX: card.x + 12, clientY: card.y + 12, bubbles: true }));
          requestAnimationFrame(() => {
            const st = window.__pcitopo?.getState();
            const id = el?.getAttribute('data-drop');
            if (!st?.drag || !id) return reject(new Error(`the drag did not start or ${target.testId} is no drop target`));
            const judgedBefore = st.drag.verdicts.has(id);
            const t0 = performance.now();
            window.dispatchEvent(new PointerEvent('pointermove', { clientX: target.x, clientY: target.y, bubbles: true }));
            const tMove = performance.now() - t0;
            let frames = 0;
            const after = () => {
              const ch = new MessageChannel();
              ch.port1.onmessage = () => {
                if (painted()) resolve({ ms: performance.now() - t0, judgedAtHover: !judgedBefore, frames, tMove });
                else {
                  frames++;
                  requestAnimationFrame(after);
                }
              };
              ch.port2.postMessage(0);
            };
            after();
          });
        });
      }),
    { card, target },
  );
  await page.keyboard.press('Escape');
  await page.mouse.up();
  await page.waitForFunction(() => window.__pcitopo?.getState().drag === null);
  return r;
}

async function dragFindings(browser, url) {
  const { context, page } = await openLarge(browser, url);
  try {
    const targets = await visibleTargets(page);
    if (targets.length === 0) throw new Error('no vPHB is visible on the canvas');
    const box = await page.getByTestId('host-group-4').locator('header').boundingBox();
    if (!box) throw new Error('host group 4 is not visible');
    const card = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
    // warm-up (JIT, first renders), not counted
    for (let i = 0; i < 3; i++) await dragSample(page, card, targets[i % targets.length]);
    const samples = [];
    for (let i = 0; i < DRAG_SAMPLES; i++) samples.push(await dragSample(page, card, targets[targets.length - 1 - (i % targets.length)]));
    const before = await page.evaluate(() => window.__pcitopo?.exportXml().length);
    if (!before) throw new Error('the design went missing');
    if (process.env.BENCH_DEBUG) console.log(samples);
    return { ms: median(samples.map((s) => s.ms)), atHover: samples.filter((s) => s.judgedAtHover).length, n: samples.length, targets: targets.length };
  } finally {
    await context.close();
  }
}

async function main() {
  if (!fs.existsSync(path.join(DIST, 'index.html'))) {
    console.error('bench/browser.mjs: dist/ is missing; run "npm run build" first.');
    return 1;
  }
  const kib = appJsGzipKiB();
  const { url, child } = await startServer();
  let browser;
  try {
    browser = await chromium.launch(LAUNCH);
    const render = await firstRender(browser, url);
    console.log(`first-render-demo: ${render.toFixed(1)} ms`);
    const drag = await dragFindings(browser, url);
    console.log(`drag-findings-1000: ${drag.ms.toFixed(1)} ms`);
    console.log(`#   (${drag.n} samples over ${drag.targets} visible vPHBs; ${drag.atHover} judged when the pointer entered, the rest already judged in idle slices)`);
    console.log(`app-js-gzip: ${kib.toFixed(1)} KiB`);
    return 0;
  } finally {
    await browser?.close();
    child.kill();
  }
}

try {
  process.exitCode = await main();
} catch (e) {
  // Playwright errors quote their whole arguments (here a 200 KiB domain): the first line says enough
  console.error(`bench/browser.mjs: ${String(e?.message ?? e).split('\n')[0]}`);
  process.exitCode = 1;
}
