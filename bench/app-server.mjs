// What the Chromium benchmarks share (bench/browser.mjs, bench/trace-drag.mjs, bench/trace-dom.mjs):
// the browser they launch, the built app served as `npm start` serves it (scripts/serve.mjs, its
// headers included), the 31-vPHB design they open and the drop gesture they time.
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { largePseries } from '../e2e/fixtures/designs.ts';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The autosave record of the 31-vPHB design (e2e/fixtures/designs.ts largePseries): a page that starts with it draws that design first. */
export function fullSizeSave() {
  const g = largePseries();
  return JSON.stringify({ v: 1, domain: g.domain, host: g.host, file: `${g.name}.xml`, label: 'bench', savedAt: new Date(0).toISOString() });
}

/**
 * A page on the app at `url` whose first design is the 31-vPHB one (its autosave: fullSizeSave), once
 * drawn: its 122 devices and vPHB 30 on the canvas, with releaseDropScript installed. `contextOptions`
 * go to newContext (after a 1440x900 viewport); `init` are more scripts to run before the app's (a
 * React DevTools hook, say).
 */
export async function openFullSizePage(browser, url, { contextOptions = {}, init = [] } = {}) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, ...contextOptions });
  const page = await context.newPage();
  await page.addInitScript(
    ({ save }) => {
      localStorage.clear();
      localStorage.setItem('pcitopo:autosave:v1', save);
    },
    { save: fullSizeSave() },
  );
  for (const script of [releaseDropScript, ...init]) await page.addInitScript(script);
  await page.goto(url);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid^="guest-device-"]').length === 122 && document.querySelector('[data-testid="controller-30"]') !== null);
  return { context, page };
}

/** Playwright's launch options: as in playwright.config.ts, Debian's Chromium, never a downloaded browser. */
export const LAUNCH = {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
};

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

/**
 * Serves dist/ on a free localhost port. Returns `{ url, child }` once it answers (kill `child` when
 * done); throws when the server exits or does not answer within 5 s.
 */
export async function startServer() {
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

/**
 * The drop both benchmarks time: host group 2 picked up (on screen whatever the host panel's scroll)
 * and held over vPHB 1 until the canvas shows it as the drop target. Returns the pointer position
 * (CSS px) for the release; the caller times the release itself. Throws when either is not visible.
 */
export async function holdGroup2OverVphb1(page) {
  const header = page.getByTestId('host-group-2').locator('header');
  await header.scrollIntoViewIfNeeded();
  const card = await header.boundingBox();
  const target = await page.getByTestId('controller-1').locator('.chead').boundingBox();
  if (!card || !target) throw new Error('group 2 or vPHB 1 is not visible');
  await page.mouse.move(card.x + card.width / 2, card.y + card.height / 2);
  await page.mouse.down();
  await page.mouse.move(card.x + card.width / 2 + 12, card.y + card.height / 2 + 12, { steps: 2 });
  await page.mouse.move(target.x + target.width / 2, target.y + target.height / 2, { steps: 4 });
  await page.waitForFunction(() => /\bover\b/.test(document.querySelector('[data-testid="controller-1"]')?.className ?? ''));
  return { x: target.x + target.width / 2, y: target.y + target.height / 2 };
}

/**
 * A page init script (page.addInitScript(releaseDropScript), before the app loads) defining the
 * release that bench/browser.mjs, trace-drag.mjs and trace-dom.mjs time, once:
 * `window.__releaseDrop({ x, y }, { atFrameStart = true, mark = false })` releases the held drag
 * (a pointerup at x, y, CSS px) and resolves `{ ms, rendered, t0 }` once the findings panel shows
 * more PAPR isolation findings than before: `ms` from the release (performance.now() at `t0`) to a
 * task that finds them, `rendered` the frames rendered until then.
 * - atFrameStart: the pointerup is dispatched first thing in a requestAnimationFrame callback, where
 *   Chromium delivers a real pointer event (input is aligned with frames), so the drop's handler,
 *   React's commit and that frame's style, layout, paint and commit run in the same task; a task
 *   posted from the callback (MessageChannel) runs after that frame is rendered and checks the DOM,
 *   and again after each later frame until the findings are there.
 * - otherwise the pointerup is dispatched at once (whatever phase of the frames the caller runs in)
 *   and the first check follows the next frame: the idle wait for it is in `ms`.
 * - mark: performance marks 'w-start' at the release and 'w-end' at the check that finds them (the
 *   window bench/trace-drag.mjs sums a trace over).
 * Page-side source: it must not close over anything of this module.
 */
export function releaseDropScript() {
  window.__releaseDrop = ({ x, y }, { atFrameStart = true, mark = false } = {}) =>
    new Promise((resolve) => {
      const shown = () => document.querySelectorAll('[data-testid="finding"][data-rule-id^="PAPR-ISO"]').length;
      const before = shown();
      const release = () => {
        if (mark) performance.mark('w-start');
        const t0 = performance.now();
        window.dispatchEvent(new PointerEvent('pointerup', { clientX: x, clientY: y, bubbles: true }));
        let rendered = 1;
        const check = () => {
          const ch = new MessageChannel();
          ch.port1.onmessage = () => {
            if (shown() > before) {
              if (mark) performance.mark('w-end');
              resolve({ ms: performance.now() - t0, rendered, t0 });
            } else {
              rendered++;
              requestAnimationFrame(check);
            }
          };
          ch.port2.postMessage(0);
        };
        // posted from the release's frame: after its rendering; otherwise from the next frame
        if (atFrameStart) check();
        else {
          rendered = 0;
          requestAnimationFrame(() => {
            rendered = 1;
            check();
          });
        }
      };
      if (atFrameStart) requestAnimationFrame(release);
      else release();
    });
}
