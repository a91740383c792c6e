import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../src/cli/commands.ts';

/** The README's CLI reference table names every option each command's --help lists. */
describe('README CLI reference', () => {
  const readme = readFileSync(resolve(import.meta.dirname, '..', 'README.md'), 'utf8');
  const rows = readme.split('\n').filter((l) => l.startsWith('| `'));

  it.each(COMMANDS.map((c) => [c.name, c] as const))('the %s rows list every option of its --help', (name, spec) => {
    const own = rows.filter((r) => r.startsWith(`| \`${name}`) && /^[ `|]/.test(r.slice(3 + name.length)));
    expect(own.length, `a row for ${name}`).toBeGreaterThan(0);
    const cells = own.map((r) => r.split(/(?<!\\)\|/).slice(3).join('|')).join(' ');
    for (const option of Object.keys(spec.options)) expect(cells, `${name} --${option}`).toContain(`--${option}`);
  });
});
