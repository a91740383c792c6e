/**
 * Issue 15 from the command line: `collect` against a throw-away embedded libvirt (qemu:///embed,
 * libvirt 9.0 in-process in virsh, as test/real and `verify` use it) with two defined domains and a
 * fake sysfs tree, then the directory read back by `validate DIR` and `open`/`link` (a version 2
 * share link); `validate A.xml B.xml --host` with findings across guests; the sysfs reader as the
 * twin of scripts/collect-host.sh. Under CI=true a missing virsh or libvirt QEMU driver fails.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { collectFromSysfs } from '../src/cli/collect/sysfs.ts';
import { domainFile } from '../src/cli/commands/collect.ts';
import type { Io } from '../src/cli/io.ts';
import { main } from '../src/cli/main.ts';
import { loadWorkspace } from '../src/cli/workspaceio.ts';
import { DEMO_DOMAIN_XML, DEMO_HOST_XML, decodeAnyShareLink, encodeShareLink, importHost } from '../src/engine/index.ts';
import { cannotRun } from './support/shared.ts';

const REPO = resolve(import.meta.dirname, '..');
const tmp = mkdtempSync(join(tmpdir(), 'pcitopo-ws-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function run(argv: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const io: Io = { stdout: { write: (c) => out.push(Buffer.from(c)) }, stderr: { write: (c) => err.push(Buffer.from(c)) }, stdin: Readable.from([]), env };
  const code = await main(argv, io);
  return { code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

/** A q35 domain passing the given host functions through (libvirt places them). */
function domain(name: string, hostdevs: readonly string[]): string {
  const src = (a: string) => `<address domain='0x${a.slice(0, 4)}' bus='0x${a.slice(5, 7)}' slot='0x${a.slice(8, 10)}' function='0x${a.slice(11)}'/>`;
  return `<domain type='qemu'>
  <name>${name}</name>
  <memory unit='MiB'>256</memory>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
  </os>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
${hostdevs.map((a) => `    <hostdev mode='subsystem' type='pci' managed='yes'>\n      <source>\n        ${src(a)}\n      </source>\n    </hostdev>\n`).join('')}  </devices>
</domain>
`;
}

interface FakeDevice {
  address: string;
  /** parent directory under sys/devices */
  under: string;
  group?: number;
  numa?: number;
  driver?: string;
  cls?: string;
  pcie?: boolean;
}

/** sys/ as the kernel lays it out: devices/, bus/pci/{devices,drivers}, kernel/iommu_groups. */
function fakeSysfs(root: string, devices: readonly FakeDevice[]): void {
  const sys = join(root, 'sys');
  const bus = join(sys, 'bus/pci/devices');
  mkdirSync(bus, { recursive: true });
  for (const d of devices) {
    const dir = join(sys, 'devices', d.under, d.address);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'class'), `${d.cls ?? '0x020000'}\n`);
    writeFileSync(join(dir, 'vendor'), '0x15b3\n');
    writeFileSync(join(dir, 'device'), '0x1017\n');
    writeFileSync(join(dir, 'numa_node'), `${d.numa ?? -1}\n`);
    if (d.pcie) {
      writeFileSync(join(dir, 'max_link_speed'), '8.0 GT/s PCIe\n');
      writeFileSync(join(dir, 'max_link_width'), '8\n');
      writeFileSync(join(dir, 'current_link_speed'), '2.5 GT/s PCIe\n');
      writeFileSync(join(dir, 'current_link_width'), '4\n');
    }
    symlinkSync(relative(bus, dir), join(bus, d.address));
    if (d.driver) {
      const drv = join(sys, 'bus/pci/drivers', d.driver);
      mkdirSync(drv, { recursive: true });
      symlinkSync(relative(dir, drv), join(dir, 'driver'));
    }
    if (d.group !== undefined) {
      const g = join(sys, 'kernel/iommu_groups', String(d.group), 'devices');
      mkdirSync(g, { recursive: true });
      symlinkSync(relative(g, dir), join(g, d.address));
      symlinkSync(relative(dir, dirname(g)), join(dir, 'iommu_group'));
    }
  }
}

