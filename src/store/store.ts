/**
 * The designer's store (DESIGN.md §1, STYLE.md §6): the document (the Design, undoable through a
 * small past/present/future history, one entry per user intent) kept apart from the session
 * (selection, drag, messages, viewport requests), which undo never touches.
 */
import { createStore } from 'zustand/vanilla';
import type { Command, Design, DropPayload, Host, XmlEncoding } from '../engine/index.ts';
import { describeCommand } from '../engine/index.ts';
import { appliedDesign, dropTargets, hypothetical, isBusTarget, judgeInWorker, verdictOfEdit, verdictsBy, type DropTarget, type Verdict, type WorkerJudging } from './evaluate.ts';
import { releaseTaken, syncWorkspace, takenFromOthers, withActiveGuest, type Taken, type WorkspaceDoc } from './workspace.ts';

export interface DocState {
  readonly design: Design;
  /** the node-device XML the host came from: share links and autosave carry it */
  readonly hostText?: string | undefined;
  /**
   * The host file's encoding when its text does not say it (UTF-16: engine encodingBeyondText), so
   * share links and autosave give its bytes back as the domain's DomainSource.encoding does. It
   * belongs to `hostText`: a commit without this field keeps the present's when it keeps the
   * present's host text, and has none when it brings another text.
   */
  readonly hostEncoding?: XmlEncoding | undefined;
  /** name of the domain file as the user gave it */
  readonly file?: string | undefined;
  /** what produced this state, for the undo/redo tooltips */
  readonly label: string;
  /**
   * A design the app made and nobody edited since (the demo, a template, a share link as opened):
   * replacing it loses nothing, so it never displaces a design kept aside. Undo back to it finds it
   * pristine again, since history keeps whole states.
   */
  readonly pristine?: boolean | undefined;
  /** the domain text as imported, before any XML edit: "changed lines" compares against it */
  readonly baseline?: string | undefined;
  /**
   * Steps with the same mark merge into one undo step (the XML editor's live re-imports while the
   * user types): the first is pushed, the next ones replace it.
   */
  readonly coalesce?: string | undefined;
  /**
   * The other guests of a workspace (issue 15), with `design` the active one's: see workspace.ts.
   * A commit without this field keeps the present's (an edit of the active guest); a new document
   * says `workspace: undefined` to be a workspace of one.
   */
  readonly workspace?: WorkspaceDoc | undefined;
  /**
   * The libvirt release the design is placed as ("9.0"; engine model/libvirtRelease.ts), one for
   * every guest of the workspace; undefined: the default (the newest modelled). A setting of the
   * document, not an edit: a commit without this field keeps the present's, and undo and redo keep it
   * too (see setLibvirtVersion); a document opened from a link or a save says it, or the default.
   */
  readonly libvirtVersion?: string | undefined;
}

/**
 * A change of the active guest that takes host functions another guest holds, waiting for the
 * user to say whether to move them from that guest, give them to both, or cancel.
 */
export interface PendingTake {
  readonly taken: readonly Taken[];
  /** the design the change gives the active guest, and the present it was computed from */
  readonly design: Design;
  readonly from: DocState;
  readonly label: string;
}

export type TakeChoice = 'move' | 'share' | 'cancel';

export type Selection =
  | { readonly kind: 'controller'; readonly key: string }
  | { readonly kind: 'device'; readonly key: string }
  | { readonly kind: 'group'; readonly number: number }
  | { readonly kind: 'host-device'; readonly address: string };

/** What is dragged or moved: a host IOMMU group, one host function, a guest device, several guest devices (engine commands/drop.ts). */
export type DragPayload = DropPayload;

export interface DragState {
  readonly payload: DragPayload;
  /** the design the targets were listed for: every verdict of this drag judges a move from it */
  readonly design: Design;
  readonly label: string;
  readonly x: number;
  readonly y: number;
  /** drop target id -> what dropping there would give; filled as targets are judged (see judgePending) */
  readonly verdicts: ReadonlyMap<string, Verdict>;
  /** every target of this drag, listed when it starts */
  readonly targets: ReadonlyMap<string, DropTarget>;
  /** targets not judged yet, buses before slots */
  readonly pending: readonly string[];
  readonly over: string | null;
  /** why the pending targets will not be judged (a heavy design's worker failed: "checking took over 5 s"); absent while they may be */
  readonly unjudged?: string | undefined;
}

