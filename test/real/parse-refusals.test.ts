/**
 * Controller values libvirt refuses when it parses a domain (virDomainControllerDefParseXML:
 * virXMLPropInt in base 10 for `ports`/`vectors`, virXMLPropTristateSwitch for `hotplug`, the
 * model enum for `model=''`; virPCIDeviceAddressParseXML for `multifunction`), against the real
 * libvirt (scripts/test-real.mjs): `virsh define` refuses each with the words pcitopo's error
 * quotes, and its parser takes the values pcitopo reads as written. Each refused one was read as
 * "not written" before.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { validate } from '../../src/engine/index.ts';
import { formatVerifyReport } from '../../src/cli/verify/index.ts';
import { design, guestXml, verify } from './helpers.ts';

const q35 = (controllers: string): string =>
  guestXml({ name: 'parse-refusals', machine: 'q35', devices: `    <controller type='pci' index='0' model='pcie-root'/>\n${controllers}\n    <memballoon model='none'/>\n` });

const refused: ReadonlyArray<readonly [string, string, string, string]> = [
  ["a PCI controller with model=''", "    <controller type='pci' index='1' model=''/>", 'GEN-MODEL-3', "Unknown model type ''"],
  ["virtio-serial ports='0x10' (base 10)", "    <controller type='virtio-serial' index='0' ports='0x10'/>", 'GEN-IDX-1', "Invalid value for attribute 'ports' in element 'controller': '0x10'. Expected integer value"],
  ["usb ports='-1'", "    <controller type='usb' index='0' model='qemu-xhci' ports='-1'/>", 'GEN-IDX-1', "Invalid value for attribute 'ports' in element 'controller': '-1'. Expected non-negative value"],
  ["virtio-serial vectors='x'", "    <controller type='virtio-serial' index='0' vectors='x'/>", 'GEN-IDX-1', "Invalid value for attribute 'vectors' in element 'controller': 'x'. Expected integer value"],
  ["<target hotplug='default'>", "    <controller type='pci' index='1' model='pcie-root-port'><target chassis='1' port='0x8' hotplug='default'/></controller>", 'GEN-TGT-1', "Invalid value for attribute 'hotplug' in element 'target': 'default'."],
  ["<address multifunction='x'>", "    <controller type='pci' index='1' model='pcie-root-port'><target chassis='1' port='0x8'/><address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x0' multifunction='x'/></controller>", 'GEN-ADDR-3', "Invalid value for attribute 'multifunction' in element 'address': 'x'."],
];

describe('controller values libvirt refuses at parse', () => {
  it.each(refused)('%s: virsh define refuses it, and pcitopo says so (%s)', async (_name, controllers, rule, words) => {
    const xml = q35(controllers);
    const errors = validate(design(xml)).filter((f) => f.severity === 'error');
    expect(errors.map((f) => f.ruleId)).toContain(rule);
    const report = await verify(xml);
    // verify defines the document even when the schema refuses it, and quotes libvirt's own refusal
    if (!report.error?.includes(words)) console.log(formatVerifyReport(report));
    expect(report.ok).toBe(false);
    expect(report.error).toContain(words);
  });

  // libvirt's schema refuses both (`virsh define --validate` would), its parser takes them: strtol
  // skips leading blanks, and vectors is read on virtio-serial only
  it.each([
    ["ports=' 4'", "    <controller type='virtio-serial' index='0' ports=' 4'/>"],
    ["vectors='x' on a scsi controller", "    <controller type='scsi' index='0' model='virtio-scsi' vectors='x'/>"],
  ])("%s: libvirt's parser takes it, and pcitopo has no error", async (_name, controllers) => {
    const xml = q35(controllers);
    expect(validate(design(xml)).filter((f) => f.severity === 'error')).toEqual([]);
    const report = await verify(xml);
    if (!report.error?.includes("libvirt's parser did not")) console.log(formatVerifyReport(report));
    expect(report.error).toContain("libvirt's parser did not");
  });
});

/**
 * Numbers of the domain's other elements, as libvirt reads them (src/conf/numa_conf.c
 * virDomainNumaDefParseXML and virDomainNumatuneParseXML, src/conf/device_conf.c
 * virDomainDevice*AddressParseXML, src/conf/domain_conf.c virDomainControllerDefParseXML for
 * `<target><node>`): `virsh define` refuses what pcitopo flags, in the words it quotes, and takes
 * what pcitopo reads.
 */
