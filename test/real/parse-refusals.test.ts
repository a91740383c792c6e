/**
 * Controller values libvirt refuses when it parses a domain (virDomainControllerDefParseXML:
 * virXMLPropInt in base 10 for `ports`/`vectors`, virXMLPropTristateSwitch for `hotplug`, the
 * model enum for `model=''`; virPCIDeviceAddressParseXML for `multifunction`), against the real
 * libvirt (scripts/test-real.mjs): `virsh define` refuses each with the words pcitopo's error
 * quotes, and its parser takes the values pcitopo reads as written. Each refused one was read as
 * "not written" before.
 */
import { describe, expect, it } from 'vitest';
import { validate } from '../../src/engine/index.ts';
import { formatVerifyReport } from '../../src/cli/verify/index.ts';
import { design, verify } from './helpers.ts';

const q35 = (controllers: string): string => `<domain type='kvm'>
  <name>parse-refusals</name>
  <memory unit='GiB'>1</memory>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
  </os>
  <devices>
    <controller type='pci' index='0' model='pcie-root'/>
${controllers}
    <memballoon model='none'/>
  </devices>
</domain>
`;

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
