import { useCallback, useEffect, useRef, useState } from 'react';
import { ReactFlowProvider } from '@xyflow/react';
import { designerStore, useDesigner, verdictMore } from '../store/index.ts';
import { ActionButton } from './ActionButton.tsx';
import { Canvas } from './Canvas.tsx';
import { ContextMenu } from './ContextMenu.tsx';
import { FindingsPanel } from './FindingsPanel.tsx';
import { GuestSwitcher } from './GuestSwitcher.tsx';
import { TakeDialog } from './TakeDialog.tsx';
import { droppedFiles } from './dropFiles.ts';
import { HostPanel } from './HostPanel.tsx';
import { Inspector } from './Inspector.tsx';
import { StorageAlert } from './StorageAlert.tsx';
import { KeptDesigns } from './KeptDesigns.tsx';
import { Toolbar } from './Toolbar.tsx';
import { XmlDrawer } from './XmlDrawer.tsx';
import { actionForKey, exportXmlUtf8, importAny, inMultiSelection, keyOf, openDemo, openWorkspace, restorePrevious, restoreThisTab, run, selectionAt, setView } from './actions/index.ts';
import { busOwner, nodeIdOf } from './layout.ts';
import { useRovingFocus } from './roving.ts';
import * as canvasApi from './canvasApi.ts';
// the host panel is a remove target while guest devices are dragged
import { RemoveDropArea } from './RemoveZone.tsx';
import { dropDoes } from './dnd.ts';

const isEditable = (t: EventTarget | null): boolean =>
  t instanceof HTMLElement && (t.isContentEditable || t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT');

function DragGhost() {
  const drag = useDesigner((s) => s.drag);
  if (!drag) return null;
  const v = drag.over ? drag.verdicts.get(drag.over) : undefined;
  // a target that does more than take the payload (the remove zone) says so, as its zone does; its
  // verdict then only adds what is wrong with it
  const does = dropDoes(drag.over);
  return (
    <div className={`ghost${v ? ` drop-${v.level}` : ''}`} style={{ transform: `translate(${drag.x + 14}px, ${drag.y + 10}px)` }} aria-hidden="true">
      <strong>{drag.label}</strong>
      {does ? <div>{does}</div> : null}
      {v ? (
        v.level === 'clean' ? (
          does ? null : <div>Clean drop</div>
        ) : (
          <div>{`${v.level}${v.ruleId ? ` ${v.ruleId}` : ''}: ${v.message ?? ''}`}</div>
        )
      ) : does ? null : drag.over ? (
        // a heavy design's target is judged in the worker (never, if it failed: then why): the drop
        // works all the same, checked as any edit
        <div className="muted" data-testid="ghost-unjudged">{drag.unjudged ? `Not judged: ${drag.unjudged}` : 'Not judged yet'}</div>
      ) : (
        <div className="muted">Drop on a highlighted bus or slot</div>
      )}
      {v && verdictMore(v) ? <div className="more" data-testid="ghost-more">{verdictMore(v)}</div> : null}
    </div>
  );
}

function MessageBar() {
  const message = useDesigner((s) => s.message);
  const summary = useDesigner((s) => s.summary);
  return (
    <>
      {message ? (
        <div className={`message ${message.kind}`} role={message.kind === 'error' ? 'alert' : 'status'} data-testid={message.kind === 'error' ? 'error-message' : 'notice-message'}>
          <span>{message.text}</span>
          {message.actions?.includes('restore-previous') ? (
            <button type="button" className="primary" data-testid="restore-previous" onClick={() => void run(restorePrevious, undefined)}>
              Restore your previous design
            </button>
          ) : null}
          {message.actions?.includes('restore-this-tab') ? (
            <button type="button" className="primary" data-testid="restore-this-tab" onClick={() => void run(restoreThisTab, undefined)}>
              Restore this tab&apos;s design
            </button>
          ) : null}
          {message.actions?.includes('export-utf8') ? <ActionButton action={exportXmlUtf8} arg={undefined} testId="export-utf8" className="primary" /> : null}
          {message.actions?.includes('open-demo') ? (
            <button
              type="button"
              data-testid="open-demo"
              onClick={() => {
                void Promise.resolve(run(openDemo, undefined)).then((ok) => ok && designerStore.getState().setMessage(null));
              }}
            >
              Open the demo
            </button>
          ) : null}
          <button type="button" aria-label="Dismiss this message" title="Dismiss" onClick={() => designerStore.getState().setMessage(null)}>
            ✕
          </button>
        </div>
      ) : null}
      {summary ? (
        <div className="message summary" role="status" key={summary.seq}>
          <span data-testid="change-summary">{summary.text}</span>
          <button type="button" aria-label="Dismiss this summary" title="Dismiss" onClick={() => designerStore.getState().setSummary(null)}>
            ✕
          </button>
        </div>
      ) : null}
    </>
  );
}

function PasteDialog({ onClose }: { onClose: () => void }) {
  const [text, setText] = useState('');
  const [failed, setFailed] = useState(false);
  // the message bar sits behind the modal dialog: a failed import says why inside it too
  const error = useDesigner((s) => (s.message?.kind === 'error' ? s.message.text : null));
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    ref.current?.showModal();
  }, []);
  return (
    <dialog ref={ref} className="paste" aria-labelledby="paste-title" onClose={onClose}>
      <h2 id="paste-title">Paste domain or host XML</h2>
      <p className="muted">A domain replaces the guest (one undo step); node devices replace the host. Ctrl+V outside a text field imports straight away.</p>
      <textarea data-testid="paste-text" aria-label="XML to import" autoFocus value={text} onChange={(e) => setText(e.target.value)} placeholder="<domain …> or <device …>" rows={16} spellCheck={false} />
      {failed && error ? (
        <p className="ierror" role="alert" data-testid="paste-error">
          {error}
        </p>
      ) : null}
      <div className="row">
        <button type="button" onClick={onClose}>
          Cancel
        </button>
        <button
          type="button"
          className="primary"
          data-testid="paste-import"
          disabled={!text.trim()}
          onClick={() => {
            void Promise.resolve(run(importAny, { text, file: 'pasted text' })).then((ok) => (ok ? onClose() : setFailed(true)));
          }}
        >
          Import
        </button>
      </div>
    </dialog>
  );
}

