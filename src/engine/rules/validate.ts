import type { Design } from '../model/design.ts';
import { applyCommand, CommandError } from '../commands/commands.ts';
import type { Bus, ContextOptions, RuleContext } from './context.ts';
import { appliesTo, buildContext } from './context.ts';
import { libvirtControllerOrder } from '../libvirt/qemuDomainAddress.ts';
import { RULES } from './index.ts';
import type { Finding, Rule, RuleMeta, Severity } from './types.ts';

/**
 * What a validation judges the design as: the libvirt release it targets ("9.0", "10.7.0"; the
 * app's release setting, `validate --libvirt-version`). Where releases differ the define-time model
 * follows it (libvirtControllerOrder: libvirt 9.0 gives the controllers it adds their defaults, a
 * pseries PHB's target index, after the written ones). Undefined: libvirt 10.7, the default.
 */
export interface ValidateOptions {
  readonly libvirtVersion?: string | undefined;
}

const contextOptions = (opts: ValidateOptions): ContextOptions => ({ order: libvirtControllerOrder(opts.libvirtVersion), libvirtVersion: opts.libvirtVersion });

const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

function subjectsKey(f: Finding): string {
  const s = f.subjects;
  return `${(s.controllers ?? []).join(',')}|${(s.devices ?? []).join(',')}|${(s.groups ?? []).join(',')}`;
}

/**
 * Deterministic order: severity, impact (higher first), rule id, subjects, message. Sorts in place
 * and returns `findings`. Each finding's keys are made once, not once per comparison: the sort runs
 * on every re-validation of a drag (DESIGN.md §7).
 */
export function sortFindings(findings: Finding[]): Finding[] {
  const keys = new Map<Finding, { readonly impact: number; readonly subjects: string }>();
  const keyOf = (f: Finding) => {
    let k = keys.get(f);
    if (!k) keys.set(f, (k = { impact: ruleMeta(f.ruleId)?.impact ?? 0, subjects: subjectsKey(f) }));
    return k;
  };
  return findings.sort((a, b) => {
    const bySeverity = SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity];
    if (bySeverity) return bySeverity;
    const ka = keyOf(a);
    const kb = keyOf(b);
    return (
      kb.impact - ka.impact ||
      (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0) ||
      (ka.subjects < kb.subjects ? -1 : ka.subjects > kb.subjects ? 1 : 0) ||
      (a.message < b.message ? -1 : a.message > b.message ? 1 : 0)
    );
  });
}

let metaById: Map<string, RuleMeta> | undefined;

export function ruleMeta(id: string): RuleMeta | undefined {
  metaById ??= new Map(RULES.map((r) => [r.meta.id, r.meta]));
  return metaById.get(id);
}

function rulesFor(ctx: RuleContext, rules: readonly Rule[]): Rule[] {
  return rules.filter((r) => appliesTo(r.meta, ctx.family));
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e)).split('\n')[0]?.slice(0, 200) ?? '';

/**
 * The one finding a rule gives when it throws (issue 11): the rule's own id, so the user sees which
 * check could not be made, while every other rule's findings still show. An error, because the
 * design may well be one libvirt refuses; `internal` lets the CLI and the app tell a pcitopo bug
 * apart from a verdict on the design.
 */
export function internalFinding(meta: Pick<RuleMeta, 'id' | 'title'>, e: unknown): Finding {
  return {
    ruleId: meta.id,
    severity: 'error',
    message: `${meta.id} (${meta.title}) could not be checked: the rule failed on this design (${errorText(e)}). This is a bug in pcitopo; please report it with the domain XML. The other findings are complete.`,
    subjects: {},
    internal: true,
  };
}

/** A rule's findings, or its one internal finding when it throws: no exception leaves validate. */
function isolated(r: Rule, run: () => Finding[]): Finding[] {
  try {
    return run();
  } catch (e) {
    return [internalFinding(r.meta, e)];
  }
}

/** When the design cannot even be indexed for the rules (a bug), one finding says so instead of a throw. */
const CONTEXT_META = { id: 'INTERNAL', title: 'reading the design for the rules' };

/**
 * Every finding of every rule that applies to the guest's machine family, sorted. Never throws:
 * a rule that fails gives one `internal` finding with its id (see {@link internalFinding}).
 * `rules` is the catalog by default (tests pass others); `opts`: the release ({@link ValidateOptions}).
 */
export function validate(design: Design, rules: readonly Rule[] = RULES, opts: ValidateOptions = {}): Finding[] {
  let ctx: RuleContext;
  try {
    ctx = buildContext(design, contextOptions(opts));
  } catch (e) {
    return [internalFinding(CONTEXT_META, e)];
  }
  const out: Finding[] = [];
  for (const r of rulesFor(ctx, rules)) out.push(...isolated(r, () => r.check(ctx)));
  return sortFindings(out);
}

