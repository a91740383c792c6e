import { expect, test, type Page } from '@playwright/test';
import { createEvaluator, demoDesign, dropTargets, type Verdict } from '../src/engine/index.ts';
import { center, drag, exportXml, placements } from './helpers.ts';

/**
 * Drag verdicts of a heavy document are judged in the checking worker (issue 11: no design freezes
 * the tab; store/evaluate.ts judgeInWorker), a light document's on the main thread. Which document is
 * heavy depends on how long its check took: the localStorage knob pcitopo:heavy-check-ms (0: every
 * document; a huge one: none) makes the demo one or not, so where the work runs is asserted, not how long it takes. The page's
 * requests to the worker are counted by wrapping Worker.prototype.postMessage.
 */

const GROUP_5 = { kind: 'group', number: 5 } as const;

/** The engine's verdict on every target of a drag of host group 5 over the demo, by target id. */
function engineVerdicts(): Record<string, Verdict> {
  const d = demoDesign();
  const evaluator = createEvaluator();
  return Object.fromEntries(dropTargets(d, GROUP_5).map((t) => [t.id, evaluator.verdict(d, t.command)]));
}

type Does = 'answer' | 'hang' | 'die';

/**
 * Opens the demo with the worker's verdict and validate requests counted; `heavy`: every document is
 * heavy; `verdicts`: the worker answers them, never gets them ('hang': it hangs on them, as far as
 * the page can tell), or dies on them ('die': the worker's error event, as an out-of-memory death
 * gives); `edits`: the same for the validate requests after the first (the document's own check).
 */
