import { defineConfig } from '@playwright/test';

// PCITOPO_E2E_PORT lets several checkouts run e2e at once on one machine.
const port = Number(process.env.PCITOPO_E2E_PORT ?? 4317);

// Debian's Chromium at /usr/bin/chromium, never a browser that Playwright downloads (that fails on these machines).
// The app is built before this runs (npm run test:e2e) and served from dist/ by scripts/serve.mjs.
export default defineConfig({
  testDir: 'e2e',
  globalSetup: './e2e/global-setup.ts',
  outputDir: 'e2e/output/results',
  fullyParallel: true,
  workers: 2,
  retries: 0,
  reporter: 'list',
  // generous: several developers' suites share two cores here; a quiet CI machine is far below these
  timeout: 60_000,
  expect: { timeout: 10_000 },
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    browserName: 'chromium',
    headless: true,
    viewport: { width: 1440, height: 900 },
    acceptDownloads: true,
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    },
  },
  projects: [{ name: 'chromium' }],
  webServer: {
    command: `node scripts/serve.mjs --port ${port}`,
    url: `http://127.0.0.1:${port}/`,
    reuseExistingServer: false,
    timeout: 30_000,
  },
});
