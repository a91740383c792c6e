import { describe, expect, it } from 'vitest';
import type { PciController } from '../model/guest.ts';
import { virDomainControllerDefParseXMLIndexError, virDomainDefRejectDuplicateControllersError } from './domainConf.ts';
import { qemuDomainDefAddDefaultDevicesRootError } from './qemuDomain.ts';
import { qemuValidateDomainDeviceDefControllerPCIRootIndexError } from './qemuValidate.ts';

const ctrl = (model: string, index: number | undefined, extra: Partial<PciController> = {}): PciController => ({ key: `c${index ?? 'x'}-${model}`, index, model, target: {}, ...extra });

describe('virDomainControllerDefParseXMLIndexError: libvirt refuses an index it cannot parse', () => {
  it('a negative index, in libvirt\'s words (pci-bridge-negative-index-invalid.x86_64-latest.err)', () => {
    expect(virDomainControllerDefParseXMLIndexError([ctrl('pci-root', 0), ctrl('pci-bridge', -1)])).toBe("Invalid value for attribute 'index' in element 'controller': '-1'. Expected non-negative value");
  });
  it('an index that is no decimal integer', () => {
    expect(virDomainControllerDefParseXMLIndexError([ctrl('pci-bridge', undefined, { unreadable: ["index='0x1f'"] })])).toBe("Invalid value for attribute 'index' in element 'controller': '0x1f'. Expected integer value");
  });
  it('indexes 0 and up, or none written (libvirt assigns one), parse', () => {
    expect(virDomainControllerDefParseXMLIndexError([ctrl('pci-root', 0), ctrl('pci-bridge', 1), ctrl('pci-bridge', undefined), ctrl('pci-bridge', 255)])).toBeUndefined();
  });
});

describe("qemuDomainDefAddDefaultDevicesRootError: index 0 must be the machine's root", () => {
  it("q35 with pci-root at index 0, in libvirt's words (q35-wrong-root.x86_64-latest.err)", () => {
    expect(qemuDomainDefAddDefaultDevicesRootError([ctrl('pci-root', 0)], { rootModel: 'pcie-root' })).toBe("The PCI controller with index='0' must be model='pcie-root' for this machine type, but model='pci-root' was found instead");
  });
  it('a second index-0 controller of another model counts, after the right root', () => {
    expect(qemuDomainDefAddDefaultDevicesRootError([ctrl('pci-root', 0), ctrl('pci-bridge', 0)], { rootModel: 'pci-root' })).toContain("but model='pci-bridge' was found instead");
  });
  it('the right root, or none written (libvirt adds it), passes', () => {
    expect(qemuDomainDefAddDefaultDevicesRootError([ctrl('pcie-root', 0), ctrl('pcie-root-port', 1)], { rootModel: 'pcie-root' })).toBeUndefined();
    expect(qemuDomainDefAddDefaultDevicesRootError([ctrl('pci-bridge', 1)], { rootModel: 'pci-root' })).toBeUndefined();
  });
});

describe('virDomainDefRejectDuplicateControllersError: one index, one PCI controller', () => {
  it("an index used twice, in libvirt's words", () => {
    expect(virDomainDefRejectDuplicateControllersError([ctrl('pci-root', 0), ctrl('pci-root', 1), ctrl('pci-bridge', 1)])).toBe("Multiple 'pci' controllers with index '1'");
  });
  it('distinct indexes, and controllers not numbered yet, pass', () => {
    expect(virDomainDefRejectDuplicateControllersError([ctrl('pci-root', 0), ctrl('pci-bridge', undefined), ctrl('pci-bridge', undefined), ctrl('pci-bridge', 2)])).toBeUndefined();
  });
});

describe('qemuValidateDomainDeviceDefControllerPCIRootIndexError: a root bus only at index 0, but pseries PHBs', () => {
  it('a pcie-root away from 0, and a pci-root away from 0 off pseries, in libvirt\'s words', () => {
    expect(qemuValidateDomainDeviceDefControllerPCIRootIndexError([ctrl('pcie-root', 0), ctrl('pcie-root', 3)], { family: 'q35' })).toBe('pci-root and pcie-root controllers should have index 0');
    expect(qemuValidateDomainDeviceDefControllerPCIRootIndexError([ctrl('pci-root', 0), ctrl('pci-root', 1)], { family: 'i440fx' })).toBe('pci-root and pcie-root controllers should have index 0');
  });
  it('pseries PHBs at any index, and roots at 0, pass', () => {
    expect(qemuValidateDomainDeviceDefControllerPCIRootIndexError([ctrl('pci-root', 0), ctrl('pci-root', 1)], { family: 'pseries' })).toBeUndefined();
    expect(qemuValidateDomainDeviceDefControllerPCIRootIndexError([ctrl('pcie-root', 0), ctrl('pcie-root-port', 1)], { family: 'q35' })).toBeUndefined();
  });
});