const DEVICES: FakeDevice[] = [
  { address: '0000:00:01.0', under: 'pci0000:00', group: 0, cls: '0x060400', driver: 'pcieport', pcie: true },
  { address: '0000:01:00.0', under: 'pci0000:00/0000:00:01.0', group: 1, numa: 0, driver: 'vfio-pci', pcie: true },
  { address: '0000:01:00.1', under: 'pci0000:00/0000:00:01.0', group: 1, numa: 0, driver: 'vfio-pci', pcie: true },
  { address: '0000:02:00.0', under: 'pci0000:00', group: 2, numa: 1, driver: 'vfio-pci' },
];
const sysfsRoot = join(tmp, 'sysfs');
fakeSysfs(sysfsRoot, DEVICES);

describe('the sysfs reader (collect without libvirt)', () => {
  it('reads the fake tree as node devices pcitopo imports: groups, NUMA nodes, drivers, PCIe links', () => {
    const got = collectFromSysfs(sysfsRoot, undefined);
    expect(got?.devices).toBe(4);
    const host = importHost(got?.xml ?? '', 'host.xml');
    if (!host.ok) throw new Error(host.error.message);
    expect([...host.value.groups].map(([n, g]) => [n, g.members])).toEqual([
      [0, ['0000:00:01.0']],
      [1, ['0000:01:00.0', '0000:01:00.1']],
      [2, ['0000:02:00.0']],
    ]);
    expect(host.value.devices.get('0000:01:00.1')).toMatchObject({ numaNode: 0, driver: 'vfio-pci', pcie: true, name: 'pci_0000_01_00_1' });
    expect(host.value.devices.get('0000:02:00.0')).toMatchObject({ numaNode: 1, pcie: false });
    expect(collectFromSysfs(join(tmp, 'no-such-root'), undefined)).toBeUndefined();
  });

  const bash = ['/bin/bash', '/usr/bin/bash'].find((b) => existsSync(b));
  if (!bash) cannotRun('the collect-host.sh comparison', 'bash is missing');
  else
    it('writes what scripts/collect-host.sh writes, byte for byte inside <devices>', () => {
      const script = spawnSync(bash, [join(REPO, 'scripts/collect-host.sh')], { env: { ...process.env, SYSFS_ROOT: sysfsRoot, LSPCI: '' }, encoding: 'utf8' });
      expect(script.status).toBe(0);
      const body = (xml: string) => xml.slice(xml.indexOf('<devices>'));
      expect(body(collectFromSysfs(sysfsRoot, undefined)?.xml ?? '')).toBe(body(script.stdout));
    });
});

describe('collect: file names', () => {
  it('<name>.xml; a domain named host does not take the host file; clashes are numbered', () => {
    expect(domainFile('alpha', [])).toBe('alpha.xml');
    expect(domainFile('host', [])).toBe('host.domain.xml');
    expect(domainFile('a/b', [])).toBe('a_b.xml');
    expect(domainFile('alpha', ['alpha.xml', 'alpha-2.xml'])).toBe('alpha-3.xml');
  });
});

