// First render as a user's browser pays it: no DevTools attached. Playwright always attaches over
// CDP, and with the inspector attached V8 re-reads the main chunk for source positions whenever
// React DOM creates an Error while loading (V8.CollectSourcePositions, ~100-180 ms in a trace),
// which no user pays. Here Chromium is spawned directly (headless, no remote debugging, a fresh
// temporary profile per run) and the page reports its own timing to a bench-only server in front
// of scripts/serve.mjs: it serves /__bench/ (the opening page, the script that watches for the
// first render, the design to open) and adds that script to index.html; every other request goes
// to the app server unchanged, its headers (CSP) included.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { firstFrameScript, pickedDesign } from './seen.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/**
 * Starts the bench server in front of `appUrl` (scripts/serve.mjs). `save` is the autosave record
 * (JSON text) the full-size run opens. Returns `{ url, nextReport(), close() }`: nextReport()
 * resolves with the next `{ ms, width, height, design }` a page posts to /__bench/report.
 */
export async function startBenchServer(appUrl, save) {
  const app = new URL(appUrl);
  const files = {
    '/__bench/open.html': ['text/html', fs.readFileSync(path.join(HERE, 'no-devtools/open.html'))],
    '/__bench/open.js': ['text/javascript', fs.readFileSync(path.join(HERE, 'no-devtools/open.js'))],
    // the first frame the design is seen (bench/seen.mjs, the definition every first-render bench uses), posted here
    // the mark (after the time is read) lets a trace of the run find that frame (bench/trace-boot.mjs)
    '/__bench/seen.js': ['text/javascript', Buffer.from(`{\nconst design = ${pickedDesign};\n${firstFrameScript('design', "performance.mark('pcitopo-first-render'); fetch('/__bench/report', { method: 'POST', body: JSON.stringify({ ms, design, width: innerWidth, height: innerHeight }) });")}\n}`)],
    '/__bench/save.json': ['application/json', Buffer.from(save)],
  };
  const waiting = [];
  const reports = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/__bench/report' && req.method === 'POST') {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        res.writeHead(204).end();
        const r = JSON.parse(body);
        const w = waiting.shift();
        if (w) w(r);
        else reports.push(r);
      });
      return;
    }
    const file = files[url.pathname];
    if (file) {
      res.writeHead(200, { 'content-type': file[0], 'cache-control': 'no-store' }).end(file[1]);
      return;
    }
    const upstream = http.request({ host: app.hostname, port: app.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
      const isIndex = req.method === 'GET' && (url.pathname === '/' || url.pathname === '/index.html') && /text\/html/.test(up.headers['content-type'] ?? '');
      if (!isIndex) {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
        return;
      }
      const chunks = [];
      up.on('data', (c) => chunks.push(c));
      up.on('end', () => {
        // a classic script before the app's module: it runs first, as Playwright's init script did
        const html = Buffer.concat(chunks).toString('utf8').replace('</head>', '<script src="/__bench/seen.js"></script></head>');
        const headers = { ...up.headers, 'content-length': String(Buffer.byteLength(html)) };
        delete headers.etag;
        res.writeHead(up.statusCode ?? 200, headers).end(html);
      });
    });
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${server.address().port}/`;
  return {
    url,
    nextReport: (timeoutMs = 60000) =>
      new Promise((resolve, reject) => {
        const r = reports.shift();
        if (r) return resolve(r);
        const t = setTimeout(() => reject(new Error(`no first render reported within ${timeoutMs / 1000} s`)), timeoutMs);
        waiting.push((x) => {
          clearTimeout(t);
          resolve(x);
        });
      }),
    close: () => new Promise((r) => server.close(r)),
  };
}

/**
 * The switches Playwright gives Chromium besides CDP's (playwright-core's chromiumSwitches and its
 * headless ones), so the two runs differ only in DevTools: without them a headless window counts as
 * backgrounded (its renderer runs at low priority, timers are throttled) and a same-origin
 * navigation holds the old page's paint (PaintHolding).
 */
const PLAYWRIGHT_SWITCHES = [
  '--disable-field-trial-config',
  '--disable-background-timer-throttling',
  '--disable-backgrounding-occluded-windows',
  '--disable-renderer-backgrounding',
  '--disable-back-forward-cache',
  '--disable-breakpad',
  '--disable-component-extensions-with-background-pages',
  '--disable-default-apps',
  '--disable-dev-shm-usage',
  '--disable-extensions',
  '--disable-features=PaintHolding,OptimizationHints,MediaRouter,LensOverlay,HttpsUpgrades,ThirdPartyStoragePartitioning',
  '--allow-pre-commit-input',
  '--disable-hang-monitor',
  '--disable-ipc-flooding-protection',
  '--disable-popup-blocking',
  '--force-color-profile=srgb',
  '--metrics-recording-only',
  '--password-store=basic',
  '--use-mock-keychain',
  '--no-service-autorun',
  '--hide-scrollbars',
  '--mute-audio',
];

// headless Chromium keeps room for a window frame it does not draw (143 px of height in 156): the
// first run learns it and the window is that much larger than the viewport
const frame = { width: 0, height: 0 };

/**
 * One run: a fresh Chromium (headless, the viewport's window size, a temporary profile, no remote
 * debugging) opens /__bench/open.html?design=demo|full, which prepares localStorage and navigates
 * to the app; resolves with the report (ms from the app's navigation start), then kills Chromium
 * and removes the profile. A run whose viewport was not the one
 * asked for is run again with the window resized; throws when that one is not either.
 * `beforeClose` (optional) is awaited after the report, before Chromium is killed (a startup trace
 * being written, bench/trace-boot.mjs).
 */
export async function firstRenderRun(bench, design, viewport, args, beforeClose) {
  const r = await oneRun(bench, design, viewport, args, beforeClose);
  if (r.width === viewport.width && r.height === viewport.height) return r;
  frame.width += viewport.width - r.width;
  frame.height += viewport.height - r.height;
  const again = await oneRun(bench, design, viewport, args, beforeClose);
  if (again.width !== viewport.width || again.height !== viewport.height) throw new Error(`viewport ${again.width}x${again.height}, expected ${viewport.width}x${viewport.height}`);
  return again;
}

async function oneRun(bench, design, viewport, args, beforeClose) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pcitopo-bench-'));
  const child = spawn(
    '/usr/bin/chromium',
    [...PLAYWRIGHT_SWITCHES, ...args, '--headless=new', `--user-data-dir=${dir}`, `--window-size=${viewport.width + frame.width},${viewport.height + frame.height}`, '--no-default-browser-check', `${bench.url}__bench/open.html?design=${design}`],
    // its own process group, so the renderer and GPU processes go with it
    { stdio: ['ignore', 'ignore', 'ignore'], detached: true },
  );
  try {
    const exited = new Promise((_, reject) => child.once('exit', (code) => reject(new Error(`chromium exited (${code}) before reporting`))));
    const r = await Promise.race([bench.nextReport(), exited]);
    if (r.design !== design) throw new Error(`asked for the ${design} design, the page saw ${r.design}`);
    await beforeClose?.();
    return r;
  } finally {
    await new Promise((r) => {
      if (child.exitCode !== null) return r();
      child.once('exit', r);
      process.kill(-child.pid, 'SIGTERM');
    });
    // the browser's other processes may still be closing the profile's files
    fs.rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  }
}
