import { describe, expect, it } from 'vitest';
import { catalogMarkdown, ruleCatalog } from '../../src/engine/rules/coverage.ts';
import type { Rule, RuleMeta } from '../../src/engine/rules/types.ts';

/**
 * The catalog page (docs/rules.md, coverage.ts) beyond what the registered rules exercise (issue 11;
 * docs/mutation.md): their ids have one middle part and their texts no `|` nor line break, so the
 * order of ids with several middle parts and the escaping of a table cell need rules made up here.
 */

const rule = (id: string, title = 'A title'): Pick<Rule, 'meta'> => {
  const meta: RuleMeta = { id, severity: 'info', title, why: 'why', source: 'libvirt src/conf/domain_conf.c', families: 'all' };
  return { meta };
};

describe('coverage.ts: the rule catalog', () => {
  it('ids sort by their middle parts as written, dashes kept: GEN-A-B-2 before GEN-AB-1', () => {
    // both orders given, so that each id is once the left and once the right of the comparison
    for (const given of [
      ['GEN-AB-1', 'GEN-A-B-2'],
      ['GEN-A-B-2', 'GEN-AB-1'],
    ]) {
      const ids = ruleCatalog(given.map((id) => rule(id)))
        .map((r) => r.id)
        .filter((id) => given.includes(id));
      expect(ids).toEqual(['GEN-A-B-2', 'GEN-AB-1']);
    }
  });

  it('a title with `|` and a line break stays one table cell: the pipe escaped, the break a space', () => {
    const page = catalogMarkdown([rule('GEN-ZZ-1', 'one | two\nthree <node>')]);
    const row = page.split('\n').find((l) => l.startsWith('| GEN-ZZ-1 |'));
    expect(row).toBe('| GEN-ZZ-1 | info | one \\| two three `<node>` | implemented |');
  });
});
