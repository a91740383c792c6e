/**
 * What the toolbar, the keyboard, file drops and pastes do. Plain functions over the store so the
 * same action behaves the same from every entry point; the engine does the work.
 */
import type { Design, Host, PlacementPolicy, Result, TemplateMachine } from '../engine/index.ts';
import { DEMO_DOMAIN_XML, DEMO_HOST_XML, MACHINE_TEMPLATES, createDesign, decodeShareLink, encodeShareLink, exportDomain, firstFreeSlot, formatInputError, importHost, isPhb, machineFamily, place } from '../engine/index.ts';
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

/** Adds a vPHB on pseries, a root port on pcie-root machines. */
/** Selects the controller an action just added and pans to it: a new node may land off screen. */
function showNewController(before: Design): void {
  const known = new Set(before.guest.controllers.map((c) => c.key));
  const added = store.getState().present?.design.guest.controllers.find((c) => !known.has(c.key));
  if (!added) return;
  store.getState().select({ kind: 'controller', key: added.key });
  store.getState().focusNodes([nodeIdOf(added)]);
}

export function addBus(): void {
  const present = store.getState().present;
  if (!present) return;
  const guest = present.design.guest;
  if (machineFamily(guest) === 'pseries') {
    if (store.getState().apply({ kind: 'add-controller', controller: { model: 'pci-root' } }, 'Add a vPHB')) showNewController(present.design);
    return;
  }
  const root = guest.controllers.find((c) => c.model === 'pcie-root' && c.index === 0) ?? guest.controllers.find((c) => c.model === 'pci-root');
  if (!root || root.index === undefined) {
    showError('This design has no root bus to plug a port into.');
    return;
  }
  const slot = firstFreeSlot(guest, root.index);
  if (slot === undefined) {
    showError(`Controller ${root.index} has no free slot.`);
    return;
  }
  const model = root.model === 'pcie-root' ? 'pcie-root-port' : 'pci-bridge';
  if (store.getState().apply({ kind: 'add-controller', controller: { model, address: { domain: 0, bus: root.index, slot, function: 0 } } }, `Add a ${model}`)) showNewController(present.design);
}

export const addBusLabel = (design: Design | undefined): string => (design && machineFamily(design.guest) !== 'pseries' ? 'Add a root port' : 'Add a vPHB');

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
