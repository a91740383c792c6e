#!/usr/bin/env node
/**
 * Where the page's main thread spends its time from navigation to the first render that
 * bench/browser.mjs times (the demo's first render, or the 31-vPHB design's), from Chromium's trace.
 * By default the run is the budget's own (bench/no-devtools.mjs: Chromium spawned with no DevTools
 * attached, a fresh profile, the page reporting its first render), traced by Chromium itself
 * (--trace-startup, written to a file): DevTools changes what it measures (V8 collects source
 * positions for the main chunk, ~100 ms). TRACE_DEVTOOLS=1 traces through Playwright instead, as
 * bench/browser.mjs's *-devtools figures run. Thread time (tdur) where the trace has it, so the load
 * other processes put on the machine counts less than in wall-clock figures: compare two builds back
 * to back in the same minute and say the load. A tool for finding the cost, not a budget.
 * Run after `npx vite build && node scripts/build-cli.mjs`:
 *   node --import tsx bench/trace-boot.mjs [demo|31] [runs]
 * Prints, as medians over the runs (ms of main-thread CPU before the first render):
 *   the phases (script parse/compile, module evaluation, the tasks after it, style/layout/paint) and
 *   the longest tasks; TRACE_NAMES=1 adds the sums per trace event name, TRACE_CPU=1 the functions
 *   that took the most (sampling profiler), TRACE_OUT=file writes the last run's trace.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from '@playwright/test';
import { fullSizeSave, LAUNCH, startServer } from './app-server.mjs';
import { firstRenderRun, startBenchServer } from './no-devtools.mjs';
import { firstFrameScript } from './seen.mjs';
import { profileSamples } from './trace-profile.mjs';

const WHICH = process.argv[2] ?? '31';
const RUNS = Number(process.argv[3] ?? 5);
const VIEWPORT = { width: 1440, height: 900 };

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
};

/** The first-render test of bench/browser.mjs (bench/seen.mjs, same conditions), marking the frame in the trace. */
function seenScript(which) {
  return firstFrameScript(which === 'demo' ? 'demo' : 'full', "performance.mark('pcitopo-first-render'); console.log(`pcitopo-first-render ${ms}`);");
}

const PHASES = {
  'parse/compile': ['v8.compile', 'v8.compileModule', 'V8.CompileCode', 'v8.parseOnBackground', 'V8.ScriptCompiler'],
  'module evaluation': ['v8.evaluateModule'],
  'style/layout': ['UpdateLayoutTree', 'Layout', 'RecalculateStyles'],
  paint: ['Paint', 'PrePaint', 'Layerize', 'Commit'],
  gc: ['MinorGC', 'MajorGC', 'V8.GC_SCAVENGER', 'BlinkGC.AtomicPhase'],
};

const categories = (cpu) => [
  ...(process.env.TRACE_LIGHT ? [] : ['devtools.timeline', 'disabled-by-default-devtools.timeline']),
  'blink.user_timing',
  'v8.execute',
  'v8',
  'toplevel',
  'loading',
  ...(process.env.TRACE_COMPILE ? ['disabled-by-default-v8.compile', 'disabled-by-default-v8.runtime_stats'] : []),
  ...(cpu ? ['disabled-by-default-v8.cpu_profiler'] : []),
];

/** One traced first render through Playwright (DevTools attached): the trace's JSON text and the page's time. */
async function recordDevtools(browser, url, cpu) {
  const context = await browser.newContext({ viewport: VIEWPORT });
  const page = await context.newPage();
  if (WHICH === 'demo') await page.addInitScript(() => localStorage.clear());
  else {
    await page.addInitScript(
      ({ save }) => {
        localStorage.clear();
        localStorage.setItem('pcitopo:autosave:v1', save);
      },
      { save: fullSizeSave() },
    );
  }
  await page.addInitScript(seenScript(WHICH));
  const reported = page.waitForEvent('console', { predicate: (m) => m.text().startsWith('pcitopo-first-render '), timeout: 60000 });
  await browser.startTracing(page, { categories: categories(cpu) });
  await page.goto(url);
  const wall = Number((await reported).text().split(' ')[1]);
  const buf = await browser.stopTracing();
  await context.close();
  return { text: buf.toString(), wall };
}

/** Seconds Chromium traces from its start: the first render must fall inside (a loaded machine takes a few). */
const TRACE_SECONDS = 6;

