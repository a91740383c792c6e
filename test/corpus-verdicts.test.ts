import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { createDesign } from '../src/engine/xml/domain.ts';
import { importHost } from '../src/engine/xml/nodedev.ts';
import { validate } from '../src/engine/rules/index.ts';
import { SHARED, sharedPaths } from './support/shared.ts';
import { knownError } from './support/qemuRefuses.ts';

/**
 * libvirt's own verdicts (issue 4): what libvirt writes back (`*-latest.xml`) must raise no error,
 * and inputs libvirt refuses for a topology reason must raise an error from the matching rule.
 */
const CORPUS = path.join(SHARED, 'corpus');
const LIBVIRT = path.join(CORPUS, 'libvirt');
const MOCK_HOST = path.join(CORPUS, 'libvirt-mock-host.nodedev.xml');

/** input file (without the qemuxmlconfdata__ prefix) -> the rule that must report an error */
const REFUSED: Record<string, string> = {
  'pci-bridge-duplicate-index': 'GEN-IDX-1',
  // index='-1': libvirt refuses it while parsing ("Invalid value for attribute 'index'"); the RNG too
  'pci-bridge-negative-index-invalid': 'GEN-IDX-1',
  'pci-expander-bus-bad-bus': 'GEN-CONNECT-3',
  'pci-expander-bus-bad-machine': 'GEN-IDX-2',
  'pci-expander-bus-bad-node': 'Q35-PXB-1',
  'pci-root-address': 'Q35-ROOT-1',
  'pci-root-nonzero-index': 'GEN-IDX-3',
  'pcie-expander-bus-bad-bus': 'GEN-CONNECT-3',
  'pcie-expander-bus-bad-machine': 'Q35-PXB-1',
  'pcie-root-port-too-many': 'GEN-CONNECT-1',
  'pseries-default-phb-numa-node': 'PAPR-NUMA-1',
  'pseries-phb-invalid-target-index-1': 'PAPR-PHB-3',
  'pseries-phb-invalid-target-index-2': 'PAPR-PHB-3',
  'pseries-phb-invalid-target-index-3': 'PAPR-PHB-2',
  'q35-dmi-bad-address1': 'GEN-IDX-1',
  'q35-dmi-bad-address2': 'Q35-DMI-1',
  'q35-wrong-root': 'GEN-IDX-2',
};

/** .err files that are not about PCI topology, with the reason */
const NOT_TOPOLOGY: Record<string, string> = {
  'disk-floppy-pseries': 'floppy disks on pseries',
  'firmware-manual-efi-noacpi-q35': 'UEFI needs ACPI',
  'hostdev-vfio-zpci-duplicate': 's390 zPCI uid',
  'hostdev-vfio-zpci-invalid-uid-valid-fid': 's390 zPCI uid',
  'hostdev-vfio-zpci-set-zero': 's390 zPCI uid',
  'hostdev-vfio-zpci-uid-set-zero': 's390 zPCI uid',
  'hostdev-vfio-zpci-wrong-arch': 'zPCI on x86',
  'hvf-x86_64-q35-headless': 'virt type hvf',
  'pseries-cpu-compat-power10': 'CPU model',
  'pseries-cpu-compat-power9': 'CPU model',
  'pseries-features-invalid-machine': 'machine feature hpt',
  'pseries-no-parallel': 'parallel port',
  'pseries-panic-address': 'spapr panic device address (not PCI)',
  'pseries-serial-invalid-machine': 'spapr-vio serial',
  'pseries-spaprvio-invalid': 'spapr-vio reg',
  'pseries-vio-address-clash': 'spapr-vio address',
  'usb-controller-default-unavailable-pseries': 'USB controller model',
  'usb-controller-default-unavailable-q35': 'USB controller model',
};

const name = (f: string): string => f.replace(/^qemuxmlconfdata__/, '').replace(/\.[a-z0-9_]+-latest(\.abi-update)?\.(xml|err)$/, '').replace(/\.xml$/, '');

if (sharedPaths('the libvirt verdicts check', ['corpus', 'libvirt'], ['corpus', 'libvirt-mock-host.nodedev.xml'])) {
  const hostResult = importHost(fs.readFileSync(MOCK_HOST, 'utf8'));
  if (!hostResult.ok) throw new Error(hostResult.error.message);
  const host = hostResult.value;
  const files = fs.readdirSync(LIBVIRT).sort();

  describe('libvirt-accepted outputs raise no error', () => {
    const accepted = files.filter((f) => /-latest(\.abi-update)?\.xml$/.test(f));
    it.each(accepted)('%s', (f) => {
      const d = createDesign(fs.readFileSync(path.join(LIBVIRT, f), 'utf8'), host, f);
      expect(d.ok).toBe(true);
      if (!d.ok) return;
      const errors = validate(d.value).filter((x) => x.severity === 'error');
      const known = knownError(name(f));
      if (known) expect(errors.map((e) => [e.ruleId, e.message.includes(known.words)])).toEqual([[known.rule, true]]);
      else expect(errors.map((e) => `${e.ruleId}: ${e.message}`)).toEqual([]);
    });
  });

  /**
   * corpus/libvirt-upstream's outputs too: they are libvirt's define-time results, so no error but
   * where libvirt's own test expects the start to fail (DO_TEST_CAPS_LATEST_FAILURE writes the
   * defined XML and then fails building QEMU's command line), with the rule that says so.
   */
  const UPSTREAM = path.join(CORPUS, 'libvirt-upstream');
  const FAILS_AT_START: Record<string, string> = {
    // an ivshmem written with an ISA address ("only 'pci' addresses are supported for the shared memory device")
    'shmem-invalid-address': 'GEN-ADDR-6',
  };
  if (fs.existsSync(UPSTREAM)) {
    describe('libvirt-upstream outputs raise no error (but those libvirt fails to start)', () => {
      const accepted = fs.readdirSync(UPSTREAM).filter((f) => /-latest(\.abi-update)?\.xml$/.test(f)).sort();
      it('there are outputs to check', () => expect(accepted.length).toBeGreaterThan(300));
      it.each(accepted)('%s', (f) => {
        const d = createDesign(fs.readFileSync(path.join(UPSTREAM, f), 'utf8'), host, f);
        if (!d.ok) return; // machines pcitopo does not read are corpus-report's business
        const errors = validate(d.value).filter((x) => x.severity === 'error');
        const atStart = FAILS_AT_START[name(f)];
        expect(errors.map((e) => (atStart ? e.ruleId : `${e.ruleId}: ${e.message}`))).toEqual(atStart ? [atStart] : []);
      });
    });
  }

  describe('inputs libvirt refuses for a topology reason raise the matching error', () => {
    it('every .err file is either in the table or excluded with a reason', () => {
      const errs = files.filter((f) => f.endsWith('.err')).map(name).sort();
      expect(errs).toEqual(Object.keys({ ...REFUSED, ...NOT_TOPOLOGY }).sort());
    });
    it.each(Object.entries(REFUSED))('%s -> %s', (input, ruleId) => {
      const d = createDesign(fs.readFileSync(path.join(LIBVIRT, `qemuxmlconfdata__${input}.xml`), 'utf8'), host, input);
      expect(d.ok).toBe(true);
      if (!d.ok) return;
      const got = validate(d.value).filter((x) => x.severity === 'error').map((x) => x.ruleId);
      expect(got).toContain(ruleId);
    });
  });
}
