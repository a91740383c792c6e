/**
 * The domain XML as a drawer under the canvas (issue 10): collapsed by default below 1600 px so the
 * canvas gets the room, resizable, its open state and height remembered per user (localStorage).
 * Open, it is an editor (XmlEditor, a lazy chunk): an edit that parses re-imports live, all of one
 * typing session as one undoable step; one that does not parse marks its line and keeps the design.
 * `xml-preview` always holds the live XML of the design (DESIGN.md §6).
 */
import { lazy, Suspense, useCallback, useDeferredValue, useEffect, useMemo, useRef, useState } from 'react';
import type { Design, InputError } from '../engine/index.ts';
import { createDesign, exportDomain } from '../engine/index.ts';
import { baselineOf, designerStore, useDesigner } from '../store/index.ts';
import { tidy } from './importing.ts';
import { selectionSpan } from './xmlSpans.ts';

const XmlEditor = lazy(() => import('./XmlEditor.tsx'));

// v2: v1 stored the width's default as if the user had chosen it, so v1 values cannot tell a choice
// from a default and are not read
export const DRAWER_KEY = 'pcitopo:xml-drawer:v2';
/** below this window width the drawer starts collapsed: the canvas needs the height more */
export const OPEN_BY_DEFAULT_MIN_WIDTH = 1600;
const MIN_HEIGHT = 120;
const DEFAULT_HEIGHT = 240;
const STEP = 24;

interface DrawerPrefs {
  readonly open: boolean;
  readonly height: number;
  /** the user opened or closed the drawer: only then is `open` remembered; else it is the window width's default */
  readonly chosen: boolean;
}

/** What is stored: `open` only when the user chose it. */
interface StoredPrefs {
  readonly open?: boolean;
  readonly height: number;
}

function readPrefs(): DrawerPrefs {
  const byWidth = { open: typeof window !== 'undefined' && window.innerWidth >= OPEN_BY_DEFAULT_MIN_WIDTH, height: DEFAULT_HEIGHT, chosen: false };
  try {
    const v = JSON.parse(localStorage.getItem(DRAWER_KEY) ?? 'null') as Partial<StoredPrefs> | null;
    if (!v) return byWidth;
    const chosen = typeof v.open === 'boolean';
    return { open: chosen ? v.open === true : byWidth.open, chosen, height: typeof v.height === 'number' && v.height >= MIN_HEIGHT ? v.height : DEFAULT_HEIGHT };
  } catch {
    return byWidth;
  }
}

function storedPrefs(p: DrawerPrefs): StoredPrefs {
  return p.chosen ? { open: p.open, height: p.height } : { height: p.height };
}

const maxHeight = (): number => Math.max(MIN_HEIGHT, Math.round(window.innerHeight * 0.7));
const clampHeight = (h: number): number => Math.round(Math.min(maxHeight(), Math.max(MIN_HEIGHT, h)));

let sessions = 0;

