import type { Design, Finding } from '../../engine/index.ts';
import { applyFixes, exportDomain, machineFamily, ruleMeta, subjectNames, validate } from '../../engine/index.ts';
import type { CommandContext } from '../commands.ts';
import { EXIT, colours, usageError } from '../io.ts';
import { writeText } from '../xmlio.ts';
import { jsonLine, loadDesign, str } from './shared.ts';

/** `pcitopo validate DOMAIN.xml [--host HOST] [--json] [--fix [--out FILE]]` */
export async function run(ctx: CommandContext): Promise<number> {
  const loaded = await loadDesign(ctx);
  let design = loaded.design;
  const target = str(ctx, 'out');
  const fix = ctx.values.fix === true;
  if (target !== undefined && !fix) throw usageError('--out goes with --fix (without it, validate prints findings, not XML)');
  if (fix) {
    design = applyFixes(design);
    writeText(target, exportDomain(design), loaded.domain.encoding, ctx.io);
  }
  const findings = validate(design);
  // With the fixed XML on standard output, the findings go to standard error.
  const stream = fix && (target === undefined || target === '-') ? ctx.io.stderr : ctx.io.stdout;
  if (ctx.json) stream.write(jsonLine(findings));
  else {
    const c = colours(stream, ctx.io.env);
    for (const f of findings) stream.write(`${formatFinding(f, design, c)}\n`);
    stream.write(`${summary(findings)}\n`);
  }
  return findings.some((f) => f.severity === 'error') ? EXIT.findings : EXIT.ok;
}

function formatFinding(f: Finding, design: Design, c: ReturnType<typeof colours>): string {
  // in libvirt's words: "vPHB 0, disk vda", never an internal key like disk-0
  const subjects = subjectNames(design.guest, f.subjects, machineFamily(design.guest));
  const paint = f.severity === 'error' ? c.red : f.severity === 'warning' ? c.yellow : c.cyan;
  const lines = [`${paint(f.severity.padEnd(7))} ${c.bold(f.ruleId)}: ${f.message}${subjects.length ? ` [${subjects.join(', ')}]` : ''}`];
  const meta = ruleMeta(f.ruleId);
  if (meta && f.severity !== 'info') lines.push(`        source: ${meta.source}`);
  for (const fx of f.fixes ?? []) lines.push(`        fix: ${fx.label}`);
  return lines.join('\n');
}

function summary(findings: readonly Finding[]): string {
  const count = (s: string) => findings.filter((f) => f.severity === s).length;
  return `${count('error')} error(s), ${count('warning')} warning(s), ${count('info')} note(s)`;
}
