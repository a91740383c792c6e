import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { DEMO_DOMAIN_XML, DEMO_HOST_XML, importHost } from '../../engine/index.ts';
import { collectFromSysfs } from '../collect/sysfs.ts';
import { quoteArg, virsh, virshEach, virshErrors, which } from '../collect/virsh.ts';
import type { CommandContext } from '../commands.ts';
import { CliError, EXIT, usageError } from '../io.ts';
import { domainFile, HOST_FILE, openHint, prepareDirectory, writeNew } from '../workspaceio.ts';
import { intOption, jsonLine, str } from './shared.ts';

/** Where `<name>.xml` is decided (workspaceio.ts): collect and unlink name domain files alike. */
export { domainFile };

/**
 * `pcitopo collect [--connect URI] [--out DIR] [--timeout SEC]`: the host's PCI node devices
 * (host.xml) and every domain's persistent definition (<name>.xml) into DIR, for `pcitopo open DIR`
 * and `pcitopo validate DIR`. Read-only: virsh runs with -r (a read-only libvirt connection).
 *
 * The host comes from libvirt (`virsh nodedev-list --cap pci` + `nodedev-dumpxml`, each device as
 * libvirt prints it) when libvirt answers with node devices, else from sysfs (collect/sysfs.ts, the
 * twin of scripts/collect-host.sh; $SYSFS_ROOT moves it, as for the script). Domains come from
 * `virsh list --all --uuid` + `dumpxml --inactive` (looked up by UUID: a name may look like an ID).
 * With --connect, a libvirt that does not answer is an error (exit 3); without it, the host is read
 * from sysfs and no domain is collected (a note says why). `--demo` writes the designer's built-in
 * demo instead (its host and its pseries guest), asking nothing of this machine: a directory to try
 * `open`, `validate` and the rest on without a host of one's own.
 */
export async function run(ctx: CommandContext): Promise<number> {
  const uri = str(ctx, 'connect');
  const demo = ctx.values.demo === true;
  if (demo && uri !== undefined) throw usageError('--demo writes the built-in demo and asks no libvirt: give --demo or --connect, not both');
  const timeout = intOption(ctx, 'timeout', 3600, 1) ?? 120;
  const dir = resolve(str(ctx, 'out') ?? (demo ? 'pcitopo-demo' : `pcitopo-${hostname()}`));
  prepareDirectory(dir);
  const notes: string[] = [];
  const bin = demo ? undefined : which('virsh', ctx.io.env.PATH);

  let domains: Array<{ name: string; xml: string }> = [];
  let host: { xml: string; devices: number; from: 'libvirt' | 'sysfs' | 'demo' } | undefined;
  let libvirtAnswers = false;
  if (demo) {
    // the designer's demo (a POWER9-like host and a pseries guest), for trying pcitopo without a host of one's own
    const h = demoHostDevices(DEMO_HOST_XML);
    host = { xml: DEMO_HOST_XML, devices: h, from: 'demo' };
    domains = [{ name: /<name>([^<]*)<\/name>/.exec(DEMO_DOMAIN_XML)?.[1] ?? 'demo', xml: DEMO_DOMAIN_XML }];
  } else if (!bin) {
    if (uri !== undefined) throw new CliError(`virsh is not installed, so ${uri} cannot be asked (apt-get install libvirt-clients, dnf install libvirt-client)`, EXIT.missing);
    notes.push('virsh is not installed: no domain was collected, the host was read from sysfs');
  } else {
    const list = await virsh(bin, uri, 'list --all --uuid', timeout);
    if (list.code !== 0) {
      const why = virshErrors(list.stderr) || `virsh exited with ${list.code}`;
      if (uri !== undefined) throw new CliError(`libvirt at ${uri} did not answer: ${why}`, EXIT.missing);
      notes.push(`libvirt did not answer (${why}): no domain was collected, the host was read from sysfs`);
    } else {
      libvirtAnswers = true;
      domains = await dumpDomains(bin, uri, list.stdout, timeout, notes);
      host = await nodeDevices(bin, uri, timeout, notes);
    }
  }
  if (!host) {
    const sysfsRoot = ctx.io.env.SYSFS_ROOT ?? '';
    const fromSysfs = collectFromSysfs(sysfsRoot, sysfsRoot ? undefined : which('lspci', ctx.io.env.PATH));
    if (fromSysfs) host = { ...fromSysfs, from: 'sysfs' };
    else notes.push(`no PCI device found under ${sysfsRoot || ''}/sys/bus/pci/devices (is sysfs mounted? is SYSFS_ROOT right?): host.xml was not written`);
  }
  if (!host && domains.length === 0) {
    throw new CliError(`nothing to collect: ${notes.join('; ')}`, EXIT.missing);
  }

  const written: Array<{ name: string; file: string }> = [];
  if (host) writeNew(join(dir, HOST_FILE), host.xml);
  for (const d of domains) {
    const file = domainFile(d.name, written.map((w) => w.file));
    writeNew(join(dir, file), d.xml);
    written.push({ name: d.name, file });
  }

  if (ctx.json) {
    ctx.io.stdout.write(jsonLine({ dir, host: host ? { file: HOST_FILE, devices: host.devices, from: host.from } : null, domains: written, libvirt: libvirtAnswers, notes }));
    return EXIT.ok;
  }
  for (const n of notes) ctx.io.stderr.write(`pcitopo collect: ${n}\n`);
  const out = ctx.io.stdout;
  out.write(`Wrote ${dir}:\n`);
  const from = { libvirt: 'libvirt node devices', sysfs: 'read from sysfs', demo: "the designer's demo host" } as const;
  if (host) out.write(`  ${HOST_FILE}: ${host.devices} PCI device${host.devices === 1 ? '' : 's'} (${from[host.from]})\n`);
  out.write(written.length ? `  ${written.length} domain${written.length === 1 ? '' : 's'} (persistent definitions): ${written.map((w) => w.file).join(', ')}\n` : '  no domain\n');
  out.write(openHint(dir));
  return EXIT.ok;
}

