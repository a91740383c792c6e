import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDesign, validate } from '../../src/engine/index.ts';
import type { Command, Design } from '../../src/engine/index.ts';
import { runVerify } from '../../src/cli/verify/index.ts';
import type { VerifyReport } from '../../src/cli/verify/index.ts';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** libvirt's QEMU capability probe, kept between runs (~1.5 s per emulator) */
export const CACHE_DIR = path.join(REPO, 'node_modules/.cache/pcitopo-real');

/** `pcitopo verify` of `xml` here, with the capability cache kept between runs; `timeoutSec` per stage. */
export const verify = (xml: string, timeoutSec = 120): Promise<VerifyReport> => runVerify(xml, { cacheDir: CACHE_DIR, timeoutSec });

/** The first fix `rule` offers on `d` (its label and command); throws when it offers none. */
export function firstFix(d: Design, rule: string): { readonly label: string; readonly command: Command } {
  const fix = validate(d).find((f) => f.ruleId === rule)?.fixes?.[0];
  if (!fix) throw new Error(`${rule} offers no fix`);
  return fix;
}

export function design(xml: string): Design {
  const r = createDesign(xml);
  if (!r.ok) throw new Error(`createDesign refused a test design: ${r.error.message}`);
  return r.value;
}

/** libvirt's own RelaxNG schema, as installed with libvirt */
export function virtXmlValidate(xml: string): { ok: boolean; output: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pcitopo-schema-'));
  try {
    const f = path.join(dir, 'domain.xml');
    fs.writeFileSync(f, xml);
    const r = spawnSync('virt-xml-validate', [f, 'domain'], { encoding: 'utf8' });
    return { ok: r.status === 0, output: `${r.stdout}${r.stderr}`.trim() };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** XML the e2e tests exported from the app (e2e/output/**.xml), if they ran before this stage */
export function e2eExports(): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    let entries: fs.Dirent[] = [];
    try {
      entries = fs.readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.xml')) out.push(p);
    }
  };
  walk(path.join(REPO, 'e2e/output'));
  return out.sort();
}