/** the buttons a message can carry: open the demo, restore the design kept aside, export the domain as UTF-8 (its encoding cannot hold an edit) */
export type MessageAction = 'open-demo' | 'restore-previous' | 'restore-this-tab' | 'export-utf8';

export interface Message {
  readonly kind: 'error' | 'notice';
  readonly text: string;
  /** buttons next to the message (e.g. "Open the demo", "Restore your previous design") */
  readonly actions?: readonly MessageAction[] | undefined;
}

/** The design kept aside when a share link, a new design or the demo replaced the user's work. */
export interface PreviousDesign {
  readonly name: string;
  readonly savedAt: string;
}

/** Where the context menu is open and what for (Shift+F10 opens it at the focused item). */
export interface ContextMenuState {
  readonly x: number;
  readonly y: number;
  readonly selection: Selection;
}

/** What the last import, auto-place or fix did, in a line ("placed 6 devices, added 3 vPHBs; 1 warning left"). */
export interface ChangeSummary {
  readonly text: string;
  readonly seq: number;
}

export interface DesignerState {
  readonly past: readonly DocState[];
  readonly present: DocState | null;
  readonly future: readonly DocState[];
  readonly selection: Selection | null;
  /**
   * Guest devices selected together (Shift/Ctrl-click, box select on the canvas): moved or removed
   * as one step. Holds the selected device too when `selection` is one; empty otherwise.
   */
  readonly selectedDevices: ReadonlySet<string>;
  readonly drag: DragState | null;
  readonly message: Message | null;
  /** a request to pan the canvas to these React Flow node ids; seq makes repeats distinct */
  readonly focus: { readonly nodeIds: readonly string[]; readonly seq: number } | null;
  readonly shareUrl: string | null;
  /** what "Restore your previous design" would bring back, if anything */
  readonly previous: PreviousDesign | null;
  readonly contextMenu: ContextMenuState | null;
  readonly summary: ChangeSummary | null;
  /** a request to move keyboard focus to the element with this data-testid once it is drawn (after a move) */
  readonly focusItem: { readonly testId: string; readonly seq: number } | null;
  /** a change waiting for the user's answer (the dialog "this group is used by guest X") */
  readonly pendingTake: PendingTake | null;

  /**
   * Replace the document with a new state as one undoable step. The state is not pristine unless
   * `next.pristine` says so; a `next.coalesce` equal to the present's replaces the present instead.
   */
  commit(next: Omit<DocState, 'label'> & { label?: string }, label: string): void;
  /**
   * Apply an engine command as one undoable step; false (and a message) when the engine refuses it.
   * In a workspace, a command that takes host functions another guest holds is not applied yet:
   * it waits in `pendingTake` for {@link resolveTake} (false meanwhile).
   */
  apply(cmd: Command, label?: string): boolean;
  /**
   * Applies an inspector edit unless it adds an error to the design (the engine's verdict on what is
   * new, `newOnly`): resolves to the rule's message when refused, else null once applied. A heavy
   * document's edit is judged in the checking worker (evaluate.ts verdictOfEdit), never here; one whose
   * check did not finish is applied as a drop is, its findings saying why they are missing. When the
   * design changed while the edit was judged, it is judged again on the new one: the edit the user
   * asked for is neither lost nor applied unjudged.
   */
  applyEdit(cmd: Command, label: string): Promise<string | null>;
  /** Answers a pending take: move the functions from the other guests (one undo step for all), give them to both, or drop the change. */
  resolveTake(choice: TakeChoice): boolean;
  /** Shows another guest of the workspace (not an undo step: the guests do not change). */
  switchGuest(name: string): void;
  /** Set the document without history (first load). */
  load(doc: DocState | null): void;
  /**
   * Sets the libvirt release the design is placed as (undefined: the default). Not an undo step:
   * undo and redo keep the setting, so undoing an edit never changes the target release.
   */
  setLibvirtVersion(version: string | undefined): void;
  undo(): void;
  redo(): void;
  select(sel: Selection | null): void;
  /** Adds a guest device to the multi-selection, or takes it out (Shift/Ctrl-click). */
  toggleDevice(key: string): void;
  /** Selects exactly these guest devices (box select); the first becomes `selection`. */
  selectDevices(keys: readonly string[]): void;
  focusNodes(nodeIds: readonly string[]): void;
  setMessage(m: Message | null): void;
  setShareUrl(url: string | null): void;
  setPrevious(previous: PreviousDesign | null): void;
  openContextMenu(menu: ContextMenuState | null): void;
  setSummary(text: string | null): void;
  focusOn(testId: string): void;
  startDrag(payload: DragPayload, label: string, x: number, y: number): void;
  /** Moves the ghost; a target the pointer enters is judged at once if it was not yet. */
  moveDrag(x: number, y: number, over: string | null): void;
  /**
   * Judges pending targets of the current drag for about budgetMs (at least one), as one state
   * change. Returns whether any remain: the UI calls it again in the next idle slice.
   */
  judgePending(budgetMs: number): boolean;
  /** Ends the drag; applies the move when it ends over a target. Returns whether a move was applied. */
  endDrag(over: string | null): boolean;
  cancelDrag(): void;
}

