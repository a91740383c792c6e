#!/usr/bin/env node
// Serves the built app (dist/) on localhost with no dependency beyond Node: `npm start` and the
// e2e tests use it. Usage: node scripts/serve.mjs [--port N] [--host H]
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)), 'dist');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
};
const port = Number(arg('--port', process.env.PORT ?? '8080'));
const host = arg('--host', process.env.HOST ?? '127.0.0.1');
const types = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json', '.ico': 'image/x-icon',
  '.xml': 'application/xml', '.sh': 'text/plain; charset=utf-8', '.woff2': 'font/woff2',
};

try {
  await stat(join(root, 'index.html'));
} catch {
  console.error(`serve: ${root}/index.html is missing; run "npm run build" first (npm start does).`);
  process.exit(1);
}

const server = createServer(async (req, res) => {
  try {
    const url = new URL(req.url ?? '/', 'http://localhost');
    let path = normalize(decodeURIComponent(url.pathname)).replace(/^(\.\.[/\\])+/, '');
    if (path.endsWith('/')) path += 'index.html';
    const file = join(root, path);
    if (!file.startsWith(root)) throw new Error('outside');
    const body = await readFile(file).catch(() => readFile(join(root, 'index.html')));
    const type = types[extname(file)] ?? 'text/html; charset=utf-8';
    res.writeHead(200, { 'content-type': type, 'cache-control': 'no-cache' });
    res.end(body);
  } catch {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found');
  }
});
server.listen(port, host, () => {
  console.log(`pcitopo is being served at http://${host === '0.0.0.0' ? 'localhost' : host}:${port}/ (Ctrl+C stops it)`);
});