/**
 * One traced first render as bench/browser.mjs times it (no DevTools): Chromium traces its own
 * start into a file (--trace-startup), written once TRACE_SECONDS have passed; the run waits for
 * the file before Chromium is closed. Returns the trace's JSON text and the page's time.
 */
async function recordNoDevtools(bench, cpu) {
  const file = path.join(os.tmpdir(), `pcitopo-trace-boot-${process.pid}.json`);
  fs.rmSync(file, { force: true });
  const args = [...LAUNCH.args, `--trace-startup=${categories(cpu).join(',')}`, `--trace-startup-file=${file}`, `--trace-startup-duration=${TRACE_SECONDS}`, '--trace-startup-format=json'];
  let text = '';
  const written = async () => {
    for (let i = 0; i < 10 * (TRACE_SECONDS + 30); i++) {
      try {
        const t = fs.readFileSync(file, 'utf8');
        JSON.parse(t);
        text = t;
        return;
      } catch {
        // not there or not complete yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`Chromium wrote no complete trace to ${file}`);
  };
  const r = await firstRenderRun(bench, WHICH === 'demo' ? 'demo' : 'full', VIEWPORT, args, written);
  fs.rmSync(file, { force: true });
  return { text, wall: r.ms };
}

function analyse({ text, wall }, cpu) {
  const events = JSON.parse(text).traceEvents;
  if (process.env.TRACE_OUT) fs.writeFileSync(process.env.TRACE_OUT, text);
  const mark = events.find((e) => e.name === 'pcitopo-first-render' && e.cat.includes('blink.user_timing'));
  if (!mark) throw new Error(`no first-render mark in the trace (it covers ${TRACE_SECONDS} s from Chromium's start)`);
  const { pid, tid } = mark;
  const end = mark.ts;
  // the app's navigation: the last one of that renderer before the first render (the bench page comes first)
  const nav = Math.max(...events.filter((e) => e.name === 'navigationStart' && e.pid === pid && e.ts < end).map((e) => e.ts));
  const mine = events.filter((e) => e.pid === pid && e.tid === tid && e.ph === 'X' && e.ts >= nav && e.ts < end);
  const ms = (e) => (e.tdur ?? e.dur ?? 0) / 1000;
  const byName = new Map();
  for (const e of mine) byName.set(e.name, (byName.get(e.name) ?? 0) + ms(e));
  // top-level tasks: not inside another X event of this thread
  const tops = [];
  let until = -1;
  for (const e of [...mine].sort((a, b) => a.ts - b.ts)) {
    if (e.ts < until) continue;
    tops.push(e);
    until = e.ts + (e.dur ?? 0);
  }
  const taskMs = tops.reduce((s, e) => s + ms(e), 0);
  const long = tops
    .filter((e) => ms(e) >= 8)
    .map((e) => {
      const inside = mine.filter((x) => x !== e && x.ts >= e.ts && x.ts < e.ts + e.dur);
      const kinds = new Map();
      for (const x of inside) if (['FunctionCall', 'v8.evaluateModule', 'v8.compile', 'v8.compileModule', 'TimerFire', 'FireAnimationFrame', 'Layout', 'UpdateLayoutTree', 'Paint', 'EventDispatch', 'ParseHTML', 'MajorGC', 'MinorGC'].includes(x.name)) kinds.set(x.name, (kinds.get(x.name) ?? 0) + ms(x));
      const what = [...kinds].sort((a, b) => b[1] - a[1]).slice(0, 4).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ');
      return { at: (e.ts - tops[0].ts) / 1000, ms: ms(e), what };
    });
  const phases = {};
  for (const [p, names] of Object.entries(PHASES)) phases[p] = names.reduce((s, n) => s + (byName.get(n) ?? 0), 0);
  // off the main thread but before the first render: the script's streaming parse, and the checking worker
  const threadNames = new Map(events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.pid === pid).map((e) => [e.tid, e.args.name]));
  const before = events.filter((e) => e.pid === pid && e.tid !== tid && e.ph === 'X' && e.ts >= nav && e.ts < end);
  phases['parse off-thread'] = before.filter((e) => e.name === 'v8.parseOnBackground').reduce((s, e) => s + ms(e), 0);
  const workerTops = [];
  let wUntil = -1;
  for (const e of before.filter((x) => /Worker/.test(threadNames.get(x.tid) ?? '') && /DedicatedWorker/.test(threadNames.get(x.tid) ?? '')).sort((a, b) => a.ts - b.ts)) {
    if (e.ts < wUntil) continue;
    workerTops.push(e);
    wUntil = e.ts + (e.dur ?? 0);
  }
  phases['check worker'] = workerTops.reduce((s, e) => s + ms(e), 0);
  let cpuTop = null;
  if (cpu) {
    // the main thread's profile only: a worker's profile (the check worker) has its own clock
    const profile = events.find((e) => e.name === 'Profile' && e.pid === pid && e.tid === tid)?.id;
    const { byId, parent, samples } = profileSamples(
      events.filter((e) => (e.name !== 'Profile' && e.name !== 'ProfileChunk') || e.id === profile),
      pid,
    );
    const total = new Map();
    const self = new Map();
    const name = (x) => `${x.callFrame.functionName || '(anon)'} ${(x.callFrame.url ?? '').split('/').pop()}:${x.callFrame.lineNumber + 1}:${x.callFrame.columnNumber + 1}`;
    samples.forEach(([id, ts], k) => {
      if (ts > end || ts < nav) return;
      const dt = Math.min(1000, (samples[k + 1]?.[1] ?? ts + 100) - ts) / 1000;
      const nd = byId.get(id);
      if (!nd) return;
      self.set(name(nd), (self.get(name(nd)) ?? 0) + dt);
      const seen = new Set();
      for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
        const n = byId.get(cur);
        if (!n) break;
        const nm = name(n);
        if (seen.has(nm)) continue;
        seen.add(nm);
        total.set(nm, (total.get(nm) ?? 0) + dt);
      }
    });
    cpuTop = { self, total };
  }
  return { wall, taskMs, phases, long, byName, cpuTop };
}

