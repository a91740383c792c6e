/**
 * The commands, their options and their help (DESIGN.md §4). Each command's code is loaded only
 * when it runs, so `place` never loads the verify sandbox or the web server.
 */
import type { Io } from './io.ts';

export interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  /** the value's name in help (`--port N`) */
  readonly value?: string;
  readonly help: string;
}

export interface CommandContext {
  readonly values: Readonly<Record<string, string | boolean | undefined>>;
  readonly positionals: readonly string[];
  readonly io: Io;
  readonly json: boolean;
}

export interface CommandSpec {
  readonly name: string;
  /** `DOMAIN.xml`, `[LINK]`: one line */
  readonly args: string;
  readonly positionals: { readonly min: number; readonly max: number };
  readonly summary: string;
  /** more lines for `pcitopo COMMAND --help` */
  readonly details: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  readonly load: () => Promise<{ run(ctx: CommandContext): Promise<number> }>;
}

/** Options every command takes. */
export const COMMON_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  json: { type: 'boolean', help: "print the command's report as JSON on standard output (errors as JSON on standard error)" },
  help: { type: 'boolean', short: 'h', help: 'print this help' },
  debug: { type: 'boolean', help: 'print the stack trace of an internal error' },
};

const host: OptionSpec = { type: 'string', value: 'HOST.xml', help: "the host's PCI node devices (virsh nodedev-dumpxml output, or scripts/collect-host.sh); - reads standard input" };
const out: OptionSpec = { type: 'string', value: 'FILE', help: 'write the domain XML to FILE instead of standard output (- is standard output)' };
const port: OptionSpec = { type: 'string', value: 'N', help: 'the TCP port (default 8080; 0 picks a free one)' };
const bind: OptionSpec = { type: 'string', value: 'ADDRESS', help: 'the address to listen on (default 127.0.0.1, this machine only)' };
/** `--libvirt-version V`, one spelling for every command that takes it: `what` says what the release does there. */
const libvirtVersion = (what: string): OptionSpec => ({ type: 'string', value: 'V', help: `${what} (e.g. 9.0; default: as 10.7)` });
/** The help paragraph of `--libvirt-version` in link and open (the setting the link carries). */
const LINK_RELEASE = `--libvirt-version 9.0 sets the design's libvirt release in the link (the designer's release select):
the designer places and judges it as libvirt 9.0 defines it where that differs from 10.7 (the order
of the controllers libvirt adds itself: a pseries PHB's target index), as validate and place do;
\`virsh --version\` prints yours.`;

