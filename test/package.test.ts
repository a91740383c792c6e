import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS } from '../src/cli/commands.ts';
import { DEMO_DOMAIN_XML, DEMO_HOST_XML, decodeAnyShareLink, decodeShareLink } from '../src/engine/index.ts';
import { inCi } from './support/shared.ts';

/**
 * The package as users get it (issue 14): `npm pack` (prepack builds the app and the CLI), then
 * `npm install --global --omit=dev` of the tarball into a temporary prefix, then every command run
 * from that prefix, outside the checkout, with no dev dependency (no tsx, no TypeScript) in reach.
 */
const ROOT = resolve(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'pcitopo-pkg-'));
const prefix = join(work, 'prefix');
const bin = join(prefix, 'bin', 'pcitopo');
const cwd = mkdtempSync(join(tmpdir(), 'pcitopo-pkg-cwd-'));
const demo = join(cwd, 'demo.xml');
const host = join(cwd, 'host.xml');
writeFileSync(demo, DEMO_DOMAIN_XML);
writeFileSync(host, DEMO_HOST_XML);
let tarball = '';
const children: ChildProcess[] = [];

// No PATH entry of the checkout's node_modules/.bin: only what the package installed.
const env = { PATH: `${join(prefix, 'bin')}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`, HOME: process.env.HOME ?? work, NO_COLOR: '1' };

function pcitopo(args: string[], input?: string) {
  const r = spawnSync(bin, args, { cwd, encoding: 'utf8', input, env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts a long-running command and resolves with its first line of standard output. */
function start(args: string[], extraEnv: Record<string, string> = {}): Promise<{ child: ChildProcess; line: string }> {
  const child = spawn(bin, args, { cwd, env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((done, fail) => {
    let out = '';
    let err = '';
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) done({ child, line: out.slice(0, nl) });
    });
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('exit', (code) => fail(new Error(`pcitopo ${args.join(' ')} exited ${code}: ${err}`)));
  });
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((done) => {
    child.once('exit', (code) => done(code));
    child.kill('SIGTERM');
  });
}

beforeAll(() => {
  const dest = join(work, 'pack');
  mkdirSync(dest);
  // packed as a user's shell packs it: vitest sets NODE_ENV=test, under which Vite bundles React's
  // development build (958 KB instead of 718 KB, and the checkout's dist/ rebuilt that way)
  const { NODE_ENV: _testMode, ...userEnv } = process.env;
  const packed = spawnSync('npm', ['pack', '--pack-destination', dest], { cwd: ROOT, encoding: 'utf8', env: userEnv });
  if (packed.status !== 0) throw new Error(`npm pack failed:\n${packed.stdout}\n${packed.stderr}`);
  tarball = join(dest, readdirSync(dest).find((f) => f.endsWith('.tgz')) ?? '');
  const installed = spawnSync('npm', ['install', '--global', '--prefix', prefix, '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund', tarball], { cwd: work, encoding: 'utf8' });
  if (installed.status !== 0) throw new Error(`npm install of the tarball failed:\n${installed.stdout}\n${installed.stderr}`);
}, 240_000);

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
});

