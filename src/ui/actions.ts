/**
 * What the toolbar, the keyboard, file drops and pastes do. Plain functions over the store so the
 * same action behaves the same from every entry point; the engine does the work.
 */
import type { Command, Design, Guest, GuestPciAddress, Host, NewController, PciController, PlacementPolicy, Result, TemplateMachine } from '../engine/index.ts';
import { DEMO_DOMAIN_XML, DEMO_HOST_XML, MACHINE_TEMPLATES, createDesign, decodeShareLink, encodeShareLink, exportDomain, firstFreeSlot, formatInputError, hasPcieRoot, importHost, isPhb, machineFamily, nextControllerIndex, place } from '../engine/index.ts';
import { designerStore, findingsOf, type DocState, type MessageAction, type PreviousDesign } from '../store/index.ts';
import { diagramSvg } from './diagram.ts';
import { nodeIdOf } from './layout.ts';

const AUTOSAVE_KEY = 'pcitopo:autosave:v1';
/** the design kept aside when something replaced the user's work (a share link, a new design, the demo) */
const PREVIOUS_KEY = 'pcitopo:previous:v1';

interface Autosave {
  readonly v: 1;
  readonly domain: string;
  readonly host?: string | undefined;
  readonly file?: string | undefined;
  /** the label of the step that produced it: tells the user's work from a design the app made */
  readonly label?: string | undefined;
  readonly savedAt: string;
}

const store = designerStore;

const LABEL_DEMO = 'Open the demo';
const LABEL_SHARE = 'Open a share link';
const LABEL_EMPTY = 'New design';
const LABEL_RESTORE_PREVIOUS = 'Restore your previous design';

/**
 * A design the app made and nobody edited since (the demo, a template, a share link as opened):
 * replacing it loses nothing, so it never displaces a kept design. Undoing every edit gets back to one.
 */
const isPristine = (label: string | undefined): boolean => label === LABEL_DEMO || label === LABEL_SHARE || /^New (\S+ )?design$/.test(label ?? '');

function snapshot(doc: DocState): Autosave {
  return { v: 1, domain: exportDomain(doc.design), host: doc.hostText, file: doc.file, label: doc.label, savedAt: new Date().toISOString() };
}

const nameOf = (save: Autosave): string => /<name>([^<]*)<\/name>/.exec(save.domain)?.[1]?.trim() || save.file || 'unnamed design';
const previousInfo = (save: Autosave | null): PreviousDesign | null => (save ? { name: nameOf(save), savedAt: save.savedAt } : null);
const when = (iso: string): string => new Date(iso).toLocaleString();

/**
 * Keeps the user's work aside before something replaces it. Returns whether that work is safe: kept
 * now, or nothing worth keeping (a pristine design leaves an earlier kept design in place).
 */
function keepPrevious(save: Autosave | null): boolean {
  if (!save || isPristine(save.label)) return true;
  try {
    localStorage.setItem(PREVIOUS_KEY, JSON.stringify(save));
  } catch {
    return false;
  }
  store.getState().setPrevious(previousInfo(save));
  return true;
}

const keepPresent = (): boolean => {
  const present = store.getState().present;
  return keepPrevious(present ? snapshot(present) : null);
};

function showError(text: string): void {
  store.getState().setMessage({ kind: 'error', text });
}

function hostFrom(text: string | undefined, file: string): Result<Host | undefined> {
  if (text === undefined) return { ok: true, value: undefined };
  return importHost(text, file);
}

/** Builds a design from texts; nothing in the store changes. */
function build(domain: string, hostText: string | undefined, file: string, hostFile = file): Result<Design> {
  const host = hostFrom(hostText, hostFile);
  if (!host.ok) return host;
  return createDesign(domain, host.value, file);
}

export function openDemo(asUndoableStep: boolean): boolean {
  const r = build(DEMO_DOMAIN_XML, DEMO_HOST_XML, 'demo domain', 'demo host');
  if (!r.ok) {
    showError(formatInputError(r.error));
    return false;
  }
  const doc = { design: r.value, hostText: DEMO_HOST_XML, file: 'demo.xml' };
  if (asUndoableStep) {
    keepPresent();
    store.getState().commit(doc, LABEL_DEMO);
    store.getState().select(null);
  } else store.getState().load({ ...doc, label: LABEL_DEMO });
  return true;
}

/** Replaces the guest with an imported domain, keeping the host. A failure leaves the design as it was. */
export function importDomainText(text: string, file: string): boolean {
  const present = store.getState().present;
  const r = createDesign(text, present?.design.host, file);
  if (!r.ok) {
    showError(`Could not import the domain: ${formatInputError(r.error)}. Your design is unchanged.`);
    return false;
  }
  keepPresent();
  store.getState().commit({ design: r.value, hostText: present?.hostText, file }, `Import ${file}`);
  store.getState().select(null);
  return true;
}