/**
 * Gives actions the canvas's zoom and fit: the canvas' own (canvasApi.ts, registered by Canvas.tsx),
 * which re-plan the grid and choose the level of detail, so a shortcut, the canvas bar and the
 * context menu all fit the same way.
 */
function ViewBridge() {
  useEffect(() => {
    setView({ zoomIn: canvasApi.zoomIn, zoomOut: canvasApi.zoomOut, fit: canvasApi.fitAll, fitNodes: canvasApi.fitNodes });
    return () => setView(null);
  }, []);
  return null;
}

/**
 * Moves keyboard focus to the element a move asked for (the moved item) once it is drawn. The canvas
 * draws a new or resized node hidden until it is measured, and focus() on a hidden element does
 * nothing: it tries each frame until focus is there, and keeps it there for a few frames unless the
 * user put it elsewhere meanwhile.
 */
function FocusReturner() {
  const request = useDesigner((s) => s.focusItem);
  useEffect(() => {
    if (!request) return;
    let frame = 0;
    let tries = 0;
    let held = 0;
    const selector = `[data-testid="${CSS.escape(request.testId)}"]`;
    const attempt = () => {
      const el = document.querySelector<HTMLElement>(selector);
      // a roving item has tabindex -1 until it is the current one: focusable all the same
      const target = el?.matches('[tabindex], button, a, input, select, textarea') ? el : el?.querySelector<HTMLElement>('[tabindex]');
      const active = document.activeElement;
      const free = !active || active === document.body || !active.isConnected;
      if (target && active === target) held++;
      else if (target && (free || tries === 0)) target.focus({ preventScroll: !!target.closest('.react-flow') });
      else if (!free) return; // the user moved on
      if (++tries < 60 && held < 3) frame = requestAnimationFrame(attempt);
    };
    frame = requestAnimationFrame(attempt);
    return () => cancelAnimationFrame(frame);
  }, [request]);
  return null;
}

/** A tree element the arrow keys reached off screen: pan the canvas to its node. */
function panTo(el: HTMLElement): void {
  const canvas = el.closest('.canvas')?.getBoundingClientRect();
  const box = el.getBoundingClientRect();
  if (!canvas || (box.top >= canvas.top && box.bottom <= canvas.bottom && box.left >= canvas.left && box.right <= canvas.right)) return;
  const st = designerStore.getState();
  const sel = selectionAt(el, st.present?.design);
  const design = st.present?.design;
  if (!sel || !design) return;
  let key: string | undefined;
  if (sel.kind === 'controller') key = sel.key;
  else if (sel.kind === 'device') {
    const bus = design.guest.devices.find((d) => d.key === sel.key)?.address?.bus;
    key = bus === undefined ? undefined : busOwner(design.guest, bus);
  }
  if (key) st.focusNodes([nodeIdOf({ key })]);
}

