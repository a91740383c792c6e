/**
 * The installed `pcitopo` (built to dist-cli/bin.cjs by scripts/build-cli.mjs): loads the
 * bundled CLI through V8's code cache, so a run does not compile again what an earlier run of the
 * same command compiled. The commands that run the engine have a bundle of their own
 * (dist-cli/pcitopo-<command>.cjs, holding only what that command uses); anything else, help and
 * --version included, loads dist-cli/pcitopo.cjs. Node 20 has no module compile cache of its own
 * (module.enableCompileCache is Node 22), hence vm.Script with `cachedData`.
 *
 * The cache lives in $XDG_CACHE_HOME/pcitopo (or ~/.cache/pcitopo), one file per command, named by
 * its bundle's content hash and the Node version and arch: V8 itself refuses a cache from another
 * V8 or other flags, and the hash keeps a cache from ever meeting another bundle. It is written
 * once, when missing or refused, after the command ran (so it holds what the command compiled),
 * atomically (write, then rename), and checked whole when read (VERIFY_CACHE). Any failure to read or
 * write it only costs speed. Writing one
 * also removes the caches of other bundles (an earlier pcitopo) untouched for STALE_MS, so upgrades
 * leave no trail; a pcitopo installed beside this one keeps its fresh cache (it is written only when
 * missing, so two installations never take turns deleting each other's).
 * PCITOPO_NO_CODE_CACHE=1 turns it off.
 *
 * The launcher itself is CommonJS too: an ES module as the main script makes Node start its ESM
 * loader (and, through it, the streams module) before any of pcitopo runs. For the same reason the
 * bundle gets the launcher's own `require` rather than one from node:module's createRequire (which
 * loads that ESM loader): a bundle requires nothing but Node's built-in modules, which any
 * `require` resolves alike (scripts/build-cli.mjs checks that it stays so).
 *
 * The one-shot commands that run the engine raise V8's interrupt budget (ONE_SHOT_BUDGET) before
 * the bundle loads: see there.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';

/** sha-256 of each bundle, by the command it is for ('' for pcitopo.cjs), written in by the build */
declare const PCITOPO_BUNDLES: Readonly<Record<string, string>>;

/**
 * V8's interrupt budget (bytes of bytecode a function runs before V8 weighs optimizing it; V8's
 * default is 66 KiB) for the commands with a bundle of their own. Such a run executes most of its
 * code a few hundred times and ends: with the default, TurboFan compiles a dozen functions (the
 * reader's loop on-stack) on its background thread, which costs far more than the optimised code
 * saves before the run ends: about a third of `pcitopo place`'s CPU time on a 600-device domain
 * (277 -> 177 ms, whole process). 3 MB lets code that really is hot (a domain of thousands of
 * devices) still reach TurboFan: `--no-opt` instead costs 1.7x CPU there (12,000 devices, CPU:
 * default 1.29 s, this budget 1.09 s, --no-opt 1.84 s). It is set before the bundle is compiled,
 * so V8's code-cache check (which hashes the flags) sees the same flags every run (test/package).
 * It is set through {@link setV8Flags}, not node:v8.
 */
const ONE_SHOT_BUDGET = 3_000_000;

/**
 * Bytes of bytecode that V8 gathers before it compiles a batch of functions with Sparkplug, its
 * baseline compiler (V8's `--baseline-batch-compilation-threshold`, default 4 KiB; a function joins
 * the batch at its first budget interrupt, src/execution/tiering-manager.cc OnInterruptTick). A
 * one-shot run spends most of its time in code that runs a few hundred times: with a smaller batch
 * that code leaves the interpreter sooner. Measured by instructions (valgrind cachegrind, `node
 * --predictable`, which are deterministic where CPU time on this shared machine is not) for `pcitopo
 * place` of the 600-device domain: 237.3 M at the default, 234.8 M at 1 KiB, 233.9 M at 512,
 * 233.1 M at 128 (-1.8 %); turning Sparkplug off costs +16 % (276 M), compiling every function
 * with it at once +2.6 %. Set with ONE_SHOT_BUDGET (the same flags every run: see there), and
 * only on V8 11 (Node 20), where it was measured and the flag exists.
 */
const ONE_SHOT_BASELINE_BATCH = 128;

/**
 * V8's setFlagsFromString without loading node:v8: that module loads Node's whole streams module
 * for its heap-snapshot streams (29 built-in modules; `pcitopo place` of 600 devices, 40
 * alternating runs at load 13: CPU median 219 -> 208 ms, p10 189 -> 165 ms). node:v8's own
 * setFlagsFromString only checks the argument and calls the same function of Node's internal `v8`
 * binding (lib/v8.js), which process.binding('v8') hands out. That access is deprecated (DEP0111)
 * and warns unless process.noDeprecation is set, so it is set around the call and put back (a
 * warning would land on the command's stderr). Where the binding is gone or has no such function
 * (a later Node), node:v8 is loaded after all: only speed differs.
 */
function setV8Flags(flags: string): void {
  let binding: { setFlagsFromString?: unknown } | undefined;
  const quiet = process.noDeprecation;
  try {
    process.noDeprecation = true;
    binding = (process as unknown as { binding(name: string): { setFlagsFromString?: unknown } }).binding('v8');
  } catch {
    binding = undefined;
  } finally {
    process.noDeprecation = quiet;
  }
  if (typeof binding?.setFlagsFromString === 'function') (binding.setFlagsFromString as (f: string) => void)(flags);
  else process.getBuiltinModule('node:v8').setFlagsFromString(flags);
}

