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

  // Inside the engine: model <- libvirt <- machines <- commands <- rules/placement (issue 12).
  const upward: ReadonlyArray<readonly [string, string]> = [
    ['src/engine/model/probe.ts', "import { F } from '../libvirt/domainAddr.ts';"],
    ['src/engine/model/probe.ts', "import { machineProfile } from '../machines/index.ts';"],
    ['src/engine/libvirt/probe.ts', "import { machineProfile } from '../machines/index.ts';"],
    ['src/engine/libvirt/probe.ts', "import { applyCommand } from '../commands/commands.ts';"],
    ['src/engine/libvirt/probe.ts', "import { place } from '../placement/index.ts';"],
    ['src/engine/libvirt/probe.ts', "import { place } from '../index.ts';"],
    ['src/engine/machines/probe.ts', "import { applyCommand } from '../commands/commands.ts';"],
    ['src/engine/machines/probe.ts', "import { validate } from '../rules/validate.ts';"],
    ['src/engine/commands/probe.ts', "import { validate } from '../rules/validate.ts';"],
    ['src/engine/commands/probe.ts', "import { place } from '../placement/index.ts';"],
  ];
  for (const [file, line] of upward) {
    it(`${file.replace(/\/probe\.ts$/, '')} may not: ${line}`, async () => {
      const messages = await ruleIdsFor(`${line}\nexport const x = 1;\n`, file);
      expect(messages.some((m) => m.startsWith('no-restricted-imports') && m.includes('layer order'))).toBe(true);
    });
  }

  const downward: ReadonlyArray<readonly [string, string]> = [
    ['src/engine/libvirt/probe.ts', "import { isPhb } from '../model/guest.ts';\nexport const f = isPhb;"],
    ['src/engine/machines/probe.ts', "import { F } from '../libvirt/domainAddr.ts';\nexport const f = F;"],
    ['src/engine/commands/probe.ts', "import { machineProfile } from '../machines/index.ts';\nexport const f = machineProfile;"],
    ['src/engine/placement/probe.ts', "import { applyCommand } from '../commands/commands.ts';\nexport const f = applyCommand;"],
    ['src/engine/rules/probe.ts', "import { predictDefine } from '../placement/defineTime.ts';\nexport const f = predictDefine;"],
  ];
  for (const [file, code] of downward) {
    it(`${file.replace(/\/probe\.ts$/, '')} may import a lower layer: ${code.split('\n')[0]}`, async () => {
      expect(await ruleIdsFor(`${code}\n`, file)).toEqual([]);
    });
  }

  it('the UI may import the engine only through its index', async () => {
    const deep = await ruleIdsFor("import { isPhb } from '../engine/model/guest.ts';\nexport const f = isPhb;\n", 'src/ui/probe.ts');
    expect(deep.some((m) => m.startsWith('no-restricted-imports'))).toBe(true);
    const viaIndex = await ruleIdsFor("import { isPhb } from '../engine/index.ts';\nexport const f = isPhb;\n", 'src/ui/probe.ts');
    expect(viaIndex).toEqual([]);
  });
});
