// What the Chromium benchmarks share (bench/browser.mjs, bench/trace-drag.mjs): the browser they
// launch, the built app served as `npm start` serves it (scripts/serve.mjs, its headers included),
// and the drop gesture they time.
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

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
