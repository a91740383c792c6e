import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { cannotRun, SHARED } from './shared.ts';

export { SHARED };
/** libvirt's RNG schemas live in ../shared (tests only; the product never reads them). */
export const DOMAIN_RNG = path.join(SHARED, 'schemas', 'libvirt', 'domain.rng');
export const XMLLINT = '/usr/bin/xmllint';

/**
 * Validates documents against libvirt's domain schema in one xmllint run; returns xmllint's
 * complaints, '' when all are valid. Missing xmllint or schema is a setup error, never a reason to
 * pass: the calling test fails naming it. A file whose tests are all schema checks registers
 * {@link needDomainSchema} first, so outside CI it skips with the reason instead.
 */
export function domainSchemaErrors(docs: ReadonlyArray<readonly [string, string]>): string {
  if (!existsSync(XMLLINT)) throw new Error(`xmllint is missing at ${XMLLINT}; run: bash scripts/setup-test-deps.sh`);
  if (!existsSync(DOMAIN_RNG)) throw new Error(`libvirt's domain schema is missing at ${DOMAIN_RNG} (../shared lives beside the checkout)`);
  const dir = mkdtempSync(path.join(tmpdir(), 'pcitopo-xml-'));
  try {
    const files = docs.map(([name, text]) => {
      const f = path.join(dir, name);
      writeFileSync(f, text);
      return f;
    });
    try {
      execFileSync(XMLLINT, ['--noout', '--relaxng', DOMAIN_RNG, ...files], { stdio: 'pipe' });
      return '';
    } catch (e) {
      const err = e as { stderr?: Buffer };
      return (err.stderr?.toString() ?? String(e)).split('\n').filter((l) => !l.endsWith(' validates')).join('\n');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * For a describe block of schema checks: true when xmllint and libvirt's domain schema are there;
 * otherwise one stand-in test is registered (failing in CI, skipped with the reason elsewhere).
 */
export function needDomainSchema(): boolean {
  const missing = [existsSync(XMLLINT) ? '' : `${XMLLINT} (run: bash scripts/setup-test-deps.sh)`, existsSync(DOMAIN_RNG) ? '' : `${DOMAIN_RNG} (../shared lives beside the checkout)`].filter(Boolean);
  if (missing.length === 0) return true;
  cannotRun("libvirt's domain schema check", `missing ${missing.join(' and ')}`);
  return false;
}
