import { expect, test, type Page } from '@playwright/test';
import { center, drag, exportXml, openApp } from './helpers.ts';

/**
 * The served app is locked down (issue 11): a strict Content-Security-Policy (no inline script,
 * no eval, frame-ancestors 'none'), nosniff and no-referrer, as HTTP headers (scripts/serve.mjs,
 * the same server as `pcitopo serve`) and as a <meta> in the built index.html for static hosts.
 * Using the app (import, drag, share link, PNG export) must not trip the policy once.
 */

/** Collects every CSP violation the page reports, from the start of each document. */
async function watchViolations(page: Page): Promise<string[]> {
  const seen: string[] = [];
  await page.exposeFunction('__cspViolation', (text: string) => seen.push(text));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      (window as unknown as { __cspViolation(t: string): void }).__cspViolation(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`);
    });
  });
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) seen.push(`console: ${m.text()}`);
  });
  return seen;
}

test.describe('Content-Security-Policy', () => {
  test('the server sends the policy and the other security headers, and the page carries it as <meta>', async ({ page }) => {
    const response = await page.goto('/');
    const headers = response?.headers() ?? {};
    const csp = headers['content-security-policy'] ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['referrer-policy']).toBe('no-referrer');
    const meta = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    expect(meta).toContain("script-src 'self'");
    // a <meta> policy cannot carry frame-ancestors: browsers ignore it there and warn
    expect(meta).not.toContain('frame-ancestors');
    const asset = await page.request.get(await page.locator('script[type="module"]').getAttribute('src').then((s) => new URL(s ?? '', page.url()).href));
    expect(asset.headers()['content-security-policy']).toBe(csp);
    expect(asset.headers()['content-type']).toMatch(/^text\/javascript/);
  });

  test('the policy is enforced: an injected inline script and an inline event handler never run', async ({ page }) => {
    const violations = await watchViolations(page);
    await openApp(page);
    await page.evaluate(() => {
      const s = document.createElement('script');
      s.textContent = 'window.__injected = "script"';
      document.body.appendChild(s);
      const div = document.createElement('div');
      div.innerHTML = '<img src="data:," onerror="window.__injected = \'handler\'">';
      document.body.appendChild(div);
    });
    await expect.poll(() => violations.length).toBeGreaterThanOrEqual(2);
    expect(await page.evaluate(() => (window as unknown as { __injected?: string }).__injected)).toBeUndefined();
    expect(violations.join('\n')).toMatch(/script-src/);
  });

  test('another site cannot frame the app', async ({ page, baseURL }) => {
    const refused: string[] = [];
    page.on('console', (m) => {
      if (/frame-ancestors/.test(m.text())) refused.push(m.text());
    });
    await page.setContent(`<iframe id="f" src="${baseURL}/"></iframe>`);
    await expect.poll(() => refused.length).toBeGreaterThan(0);
    const framed = page.frames().find((f) => f !== page.mainFrame());
    expect(await framed?.evaluate(() => document.querySelector('[data-testid="import-domain"]') !== null).catch(() => false)).toBe(false);
  });

  test('import, drag, share link and PNG export run with no violation', async ({ page, context }) => {
    const violations = await watchViolations(page);
    const errors = await openApp(page);
    const demo = await exportXml(page);
    const imported = demo.replace('<name>p9-demo</name>', '<name>p9-csp</name>');
    await page.getByTestId('import-domain-file').setInputFiles({ name: 'p9-csp.xml', mimeType: 'application/xml', buffer: Buffer.from(imported) });
    await expect.poll(() => exportXml(page)).toBe(imported);

    await drag(page, await center(page, 'host-group-5'), await center(page, 'controller-2'));
    await page.mouse.up();
    await expect.poll(() => exportXml(page)).not.toBe(imported);

    await page.getByTestId('share-link').click();
    const link = await page.getByTestId('share-link-url').inputValue();
    expect(link).toContain('#/d/');

    await page.getByTestId('export-diagram').click();
    const png = page.waitForEvent('download');
    await page.getByTestId('export-png').click();
    expect((await png).suggestedFilename()).toMatch(/\.png$/);

    // the link opens in a fresh page under the same policy
    const other = await context.newPage();
    const otherViolations = await watchViolations(other);
    await other.goto(link);
    await expect(other.locator('html[data-ready="true"]')).toBeAttached();
    await expect.poll(() => other.evaluate(() => window.__pcitopo?.exportXml() ?? '')).toContain('<name>p9-csp</name>');

    expect(violations).toEqual([]);
    expect(otherViolations).toEqual([]);
    expect(errors).toEqual([]);
  });
});