async function main() {
  const { url, child } = await startServer();
  const cpu = !!process.env.TRACE_CPU;
  const devtools = !!process.env.TRACE_DEVTOOLS;
  const browser = devtools ? await chromium.launch(LAUNCH) : null;
  const bench = devtools ? null : await startBenchServer(url, fullSizeSave());
  try {
    // untraced: the bench learns the headless window's frame (a run with another viewport is run again)
    if (bench) await firstRenderRun(bench, WHICH === 'demo' ? 'demo' : 'full', VIEWPORT, LAUNCH.args);
    const runs = [];
    for (let i = 0; i < RUNS; i++) runs.push(analyse(browser ? await recordDevtools(browser, url, cpu) : await recordNoDevtools(bench, cpu), cpu));
    console.log(`first render of ${WHICH === 'demo' ? 'the demo' : 'the 31-vPHB design'}: ${RUNS} runs, medians, ${devtools ? 'DevTools attached (Playwright)' : 'no DevTools'}`);
    console.log(`  wall to first render   ${median(runs.map((r) => r.wall)).toFixed(1)} ms`);
    console.log(`  main-thread CPU (tasks) ${median(runs.map((r) => r.taskMs)).toFixed(1)} ms`);
    for (const p of Object.keys(runs[0].phases)) console.log(`    ${p.padEnd(20)} ${median(runs.map((r) => r.phases[p])).toFixed(1)} ms`);
    const last = runs[runs.length - 1];
    console.log('  tasks of 8 ms or more (last run): start ms, CPU ms, what');
    for (const t of last.long) console.log(`    ${t.at.toFixed(0).padStart(6)} ${t.ms.toFixed(1).padStart(7)}  ${t.what}`);
    if (process.env.TRACE_NAMES) {
      const names = new Map();
      for (const r of runs) for (const [k] of r.byName) names.set(k, median(runs.map((x) => x.byName.get(k) ?? 0)));
      for (const [k, v] of [...names].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(`    ${v.toFixed(1).padStart(7)}  ${k}`);
    }
    if (last.cpuTop) {
      console.log('  self ms (last run):');
      for (const [k, v] of [...last.cpuTop.self].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(`    ${v.toFixed(1).padStart(7)}  ${k}`);
      console.log('  total ms (last run):');
      for (const [k, v] of [...last.cpuTop.total].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.TRACE_TOP ?? 60))) console.log(`    ${v.toFixed(1).padStart(7)}  ${k}`);
    }
  } finally {
    await browser?.close();
    await bench?.close();
    child.kill();
  }
}

await main();