const guestWith = (arch: 'x86_64' | 'ppc64', devices: string, numa = '', numatune = ''): string => `<domain type='kvm'>
  <name>parse-refusals-numbers</name>
  <memory unit='MiB'>512</memory>
  <vcpu>2</vcpu>${numatune}
  <os>
    <type arch='${arch}' machine='${arch === 'ppc64' ? 'pseries' : 'q35'}'>hvm</type>
  </os>${numa}
  <devices>
${arch === 'ppc64' ? '' : "    <controller type='pci' index='0' model='pcie-root'/>\n"}${devices}
    <memballoon model='none'/>
  </devices>
</domain>
`;
const cells = (id1: string): string => `\n  <cpu><numa><cell id='0' cpus='0' memory='262144' unit='KiB'/><cell id='${id1}' cpus='1' memory='262144' unit='KiB'/></numa></cpu>`;
const disk = (controller: string): string => `    <disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='/var/lib/libvirt/images/x.img'/><target dev='sda' bus='sata'/><address type='drive' controller='${controller}' bus='0' target='0' unit='0'/></disk>`;
const vio = (reg: string): string => `    <serial type='pty'><target type='spapr-vio-serial' port='0'/><address type='spapr-vio' reg='${reg}'/></serial>`;
const pxb = (node: string): string => `    <controller type='pci' index='1' model='pcie-expander-bus'><target busNr='254'><node>${node}</node></target></controller>`;

/**
 * `virsh define` through libvirt's test driver (test:///default, in the virsh process): the same
 * parser (virDomainDefParseXML) without the QEMU driver, and `then` more virsh commands. For what
 * `pcitopo verify` does not reach. Returns virsh's errors ('' if all ran).
 */
