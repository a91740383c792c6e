import { existsSync } from 'node:fs';
import path from 'node:path';
import { it } from 'vitest';

/**
 * Tests that need something outside the repository (`../shared`: the libvirt corpus, schemas,
 * RULES.md, the failing cases; or a tool such as xmllint) get it through here, so a missing
 * resource is never a silent pass:
 * - under CI (`CI` set and not "false"/"0") the stand-in test FAILS, naming what is missing;
 * - outside CI it is skipped at run time with the reason printed, so a developer without
 *   `../shared` still sees what did not run.
 * Call these while tests are collected (top level or in a describe callback).
 */

export const REPO = path.resolve(import.meta.dirname, '..', '..');
/**
 * ../shared beside the checkout (TEAM.md): tests only; the product never reads it.
 * PCITOPO_SHARED overrides it for runs from a copy of the checkout (Stryker's sandbox).
 */
export const SHARED = process.env['PCITOPO_SHARED'] || path.resolve(REPO, '..', 'shared');

export function inCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env['CI'];
  return v !== undefined && v !== '' && v !== 'false' && v !== '0';
}

/**
 * Registers the one test that stands for checks that cannot run because `what` is missing:
 * failing in CI, skipped with the reason printed elsewhere.
 */
export function cannotRun(what: string, reason: string): void {
  const text = `${what} not run: ${reason}`;
  it(text, standIn(text, reason));
}

/** The stand-in test's body: throws under CI, else prints the reason and skips (`ctx.skip`). */
export function standIn(text: string, reason: string, env: NodeJS.ProcessEnv = process.env): (ctx: { skip: (note?: string) => void }) => void {
  return (ctx) => {
    if (inCi(env)) throw new Error(`${text} (CI must run it: put ../shared beside the checkout, or run bash scripts/setup-test-deps.sh)`);
    console.warn(`[skipped] ${text}`);
    ctx.skip(reason);
  };
}

/**
 * `../shared/<parts…>` when it exists; otherwise registers {@link cannotRun} for `what` and
 * returns undefined: `const corpus = sharedPath('the libvirt corpus', 'corpus', 'libvirt'); if (corpus) …`.
 */
export function sharedPath(what: string, ...parts: string[]): string | undefined {
  const p = path.join(SHARED, ...parts);
  if (existsSync(p)) return p;
  cannotRun(what, `${p} is absent (../shared lives beside the checkout)`);
  return undefined;
}

/** Several `../shared` paths that are needed together: all of them, or undefined (one stand-in test). */
export function sharedPaths(what: string, ...paths: ReadonlyArray<readonly string[]>): string[] | undefined {
  const full = paths.map((parts) => path.join(SHARED, ...parts));
  const absent = full.filter((p) => !existsSync(p));
  if (absent.length === 0) return full;
  cannotRun(what, `${absent.join(', ')} ${absent.length === 1 ? 'is' : 'are'} absent (../shared lives beside the checkout)`);
  return undefined;
}

/** A tool at a fixed path (xmllint, …): true when present, else {@link cannotRun} is registered. */
export function needTool(what: string, file: string, install: string): boolean {
  if (existsSync(file)) return true;
  cannotRun(what, `${file} is missing (${install})`);
  return false;
}
