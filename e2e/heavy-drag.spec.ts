import { expect, test, type Page } from '@playwright/test';
import { createEvaluator, demoDesign, dropTargets, type Verdict } from '../src/engine/index.ts';
import { center, drag, exportXml, placements } from './helpers.ts';

/**
 * Drag verdicts of a heavy document are judged in the checking worker (issue 11: no design freezes
 * the tab; store/evaluate.ts judgeInWorker), a light document's on the main thread. Which document is
 * heavy depends on how long its check took: the localStorage knob pcitopo:heavy-check-ms (0: every
 * document) makes the demo one, so where the work runs is asserted, not how long it takes. The page's
 * requests to the worker are counted by wrapping Worker.prototype.postMessage.
 */

const GROUP_5 = { kind: 'group', number: 5 } as const;

/** The engine's verdict on every target of a drag of host group 5 over the demo, by target id. */
function engineVerdicts(): Record<string, Verdict> {
  const d = demoDesign();
  const evaluator = createEvaluator();
  return Object.fromEntries(dropTargets(d, GROUP_5).map((t) => [t.id, evaluator.verdict(d, t.command)]));
}

/**
 * Opens the demo with the worker's verdict requests counted; `heavy`: every document is heavy;
 * `hang`: the worker never gets them (it hangs on them, as far as the page can tell).
 */
async function open(page: Page, heavy: boolean, hang = false): Promise<void> {
  await page.addInitScript(
    ([h, swallow]) => {
      localStorage.clear();
      if (h) localStorage.setItem('pcitopo:heavy-check-ms', '0');
      const w = window as unknown as { __verdictAsks: number };
      w.__verdictAsks = 0;
      const post = Worker.prototype.postMessage;
      Worker.prototype.postMessage = function (this: Worker, message: unknown, ...rest: unknown[]) {
        if ((message as { kind?: string } | null)?.kind === 'verdicts') {
          w.__verdictAsks++;
          if (swallow) return;
        }
        (post as (...a: unknown[]) => void).call(this, message, ...rest);
      };
    },
    [heavy, hang] as const,
  );
  await page.goto('/');
  await expect(page.locator('html[data-ready="true"]')).toBeAttached();
  await expect(page.locator('[data-testid="finding"][data-rule-id="CHECKING"]')).toHaveCount(0);
  await expect(page.locator('[data-testid="finding"]').first()).toBeVisible();
}

/** the store's drag, as the page's test hook gives it */
interface PageDrag {
  readonly pending: readonly string[];
  readonly verdicts: ReadonlyMap<string, Verdict>;
  readonly over: string | null;
}
const pageDrag = (page: Page) => page.evaluateHandle(() => (window.__pcitopo?.getState() as { drag: PageDrag | null } | undefined)?.drag ?? null);

const asks = (page: Page) => page.evaluate(() => (window as unknown as { __verdictAsks: number }).__verdictAsks);
/** the drag's verdicts once every target has one, by target id */
async function judged(page: Page): Promise<Record<string, Verdict>> {
  await expect.poll(async () => (await pageDrag(page)).evaluate((d) => d?.pending.length)).toBe(0);
  return (await pageDrag(page)).evaluate((d) => Object.fromEntries(d?.verdicts ?? []));
}

test('a heavy document: every target of a drag is judged in the worker, as the engine judges it, and the drop applies', async ({ page }) => {
  await open(page, true);
  const before = await exportXml(page);
  await drag(page, await center(page, 'host-group-5'), await center(page, 'controller-1'));
  await expect(page.getByTestId('controller-1')).toHaveClass(/ over/);
  const want = engineVerdicts();
  expect(await judged(page)).toEqual(want);
  expect(await asks(page)).toBeGreaterThan(0);
  // the ghost says the verdict on the bus under the pointer
  const over = await (await pageDrag(page)).evaluate((d) => d?.over ?? '');
  const v = want[over];
  await expect(page.locator('.ghost')).toContainText(v?.level === 'clean' ? 'Clean drop' : `${v?.level} ${v?.ruleId}`);
  await page.mouse.up();
  await expect.poll(async () => Object.values(await placements(page)).filter((p) => p.bus === 1).length).toBeGreaterThan(0);
  await page.getByTestId('undo').click();
  expect(await exportXml(page)).toBe(before);
});

test('a light document: the drag is judged on the main thread, the worker is asked for no verdict', async ({ page }) => {
  await open(page, false);
  await drag(page, await center(page, 'host-group-5'), await center(page, 'controller-1'));
  await expect(page.getByTestId('controller-1')).toHaveClass(/ over/);
  expect(await judged(page)).toEqual(engineVerdicts());
  expect(await asks(page)).toBe(0);
  await page.keyboard.press('Escape');
  await page.mouse.up();
});

test('a heavy document: the "Move to…" list gets every verdict from the worker, as the engine judges it', async ({ page }) => {
  await open(page, true);
  const payload = { kind: 'guest-device', key: '0030:01:00.0' } as const;
  const d = demoDesign();
  const evaluator = createEvaluator();
  const want = Object.fromEntries(dropTargets(d, payload, { newBus: true }).map((t) => [t.id, evaluator.verdict(d, t.command).level]));
  await page.getByTestId(`guest-device-${payload.key}`).focus();
  await page.keyboard.press('Enter');
  await page.keyboard.press('m');
  const list = page.getByTestId('move-to');
  await expect(list.locator('option').first()).toBeAttached();
  await expect(list.locator('option[data-verdict="pending"]')).toHaveCount(0);
  const shown = await list.locator('option').evaluateAll((os) => Object.fromEntries(os.map((o) => [(o as HTMLOptionElement).value, o.getAttribute('data-verdict')])));
  expect(Object.keys(shown).length).toBeGreaterThan(1);
  for (const [id, level] of Object.entries(shown)) expect(level, id).toBe(want[id]);
  expect(await asks(page)).toBeGreaterThan(0);
});

test('a heavy document whose worker hangs on the verdicts: the target says "not judged yet", never a verdict, and the drop applies', async ({ page }) => {
  await open(page, true, true);
  const before = await exportXml(page);
  await drag(page, await center(page, 'host-group-5'), await center(page, 'controller-1'));
  await expect(page.getByTestId('controller-1')).toHaveClass(/ over/);
  await expect.poll(() => asks(page)).toBeGreaterThan(0);
  await expect(page.locator('.ghost')).toContainText('Not judged yet');
  await expect(page.getByTestId('controller-1')).toHaveClass(/ drop-pending/);
  expect(await (await pageDrag(page)).evaluate((d) => d?.verdicts.size)).toBe(0);
  await page.mouse.up();
  await expect.poll(async () => Object.values(await placements(page)).filter((p) => p.bus === 1).length).toBeGreaterThan(0);
  await page.getByTestId('undo').click();
  expect(await exportXml(page)).toBe(before);
});