const HISTORY_LIMIT = 200;
const NO_KEYS: ReadonlySet<string> = new Set();

export function createDesignerStore(initial: DocState | null = null) {
  return createStore<DesignerState>()((set, get) => ({
    past: [],
    present: initial,
    future: [],
    selection: null,
    selectedDevices: NO_KEYS,
    drag: null,
    message: null,
    focus: null,
    shareUrl: null,
    previous: null,
    contextMenu: null,
    summary: null,
    focusItem: null,
    pendingTake: null,

    commit(next, label) {
      const { present, past, message } = get();
      const baseline = next.baseline ?? (next.design === present?.design ? present.baseline : undefined);
      const carried = 'workspace' in next ? next.workspace : present?.workspace;
      const workspace = carried ? syncWorkspace(carried, next.design, next.file, baseline) : undefined;
      const libvirtVersion = 'libvirtVersion' in next ? next.libvirtVersion : present?.libvirtVersion;
      const hostEncoding = 'hostEncoding' in next ? next.hostEncoding : next.hostText === present?.hostText ? present?.hostEncoding : undefined;
      const doc: DocState = { ...next, label, pristine: next.pristine ?? false, baseline, workspace, libvirtVersion, hostEncoding };
      const merge = doc.coalesce !== undefined && present?.coalesce === doc.coalesce;
      set({
        past: merge ? past : present ? [...past, present].slice(-HISTORY_LIMIT) : past,
        present: doc,
        future: [],
        // an edit makes a message stale, except the offer to restore a kept design: that one waits
        // until the user takes it or dismisses it
        message: message?.actions?.includes('restore-previous') ? message : null,
        shareUrl: null,
        summary: null,
        contextMenu: null,
      });
    },

    apply(cmd, label) {
      const present = get().present;
      if (!present) return false;
      let design: Design;
      try {
        // the design a drag's verdict judged, when it did: its findings are known already
        design = appliedDesign(present.design, cmd);
      } catch (e) {
        set({ message: { kind: 'error', text: (e as Error).message } });
        return false;
      }
      const taken = present.workspace ? takenFromOthers(present.workspace.workspace, present.workspace.active, present.design, design) : [];
      if (taken.length) {
        set({ pendingTake: { taken, design, from: present, label: label ?? describeCommand(cmd, present.design) }, drag: null });
        return false;
      }
      // an edit keeps what the document was imported from, and is the user's work
      get().commit({ design, hostText: present.hostText, file: present.file, baseline: baselineOf(present) }, label ?? describeCommand(cmd, present.design));
      return true;
    },

    async applyEdit(cmd, label) {
      for (;;) {
        const design = get().present?.design;
        if (!design) return null;
        const r = await verdictOfEdit(design, cmd, { newOnly: true });
        // it judged a design the user has since changed: judge it again on this one
        if (get().present?.design !== design) continue;
        if (r.judged && r.verdict.level === 'error') return r.verdict.message ?? 'This change would make the design invalid.';
        get().apply(cmd, label);
        return null;
      }
    },

    resolveTake(choice) {
      const { pendingTake: p, present } = get();
      set({ pendingTake: null });
      if (!p || choice === 'cancel' || present !== p.from) return false;
      const base = { design: p.design, hostText: present.hostText, file: present.file, baseline: baselineOf(present) };
      if (choice === 'share' || !present.workspace) {
        get().commit(base, p.label);
        return true;
      }
      const names = p.taken.map((t) => t.guest).join(', ');
      get().commit({ ...base, workspace: releaseTaken(present.workspace, p.taken) }, `${p.label}, taken from ${names}`);
      return true;
    },

    switchGuest(name) {
      const present = get().present;
      if (!present || present.workspace?.active === name) return;
      const next = withActiveGuest(present, name);
      // an export refusal is about the guest shown when it came: its "Export as UTF-8" would export this one
      const message = get().message?.actions?.includes('export-utf8') ? null : get().message;
      if (next) set({ present: next, selection: null, selectedDevices: NO_KEYS, drag: null, contextMenu: null, summary: null, pendingTake: null, message });
    },

    load(doc) {
      const w = doc?.workspace;
      doc = doc && w ? { ...doc, workspace: syncWorkspace(w, doc.design, doc.file, doc.baseline) } : doc;
      set({ past: [], present: doc, future: [], selection: null, selectedDevices: NO_KEYS, drag: null, shareUrl: null, summary: null, contextMenu: null });
    },

    setLibvirtVersion(version) {
      const present = get().present;
      if (!present || present.libvirtVersion === version) return;
      // the link shown was made with the old setting
      set({ present: { ...present, libvirtVersion: version }, shareUrl: null });
    },

    undo() {
      const { past, present, future } = get();
      const prev = past[past.length - 1];
      if (!prev || !present) return;
      // a drag under way was judged against the design being replaced: it ends without a drop
      set({ past: past.slice(0, -1), present: keepSetting(prev, present), future: [present, ...future], shareUrl: null, drag: null, summary: null, contextMenu: null });
    },

    redo() {
      const { past, present, future } = get();
      const next = future[0];
      if (!next || !present) return;
      set({ past: [...past, present], present: keepSetting(next, present), future: future.slice(1), shareUrl: null, drag: null, summary: null, contextMenu: null });
    },

    select(selection) {
      set({ selection, selectedDevices: selection?.kind === 'device' ? new Set([selection.key]) : NO_KEYS });
    },

    toggleDevice(key) {
      const { selection, selectedDevices } = get();
      const next = new Set(selectedDevices);
      // a device selected alone (by a plain click) joins the multi-selection it starts
      if (selection?.kind === 'device') next.add(selection.key);
      if (next.has(key)) next.delete(key);
      else next.add(key);
      const first = next.has(key) ? key : [...next][0];
      set({ selectedDevices: next, selection: first === undefined ? null : { kind: 'device', key: first } });
    },

    selectDevices(keys) {
      const first = keys[0];
      set({ selectedDevices: new Set(keys), selection: first === undefined ? null : { kind: 'device', key: first } });
    },

    focusNodes(nodeIds) {
      set({ focus: { nodeIds, seq: (get().focus?.seq ?? 0) + 1 } });
    },

    setMessage(message) {
      set({ message });
    },

    setShareUrl(shareUrl) {
      set({ shareUrl });
    },

    setPrevious(previous) {
      set({ previous });
    },

    openContextMenu(contextMenu) {
      set({ contextMenu });
    },

    setSummary(text) {
      set({ summary: text === null ? null : { text, seq: (get().summary?.seq ?? 0) + 1 } });
    },

    focusOn(testId) {
      set({ focusItem: { testId, seq: (get().focusItem?.seq ?? 0) + 1 } });
    },

    startDrag(payload, label, x, y) {
      const present = get().present;
      if (!present) return;
      const list = dropTargets(present.design, payload);
      const targets = new Map(list.map((t) => [t.id, t]));
      const pending = [...list.filter(isBusTarget), ...list.filter((t) => !isBusTarget(t))].map((t) => t.id);
      const drag: DragState = { payload, design: present.design, label, x, y, verdicts: new Map(), targets, pending, over: null };
      set({ drag });
      if (verdictsBy(drag.design) === 'worker') workerFor(drag, get, set);
    },

    moveDrag(x, y, over) {
      const drag = get().drag;
      if (!drag) return;
      const target = over === null || drag.verdicts.has(over) ? undefined : drag.targets.get(over);
      const by = target ? verdictsBy(drag.design) : 'here';
      if (!target || by !== 'here') {
        // a heavy document's target is judged in the worker, before the others
        if (target && by === 'worker') workerFor(drag, get, set).first(target.id);
        set({ drag: { ...drag, x, y, over } });
        return;
      }
      const verdicts = new Map(drag.verdicts).set(target.id, hypothetical(drag.design, target.command));
      set({ drag: { ...drag, x, y, over, verdicts, pending: drag.pending.filter((id) => id !== target.id) } });
    },

    judgePending(budgetMs) {
      const drag = get().drag;
      if (!drag) return false;
      const by = verdictsBy(drag.design);
      if (by !== 'here') {
        // the worker judges them, its answers fill the verdicts: nothing to judge on this thread
        if (by === 'worker') workerFor(drag, get, set);
        return false;
      }
      const until = performance.now() + budgetMs;
      const verdicts = new Map(drag.verdicts);
      let i = 0;
      do {
        const id = drag.pending[i++];
        const t = id === undefined || verdicts.has(id) ? undefined : drag.targets.get(id);
        if (t) verdicts.set(t.id, hypothetical(drag.design, t.command));
      } while (i < drag.pending.length && performance.now() < until);
      const pending = drag.pending.slice(i);
      set({ drag: { ...drag, verdicts, pending } });
      return pending.length > 0;
    },

    endDrag(over) {
      const drag = get().drag;
      set({ drag: null });
      if (!drag || !over) return false;
      const target = drag.targets.get(over);
      if (!target) return false;
      return get().apply(target.command, target.label);
    },

    cancelDrag() {
      set({ drag: null });
    },
  }));
}

