// What the Chromium benchmarks share (bench/browser.mjs, bench/trace-drag.mjs): the browser they
// launch and the built app served as `npm start` serves it (scripts/serve.mjs, its headers included).
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
