#!/usr/bin/env node
/**
 * Where the main thread's time goes in bench/browser.mjs's drag and drop over the 31-vPHB design:
 * the same gestures under Chromium's tracing (CDP Tracing domain), summed per trace event name over
 * the measured windows (a drag frame: pointer move to the end of its frame; a drop: pointer release,
 * dispatched at the start of a frame, to the end of the frame that shows the findings). Thread time (tdur) where the trace has it, so other processes' load on
 * the machine counts less than in the wall-clock figures. A tool for finding the cost, not a budget.
 * Run after `npx vite build`: node --import tsx bench/trace-drag.mjs [drops] [frames]
 * Environment: TRACE=drop (default) or drag; TRACE_EACH=1 a row per window; TRACE_CPU=1 the sampling
 * profiler's functions; TRACE_INV=1 style and layout invalidations; TRACE_CSS='...' extra CSS added
 * before measuring (a CSS change tried without a build); TRACE_OUT=file.json the raw trace. To compare
 * two builds (a second worktree), alternate runs of each and compare the cpu and phase median lines;
 * bench/trace-dom.mjs lists what a drop's frame changes in the DOM and which components render.
 */
import { chromium } from '@playwright/test';
import { holdGroup2OverVphb1, LAUNCH, openFullSizePage, startServer } from './app-server.mjs';
import { profileSamples } from './trace-profile.mjs';

const DROPS = Number(process.argv[2] ?? 6);
const FRAMES = Number(process.argv[3] ?? 60);

