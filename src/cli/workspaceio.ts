/**
 * Reading a workspace (issue 15) for validate, link and open: several DOMAIN.xml files and a host,
 * or a directory as `pcitopo collect` writes it (host.xml plus one <name>.xml per domain). Every
 * file goes through the same capped, strictly decoded read as a single domain (xmlio.readXml).
 */
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Host, Workspace } from '../engine/index.ts';
import { createWorkspace, importHost, MAX_WORKSPACE_GUESTS } from '../engine/index.ts';
import { quoteArg } from './collect/virsh.ts';
import { CliError, EXIT, ioError, usageError } from './io.ts';
import type { Io } from './io.ts';
import type { XmlInput } from './xmlio.ts';
import { readXml, unwrap } from './xmlio.ts';

/** The host's file in a collected directory. */
export const HOST_FILE = 'host.xml';

export interface LoadedWorkspace {
  readonly workspace: Workspace;
  /** every domain as read, in workspace order */
  readonly domains: readonly XmlInput[];
  readonly host?: XmlInput | undefined;
}

/** Is `path` a directory? `-` (standard input) and a missing path are not. */
export function isDirectory(path: string): boolean {
  if (path === '-') return false;
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * The files of a collected directory: `host.xml` (when there) and every other `*.xml` as a domain,
 * in name order. Other files are left alone. Errors (exit 2): unreadable directory, no domain in it,
 * more domains than a workspace holds.
 */
export function directoryFiles(dir: string): { domains: string[]; host?: string } {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch (e) {
    throw ioError(dir, 'cannot read the directory', e);
  }
  // regular files only: a FIFO or device named *.xml is not a collected document
  const xml = names.filter((n) => /\.xml$/i.test(n) && isFile(join(dir, n)));
  const domains = xml.filter((n) => n !== HOST_FILE).map((n) => join(dir, n));
  if (domains.length === 0) throw new CliError(`${dir}: no domain XML in it (expected <name>.xml files, as 'pcitopo collect' writes them)`, EXIT.input);
  if (domains.length > MAX_WORKSPACE_GUESTS) throw new CliError(`${dir}: ${domains.length} domain files; a workspace holds up to ${MAX_WORKSPACE_GUESTS}`, EXIT.input);
  return xml.includes(HOST_FILE) ? { domains, host: join(dir, HOST_FILE) } : { domains };
}

/**
 * Reads the domains `files` (or, for one directory, its files) and the host (`hostFile`, else the
 * directory's host.xml) into a workspace. Exit 2 for anything unreadable, naming file, line, column.
 */
export async function loadWorkspace(files: readonly string[], hostFile: string | undefined, io: Io): Promise<LoadedWorkspace> {
  let domainFiles = [...files];
  let host = hostFile;
  if (files.length === 1 && isDirectory(files[0] as string)) {
    const found = directoryFiles(files[0] as string);
    domainFiles = found.domains;
    host ??= found.host;
  } else {
    const dir = files.find(isDirectory);
    if (dir !== undefined) throw usageError(`${dir} is a directory: give one directory alone, or domain files`);
  }
  if ([...domainFiles, host].filter((n) => n === '-').length > 1) throw usageError('only one input can be standard input (-)');
  if (domainFiles.length > MAX_WORKSPACE_GUESTS) throw usageError(`${domainFiles.length} domains; a workspace holds up to ${MAX_WORKSPACE_GUESTS}`);
  let hostInput: XmlInput | undefined;
  let parsedHost: Host | undefined;
  if (host !== undefined) {
    hostInput = await readXml(host, io);
    parsedHost = unwrap(importHost(hostInput.text, hostInput.name));
  }
  const domains: XmlInput[] = [];
  for (const f of domainFiles) domains.push(await readXml(f, io));
  const workspace = unwrap(createWorkspace(domains.map((d) => ({ text: d.text, file: d.name })), parsedHost));
  return { workspace, domains, host: hostInput };
}

/**
 * `<name>.xml`. libvirt refuses '/' in a name (virDomainDefParseXML); a domain named `host` becomes
 * `host.domain.xml` so it is not taken for the host, and a clash gets `-2`, `-3`, ….
 */
export function domainFile(name: string, taken: readonly string[]): string {
  const base = name.split('').map((c) => (c === '/' || c === '\\' || c.charCodeAt(0) < 0x20 ? '_' : c)).join('') || 'domain';
  const stem = base.toLowerCase() === 'host' ? `${base}.domain` : base;
  let file = `${stem}.xml`;
  for (let n = 2; taken.includes(file); n++) file = `${stem}-${n}.xml`;
  return file;
}

/**
 * Makes `dir` and its missing parents one level at a time, outermost first. Not mkdirSync's
 * `recursive`: under /proc mkdir answers ENOENT for a parent it then cannot create, and Node 20's
 * MKDirpSync retries that forever at full CPU. Throws (exit 2) naming the first level that cannot be made and its errno.
 */
function makeDirectories(dir: string): void {
  const levels: string[] = [];
  for (let d = resolve(dir); ; d = dirname(d)) {
    levels.unshift(d);
    if (dirname(d) === d) break;
  }
  for (const d of levels) {
    try {
      mkdirSync(d);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw ioError(d, 'cannot make the directory', e);
    }
  }
}

/** DIR is made when missing; one that already holds XML is refused, so no stale domain mixes in (collect, unlink). */
export function prepareDirectory(dir: string): void {
  try {
    makeDirectories(dir);
    const xml = readdirSync(dir).filter((n) => /\.xml$/i.test(n));
    if (xml.length > 0) throw usageError(`${dir} already holds ${xml.slice(0, 3).join(', ')}${xml.length > 3 ? ', …' : ''}: write into a new or empty directory (--out DIR)`);
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw ioError(dir, 'cannot read the directory', e);
  }
}

/** Writes a new file (never over one that exists: exit 2 naming it). */
export function writeNew(file: string, data: string | Uint8Array): void {
  try {
    writeFileSync(file, data, { flag: 'wx' });
  } catch (e) {
    throw ioError(file, 'cannot write', e);
  }
}

/** The lines that say how to open and check a written directory (collect, unlink). */
export function openHint(dir: string): string {
  const arg = /^[\w./-]+$/.test(dir) ? dir : quoteArg(dir);
  return `Open it in the designer: pcitopo open ${arg}\nCheck it:                pcitopo validate ${arg}\n`;
}