describe('the packed and installed pcitopo', () => {
  it('ships only what runs: the built app and the built CLI, no sources, no dev dependency', () => {
    const files = spawnSync('tar', ['tzf', tarball], { encoding: 'utf8' }).stdout.trim().split('\n');
    for (const f of files) expect(f, f).toMatch(/^package\/(package\.json|README\.md|LICENSE|dist\/.+|dist-cli\/.+)$/);
    expect(files).toContain('package/dist/index.html');
    expect(files).toContain('package/dist-cli/bin.cjs');
    const pkgDir = join(prefix, 'lib', 'node_modules', 'pcitopo');
    const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(pkg.bin.pcitopo).toBe('dist-cli/bin.cjs');
    // nothing but pcitopo itself was installed: the CLI bundles the engine and its parsers
    expect(existsSync(join(pkgDir, 'node_modules', 'tsx'))).toBe(false);
    expect(existsSync(join(prefix, 'lib', 'node_modules', 'tsx'))).toBe(false);
  });

  it('ships the production build of the app (React minified, not its development build)', () => {
    const assets = join(prefix, 'lib', 'node_modules', 'pcitopo', 'dist', 'assets');
    const js = readdirSync(assets).filter((f) => f.endsWith('.js')).map((f) => readFileSync(join(assets, f), 'utf8')).join('\n');
    expect(js).toContain('Minified React error');
    expect(js).not.toContain('Download the React DevTools');
  });

  it('--version, --help, and --help of every command', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(pcitopo(['--version'])).toMatchObject({ code: 0, stdout: `pcitopo ${pkg.version}\n` });
    expect(pcitopo(['--help'])).toMatchObject({ code: 0, stdout: expect.stringContaining('Commands:') });
    for (const c of COMMANDS) expect(pcitopo([c.name, '--help']), c.name).toMatchObject({ code: 0, stdout: expect.stringContaining(`Usage: pcitopo ${c.name}`) });
  });

  it('validate, place, roundtrip, link, unlink', () => {
    const v = pcitopo(['validate', demo, '--host', host, '--json']);
    expect(v.code).toBe(0);
    expect(Array.isArray(JSON.parse(v.stdout))).toBe(true);
    const bare = join(cwd, 'bare.xml');
    writeFileSync(bare, DEMO_DOMAIN_XML.replace(/\n\s*<address type='pci'[^>]*\/>/g, ''));
    const placed = pcitopo(['place', bare, '--host', host, '--policy', 'pe-per-phb', '--spare-phbs', '1']);
    expect(placed.code).toBe(0);
    expect(placed.stdout.match(/<hostdev[\s\S]*?<\/hostdev>/g)?.every((h) => h.includes("<address type='pci'"))).toBe(true);
    expect(pcitopo(['roundtrip', '-'], DEMO_DOMAIN_XML)).toMatchObject({ code: 0, stdout: DEMO_DOMAIN_XML });
    const link = pcitopo(['link', demo, '--host', host]);
    expect(link.code).toBe(0);
    expect(pcitopo(['unlink', link.stdout.trim()])).toMatchObject({ code: 0, stdout: DEMO_DOMAIN_XML });
    expect(pcitopo(['validate', join(cwd, 'missing.xml')])).toMatchObject({ code: 2, stderr: expect.stringContaining('missing.xml: cannot read: ENOENT') });
  });

  it("commands with a bundle of their own (only what the command uses) answer as the sources do", () => {
    const pkgDir = join(prefix, 'lib', 'node_modules', 'pcitopo');
    const bundles = readdirSync(join(pkgDir, 'dist-cli')).filter((f) => /^pcitopo-[a-z]+\.cjs$/.test(f));
    expect(bundles).toEqual(expect.arrayContaining(['pcitopo-place.cjs', 'pcitopo-validate.cjs']));
    // place needs no rule: the catalog and its case tables are left out of its bundle
    const place = readFileSync(join(pkgDir, 'dist-cli', 'pcitopo-place.cjs'), 'utf8');
    expect(place).not.toContain('PAPR-HP-2');
    expect(readFileSync(join(pkgDir, 'dist-cli', 'pcitopo-validate.cjs'), 'utf8')).toContain('PAPR-HP-2');
    const bare = join(cwd, 'bare-all.xml');
    writeFileSync(bare, DEMO_DOMAIN_XML.replace(/\n\s*<address type='pci'[^>]*\/>/g, ''));
    const sources = (args: string[]) => {
      const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'pcitopo.mjs'), ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
      return { code: r.status, stdout: r.stdout, stderr: r.stderr };
    };
    for (const args of [['place', bare, '--host', host], ['place', bare, '--json'], ['validate', bare, '--host', host, '--json'], ['roundtrip', demo], ['link', demo]]) {
      expect(pcitopo(args), args.join(' ')).toEqual(sources(args));
    }
  }, 120_000);

  it("keeps V8's compiled code of a command between runs: written once, reused, written again only when V8 refuses it", () => {
    const cacheHome = mkdtempSync(join(work, 'xdg-cache-'));
    const run = (extraEnv: Record<string, string> = {}) => {
      const r = spawnSync(bin, ['place', demo, '--host', host], { cwd, encoding: 'utf8', env: { ...env, XDG_CACHE_HOME: cacheHome, ...extraEnv } });
      expect(r.status, r.stderr).toBe(0);
      return r.stdout;
    };
    const caches = () => readdirSync(join(cacheHome, 'pcitopo')).filter((f) => f.endsWith('-place.bin'));
    const stamp = () => caches().map((f) => `${f} ${statSync(join(cacheHome, 'pcitopo', f)).mtimeMs}`);
    const first = run();
    expect(caches()).toHaveLength(1);
    const written = stamp();
    // a second run takes the cache as it is (a refused cache would be written again at exit)
    expect(run()).toBe(first);
    expect(stamp()).toEqual(written);
    // other V8 flags (V8 hashes them into the cache): refused, compiled again, written again, same output
    expect(run({ NODE_OPTIONS: '--max-old-space-size=512' })).toBe(first);
    expect(stamp()).not.toEqual(written);
    const rewritten = stamp();
    expect(run({ NODE_OPTIONS: '--max-old-space-size=512' })).toBe(first);
    expect(stamp()).toEqual(rewritten);
  });

  it("a command with a bundle of its own raises V8's interrupt budget without loading node:v8 (and with it Node's streams), after loading parseArgs, and warns of nothing", () => {
    const hook = join(work, 'modules-hook.cjs');
    const list = join(work, 'modules.txt');
    writeFileSync(hook, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(list)}, process.moduleLoadList.join('\\n')));\n`);
    const cacheHome = mkdtempSync(join(work, 'xdg-cache-'));
    const run = () => spawnSync(process.execPath, ['--require', hook, join(prefix, 'lib', 'node_modules', 'pcitopo', 'dist-cli', 'bin.cjs'), 'place', demo, '--host', host], { cwd, encoding: 'utf8', env: { ...env, XDG_CACHE_HOME: cacheHome } });
    const first = run();
    expect(first.status, first.stderr).toBe(0);
    expect(first.stderr).toBe('');
    const again = run();
    expect(again.stdout).toBe(first.stdout);
    const loaded = readFileSync(list, 'utf8').split('\n');
    expect(loaded).toContain('NativeModule vm');
    expect(loaded.filter((m) => /^NativeModule (v8|stream|internal\/streams\/readable|internal\/heap_utils)$/.test(m))).toEqual([]);
    // parseArgs' module is loaded before the flags change (the v8 binding is what changes them), so
    // V8 still takes Node's embedded code cache for it instead of compiling it from source
    const parseArgsAt = loaded.indexOf('NativeModule internal/util/parse_args/parse_args');
    expect(parseArgsAt).toBeGreaterThan(-1);
    expect(parseArgsAt).toBeLessThan(loaded.indexOf('Internal Binding v8'));
  });

  it("without XDG_CACHE_HOME the code cache lives in $HOME/.cache/pcitopo, found without loading node:os; an unwritable home or a corrupt cache only costs speed", () => {
    const hook = join(work, 'modules-hook-home.cjs');
    const list = join(work, 'modules-home.txt');
    writeFileSync(hook, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(list)}, process.moduleLoadList.join('\\n')));\n`);
    // `env` sets no XDG_CACHE_HOME
    const run = (home: string) => {
      const r = spawnSync(process.execPath, ['--require', hook, join(prefix, 'lib', 'node_modules', 'pcitopo', 'dist-cli', 'bin.cjs'), 'place', demo, '--host', host], { cwd, encoding: 'utf8', env: { ...env, HOME: home } });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toBe('');
      return r.stdout;
    };
    const home = mkdtempSync(join(work, 'home-'));
    const first = run(home);
    const dir = join(home, '.cache', 'pcitopo');
    const caches = readdirSync(dir).filter((f) => f.endsWith('-place.bin'));
    expect(caches).toHaveLength(1);
    expect(readFileSync(list, 'utf8').split('\n')).not.toContain('NativeModule os');
    // a corrupt cache: V8 refuses it, the run compiles afresh and writes a good one in its place
    const cacheFile = join(dir, caches[0] as string);
    writeFileSync(cacheFile, Buffer.alloc(4096, 7));
    expect(run(home)).toBe(first);
    expect(readFileSync(cacheFile).equals(Buffer.alloc(4096, 7))).toBe(false);
    expect(run(home)).toBe(first);
    // a home where no directory can be made (a file): no cache, same output, nothing on stderr
    const fileHome = join(work, 'home-is-a-file');
    writeFileSync(fileHome, 'x');
    expect(run(fileHome)).toBe(first);
  });

  it('a cache damaged on disk (bytes changed in its middle, same length) is no cache: the run compiles afresh, exits 0 and writes a good one; a cache directory that cannot be made (under /proc) costs no hang', () => {
    const cacheHome = mkdtempSync(join(work, 'xdg-cache-'));
    const run = (xdg: string) => spawnSync(bin, ['place', demo, '--host', host], { cwd, encoding: 'utf8', env: { ...env, XDG_CACHE_HOME: xdg }, timeout: 60_000 });
    const first = run(cacheHome);
    expect(first.status, first.stderr).toBe(0);
    const dir = join(cacheHome, 'pcitopo');
    const file = join(dir, readdirSync(dir).find((f) => f.endsWith('-place.bin')) ?? '');
    const good = readFileSync(file);
    // V8 takes a damaged cache whose header is intact and dies in it (SIGTRAP, every later run)
    const damaged = Buffer.from(good);
    for (let i = damaged.length >> 2; i < (damaged.length >> 2) + 2000 && i < damaged.length; i++) damaged[i] = (damaged[i] as number) ^ 0xff;
    writeFileSync(file, damaged);
    const again = run(cacheHome);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toBe(first.stdout);
    expect(readFileSync(file).equals(damaged)).toBe(false);
    expect(run(cacheHome).stdout).toBe(first.stdout);
    // Node 20's recursive mkdirSync never returns there; the bound above turns a hang into a failure
    const proc = run('/proc/pcitopo-no-such-dir');
    expect(proc.error).toBeUndefined();
    expect(proc.status, proc.stderr).toBe(0);
    expect(proc.stdout).toBe(first.stdout);
  });

  it('writing a command\'s code cache removes the caches an earlier pcitopo left (untouched for a day), not a fresh one of a pcitopo beside it', () => {
    const cacheHome = mkdtempSync(join(work, 'xdg-cache-'));
    const dir = join(cacheHome, 'pcitopo');
    mkdirSync(dir, { recursive: true });
    const old = `v8-0123456789abcdef-${process.version}-${process.arch}-place.bin`;
    const beside = `v8-fedcba9876543210-${process.version}-${process.arch}-validate.bin`;
    const notOurs = 'notes.txt';
    for (const f of [old, beside, notOurs]) writeFileSync(join(dir, f), 'x');
    const twoDaysAgo = (Date.now() - 2 * 24 * 3600 * 1000) / 1000;
    utimesSync(join(dir, old), twoDaysAgo, twoDaysAgo);
    utimesSync(join(dir, notOurs), twoDaysAgo, twoDaysAgo);
    const r = spawnSync(bin, ['place', demo, '--host', host], { cwd, encoding: 'utf8', env: { ...env, XDG_CACHE_HOME: cacheHome } });
    expect(r.status, r.stderr).toBe(0);
    const left = readdirSync(dir).sort();
    expect(left).not.toContain(old);
    expect(left).toContain(beside);
    expect(left).toContain(notOurs);
    expect(left.filter((f) => f.endsWith('-place.bin'))).toHaveLength(1);
  });

  it('verify runs from the package: a verdict where libvirt and QEMU are installed, exit 3 naming what is missing where not', () => {
    const r = pcitopo(['verify', demo, '--json']);
    if (r.code === 3) {
      expect(r.stderr).toContain('pcitopo verify: missing');
      expect(inCi(), 'CI installs libvirt and QEMU before the tests').toBe(false);
      return;
    }
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, stage: 'done' });
  }, 180_000);

  it('serve answers with the app and its security headers, and stops on SIGTERM', async () => {
    const { child, line } = await start(['serve', '--port', '0', '--json']);
    const { url } = JSON.parse(line) as { url: string };
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await page.text();
    expect(html).toContain('<div id="root"></div>');
    expect(html).toContain('http-equiv="Content-Security-Policy"');
    const script = /<script type="module" crossorigin src="([^"]+)"/.exec(html)?.[1] ?? '';
    // relative asset URLs: the app works from any sub-path of a static host
    expect(script).toMatch(/^\.\/assets\//);
    const js = await fetch(new URL(script, url));
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await fetch(new URL('assets/none.js', url))).status).toBe(404);
    expect((await fetch(url, { method: 'POST' })).status).toBe(405);
    expect(await stop(child)).toBe(0);
  });

  it('open serves and opens the browser on a localhost share link of the design, set to the --libvirt-version given', async () => {
    const opened = join(cwd, 'opened.txt');
    const browser = join(cwd, 'browser.sh');
    writeFileSync(browser, `#!/bin/sh\nprintf '%s' "$1" > '${opened}'\n`);
    chmodSync(browser, 0o755);
    const { child, line } = await start(['open', demo, '--host', host, '--port', '0', '--libvirt-version', '9.0'], { BROWSER: browser });
    expect(line).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#\/d\/[A-Za-z0-9_-]+$/);
    await expect.poll(() => (existsSync(opened) ? readFileSync(opened, 'utf8') : '')).toBe(line);
    const decoded = await decodeShareLink(line);
    expect(decoded.ok && decoded.value.domain).toBe(DEMO_DOMAIN_XML);
    expect(decoded.ok && decoded.value.host).toBe(DEMO_HOST_XML);
    // --libvirt-version: the release setting the designer opens the design at travels in the link
    expect(decoded.ok && decoded.value.libvirtVersion).toBe('9.0');
    const page = await fetch(line.slice(0, line.indexOf('#')));
    expect(page.status).toBe(200);
    expect(await stop(child)).toBe(0);
  });

  it('open DIR (as collect writes it) checks the workspace, then serves it in a version 2 link', async () => {
    const dir = join(cwd, 'workspace');
    mkdirSync(dir);
    writeFileSync(join(dir, 'host.xml'), DEMO_HOST_XML);
    writeFileSync(join(dir, 'p9-demo.xml'), DEMO_DOMAIN_XML);
    const second = DEMO_DOMAIN_XML.replace('<name>p9-demo</name>', '<name>p9-second</name>');
    writeFileSync(join(dir, 'p9-second.xml'), second);
    const { child, line } = await start(['open', dir, '--port', '0', '--json'], { BROWSER: 'true' });
    const { url, domains } = JSON.parse(line) as { url: string; domains: string[] };
    expect(domains).toEqual(['p9-demo', 'p9-second']);
    const decoded = await decodeAnyShareLink(url);
    expect(decoded.ok && decoded.value).toEqual({ v: 2, domains: [DEMO_DOMAIN_XML, second], host: DEMO_HOST_XML });
    expect((await fetch(url.slice(0, url.indexOf('#')))).status).toBe(200);
    expect(await stop(child)).toBe(0);
  });
});
