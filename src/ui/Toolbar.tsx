import { useEffect, useRef, useState } from 'react';
import type { PlacementPolicy, TemplateMachine } from '../engine/index.ts';
import { machineFamily } from '../engine/index.ts';
import { designerStore, useDesigner } from '../store/index.ts';
import { addBuildingBlock, addBus, addBusLabel, autoPlace, BLOCK_LABELS, buildingBlocks, MAX_SWITCH_PORTS, copyText, currentXml, downloadPng, downloadSvg, downloadXml, importDomainText, importHostText, makeShareLink, newDesign, restorePrevious } from './actions.ts';

async function readFile(input: HTMLInputElement, then: (text: string, name: string) => void): Promise<void> {
  const file = input.files?.[0];
  input.value = '';
  if (!file) return;
  then(await file.text(), file.name);
}

/**
 * A disclosure menu (details/summary): keyboard-operable without script; closes on a choice, on
 * Escape and on a click elsewhere.
 */
function Menu({ label, testId, title, children, align = 'right', ariaLabel, className }: { label: string; testId: string; title: string; children: React.ReactNode; align?: 'left' | 'right'; ariaLabel?: string; className?: string }) {
  const ref = useRef<HTMLDetailsElement>(null);
  useEffect(() => {
    const close = (e: Event) => {
      const el = ref.current;
      if (!el?.open) return;
      if (e instanceof KeyboardEvent) {
        if (e.key !== 'Escape') return;
        el.open = false;
        el.querySelector('summary')?.focus();
        return;
      }
      if (!el.contains(e.target as Node)) el.open = false;
    };
    document.addEventListener('pointerdown', close);
    document.addEventListener('keydown', close);
    return () => {
      document.removeEventListener('pointerdown', close);
      document.removeEventListener('keydown', close);
    };
  }, []);
  return (
    <details ref={ref} className={`menu${className ? ` ${className}` : ''}`}>
      <summary data-testid={testId} title={title} aria-label={ariaLabel}>
        {label}
      </summary>
      <div
        className={`menu-items${align === 'left' ? ' left' : ''}`}
        onClick={(e) => {
          // a choice closes the menu; a click in one of its fields (the switch's port count) does not
          if ((e.target as HTMLElement).closest('button')) ref.current?.removeAttribute('open');
        }}
      >
        {children}
      </div>
    </details>
  );
}

const BLOCK_TITLES: Readonly<Record<string, string>> = {
  vphb: 'A new vPHB: its own PE, DMA window and EEH domain for the devices put on it',
  'pci-bridge': 'A pci-bridge on the selected vPHB (else the default one): more slots, but no new PE: devices behind it share the vPHB\'s isolation (PAPR-BRIDGE-4)',
  'root-port': 'A pcie-root-port on the PCIe root: one slot for one PCIe device, hotpluggable',
  'pcie-to-pci-bridge': 'A pcie-to-pci-bridge for conventional PCI devices, on the selected empty root port or a new one',
};

