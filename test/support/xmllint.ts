import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** libvirt's RNG schemas live in ../shared (tests only; the product never reads them). */
export const SHARED = path.resolve(import.meta.dirname, '..', '..', '..', 'shared');
export const DOMAIN_RNG = path.join(SHARED, 'schemas', 'libvirt', 'domain.rng');
export const XMLLINT = '/usr/bin/xmllint';

/**
 * Validates documents against libvirt's domain schema in one xmllint run; returns xmllint's
 * complaints, '' when all are valid. Missing xmllint is a setup error, not a reason to pass.
 */
export function domainSchemaErrors(docs: ReadonlyArray<readonly [string, string]>): string {
  if (!existsSync(XMLLINT)) throw new Error(`xmllint is missing at ${XMLLINT}; run: bash scripts/setup-test-deps.sh`);
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