describe('collect against an embedded libvirt with two domains and a fake sysfs', () => {
  const virsh = ['/usr/bin/virsh', '/usr/local/bin/virsh'].find((b) => existsSync(b));
  const driver = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib'].some((d) => existsSync(join(d, 'libvirt/connection-driver/libvirt_driver_qemu.so')));
  if (!virsh || !driver) {
    // Under CI=true this stand-in fails: the check must run there.
    cannotRun('collect against an embedded libvirt', `${virsh ? "libvirt's QEMU driver" : 'virsh'} is missing (apt-get install libvirt-clients libvirt-daemon-driver-qemu qemu-system-x86)`);
    return;
  }
  const root = getuid() === 0;
  const box = join(tmp, 'libvirt');
  const embed = `qemu:///embed?root=${join(box, 'root')}`;
  const out = join(box, 'collected');
  mkdirSync(join(box, 'root/etc'), { recursive: true });
  mkdirSync(join(box, 'home'), { recursive: true });
  // no security driver, no virtlogd: nothing is started here, and nothing may outlive the test
  writeFileSync(join(box, 'root/etc/qemu.conf'), 'stdio_handler = "file"\nsecurity_driver = "none"\n');
  writeFileSync(join(box, 'alpha.xml'), domain('alpha', ['0000:01:00.0', '0000:01:00.1']));
  writeFileSync(join(box, 'beta.xml'), domain('beta', ['0000:01:00.1', '0000:02:00.0']));
  const env = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'LC_ALL=C', `HOME=${join(box, 'home')}`, `XDG_RUNTIME_DIR=${join(box, 'home')}`, `XDG_CACHE_HOME=${join(box, 'home')}`, `XDG_CONFIG_HOME=${join(box, 'home')}`];
  // libvirt refuses to run embedded as root (it looks up libvirt-qemu first): as root, everything runs as nobody
  const as = (argv: string[], extra: string[] = []) =>
    spawnSync(root ? 'runuser' : 'env', root ? ['-u', 'nobody', '--', 'env', '-i', ...env, ...extra, ...argv] : ['-i', ...env, ...extra, ...argv], { encoding: 'utf8', timeout: 180_000 });
  if (root) {
    chmodSync(tmp, 0o755);
    for (const p of [box, join(box, 'root'), join(box, 'root/etc'), join(box, 'home')]) chownSync(p, 65534, 65534);
  }

  it('defines two domains, collects them and the sysfs host read-only, and the directory reads back', async () => {
    const define = as([virsh, '-q', '-c', embed, `define ${join(box, 'alpha.xml')}; define ${join(box, 'beta.xml')}`]);
    expect(define.stderr.split('\n').filter((l) => l.startsWith('error')), define.stderr).toEqual([]);

    const collect = as([process.execPath, join(REPO, 'bin/pcitopo.mjs'), 'collect', '--connect', embed, '--out', out, '--json'], [`SYSFS_ROOT=${sysfsRoot}`]);
    expect(collect.status, collect.stderr).toBe(0);
    const report = JSON.parse(collect.stdout) as { host: { devices: number; from: string }; domains: Array<{ name: string; file: string }>; libvirt: boolean; notes: string[] };
    // the embedded driver has no node devices: the host comes from the fake sysfs, the domains from libvirt
    expect(report).toMatchObject({ host: { file: 'host.xml', devices: 4, from: 'sysfs' }, libvirt: true, domains: [{ name: 'alpha', file: 'alpha.xml' }, { name: 'beta', file: 'beta.xml' }] });
    expect(report.notes.join(' ')).toMatch(/no PCI node devices/);
    expect(readdirSync(out).sort()).toEqual(['alpha.xml', 'beta.xml', 'host.xml']);
    // each file is the persistent definition exactly as virsh dumpxml --inactive prints it
    const alpha = as([virsh, '-q', '-r', '-c', embed, 'dumpxml --inactive alpha']);
    expect(readFileSync(join(out, 'alpha.xml'), 'utf8')).toBe(alpha.stdout);
    expect(readFileSync(join(out, 'beta.xml'), 'utf8')).toContain("<source>\n        <address domain='0x0000' bus='0x02' slot='0x00' function='0x0'/>");
    expect(readFileSync(join(out, 'host.xml'), 'utf8')).toBe(collectFromSysfs(sysfsRoot, undefined)?.xml);

    // a second collect into the same directory is refused: no stale domain mixes in
    const again = as([process.execPath, join(REPO, 'bin/pcitopo.mjs'), 'collect', '--connect', embed, '--out', out], [`SYSFS_ROOT=${sysfsRoot}`]);
    expect([again.status, again.stderr]).toEqual([2, expect.stringContaining('already holds alpha.xml')]);

    // read back: validate DIR checks the workspace
    const text = await run(['validate', out]);
    expect(text.stdout).toMatch(/^domain alpha \(.*alpha\.xml\): /m);
    expect(text.stdout).toMatch(/^domain beta \(.*beta\.xml\): /m);
    expect(text.stdout).toContain('HD-SHARE-1: Host device 0000:01:00.1 is given to alpha and beta: they cannot run at the same time');
    expect(text.stdout).toContain('HD-SHARE-2: IOMMU group 1 is split between alpha and beta');
    expect(text.stdout).toContain('HD-NUMA-1: Host NUMA node 0: alpha takes 2');
    expect(text.stdout).toMatch(/^2 domains: 0 error\(s\), /m);
    expect(text.code).toBe(0);
    const json = await run(['validate', out, '--json']);
    const findings = JSON.parse(json.stdout) as Array<{ ruleId: string; domain?: string; domains: string[] }>;
    expect(findings.filter((f) => f.ruleId.startsWith('HD-SHARE')).map((f) => [f.ruleId, f.domains, f.domain])).toEqual([
      ['HD-SHARE-1', ['alpha', 'beta'], undefined],
      ['HD-SHARE-2', ['alpha', 'beta'], undefined],
    ]);
    expect(findings.filter((f) => f.domains.length === 1).every((f) => f.domain === f.domains[0])).toBe(true);

    // read back: the link open serves holds the whole workspace, byte for byte (version 2)
    const link = await run(['link', out]);
    expect(link.code).toBe(0);
    const payload = await decodeAnyShareLink(link.stdout.trim());
    expect(payload.ok && payload.value).toEqual({ v: 2, domains: [readFileSync(join(out, 'alpha.xml'), 'utf8'), readFileSync(join(out, 'beta.xml'), 'utf8')], host: readFileSync(join(out, 'host.xml'), 'utf8') });
  }, 240_000);

  it('a libvirt that does not answer: exit 3 with --connect, a note and the sysfs host without it', async () => {
    const nowhere = 'qemu+unix:///system?socket=/nonexistent/libvirt-sock';
    const r = await run(['collect', '--connect', nowhere, '--out', join(tmp, 'nowhere')], { PATH: process.env.PATH ?? '', SYSFS_ROOT: sysfsRoot });
    expect([r.code, r.stderr]).toEqual([3, expect.stringContaining(`libvirt at ${nowhere} did not answer`)]);
    const fallback = await run(['collect', '--out', join(tmp, 'fallback')], { PATH: process.env.PATH ?? '', SYSFS_ROOT: sysfsRoot, LIBVIRT_DEFAULT_URI: nowhere });
    expect(fallback.code, fallback.stderr).toBe(0);
    expect(fallback.stderr).toMatch(/libvirt did not answer .*no domain was collected/);
    expect(fallback.stdout).toContain('host.xml: 4 PCI devices (read from sysfs)');
    expect(readdirSync(join(tmp, 'fallback'))).toEqual(['host.xml']);
  }, 120_000);
});

