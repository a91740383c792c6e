#!/usr/bin/env node
/**
 * Where the page's main thread spends its time opening a share link, then on one Add vPHB (issue 11's
 * review: a 7,688-device pseries link, /tmp/rev11/link-many.txt there). Chromium's trace (CDP Tracing)
 * of each step, from navigation (or the click) until the page is settled (ready, and no long task for
 * 1.5 s): every main-thread task of 50 ms or more with its thread time and where it went (exclusive
 * thread time per trace event name), the sum over all main-thread tasks, and the worker's. Thread time
 * (tdur), so the load other processes put on the machine counts less than in wall-clock figures:
 * compare two builds by alternating runs of each, in the same minute. A tool, not a budget.
 * Run after `npm run build`: node --import tsx bench/trace-link.mjs LINK-FILE [runs]
 * bench/browser.mjs (BENCH_ONLY=open-7688) runs it on a generated 7,688-device design (traceLinkRun).
 * TRACE_CPU=1 records the sampling profiler instead (CDP Profiler: the functions with the most self
 * time, and the inclusive time of a few named ones); names are the source's only in a build without
 * minification (`npx vite build --minify false`, then build again); TRACE_CPU_OUT=PREFIX also writes each
 * profile to PREFIX-<step>.cpuprofile (Chromium DevTools opens it); TRACE_OUT=PREFIX writes each trace to
 * PREFIX-<step>.json (DevTools' Performance panel loads it); TRACE_MIN_MS=N lists the tasks of N ms or more
 * (50 by default).
 */
import fs from 'node:fs';
import { chromium } from '@playwright/test';
import { fileURLToPath } from 'node:url';
import { LAUNCH, startServer } from './app-server.mjs';

const MAIN = process.argv[1] === fileURLToPath(import.meta.url);
const FILE = MAIN ? process.argv[2] : undefined;
const RUNS = Number((MAIN && process.argv[3]) || 1);
const CPU = !!process.env.TRACE_CPU;
const CATEGORIES = ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8.execute', 'blink.user_timing', 'toplevel'];
const isTask = (e) => e.name === 'RunTask' || e.name === 'ThreadControllerImpl::RunTask';

/**
 * The trace's main-thread long tasks, each with its exclusive thread time per event name (ms), printed
 * unless `quiet`. Returns `{ cpu, tasks, longestWall, longestCpu }`: the thread time of all main-thread
 * tasks, their count, the longest task's duration (wall, what a user sees as frozen) and the most thread
 * time one task took (ms).
 */
function analyseTrace(label, text, quiet = false) {
  const events = JSON.parse(text).traceEvents;
  const threads = new Map();
  for (const e of events) if (e.name === 'thread_name') threads.set(`${e.pid}:${e.tid}`, e.args.name);
  const busy = new Map();
  for (const e of events) {
    const t = `${e.pid}:${e.tid}`;
    if (e.ph === 'X' && threads.get(t) === 'CrRendererMain') busy.set(t, (busy.get(t) ?? 0) + (e.dur ?? 0));
  }
  // the page's renderer: the busiest main thread
  const main = [...busy].sort((a, b) => b[1] - a[1])[0][0];
  const xs = events.filter((e) => e.ph === 'X' && `${e.pid}:${e.tid}` === main).sort((a, b) => a.ts - b.ts || b.dur - a.dur);
  const rows = [];
  const sums = new Map();
  let all = 0;
  let count = 0;
  let end = -1;
  let longestWall = 0;
  let longestCpu = 0;
  for (const t of xs.filter(isTask)) {
    // RunTask nests ThreadControllerImpl::RunTask: the outer one only
    if (t.ts < end) continue;
    end = t.ts + t.dur;
    all += (t.tdur ?? t.dur) / 1000;
    count++;
    longestWall = Math.max(longestWall, t.dur / 1000);
    longestCpu = Math.max(longestCpu, (t.tdur ?? t.dur) / 1000);
    if (t.dur < Number(process.env.TRACE_MIN_MS ?? 50) * 1000) continue;
    const self = new Map();
    const stack = [];
    for (const e of xs) {
      if (e === t || isTask(e) || e.ts < t.ts || e.ts >= end) continue;
      while (stack.length && stack[stack.length - 1].ts + stack[stack.length - 1].dur <= e.ts) stack.pop();
      const d = (e.tdur ?? e.dur) / 1000;
      self.set(e, (self.get(e) ?? 0) + d);
      if (stack.length) self.set(stack[stack.length - 1], (self.get(stack[stack.length - 1]) ?? 0) - d);
      stack.push(e);
    }
    const by = new Map();
    for (const [e, d] of self) by.set(e.name, (by.get(e.name) ?? 0) + d);
    for (const [k, d] of by) sums.set(k, (sums.get(k) ?? 0) + d);
    rows.push({ wall: t.dur / 1000, cpu: (t.tdur ?? t.dur) / 1000, by });
  }
  const list = (m) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .filter(([, v]) => v >= 5)
      .map(([k, v]) => `${k} ${v.toFixed(0)}`)
      .join(', ');
  const longCpu = rows.reduce((a, r) => a + r.cpu, 0);
  const result = { cpu: all, tasks: count, longestWall, longestCpu };
  if (quiet) return result;
  console.log(`${label}: main thread ${count} tasks, cpu ${all.toFixed(0)} ms; ${rows.length} tasks >= ${Number(process.env.TRACE_MIN_MS ?? 50)} ms, wall ${rows.reduce((a, r) => a + r.wall, 0).toFixed(0)} ms, cpu ${longCpu.toFixed(0)} ms: ${list(sums)}`);
  for (const r of rows) console.log(`  task wall ${r.wall.toFixed(0)} cpu ${r.cpu.toFixed(0)}: ${list(r.by)}`);
  return result;
}

