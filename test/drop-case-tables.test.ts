import fs from 'node:fs';
import path from 'node:path';
import { parseAst, transformWithOxc } from 'vite';
import { describe, expect, it } from 'vitest';
import { withoutCaseTable } from '../scripts/drop-case-tables.ts';

/**
 * The browser build leaves every rule's case table out (scripts/drop-case-tables.ts) and nothing
 * else: each rule module, as the bundler sees it (TypeScript already stripped), keeps every export
 * but `cases`.
 */
const RULES = path.resolve(import.meta.dirname, '../src/engine/rules');

function ruleModules(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return ruleModules(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [p] : [];
  });
}

type Program = Parameters<typeof withoutCaseTable>[1];
/** The module as the plugin gets it in the build: TypeScript stripped by Vite's own transform. */
const js = async (file: string): Promise<string> => (await transformWithOxc(fs.readFileSync(file, 'utf8'), file)).code;
const program = (code: string): Program => parseAst(code) as unknown as Program;

function exportsOf(code: string): string[] {
  const names: string[] = [];
  for (const node of program(code).body as readonly { type: string; declaration?: { type: string; id?: { name?: string }; declarations?: { id: { name?: string } }[] } | null; specifiers?: { exported: { name?: string } }[] }[]) {
    if (node.type !== 'ExportNamedDeclaration') continue;
    for (const d of node.declaration?.declarations ?? []) names.push(String(d.id.name));
    if (node.declaration?.id?.name) names.push(node.declaration.id.name);
    for (const s of node.specifiers ?? []) names.push(String(s.exported.name));
  }
  return names.sort();
}

describe('the browser build without the rules case tables', () => {
  const withTables = ruleModules(RULES).filter((f) => /export const cases\b/.test(fs.readFileSync(f, 'utf8')));

  it('finds the rule modules that build a case table', () => {
    // one rule per file, each with its case table (STYLE.md): far more than a handful
    expect(withTables.length).toBeGreaterThan(50);
  });

  it.each(withTables.map((f) => [path.relative(RULES, f), f]))('%s keeps every export but cases', async (_name, file) => {
    const code = await js(file);
    const out = withoutCaseTable(code, program(code));
    expect(out).not.toBeNull();
    const after = exportsOf(out as string);
    expect(after).not.toContain('cases');
    expect(after).toEqual(exportsOf(code).filter((n) => n !== 'cases'));
  });

  it('leaves a module without a case table alone', async () => {
    const code = await js(path.join(RULES, 'define.ts'));
    expect(withoutCaseTable(code, program(code))).toBeNull();
  });
});
