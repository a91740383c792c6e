/**
 * The XML drawer's editor, loaded as a lazy chunk (it is most of a 100 KiB of CodeMirror): CodeMirror 6
 * with XML highlighting. Edits are handed up after a pause; a parse error marks its line (lint); the
 * selected device's element is highlighted and scrolled to; "changed lines" steps between the lines the
 * design changed against the imported text. The app's undo and redo work from inside it.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { Annotation, EditorState, RangeSetBuilder, StateEffect, StateField, type Extension } from '@codemirror/state';
import { Decoration, EditorView, drawSelection, highlightActiveLine, keymap, lineNumbers, type DecorationSet } from '@codemirror/view';
import { defaultKeymap } from '@codemirror/commands';
import { xml as xmlLanguage } from '@codemirror/lang-xml';
import { bracketMatching, defaultHighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { lintGutter, setDiagnostics } from '@codemirror/lint';
import { changedLines, changeStarts, markedLines, nextChange } from './xmlDiff.ts';
import { adoptCodeMirrorStyles } from './cmStyles.ts';

export interface XmlEditorProps {
  /** the design's live XML */
  readonly xml: string;
  /** the text as imported: changed lines are counted against it */
  readonly baseline: string;
  /** the last edit that did not parse: its line is marked */
  readonly error: { readonly line?: number | undefined; readonly column?: number | undefined; readonly message: string } | null;
  /** the selected element, to highlight and scroll to */
  readonly highlight: { readonly from: number; readonly to: number } | undefined;
  /** the text of an edit that did not parse, shown instead of `xml` when the editor opens */
  readonly draft?: string | undefined;
  /** a line to put the cursor on and scroll to (1-based); a new seq asks again for the same line */
  readonly reveal?: { readonly line: number; readonly seq: number } | null;
  /** an edit, after the user paused typing (or left the editor); false when it did not parse */
  onEdit(text: string): boolean;
  /** the editor went back to the design's XML from a text that did not parse: its error is over */
  onDiscard(): void;
  /** the design's XML as the store holds it now: `xml` follows it a render later */
  currentXml(): string;
  onUndo(): void;
  onRedo(): void;
  /** the editor gained focus: a new typing session starts (one undo step) */
  onFocus(): void;
}

/** a change the app made (the design changed elsewhere): not an edit to hand back up */
const external = Annotation.define<boolean>();
const DEBOUNCE_MS = 350;

const setChanged = StateEffect.define<readonly number[]>();
const changedField = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(deco, tr) {
    let d = deco.map(tr.changes);
    for (const e of tr.effects) {
      if (!e.is(setChanged)) continue;
      const b = new RangeSetBuilder<Decoration>();
      const mark = Decoration.line({ class: 'cm-changed-line' });
      for (const n of e.value) if (n >= 1 && n <= tr.state.doc.lines) b.add(tr.state.doc.line(n).from, tr.state.doc.line(n).from, mark);
      d = b.finish();
    }
    return d;
  },
  provide: (f) => EditorView.decorations.from(f),
});

const setHighlight = StateEffect.define<{ from: number; to: number } | null>();
const highlightField = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(deco, tr) {
    let d = deco.map(tr.changes);
    for (const e of tr.effects) {
      if (!e.is(setHighlight)) continue;
      const v = e.value;
      const len = tr.state.doc.length;
      d = v && v.from < v.to && v.to <= len ? Decoration.set([Decoration.mark({ class: 'cm-selected-element', attributes: { 'data-testid': 'xml-selected' } }).range(v.from, v.to)]) : Decoration.none;
    }
    return d;
  },
  provide: (f) => EditorView.decorations.from(f),
});

/** The smallest replacement turning `from` into `to`: the cursor and scroll stay where they were. */
function minimalChange(from: string, to: string): { from: number; to: number; insert: string } {
  let head = 0;
  const max = Math.min(from.length, to.length);
  while (head < max && from.charCodeAt(head) === to.charCodeAt(head)) head++;
  let tail = 0;
  while (tail < max - head && from.charCodeAt(from.length - 1 - tail) === to.charCodeAt(to.length - 1 - tail)) tail++;
  return { from: head, to: from.length - tail, insert: to.slice(head, to.length - tail) };
}