describe('validate several domains with --host', () => {
  const dir = join(tmp, 'files');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'host.xml'), collectFromSysfs(sysfsRoot, undefined)?.xml ?? '');
  writeFileSync(join(dir, 'a.xml'), domain('web', ['0000:02:00.0']));
  writeFileSync(join(dir, 'b.xml'), domain('db', ['0000:02:00.0']));
  writeFileSync(join(dir, 'c.xml'), domain('web', []));

  it('findings across guests name both domains; the exit code is that of one domain', async () => {
    const r = await run(['validate', join(dir, 'a.xml'), join(dir, 'b.xml'), '--host', join(dir, 'host.xml'), '--json']);
    expect(r.code).toBe(0);
    const share = (JSON.parse(r.stdout) as Array<{ ruleId: string; severity: string; domains: string[]; message: string }>).find((f) => f.ruleId === 'HD-SHARE-1');
    expect(share).toMatchObject({ severity: 'warning', domains: ['web', 'db'], message: expect.stringContaining('web and db: they cannot run at the same time') });
  });

  it('two domains of one name, a domain that cannot be read, --fix: exit 2 naming the file', async () => {
    expect(await run(['validate', join(dir, 'a.xml'), join(dir, 'c.xml')])).toMatchObject({ code: 2, stderr: expect.stringContaining("c.xml: domain 'web' is already open") });
    expect(await run(['validate', join(dir, 'a.xml'), join(dir, 'missing.xml')])).toMatchObject({ code: 2, stderr: expect.stringContaining('missing.xml: cannot read: ENOENT') });
    expect(await run(['validate', join(dir, 'a.xml'), join(dir, 'b.xml'), '--fix'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--fix and --out take one domain') });
    expect(await run(['validate', join(dir, 'a.xml'), dir])).toMatchObject({ code: 2, stderr: expect.stringContaining('is a directory') });
  });

  it('one domain: the output is unchanged (no workspace headings)', async () => {
    const r = await run(['validate', join(dir, 'a.xml'), '--host', join(dir, 'host.xml')]);
    expect(r.stdout).not.toMatch(/^domain web/m);
    expect(r.stdout).toMatch(/^\d+ error\(s\), \d+ warning\(s\), \d+ note\(s\)\n$/m);
  });
});

describe('unlink a workspace link (version 2) into a directory', () => {
  const dir = join(tmp, 'unlink-src');
  mkdirSync(dir, { recursive: true });
  const files: Record<string, string> = {
    'host.xml': collectFromSysfs(sysfsRoot, undefined)?.xml ?? '',
    'web.xml': domain('web', ['0000:02:00.0']),
    'db.xml': domain('db', ['0000:02:00.0']),
    // a domain named host must not take the host's file
    'other.xml': domain('host', []),
  };
  for (const [n, t] of Object.entries(files)) writeFileSync(join(dir, n), t);
  const linkOf = async () => {
    const r = await run(['link', dir, '--base', 'https://pcitopo.example/']);
    expect(r.code).toBe(0);
    return r.stdout.trim();
  };
  const findings = async (args: string[]) => JSON.parse((await run(['validate', ...args, '--json'])).stdout) as Array<{ ruleId: string; severity: string; domains: string[]; message: string }>;

  it('writes <name>.xml per domain and host.xml byte for byte, which validate and open read back as the same workspace', async () => {
    const link = await linkOf();
    const out = join(tmp, 'unlinked');
    const r = await run(['unlink', link, '--out', out]);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toContain(`Open it in the designer: pcitopo open ${out}`);
    expect(readdirSync(out).sort()).toEqual(['db.xml', 'host.domain.xml', 'host.xml', 'web.xml']);
    expect(readFileSync(join(out, 'host.xml'), 'utf8')).toBe(files['host.xml']);
    expect(readFileSync(join(out, 'web.xml'), 'utf8')).toBe(files['web.xml']);
    expect(readFileSync(join(out, 'host.domain.xml'), 'utf8')).toBe(files['other.xml']);
    // the same findings, across guests too, as the directory the link was made from
    const strip = (fs: Awaited<ReturnType<typeof findings>>) => fs.map((f) => [f.ruleId, f.severity, [...f.domains].sort(), f.message]).sort();
    expect(strip(await findings([out]))).toEqual(strip(await findings([dir])));
    expect((await findings([out])).some((f) => f.ruleId === 'HD-SHARE-1')).toBe(true);
    // what `pcitopo open DIR` reads before it serves
    const loaded = await loadWorkspace([out], undefined, { stdout: { write: () => true }, stderr: { write: () => true }, stdin: Readable.from([]), env: {} });
    expect(loaded.workspace.guests.map((g) => g.name).sort()).toEqual(['db', 'host', 'web']);
    expect(loaded.host?.text).toBe(files['host.xml']);
  });

  it('without --out says how to write it (exit 2); --json prints the documents; a directory holding XML is refused', async () => {
    const link = await linkOf();
    const bare = await run(['unlink', link]);
    expect(bare.code).toBe(2);
    expect(bare.stdout).toBe('');
    expect(bare.stderr).toMatch(/the link holds a workspace of 3 domains \(share-link version 2: .*\): give --out DIR to write each as DIR\/<name>\.xml/);
    const json = await run(['unlink', link, '--json']);
    expect(json.code).toBe(0);
    const doc = JSON.parse(json.stdout) as { domains: Array<{ name: string; domain: string }>; host: string };
    expect(doc.host).toBe(files['host.xml']);
    expect(doc.domains.find((d) => d.name === 'db')?.domain).toBe(files['db.xml']);
    const again = await run(['unlink', link, '--out', join(tmp, 'unlinked')]);
    expect(again).toMatchObject({ code: 2, stderr: expect.stringContaining('already holds') });
    const jsonDir = await run(['unlink', link, '--out', join(tmp, 'unlinked-json'), '--json']);
    expect(JSON.parse(jsonDir.stdout)).toEqual({ dir: join(tmp, 'unlinked-json'), host: 'host.xml', domains: expect.arrayContaining([{ name: 'web', file: 'web.xml' }, { name: 'host', file: 'host.domain.xml' }]) });
  });

  it('a version 1 link: the domain on standard output as before, or into an existing directory with its host', async () => {
    const link = await encodeShareLink({ v: 1, domain: files['web.xml'] as string, host: files['host.xml'] as string }, 'https://pcitopo.example/');
    expect(await run(['unlink', link])).toMatchObject({ code: 0, stdout: files['web.xml'] });
    const out = join(tmp, 'unlinked-one');
    mkdirSync(out);
    expect((await run(['unlink', link, '--out', out])).code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['host.xml', 'web.xml']);
    expect(readFileSync(join(out, 'web.xml'), 'utf8')).toBe(files['web.xml']);
    // a file name still gets the domain alone
    const file = join(tmp, 'one.xml');
    expect((await run(['unlink', link, '--out', file])).code).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(files['web.xml']);
  });
});

describe('collect --demo: a directory to try pcitopo on without a host of one\'s own', () => {
  it('writes the demo host and guest, which validate and open read back; --help says how', async () => {
    const out = join(tmp, 'demo');
    const r = await run(['collect', '--demo', '--out', out, '--json'], { PATH: '/nonexistent' });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ dir: out, host: { file: 'host.xml', from: 'demo' }, domains: [{ name: 'p9-demo', file: 'p9-demo.xml' }], libvirt: false });
    expect(readFileSync(join(out, 'host.xml'), 'utf8')).toBe(DEMO_HOST_XML);
    // xmllint refused the demo host ("Double hyphen within comment"), and now pcitopo's host reader would too
    expect(DEMO_HOST_XML.match(/<!--[^]*?-->/g)?.filter((c) => c.slice(4, -3).includes('--'))).toEqual([]);
    expect(readFileSync(join(out, 'p9-demo.xml'), 'utf8')).toBe(DEMO_DOMAIN_XML);
    expect((await run(['validate', join(out, 'p9-demo.xml'), '--host', join(out, 'host.xml')])).code).toBe(0);
    expect((await loadWorkspace([out], undefined, { stdout: { write: () => true }, stderr: { write: () => true }, stdin: Readable.from([]), env: {} })).host?.text).toBe(DEMO_HOST_XML);
    expect(await run(['collect', '--demo', '--connect', 'qemu:///system', '--out', join(tmp, 'demo2')])).toMatchObject({ code: 2, stderr: expect.stringContaining('not both') });
    expect((await run(['--help'])).stdout).toMatch(/no host at hand\? 'pcitopo collect --demo --out DIR'\s+writes the designer's demo host/);
  });
});

