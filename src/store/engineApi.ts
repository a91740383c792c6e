/**
 * The engine functions the UI needs that other engineers are still writing (DESIGN.md §1). They are
 * looked up on the engine's namespace so the app keeps compiling and running while they land; each
 * wrapper degrades to a clear "not available yet" answer instead of a crash.
 */
import * as engine from '../engine/index.ts';
import type { Command, Design, Host, Result } from '../engine/index.ts';

export type Severity = 'error' | 'warning' | 'info';

export interface Finding {
  readonly ruleId: string;
  readonly severity: Severity;
  readonly message: string;
  readonly subjects: { readonly controllers?: readonly number[]; readonly devices?: readonly string[]; readonly groups?: readonly number[] };
  readonly fixes?: readonly { readonly label: string; readonly command: Command }[];
}

export interface RuleMeta {
  readonly id: string;
  readonly severity: Severity | string;
  readonly title: string;
  readonly why?: string;
  readonly source?: string;
}

export interface SharePayload {
  readonly v: 1;
  readonly domain: string;
  readonly host?: string | undefined;
  readonly view?: unknown;
}

export type PlacementPolicy = 'libvirt' | 'pe-per-phb';

interface PendingApi {
  createDesign?: (domainText: string, host?: Host, file?: string) => Result<Design>;
  exportDomain?: (design: Design) => string;
  importHost?: (text: string, file?: string) => Result<Host>;
  validate?: (design: Design) => Finding[];
  createValidator?: () => (d: Design) => Finding[];
  ruleMeta?: (id: string) => RuleMeta | undefined;
  encodeShareLink?: (payload: SharePayload, base: string) => Promise<string>;
  decodeShareLink?: (linkOrHash: string) => Promise<Result<SharePayload>>;
  place?: (design: Design, options: { policy: PlacementPolicy; spare?: number }) => Design;
}

const api = engine as unknown as PendingApi;

const missing = (what: string): Result<never> => ({ ok: false, error: { code: 'unsupported', message: `${what} is not available in this build yet` } });

export function createDesign(domainText: string, host?: Host, file?: string): Result<Design> {
  if (!api.createDesign) return missing('Domain XML import');
  try {
    return api.createDesign(domainText, host, file);
  } catch (e) {
    return { ok: false, error: { code: 'malformed-xml', message: String((e as Error).message ?? e), file } };
  }
}

export function importHost(text: string, file?: string): Result<Host> {
  if (!api.importHost) return missing('Host XML import');
  try {
    return api.importHost(text, file);
  } catch (e) {
    return { ok: false, error: { code: 'malformed-xml', message: String((e as Error).message ?? e), file } };
  }
}

/** Without the patching exporter the imported text is the best answer: it is what the user gave. */
export function exportDomain(design: Design): string {
  return api.exportDomain ? api.exportDomain(design) : design.source.text;
}

export const hasValidator = (): boolean => api.validate !== undefined || api.createValidator !== undefined;

export function makeValidator(): (d: Design) => Finding[] {
  if (api.createValidator) return api.createValidator();
  const v = api.validate;
  return v ? (d) => v(d) : () => [];
}

export function ruleMeta(id: string): RuleMeta | undefined {
  return api.ruleMeta?.(id);
}

export const hasShareLinks = (): boolean => api.encodeShareLink !== undefined && api.decodeShareLink !== undefined;

export async function encodeShareLink(payload: SharePayload, base: string): Promise<string> {
  if (!api.encodeShareLink) throw new Error('Share links are not available in this build yet');
  return api.encodeShareLink(payload, base);
}

export async function decodeShareLink(linkOrHash: string): Promise<Result<SharePayload>> {
  if (!api.decodeShareLink) return missing('Share links');
  try {
    return await api.decodeShareLink(linkOrHash);
  } catch (e) {
    return { ok: false, error: { code: 'bad-share-link', message: String((e as Error).message ?? e), file: 'share link' } };
  }
}

export const hasPlacement = (): boolean => api.place !== undefined;

export function place(design: Design, options: { policy: PlacementPolicy; spare?: number }): Design {
  if (!api.place) throw new Error('Auto-placement is not available in this build yet');
  return api.place(design, options);
}