export function XmlDrawer() {
  // the XML follows the design one render later (a low-priority render React may interrupt): a drop
  // paints the canvas and the findings without waiting for the export of the whole domain
  const live = useDesigner((s) => s.present?.design);
  const design = useDeferredValue(live);
  const baseline = useDesigner((s) => (s.present ? baselineOf(s.present) : ''));
  const selection = useDesigner((s) => s.selection);
  const [prefs, setPrefs] = useState<DrawerPrefs>(readPrefs);
  // the broken text itself is kept too: closing and reopening the drawer shows it again, not the design's XML
  const [failed, setFailed] = useState<{ readonly design: Design; readonly error: InputError; readonly text: string } | null>(null);
  // "Go to line": a pasted or replaced text leaves the view where its cursor ended, often far from the
  // line that broke; seq makes a second click on the same line move the view again
  const [reveal, setReveal] = useState<{ readonly line: number; readonly seq: number } | null>(null);
  const session = useRef(`xml-edit-${sessions}`);
  const xml = useMemo(() => (design ? exportDomain(design) : ''), [design]);
  const highlight = useMemo(() => (prefs.open && design ? selectionSpan(design, selection, xml) : undefined), [prefs.open, design, selection, xml]);
  const edited = design ? xml !== baseline : false;
  const error = failed && failed.design === live ? failed.error : null;

  // An error and its broken text belong to the design they were made against, and end for good once
  // the design changes (an edit elsewhere, undo, redo, another guest shown): undo may bring back the
  // same design, and the same XML, but the user has moved on from that text. Every change is seen
  // here, even one that React renders together with the next.
  useEffect(
    () =>
      designerStore.subscribe((s, prev) => {
        if (s.present?.design !== prev.present?.design) setFailed(null);
      }),
    [],
  );

  useEffect(() => {
    try {
      localStorage.setItem(DRAWER_KEY, JSON.stringify(storedPrefs(prefs)));
    } catch {
      // storage disabled: the drawer still works, it just forgets
    }
  }, [prefs]);

  const onEdit = useCallback((text: string): boolean => {
    const present = designerStore.getState().present;
    if (!present) return true;
    // text typed back to the design's XML: nothing to re-import, but the error of the broken text
    // before it is over
    if (text === exportDomain(present.design)) {
      setFailed(null);
      return true;
    }
    // the file's encoding its text does not say (UTF-16) stays with the edited text
    const r = createDesign(text, present.design.host, present.file, present.design.source.encoding);
    if (!r.ok) {
      setFailed({ design: present.design, error: r.error, text });
      return false;
    }
    setFailed(null);
    designerStore.getState().commit({ design: r.value, hostText: present.hostText, file: present.file, baseline: baselineOf(present), coalesce: session.current }, 'Edit the XML');
    return true;
  }, []);
  const onDiscard = useCallback(() => setFailed(null), []);
  const currentXml = useCallback(() => {
    const present = designerStore.getState().present;
    return present ? exportDomain(present.design) : '';
  }, []);
  const onFocus = useCallback(() => {
    session.current = `xml-edit-${++sessions}`;
  }, []);
  const onUndo = useCallback(() => designerStore.getState().undo(), []);
  const onRedo = useCallback(() => designerStore.getState().redo(), []);

  const resize = (e: React.PointerEvent) => {
    if (e.button !== 0) return;
    e.preventDefault();
    const startY = e.clientY;
    const start = prefs.height;
    const move = (ev: PointerEvent) => setPrefs((p) => ({ ...p, height: clampHeight(start + startY - ev.clientY) }));
    const up = () => {
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', up);
    };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
  };

  return (
    <section className={`xmlpanel drawer${prefs.open ? ' open' : ''}`} aria-label="Domain XML" data-testid="xml-drawer">
      {prefs.open ? (
        <div
          className="drawer-resize"
          role="separator"
          aria-orientation="horizontal"
          aria-label="Resize the XML drawer"
          aria-valuemin={MIN_HEIGHT}
          aria-valuemax={maxHeight()}
          aria-valuenow={prefs.height}
          tabIndex={0}
          data-testid="xml-drawer-resize"
          onPointerDown={resize}
          onKeyDown={(e) => {
            const d = e.key === 'ArrowUp' ? STEP : e.key === 'ArrowDown' ? -STEP : 0;
            if (!d) return;
            e.preventDefault();
            setPrefs((p) => ({ ...p, height: clampHeight(p.height + d) }));
          }}
        />
      ) : null}
      <div className="panel-head">
        <button type="button" className="linkish" data-testid="xml-drawer-toggle" aria-expanded={prefs.open} aria-controls="xml-drawer-body" onClick={() => setPrefs((p) => ({ ...p, open: !p.open, chosen: true }))}>
          {prefs.open ? '▾' : '▸'} Domain XML
        </button>
        <span className="muted" data-testid="xml-status">
          {edited ? 'changed since import' : 'as imported'}
        </span>
        {error ? (
          <span className="xml-error" role="alert" data-testid="xml-error">
            {tidy(`${error.line !== undefined ? `Line ${error.line}: ` : ''}${error.message}. The design keeps its last valid XML.`)}
          </span>
        ) : null}
        {error?.line !== undefined ? (
          <button
            type="button"
            className="linkish"
            data-testid="xml-error-goto"
            onClick={() => {
              const line = error.line as number;
              setPrefs((p) => (p.open ? p : { ...p, open: true, chosen: true }));
              setReveal((r) => ({ line, seq: (r?.seq ?? 0) + 1 }));
            }}
          >
            Go to line {error.line}
          </button>
        ) : null}
      </div>
      <pre data-testid="xml-preview" hidden>
        {xml}
      </pre>
      {prefs.open ? (
        <div id="xml-drawer-body" className="drawer-body" style={{ height: prefs.height }}>
          <Suspense
            fallback={
              <pre className="xml" aria-label="Live XML of the design">
                {xml}
              </pre>
            }
          >
            <XmlEditor xml={xml} baseline={baseline} error={error} highlight={highlight} reveal={reveal} draft={error && failed ? failed.text : undefined} onEdit={onEdit} onDiscard={onDiscard} currentXml={currentXml} onUndo={onUndo} onRedo={onRedo} onFocus={onFocus} />
          </Suspense>
        </div>
      ) : null}
    </section>
  );
}
