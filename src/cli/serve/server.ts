/**
 * A static file server for the built designer (dist/), with the security headers of headers.ts on
 * every answer. Node's http module only: the package ships no server dependency. Used by
 * `pcitopo serve` / `open` and by scripts/serve.mjs (`npm start`, the e2e tests).
 */
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SECURITY_HEADERS } from './headers.ts';

export { SECURITY_HEADERS, contentSecurityPolicy } from './headers.ts';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
  '.xml': 'application/xml',
  '.txt': 'text/plain; charset=utf-8',
  '.sh': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
  '.webmanifest': 'application/manifest+json',
};

/**
 * The built app's directory: `dist/` of the package this file belongs to, found by walking up
 * from here (dist-cli/*.mjs when built, src/cli/serve/ in a checkout). undefined when not built.
 */
export function appRoot(from: string = dirname(fileURLToPath(import.meta.url))): string | undefined {
  for (let dir = from, i = 0; i < 5; i++, dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return existsSync(join(dir, 'dist', 'index.html')) ? join(dir, 'dist') : undefined;
  }
  return undefined;
}

export interface ServeOptions {
  /** the directory served (appRoot()) */
  readonly root: string;
  /** 0 picks a free port */
  readonly port: number;
  /** the address to listen on */
  readonly bind: string;
}

export interface RunningServer {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: Uint8Array | string, head: boolean): void {
  res.writeHead(status, { ...SECURITY_HEADERS, ...headers, 'content-length': String(Buffer.byteLength(body)) });
  res.end(head ? undefined : body);
}

async function answer(root: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const head = req.method === 'HEAD';
  if (req.method !== 'GET' && !head) return send(res, 405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }, 'method not allowed\n', false);
  let path: string;
  try {
    path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
  } catch {
    return send(res, 400, { 'content-type': 'text/plain; charset=utf-8' }, 'bad request\n', head);
  }
  let file = resolve(root, `.${path}`);
  if (file !== root && !file.startsWith(root + sep)) return send(res, 404, { 'content-type': 'text/plain; charset=utf-8' }, 'not found\n', head);
  const info = await stat(file).catch(() => undefined);
  if (info?.isDirectory()) file = join(file, 'index.html');
  else if (!info) {
    // The app routes in the fragment; an unknown path without an extension still gets the app.
    if (extname(file) !== '') return send(res, 404, { 'content-type': 'text/plain; charset=utf-8' }, 'not found\n', head);
    file = join(root, 'index.html');
  }
  const body = await readFile(file).catch(() => undefined);
  if (!body) return send(res, 404, { 'content-type': 'text/plain; charset=utf-8' }, 'not found\n', head);
  // Vite names assets by their content hash: they never change; the page itself always revalidates.
  const immutable = file.startsWith(join(root, 'assets') + sep);
  send(res, 200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache' }, body, head);
}

/** Starts serving; rejects with the listen error (EADDRINUSE, EACCES, …). */
export function startServer(opts: ServeOptions): Promise<RunningServer> {
  const root = resolve(opts.root);
  const server = createServer((req, res) => {
    answer(root, req, res).catch(() => {
      if (!res.headersSent) send(res, 500, { 'content-type': 'text/plain; charset=utf-8' }, 'internal error\n', false);
      else res.destroy();
    });
  });
  return new Promise((resolveStart, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.bind, () => {
      server.off('error', reject);
      const { port } = server.address() as AddressInfo;
      const host = opts.bind === '0.0.0.0' || opts.bind === '::' ? 'localhost' : opts.bind.includes(':') ? `[${opts.bind}]` : opts.bind;
      resolveStart({
        url: `http://${host}:${port}/`,
        server,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
