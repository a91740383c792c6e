#!/usr/bin/env node
// Serves the built app (dist/) on localhost for `npm start`, the e2e tests and the browser bench,
// with the same server and security headers as `pcitopo serve` (src/cli/serve/server.ts, built
// to dist-cli/server.mjs by `npm run build`). Usage: node scripts/serve.mjs [--port N] [--host H]
// (or PORT and HOST in the environment).
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
};
const port = Number(arg('--port', process.env.PORT ?? '8080'));
const bind = arg('--host', process.env.HOST ?? '127.0.0.1');

let server;
try {
  server = await import('../dist-cli/server.mjs');
} catch {
  console.error('serve: dist-cli/server.mjs is missing; run "npm run build" first (npm start does).');
  process.exit(1);
}
const root = server.appRoot();
if (!root) {
  console.error('serve: dist/index.html is missing; run "npm run build" first (npm start does).');
  process.exit(1);
}
const running = await server.startServer({ root, port, bind });
console.log(`pcitopo is being served at ${running.url} (Ctrl+C stops it)`);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => void running.close().then(() => process.exit(0)));
