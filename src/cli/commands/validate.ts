import type { Design, Finding, WorkspaceFinding } from '../../engine/index.ts';
import { RULES, anyRuleMeta, applyFixes, exportDomain, guestNamed, machineFamily, subjectNames, validate, validateWorkspace, WORKSPACE_RULES } from '../../engine/index.ts';
import type { CommandContext } from '../commands.ts';
import { EXIT, colours, usageError } from '../io.ts';
import { writeText } from '../xmlio.ts';
import { isDirectory, loadWorkspace } from '../workspaceio.ts';
import { jsonLine, libvirtVersionOption, loadDesign, releaseNote, str } from './shared.ts';

/**
 * `pcitopo validate DOMAIN.xml [--host HOST] [--json] [--fix [--out FILE]]`, and for a workspace
 * `pcitopo validate A.xml B.xml … [--host HOST] [--json]` or `pcitopo validate DIR` (a directory
 * as `collect` writes it). `--libvirt-version V`: judge the design as that libvirt release defines it
 * (rules/validate.ts ValidateOptions; default 10.7), as `place --libvirt-version` places.
 */
export async function run(ctx: CommandContext): Promise<number> {
  const release = { libvirtVersion: libvirtVersionOption(ctx) };
  const note = release.libvirtVersion !== undefined && !ctx.json ? releaseNote('validate', release.libvirtVersion, (as) => `is validated as libvirt ${as} defines`) : undefined;
  if (note !== undefined) ctx.io.stderr.write(note);
  if (ctx.positionals.length > 1 || isDirectory(ctx.positionals[0] as string)) return runWorkspace(ctx, release);
  const loaded = await loadDesign(ctx);
  let design = loaded.design;
  const target = str(ctx, 'out');
  const fix = ctx.values.fix === true;
  if (target !== undefined && !fix) throw usageError('--out goes with --fix (without it, validate prints findings, not XML)');
  if (fix) {
    design = applyFixes(design, release);
    writeText(target, exportDomain(design), loaded.domain.encoding, ctx.io);
  }
  const findings = validate(design, RULES, release);
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
  const meta = anyRuleMeta(f.ruleId);
  if (meta && f.severity !== 'info') lines.push(`        source: ${meta.source}`);
  for (const fx of f.fixes ?? []) lines.push(`        fix: ${fx.label}`);
  return lines.join('\n');
}

function summary(findings: readonly Finding[]): string {
  const count = (s: string) => findings.filter((f) => f.severity === s).length;
  return `${count('error')} error(s), ${count('warning')} warning(s), ${count('info')} note(s)`;
}

/**
 * Several domains of one host: each domain's findings under its name, then those across guests.
 * Same exit codes as one domain. --json: one array of findings, each with `domains` (the domain
 * names it is about) and, when that is one domain, `domain`.
 */
async function runWorkspace(ctx: CommandContext, release: { readonly libvirtVersion: string | undefined }): Promise<number> {
  if (ctx.values.fix === true || str(ctx, 'out') !== undefined) throw usageError('--fix and --out take one domain: fix each domain file on its own');
  const { workspace } = await loadWorkspace(ctx.positionals, str(ctx, 'host'), ctx.io);
  const findings = validateWorkspace(workspace, release);
  const out = ctx.io.stdout;
  if (ctx.json) {
    out.write(jsonLine(findings.map((f) => (f.domains.length === 1 ? { domain: f.domains[0], ...f } : f))));
  } else {
    const c = colours(out, ctx.io.env);
    const indent = (text: string) => text.replace(/^/gm, '  ');
    for (const g of workspace.guests) {
      const own = findings.filter((f) => f.domains.length === 1 && f.domains[0] === g.name && !isAcross(f));
      out.write(`${c.bold(`domain ${g.name}`)}${g.file ? ` (${g.file})` : ''}: ${summary(own)}\n`);
      for (const f of own) out.write(`${indent(formatFinding(f, g.design, c))}\n`);
    }
    const across = findings.filter(isAcross);
    out.write(`${c.bold('across guests')}${workspace.host ? '' : ' (no host loaded: IOMMU groups and NUMA nodes unknown)'}: ${summary(across)}\n`);
    // subjects across guests are host functions: named as the first guest that passes them through names them
    for (const f of across) {
      const first = guestNamed(workspace, f.domains[0] ?? '') ?? workspace.guests[0];
      out.write(`${indent(first ? formatFinding(f, first.design, c) : f.message)}\n`);
    }
    out.write(`${workspace.guests.length} domains: ${summary(findings)}\n`);
  }
  return findings.some((f) => f.severity === 'error') ? EXIT.findings : EXIT.ok;
}

const ACROSS = new Set(WORKSPACE_RULES.map((r) => r.meta.id));
const isAcross = (f: WorkspaceFinding): boolean => ACROSS.has(f.ruleId);
