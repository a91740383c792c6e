import { useEffect, useRef, useState } from 'react';
import { ReactFlowProvider } from '@xyflow/react';
import { designerStore, useDesigner, verdictMore } from '../store/index.ts';
import { Canvas } from './Canvas.tsx';
import { FindingsPanel } from './FindingsPanel.tsx';
import { HostPanel } from './HostPanel.tsx';
import { Inspector } from './Inspector.tsx';
import { Toolbar } from './Toolbar.tsx';
import { XmlPanel } from './XmlPanel.tsx';
import { importAnyText, openDemo, restorePrevious } from './actions.ts';
// canvas (issue 10): removal of a multi-selection, the host panel as a remove target
import { removeSelectedDevicesCommand } from './canvasApi.ts';
import { RemoveDropArea } from './RemoveZone.tsx';

const isEditable = (t: EventTarget | null): boolean =>
  t instanceof HTMLElement && (t.isContentEditable || t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT');

function DragGhost() {
  const drag = useDesigner((s) => s.drag);
  if (!drag) return null;
  const v = drag.over ? drag.verdicts.get(drag.over) : undefined;
  return (
    <div className={`ghost${v ? ` drop-${v.level}` : ''}`} style={{ transform: `translate(${drag.x + 14}px, ${drag.y + 10}px)` }} aria-hidden="true">
      <strong>{drag.label}</strong>
      {v ? <div>{v.level === 'clean' ? 'Clean drop' : `${v.level}${v.ruleId ? ` ${v.ruleId}` : ''}: ${v.message ?? ''}`}</div> : <div className="muted">Drop on a highlighted bus or slot</div>}
      {v && verdictMore(v) ? <div className="more" data-testid="ghost-more">{verdictMore(v)}</div> : null}
    </div>
  );
}

function MessageBar() {
  const message = useDesigner((s) => s.message);
  if (!message) return null;
  const actions = message.actions ?? [];
  return (
    <div className={`message ${message.kind}`} role={message.kind === 'error' ? 'alert' : 'status'} data-testid={message.kind === 'error' ? 'error-message' : 'notice-message'}>
      <span>{message.text}</span>
      {actions.includes('restore-previous') ? (
        <button type="button" className="primary" data-testid="restore-previous" onClick={() => restorePrevious()}>
          Restore your previous design
        </button>
      ) : null}
      {actions.includes('open-demo') ? (
        <button
          type="button"
          data-testid="open-demo"
          onClick={() => {
            if (openDemo(true)) designerStore.getState().setMessage(null);
          }}
        >
          Open the demo
        </button>
      ) : null}
      <button type="button" aria-label="Dismiss this message" title="Dismiss" onClick={() => designerStore.getState().setMessage(null)}>
        ✕
      </button>
    </div>
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
            if (importAnyText(text, 'pasted text')) onClose();
            else setFailed(true);
          }}
        >
          Import
        </button>
      </div>
    </dialog>
  );
}

export function App() {
  const ready = useDesigner((s) => s.present !== null);
  const [pasting, setPasting] = useState(false);
  const [fileOver, setFileOver] = useState(false);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const mod = e.ctrlKey || e.metaKey;
      if (mod && !isEditable(e.target)) {
        const k = e.key.toLowerCase();
        if (k === 'z' && !e.shiftKey) {
          e.preventDefault();
          designerStore.getState().undo();
        } else if ((k === 'z' && e.shiftKey) || k === 'y') {
          e.preventDefault();
          designerStore.getState().redo();
        }
        return;
      }
      if (isEditable(e.target)) return;
      const st = designerStore.getState();
      if (e.key === 'Escape') st.select(null);
      if (e.key === 'Delete' || e.key === 'Backspace') {
        const remove = removeSelectedDevicesCommand();
        if (remove) st.apply(remove);
      }
      if (e.key === 'm' && st.selection) {
        const el = document.getElementById('move-to');
        if (el) {
          e.preventDefault();
          el.focus();
        }
      }
    };
    const onPaste = (e: ClipboardEvent) => {
      if (isEditable(e.target)) return;
      const text = e.clipboardData?.getData('text/plain') ?? '';
      if (text.trimStart().startsWith('<')) {
        e.preventDefault();
        importAnyText(text, 'pasted text');
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
      const file = e.dataTransfer?.files[0];
      if (file) void file.text().then((t) => importAnyText(t, file.name));
    };
    window.addEventListener('keydown', onKey);
    window.addEventListener('paste', onPaste);
    window.addEventListener('dragover', onDragOver);
    window.addEventListener('dragleave', onDragLeave);
    window.addEventListener('drop', onDrop);
    return () => {
      window.removeEventListener('keydown', onKey);
      window.removeEventListener('paste', onPaste);
      window.removeEventListener('dragover', onDragOver);
      window.removeEventListener('dragleave', onDragLeave);
      window.removeEventListener('drop', onDrop);
    };
  }, []);

  return (
    <ReactFlowProvider>
      <div className={`app${fileOver ? ' file-over' : ''}`}>
        <Toolbar onPaste={() => setPasting(true)} />
        <MessageBar />
        <main className="workspace">
          <RemoveDropArea>
            <HostPanel />
          </RemoveDropArea>
          <div className="center">
            {ready ? <Canvas /> : <div className="canvas loading">Loading…</div>}
            <XmlPanel />
          </div>
          <aside className="panel right" aria-label="Findings and inspector">
            <FindingsPanel />
            <Inspector />
          </aside>
        </main>
        <DragGhost />
        {pasting ? <PasteDialog onClose={() => setPasting(false)} /> : null}
        {fileOver ? <div className="dropzone" aria-hidden="true">Drop a domain or host XML file to import it</div> : null}
      </div>
    </ReactFlowProvider>
  );
}