const GROUPS = ['openLinkedWorkspace', 'readDomain', 'designChecksum', 'renderRootSync', 'commitRoot', 'Chip', 'TileBody', 'busSummary', 'checkIfSnapshotChanged', 'evaluate', 'measure', 'autosaveText'];

/** A CPU profile's busy time, its functions with the most self time and the inclusive time of GROUPS (ms). */
function analyseProfile(label, profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const name = (n) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber + 1}`;
  const self = new Map();
  const total = new Map();
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const dt = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    const fn = byId.get(id).callFrame.functionName;
    if (fn !== '(idle)' && fn !== '(program)') busy += dt;
    self.set(name(byId.get(id)), (self.get(name(byId.get(id))) ?? 0) + dt);
    const seen = new Set();
    for (let x = id; x !== undefined; x = parent.get(x)) {
      const f = byId.get(x).callFrame.functionName;
      if (!seen.has(f)) total.set(f, (total.get(f) ?? 0) + dt);
      seen.add(f);
    }
  });
  console.log(`${label}: JS and GC ${busy.toFixed(0)} ms (profiled); inclusive: ${GROUPS.map((g) => `${g} ${(total.get(g) ?? 0).toFixed(0)}`).join(', ')}`);
  for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`  ${v.toFixed(0).padStart(6)}  ${k}`);
}

/**
 * One run: opens `linkText` (a share link; its origin is replaced by `url`, the served app's) in a new
 * context, traced until settled, then one zoom in (the + button), one Add vPHB and one drag, each traced until
 * settled. Returns `{ open, zoom, addPhb, drag }`, each analyseTrace's result (the drag's with `what`: how
 * many targets were judged); prints the analyses unless `quiet` (CPU profiles instead under TRACE_CPU).
 */
export async function traceLinkRun(browser, url, linkText, quiet = false) {
  const link = linkText.trim().replace(/^https?:\/\/[^/#]+\/?/, url);
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.addInitScript(() => {
    window.__longTasks = 0;
    new PerformanceObserver((l) => (window.__longTasks += l.getEntries().length)).observe({ type: 'longtask', buffered: true });
  });
  const cdp = await context.newCDPSession(page);
  // settled: ready, and no long task for 1.5 s (the checks, the catalog and the autosave come after ready)
  const settled = async () => {
    let n = -1;
    let since = Date.now();
    while (Date.now() - since < 1500) {
      // checked too: the worker's answer to a big design can come after 1.5 s without a long task
      const [k, ready, checking] = await page.evaluate(() => [window.__longTasks, document.documentElement.dataset.ready, !!document.querySelector('[data-testid="finding"][data-rule-id="CHECKING"]')]);
      if (k !== n || ready !== 'true' || checking) {
        n = k;
        since = Date.now();
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const start = async () => {
    if (CPU) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
      await cdp.send('Profiler.start');
    } else await browser.startTracing(page, { categories: CATEGORIES });
  };
  const stop = async (label) => {
    if (CPU) {
      const { profile } = await cdp.send('Profiler.stop');
      if (process.env.TRACE_CPU_OUT) fs.writeFileSync(`${process.env.TRACE_CPU_OUT}-${label.split(' ')[0]}${label.split(' ')[1]}.cpuprofile`, JSON.stringify(profile));
      return analyseProfile(label, profile);
    }
    const text = (await browser.stopTracing()).toString();
    if (process.env.TRACE_OUT) fs.writeFileSync(`${process.env.TRACE_OUT}-${label.split(' ')[0]}${label.split(' ')[1]}.json`, text);
    return analyseTrace(label, text, quiet);
  };
  await start();
  let t = Date.now();
  // the link's text is no error message: it would flood the output
  await page.goto(link).catch((e) => {
    throw new Error(`the link did not open: ${String(e.message).slice(0, 80)}`);
  });
  await settled();
  const open = await stop(`open link (settled ${Date.now() - t} ms after navigation, ${await page.locator('[data-testid^="guest-device-"]').count()} devices)`);
  // one zoom step from the fitted view (the + button: an animated zoom, then the tiles laid out for where it rests)
  await start();
  await page.getByTestId('zoom-in').click();
  await settled();
  const zoom = await stop('zoom in');
  const before = await page.locator('[data-testid^="controller-"]').count();
  await start();
  t = Date.now();
  await page.getByTestId('add-phb').click();
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid^="controller-"]').length > n, before, { timeout: 60000 });
  const shown = Date.now() - t;
  await settled();
  const addPhb = await stop(`add vPHB (new tile shown ${shown} ms after the click)`);
  // after Add vPHB: the designs' buses are full, the new vPHB is the drag's one bus to judge
  await start();
  const dragged = await dragRun(page);
  await settled();
  const drag = await stop(`drag (${dragged})`);
  await context.close();
  return { open, zoom, drag: { ...drag, what: dragged }, addPhb };
}

/** How long a drag waits for every target's verdict before it is let go (its figures then say how many were judged). */
const DRAG_JUDGED_MS = 60000;

/**
 * One drag of a guest device chip on screen across five bus tiles on screen and the newest one (each
 * judged as the pointer enters it), held until every target of the drag has its verdict (or
 * DRAG_JUDGED_MS), then cancelled with Escape: what judging a drag's targets costs the main thread.
 * The pointer events are dispatched to the chip and the window (dnd.ts follows them there): at the
 * zoom a big design opens at, a chip is a few pixels under its tile's hit area, and a zoom animation
 * would move it under a real pointer. Returns what was judged, in words.
 */
async function dragRun(page) {
  const crossed = await page.evaluate(() => {
    const canvas = document.querySelector('.canvas')?.getBoundingClientRect();
    const inView = (r) => canvas && r.width > 0 && r.top >= canvas.top && r.left >= canvas.left && r.bottom <= canvas.bottom && r.right <= canvas.right;
    const mid = (r) => ({ clientX: r.left + r.width / 2, clientY: r.top + Math.min(10, r.height / 2) });
    const chip = [...document.querySelectorAll('.canvas [data-testid^="guest-device-"]')].find((e) => inView(e.getBoundingClientRect()));
    if (!chip) return -1;
    // the bus tiles on screen, the newest (highest index: the vPHB just added) last
    const index = (e) => Number(e.getAttribute('data-testid').slice('controller-'.length));
    const shown = [...document.querySelectorAll('.canvas [data-testid^="controller-"]')].filter((e) => inView(e.getBoundingClientRect())).sort((a, b) => index(a) - index(b));
    const at = mid(chip.getBoundingClientRect());
    const ev = (type, p) => new PointerEvent(type, { bubbles: true, cancelable: true, button: 0, buttons: 1, pointerId: 1, isPrimary: true, ...p });
    chip.dispatchEvent(ev('pointerdown', at));
    window.dispatchEvent(ev('pointermove', { clientX: at.clientX + 12, clientY: at.clientY + 12 }));
    const tiles = [...shown.slice(1, 6), ...shown.slice(-1)];
    for (const t of tiles) window.dispatchEvent(ev('pointermove', mid(t.getBoundingClientRect())));
    return tiles.length;
  });
  if (crossed < 0) throw new Error('no guest device chip on screen to drag');
  const t0 = Date.now();
  await page.waitForFunction(() => window.__pcitopo?.getState().drag?.pending.length === 0, null, { timeout: DRAG_JUDGED_MS, polling: 250 }).catch(() => {});
  const ms = Date.now() - t0;
  const [judged, targets] = await page.evaluate(() => {
    const d = window.__pcitopo?.getState().drag;
    return d ? [d.verdicts.size, d.targets.size] : [0, 0];
  });
  await page.keyboard.press('Escape');
  await page.evaluate(() => window.dispatchEvent(new PointerEvent('pointerup', { bubbles: true, button: 0 })));
  return `${judged} of ${targets} targets judged, the last ${ms} ms after the pointer crossed ${crossed} buses`;
}

async function main() {
  if (!FILE) throw new Error('usage: node --import tsx bench/trace-link.mjs LINK-FILE [runs]');
  const { url, child } = await startServer();
  const browser = await chromium.launch(LAUNCH);
  try {
    const text = fs.readFileSync(FILE, 'utf8');
    for (let i = 0; i < RUNS; i++) await traceLinkRun(browser, url, text);
  } finally {
    await browser.close();
    child.kill();
  }
}

if (MAIN) await main();