/**
 * A heavy document's drag is judged in the worker (evaluate.ts judgeInWorker): the judging of each
 * drag, known by its payload (a new object for each drag, carried over by every update of the drag
 * state), with the design it judges.
 */
const judgingOf = new WeakMap<DragPayload, { readonly design: Design; readonly judging: WorkerJudging }>();

/**
 * The worker judging `drag`'s targets, started unless it runs (or failed: its targets stay not
 * judged, a new start would only meet the same budget). Its answers fill the drag's verdicts while
 * that drag, on that design, is the store's; an answer after it ended or for another design is dropped.
 */
function workerFor(drag: DragState, get: () => DesignerState, set: (s: Partial<DesignerState>) => void): WorkerJudging {
  const known = judgingOf.get(drag.payload);
  if (known?.design === drag.design && (known.judging.running || known.judging.failed)) return known.judging;
  known?.judging.stop();
  const { payload, design } = drag;
  const ours = (): DragState | null => {
    const d = get().drag;
    return d && d.payload === payload && d.design === design ? d : null;
  };
  const judging = judgeInWorker(
    design,
    drag.targets,
    drag.pending,
    (got) => {
      const d = ours();
      if (!d) return false;
      const verdicts = new Map(d.verdicts);
      for (const [id, v] of got) verdicts.set(id, v);
      set({ drag: { ...d, verdicts, pending: d.pending.filter((id) => !got.has(id)) } });
      return true;
    },
    (why) => {
      const d = ours();
      if (d) set({ drag: { ...d, unjudged: why } });
    },
  );
  judgingOf.set(payload, { design, judging });
  return judging;
}

export type DesignerStore = ReturnType<typeof createDesignerStore>;

/** A history state with the present's libvirt release: the setting is not part of undo (the same state when it agrees). */
function keepSetting(doc: DocState, present: DocState): DocState {
  return doc.libvirtVersion === present.libvirtVersion ? doc : { ...doc, libvirtVersion: present.libvirtVersion };
}

/** The text "changed lines" compares against: the domain as imported, before any XML edit. */
export function baselineOf(doc: DocState): string {
  return doc.baseline ?? doc.design.source.text;
}

/** Convenience for callers that build a DocState from an import. */
export function docOf(design: Design, label: string, hostText?: string, file?: string, pristine = false): DocState {
  return { design, label, hostText, file, pristine };
}

export type { Host };
