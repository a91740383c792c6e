import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Design } from '../../engine/index.ts';
import { DEMO_DOMAIN_XML, createDesign } from '../../engine/index.ts';
import { formatVerifyReport, verifyExitCode } from './index.ts';
import type { VerifyReport } from './index.ts';
import { OUR_ALIAS, machineDecision, makeDefineCopy, makeRunnableCopy } from './prepare.ts';
import { parseDocumentElement } from './xml.ts';

/** What QEMU 7.2 prints for `-machine help`, cut to the lines that matter. */
const X86_HELP = `Supported machines are:
microvm              microvm (i386)
pc                   Standard PC (i440FX + PIIX, 1996) (alias of pc-i440fx-7.2)
pc-i440fx-7.2        Standard PC (i440FX + PIIX, 1996) (default)
pc-i440fx-7.1        Standard PC (i440FX + PIIX, 1996)
pc-i440fx-1.4        Standard PC (i440FX + PIIX, 1996) (deprecated)
q35                  Standard PC (Q35 + ICH9, 2009) (alias of pc-q35-7.2)
pc-q35-7.2           Standard PC (Q35 + ICH9, 2009)
pc-q35-7.1           Standard PC (Q35 + ICH9, 2009)
pc-q35-4.0.1         Standard PC (Q35 + ICH9, 2009)
isapc                ISA-only PC
none                 empty machine
`;
const PPC_HELP = `Supported machines are:
40p                  IBM RS/6000 7020 (40p)
powernv10            IBM PowerNV (Non-Virtualized) POWER10
pseries              pSeries Logical Partition (PAPR compliant) (alias of pseries-7.2)
pseries-7.2          pSeries Logical Partition (PAPR compliant) (default)
pseries-7.1          pSeries Logical Partition (PAPR compliant)
`;

function design(xml: string): Design {
  const r = createDesign(xml);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}
const copyOf = (xml: string, help = PPC_HELP) => makeDefineCopy(parseDocumentElement(xml), design(xml), () => help);