/** Replaces the host; the guest stays and is re-read against the new host. */
export function importHostText(text: string, file: string): boolean {
  const h = importHost(text, file);
  if (!h.ok) {
    showError(`Could not import the host: ${formatInputError(h.error)}. Your design is unchanged.`);
    return false;
  }
  const present = store.getState().present;
  if (!present) return false;
  store.getState().commit({ ...present, design: { ...present.design, host: h.value }, hostText: text }, `Import host ${file}`);
  return true;
}

/** A dropped or pasted text: a domain or a host, told apart by its root element. */
export function importAnyText(text: string, file: string): boolean {
  const head = text.replace(/<\?xml[^>]*\?>|<!--[\s\S]*?-->/g, '').trimStart();
  if (/^<domain[\s>]/.test(head)) return importDomainText(text, file);
  if (/^<(device|devices|nodedevs|host)[\s>]/.test(head)) return importHostText(text, file);
  // Let the domain importer explain what is wrong, with line and column.
  return importDomainText(text, file);
}

export function newDesign(machine: TemplateMachine): boolean {
  const present = store.getState().present;
  const r = createDesign(MACHINE_TEMPLATES[machine], present?.design.host, `new ${machine} design`);
  if (!r.ok) {
    showError(formatInputError(r.error));
    return false;
  }
  keepPresent();
  store.getState().commit({ design: r.value, hostText: present?.hostText, file: `new-${machine}.xml` }, `New ${machine} design`);
  store.getState().select(null);
  return true;
}

export function currentXml(): string {
  const present = store.getState().present;
  return present ? exportDomain(present.design) : '';
}

export function exportFileName(): string {
  const present = store.getState().present;
  const name = present?.design.guest.name ?? 'domain';
  return `${name.replace(/[^A-Za-z0-9._-]+/g, '_')}.xml`;
}

function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function downloadXml(): void {
  download(new Blob([currentXml()], { type: 'application/xml' }), exportFileName());
}

const diagramName = (ext: string): string => exportFileName().replace(/\.xml$/, `-topology.${ext}`);

function currentDiagram() {
  const present = store.getState().present;
  return present ? diagramSvg(present.design, findingsOf(present.design)) : null;
}

export function downloadSvg(): void {
  const d = currentDiagram();
  if (d) download(new Blob([d.svg], { type: 'image/svg+xml' }), diagramName('svg'));
}

/** Chromium refuses canvases above 16,384 px a side: big designs are scaled down to fit. */
const MAX_CANVAS_SIDE = 16_000;

