import { useEffect, useRef, useState } from 'react';
import type { BuildingBlock, PlacementPolicy, TemplateMachine } from '../engine/index.ts';
import { buildingBlocks, DEFAULT_LIBVIRT_RELEASE, LIBVIRT_RELEASES, machineFamily, MAX_SWITCH_PORTS } from '../engine/index.ts';
import { changedFiles, designerStore, useDesigner, workspaceOf } from '../store/index.ts';
import { addBlock, addBus, autoPlace, BLOCK_LABELS, copyXml, exportChanged, exportChangedFile, exportPng, exportSvg, exportXml, importDomain, importHost, newDesign, openFolder, openWorkspace, redo, restorePrevious, run, setLibvirtVersion, shareLink, spareEnabled, undo, type FileText } from './actions/index.ts';
import { folderFiles } from './dropFiles.ts';
import { readXmlFile, readXmlFiles } from './readFiles.ts';
import { keptStore } from './keeping.ts';
import { ActionButton, useAction } from './ActionButton.tsx';

const NO_BLOCKS: readonly BuildingBlock[] = [];

async function readFile(input: HTMLInputElement, then: (arg: FileText) => void): Promise<void> {
  const file = input.files?.[0];
  input.value = '';
  if (!file) return;
  then(await readXmlFile(file, file.name));
}

/**
 * Reads every file picked (the multi-file picker): one file is a domain import as before, several
 * open a workspace (issue 15). A folder opens through "Open folder…" or by dropping it (dropFiles.ts).
 */
export async function readFiles(list: FileList | null | undefined): Promise<FileText[]> {
  return readXmlFiles(list ?? []);
}

/** The changed domains of a workspace: the zip of all, or each file alone. */
export function ChangedItems() {
  const files = useDesigner((s) => changedFiles(workspaceOf(s.present)));
  return (
    <>
      <ActionButton action={exportChanged} arg={undefined} testId="export-changed" />
      {files.map((f) => (
        <ActionButton key={f.name} action={exportChangedFile} arg={f.name} testId={`export-changed-file-${f.name}`}>
          {f.fileName}
        </ActionButton>
      ))}
    </>
  );
}

/**
 * A disclosure menu (details/summary): keyboard-operable without script; closes on a choice, on
 * Escape and on a click elsewhere.
 */
export function Menu({ label, testId, title, children, align = 'right', ariaLabel, className, lazy = false }: { label: string; testId: string; title: string; children: React.ReactNode; align?: 'left' | 'right'; ariaLabel?: string; className?: string; lazy?: boolean }) {
  const ref = useRef<HTMLDetailsElement>(null);
  // lazy: the items are mounted only while the menu is open, so their store selectors (the Add…
  // menu's building-block checks plan each block on the design) do not run on every edit, a drop's
  // frame included (DESIGN.md §7), while nobody can see them. The summary's click mounts them in the
  // same task as the details opens (no empty frame); the toggle event keeps the state in step.
  const [open, setOpen] = useState(false);
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
    <details ref={ref} className={`menu${className ? ` ${className}` : ''}`} onToggle={lazy ? (e) => setOpen(e.currentTarget.open) : undefined}>
      <summary data-testid={testId} title={title} aria-label={ariaLabel} onClick={lazy ? () => setOpen(true) : undefined}>
        {label}
      </summary>
      <div
        className={`menu-items${align === 'left' ? ' left' : ''}`}
        onClick={(e) => {
          // a choice closes the menu; a click in one of its fields (the switch's port count) does not
          if ((e.target as HTMLElement).closest('button')) ref.current?.removeAttribute('open');
        }}
      >
        {!lazy || open ? children : null}
      </div>
    </details>
  );
}

const BLOCK_TITLES: Readonly<Record<string, string>> = {
  vphb: 'A new vPHB: its own PE, DMA window and EEH domain for the devices put on it',
  'pci-bridge': "A pci-bridge on the selected vPHB (else the default one): more slots, but no new PE: devices behind it share the vPHB's isolation (PAPR-BRIDGE-4)",
  'root-port': 'A pcie-root-port on the PCIe root: one slot for one PCIe device, hotpluggable',
  'pcie-to-pci-bridge': 'A pcie-to-pci-bridge for conventional PCI devices, on the selected empty root port or a new one',
  switch: 'A PCIe switch: an upstream port on a free root port (the selected empty one, or a new one) and its downstream ports',
};

/** One "Add…" menu entry: disabled with the engine's reason when the block does not fit. */
function BlockItem({ block, downstreamPorts, pseries }: { block: keyof typeof BLOCK_LABELS; downstreamPorts?: number; pseries: boolean }) {
  const v = useAction(addBlock, { block, downstreamPorts });
  return (
    <button type="button" data-testid={`add-${block}`} disabled={!v.enabled} onClick={() => void run(addBlock, { block, downstreamPorts })} title={v.enabled ? BLOCK_TITLES[block] : v.title}>
      {BLOCK_LABELS[block]}
      {block === 'switch' ? ' with' : null}
      {block === 'pci-bridge' && pseries ? <small className="muted note">adds no isolation (PAPR-BRIDGE-4)</small> : null}
    </button>
  );
}