function testDriverDefine(xml: string, then = ''): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pcitopo-testdrv-'));
  try {
    const f = path.join(dir, 'domain.xml');
    fs.writeFileSync(f, xml.replace("<domain type='kvm'>", "<domain type='test'>"));
    const r = spawnSync('virsh', ['-q', '-c', 'test:///default', `define ${f}${then}`], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
    return r.status === 0 ? '' : r.stderr.trim();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('NUMA cell ids, non-PCI address numbers and a <target><node> libvirt refuses at parse', () => {
  it.each([
    ["<cell id='0x1'> (base 10)", guestWith('x86_64', '', cells('0x1')), 'GEN-IDX-1', "Invalid value for attribute 'id' in element 'cell': '0x1'. Expected non-negative integer value"],
    ["a drive <address controller='0x1'> (base 10)", guestWith('x86_64', disk('0x1')), 'GEN-ADDR-3', "Invalid value for attribute 'controller' in element 'address': '0x1'. Expected non-negative integer value"],
    ["a spapr-vio <address reg='x'>", guestWith('ppc64', vio('x')), 'GEN-ADDR-3', "Invalid value for attribute 'reg' in element 'address': 'x'. Expected non-negative integer value"],
    ["<cell id='0'> and <cell id='2'>", guestWith('x86_64', '', cells('2')), 'GEN-IDX-1', "Exactly one 'cell' element per guest NUMA cell allowed, non-contiguous ranges or ranges not starting from 0 are not allowed"],
    ["two <cell id='0'>", guestWith('x86_64', '', cells('0')), 'GEN-IDX-1', "Duplicate NUMA cell info for cell id '0'"],
    ['a pcie-expander-bus with <node>0x0</node> (base 10)', guestWith('x86_64', pxb('0x0'), cells('1')), 'GEN-TGT-1', 'invalid NUMA node in target'],
    ['a pcie-expander-bus with <node>-1</node>', guestWith('x86_64', pxb('-1'), cells('1')), 'Q35-PXB-1', 'invalid NUMA node in target'],
  ])('%s: virsh define refuses it, and pcitopo says so (%s)', async (_name, xml, rule, words) => {
    expect(validate(design(xml)).filter((f) => f.severity === 'error').map((f) => f.ruleId)).toContain(rule);
    const report = await verify(xml);
    if (!report.error?.includes(words)) console.log(formatVerifyReport(report));
    expect(report.ok).toBe(false);
    expect(report.error).toContain(words);
  });

  // verify's define copy keeps <numatune> (it dropped it: these refusals went unseen); libvirt's
  // define reads the memnodes whatever host nodes they name, and the runnable copy drops them
  it.each([
    ["<memnode cellid='x'>", 'x', "nodeset='0'", "Invalid value for attribute 'cellid' in element 'memnode': 'x'. Expected non-negative integer value"],
    ["<memnode cellid='2'> of 2 cells", '2', "nodeset='0'", "Argument 'cellid' in memnode element must correspond to existing guest's NUMA cell"],
    ['a <memnode> without nodeset', '0', '', 'Missing required nodeset attribute in memnode element'],
    ["a <memnode mode='x'>", '0', "mode='x' nodeset='0'", "Invalid value for attribute 'mode' in element 'memnode': 'x'."],
    ["a <memnode nodeset='0-'>", '0', "nodeset='0-'", "Failed to parse bitmap '0-'"],
    ["a <memnode nodeset='0,^0'> (no node)", '0', "nodeset='0,^0'", "Invalid value of 'nodeset': 0,^0"],
  ])('%s: virsh define refuses it, and pcitopo says so (GEN-IDX-1)', async (_name, cellid, attributes, words) => {
    const xml = guestWith('x86_64', '', cells('1'), `\n  <numatune><memnode cellid='${cellid}' ${attributes}/></numatune>`);
    expect(validate(design(xml)).filter((f) => f.severity === 'error').map((f) => f.ruleId)).toEqual(['GEN-IDX-1']);
    const report = await verify(xml);
    if (!report.error?.includes(words)) console.log(formatVerifyReport(report));
    expect(report.ok).toBe(false);
    expect(report.error).toContain(words);
  });

  it('two <memnode> for one cell: virsh define refuses it, and pcitopo says so (GEN-IDX-1)', async () => {
    const xml = guestWith('x86_64', '', cells('1'), "\n  <numatune><memnode cellid='1' nodeset='0'/><memnode cellid='1' nodeset='0'/></numatune>");
    expect(validate(design(xml)).filter((f) => f.severity === 'error').map((f) => f.ruleId)).toEqual(['GEN-IDX-1']);
    const report = await verify(xml);
    expect(report.error).toContain('Multiple memnode elements with cellid 1');
  });

  // memnodes on host nodes this machine lacks: libvirt defines them, and the runnable copy starts without them
  it('memnodes on host nodes 0-3 but 2 (restrictive) and 8: libvirt defines it, QEMU starts it, pcitopo has no error', async () => {
    const xml = guestWith('x86_64', '', cells('1'), "\n  <numatune><memory mode='strict' nodeset='0'/><memnode cellid='0' mode='restrictive' nodeset='0-3,^2'/><memnode cellid='1' mode='strict' nodeset='8'/></numatune>");
    expect(validate(design(xml)).filter((f) => f.severity === 'error')).toEqual([]);
    const report = await verify(xml);
    if (!report.ok) console.log(formatVerifyReport(report));
    expect(report.ok).toBe(true);
    expect(report.substitutions).toContain('dropped <numatune> (host NUMA nodes; libvirt read it at define)');
  });

  // the schema takes these too: libvirt defines them and QEMU starts
  it.each([
    ["<cell id='01'>", guestWith('x86_64', '', cells('01'))],
    ["a drive <address controller='00'>", guestWith('x86_64', disk('00'))],
  ])('%s: libvirt defines it, and pcitopo has no error', async (_name, xml) => {
    expect(validate(design(xml)).filter((f) => f.severity === 'error')).toEqual([]);
    const report = await verify(xml);
    if (!report.ok) console.log(formatVerifyReport(report));
    expect(report.ok).toBe(true);
  });

  // libvirt's schema refuses a leading `+`; its parser (strtoul, strtoull, strtol) takes it
  it.each([
    ["<cell id='+1'>", guestWith('x86_64', '', cells('+1'))],
    ["a spapr-vio <address reg='+0x30001000'>", guestWith('ppc64', vio('+0x30001000'))],
    ['a pcie-expander-bus with <node>+1</node>', guestWith('x86_64', pxb('+1'), cells('1'))],
  ])("%s: libvirt's parser takes it, and pcitopo has no error", async (_name, xml) => {
    expect(validate(design(xml)).filter((f) => f.severity === 'error')).toEqual([]);
    const report = await verify(xml);
    if (!report.error?.includes("libvirt's parser did not")) console.log(formatVerifyReport(report));
    expect(report.error).toContain("libvirt's parser did not");
  });
});

/**
 * The controllers libvirt adds for a drive address (src/conf/domain_conf.c
 * virDomainDefAddDiskControllersForType, virDomainDefMaybeAddVirtioSerialController): one for every
 * index up to the number named, compared as an int. On q35 each SCSI controller (lsilogic) takes a
 * PCI slot behind bridges libvirt adds, until there is no slot for another pci-bridge.
 */
const scsiDisk = (controller: string): string => `    <disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='/var/lib/libvirt/images/x.img'/><target dev='sda' bus='scsi'/><address type='drive' controller='${controller}' bus='0' target='0' unit='0'/></disk>`;
const virtioChannel = (controller: string): string => `    <channel type='pty'><target type='virtio' name='org.qemu.guest_agent.0'/><address type='virtio-serial' controller='${controller}' bus='0' port='1'/></channel>`;

describe('drive and virtio-serial controller numbers, as libvirt adds their controllers', () => {
  it.each([
    ['a SCSI disk on drive controller 541 (542 lsilogic)', 'GEN-CONNECT-1', guestWith('x86_64', scsiDisk('541')), "a PCI slot is needed to connect a PCI controller model='pci-bridge', but none is available, and it cannot be automatically added"],
    // past the PCI slots of any guest: pcitopo simulates nothing; libvirt adds them all, then refuses (3 s)
    ['a SCSI disk on drive controller 20000', 'GEN-ADDR-3', guestWith('x86_64', scsiDisk('20000')), "a PCI slot is needed to connect a PCI controller model='pci-bridge', but none is available"],
    ['a virtio channel on virtio-serial controller 2147483648', 'GEN-ADDR-3', guestWith('x86_64', virtioChannel('2147483648')), 'virtio serial controller 2147483648 is missing'],
  ])('%s: libvirt refuses it, and pcitopo says so (%s)', async (_name, rule, xml, words) => {
    expect(validate(design(xml)).filter((f) => f.severity === 'error').map((f) => f.ruleId)).toContain(rule);
    const report = await verify(xml);
    if (!report.error?.includes(words)) console.log(formatVerifyReport(report));
    expect(report.ok).toBe(false);
    expect(report.error).toContain(words);
  });

  // libvirt defines it with no controller and writes the number back as the int it keeps; the
  // domain, as `virsh start` reads it again, is refused (verify stops earlier: the schema takes two digits)
  it('a SCSI disk on drive controller 2147483648: libvirt refuses to start it, and pcitopo says so (GEN-ADDR-3)', () => {
    const xml = guestWith('x86_64', scsiDisk('2147483648'));
    expect(validate(design(xml)).filter((f) => f.severity === 'error').map((f) => f.ruleId)).toEqual(['GEN-ADDR-3']);
    expect(testDriverDefine(xml)).toBe('');
    expect(testDriverDefine(xml, '; start parse-refusals-numbers')).toContain("Invalid value for attribute 'controller' in element 'address': '-2147483648'. Expected non-negative integer value");
  });

  // libvirt's schema takes two digits (driveController); its parser takes these
  it.each([
    ['a SCSI disk on drive controller 540 (541 lsilogic)', guestWith('x86_64', scsiDisk('540'))],
    ['a virtio channel on virtio-serial controller 2147483647', guestWith('x86_64', virtioChannel('2147483647'))],
  ])("%s: libvirt's parser takes it, and pcitopo has no error", async (_name, xml) => {
    expect(validate(design(xml)).filter((f) => f.severity === 'error')).toEqual([]);
    const report = await verify(xml);
    if (!report.error?.includes("libvirt's parser did not")) console.log(formatVerifyReport(report));
    expect(report.error).toContain("libvirt's parser did not");
  });
});

describe('device models newer than the libvirt installed here', () => {
  // libvirt 9.0 (this machine's) has none of these models; judged as 9.0 pcitopo says so, judged as
  // 10.7 (which has them) it does not
  it.each([
    ["<panic model='pvpanic'>", "<panic model='pvpanic'/>", "unknown panic model 'pvpanic'"],
    ["<sound model='virtio'>", "<sound model='virtio'/>", "Invalid value for attribute 'model' in element 'sound': 'virtio'."],
    ["<watchdog model='itco'>", "<watchdog model='itco' action='reset'/>", "unknown watchdog model 'itco'"],
  ])('%s on q35: virsh define refuses it, GEN-MODEL-4 says so judged as 9.0 and not as 10.7', async (_name, element, words) => {
    const xml = guestXml({ name: 'newer-models', machine: 'q35', devices: `    ${element}\n    <memballoon model='none'/>\n` });
    const errors = (libvirtVersion: string) => validate(design(xml), undefined, { libvirtVersion }).filter((f) => f.severity === 'error').map((f) => f.ruleId);
    expect(errors('9.0')).toEqual(['GEN-MODEL-4']);
    expect(errors('10.7')).toEqual([]);
    const report = await verify(xml);
    expect(report.ok).toBe(false);
    expect(report.error).toContain(words);
  });
});

describe('an attribute newer than the libvirt installed here', () => {
  // libvirt 10.3 added memReserve; 9.0's parser does not read it and defines the port without it
  it("a pcie-root-port's memReserve: libvirt 9.0 defines the domain and drops it, GEN-TGT-1 warns judged as 9.0 only", () => {
    const xml = guestXml({
      name: 'mem-reserve',
      machine: 'q35',
      devices: "    <controller type='pci' index='0' model='pcie-root'/>\n    <controller type='pci' index='1' model='pcie-root-port'><target chassis='1' port='0x8' memReserve='65536'/></controller>\n    <memballoon model='none'/>\n",
    });
    const judged = (libvirtVersion: string) => validate(design(xml), undefined, { libvirtVersion }).filter((f) => f.ruleId === 'GEN-TGT-1').map((f) => f.severity);
    expect(judged('9.0')).toEqual(['warning']);
    expect(judged('10.7')).toEqual([]);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pcitopo-memreserve-'));
    try {
      const f = path.join(dir, 'domain.xml');
      fs.writeFileSync(f, xml.replace("<domain type='kvm'>", "<domain type='test'>"));
      const r = spawnSync('virsh', ['-q', '-c', 'test:///default', `define ${f}; dumpxml mem-reserve`], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
      expect(r.stderr.trim()).toBe('');
      expect(r.stdout).toMatch(/<target chassis='1' port='0x8'\/>/);
      expect(r.stdout).not.toContain('memReserve');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