export async function downloadPng(): Promise<void> {
  const d = currentDiagram();
  if (!d) return;
  try {
    const img = new Image();
    img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(d.svg)}`;
    await img.decode();
    const scale = Math.min(2, MAX_CANVAS_SIDE / Math.max(d.width, d.height));
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(d.width * scale);
    canvas.height = Math.round(d.height * scale);
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2D canvas in this browser');
    ctx.scale(scale, scale);
    ctx.drawImage(img, 0, 0, d.width, d.height);
    const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
    if (!blob) throw new Error('the browser could not encode the PNG');
    download(blob, diagramName('png'));
  } catch (e) {
    showError(`Could not export the PNG: ${(e as Error).message}`);
  }
}

export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

export async function makeShareLink(): Promise<void> {
  const present = store.getState().present;
  if (!present) return;
  try {
    const base = `${location.origin}${location.pathname}`;
    const url = await encodeShareLink({ v: 1, domain: exportDomain(present.design), host: present.hostText }, base);
    store.getState().setShareUrl(url);
  } catch (e) {
    showError(`Could not make a share link: ${(e as Error).message}`);
  }
}

/** Beyond this many nodes a fitted tree is too small to read: the view pans to the new node instead. */
export const FIT_ALL_MAX_NODES = 12;

/**
 * Selects the controller an action just added (the first one, for a switch or a bridge with its
 * port) and shows it in context: the whole tree while that stays readable, else the new nodes.
 */
function showNewController(before: Design): void {
  const known = new Set(before.guest.controllers.map((c) => c.key));
  const all = store.getState().present?.design.guest.controllers ?? [];
  const added = all.filter((c) => !known.has(c.key));
  const first = added[0];
  if (!first) return;
  store.getState().select({ kind: 'controller', key: first.key });
  store.getState().focusNodes((all.length <= FIT_ALL_MAX_NODES ? all : added).map(nodeIdOf));
}

export function addBus(): void {
  const present = store.getState().present;
  if (!present) return;
  const guest = present.design.guest;
  if (machineFamily(guest) === 'pseries') {
    addBuildingBlock('vphb');
    return;
  }
  addBuildingBlock(guest.controllers.some((c) => c.model === 'pcie-root') ? 'root-port' : 'pci-bridge');
}

export const addBusLabel = (design: Design | undefined): string => (design && machineFamily(design.guest) !== 'pseries' ? 'Add a root port' : 'Add a vPHB');

/** What the toolbar's "Add…" menu builds. */
export type BuildingBlock = 'vphb' | 'pci-bridge' | 'root-port' | 'pcie-to-pci-bridge' | 'switch';

/** The blocks that make sense on this machine: PHBs and bridges on pseries, PCIe ports and bridges on pcie-root machines. */
export function buildingBlocks(design: Design | undefined): readonly BuildingBlock[] {
  if (!design) return [];
  if (machineFamily(design.guest) === 'pseries') return ['vphb', 'pci-bridge'];
  if (hasPcieRoot(design.guest)) return ['root-port', 'pcie-to-pci-bridge', 'switch'];
  return ['pci-bridge'];
}

/** Most downstream ports one switch can have: its upstream port's bus has slots 0-31. */
export const MAX_SWITCH_PORTS = 32;

const PORT_MODELS: ReadonlySet<string> = new Set(['pcie-root-port', 'pcie-switch-downstream-port']);

/**
 * Chassis numbers of root and downstream ports must be unique (Q35-RP-3: QEMU refuses a second
 * (chassis, slot 0) pair). The controller's index is libvirt's default; an imported design may
 * already use it, then the lowest free number from 1 is taken.
 */
function chassisPicker(guest: Guest): (index: number) => number {
  const used = new Set<number>();
  for (const c of guest.controllers) if (PORT_MODELS.has(c.model) && c.target.chassis !== undefined) used.add(c.target.chassis);
  return (index) => {
    let n = index;
    if (used.has(n) || n < 1 || n > 255) for (n = 1; used.has(n); n++);
    used.add(n);
    return n;
  };
}

/** A root or downstream port as libvirt writes it: chassis unique, port slot*8+function (root) or slot (downstream), GEN-TGT-2. */
function portSpec(model: 'pcie-root-port' | 'pcie-switch-downstream-port', index: number, address: GuestPciAddress, chassis: (index: number) => number): NewController {
  const port = model === 'pcie-root-port' ? address.slot * 8 + address.function : address.slot;
  return { model, index, address, target: { chassis: chassis(index), port } };
}

const at = (bus: number, slot: number): GuestPciAddress => ({ domain: 0, bus, slot, function: 0 });
const busIsEmpty = (guest: Guest, index: number): boolean => !guest.devices.some((d) => d.address?.bus === index) && !guest.controllers.some((c) => c.index !== index && c.address?.bus === index);

/** The empty root (or downstream) port the user selected: a bridge or a switch goes there rather than on a new port. */
function selectedFreePort(guest: Guest): PciController | undefined {
  const sel = store.getState().selection;
  if (sel?.kind !== 'controller') return undefined;
  const c = guest.controllers.find((x) => x.key === sel.key);
  return c && c.index !== undefined && PORT_MODELS.has(c.model) && busIsEmpty(guest, c.index) ? c : undefined;
}

/** The bus a block plugs into on a pcie-root machine: the selected free port, else a new root port (added first). */
function hostPort(guest: Guest, chassis: (index: number) => number, nextIndex: () => number): { bus: number; commands: Command[] } | string {
  const free = selectedFreePort(guest);
  if (free?.index !== undefined) return { bus: free.index, commands: [] };
  const root = guest.controllers.find((c) => c.model === 'pcie-root');
  if (root?.index === undefined) return 'This design has no pcie-root to plug a root port into.';
  const slot = firstFreeSlot(guest, root.index);
  if (slot === undefined) return `The PCIe root (controller ${root.index}) has no free slot for a root port.`;
  const index = nextIndex();
  return { bus: index, commands: [{ kind: 'add-controller', controller: portSpec('pcie-root-port', index, at(root.index, slot), chassis) }] };
}

/** The vPHB (or PCI root) a pci-bridge goes on: the selected one, else the default one (index 0). */
function bridgeParent(guest: Guest): PciController | undefined {
  const sel = store.getState().selection;
  const chosen = sel?.kind === 'controller' ? guest.controllers.find((c) => c.key === sel.key) : undefined;
  const takesBridge = (c: PciController | undefined) => c !== undefined && c.index !== undefined && (c.model === 'pci-root' || c.model === 'pci-bridge');
  if (takesBridge(chosen)) return chosen;
  return guest.controllers.find((c) => c.model === 'pci-root' && c.index === 0) ?? guest.controllers.find((c) => takesBridge(c));
}

/**
 * Adds a PCI building block with engine commands only (one undoable step, a batch when it takes
 * several controllers), selects it and shows it. Returns whether anything was added.
 */
export function addBuildingBlock(block: BuildingBlock, options: { downstreamPorts?: number } = {}): boolean {
  const present = store.getState().present;
  if (!present) return false;
  const guest = present.design.guest;
  const chassis = chassisPicker(guest);
  let next = nextControllerIndex(guest);
  const nextIndex = () => next++;
  let commands: Command[];
  let label: string;
  let notice: string | undefined;
  switch (block) {
    case 'vphb':
      commands = [{ kind: 'add-controller', controller: { model: 'pci-root' } }];
      label = 'Add a vPHB';
      break;
    case 'root-port': {
      const root = guest.controllers.find((c) => c.model === 'pcie-root');
      if (root?.index === undefined) return fail('This design has no pcie-root to plug a root port into.');
      const slot = firstFreeSlot(guest, root.index);
      if (slot === undefined) return fail(`The PCIe root (controller ${root.index}) has no free slot.`);
      commands = [{ kind: 'add-controller', controller: portSpec('pcie-root-port', nextIndex(), at(root.index, slot), chassis) }];
      label = 'Add a pcie-root-port';
      break;
    }
    case 'pci-bridge': {
      const parent = bridgeParent(guest);
      if (parent?.index === undefined) return fail('This design has no PCI bus to plug a pci-bridge into.');
      const slot = firstFreeSlot(guest, parent.index);
      if (slot === undefined) return fail(`Controller ${parent.index} has no free slot for a pci-bridge.`);
      commands = [{ kind: 'add-controller', controller: { model: 'pci-bridge', index: nextIndex(), address: at(parent.index, slot) } }];
      label = `Add a pci-bridge on controller ${parent.index}`;
      if (machineFamily(guest) === 'pseries') {
        notice = `The pci-bridge adds no isolation: devices behind it share vPHB ${parent.index}'s PE, DMA window and EEH (PAPR-BRIDGE-4). Add a vPHB to isolate a device.`;
      }
      break;
    }
    case 'pcie-to-pci-bridge': {
      const port = hostPort(guest, chassis, nextIndex);
      if (typeof port === 'string') return fail(port);
      commands = [...port.commands, { kind: 'add-controller', controller: { model: 'pcie-to-pci-bridge', index: nextIndex(), address: at(port.bus, 0) } }];
      label = port.commands.length ? 'Add a root port with a pcie-to-pci-bridge' : `Add a pcie-to-pci-bridge on port ${port.bus}`;
      break;
    }
    case 'switch': {
      const n = Math.max(1, Math.min(MAX_SWITCH_PORTS, Math.trunc(options.downstreamPorts ?? 2)));
      const port = hostPort(guest, chassis, nextIndex);
      if (typeof port === 'string') return fail(port);
      const upstream = nextIndex();
      commands = [...port.commands, { kind: 'add-controller', controller: { model: 'pcie-switch-upstream-port', index: upstream, address: at(port.bus, 0) } }];
      for (let i = 0; i < n; i++) commands.push({ kind: 'add-controller', controller: portSpec('pcie-switch-downstream-port', nextIndex(), at(upstream, i), chassis) });
      label = `Add a switch with ${n} downstream port${n === 1 ? '' : 's'}`;
      break;
    }
  }
  const cmd: Command = commands.length === 1 && commands[0] ? commands[0] : { kind: 'batch', label, commands };
  if (!store.getState().apply(cmd, label)) return false;
  showNewController(present.design);
  if (notice) store.getState().setMessage({ kind: 'notice', text: notice });
  return true;
}