/**
 * What the target release changes, in libvirt's words (engine libvirt/qemuDomainAddress.ts
 * libvirtControllerOrder): the tooltip of the release select.
 */
const RELEASE_TITLE =
  'Like libvirt, as libvirt 10.7 (the default) or 9.0 places: the release Auto-place, the Unplaced hints and the findings follow. They differ in the PCI controllers libvirt adds itself for a gap in the controller indexes: libvirt 9.0 (Debian 12) gives them PCI addresses, and on pseries target indexes, after the controllers the XML lists; 10.7 (the newest modelled) goes by controller index. Saved and shared with the design, one for all its guests.';

/**
 * The libvirt release the design is placed as (issue 12): a setting of the document, not an undo step.
 * Shown where the spare count is under the other policy (Like libvirt keeps no spares), so the
 * toolbar keeps to one line at 1280 px; the release shows as its number beside "Like libvirt".
 */
function ReleaseSelect() {
  const release = useDesigner((s) => s.present?.libvirtVersion) ?? DEFAULT_LIBVIRT_RELEASE;
  const known: readonly string[] = LIBVIRT_RELEASES;
  return (
    <select data-testid="libvirt-version" className="release" aria-label={`Place as libvirt ${release}${release === DEFAULT_LIBVIRT_RELEASE ? ' (the default)' : ''}: the libvirt release`} title={RELEASE_TITLE} value={release} onChange={(e) => void run(setLibvirtVersion, e.target.value)}>
      {LIBVIRT_RELEASES.map((r) => (
        <option key={r} value={r}>
          {r}
        </option>
      ))}
      {/* a release a link or a save names that this pcitopo does not list: shown as it is, placed as its nearest modelled one */}
      {known.includes(release) ? null : <option value={release}>{release}</option>}
    </select>
  );
}