async function main() {
  const { url, child } = await startServer();
  const browser = await chromium.launch(LAUNCH);
  try {
    const { context, page } = await openFullSizePage(browser, url, { contextOptions: { bypassCSP: !!process.env.TRACE_CSS } });
    // exploring: extra CSS before measuring
    if (process.env.TRACE_CSS) await page.addStyleTag({ content: process.env.TRACE_CSS });
    const cdp = await context.newCDPSession(page);
    const events = [];
    cdp.on('Tracing.dataCollected', (e) => events.push(...e.value));
    const done = new Promise((r) => cdp.once('Tracing.tracingComplete', r));

    const drop = async (warm) => {
      const at = await holdGroup2OverVphb1(page);
      // released at the start of a frame, as bench/browser.mjs's drop-findings-31-vphb (app-server.mjs
      // releaseDropScript): the window is the drop's own work and the rendering of the frames until the findings show
      const { ms } = await page.evaluate(({ at, warm }) => window.__releaseDrop(at, { mark: !warm }), { at, warm });
      await page.mouse.up();
      await page.getByTestId('undo').click();
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="finding"][data-rule-id^="PAPR-ISO"]').length === 0);
      return ms;
    };

    const frames = async (n, warm) => {
      const header = page.getByTestId('host-group-5').locator('header');
      await header.scrollIntoViewIfNeeded();
      const card = await header.boundingBox();
      const start = { x: card.x + card.width / 2, y: card.y + card.height / 2 };
      await page.mouse.move(start.x, start.y);
      await page.mouse.down();
      const work = await page.evaluate(
        ({ start, n, warm }) =>
          new Promise((resolve) => {
            const flow = document.querySelector('.flow').getBoundingClientRect();
            const pathAt = (i) => {
              const rows = 6;
              const t = (i / n) * rows;
              const row = Math.floor(t);
              const f = t - row;
              return { x: flow.left + 20 + (row % 2 ? 1 - f : f) * (flow.width - 40), y: flow.top + 20 + ((row + 0.5) / rows) * (flow.height - 40) };
            };
            const work = [];
            let i = 0;
            const frame = () => {
              const p = pathAt(i);
              if (!warm) performance.mark('w-start');
              const t0 = performance.now();
              window.dispatchEvent(new PointerEvent('pointermove', { clientX: p.x, clientY: p.y, bubbles: true }));
              const ch = new MessageChannel();
              ch.port1.onmessage = () => {
                work.push(performance.now() - t0);
                if (!warm) performance.mark('w-end');
                if (++i < n) requestAnimationFrame(frame);
                else resolve(work);
              };
              ch.port2.postMessage(0);
            };
            window.dispatchEvent(new PointerEvent('pointermove', { clientX: start.x + 12, clientY: start.y + 12, bubbles: true }));
            requestAnimationFrame(frame);
          }),
        { start, n, warm },
      );
      await page.keyboard.press('Escape');
      await page.mouse.up();
      await page.waitForFunction(() => window.__pcitopo?.getState().drag === null);
      return work;
    };

    const which = process.env.TRACE ?? 'drop';
    // warm-up
    if (which === 'drop') for (let i = 0; i < 2; i++) await drop(true);
    else await frames(FRAMES, true);
    await cdp.send('Tracing.start', {
      categories: (process.env.TRACE_CPU ? 'disabled-by-default-v8.cpu_profiler,' : '') + (process.env.TRACE_INV ? 'disabled-by-default-devtools.timeline.invalidationTracking,' : '') + 'devtools.timeline,disabled-by-default-devtools.timeline,blink.user_timing,v8.execute,toplevel,blink,cc,disabled-by-default-devtools.timeline.frame',
      transferMode: 'ReportEvents',
    });
    const wall = [];
    if (which === 'drop') for (let i = 0; i < DROPS; i++) wall.push(await drop(false));
    else wall.push(...(await frames(FRAMES, false)));
    await cdp.send('Tracing.end');
    await done;
    if (process.env.TRACE_OUT) (await import('node:fs')).writeFileSync(process.env.TRACE_OUT, JSON.stringify({ traceEvents: events }));

    // the renderer main thread: where the marks are
    const marks = events.filter((e) => e.cat.includes('blink.user_timing') && (e.name === 'w-start' || e.name === 'w-end'));
    if (!marks.length) throw new Error('no marks in the trace');
    const { pid, tid } = marks[0];
    const starts = marks.filter((e) => e.name === 'w-start').map((e) => e.ts);
    const ends = marks.filter((e) => e.name === 'w-end').map((e) => e.ts);
    const windows = starts.map((s, i) => [s, ends[i]]);
    const inWin = (e) => windows.findIndex(([a, b]) => e.ts >= a && e.ts < b);
    const per = new Map();
    const perWin = windows.map(() => new Map());
    for (const e of events) {
      if (e.pid !== pid || e.tid !== tid || e.ph !== 'X') continue;
      const w = inWin(e);
      if (w < 0) continue;
      const d = (e.tdur ?? e.dur ?? 0) / 1000;
      per.set(e.name, (per.get(e.name) ?? 0) + d);
      perWin[w].set(e.name, (perWin[w].get(e.name) ?? 0) + d);
    }
    const n = windows.length;
    // the main thread's CPU time per window: the thread time of the outermost events in it (a window
    // starts inside the frame's task, so its children there count, not the task that holds the mark)
    const own = windows.map(() => []);
    for (const e of events) {
      if (e.pid !== pid || e.tid !== tid || e.ph !== 'X') continue;
      const w = inWin(e);
      if (w >= 0) own[w].push(e);
    }
    const cpu = own.map((list) => {
      list.sort((a, b) => a.ts - b.ts || (b.dur ?? 0) - (a.dur ?? 0));
      let end = -Infinity;
      let sum = 0;
      for (const e of list) {
        if (e.ts < end) continue;
        sum += (e.tdur ?? e.dur ?? 0) / 1000;
        end = e.ts + (e.dur ?? 0);
      }
      return sum;
    });
    const sortedCpu = [...cpu].sort((a, b) => a - b);
    console.log(`main-thread cpu ms per window: median ${sortedCpu[Math.floor(n / 2)].toFixed(1)} p95 ${sortedCpu[Math.min(n - 1, Math.floor(n * 0.95))].toFixed(1)} (each: ${cpu.map((x) => x.toFixed(1)).join(' ')})`);
    // per phase, the median over the windows of its thread time, each event counted once (Paint nests:
    // the document's holds the html element's, which holds each paint layer's; the sums below count
    // every level): the figures to compare two builds by, run after run, since one slow window moves a mean
    const PHASES = ['FunctionCall', 'UpdateLayoutTree', 'Layout', 'PrePaint', 'Paint', 'Layerize', 'Commit'];
    const phaseOf = own.map((list) => {
      const out = new Map(PHASES.map((p) => [p, 0]));
      const ends = new Map();
      for (const e of list) {
        if (!out.has(e.name) || e.ts < (ends.get(e.name) ?? -Infinity)) continue;
        out.set(e.name, out.get(e.name) + (e.tdur ?? e.dur ?? 0) / 1000);
        ends.set(e.name, e.ts + (e.dur ?? 0));
      }
      return out;
    });
    const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    console.log(`phase medians (thread ms per window, outermost events): ${PHASES.map((p) => `${p}=${med(phaseOf.map((m) => m.get(p))).toFixed(1)}`).join(' ')}`);
    const sorted = [...per].sort((a, b) => b[1] - a[1]).slice(0, 28);
    console.log(`${which}: ${n} windows; wall ms: ${wall.map((x) => x.toFixed(1)).join(' ')}`);
    console.log('mean ms per window (thread time, nested events counted in each name):');
    for (const [name, ms] of sorted) console.log(`  ${(ms / n).toFixed(2).padStart(8)}  ${name}`);
    // per window, slow next to fast: the phases, a garbage collection in it (MinorGC: a scavenge), and
    // the wall time of the frame's commit to the compositor (it waits for the compositor thread)
    if (process.env.TRACE_EACH)
      perWin.forEach((m, k) =>
        console.log(
          `${wall[k].toFixed(1).padStart(5)} ms wall, ${cpu[k].toFixed(1)} cpu: ` +
            [...m]
              .filter(([name]) => ['RunTask', 'FunctionCall', 'RunMicrotasks', 'UpdateLayoutTree', 'Layout', 'PrePaint', 'Paint', 'Layerize', 'Commit', 'MinorGC', 'MajorGC'].includes(name))
              .map(([name, v]) => `${name}=${v.toFixed(1)}`)
              .join(' '),
        ),
      );
    if (process.env.TRACE_CPU) {
      // the sampling profiler's samples, in the trace's clock
      const { byId, parent, samples } = profileSamples(events, pid);
      const self = new Map();
      const total = new Map();
      let inside = 0;
      samples.forEach(([id, ts], k) => {
        if (inWin({ ts }) < 0) return;
        inside++;
        const dt = Math.min(1000, (samples[k + 1]?.[1] ?? ts + 100) - ts) / 1000;
        const nd = byId.get(id);
        const name = (x) => `${x.callFrame.functionName || '(anon)'} ${(x.callFrame.url ?? '').split('/').pop()}:${x.callFrame.lineNumber + 1}`;
        self.set(name(nd), (self.get(name(nd)) ?? 0) + dt);
        const seen = new Set();
        for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
          const nm = name(byId.get(cur));
          if (seen.has(nm)) continue;
          seen.add(nm);
          total.set(nm, (total.get(nm) ?? 0) + dt);
        }
      });
      console.log(`cpu samples in windows: ${inside}`);
      console.log('self ms per window:');
      for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`  ${(v / n).toFixed(2).padStart(7)}  ${k}`);
      console.log('total ms per window:');
      for (const [k, v] of [...total].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.TRACE_TOP ?? 60))) console.log(`  ${(v / n).toFixed(2).padStart(7)}  ${k}`);
    }
    if (process.env.TRACE_INV) {
      const inv = new Map();
      for (const e of events) {
        if (!e.name.includes('InvalidationTracking') || inWin(e) < 0) continue;
        const d = e.args?.data ?? {};
        const k = `${e.name} ${d.reason ?? d.invalidationList?.[0]?.classes ?? ''} ${d.nodeName ?? ''}`.slice(0, 160);
        inv.set(k, (inv.get(k) ?? 0) + 1);
      }
      for (const [k, c] of [...inv].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(`  ${String(Math.round(c / n)).padStart(6)}  ${k}`);
    }
    await context.close();
  } finally {
    await browser.close();
    child.kill();
  }
}

await main();
