import type { Plugin } from 'vite';

/** Rule modules: src/engine/rules/**.ts, tests apart. */
const RULE_MODULE = /[\\/]src[\\/]engine[\\/]rules[\\/](?:.*[\\/])?[^\\/]+(?<!\.test)\.ts$/;

interface Span {
  readonly start: number;
  readonly end: number;
}
interface TopLevel extends Span {
  readonly type: string;
  readonly declaration?: { readonly type: string; readonly declarations?: readonly { readonly id: { readonly type: string; readonly name?: string } }[] } | null;
}

/**
 * `code` (a rule module as JavaScript, `program` its ESTree) without its `export const cases = …`
 * statement, or null when it has none.
 */
export function withoutCaseTable(code: string, program: { readonly body: readonly TopLevel[] }): string | null {
  const cut = program.body.find((node) => {
    const decls = node.type === 'ExportNamedDeclaration' && node.declaration?.type === 'VariableDeclaration' ? (node.declaration.declarations ?? []) : [];
    return decls.length === 1 && decls[0]?.id.type === 'Identifier' && decls[0].id.name === 'cases';
  });
  return cut ? code.slice(0, cut.start) + code.slice(cut.end) : null;
}

/**
 * Leaves the rules' case tables (`export const cases = …`: the fixtures each rule file builds for its
 * tests) out of the browser's bundles. The app never reads them, but the bundler keeps building them
 * (it must assume the fixture builders have effects), so every page load and every checking worker
 * built a few hundred fixture designs before doing anything else. Build only: tests and the CLI
 * (scripts/build-cli.mjs, esbuild) import the rule files as they are.
 */
export function dropCaseTables(): Plugin {
  return {
    name: 'pcitopo-drop-case-tables',
    apply: 'build',
    transform(code, id) {
      if (!RULE_MODULE.test(id) || !code.includes('cases')) return null;
      const out = withoutCaseTable(code, this.parse(code) as unknown as { body: TopLevel[] });
      return out === null ? null : { code: out, map: null };
    },
  };
}
