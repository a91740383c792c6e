/**
 * Building documents from texts. Shared by the actions that replace the document (import, new
 * design, demo, restore) and by boot; keeping the replaced work aside is keeping.ts.
 */
import type { Design, Host, Result } from '../engine/index.ts';
import { createDesign, importHost } from '../engine/index.ts';

export function hostFrom(text: string | undefined, file: string): Result<Host | undefined> {
  if (text === undefined) return { ok: true, value: undefined };
  return importHost(text, file);
}

/** Builds a design from texts; nothing in the store changes. */
export function buildDesign(domain: string, hostText: string | undefined, file: string, hostFile = file): Result<Design> {
  const host = hostFrom(hostText, hostFile);
  if (!host.ok) return host;
  return createDesign(domain, host.value, file);
}
