// bench only (bench/no-devtools.mjs): the app opens as Playwright's runs open it: the demo with
// nothing saved, the full-size design as the autosaved design (bench/browser.mjs openFullSize).
(async () => {
  const design = new URLSearchParams(location.search).get('design');
  localStorage.clear();
  if (design === 'full') localStorage.setItem('pcitopo:autosave:v1', await (await fetch('/__bench/save.json')).text());
  location.replace('/');
})();