export function Toolbar({ onPaste }: { onPaste: () => void }) {
  const design = useDesigner((s) => s.present?.design);
  const canUndo = useDesigner((s) => s.past.length > 0);
  const canRedo = useDesigner((s) => s.future.length > 0);
  const undoLabel = useDesigner((s) => s.present?.label);
  const redoLabel = useDesigner((s) => s.future[0]?.label);
  const shareUrl = useDesigner((s) => s.shareUrl);
  const previous = useDesigner((s) => s.previous);
  const domainInput = useRef<HTMLInputElement>(null);
  const hostInput = useRef<HTMLInputElement>(null);
  const [policy, setPolicy] = useState<PlacementPolicy>('pe-per-phb');
  const [spare, setSpare] = useState(1);
  const [copied, setCopied] = useState<string | null>(null);
  const [switchPorts, setSwitchPorts] = useState(2);
  const blocks = buildingBlocks(design);
  const pseries = !design || machineFamily(design.guest) === 'pseries';
  const spareWhat = pseries ? 'vPHBs' : 'root ports';
  const busLabel = addBusLabel(design);
  const copy = async (what: string, text: string) => setCopied((await copyText(text)) ? what : null);
  const undoTitle = canUndo ? `Undo: ${undoLabel} (Ctrl+Z)` : 'Nothing to undo';
  const redoTitle = canRedo ? `Redo: ${redoLabel} (Ctrl+Shift+Z)` : 'Nothing to redo';
  return (
    <header className="toolbar" role="toolbar" aria-label="Design actions">
      <div className="brand" title="pcitopo: PCI topology designer for libvirt/QEMU guests">
        <span className="logo" aria-hidden="true">
          ▦
        </span>
        <span className="brand-name">pcitopo</span>
      </div>
      <div className="tgroup" role="group" aria-label="Design and import">
        <select
          data-testid="machine-select"
          className="machine"
          aria-label="New design for a machine type, or restore the previous design"
          title="Start a new design (undoable), or bring back the design kept aside"
          value=""
          onChange={(e) => {
            const v = e.target.value;
            if (v === 'restore-previous') restorePrevious();
            else if (v) newDesign(v as TemplateMachine);
          }}
        >
          <option value="">New design…</option>
          <option value="pseries">pseries (POWER)</option>
          <option value="q35">q35 (x86_64)</option>
          <option value="virt">virt (aarch64)</option>
          {previous ? (
            <optgroup label="Kept aside">
              <option value="restore-previous">
                Restore {previous.name} ({new Date(previous.savedAt).toLocaleString()})
              </option>
            </optgroup>
          ) : null}
        </select>
        <button type="button" data-testid="import-domain" onClick={() => domainInput.current?.click()} title="Import a domain XML file (or drop it on the window)">
          Import domain
        </button>
        <input ref={domainInput} data-testid="import-domain-file" type="file" accept=".xml,application/xml,text/xml" hidden onChange={(e) => void readFile(e.currentTarget, importDomainText)} />
        <button type="button" data-testid="import-host" onClick={() => hostInput.current?.click()} title="Import the host's node devices (virsh nodedev-dumpxml)">
          Import host
        </button>
        <input ref={hostInput} data-testid="import-host-file" type="file" accept=".xml,application/xml,text/xml" hidden onChange={(e) => void readFile(e.currentTarget, importHostText)} />
        <button type="button" data-testid="paste-xml" onClick={onPaste} title="Paste domain or host XML (Ctrl+V anywhere works too)">
          Paste
        </button>
      </div>
      <div className="tgroup" role="group" aria-label="History">
        <button type="button" className="icon" data-testid="undo" disabled={!canUndo} onClick={() => designerStore.getState().undo()} title={undoTitle} aria-label={canUndo ? `Undo: ${undoLabel}` : 'Undo'}>
          <span aria-hidden="true">↶</span>
        </button>
        <button type="button" className="icon" data-testid="redo" disabled={!canRedo} onClick={() => designerStore.getState().redo()} title={redoTitle} aria-label={canRedo ? `Redo: ${redoLabel}` : 'Redo'}>
          <span aria-hidden="true">↷</span>
        </button>
      </div>
      <div className="tgroup" role="group" aria-label="Topology">
        <button type="button" className="split-main" data-testid="add-phb" disabled={!design} onClick={addBus} title={busLabel} aria-label={busLabel}>
          + {pseries ? 'vPHB' : 'Root port'}
        </button>
        <Menu label="" testId="add-controller-menu" title={pseries ? 'Add… a vPHB or a pci-bridge' : 'Add… a root port, a pcie-to-pci-bridge or a switch'} ariaLabel="Add… another PCI controller" align="left" className="split">
          {blocks.map((b) =>
            b === 'switch' ? (
              <div key={b} className="menu-row">
                <button type="button" data-testid="add-switch" disabled={!design} onClick={() => addBuildingBlock('switch', { downstreamPorts: switchPorts })} title="A PCIe switch: an upstream port on a free root port (the selected empty one, or a new one) and its downstream ports">
                  {BLOCK_LABELS.switch} with
                </button>
                <input data-testid="add-switch-ports" className="spare" type="number" min={1} max={MAX_SWITCH_PORTS} value={switchPorts} aria-label="Downstream ports of the new switch" onChange={(e) => setSwitchPorts(Math.max(1, Math.min(MAX_SWITCH_PORTS, Number(e.target.value) || 1)))} />
                <span className="muted">downstream ports</span>
              </div>
            ) : (
              <button key={b} type="button" data-testid={`add-${b}`} disabled={!design} onClick={() => addBuildingBlock(b)} title={BLOCK_TITLES[b]}>
                {BLOCK_LABELS[b]}
                {b === 'pci-bridge' && pseries ? <small className="muted note">adds no isolation (PAPR-BRIDGE-4)</small> : null}
              </button>
            ),
          )}
        </Menu>
        <select data-testid="placement-policy" className="policy" aria-label="Placement policy" title="How auto-place assigns buses: one IOMMU group (PE) per vPHB or one root port per device, or the way libvirt would" value={policy} onChange={(e) => setPolicy(e.target.value as PlacementPolicy)}>
          <option value="pe-per-phb">{pseries ? 'PE per vPHB' : 'One port each'}</option>
          <option value="libvirt">Like libvirt</option>
        </select>
        <input data-testid="placement-spare" className="spare" type="number" min={0} max={30} value={spare} aria-label={`Spare ${spareWhat} for hotplug`} title={`Spare empty ${spareWhat} for hotplug`} onChange={(e) => setSpare(Math.max(0, Number(e.target.value) || 0))} />
        <button type="button" data-testid="auto-place" disabled={!design} title="Place every device that has no address yet" onClick={() => autoPlace(policy, spare)}>
          Auto-place
        </button>
      </div>
      <div className="tgroup end" role="group" aria-label="Export and share">
        <button type="button" data-testid="export-domain" disabled={!design} onClick={downloadXml} title="Download the domain XML">
          Export XML
        </button>
        <button type="button" data-testid="copy-xml" disabled={!design} onClick={() => void copy('xml', currentXml())} title="Copy the domain XML to the clipboard" aria-label="Copy the domain XML">
          {copied === 'xml' ? 'Copied' : 'Copy'}
        </button>
        <Menu label="Diagram" testId="export-diagram" title="Download the topology diagram as SVG or PNG">
          <button type="button" data-testid="export-svg" disabled={!design} onClick={downloadSvg}>
            Diagram as SVG
          </button>
          <button type="button" data-testid="export-png" disabled={!design} onClick={() => void downloadPng()}>
            Diagram as PNG
          </button>
        </Menu>
        <button type="button" className="primary" data-testid="share-link" disabled={!design} title="Make a link that opens this design (the design travels in the link; nothing is uploaded)" onClick={() => void makeShareLink()}>
          Share link
        </button>
      </div>
      {shareUrl ? (
        <div className="sharebar" role="status">
          <label htmlFor="share-link-url" className="muted">
            Anyone with this link opens this design; it travels in the link itself.
          </label>
          <div className="row">
            <input id="share-link-url" data-testid="share-link-url" readOnly value={shareUrl} onFocus={(e) => e.currentTarget.select()} />
            <button type="button" className="primary" onClick={() => void copy('link', shareUrl)}>
              {copied === 'link' ? 'Copied' : 'Copy link'}
            </button>
            <button type="button" aria-label="Close the share link" title="Close" onClick={() => designerStore.getState().setShareUrl(null)}>
              ✕
            </button>
          </div>
        </div>
      ) : null}
    </header>
  );
}