export default function XmlEditor(props: XmlEditorProps) {
  const { xml, baseline, error, highlight, reveal } = props;
  const host = useRef<HTMLDivElement>(null);
  const viewRef = useRef<EditorView | null>(null);
  // the latest callbacks, for the editor's listeners (made once)
  const cb = useRef(props);
  useEffect(() => {
    cb.current = props;
  });
  const [cursorLine, setCursorLine] = useState(1);
  const [at, setAt] = useState<number | null>(null);

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const show = (view: EditorView, xml: string): void => {
      const text = view.state.doc.toString();
      if (text !== xml) view.dispatch({ changes: minimalChange(text, xml), annotations: external.of(true) });
    };
    /** hands a pending edit up now: whether it parsed, undefined when none was pending */
    const flush = (view: EditorView): boolean | undefined => {
      if (timer === undefined) return undefined;
      clearTimeout(timer);
      timer = undefined;
      return cb.current.onEdit(view.state.doc.toString());
    };
    // Over a text that did not parse (shown with its error, or typed and failing now), Ctrl+Z takes
    // the text back to the design's XML: undoing a design step instead would undo an unrelated edit
    // made before the typing, and throw the typed text away. The next Ctrl+Z undoes design steps.
    const undo = (v: EditorView): boolean => {
      const took = flush(v);
      const discard = took === false || (took === undefined && cb.current.error !== null);
      if (discard) cb.current.onDiscard();
      else cb.current.onUndo();
      // an edit handed up and undone in one keystroke leaves the design as it was: React has nothing
      // new to render, so the editor puts the design's XML back itself
      if (discard || took === true) show(v, cb.current.currentXml());
      return true;
    };
    const appKeys = keymap.of([
      { key: 'Mod-z', run: undo },
      { key: 'Mod-Shift-z', run: (v) => (flush(v), cb.current.onRedo(), true) },
      { key: 'Mod-y', run: (v) => (flush(v), cb.current.onRedo(), true) },
    ]);
    const extensions: Extension[] = [
      lineNumbers(),
      drawSelection(),
      highlightActiveLine(),
      bracketMatching(),
      xmlLanguage(),
      syntaxHighlighting(defaultHighlightStyle, { fallback: true }),
      lintGutter(),
      changedField,
      highlightField,
      appKeys,
      keymap.of(defaultKeymap),
      EditorView.contentAttributes.of({ 'aria-label': 'Domain XML editor: edits that parse change the design', 'data-testid': 'xml-editor' }),
      EditorView.updateListener.of((u) => {
        if (u.selectionSet || u.docChanged) setCursorLine(u.state.doc.lineAt(u.state.selection.main.head).number);
        if (u.docChanged && !u.transactions.some((t) => t.annotation(external))) {
          clearTimeout(timer);
          timer = setTimeout(() => {
            timer = undefined;
            cb.current.onEdit(u.view.state.doc.toString());
          }, DEBOUNCE_MS);
        }
        if (u.focusChanged) {
          if (u.view.hasFocus) cb.current.onFocus();
          else flush(u.view);
        }
      }),
    ];
    adoptCodeMirrorStyles();
    const view = new EditorView({ parent: host.current as HTMLElement, state: EditorState.create({ doc: cb.current.draft ?? cb.current.xml, extensions }) });
    viewRef.current = view;
    return () => {
      flush(view);
      view.destroy();
      viewRef.current = null;
    };
  }, []);

  // the design changed elsewhere (a drag, undo): show its XML, changing only what changed. Only a
  // change of the design's XML does: an editor opened on a broken draft keeps it until then
  const shown = useRef(xml);
  useEffect(() => {
    const view = viewRef.current;
    if (!view || shown.current === xml) return;
    shown.current = xml;
    const current = view.state.doc.toString();
    if (current === xml) return;
    view.dispatch({ changes: minimalChange(current, xml), annotations: external.of(true) });
  }, [xml]);

  const changes = useMemo(() => changedLines(baseline, xml), [baseline, xml]);
  const starts = useMemo(() => changeStarts(changes), [changes]);
  useEffect(() => {
    viewRef.current?.dispatch({ effects: setChanged.of(markedLines(changes)) });
  }, [changes]);

  useEffect(() => {
    const view = viewRef.current;
    if (!view) return;
    const doc = view.state.doc;
    const diagnostics =
      error?.line !== undefined && error.line <= doc.lines
        ? [{ from: doc.line(error.line).from, to: doc.line(error.line).to, severity: 'error' as const, message: error.message }]
        : error
          ? [{ from: 0, to: Math.min(doc.length, doc.line(1).to), severity: 'error' as const, message: error.message }]
          : [];
    view.dispatch(setDiagnostics(view.state, diagnostics));
  }, [error]);

  useEffect(() => {
    const view = viewRef.current;
    if (!view) return;
    const effects: StateEffect<unknown>[] = [setHighlight.of(highlight ?? null)];
    if (highlight && highlight.to <= view.state.doc.length) effects.push(EditorView.scrollIntoView(highlight.from, { y: 'center' }));
    view.dispatch({ effects });
  }, [highlight]);

  useEffect(() => {
    const view = viewRef.current;
    if (!view || !reveal || reveal.line < 1 || reveal.line > view.state.doc.lines) return;
    const pos = view.state.doc.line(reveal.line).from;
    view.dispatch({ selection: { anchor: pos }, effects: EditorView.scrollIntoView(pos, { y: 'center' }) });
    view.focus();
  }, [reveal]);

  const jump = (dir: 1 | -1) => {
    const view = viewRef.current;
    const line = nextChange(changes, at ?? (dir === 1 ? 0 : cursorLine + 1), dir);
    if (!view || line === undefined || line > view.state.doc.lines) return;
    const pos = view.state.doc.line(line).from;
    view.dispatch({ selection: { anchor: pos }, effects: EditorView.scrollIntoView(pos, { y: 'center' }) });
    setAt(line);
  };
  const index = at === null ? -1 : starts.indexOf(at);

  return (
    <div className="xml-editor">
      <div className="xml-changes" role="group" aria-label="Changed lines">
        <span className="muted" data-testid="xml-changes">
          {starts.length === 0 ? 'no lines changed since import' : `${starts.length} change${starts.length === 1 ? '' : 's'} since import${index >= 0 ? `: change ${index + 1} at line ${at}` : ''}`}
        </span>
        <button type="button" data-testid="xml-prev-change" disabled={starts.length === 0} onClick={() => jump(-1)} title="Previous changed lines" aria-label="Previous changed lines">
          ↑
        </button>
        <button type="button" data-testid="xml-next-change" disabled={starts.length === 0} onClick={() => jump(1)} title="Next changed lines" aria-label="Next changed lines">
          ↓
        </button>
      </div>
      <div ref={host} className="xml-cm" />
    </div>
  );
}
