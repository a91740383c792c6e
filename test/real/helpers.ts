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

/**
 * A small `<domain type='kvm'>` for the real tests: its name, machine (arch x86_64 unless given),
 * memory in MiB (1024 unless given) and `devices`, lines the caller indents by four spaces and ends
 * with a newline. No <vcpu>: libvirt's default of one is enough, and `pcitopo verify` runs it as TCG.
 */
export function guestXml(o: { name: string; machine: string; arch?: string; memoryMiB?: number; devices: string }): string {
  return `<domain type='kvm'>
  <name>${o.name}</name>
  <memory unit='MiB'>${o.memoryMiB ?? 1024}</memory>
  <os>
    <type arch='${o.arch ?? 'x86_64'}' machine='${o.machine}'>hvm</type>
  </os>
  <devices>
${o.devices}  </devices>
</domain>
`;
}

/**
 * `n` NICs without a PCI address, one line each (indented, newline-ended), of NIC `model`; each has
 * its own MAC (52:54:00:00:HH:LL, n up to 65536). `source` 'user' needs nothing of the host, 'network'
 * names libvirt's default network (only define, not start, can use it in the sandbox).
 */
export function nicLines(n: number, model: string, source: 'user' | 'network' = 'user'): string {
  const hex = (b: number): string => b.toString(16).padStart(2, '0');
  const from = source === 'user' ? `<interface type='user'>` : `<interface type='network'>`;
  const net = source === 'user' ? '' : `<source network='default'/>`;
  return Array.from({ length: n }, (_, i) => `    ${from}<mac address='52:54:00:00:${hex(i >> 8)}:${hex(i & 255)}'/>${net}<model type='${model}'/></interface>\n`).join('');
}