describe('a directory that cannot be made ends the command (exit 2), never hangs', () => {
  // a child process with a timeout: a regression (Node 20's recursive mkdir spins on procfs ENOENT) fails, not hangs
  const cli = (args: string[]) => spawnSync(process.execPath, [join(REPO, 'bin/pcitopo.mjs'), ...args], { encoding: 'utf8', timeout: 30_000 });
  it('collect --demo --out under /proc: exit 2 naming the directory and ENOENT', () => {
    const r = cli(['collect', '--demo', '--out', '/proc/pcitopo-no-such/dir']);
    expect(r.signal).toBeNull();
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('pcitopo: /proc/pcitopo-no-such: cannot make the directory: ENOENT (no such file)\n');
  });

  it('unlink of a workspace link --out under /proc: the same', async () => {
    const link = await encodeShareLink({ v: 2, domains: [domain('a', []), domain('b', [])] }, 'http://x/');
    const r = cli(['unlink', link, '--out', '/proc/pcitopo-no-such']);
    expect(r.signal).toBeNull();
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('pcitopo: /proc/pcitopo-no-such: cannot make the directory: ENOENT (no such file)\n');
  });

  it('a directory made level by level: missing parents too, an existing one kept', async () => {
    const out = join(tmp, 'levels', 'a', 'b');
    expect((await run(['collect', '--demo', '--out', out])).code).toBe(0);
    expect(existsSync(join(out, 'host.xml'))).toBe(true);
    mkdirSync(join(tmp, 'exists'));
    expect((await run(['collect', '--demo', '--out', join(tmp, 'exists')])).code).toBe(0);
  });
});

function getuid(): number {
  return typeof process.getuid === 'function' ? process.getuid() : -1;
}