function fail(text: string): false {
  showError(text);
  return false;
}

export const BLOCK_LABELS: Readonly<Record<BuildingBlock, string>> = {
  vphb: 'vPHB (its own PE)',
  'pci-bridge': 'PCI bridge',
  'root-port': 'Root port',
  'pcie-to-pci-bridge': 'PCIe-to-PCI bridge (for conventional PCI devices)',
  switch: 'Switch',
};

export function autoPlace(policy: PlacementPolicy, spare: number): void {
  const present = store.getState().present;
  if (!present) return;
  try {
    const design = place(present.design, { policy, spare });
    store.getState().commit({ ...present, design }, `Auto-place (${policy}${policy === 'pe-per-phb' ? `, ${spare} spare` : ''})`);
    // auto-place may add many buses: show the whole result, not the view of the design before
    store.getState().focusNodes(design.guest.controllers.map(nodeIdOf));
  } catch (e) {
    showError(`Auto-placement failed: ${(e as Error).message}`);
  }
}

export const phbCount = (d: Design): number => d.guest.controllers.filter(isPhb).length;

export function autosave(): void {
  const present = store.getState().present;
  if (!present) return;
  try {
    localStorage.setItem(AUTOSAVE_KEY, JSON.stringify(snapshot(present)));
  } catch {
    // Storage full or disabled: the design is still in memory; nothing to tell the user every edit.
  }
}