export const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'validate',
    args: 'DOMAIN.xml [DOMAIN.xml…] | DIR',
    positionals: { min: 1, max: Infinity },
    summary: 'check the design against the rule catalog',
    details: `Prints each finding (severity, rule id, message, the devices it is about, the rule's source and
its fix), then a count. Exit 0 when there is no error (warnings allowed), 1 when there are errors.
--json prints an array of findings ({ruleId, severity, message, subjects, fixes}).
--fix applies the one-click fix of each error and prints the fixed domain XML (the findings of the
fixed design then go to standard error, or to standard output with --out).
Several domains of one host (a workspace), or a directory as 'pcitopo collect' writes it (host.xml
and one <name>.xml per domain; --host overrides its host.xml), are checked together: each domain's
findings under its name, then the rules across guests (a host device or an IOMMU group given to two
guests, HD-SHARE-1/2; what each guest takes from each host NUMA node, HD-NUMA-1). Same exit codes.
--json then gives each finding "domains" (the domain names it is about) and, for one domain's own
finding, "domain". --fix takes one domain.
--libvirt-version 9.0 judges the design as libvirt 9.0 defines it where that differs from 10.7 (the
order of the controllers libvirt adds itself: a pseries PHB's target index), as place does;
\`virsh --version\` prints yours.`,
    options: {
      host,
      fix: { type: 'boolean', help: 'apply the fix of each error and print the fixed domain XML' },
      out,
      'libvirt-version': libvirtVersion('judge the design as this libvirt release defines it'),
    },
    load: () => import('./commands/validate.ts'),
  },
  {
    name: 'place',
    args: 'DOMAIN.xml',
    positionals: { min: 1, max: 1 },
    summary: 'place every unaddressed PCI device, adding controllers as needed',
    details: `Prints the domain XML with every PCI device that has no address placed.
--policy libvirt (default) predicts libvirt's own assignment; pe-per-phb gives each host IOMMU group
its own vPHB (pseries) or root port (q35/virt), plus N spare vPHBs or ports for hotplug.
--libvirt-version 9.0 follows libvirt 9.0 where it differs from 10.7 (the order of the controllers
libvirt adds itself); \`virsh --version\` prints yours.
Notes (what could not be done as asked) go to standard error, or into the --json report:
{"domain": "<xml>", "notes": [...]} (with --out: {"out": FILE, "notes": [...]}).`,
    options: {
      host,
      policy: { type: 'string', value: 'libvirt|pe-per-phb', help: 'how to place (default libvirt)' },
      'spare-phbs': { type: 'string', value: 'N', help: 'pe-per-phb on pseries: keep N empty vPHBs for hotplug' },
      'spare-ports': { type: 'string', value: 'N', help: 'pe-per-phb on q35/virt: keep N empty root ports for hotplug' },
      'replace-all': { type: 'boolean', help: 'place every device again, ignoring the addresses it has' },
      'libvirt-version': libvirtVersion('policy libvirt: place as this libvirt release does'),
      out,
    },
    load: () => import('./commands/place.ts'),
  },
  {
    name: 'roundtrip',
    args: 'DOMAIN.xml',
    positionals: { min: 1, max: 1 },
    summary: 'import, then export with no edit: prints the same bytes',
    details: `Exit 0 when the bytes come back identical, 1 when they do not (a bug worth reporting).
--json prints {"identical": true|false, "bytes": N}.`,
    options: { out },
    load: () => import('./commands/roundtrip.ts'),
  },
  {
    name: 'link',
    args: 'DOMAIN.xml [DOMAIN.xml…] | DIR',
    positionals: { min: 1, max: Infinity },
    summary: 'print a share link holding the design',
    details: `The design travels in the link's fragment (after #), which browsers never send to a server.
Several domains of one host, or a directory as 'pcitopo collect' writes it, travel together in one
link (share-link version 2, a workspace). --json prints {"link": "..."}.
${LINK_RELEASE}`,
    options: {
      host,
      base: { type: 'string', value: 'URL', help: 'where the designer is served (default http://localhost:8080/)' },
      'libvirt-version': libvirtVersion('the designer places and judges the design as this libvirt release'),
    },
    load: () => import('./commands/link.ts'),
  },
  {
    name: 'unlink',
    args: 'LINK',
    positionals: { min: 1, max: 1 },
    summary: 'print the domain XML a share link holds (--out DIR: a workspace link\'s domains and host)',
    details: `LINK is the whole URL, its #/d/... part, or - to read it from standard input. The design it
holds is checked as an import is (size, DOCTYPE, characters, XML).
--json prints {"domain": "<xml>", "host": "<xml>"|null}.
A workspace link (share-link version 2: several domains of one host, as 'pcitopo open DIR' and the
designer's Share link make) needs --out DIR: each domain is written to DIR/<name>.xml and the host to
DIR/host.xml, as 'pcitopo collect' writes them, so 'pcitopo open DIR' and 'pcitopo validate DIR' read
it back (DIR is made when missing and must hold no XML yet). --out with an existing directory does the
same for a one-domain link. --json then prints {"dir", "host": "host.xml"|null, "domains": [{"name",
"file"}]}; --json without --out prints a workspace link's {"domains": [{"name", "domain"}], "host"}.
Each document is written in its file's encoding (the one the link keeps, or its declaration's); a
character that encoding cannot hold (a '€' typed into an ISO-8859-1 file) is refused with its line
and column, and --utf8 writes UTF-8 instead, as the designer's Export as UTF-8 does: the XML
declaration's encoding= becomes 'UTF-8' and nothing else changes (--out, --host-out and DIR alike).`,
    options: {
      out: { type: 'string', value: 'FILE|DIR', help: 'write the domain XML to FILE instead of standard output (- is standard output); a workspace link (or an existing directory): write DIR/<name>.xml per domain and DIR/host.xml' },
      'host-out': { type: 'string', value: 'FILE', help: "write the link's host XML to FILE (- is standard output)" },
      utf8: { type: 'boolean', help: "write every document as UTF-8, its XML declaration then saying encoding='UTF-8' (nothing else changes): for a character the file's own encoding cannot hold" },
    },
    load: () => import('./commands/unlink.ts'),
  },
  {
    name: 'verify',
    args: 'DOMAIN.xml',
    positionals: { min: 1, max: 1 },
    summary: 'run the design through the libvirt and QEMU installed here',
    details: `A throw-away embedded libvirt (qemu:///embed) defines the domain and starts QEMU paused under TCG;
QEMU's device tree is read back over QMP and compared, device by device, with the design. Host
devices get emulated stand-ins at the same guest address; every substitution is in the report.
Exit 0 when libvirt and QEMU accept it and put everything where the design says, 1 when they refuse
or disagree, 3 when libvirt or QEMU is missing, 4 when the check itself failed (timeout).
libvirt's probe of QEMU is cached in ~/.cache/pcitopo/libvirt-qemu (PCITOPO_CACHE_DIR moves it).`,
    options: {
      timeout: { type: 'string', value: 'SEC', help: 'limit for each libvirt or QEMU step (default 120)' },
      keep: { type: 'boolean', help: 'keep the sandbox directory (its path goes to standard error)' },
    },
    load: () => import('./commands/verify.ts'),
  },
  {
    name: 'collect',
    args: '',
    positionals: { min: 0, max: 0 },
    summary: "write this host's PCI devices and every domain's definition into a directory",
    details: `Writes DIR/host.xml (the host's PCI node devices: from libvirt, virsh nodedev-list --cap pci and
nodedev-dumpxml, when it lists them, else read from sysfs like scripts/collect-host.sh; SYSFS_ROOT
moves sysfs) and DIR/<name>.xml for every domain (its persistent definition, virsh dumpxml --inactive),
then prints how to open it ('pcitopo open DIR', 'pcitopo validate DIR'). Read-only: virsh runs with -r.
DIR (default pcitopo-<hostname>) is made when missing and must hold no XML yet.
Without --connect, a libvirt that does not answer leaves the domains out (a note says so); with it,
that is exit 3. --json prints {"dir", "host": {"file", "devices", "from"}|null, "domains": [{"name",
"file"}], "libvirt", "notes"}.
No host at hand? --demo writes the designer's demo host (host.xml, "from": "demo") and its guest
(p9-demo.xml) to try the other commands on: 'pcitopo collect --demo --out demo', then
'pcitopo validate demo/p9-demo.xml --host demo/host.xml' or 'pcitopo open demo'.`,
    options: {
      connect: { type: 'string', value: 'URI', help: "the libvirt URI to ask (virsh -c URI; default: virsh's own, LIBVIRT_DEFAULT_URI)" },
      out: { type: 'string', value: 'DIR', help: 'the directory to write (default pcitopo-<hostname>, with --demo pcitopo-demo)' },
      demo: { type: 'boolean', help: "write the designer's demo instead (a POWER9-like host.xml and its pseries guest), asking nothing of this machine" },
      timeout: { type: 'string', value: 'SEC', help: 'limit for each virsh call (default 120)' },
    },
    load: () => import('./commands/collect.ts'),
  },
  {
    name: 'serve',
    args: '',
    positionals: { min: 0, max: 0 },
    summary: 'serve the designer (the built app in this package) on localhost',
    details: `Prints the URL on standard output and serves until Ctrl+C. The pages carry a strict
Content-Security-Policy, X-Content-Type-Options: nosniff and Referrer-Policy: no-referrer.
--json prints {"url": "..."} once it listens.`,
    options: { port, bind, open: { type: 'boolean', help: 'open the designer in the browser ($BROWSER, or xdg-open/open)' } },
    load: () => import('./commands/serve.ts'),
  },
  {
    name: 'open',
    args: 'DOMAIN.xml | DIR | DOMAIN.xml DOMAIN.xml…',
    positionals: { min: 1, max: Infinity },
    summary: 'serve the designer and open it in the browser on this design',
    details: `Starts the server as 'serve' does and opens the browser ($BROWSER, or xdg-open/open) on a share
link to localhost: the design is in the link's fragment, so it never leaves this machine.
Prints the link on standard output and serves until Ctrl+C. --json prints {"url": "..."}.
A directory as 'pcitopo collect' writes it (host.xml and <name>.xml per domain; --host overrides its
host.xml), or several domain files, open as a workspace: each domain is read and checked first (a
line per domain on standard error; exit 2 for a file that cannot be read, before anything is served),
then the whole workspace travels in one link (share-link version 2; --json adds "domains"), and the
checks follow --libvirt-version.
${LINK_RELEASE}`,
    options: { host, port, bind, 'libvirt-version': libvirtVersion('the designer places and judges the design as this libvirt release') },
    load: () => import('./commands/open.ts'),
  },
];

