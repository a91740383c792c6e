/** Files the browser downloads: the domain XML and the diagram as SVG or PNG. */
import type { Design, Finding } from '../engine/index.ts';
import { domainBytes, exportDomainBytes, formatInputError } from '../engine/index.ts';
import type { ChangedFile } from '../store/index.ts';
import { diagramSvg } from './diagram.ts';

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

/** `<name>.xml` from the domain's name, safe as a file name. */
export function exportFileName(design: Design | undefined): string {
  const name = design?.guest.name ?? 'domain';
  return `${name.replace(/[^A-Za-z0-9._-]+/g, '_')}.xml`;
}

export const diagramName = (design: Design, ext: string): string => exportFileName(design).replace(/\.xml$/, `-topology.${ext}`);

/**
 * Downloads the design's domain XML in the encoding its file came in (engine exportDomainBytes), so
 * an unedited Latin-1 or UTF-16 file comes back byte for byte. Throws the engine's message (a
 * character an edit added that the encoding cannot hold), which the action shows.
 */
export function downloadXml(design: Design): void {
  const name = exportFileName(design);
  const bytes = exportDomainBytes(design, name);
  if (!bytes.ok) throw new Error(`Could not export: ${formatInputError(bytes.error)}`);
  download(new Blob([bytes.value as Uint8Array<ArrayBuffer>], { type: 'application/xml' }), name);
}

/** A changed domain's XML as its file's bytes (see downloadXml); throws the engine's message. */
export function changedBytes(f: ChangedFile): Uint8Array<ArrayBuffer> {
  const bytes = domainBytes(f.xml, f.encoding, f.fileName);
  if (!bytes.ok) throw new Error(`Could not export: ${formatInputError(bytes.error)}`);
  return bytes.value as Uint8Array<ArrayBuffer>;
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
