import { useRef, useState } from 'react';
import type { PlacementPolicy, TemplateMachine } from '../engine/index.ts';
import { machineFamily } from '../engine/index.ts';
import { designerStore, useDesigner } from '../store/index.ts';
import { addBus, addBusLabel, autoPlace, copyText, currentXml, downloadPng, downloadSvg, downloadXml, importDomainText, importHostText, makeShareLink, newDesign } from './actions.ts';

async function readFile(input: HTMLInputElement, then: (text: string, name: string) => void): Promise<void> {
  const file = input.files?.[0];
  input.value = '';
  if (!file) return;
  then(await file.text(), file.name);
}

export function Toolbar({ onPaste }: { onPaste: () => void }) {
  const design = useDesigner((s) => s.present?.design);
  const canUndo = useDesigner((s) => s.past.length > 0);
  const canRedo = useDesigner((s) => s.future.length > 0);
  const undoLabel = useDesigner((s) => s.present?.label);
  const redoLabel = useDesigner((s) => s.future[0]?.label);
  const shareUrl = useDesigner((s) => s.shareUrl);
  const domainInput = useRef<HTMLInputElement>(null);
  const hostInput = useRef<HTMLInputElement>(null);
  const [policy, setPolicy] = useState<PlacementPolicy>('pe-per-phb');
  const [spare, setSpare] = useState(1);
  const [copied, setCopied] = useState<string | null>(null);
  const pseries = !design || machineFamily(design.guest) === 'pseries';
  const spareWhat = pseries ? 'vPHBs' : 'root ports';
  const copy = async (what: string, text: string) => setCopied((await copyText(text)) ? what : null);
  return (
    <header className="toolbar" role="toolbar" aria-label="Design actions">
      <div className="brand" aria-label="pcitopo">
        <span className="logo" aria-hidden="true">▦</span> pcitopo
      </div>
      <div className="tgroup">
        <select
          data-testid="machine-select"
          aria-label="New design for a machine type"
          value=""
          onChange={(e) => {
            if (e.target.value) newDesign(e.target.value as TemplateMachine);
          }}
        >
          <option value="">New design…</option>
          <option value="pseries">pseries (POWER)</option>
          <option value="q35">q35 (x86_64)</option>
          <option value="virt">virt (aarch64)</option>
        </select>
        <button type="button" data-testid="import-domain" onClick={() => domainInput.current?.click()} title="Import a domain XML file">
          Import domain
        </button>
        <input ref={domainInput} data-testid="import-domain-file" type="file" accept=".xml,application/xml,text/xml" hidden onChange={(e) => void readFile(e.currentTarget, importDomainText)} />
        <button type="button" data-testid="import-host" onClick={() => hostInput.current?.click()} title="Import the host's node devices (virsh nodedev-dumpxml)">
          Import host
        </button>
        <input ref={hostInput} data-testid="import-host-file" type="file" accept=".xml,application/xml,text/xml" hidden onChange={(e) => void readFile(e.currentTarget, importHostText)} />
        <button type="button" data-testid="paste-xml" onClick={onPaste} title="Paste domain or host XML">
          Paste
        </button>
      </div>
      <div className="tgroup">
        <button type="button" data-testid="undo" disabled={!canUndo} onClick={() => designerStore.getState().undo()} title={canUndo ? `Undo: ${undoLabel} (Ctrl+Z)` : 'Nothing to undo'} aria-label="Undo">
          ↶ Undo
        </button>
        <button type="button" data-testid="redo" disabled={!canRedo} onClick={() => designerStore.getState().redo()} title={canRedo ? `Redo: ${redoLabel} (Ctrl+Shift+Z)` : 'Nothing to redo'} aria-label="Redo">
          ↷ Redo
        </button>
      </div>
      <div className="tgroup">
        <button type="button" data-testid="add-phb" disabled={!design} onClick={addBus}>
          + {addBusLabel(design)}
        </button>
        <select data-testid="placement-policy" aria-label="Placement policy" value={policy} onChange={(e) => setPolicy(e.target.value as PlacementPolicy)}>
          <option value="pe-per-phb">{pseries ? 'one PE per vPHB' : 'port per device'}</option>
          <option value="libvirt">as libvirt would</option>
        </select>
        <input data-testid="placement-spare" className="spare" type="number" min={0} max={30} value={spare} aria-label={`Spare ${spareWhat} for hotplug`} title={`Spare empty ${spareWhat} for hotplug`} onChange={(e) => setSpare(Math.max(0, Number(e.target.value) || 0))} />
        <button type="button" data-testid="auto-place" disabled={!design} title="Place every unaddressed device" onClick={() => autoPlace(policy, spare)}>
          Auto-place
        </button>
      </div>
      <div className="tgroup end">
        <button type="button" data-testid="export-domain" disabled={!design} onClick={downloadXml}>
          Export XML
        </button>
        <button type="button" data-testid="copy-xml" disabled={!design} onClick={() => void copy('xml', currentXml())}>
          {copied === 'xml' ? 'Copied' : 'Copy'}
        </button>
        <button type="button" data-testid="export-svg" disabled={!design} onClick={downloadSvg} title="Download the diagram as SVG">
          SVG
        </button>
        <button type="button" data-testid="export-png" disabled={!design} onClick={() => void downloadPng()} title="Download the diagram as PNG">
          PNG
        </button>
        <button type="button" data-testid="share-link" disabled={!design} title="Make a link that opens this design" onClick={() => void makeShareLink()}>
          Share link
        </button>
      </div>
      {shareUrl ? (
        <div className="sharebar" role="status">
          <input data-testid="share-link-url" readOnly value={shareUrl} aria-label="Share link" onFocus={(e) => e.currentTarget.select()} />
          <button type="button" onClick={() => void copy('link', shareUrl)}>
            {copied === 'link' ? 'Copied' : 'Copy link'}
          </button>
          <button type="button" aria-label="Close the share link" onClick={() => designerStore.getState().setShareUrl(null)}>
            ✕
          </button>
        </div>
      ) : null}
    </header>
  );
}