export function commandNamed(name: string): CommandSpec | undefined {
  return COMMANDS.find((c) => c.name === name);
}

function optionLine(name: string, o: OptionSpec): string {
  return `  ${o.short ? `-${o.short}, ` : ''}--${name}${o.value ? ` ${o.value}` : ''}`;
}

function optionsTable(options: Readonly<Record<string, OptionSpec>>): string {
  const rows = Object.entries(options).map(([n, o]) => [optionLine(n, o), o.help] as const);
  const w = Math.max(...rows.map(([l]) => l.length)) + 2;
  return rows.map(([l, h]) => `${l.padEnd(w)}${h}`).join('\n');
}

export function synopsis(c: CommandSpec): string {
  const opts = Object.entries(c.options).map(([n, o]) => `[--${n}${o.value ? ` ${o.value}` : ''}]`);
  return ['pcitopo', c.name, c.args, ...opts, '[--json]'].filter(Boolean).join(' ');
}

export function commandHelp(c: CommandSpec): string {
  return `Usage: ${synopsis(c)}

${c.summary[0]?.toUpperCase()}${c.summary.slice(1)}.
${c.details}

Options:
${optionsTable({ ...c.options, ...COMMON_OPTIONS })}
`;
}

export const EXIT_CODES_HELP = `Exit codes: 0 fine; 1 the design has errors (verify: libvirt or QEMU refused it or placed something
elsewhere); 2 an input or an option is wrong (the message names file, line and column); 3 something
needed is missing (libvirt, QEMU, the built app); 4 an internal error (a bug; --debug prints its trace).`;

export function overallHelp(): string {
  const w = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return `pcitopo: design and check the PCI topology of libvirt guests

Usage: pcitopo <command> [options]      pcitopo <command> --help      pcitopo --version

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(w)}${c.summary}\n  ${' '.repeat(w)}${synopsis(c).slice('pcitopo '.length)}`).join('\n')}

A file argument of - reads standard input; --out - writes standard output. Reports go to standard
output, messages to standard error. NO_COLOR=1 turns colours off.
HOST.xml is node-device XML: 'virsh nodedev-dumpxml' output for one or more PCI devices
(concatenated or wrapped in one root), or what scripts/collect-host.sh writes. 'pcitopo collect'
writes this host's (host.xml) and every domain's; no host at hand? 'pcitopo collect --demo --out DIR'
writes the designer's demo host (DIR/host.xml, a POWER9-like host) and its guest (DIR/p9-demo.xml).

${EXIT_CODES_HELP}
`;
}