async function open(page: Page, heavy: boolean, verdicts: Does = 'answer', edits: Does = 'answer'): Promise<void> {
  await page.addInitScript(
    ([h, verdictsDo, editsDo]) => {
      localStorage.clear();
      // light: a bound no check reaches, so a loaded machine's slow check does not make the demo heavy
      localStorage.setItem('pcitopo:heavy-check-ms', h ? '0' : '1e9');
      const w = window as unknown as { __verdictAsks: number; __validateAsks: number };
      w.__verdictAsks = 0;
      w.__validateAsks = 0;
      const post = Worker.prototype.postMessage;
      Worker.prototype.postMessage = function (this: Worker, message: unknown, ...rest: unknown[]) {
        const kind = (message as { kind?: string } | null)?.kind;
        if (kind === 'validate') w.__validateAsks++;
        const mode = kind === 'verdicts' ? verdictsDo : kind === 'validate' && w.__validateAsks > 1 ? editsDo : 'answer';
        if (kind === 'verdicts') w.__verdictAsks++;
        if (mode === 'hang') return;
        if (mode === 'die') {
          // after the page started the request's budget, as a real death comes
          queueMicrotask(() => this.onerror?.(new ErrorEvent('error', { message: 'out of memory' })));
          return;
        }
        (post as (...a: unknown[]) => void).call(this, message, ...rest);
      };
    },
    [heavy, verdicts, edits] as const,
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
const validateAsks = (page: Page) => page.evaluate(() => (window as unknown as { __validateAsks: number }).__validateAsks);
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

test('a heavy document whose worker hangs on the verdicts: the target says "not judged yet", then why once the budget ended it, never a verdict, and the drop applies', async ({ page }) => {
  await open(page, true, 'hang');
  const before = await exportXml(page);
  await drag(page, await center(page, 'host-group-5'), await center(page, 'controller-1'));
  await expect(page.getByTestId('controller-1')).toHaveClass(/ over/);
  await expect.poll(() => asks(page)).toBeGreaterThan(0);
  await expect(page.getByTestId('ghost-unjudged')).toHaveText('Not judged yet');
  await expect(page.getByTestId('controller-1')).toHaveClass(/ drop-pending/);
  // the request's 5 s budget ends the worker: the ghost says so
  await expect(page.getByTestId('ghost-unjudged')).toHaveText('Not judged: checking took over 5 s', { timeout: 20_000 });
  await expect(page.getByTestId('controller-1')).toHaveClass(/ drop-pending/);
  expect(await (await pageDrag(page)).evaluate((d) => d?.verdicts.size)).toBe(0);
  await page.mouse.up();
  await expect.poll(async () => Object.values(await placements(page)).filter((p) => p.bus === 1).length).toBeGreaterThan(0);
  await page.getByTestId('undo').click();
  expect(await exportXml(page)).toBe(before);
});

test('a heavy document whose worker dies on the verdicts: the drag, the keyboard "Move to…" list and the context menu say why nothing is judged', async ({ page }) => {
  await open(page, true, 'die');
  await drag(page, await center(page, 'host-group-5'), await center(page, 'controller-1'));
  await expect(page.getByTestId('controller-1')).toHaveClass(/ over/);
  await expect(page.getByTestId('ghost-unjudged')).toHaveText('Not judged: the checker stopped (out of memory)');
  expect(await (await pageDrag(page)).evaluate((d) => d?.verdicts.size)).toBe(0);
  await page.keyboard.press('Escape');
  await page.mouse.up();
  // the keyboard's way: every bus of the list says it, in the option a screen reader reads
  await page.getByTestId('guest-device-0030:01:00.0').focus();
  await page.keyboard.press('Enter');
  await page.keyboard.press('m');
  const options = page.getByTestId('move-to').locator('option');
  await expect(options.first()).toContainText('not judged: the checker stopped (out of memory)');
  expect(await options.evaluateAll((os) => os.filter((o) => !o.textContent?.includes('— not judged: the checker stopped (out of memory)')).length)).toBe(0);
  // and the context menu's (Shift+F10 on the device)
  await page.getByTestId('guest-device-0030:01:00.0').focus();
  await page.keyboard.press('Shift+F10');
  await expect(page.getByTestId('context-menu')).toBeVisible();
  await page.getByTestId('context-move-to').focus();
  await page.keyboard.press('Enter');
  const items = page.getByTestId('context-move-target');
  await expect(items.first()).toContainText('— not judged: the checker stopped (out of memory)');
  expect(await items.evaluateAll((is) => is.filter((i) => !i.textContent?.includes('— not judged: the checker stopped (out of memory)')).length)).toBe(0);
});

test('a heavy document: an inspector edit is judged in the worker, one request each; one that adds an error is refused, one that does not applies and asks nothing more', async ({ page }) => {
  await open(page, true);
  const before = await exportXml(page);
  const asked = await validateAsks(page);
  await page.getByTestId('controller-2').locator('.chead').click();
  // vPHB 2 renumbered 1: its NVMe drive and the ConnectX-5 on one address (GEN-ADDR-4)
  await page.getByTestId('inspector-index').fill('1');
  await page.getByTestId('inspector-apply').click();
  await expect(page.getByTestId('inspector-error')).toContainText('double use of a PCI address');
  expect(await validateAsks(page)).toBe(asked + 1);
  expect(await exportXml(page)).toBe(before);
  await page.getByTestId('inspector-index').fill('2');
  await page.getByTestId('inspector-node').fill('1');
  await page.getByTestId('inspector-apply').click();
  await expect(page.getByTestId('controller-2')).toContainText('NUMA 1');
  await expect(page.locator('[data-testid="finding"][data-rule-id="PAPR-NUMA-4"]')).toBeVisible();
  await expect(page.locator('[data-testid="finding"][data-rule-id="CHECKING"]')).toHaveCount(0);
  // the edit applied is the design its verdict's check judged: its findings were known
  expect(await validateAsks(page)).toBe(asked + 2);
});

test("a heavy document whose worker hangs on an inspector edit's check: the form says it is checking, then the edit applies and its findings say why they are missing", async ({ page }) => {
  await open(page, true, 'answer', 'hang');
  await page.getByTestId('controller-2').locator('.chead').click();
  await page.getByTestId('inspector-node').fill('1');
  await page.getByTestId('inspector-apply').click();
  await expect(page.getByTestId('inspector-checking')).toHaveText('Checking the edit…');
  await expect(page.getByTestId('inspector-apply')).toBeDisabled();
  // the request's 5 s budget ends the worker: nothing lost, nothing hangs
  await expect(page.getByTestId('controller-2')).toContainText('NUMA 1', { timeout: 20_000 });
  await expect(page.locator('[data-testid="finding"][data-rule-id="UNCHECKED"]')).toContainText('checking it took longer than 5 s');
  await page.getByTestId('undo').click();
  await expect(page.getByTestId('controller-2')).not.toContainText('NUMA 1');
});
