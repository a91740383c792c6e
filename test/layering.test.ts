import { resolve } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The engine must stay framework-free (DESIGN.md §1). This proves the lint rule really bites,
// so a future config change cannot silently switch the layering check off.
const ROOT = resolve(import.meta.dirname, '..');
const eslint = new ESLint({ cwd: ROOT });

async function ruleIdsFor(code: string, file: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: resolve(ROOT, file) });
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
}

describe('layering', () => {
  const forbidden = [
    "import { useState } from 'react';",
    "import { create } from 'zustand';",
    "import { ReactFlow } from '@xyflow/react';",
    "import { readFileSync } from 'node:fs';",
    "import { store } from '../store/store.ts';",
  ];
  for (const line of forbidden) {
    it(`src/engine may not: ${line}`, async () => {
      const messages = await ruleIdsFor(`${line}\nexport const x = 1;\n`, 'src/engine/model/probe.ts');
      expect(messages.some((m) => m.startsWith('no-restricted-imports'))).toBe(true);
    });
  }

  it('src/engine may import its own modules', async () => {
    const messages = await ruleIdsFor("import type { Guest } from './guest.ts';\nexport type G = Guest;\n", 'src/engine/model/probe.ts');
    expect(messages).toEqual([]);
  });

  it('the UI may import the engine only through its index', async () => {
    const deep = await ruleIdsFor("import { isPhb } from '../engine/model/guest.ts';\nexport const f = isPhb;\n", 'src/ui/probe.ts');
    expect(deep.some((m) => m.startsWith('no-restricted-imports'))).toBe(true);
    const viaIndex = await ruleIdsFor("import { isPhb } from '../engine/index.ts';\nexport const f = isPhb;\n", 'src/ui/probe.ts');
    expect(viaIndex).toEqual([]);
  });
});