/**
 * os.homedir() without loading node:os where it would only read $HOME: on POSIX, homedir() is
 * libuv's uv_os_homedir, which returns $HOME whenever it is set and asks the password
 * database otherwise (Node's os docs); node:os is loaded for that other case and for Windows.
 */
function homeDirectory(): string {
  const home = process.platform === 'win32' ? undefined : process.env.HOME;
  return home ? home : process.getBuiltinModule('node:os').homedir();
}

/** Age (ms, by mtime) after which another bundle's cache file counts as left behind by an upgrade. */
const STALE_MS = 24 * 3600 * 1000;

/** Removes cache files of other bundles in `dir` not written for STALE_MS; `keep` is this run's file. */
function dropStaleCaches(dir: string, keep: string): void {
  const now = Date.now();
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (path === keep || !/^v8-[0-9a-f]{16}-.*\.bin$/.test(name)) continue;
    try {
      if (now - statSync(path).mtimeMs > STALE_MS) rmSync(path, { force: true });
    } catch {
      // removed meanwhile by another run
    }
  }
}

/**
 * V8 checks a code cache's version, flags and source hash, but its checksum only under this flag (on
 * by default in debug builds only: flag-definitions.h verify_snapshot_checksum, "checksum creation and
 * verification for code caches"). Without it a cache damaged on disk (same length, bytes changed in
 * its middle) was taken, and every later run died in V8 (`Check failed`, SIGTRAP) before the command
 * could write a good one. With it such a cache is refused and written again. Its cost, measured on
 * place's bundle: reading a good cache 0.51 ms with it, 0.57 without (noise).
 */
const VERIFY_CACHE = '--verify-snapshot-checksum';

const command = /^[a-z]+$/.test(process.argv[2] ?? '') ? (process.argv[2] as string) : 'other';
const own = Object.hasOwn(PCITOPO_BUNDLES, command) && command !== '';
if (own) {
  // Every command parses its arguments with node:util parseArgs, whose module Node loads on first
  // use. Loaded after setV8Flags, it would be compiled from source: V8 takes Node's embedded code
  // cache only under the flags it was made with (the flag hash is part of the cache's check).
  // Loaded here, before the flags change, it comes from that cache (600-device place: -2.8 M
  // instructions of 219 M, cachegrind).
  void process.getBuiltinModule('node:util').parseArgs;
  setV8Flags(`${VERIFY_CACHE} --interrupt-budget=${ONE_SHOT_BUDGET}${process.versions.v8.startsWith('11.') ? ` --baseline-batch-compilation-threshold=${ONE_SHOT_BASELINE_BATCH}` : ''}`);
} else if (!process.env.PCITOPO_NO_CODE_CACHE) {
  setV8Flags(VERIFY_CACHE);
}
// this file only ever runs as the CommonJS dist-cli/bin.cjs, beside the bundles
const bundle = join(__dirname, own ? `pcitopo-${command}.cjs` : 'pcitopo.cjs');
const hash = PCITOPO_BUNDLES[own ? command : ''] as string;
const source = readFileSync(bundle, 'utf8');
const useCache = !process.env.PCITOPO_NO_CODE_CACHE;
const cacheDir = join(process.env.XDG_CACHE_HOME || join(homeDirectory(), '.cache'), 'pcitopo');
const cacheFile = join(cacheDir, `v8-${hash.slice(0, 16)}-${process.version}-${process.arch}-${command}.bin`);
/**
 * Makes the cache directory one level at a time, at most its parent and itself: fs.mkdirSync's
 * `recursive` never returns on some paths (under /proc, where mkdir answers ENOENT for a parent that
 * it then cannot create: Node 20's MKDirpSync retries forever), and a cache is not worth a hang.
 */
function makeCacheDir(dir: string): void {
  for (const d of [dirname(dir), dir]) {
    try {
      mkdirSync(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

let cachedData: Buffer | undefined;
if (useCache) {
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    // no cache yet
  }
}
// The bundle is one function expression: scripts/build-cli.mjs writes CommonJS's wrapper into the
// file, so it is compiled as read (no wrapped copy of its text) and traces give the file's own lines.
const script = new Script(source, { filename: bundle, ...(cachedData ? { cachedData } : {}) });
if (useCache && (cachedData === undefined || script.cachedDataRejected)) {
  // on 'exit', which also comes when the CLI ends the process itself (bin.ts)
  process.once('exit', () => {
    try {
      makeCacheDir(cacheDir);
      const partial = `${cacheFile}.${process.pid}`;
      writeFileSync(partial, script.createCachedData());
      renameSync(partial, cacheFile);
      dropStaleCaches(cacheDir, cacheFile);
    } catch {
      // a read-only home: no cache, same results
    }
  });
}
const module = { exports: {} };
// the bundle's import.meta.url, made only when asked (`serve` finds the app from it; place never asks)
const meta = {
  get url(): string {
    return process.getBuiltinModule('node:url').pathToFileURL(bundle).href;
  },
};
(script.runInThisContext() as (...args: unknown[]) => void)(module.exports, require, module, bundle, dirname(bundle), meta);
