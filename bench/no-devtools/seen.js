// bench only (bench/no-devtools.mjs), added to index.html before the app's script: the first
// animation frame in which the design is drawn and visible, as bench/browser.mjs's firstRender
// (demo: vPHB 2 laid out and visible, host group 1 shown) and firstRenderFullSize (all 31 vPHBs
// and 122 devices, vPHB 30 visible: React Flow keeps a node hidden until measured), reported as
// performance.now() (ms since this page's navigation start) to the bench server.
(() => {
  const design = localStorage.getItem('pcitopo:autosave:v1') ? 'full' : 'demo';
  const shown = (el) => el !== null && getComputedStyle(el.closest('.react-flow__node') ?? el).visibility !== 'hidden';
  const seen =
    design === 'demo'
      ? () => !!document.querySelector('[data-testid="controller-2"]')?.closest('.react-flow__node') && shown(document.querySelector('[data-testid="controller-2"]')) && !!document.querySelector('[data-testid="host-group-1"]')
      : () =>
          document.querySelectorAll('[data-testid^="controller-"]').length >= 31 &&
          document.querySelectorAll('[data-testid^="guest-device-"]').length === 122 &&
          shown(document.querySelector('[data-testid="controller-30"]'));
  const tick = () => {
    if (!seen()) return requestAnimationFrame(tick);
    const ms = performance.now();
    fetch('/__bench/report', { method: 'POST', body: JSON.stringify({ ms, design, width: innerWidth, height: innerHeight }) });
  };
  requestAnimationFrame(tick);
})();
