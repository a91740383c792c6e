/** Files the browser downloads: the domain XML and the diagram as SVG or PNG. */
import type { Design, Finding } from '../engine/index.ts';
import { exportDomain } from '../engine/index.ts';
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

export function downloadXml(design: Design): void {
  download(new Blob([exportDomain(design)], { type: 'application/xml' }), exportFileName(design));
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
