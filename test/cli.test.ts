import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_DOMAIN_XML, DEMO_HOST_XML, decodeAnyShareLink, decodeShareLink, MACHINE_TEMPLATES } from '../src/engine/index.ts';
import { sharedPath } from './support/shared.ts';

// The CLI contract of DESIGN.md §4, exercised the way outside checks call it: through npm.
const ROOT = resolve(import.meta.dirname, '..');
const tmp = mkdtempSync(join(tmpdir(), 'pcitopo-cli-'));
const demoDomain = join(tmp, 'demo.xml');
const demoHost = join(tmp, 'host.xml');
writeFileSync(demoDomain, DEMO_DOMAIN_XML);
writeFileSync(demoHost, DEMO_HOST_XML);

function pcitopo(args: string[], input?: string) {
  const r = spawnSync('npm', ['run', '--silent', 'pcitopo', '--', ...args], { cwd: ROOT, encoding: 'utf8', input });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('pcitopo CLI', () => {
  it('--help prints the usage and exits 0', () => {
    const r = pcitopo(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('validate DOMAIN.xml');
    expect(r.stdout).toContain('roundtrip DOMAIN.xml');
  });

  it('an unknown command exits 2 with a message on stderr', () => {
    const r = pcitopo(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown command 'frobnicate'");
    expect(r.stdout).toBe('');
  });

  it('roundtrip prints the same bytes', () => {
    const r = pcitopo(['roundtrip', demoDomain]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(DEMO_DOMAIN_XML);
  });

  it('roundtrip keeps odd formatting byte for byte', () => {
    const odd = `<?xml version="1.0"?>\r\n<!-- kept -->\r\n<domain type="kvm" xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>\r\n\t<name>a&amp;b</name>\r\n  <os><type arch='ppc64' machine="pseries">hvm</type></os>\r\n  <devices>\r\n    <controller type='pci' index='00' model='pci-root'/>\r\n  </devices>\r\n  <qemu:commandline><qemu:arg value='-S'/></qemu:commandline>\r\n</domain>\r\n`;
    const f = join(tmp, 'odd.xml');
    writeFileSync(f, odd);
    const r = pcitopo(['roundtrip', f]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(odd);
  });

  it('a malformed file exits 2 naming file, line and column', () => {
    const f = join(tmp, 'broken.xml');
    writeFileSync(f, "<domain type='kvm'>\n  <devices>\n    <disk>\n  </devices>\n</domain>\n");
    const r = pcitopo(['validate', f]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:\\d+: `));
  });

  it('a missing file exits 2', () => {
    const r = pcitopo(['validate', join(tmp, 'nope.xml')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('nope.xml: cannot read: ENOENT');
  });

  it('validate: the demo has no error (exit 0), and --json prints an array of findings', () => {
    const r = pcitopo(['validate', demoDomain, '--host', demoHost, '--json']);
    expect(r.code).toBe(0);
    const findings = JSON.parse(r.stdout) as Array<{ ruleId: string; severity: string; message: string; subjects: unknown }>;
    expect(Array.isArray(findings)).toBe(true);
    expect(findings.filter((f) => f.severity === 'error')).toEqual([]);
    for (const f of findings) expect(Object.keys(f)).toEqual(expect.arrayContaining(['ruleId', 'severity', 'message', 'subjects']));
  });

  it('validate: a duplicate PCI address exits 1 and names GEN-ADDR-4', () => {
    const clash = DEMO_DOMAIN_XML.replace("bus='0x00' slot='0x03'", "bus='0x00' slot='0x02'");
    const f = join(tmp, 'clash.xml');
    writeFileSync(f, clash);
    const r = pcitopo(['validate', f, '--json']);
    expect(r.code).toBe(1);
    const findings = JSON.parse(r.stdout) as Array<{ ruleId: string; severity: string }>;
    expect(findings).toContainEqual(expect.objectContaining({ ruleId: 'GEN-ADDR-4', severity: 'error' }));
  });

  it('link and unlink carry the design byte for byte', () => {
    const link = pcitopo(['link', demoDomain, '--host', demoHost, '--base', 'https://pcitopo.example/']);
    expect(link.code).toBe(0);
    expect(link.stdout).toMatch(/^https:\/\/pcitopo\.example\/#\/d\/[A-Za-z0-9_-]+\n$/);
    const hostOut = join(tmp, 'host-out.xml');
    const back = pcitopo(['unlink', link.stdout.trim(), '--host-out', hostOut]);
    expect(back.code).toBe(0);
    expect(back.stdout).toBe(DEMO_DOMAIN_XML);
    expect(readFileSync(hostOut, 'utf8')).toBe(DEMO_HOST_XML);
  });

  it('link --libvirt-version: the link carries the release setting the designer opens it at (one domain, and a workspace), parsed as validate and place parse it', async () => {
    const link = pcitopo(['link', demoDomain, '--host', demoHost, '--libvirt-version', '9.0']);
    expect(link.code).toBe(0);
    const decoded = await decodeShareLink(link.stdout.trim());
    expect(decoded.ok && [decoded.value.libvirtVersion, decoded.value.domain, decoded.value.host]).toEqual(['9.0', DEMO_DOMAIN_XML, DEMO_HOST_XML]);
    // without it the link carries none: the designer's default
    const plain = await decodeShareLink(pcitopo(['link', demoDomain]).stdout.trim());
    expect(plain.ok && 'libvirtVersion' in plain.value).toBe(false);
    // a workspace link carries one setting for every guest
    const second = join(tmp, 'second.xml');
    writeFileSync(second, DEMO_DOMAIN_XML.replace('<name>p9-demo</name>', '<name>p9-second</name>'));
    const ws = await decodeAnyShareLink(pcitopo(['link', demoDomain, second, '--host', demoHost, '--libvirt-version', '9.0.0']).stdout.trim());
    expect(ws.ok && ws.value.v === 2 && ws.value.libvirtVersion).toBe('9.0.0');
    // a release pcitopo does not model travels as given, and is said
    const later = pcitopo(['link', demoDomain, '--libvirt-version', '9.5']);
    expect(later.stderr).toBe('pcitopo link: pcitopo models libvirt 10.7 and 9.0; --libvirt-version 9.5 is opened as libvirt 9.0 defines it\n');
    const laterLink = await decodeShareLink(later.stdout.trim());
    expect(laterLink.ok && laterLink.value.libvirtVersion).toBe('9.5');
  });

  it('link and open refuse a --libvirt-version that is not a release (exit 2, naming the option), before anything is served', () => {
    for (const command of ['link', 'open']) {
      for (const bad of ['nine', '9', '9.0.0.1', '12345.0']) {
        const r = pcitopo([command, demoDomain, '--libvirt-version', bad, ...(command === 'open' ? ['--port', '0'] : [])]);
        expect(r.code, `${command} ${bad}`).toBe(2);
        expect(r.stderr).toContain(`--libvirt-version must be a libvirt release such as 9.0 or 10.7.0, not ${bad}`);
        expect(r.stdout).toBe('');
      }
    }
  });

  it('link and open --help name --libvirt-version in the words validate and place use', () => {
    for (const command of ['link', 'open', 'validate', 'place']) {
      const help = pcitopo([command, '--help']).stdout;
      expect(help, command).toMatch(/--libvirt-version V +.* \(e\.g\. 9\.0; default: as 10\.7\)\n/);
    }
    expect(pcitopo(['link', '--help']).stdout).toContain("--libvirt-version 9.0 sets the design's libvirt release in the link");
    expect(pcitopo(['open', '--help']).stdout).toContain("--libvirt-version 9.0 sets the design's libvirt release in the link");
  });

  it('unlink refuses --out and --host-out naming one file (the host would replace the domain), and writes nothing', () => {
    const link = pcitopo(['link', demoDomain, '--host', demoHost]).stdout.trim();
    const both = join(tmp, 'both.xml');
    const r = pcitopo(['unlink', link, '--out', both, '--host-out', join(tmp, '.', 'both.xml')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--out and --host-out both name');
    expect(() => readFileSync(both)).toThrow(/ENOENT/);
  });

  it('unlink refuses a tampered link with exit 2', () => {
    const r = pcitopo(['unlink', 'https://x/#/d/AAAA!!!!']);
    expect(r.code).toBe(2);
    expect(r.stderr.length).toBeGreaterThan(0);
  });

  it('place prints XML in which every PCI device has an address', () => {
    const bare = DEMO_DOMAIN_XML.replace(/\n\s*<address type='pci'[^>]*\/>/g, '');
    const f = join(tmp, 'bare.xml');
    writeFileSync(f, bare);
    const r = pcitopo(['place', f, '--host', demoHost, '--policy', 'pe-per-phb', '--spare-phbs', '1']);
    expect(r.code).toBe(0);
    const hostdevs = r.stdout.match(/<hostdev[\s\S]*?<\/hostdev>/g) ?? [];
    expect(hostdevs).toHaveLength(3);
    for (const h of hostdevs) expect(h).toMatch(/<address type='pci'/);
    const placedFile = join(tmp, 'placed.xml');
    writeFileSync(placedFile, r.stdout);
    expect(pcitopo(['validate', placedFile, '--host', demoHost]).code).toBe(0);
  });

  it('validate --fix prints XML that parses and has fewer errors, the findings on stderr', () => {
    // Two devices at one address and two PHBs with one target index: both have one-click fixes.
    const broken = DEMO_DOMAIN_XML.replace("slot='0x03' function='0x0'/>", "slot='0x02' function='0x0'/>").replace("<target index='2'>", "<target index='1'>");
    const f = join(tmp, 'broken.xml');
    writeFileSync(f, broken);
    const before = pcitopo(['validate', f, '--host', demoHost, '--json']);
    expect(before.code).toBe(1);
    const errorsBefore = (JSON.parse(before.stdout) as Array<{ severity: string }>).filter((x) => x.severity === 'error');
    expect(errorsBefore.length).toBe(2);
    const fixed = pcitopo(['validate', f, '--host', demoHost, '--fix']);
    expect(fixed.code).toBe(0);
    expect(fixed.stderr).toContain('0 error(s)');
    const fixedFile = join(tmp, 'fixed.xml');
    writeFileSync(fixedFile, fixed.stdout);
    const after = pcitopo(['validate', fixedFile, '--host', demoHost, '--json']);
    expect(after.code).toBe(0);
    expect((JSON.parse(after.stdout) as Array<{ severity: string }>).filter((x) => x.severity === 'error')).toEqual([]);
  });

  it('place --policy pe-per-phb --spare-ports 2 on q35: every device placed, two spare root ports libvirt leaves empty, no error', () => {
    const hostdev = (fn: number) => `    <hostdev mode='subsystem' type='pci' managed='yes'>\n      <source>\n        <address domain='0x0001' bus='0x01' slot='0x00' function='0x${fn}'/>\n      </source>\n    </hostdev>\n`;
    const nic = "    <interface type='network'>\n      <source network='default'/>\n      <model type='e1000'/>\n    </interface>\n";
    // the whole IOMMU group 2 of the demo host: a member left to its host driver (tg3) makes QEMU refuse it (HD-VFIO-1)
    const q35 = MACHINE_TEMPLATES.q35.replace('  </devices>', `${hostdev(0)}${hostdev(1)}${hostdev(2)}${hostdev(3)}${nic}  </devices>`);
    const f = join(tmp, 'q35.xml');
    writeFileSync(f, q35);
    const r = pcitopo(['place', f, '--host', demoHost, '--policy', 'pe-per-phb', '--spare-ports', '2']);
    expect(r.code).toBe(0);
    const placed = join(tmp, 'q35-placed.xml');
    writeFileSync(placed, r.stdout);
    const devices = r.stdout.match(/<(hostdev|interface) [\s\S]*?<\/\1>/g) ?? [];
    expect(devices).toHaveLength(5);
    for (const d of devices) expect(d).toMatch(/<address type='pci'/);
    // Root ports whose index no address names as its bus: one each for the USB controller and the
    // memballoon libvirt adds at define time (placement keeps them below the spares), then the two spares.
    const ports = [...r.stdout.matchAll(/<controller type='pci' index='(\d+)' model='pcie-root-port'>/g)].map((m) => Number(m[1]));
    const buses = new Set([...r.stdout.matchAll(/<address type='pci' domain='0x0000' bus='0x([0-9a-f]+)'/g)].map((m) => parseInt(m[1] as string, 16)));
    expect(ports.filter((i) => !buses.has(i))).toHaveLength(4);
    expect(r.stderr).toBe('');
    const v = pcitopo(['validate', placed, '--host', demoHost]);
    expect(v.stdout).toContain('0 error(s)');
    expect(v.stdout).not.toContain('Q35-HP-1');
    expect(v.code).toBe(0);
  });

  it('place says on stderr when fewer spare vPHBs fit than asked, and still places (exit 0)', () => {
    const r = pcitopo(['place', demoDomain, '--host', demoHost, '--policy', 'pe-per-phb', '--spare-phbs', '40']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^pcitopo place: only \d+ spare vPHBs fit \(target index max 30\)/);
    expect(r.stdout).toContain('<domain');
  });

  it('place refuses --spare-phbs and --spare-ports that disagree (exit 2)', () => {
    const r = pcitopo(['place', demoDomain, '--spare-phbs', '1', '--spare-ports', '2']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--spare-phbs 1 and --spare-ports 2 disagree');
    expect(r.stdout).toBe('');
  });

  it('place --libvirt-version follows that release where libvirt releases differ, and refuses what is not a release (exit 2)', () => {
    const f = join(tmp, 'gap.xml');
    writeFileSync(f, "<domain type='kvm'>\n  <name>gap</name>\n  <os>\n    <type arch='x86_64' machine='q35'>hvm</type>\n  </os>\n  <devices>\n    <controller type='pci' index='5' model='pcie-root-port'/>\n  </devices>\n</domain>\n");
    const port5 = (xml: string): string | undefined => /<controller type='pci' index='5'[\s\S]*?<address [^>]*function='(0x\d)'/.exec(xml)?.[1];
    expect(port5(pcitopo(['place', f]).stdout)).toBe('0x4');
    expect(port5(pcitopo(['place', f, '--libvirt-version', '9.0.0']).stdout)).toBe('0x0');
    const bad = pcitopo(['place', f, '--libvirt-version', 'nine']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--libvirt-version must be a libvirt release such as 9.0 or 10.7.0, not nine');
  });

  it('validate --libvirt-version judges the design as that release defines it (a PHB target index libvirt 10.7 gives twice, 9.0 not), and refuses what is not a release (exit 2)', () => {
    // a pseries PHB at index 4 with target index 3: libvirt adds PHBs 1-3 for the gap; 10.7 gives the
    // third target index 3 (QEMU: "PHB 3 already attached"), 9.0 gives them 1, 2, 4 (real libvirt 9.0)
    const f = join(tmp, 'phb-gap.xml');
    writeFileSync(f, "<domain type='qemu'><name>p</name><memory unit='MiB'>256</memory><vcpu placement='static'>1</vcpu>\n<os><type arch='ppc64' machine='pseries'>hvm</type></os><devices>\n<controller type='pci' index='4' model='pci-root'><target index='3'/></controller>\n</devices></domain>\n");
    const ids = (r: { stdout: string }) => (JSON.parse(r.stdout) as Array<{ ruleId: string; severity: string }>).filter((x) => x.severity === 'error').map((x) => x.ruleId);
    const byDefault = pcitopo(['validate', f, '--json']);
    expect([byDefault.code, ids(byDefault)]).toEqual([1, ['PAPR-PHB-5']]);
    const newer = pcitopo(['validate', f, '--json', '--libvirt-version', '10.7']);
    expect([newer.code, ids(newer)]).toEqual([1, ['PAPR-PHB-5']]);
    const older = pcitopo(['validate', f, '--libvirt-version', '9.0.0']);
    expect([older.code, older.stdout]).toEqual([0, '0 error(s), 0 warning(s), 0 note(s)\n']);
    // a workspace is judged as the release too; --fix has nothing to fix then
    const ws = pcitopo(['validate', f, demoDomain, '--host', demoHost, '--json', '--libvirt-version', '9.0']);
    expect((JSON.parse(ws.stdout) as Array<{ ruleId: string; domain?: string }>).filter((x) => x.ruleId === 'PAPR-PHB-5')).toEqual([]);
    expect(pcitopo(['validate', f, '--fix', '--libvirt-version', '9.0']).stdout).toBe(readFileSync(f, 'utf8'));
    const bad = pcitopo(['validate', f, '--libvirt-version', 'nine']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--libvirt-version must be a libvirt release such as 9.0 or 10.7.0, not nine');
  });

  it('a character XML forbids exits 2 naming file, line, column and the character', () => {
    const f = join(tmp, 'nul.xml');
    writeFileSync(f, DEMO_DOMAIN_XML.replace('<name>p9-demo', '<name>p9\u0000demo'));
    const r = pcitopo(['validate', f]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2:11: character U\\+0000 is not allowed`));
  });

  const corpus = sharedPath('the corpus round trip', 'corpus', 'libvirt');
  if (corpus) {
    it('roundtrip of a libvirt corpus file is byte-identical', () => {
      const f = join(corpus, 'qemuxmlconfdata__pseries-phb-numa-node.xml');
      expect(execFileSync('npm', ['run', '--silent', 'pcitopo', '--', 'roundtrip', f], { cwd: ROOT, encoding: 'utf8' })).toBe(readFileSync(f, 'utf8'));
    });
  }
});
