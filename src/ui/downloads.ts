/** Files the browser downloads: the domain XML and the diagram as SVG or PNG. */
import type { Design, Finding, Result, XmlEncoding } from '../engine/index.ts';
import { domainBytes, exportDomain, formatInputError, utf8XmlBytes, whyUnwritable } from '../engine/index.ts';
import { fileStem, type ChangedFile } from '../store/index.ts';
import { diagramSvg } from './diagram.ts';
import { exportRefusal, type ExportRefusal } from './exportRefusal.ts';

export function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** `<name>.xml` from the domain's name, safe as a file name (store fileStem: non-ASCII letters stay). */
export function exportFileName(design: Design | undefined): string {
  return `${fileStem(design?.guest.name ?? '') || 'domain'}.xml`;
}

export const diagramName = (design: Design, ext: string): string => exportFileName(design).replace(/\.xml$/, `-topology.${ext}`);

/** A domain file to download: its name and bytes. */
export interface XmlFile {
  readonly name: string;
  readonly bytes: Uint8Array<ArrayBuffer>;
}

/** `text` as the bytes of its file (engine domainBytes), or why not, worded by exportRefusal. */
function fileBytes(text: string, kept: XmlEncoding | undefined, name: string, guest?: string): { readonly bytes: Uint8Array<ArrayBuffer> } | { readonly refusal: ExportRefusal } {
  const bytes = domainBytes(text, kept, name);
  if (bytes.ok) return { bytes: bytes.value as Uint8Array<ArrayBuffer> };
  const why = whyUnwritable(text, kept);
  return { refusal: why ? exportRefusal(name, why, guest) : { text: `Could not export: ${formatInputError(bytes.error)}`, utf8: false } };
}

/**
 * The design's domain XML as its file's bytes, in the encoding its file came in (engine
 * domainBytes), so an unedited Latin-1 or UTF-16 file comes back byte for byte; or, when an edit
 * added a character that encoding cannot hold, the refusal saying what, where and the way out.
 */
export function domainFile(design: Design): XmlFile | { readonly refusal: ExportRefusal } {
  const name = exportFileName(design);
  const r = fileBytes(exportDomain(design), design.source.encoding, name);
  return 'bytes' in r ? { name, bytes: r.bytes } : r;
}

/**
 * The way out of a refusal that loses nothing: the design's domain XML as UTF-8, its declaration
 * saying so (engine utf8XmlBytes); the design itself is left as it is. Errors as utf8XmlBytes (a
 * lone surrogate), with file, line and column.
 */
export function domainFileUtf8(design: Design): Result<XmlFile> {
  const name = exportFileName(design);
  const bytes = utf8XmlBytes(exportDomain(design), name);
  return bytes.ok ? { ok: true, value: { name, bytes: bytes.value as Uint8Array<ArrayBuffer> } } : bytes;
}

export const downloadFile = (f: XmlFile): void => download(new Blob([f.bytes], { type: 'application/xml' }), f.name);

/** A changed domain's XML as its file's bytes (see domainFile); throws the refusal's words, which point at that guest's Export XML. */
export function changedBytes(f: ChangedFile): Uint8Array<ArrayBuffer> {
  const r = fileBytes(f.xml, f.encoding, f.fileName, f.name);
  if ('refusal' in r) throw new Error(r.refusal.text);
  return r.bytes;
}

export function downloadSvg(design: Design, findings: readonly Finding[]): void {
  const d = diagramSvg(design, findings);
  download(new Blob([d.svg], { type: 'image/svg+xml' }), diagramName(design, 'svg'));
}

/** Chromium refuses canvases above 16,384 px a side: big designs are scaled down to fit. */
const MAX_CANVAS_SIDE = 16_000;

/** Renders the diagram at 2x into a PNG and downloads it; throws with a reason when the browser cannot. */
export async function downloadPng(design: Design, findings: readonly Finding[]): Promise<void> {
  const d = diagramSvg(design, findings);
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
  download(blob, diagramName(design, 'png'));
}

export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}
