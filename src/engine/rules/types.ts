import type { Command } from '../commands/commands.ts';
import type { MachineFamily } from '../model/guest.ts';
import type { Design } from '../model/design.ts';
import type { RuleContext, Bus } from './context.ts';

/** RULES.md §0: error = libvirt/QEMU refuses or the guest breaks; warning = works but a bad idea; info = modelled behaviour. */
export type Severity = 'error' | 'warning' | 'info';

/** A one-click repair: an engine command, so the UI, `validate --fix` and undo treat it like any edit. */
export interface Fix {
  readonly label: string;
  readonly command: Command;
}

export interface FindingSubjects {
  /** controller index */
  readonly controllers?: number[];
  /** GuestDevice.key */
  readonly devices?: string[];
  /** host IOMMU group number */
  readonly groups?: number[];
}

export interface Finding {
  readonly ruleId: string;
  readonly severity: Severity;
  readonly message: string;
  readonly subjects: FindingSubjects;
  readonly fixes?: Fix[];
  /**
   * Set only when the rule itself failed on this design (a pcitopo bug, issue 11): the finding then
   * says which check could not be made instead of judging the design. Absent otherwise.
   */
  readonly internal?: boolean;
}

export interface RuleMeta {
  /** RULES.md id, also the file name */
  readonly id: string;
  readonly severity: Severity;
  readonly title: string;
  /** why it matters, one or two sentences */
  readonly why: string;
  /** the libvirt/QEMU file and function (or doc section) the behaviour comes from */
  readonly source: string;
  /** the rule cannot judge without the host's IOMMU groups, NUMA nodes or PCIe capabilities */
  readonly needsHost?: boolean;
  readonly families: readonly MachineFamily[] | 'all';
  /**
   * Among findings of one severity, how much worse this one is for the guest (higher first; 0 when
   * absent). It orders findings, so a drop preview headlines "EEH is off for the whole PHB" before
   * "the DMA window is shared".
   */
  readonly impact?: number;
}

export interface Rule {
  readonly meta: RuleMeta;
  /** the whole-design check */
  readonly check: (ctx: RuleContext) => Finding[];
  /**
   * When present the rule only looks at one bus at a time (the controller, what is plugged into it),
   * so the incremental validator re-runs it only for buses whose objects changed. `check` must then
   * equal the concatenation of `checkBus` over `ctx.buses`.
   */
  readonly checkBus?: (ctx: RuleContext, bus: Bus) => Finding[];
  /**
   * With checkBus: what the rule says about things on no bus at all (an address that cannot be
   * read). Cheap and always re-run; `check` must include it.
   */
  readonly checkOffBus?: (ctx: RuleContext) => Finding[];
}

/** A fixture for a rule's case table. */
export interface RuleCase {
  readonly name: string;
  readonly design: Design;
  /** the libvirt release the case is judged as (ValidateOptions.libvirtVersion); undefined: 10.7 */
  readonly libvirtVersion?: string;
}

export interface FailCase extends RuleCase {
  /** the subjects of the (first) finding of this rule, compared field by field where given */
  readonly expect: FindingSubjects;
}

export interface RuleCases {
  readonly pass: readonly RuleCase[];
  readonly fail: readonly FailCase[];
}