interface BusEntry {
  readonly bus: Bus;
  readonly findings: Finding[];
}

function sameBus(a: Bus, b: Bus): boolean {
  if (a.controller !== b.controller || a.devices.length !== b.devices.length || a.controllers.length !== b.controllers.length) return false;
  for (let i = 0; i < a.devices.length; i++) if (a.devices[i] !== b.devices[i]) return false;
  for (let i = 0; i < a.controllers.length; i++) if (a.controllers[i] !== b.controllers[i]) return false;
  return true;
}

/**
 * Incremental validation for drags and edits (DESIGN.md §7). Commands keep untouched guest objects
 * identical, so a per-bus rule's findings are re-used for every bus whose controller and occupants
 * are the same objects as last time. Whole-design rules are cheap single passes and always re-run.
 * Anything the per-bus rules read from outside the bus (host, machine, NUMA cells, whether there is
 * a pcie-root) is part of the cache key: when it changes, the cache is dropped. The release (`opts`,
 * {@link ValidateOptions}) is the validator's own: another release, another validator.
 */
export function createValidator(rules: readonly Rule[] = RULES, opts: ValidateOptions = {}): (design: Design) => Finding[] {
  let key: readonly unknown[] = [];
  let cache = new Map<string, Map<number, BusEntry>>();
  const options = contextOptions(opts);
  return (design) => {
    let ctx: RuleContext;
    try {
      ctx = buildContext(design, options);
    } catch (e) {
      cache = new Map();
      key = [];
      return [internalFinding(CONTEXT_META, e)];
    }
    const g = design.guest;
    const nextKey = [design.host, g.machine, g.arch, g.numaCells, g.numaMemnodes, ctx.pcieRoot];
    if (nextKey.some((v, i) => v !== key[i])) cache = new Map();
    key = nextKey;
    const out: Finding[] = [];
    for (const r of rulesFor(ctx, rules)) {
      const checkBus = r.checkBus;
      if (!checkBus) {
        out.push(...isolated(r, () => r.check(ctx)));
        continue;
      }
      // A rule that throws on one bus gives one finding for the whole rule, and nothing is cached for it.
      const prev = cache.get(r.meta.id);
      cache.delete(r.meta.id);
      out.push(
        ...isolated(r, () => {
          const next = new Map<number, BusEntry>();
          const found: Finding[] = [];
          for (const bus of ctx.buses) {
            const hit = prev?.get(bus.index);
            const entry = hit && sameBus(hit.bus, bus) ? hit : { bus, findings: checkBus(ctx, bus) };
            next.set(bus.index, entry);
            found.push(...entry.findings);
          }
          if (r.checkOffBus) found.push(...r.checkOffBus(ctx));
          cache.set(r.meta.id, next);
          return found;
        }),
      );
    }
    return sortFindings(out);
  };
}

/**
 * How much the errors weigh: `[error findings, devices + controllers + groups they name]`. Three
 * devices at one address are one GEN-ADDR-4 error before and after its fix moves one of them (it
 * then names two), so the count of errors alone would stop `validate --fix` there.
 */
function errorWeight(findings: readonly Finding[]): readonly [number, number] {
  let n = 0;
  let named = 0;
  for (const f of findings) {
    if (f.severity !== 'error') continue;
    n++;
    named += (f.subjects.devices?.length ?? 0) + (f.subjects.controllers?.length ?? 0) + (f.subjects.groups?.length ?? 0);
  }
  return [n, named];
}

const lighter = (a: readonly [number, number], b: readonly [number, number]): boolean => a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);

/**
 * `validate --fix`: applies the first fix of an error finding, re-validates, and goes on while the
 * errors get lighter ({@link errorWeight}: fewer, or as many naming fewer subjects; a pair of
 * naturals that only decreases, so the loop ends). One fix per round because two fixes computed on
 * the same design can collide (two devices moved to the same free slot).
 */
export function applyFixes(design: Design, opts: { maxRounds?: number } & ValidateOptions = {}): Design {
  const maxRounds = opts.maxRounds ?? 200;
  const release = { libvirtVersion: opts.libvirtVersion };
  let current = design;
  let findings = validate(current, RULES, release);
  for (let round = 0; round < maxRounds; round++) {
    const before = errorWeight(findings);
    if (before[0] === 0) break;
    let progressed = false;
    for (const f of findings) {
      const fix = f.severity === 'error' ? f.fixes?.[0] : undefined;
      if (!fix) continue;
      let next: Design;
      try {
        next = applyCommand(current, fix.command);
      } catch (e) {
        if (e instanceof CommandError) continue;
        throw e;
      }
      const nextFindings = validate(next, RULES, release);
      if (lighter(errorWeight(nextFindings), before)) {
        current = next;
        findings = nextFindings;
        progressed = true;
        break;
      }
    }
    if (!progressed) break;
  }
  return current;
}