describe('verify sandbox copies', () => {
  it("the define copy keeps every device address and takes the engine's keys and labels", () => {
    const c = copyOf(DEMO_DOMAIN_XML);
    expect(c.arch).toBe('ppc64le');
    const engine = new Map(design(DEMO_DOMAIN_XML).guest.devices.map((d) => [d.key, d.label]));
    expect(c.devices.map((d) => d.key)).toEqual(['disk-0', 'controller-0', 'interface-0', '0000:01:00.0', '0000:01:00.1', '0030:01:00.0', 'memballoon-0']);
    for (const d of c.devices) expect(d.label, d.key).toBe(engine.get(d.key));
    expect(c.devices.find((d) => d.key === '0000:01:00.1')?.address).toEqual({ bus: 1, slot: 1, function: 1 });
    expect(c.devices.every((d) => d.alias.startsWith(OUR_ALIAS))).toBe(true);
    expect(c.controllers.find((x) => x.index === 2)).toMatchObject({ model: 'pci-root', target: { index: 2 } });
    expect(c.family).toBe('pseries');
    expect(c.xml).toContain('type="qemu"');
    // libvirt's define reads <numatune> (its memnode refusals); the runnable copy drops it
    expect(c.xml).toContain('<memnode cellid="1" mode="strict" nodeset="8"/>');
    expect(c.xml).toContain('<interface type="user">');
    expect(c.notes.join('\n')).toContain("domain type 'kvm' -> 'qemu'");
  });

  it('two hostdevs of one host function keep apart as the engine keys them (#2), not as one', () => {
    const twice = DEMO_DOMAIN_XML.replace(
      '</devices>',
      "<hostdev mode='subsystem' type='pci' managed='yes'><source><address domain='0x0000' bus='0x01' slot='0x00' function='0x0'/></source></hostdev></devices>",
    );
    const keys = copyOf(twice).devices.map((d) => d.key);
    expect(keys).toContain('0000:01:00.0');
    expect(keys).toContain('0000:01:00.0#2');
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('replaces an alias libvirt would drop (not "ua-") by ours, keeping the engine key', () => {
    const xml = DEMO_DOMAIN_XML.replace('</devices>', "<controller type='usb' model='pci-ohci'><alias name='usb'/><address type='pci' domain='0x0000' bus='0x00' slot='0x05' function='0x0'/></controller><rng model='virtio'><alias name='ua-mine'/></rng></devices>");
    const c = copyOf(xml);
    const usb = c.devices.find((d) => d.key === 'usb');
    expect(usb?.alias.startsWith(OUR_ALIAS)).toBe(true);
    expect(c.xml).not.toContain('name="usb"');
    expect(c.devices.find((d) => d.key === 'ua-mine')?.alias).toBe('ua-mine');
    expect(c.notes.join('\n')).toContain("alias 'usb' -> ");
  });

  it('every change to run the design here is a note: CPU model, host files, memory, emulator', () => {
    const xml = DEMO_DOMAIN_XML.replace('</devices>', '<emulator>/usr/libexec/qemu-kvm</emulator></devices>').replace(
      '<os>',
      "<os><loader readonly='yes'>/usr/share/slof.bin</loader>",
    ).replace('<cpu>', "<cpu mode='host-model'><model>POWER9</model>");
    const notes = copyOf(xml).notes.join('\n');
    expect(notes).toContain("CPU mode='host-model' model POWER9 -> QEMU's default CPU for TCG");
    expect(notes).toContain('dropped <os><loader>');
    expect(notes).toContain('guest memory -> ');
    expect(notes).toContain('emulator /usr/libexec/qemu-kvm -> ');
  });

  it('the define copy scrubs the devices of every <devices> element libvirt reads: an <emulator> in a second one is not run', () => {
    const xml = `<domain type='kvm'>
  <name>v2d</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='q35'>hvm</type></os>
  <devices>
    <controller type='pci' index='0' model='pcie-root'/>
  </devices>
  <devices>
    <emulator>/tmp/not-qemu.sh</emulator>
    <tpm model='tpm-crb'><backend type='passthrough'><device path='/dev/tpm0'/></backend></tpm>
    <interface type='user'><model type='e1000e'/></interface>
  </devices>
</domain>`;
    const c = copyOf(xml, X86_HELP);
    expect(c.xml).not.toMatch(/not-qemu|<tpm/);
    expect(c.xml.match(/<devices>/g)).toHaveLength(1);
    expect(c.xml).toMatch(/<controller type="pci" index="0" model="pcie-root"[^]*<interface type="user"/);
    expect(c.notes).toContain('the devices of 2 <devices> elements put into one (libvirt reads them all; its schema allows one)');
    expect(c.notes).toContain("emulator /tmp/not-qemu.sh -> this machine's qemu-system-x86_64");
  });

  it("the define copy runs none of the document's QEMU namespace: arguments, environment, capabilities, overrides, deprecation; the notes count what it left out", () => {
    const xml = fs.readFileSync(path.join(__dirname, 'fixtures/qemu-commandline.domain.xml'), 'utf8');
    const c = copyOf(xml, X86_HELP);
    expect(c.xml).not.toMatch(/commandline|-chardev|pci-testdev|PCITOPO_QEMU_ENV/);
    expect(c.notes).toContain('left out <qemu:commandline>: 4 QEMU arguments and 1 environment variable the document passes to QEMU were not run here; the verdict does not cover them');
    const all = xml.replace(
      '</domain>',
      "<qemu:capabilities><qemu:del capability='name'/></qemu:capabilities><qemu:override><qemu:device alias='ua-x'/></qemu:override><qemu:deprecation behavior='crash'/></domain>",
    );
    const c2 = copyOf(all, X86_HELP);
    expect(c2.xml).not.toMatch(/capabilities|override|deprecation/);
    for (const k of ['capabilities', 'override', 'deprecation']) expect(c2.notes).toContain(`left out <qemu:${k}> (changes what libvirt asks of QEMU); the verdict does not cover it`);
  });

  it('the QEMU namespace is known by its URI, as libvirt\'s XPath knows it: another prefix is left out too, a qemu: prefix bound elsewhere is no QEMU argument', () => {
    const other = `<domain type='kvm' xmlns:q='http://libvirt.org/schemas/domain/qemu/1.0' xmlns:qemu='urn:not-qemu'><name>n</name><memory>1</memory><os><type arch='x86_64' machine='q35'>hvm</type></os><devices/>
<q:commandline><q:arg value='-device'/><q:arg value='pci-testdev'/></q:commandline>
<commandline xmlns='http://libvirt.org/schemas/domain/qemu/1.0'><env name='LD_PRELOAD' value='/tmp/x.so'/></commandline>
<qemu:commandline><qemu:arg value='-not-an-argument'/></qemu:commandline></domain>`;
    const c = copyOf(other, X86_HELP);
    expect(c.xml).not.toMatch(/pci-testdev|LD_PRELOAD|commandline/);
    expect(c.notes).toContain('left out <qemu:commandline>: 2 QEMU arguments and 1 environment variable the document passes to QEMU were not run here; the verdict does not cover them');
  });

  // libvirt 9.0 defines <x:domain xmlns:x='urn:example:x'> (its root is checked by local name):
  // the define copy took only an unprefixed <domain> and verify said the schema's error alone
  it('a root with a declared prefix is a domain, as libvirt reads it: the copy keeps it as written', () => {
    const xml = DEMO_DOMAIN_XML.replace(/<domain\b/, "<x:domain xmlns:x='urn:example:x'").replace(/<\/domain>\s*$/, '</x:domain>\n');
    expect(xml).toContain('<x:domain');
    const c = copyOf(xml);
    expect(c.xml).toMatch(/^<x:domain xmlns:x="urn:example:x"/);
    expect(c.devices.map((d) => d.key)).toEqual(copyOf(DEMO_DOMAIN_XML).devices.map((d) => d.key));
    // another root is still not a domain
    expect(() => makeDefineCopy(parseDocumentElement('<x:network xmlns:x="urn:example:x"/>'), design(DEMO_DOMAIN_XML), () => PPC_HELP)).toThrow('not <domain>');
  });

  it('a document without the QEMU namespace gets no such note', () => {
    expect(copyOf(DEMO_DOMAIN_XML).notes.filter((n) => n.includes('qemu:'))).toEqual([]);
  });

  it('the runnable copy puts stand-ins at the hostdevs addresses, adds a QMP socket, and says what it changed', () => {
    const defined = copyOf(DEMO_DOMAIN_XML);
    const notes: string[] = [];
    const r = makeRunnableCopy(parseDocumentElement(defined.xml), '/tmp/x', '/tmp/x/q.sock', notes);
    expect(r.xml).not.toContain('<hostdev');
    expect(r.xml.match(/<rng model="virtio">/g)).toHaveLength(3);
    expect(r.xml).toContain('<address type="pci" domain="0x0000" bus="0x01" slot="0x01" function="0x0" multifunction="on"/>');
    expect(r.xml).toContain('unix:/tmp/x/q.sock,server=on,wait=off');
    expect(r.disks).toEqual(['/tmp/x/d0.img']);
    expect(notes.filter((n) => n.includes('stand-in'))).toHaveLength(3);
    expect(notes.some((n) => /^disk vda: .*-> a 1 MiB raw file/.test(n))).toBe(true);
    // the host NUMA nodes it binds memory to are not this host's: read at define, not started
    expect(r.xml).not.toContain('numatune');
    expect(notes).toContain('dropped <numatune> (host NUMA nodes; libvirt read it at define)');
  });

  it("the runnable copy drops the vCPU placement='auto' libvirt derives from <numatune placement='auto'>", () => {
    const notes: string[] = [];
    const normalized = "<domain type='qemu'><name>chk</name><vcpu placement='auto'>2</vcpu><numatune><memory mode='strict' placement='auto'/></numatune><devices/></domain>";
    const r = makeRunnableCopy(parseDocumentElement(normalized), '/tmp/x', '/tmp/x/q.sock', notes);
    expect(r.xml).not.toContain('numatune');
    expect(r.xml).not.toContain('placement');
  });
});

describe('machine types: substituted only for a version of a family this QEMU offers, and always said', () => {
  it('a machine QEMU offers runs as written', () => {
    expect(machineDecision('pc-q35-7.1', X86_HELP)).toEqual({ kind: 'as-written' });
    expect(machineDecision('pseries-7.1', PPC_HELP)).toEqual({ kind: 'as-written' });
  });
  it("another vendor's or a newer version runs as the family's alias", () => {
    expect(machineDecision('pc-q35-rhel9.4.0', X86_HELP)).toEqual({ kind: 'substituted', used: 'q35', newest: 'pc-q35-7.2' });
    expect(machineDecision('pc-q35-9.1', X86_HELP)).toEqual({ kind: 'substituted', used: 'q35', newest: 'pc-q35-7.2' });
    expect(machineDecision('pc-i440fx-rhel7.6.0', X86_HELP)).toEqual({ kind: 'substituted', used: 'pc', newest: 'pc-i440fx-7.2' });
    expect(machineDecision('pseries-rhel9.2.0', PPC_HELP)).toEqual({ kind: 'substituted', used: 'pseries', newest: 'pseries-7.2' });
  });
  it('r13-machine-pc-q35-without-version.xml: pc-q35 is no version of q35 and is never substituted', () => {
    expect(machineDecision('pc-q35', X86_HELP)).toEqual({ kind: 'unknown' });
    expect(machineDecision('pc-q35-', X86_HELP)).toEqual({ kind: 'unknown' });
    expect(machineDecision('pc-q35-latest', X86_HELP)).toEqual({ kind: 'unknown' });
    expect(machineDecision('powernv', PPC_HELP)).toEqual({ kind: 'unknown' });
    const xml = DEMO_DOMAIN_XML.replace("arch='ppc64le' machine='pseries'", "arch='x86_64' machine='pc-q35'");
    const c = copyOf(xml, X86_HELP);
    expect(c.machine).toBe('pc-q35');
    expect(c.machineWritten).toBeUndefined();
    expect(c.xml).toContain('machine="pc-q35"');
    expect(c.notes.filter((n) => n.startsWith('machine'))).toEqual([]);
  });
  it('a substitution is in the notes and the copy', () => {
    const c = copyOf(DEMO_DOMAIN_XML.replace("machine='pseries'", "machine='pseries-rhel9.4.0'"));
    expect(c).toMatchObject({ machine: 'pseries', machineWritten: 'pseries-rhel9.4.0' });
    expect(c.notes).toContain("machine 'pseries-rhel9.4.0' -> 'pseries' (pseries-7.2, the newest of its family here: this QEMU does not offer 'pseries-rhel9.4.0')");
  });
});

describe('verify report', () => {
  const base: VerifyReport = { ok: false, stage: 'libvirt', controllers: [], devices: [], substitutions: [], timingMs: {} };
  it('exit codes: 0 as designed, 1 refused or disagrees, 2 unreadable, 3 tools missing, 4 verify failed', () => {
    expect(verifyExitCode({ ...base, ok: true, stage: 'done' })).toBe(0);
    expect(verifyExitCode({ ...base, error: 'XML error: Attempted double use of PCI Address 0000:01:01.0' })).toBe(1);
    expect(verifyExitCode({ ...base, stage: 'done' })).toBe(1);
    expect(verifyExitCode({ ...base, problem: 'unreadable' })).toBe(2);
    expect(verifyExitCode({ ...base, problem: 'tools-missing' })).toBe(3);
    expect(verifyExitCode({ ...base, problem: 'internal' })).toBe(4);
  });
  it('the table shows designed, libvirt and QEMU side by side, devices by their labels', () => {
    const text = formatVerifyReport({
      ...base,
      ok: true,
      stage: 'done',
      devices: [{ key: '0000:01:00.0', label: 'hostdev 0000:01:00.0', element: 'hostdev', designed: { bus: 1, slot: 1, function: 0 }, libvirt: { bus: 1, slot: 1, function: 0 }, qemu: { bus: 'pci.1.0', slot: 1, function: 0 }, agree: true }],
    });
    expect(text).toMatch(/^OK: /);
    expect(text).toMatch(/hostdev 0000:01:00\.0\s+01:01\.0\s+01:01\.0\s+pci\.1\.0 01\.0\s+ok/);
    expect(formatVerifyReport({ ...base, error: 'slot must be >= 1' })).toMatch(/^REFUSED by libvirt\n\s+slot must be >= 1/);
  });
  it('a substituted machine shows in the heading lines, not only in the list', () => {
    const text = formatVerifyReport({ ...base, ok: true, stage: 'done', machine: 'q35', machineWritten: 'pc-q35-rhel9.4.0', substitutions: ["machine 'pc-q35-rhel9.4.0' -> 'q35'"] });
    expect(text.split('\n')[1]).toContain('machine q35 (the design says pc-q35-rhel9.4.0, which this QEMU does not offer)');
    expect(text).toContain("  - machine 'pc-q35-rhel9.4.0' -> 'q35'");
  });
});
