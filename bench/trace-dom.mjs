#!/usr/bin/env node
/**
 * What a drop's frame changes, for finding what it need not (a tool, not a budget): the drop of
 * bench/browser.mjs's drop-findings-31-vphb (group 2 onto vPHB 1 of the 31-vPHB design, released at
 * the start of a frame) repeated DROPS times, and for the last one, up to the end of the frame that
 * shows its findings:
 * - every DOM mutation (a MutationObserver on the document: attributes with old -> new value, text,
 *   children added/removed), named by the nearest data-testid, so a change outside the moved device,
 *   its source and target, the findings and the toolbar's undo shows up by name;
 * - every React commit, with the components that rendered in it and how many of each
 *   (e2e/reactCommits.ts recordReactCommits). Names are the source's only in a build
 *   without minification: `npx vite build --minify false` first (then build again before benchmarks).
 * Run after `npx vite build` (and `node scripts/build-cli.mjs`, which scripts/serve.mjs needs):
 *   node --import tsx bench/trace-dom.mjs [drops]
 */
import { chromium } from '@playwright/test';
import { recordReactCommits } from '../e2e/reactCommits.ts';
import { holdGroup2OverVphb1, LAUNCH, openFullSizePage, startServer } from './app-server.mjs';

const DROPS = Math.max(1, Number(process.argv[2] ?? 3));

// tsx (esbuild's keepNames) wraps the named functions inside a .ts function in __name(fn, "name"),
// which the page does not have when Playwright sends that function's source there
const KEEP_NAMES_SHIM = { content: 'globalThis.__name = (fn) => fn;' };

async function main() {
  const { url, child } = await startServer();
  const browser = await chromium.launch(LAUNCH);
  try {
    const { context, page } = await openFullSizePage(browser, url, { init: [KEEP_NAMES_SHIM, recordReactCommits] });
    let last;
    for (let i = 0; i < DROPS; i++) {
      const at = await holdGroup2OverVphb1(page);
      last = await page.evaluate(
        (at) =>
          new Promise((resolve) => {
            const testIdOf = (n) => {
              for (let e = n?.nodeType === 1 ? n : n?.parentElement; e; e = e.parentElement) {
                const id = e.getAttribute('data-testid');
                if (id) return id;
              }
              return '(no test id)';
            };
            const what = (n) => (n.nodeType === 3 ? '#text' : `${n.tagName.toLowerCase()}${typeof n.className === 'string' && n.className ? `.${n.className.split(' ')[0]}` : ''}`);
            const log = [];
            const note = (ms) => {
              for (const m of ms) {
                const where = testIdOf(m.target);
                if (m.type === 'attributes') log.push(`${where}: ${what(m.target)} @${m.attributeName} ${JSON.stringify(m.oldValue)} -> ${JSON.stringify(m.target.getAttribute(m.attributeName))}`);
                else if (m.type === 'characterData') log.push(`${where}: text ${JSON.stringify(m.oldValue)} -> ${JSON.stringify(m.target.data)}`);
                else log.push(`${where}: ${what(m.target)} +${m.addedNodes.length} -${m.removedNodes.length} children`);
              }
            };
            const mo = new MutationObserver(note);
            mo.observe(document, { subtree: true, attributes: true, attributeOldValue: true, childList: true, characterData: true, characterDataOldValue: true });
            window.__commits.commits = [];
            window.__commits.on = true;
            // the release bench/browser.mjs times (app-server.mjs releaseDropScript); it resolves in the
            // task that finds the findings, so the records taken here end with that frame
            window.__releaseDrop(at).then(({ rendered, t0 }) => {
              note(mo.takeRecords());
              mo.disconnect();
              window.__commits.on = false;
              const countsOf = (list) => list.reduce((n, r) => ({ ...n, [r.name]: (n[r.name] ?? 0) + 1 }), {});
              resolve({ frames: rendered, log, commits: window.__commits.commits.map((c) => ({ ms: c.at - t0, counts: countsOf(c.rendered) })) });
            });
          }),
        at,
      );
      await page.mouse.up();
      await page.getByTestId('undo').click();
      await page.waitForFunction(() => document.querySelectorAll('[data-testid="finding"][data-rule-id^="PAPR-ISO"]').length === 0);
    }
    console.log(`drop ${DROPS} of ${DROPS}: findings shown after ${last.frames} frame(s)`);
    console.log(`${last.log.length} DOM mutations:`);
    for (const line of last.log) console.log(`  ${line}`);
    console.log(`${last.commits.length} React commits:`);
    for (const c of last.commits) {
      const list = Object.entries(c.counts).sort((a, b) => b[1] - a[1]);
      console.log(`  at ${c.ms.toFixed(1)} ms, ${list.reduce((n, [, k]) => n + k, 0)} components: ${list.map(([n, k]) => `${n} ${k}`).join(', ')}`);
    }
    await context.close();
  } finally {
    await browser.close();
    child.kill();
  }
}

await main();