const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', apos: "'", quot: '"' };
const unescape = (s: string): string => s.replace(/&(amp|lt|gt|apos|quot|#x[0-9a-fA-F]+|#[0-9]+);/g, (_, e: string) => ENTITIES[e] ?? String.fromCodePoint(e.startsWith('#x') ? parseInt(e.slice(2), 16) : Number(e.slice(1))));

async function dumpDomains(bin: string, uri: string | undefined, listed: string, timeout: number, notes: string[]): Promise<Array<{ name: string; xml: string }>> {
  const uuids = listed.split('\n').map((l) => l.trim()).filter((l) => /^[0-9a-fA-F-]{32,36}$/.test(l));
  if (uuids.length === 0) return [];
  const { outputs, result } = await virshEach(bin, uri, uuids.map((u) => `dumpxml --inactive --domain ${u}`), timeout);
  const out: Array<{ name: string; xml: string }> = [];
  for (const [i, xml] of outputs.entries()) {
    const name = /<name>([^<]*)<\/name>/.exec(xml)?.[1];
    if (!xml.trim() || name === undefined) {
      notes.push(`domain ${uuids[i] as string} could not be read (${virshErrors(result.stderr) || 'no XML'}); left out`);
      continue;
    }
    out.push({ name: unescape(name), xml });
  }
  return out;
}

async function nodeDevices(bin: string, uri: string | undefined, timeout: number, notes: string[]): Promise<{ xml: string; devices: number; from: 'libvirt' } | undefined> {
  const list = await virsh(bin, uri, 'nodedev-list --cap pci', timeout);
  const names = list.stdout.split('\n').map((l) => l.trim()).filter((l) => /^pci_[0-9a-fA-F_]+$/.test(l));
  if (list.code !== 0 || names.length === 0) {
    notes.push(`libvirt lists no PCI node devices here (${virshErrors(list.stderr) || 'none'}): the host was read from sysfs`);
    return undefined;
  }
  const { outputs, result } = await virshEach(bin, uri, names.map((n) => `nodedev-dumpxml ${quoteArg(n)}`), timeout);
  const docs: string[] = [];
  for (const [i, xml] of outputs.entries()) {
    const device = /<device>[\s\S]*<\/device>/.exec(xml)?.[0];
    if (device === undefined) notes.push(`node device ${names[i] as string} could not be read (${virshErrors(result.stderr) || 'no XML'}); left out`);
    else docs.push(device.replace(/^/gm, '  '));
  }
  if (docs.length === 0) return undefined;
  const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<!-- Written by pcitopo collect: ${docs.length} PCI node devices as virsh nodedev-dumpxml prints them, in one <devices> root. -->\n<devices>\n${docs.join('\n')}\n</devices>\n`;
  // What is written must read back as a host: a libvirt answer pcitopo cannot read is a bug to report, not a file to leave.
  const check = importHost(xml, HOST_FILE);
  if (!check.ok) {
    notes.push(`libvirt's node devices could not be read back (${check.error.message}): the host was read from sysfs`);
    return undefined;
  }
  return { xml, devices: docs.length, from: 'libvirt' };
}

/** The number of PCI devices of the built-in demo host (it always reads: a test says so). */
function demoHostDevices(xml: string): number {
  const h = importHost(xml, 'demo host');
  if (!h.ok) throw new CliError(`the demo host cannot be read: ${h.error.message}`, EXIT.internal);
  return h.value.devices.size;
}
