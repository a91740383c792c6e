import { expect, test } from '@playwright/test';
import { largePseries } from './fixtures/designs.ts';
import { center, drag, loadDesign, openApp } from './helpers.ts';

/**
 * What a drop renders (DESIGN.md §7: a drop shows its findings within one frame): the components
 * React renders for the drop of a host group on a vPHB of the 31-vPHB design, read through the hook
 * React DevTools use (as bench/trace-dom.mjs does). Component names are minified in the build, so
 * each rendered component is named by the element it returns (React Flow's own: div.react-flow).
 */

declare global {
  interface Window {
    __drawn?: { on: boolean; classes: string[] };
  }
}

/**
 * Installed before the app loads: the class of the element each component returns itself, for every
 * component rendered from the moment the census is turned on to the commit that shows PAPR
 * isolation findings (the drop's).
 */
function census(): void {
  let before = new Set<unknown>();
  const drawn = { on: false, classes: [] as string[] };
  window.__drawn = drawn;
  interface Fiber {
    type: unknown;
    flags: number;
    child: Fiber | null;
    sibling: Fiber | null;
    stateNode: unknown;
  }
  // the element a component itself returns (not one of a component it renders)
  const ownElement = (f: Fiber): string => (f.child && typeof f.child.type === 'string' ? ((f.child.stateNode as Element).getAttribute('class') ?? f.child.type) : '');
  (window as unknown as { __REACT_DEVTOOLS_GLOBAL_HOOK__: unknown }).__REACT_DEVTOOLS_GLOBAL_HOOK__ = {
    supportsFiber: true,
    renderers: new Map(),
    inject: () => 1,
    onScheduleFiberRoot() {},
    onCommitFiberUnmount() {},
    onPostCommitFiberRoot() {},
    onCommitFiberRoot(_id: number, root: { current: Fiber }) {
      // every commit is walked, so "new since the last commit" holds whenever the census is on
      const seen = new Set<unknown>();
      const walk = (first: Fiber | null) => {
        for (let f = first; f; f = f.sibling) {
          seen.add(f);
          // a component (not an element) that did work (React's PerformedWork flag, as DevTools' didFiberRender)
          if (drawn.on && f.type && typeof f.type !== 'string' && f.flags & 1 && !before.has(f)) drawn.classes.push(ownElement(f));
          walk(f.child);
        }
      };
      walk(root.current.child);
      before = seen;
      // up to the commit that shows the drop's findings: later ones are not the drop's frame
      if (drawn.on && document.querySelector('[data-testid="finding"][data-rule-id^="PAPR-ISO"]')) drawn.on = false;
    },
  };
}

test('a drop renders what it changed: not React Flow, not the canvas bar around the flow', async ({ page }) => {
  await page.addInitScript(census);
  const errors = await openApp(page);
  await loadDesign(page, largePseries());
  await drag(page, await center(page, 'host-group-2'), await center(page, 'controller-1'));
  await expect(page.getByTestId('controller-1')).toHaveClass(/ over/);
  await page.evaluate(() => {
    if (window.__drawn) window.__drawn.on = true;
  });
  await page.mouse.up();
  await expect(page.locator('[data-testid="finding"][data-rule-id^="PAPR-ISO"]').first()).toBeVisible();
  const classes = await page.evaluate(() => {
    return window.__drawn?.classes ?? [];
  });
  // the drop did render: the vPHBs it changed and the findings
  expect(classes.filter((c) => /\bctile\b/.test(c)).length).toBeGreaterThan(0);
  expect(classes.filter((c) => /\bfinding\b/.test(c)).length).toBeGreaterThan(0);
  // ... and not React Flow (its nodes are the same objects: a node names its device count itself), nor
  // the canvas' bar, which does not show the guest
  expect(classes.filter((c) => /(^|\s)react-flow(\s|$)/.test(c))).toEqual([]);
  expect(classes.filter((c) => /\bcanvasbar\b/.test(c))).toEqual([]);
  expect(errors).toEqual([]);
});