export function Toolbar({ onPaste }: { onPaste: () => void }) {
  // what the toolbar shows of the design: the machine's building blocks (a constant list per machine
  // family) and whether it is pseries; not the design itself, or every edit (a drop) re-renders the
  // whole toolbar in the frame that shows the edit (DESIGN.md §7)
  const blocks = useDesigner((s) => (s.present ? buildingBlocks(s.present.design.guest) : NO_BLOCKS));
  const pseries = useDesigner((s) => !s.present || machineFamily(s.present.design.guest) === 'pseries');
  const shareUrl = useDesigner((s) => s.shareUrl);
  const previous = useDesigner((s) => s.previous);
  const domainInput = useRef<HTMLInputElement>(null);
  const hostInput = useRef<HTMLInputElement>(null);
  const folderInput = useRef<HTMLInputElement>(null);
  useEffect(() => {
    // a folder picker (what `pcitopo collect` writes); React has no prop for it
    if (folderInput.current) folderInput.current.webkitdirectory = true;
  }, []);
  const [policy, setPolicy] = useState<PlacementPolicy>('pe-per-phb');
  const [spare, setSpare] = useState(1);
  const [copied, setCopied] = useState<string | null>(null);
  const [switchPorts, setSwitchPorts] = useState(2);
  const spareWhat = pseries ? 'vPHBs' : 'root ports';
  const busAction = useAction(addBus, undefined);
  const spareOk = spareEnabled(policy);
  const copy = async (what: string, text: string) => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(what);
    } catch {
      setCopied(null);
    }
  };
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
            if (v === 'restore-previous') void run(restorePrevious, undefined);
            else if (v === 'kept-designs') keptStore.setState({ open: true });
            else if (v) void run(newDesign, v as TemplateMachine);
          }}
        >
          <option value="">New design…</option>
          <option value="pseries">pseries (POWER)</option>
          <option value="q35">q35 (x86_64)</option>
          <option value="virt">virt (aarch64)</option>
          <optgroup label="Kept aside">
            {previous ? (
              <option value="restore-previous">
                Restore {previous.name} ({new Date(previous.savedAt).toLocaleString()})
              </option>
            ) : null}
            <option value="kept-designs">Kept designs…</option>
          </optgroup>
        </select>
        <button type="button" data-testid="import-domain" className="split-main" onClick={() => domainInput.current?.click()} title="Import a domain XML file, or several domains and the host at once (or drop them, or their folder, on the window)">
          Import domain
        </button>
        {/* a caret beside Import domain, as beside "+ vPHB": the toolbar keeps to one line at 1280 px */}
        <Menu label="" testId="import-menu" title="Open folder…: a folder of domains and host.xml, as pcitopo collect writes it" ariaLabel="More ways to open: a folder" align="left" className="split">
          <button type="button" data-testid="import-folder" onClick={() => folderInput.current?.click()} title="Open a folder of domain XML files and its host.xml (as pcitopo collect writes it) as one workspace">
            Open folder…
          </button>
        </Menu>
        <input
          ref={folderInput}
          data-testid="import-folder-file"
          type="file"
          hidden
          onChange={(e) => {
            const input = e.currentTarget;
            void folderFiles(input.files).then((picked) => {
              input.value = '';
              void run(openFolder, picked);
            });
          }}
        />
        <input
          ref={domainInput}
          data-testid="import-domain-file"
          type="file"
          multiple
          accept=".xml,application/xml,text/xml"
          hidden
          onChange={(e) => {
            const input = e.currentTarget;
            void readFiles(input.files).then((files) => {
              input.value = '';
              const one = files[0];
              if (files.length === 1 && one) void run(importDomain, one);
              else if (files.length > 1) void run(openWorkspace, files);
            });
          }}
        />
        <button type="button" data-testid="import-host" onClick={() => hostInput.current?.click()} title="Import the host's node devices (virsh nodedev-dumpxml)">
          Import host
        </button>
        <input ref={hostInput} data-testid="import-host-file" type="file" accept=".xml,application/xml,text/xml" hidden onChange={(e) => void readFile(e.currentTarget, (a) => void run(importHost, a))} />
        <button type="button" data-testid="paste-xml" onClick={onPaste} title="Paste domain or host XML (Ctrl+V anywhere works too)">
          Paste
        </button>
      </div>
      <div className="tgroup" role="group" aria-label="History">
        <ActionButton action={undo} arg={undefined} testId="undo" className="icon">
          <span aria-hidden="true">↶</span>
        </ActionButton>
        <ActionButton action={redo} arg={undefined} testId="redo" className="icon">
          <span aria-hidden="true">↷</span>
        </ActionButton>
      </div>
      <div className="tgroup" role="group" aria-label="Topology">
        <ActionButton action={addBus} arg={undefined} testId="add-phb" className="split-main" ariaLabel={busAction.label}>
          + {pseries ? 'vPHB' : busAction.label === 'Add a root port' ? 'Root port' : 'PCI bridge'}
        </ActionButton>
        <Menu label="" testId="add-controller-menu" title={pseries ? 'Add… a vPHB or a pci-bridge' : 'Add… a root port, a pcie-to-pci-bridge or a switch'} ariaLabel="Add… another PCI controller" align="left" className="split" lazy>
          {blocks.map((b) =>
            b === 'switch' ? (
              <div key={b} className="menu-row">
                <BlockItem block="switch" downstreamPorts={switchPorts} pseries={pseries} />
                <input data-testid="add-switch-ports" className="spare" type="number" min={1} max={MAX_SWITCH_PORTS} value={switchPorts} aria-label="Downstream ports of the new switch" step={1} onChange={(e) => setSwitchPorts(Math.max(1, Math.min(MAX_SWITCH_PORTS, Math.trunc(Number(e.target.value)) || 1)))} />
                <span className="muted">downstream ports</span>
              </div>
            ) : (
              <BlockItem key={b} block={b} pseries={pseries} />
            ),
          )}
        </Menu>
        <select data-testid="placement-policy" className="policy" aria-label="Placement policy" title="How auto-place assigns buses: one IOMMU group (PE) per vPHB or one root port per device (with spares for hotplug), or the way libvirt would, which keeps no spares" value={policy} onChange={(e) => setPolicy(e.target.value as PlacementPolicy)}>
          <option value="pe-per-phb">{pseries ? 'PE per vPHB' : 'One port each'}</option>
          <option value="libvirt">Like libvirt</option>
        </select>
        {spareOk === true ? (
          <input
            data-testid="placement-spare"
            className="spare"
            type="number"
            min={0}
            max={30}
            step={1}
            value={spare}
            aria-label={`Spare ${spareWhat} for hotplug`}
            title={`Spare empty ${spareWhat} for hotplug`}
            onChange={(e) => setSpare(Math.max(0, Math.trunc(Number(e.target.value)) || 0))}
          />
        ) : (
          <ReleaseSelect />
        )}
        <ActionButton action={autoPlace} arg={{ policy, spare }} testId="auto-place" />
      </div>
      <div className="tgroup end" role="group" aria-label="Export and share">
        <ActionButton action={exportXml} arg={undefined} testId="export-domain" />
        <ActionButton action={copyXml} arg={undefined} testId="copy-xml" ariaLabel="Copy the domain XML" onDone={(ok) => setCopied(ok ? 'xml' : null)}>
          {copied === 'xml' ? 'Copied' : 'Copy'}
        </ActionButton>
        <Menu label="Diagram" testId="export-diagram" title="Download the topology diagram as SVG or PNG">
          <ActionButton action={exportSvg} arg={undefined} testId="export-svg" />
          <ActionButton action={exportPng} arg={undefined} testId="export-png" />
        </Menu>
        <ActionButton action={shareLink} arg={undefined} testId="share-link" className="primary" />
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
