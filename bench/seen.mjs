/**
 * When a first render counts as seen: the one definition bench/browser.mjs (under Playwright),
 * bench/trace-boot.mjs (under tracing) and bench/no-devtools.mjs (no DevTools attached) all time.
 * Each runs it inside the page, where nothing of this module exists: it is handed over as script
 * text (Playwright's addInitScript, a served script), so the conditions are written as source here
 * once and every page script is built from them.
 *   demo: vPHB 2 laid out and visible, host group 1 shown;
 *   full: the 31-vPHB design (e2e/fixtures/designs.ts largePseries): all 31 vPHBs and 122 devices in
 *         the DOM and vPHB 30 visible (React Flow keeps a node `visibility: hidden` until it has
 *         measured it).
 */

/** `shown(el)`: el is drawn, not hidden by React Flow until measured. Page-side source. */
const SHOWN = "(el) => el !== null && el !== undefined && getComputedStyle(el.closest('.react-flow__node') ?? el).visibility !== 'hidden'";

const CONDITIONS = {
  demo: "!!document.querySelector('[data-testid=\"controller-2\"]')?.closest('.react-flow__node') && shown(document.querySelector('[data-testid=\"controller-2\"]')) && !!document.querySelector('[data-testid=\"host-group-1\"]')",
  full: "document.querySelectorAll('[data-testid^=\"controller-\"]').length >= 31 && document.querySelectorAll('[data-testid^=\"guest-device-\"]').length === 122 && shown(document.querySelector('[data-testid=\"controller-30\"]'))",
};

/**
 * Source of a page-side expression `() => boolean` that is true once `design` ('demo' | 'full') is
 * seen. Throws on another design name.
 */
export function seenSource(design) {
  const cond = CONDITIONS[design];
  if (!cond) throw new Error(`no first-render condition for design "${design}"`);
  return `(() => { const shown = ${SHOWN}; return () => ${cond}; })()`;
}

/**
 * A page script (text) that checks `seenSource(design)` every animation frame from the start and,
 * in the first frame it holds, runs `report` (page-side statements; `ms` holds performance.now()).
 * `design` may also be page-side source choosing the design at run time (see {@link pickedDesign}).
 */
export function firstFrameScript(design, report) {
  const seen = design in CONDITIONS ? seenSource(design) : `({ demo: ${seenSource('demo')}, full: ${seenSource('full')} })[${design}]`;
  return `(() => {
  const seen = ${seen};
  const tick = () => {
    if (!seen()) return requestAnimationFrame(tick);
    const ms = performance.now();
    ${report}
  };
  requestAnimationFrame(tick);
})();`;
}

/** Page-side source naming the design the page opens: 'full' when an autosaved design is there (the bench's), else the demo. */
export const pickedDesign = "(localStorage.getItem('pcitopo:autosave:v1') ? 'full' : 'demo')";