function readSave(key: string): Autosave | null {
  try {
    const raw = localStorage.getItem(key);
    if (!raw) return null;
    const v = JSON.parse(raw) as Partial<Autosave>;
    return v && v.v === 1 && typeof v.domain === 'string' ? (v as Autosave) : null;
  } catch {
    return null;
  }
}

/**
 * Brings back the design kept aside, as one undoable step. The design it replaces is kept aside in
 * turn (unless pristine), so a second restore goes back.
 */
export function restorePrevious(): boolean {
  const saved = readSave(PREVIOUS_KEY);
  if (!saved) {
    store.getState().setPrevious(null);
    showError('There is no previous design to restore.');
    return false;
  }
  const d = build(saved.domain, saved.host, saved.file ?? 'previous design');
  if (!d.ok) {
    showError(`Your previous design cannot be read: ${formatInputError(d.error)}`);
    return false;
  }
  keepPresent();
  store.getState().commit({ design: d.value, hostText: saved.host, file: saved.file }, LABEL_RESTORE_PREVIOUS);
  store.getState().select(null);
  store.getState().setMessage({ kind: 'notice', text: `Restored your previous design (${nameOf(saved)}, saved ${when(saved.savedAt)}). Ctrl+Z goes back.` });
  return true;
}

const restoreOffer = (): MessageAction[] => (store.getState().previous ? ['restore-previous'] : []);

function openEmpty(text: string): void {
  const r = createDesign(MACHINE_TEMPLATES.pseries, undefined, 'new pseries design');
  store.getState().load(r.ok ? { design: r.value, file: 'new-pseries.xml', label: LABEL_EMPTY } : null);
  store.getState().setMessage({ kind: 'error', text, actions: [...restoreOffer(), 'open-demo'] });
}

/** First load: a share link wins, then the autosaved design, then the demo. Nothing the user made is lost. */
export async function boot(): Promise<void> {
  store.getState().setPrevious(previousInfo(readSave(PREVIOUS_KEY)));
  const hash = location.hash;
  if (hash.startsWith('#/d/')) {
    // Whatever the link holds, the design autosaved here is the user's: keep it aside first.
    const safe = keepPrevious(readSave(AUTOSAVE_KEY));
    // The link has done its job: a reload now shows the autosave (this design and its edits), not the link again.
    history.replaceState(history.state, '', `${location.pathname}${location.search}`);
    const r = await decodeShareLink(hash);
    if (!r.ok) {
      openEmpty(`This share link cannot be opened: ${r.error.message}. You have an empty design instead.`);
      return;
    }
    const d = build(r.value.domain, r.value.host, 'share link');
    if (!d.ok) {
      openEmpty(`This share link holds a design that cannot be read: ${formatInputError(d.error)}. You have an empty design instead.`);
      return;
    }
    store.getState().load({ design: d.value, hostText: r.value.host, file: 'shared.xml', label: LABEL_SHARE });
    if (safe) autosave();
    const previous = store.getState().previous;
    store.getState().setMessage({
      kind: 'notice',
      text: `Opened a shared design.${previous ? ` Your previous design (${previous.name}, saved ${when(previous.savedAt)}) is kept.` : ''}`,
      actions: restoreOffer(),
    });
    return;
  }
  const saved = readSave(AUTOSAVE_KEY);
  if (saved) {
    const d = build(saved.domain, saved.host, saved.file ?? 'autosave');
    if (d.ok) {
      store.getState().load({ design: d.value, hostText: saved.host, file: saved.file, label: saved.label ?? 'Restore' });
      // Replaced the user's work last time and nothing was done since: offer it back.
      const offer = isPristine(saved.label) ? restoreOffer() : [];
      store.getState().setMessage({ kind: 'notice', text: `Restored your design from ${when(saved.savedAt)}.`, actions: [...offer, 'open-demo'] });
      return;
    }
  }
  openDemo(false);
}
