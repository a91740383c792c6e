/**
 * Runs an action: asks whether it can run, calls `perform`, and applies what it returns to the store
 * (excalidraw's actions/manager.tsx). The only place an action's outcome touches the store.
 */
import type { Design } from '../../engine/index.ts';
import { acrossFindingsOf, checkState, designerStore, findingsOf, onChecked, workspaceOf, type DesignerStore, type DocState } from '../../store/index.ts';
import { keepPresent } from '../keeping.ts';
import { changeSummary, importSummary, workspaceImportSummary } from '../summary.ts';
import { nodeIdOf } from '../layout.ts';
import { busNodesOf } from './selection.ts';
import type { Action, ActionContext, Outcome, Then } from './types.ts';
import { currentView } from './view.ts';

/** The app's context: its one store and the canvas's view. */
export const appContext = (): ActionContext => ({ store: designerStore, view: currentView() });

function after(store: DesignerStore, before: Design | undefined, then: Then | undefined): void {
  if (!then) return;
  const st = store.getState();
  if (then.select !== undefined) st.select(then.select);
  if (then.selectDevices?.length) st.selectDevices([...then.selectDevices]);
  const now = store.getState().present?.design;
  const reveal = then.reveal && now ? busNodesOf(now, then.reveal) : [];
  const added = now && then.revealAdded ? now.guest.controllers.filter((c) => c.index !== undefined && then.revealAdded?.includes(c.index)) : [];
  const first = added.find((c) => c.index === then.revealAdded?.[0]);
  if (first) st.select({ kind: 'controller', key: first.key });
  const shown = then.focusNodes?.length ? [...then.focusNodes, ...added.map(nodeIdOf)] : added.map(nodeIdOf);
  const nodes = [...shown, ...reveal];
  if (nodes.length) st.focusNodes(nodes);
  if (then.focusItem) st.focusOn(then.focusItem);
  if (then.notice) st.setMessage({ kind: 'notice', text: then.notice });
  const doc = store.getState().present;
  if (!then.summary || !doc) return;
  const summary = then.summary;
  const say = (): void => {
    const design = doc.design;
    const ws = workspaceOf(doc);
    const active = doc.workspace?.active;
    // in a workspace, what is left of the guest shown includes the findings across guests naming it (as its tab counts)
    const left = [...findingsOf(design), ...acrossFindingsOf(ws).filter((f) => active !== undefined && f.domains.includes(active))];
    const line =
      summary === 'import' && ws.guests.length > 1
        ? workspaceImportSummary(ws.guests.map((g) => ({ design: g.design, findings: findingsOf(g.design) })), acrossFindingsOf(ws))
        : summary === 'import' || !before
          ? importSummary(design, left)
          : changeSummary(before, design, left);
    const notes = then.notes?.length ? ` (${then.notes.join('; ')})` : '';
    store.getState().setSummary(`${line}${notes}.`);
  };
  if (stillChecking(doc)) whenChecked(store, doc, say);
  else say();
}

/** Is any guest of the document still being checked off the main thread (its findings unknown yet)? */
const stillChecking = (doc: DocState): boolean => workspaceOf(doc).guests.some((g) => checkState(g.design).state === 'checking');

/**
 * Runs `fn` once every guest of `doc` is checked, if `doc` is still the document shown: a summary
 * counted while a check runs would say "no errors or warnings left" of a design not judged yet.
 */
function whenChecked(store: DesignerStore, doc: DocState, fn: () => void): void {
  const off = onChecked(() => {
    if (store.getState().present !== doc) off();
    else if (!stillChecking(doc)) {
      off();
      fn();
    }
  });
}

/**
 * Applies an outcome; returns whether the document or session changed as asked. Synchronous except
 * for side effects that wait (a PNG, the clipboard, a share link).
 */
export function applyOutcome(outcome: Outcome, ctx: ActionContext): boolean | Promise<boolean> {
  const { store } = ctx;
  const before = store.getState().present?.design;
  switch (outcome.kind) {
    case 'none':
      return false;
    case 'error':
      store.getState().setMessage({ kind: 'error', text: outcome.message, ...(outcome.actions?.length ? { actions: outcome.actions } : {}) });
      return false;
    case 'effect': {
      const fail = (e: unknown): false => {
        store.getState().setMessage({ kind: 'error', text: (e as Error).message });
        return false;
      };
      try {
        const r = outcome.run();
        return r instanceof Promise ? r.then(() => true, fail) : true;
      } catch (e) {
        return fail(e);
      }
    }
    case 'session':
      outcome.change(store);
      return true;
    case 'command': {
      if (!store.getState().apply(outcome.command, outcome.label)) return false;
      after(store, before, outcome.then);
      return true;
    }
    case 'design': {
      const present = store.getState().present;
      if (!present) return false;
      // a new host text brings its own encoding; none keeps the present's host, encoding and all
      const host = outcome.hostText !== undefined ? { hostText: outcome.hostText, hostEncoding: outcome.hostEncoding } : { hostText: present.hostText };
      store.getState().commit({ design: outcome.design, ...host, file: present.file, baseline: present.baseline ?? present.design.source.text }, outcome.label);
      after(store, before, outcome.then);
      return true;
    }
    case 'document':
      // queued before the autosave of what replaces it; a refusal is said at once and stops autosave
      void keepPresent(store);
      // a new document is a workspace of one unless it brings its guests (opening several domains)
      store.getState().commit({ workspace: undefined, ...outcome.doc }, outcome.label);
      after(store, undefined, outcome.then);
      return true;
  }
}

/**
 * Runs `action` with `arg` when it is enabled; a disabled action does nothing (its control says why).
 * Returns whether it changed anything.
 */
export function run<A>(action: Action<A>, arg: A, ctx: ActionContext = appContext()): boolean | Promise<boolean> {
  if (action.enabled(ctx.store.getState(), arg) !== true) return false;
  const outcome = action.perform(ctx, arg);
  return outcome instanceof Promise ? outcome.then((o) => applyOutcome(o, ctx)) : applyOutcome(outcome, ctx);
}