export function App() {
  const ready = useDesigner((s) => s.present !== null);
  const [pasting, setPasting] = useState(false);
  const [fileOver, setFileOver] = useState(false);
  const center = useRef<HTMLDivElement>(null);
  const onCanvasMove = useCallback((el: HTMLElement) => panTo(el), []);
  useRovingFocus(center, '.react-flow .chead, .react-flow .gdev', { onMove: onCanvasMove, preventScroll: true });

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (isEditable(e.target) || e.defaultPrevented) return;
      // a key on a focused control that uses it itself (Enter, Space on a button) is not a shortcut
      const action = actionForKey(keyOf(e));
      if (!action) return;
      if (action.enabled(designerStore.getState(), undefined) !== true) {
        // with nothing to undo or redo, the browser's own undo would act on the last text typed into
        // the XML editor's contenteditable, and CodeMirror would read its DOM back as a second document
        if (action.id === 'undo' || action.id === 'redo') e.preventDefault();
        return;
      }
      e.preventDefault();
      void run(action, undefined);
    };
    const onContextMenu = (e: MouseEvent) => {
      const design = designerStore.getState().present?.design;
      const sel = selectionAt(e.target instanceof Element ? e.target : null, design);
      if (!sel) return;
      e.preventDefault();
      // a right-click on a device of a multi-selection keeps it: Move to…/Remove act on all of them
      if (!inMultiSelection(designerStore.getState(), sel)) designerStore.getState().select(sel);
      designerStore.getState().openContextMenu({ x: e.clientX, y: e.clientY, selection: sel });
    };
    const onPaste = (e: ClipboardEvent) => {
      if (isEditable(e.target)) return;
      const text = e.clipboardData?.getData('text/plain') ?? '';
      if (text.trimStart().startsWith('<')) {
        e.preventDefault();
        void run(importAny, { text, file: 'pasted text' });
      }
    };
    const hasFiles = (e: DragEvent) => e.dataTransfer?.types.includes('Files') ?? false;
    const onDragOver = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      setFileOver(true);
    };
    const onDragLeave = (e: DragEvent) => {
      if (e.relatedTarget === null) setFileOver(false);
    };
    const onDrop = (e: DragEvent) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      setFileOver(false);
      // several files or a folder open a workspace (issue 15); one file imports as before
      if (e.dataTransfer) void droppedFiles(e.dataTransfer).then((files) => files.length && run(openWorkspace, files));
    };
    window.addEventListener('keydown', onKey);
    window.addEventListener('contextmenu', onContextMenu);
    window.addEventListener('paste', onPaste);
    window.addEventListener('dragover', onDragOver);
    window.addEventListener('dragleave', onDragLeave);
    window.addEventListener('drop', onDrop);
    return () => {
      window.removeEventListener('keydown', onKey);
      window.removeEventListener('contextmenu', onContextMenu);
      window.removeEventListener('paste', onPaste);
      window.removeEventListener('dragover', onDragOver);
      window.removeEventListener('dragleave', onDragLeave);
      window.removeEventListener('drop', onDrop);
    };
  }, []);

  return (
    <ReactFlowProvider>
      <ViewBridge />
      <FocusReturner />
      <div className={`app${fileOver ? ' file-over' : ''}`}>
        <Toolbar onPaste={() => setPasting(true)} />
        <StorageAlert />
        <MessageBar />
        <main className="workspace">
          <RemoveDropArea>
            <HostPanel />
          </RemoveDropArea>
          <div className="center" ref={center}>
            <GuestSwitcher />
            {ready ? <Canvas /> : <div className="canvas loading">Loading…</div>}
            <XmlDrawer />
          </div>
          <aside className="panel right" aria-label="Findings and inspector">
            <FindingsPanel />
            <Inspector />
          </aside>
        </main>
        <DragGhost />
        <ContextMenu />
        <TakeDialog />
        {pasting ? <PasteDialog onClose={() => setPasting(false)} /> : null}
        <KeptDesigns />
        {fileOver ? <div className="dropzone" aria-hidden="true">Drop a domain or host XML file to import it, or several (a folder) to open them together</div> : null}
      </div>
    </ReactFlowProvider>
  );
}
