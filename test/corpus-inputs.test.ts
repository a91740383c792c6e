import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDesign, importHost, validate } from '../src/engine/index.ts';
import type { Host } from '../src/engine/index.ts';
import { SHARED, sharedPaths } from './support/shared.ts';
import { FIRMWARE_FAILS, QEMU_REFUSES, knownError } from './support/qemuRefuses.ts';

/**
 * libvirt's inputs, before libvirt filled them in: every input libvirt accepts (it has a
 * `*-latest.xml` and no `.err`) must get no error finding, with the mock host libvirt's tests use.
 * Inputs without addresses are fine: libvirt assigns them. corpus-verdicts.test.ts checks the
 * filled-in outputs; these inputs are what users bring.
 */
const CORPUS = path.join(SHARED, 'corpus');
const LIBVIRT = path.join(CORPUS, 'libvirt');
const MOCK_HOST = path.join(CORPUS, 'libvirt-mock-host.nodedev.xml');

/**
 * Inputs that once drew a false error, and what libvirt does that the rules had missed. Each is
 * also in the sweep below; the table keeps the reason next to the name.
 */
const ONCE_FALSE_POSITIVES: Record<string, string> = {
  'aarch64-virtio-pci-manual-addresses': "buses 3 and 4 named by addresses get default pcie-root-ports (virDomainPCIAddressSetGrow); <address type='pci'/> is 0000:00:00 = no address (virDeviceInfoPCIAddressIsWanted)",
  'hostdev-vfio-zpci-autogenerate': "no pci-root written: libvirt adds it at index 0; <address type='pci'> with only <zpci> is no PCI address",
  'hostdev-vfio-zpci-autogenerate-fids': 'the same, two hostdevs that both want an address',
  'hostdev-vfio-zpci-autogenerate-uids': 'the same',
  'hostdev-vfio-zpci-boundaries': 'bus 1 is added as a pci-bridge by the dry-run grow; the second hostdev wants an address',
  'hostdev-vfio-zpci-multidomain-many': '0000:00:00.x addresses are no address: libvirt assigns them',
  'multifunction-pci-device': 'no pci-root written: libvirt adds the implicit root at index 0',
  'pci-autoadd-addr': 'bus 7 named by the memballoon: libvirt adds pci-bridges up to it',
  'pci-autoadd-idx': 'bus 4 named by the memballoon: libvirt adds pci-bridges up to it',
  'pci-expander-bus': "NUMA <cell>s without id are numbered in document order (virDomainNumaDefParseXML), so node 1 exists",
  'pcie-expander-bus': 'the same',
  'pseries-hostdevs-2': 'PHB 1 named by addresses: libvirt adds it (pseries grows with pci-root)',
  'pseries-hostdevs-3': 'PHB 2 named by an address: libvirt adds PHBs 1 and 2',
  'pseries-many-buses-1': 'PHB 1 named by an address: libvirt adds it',
  'pseries-phb-simple': 'the default PHB is implicit; PHB 1 is added for the address naming it',
  'pseries-phb-user-alias': 'the same',
  'q35-pcie': 'no pcie-root written: the implicit one has room for the 13 unaddressed root ports',
  'usb-controller-default-pseries': 'the default PHB is implicit',
};

if (sharedPaths('the libvirt inputs check', ['corpus', 'libvirt'], ['corpus', 'libvirt-mock-host.nodedev.xml'])) {
  const hostResult = importHost(fs.readFileSync(MOCK_HOST, 'utf8'), MOCK_HOST);
  if (!hostResult.ok) throw new Error(hostResult.error.message);
  const host: Host = hostResult.value;
  const files = fs.readdirSync(LIBVIRT).sort();
  const name = (f: string): string => f.replace(/^qemuxmlconfdata__/, '').replace(/\.xml$/, '');
  const accepted = files.filter((f) => {
    if (!f.endsWith('.xml') || /-latest(\.abi-update)?\.xml$/.test(f)) return false;
    const base = f.replace(/\.xml$/, '');
    const sibling = (re: RegExp) => files.some((x) => x.startsWith(`${base}.`) && re.test(x.slice(base.length)));
    return sibling(/^\.[a-z0-9_]+-latest(\.abi-update)?\.xml$/) && !sibling(/\.err$/);
  });

  const errorsOf = (f: string): string[] => {
    const d = createDesign(fs.readFileSync(path.join(LIBVIRT, f), 'utf8'), host, f);
    if (!d.ok) return [`import: ${d.error.message}`];
    return validate(d.value)
      .filter((x) => x.severity === 'error')
      .map((e) => `${e.ruleId}: ${e.message}`);
  };

  describe('inputs libvirt accepts raise no error', () => {
    it('finds the accepted inputs', () => {
      expect(accepted.length).toBeGreaterThan(100);
      for (const n of Object.keys(ONCE_FALSE_POSITIVES)) expect(accepted.map(name)).toContain(n);
    });
    it.each(Object.entries(ONCE_FALSE_POSITIVES))('%s (%s)', (n) => {
      // the error QEMU itself gives, or the firmware (support/qemuRefuses.ts), is no false positive
      const q = knownError(n);
      expect(errorsOf(`qemuxmlconfdata__${n}.xml`).filter((e) => !(q && e.startsWith(`${q.rule}: `) && e.includes(q.words)))).toEqual([]);
    });
    it('every accepted input', () => {
      const failures = accepted.filter((f) => !knownError(name(f))).flatMap((f) => errorsOf(f).map((e) => `${name(f)}: ${e}`));
      expect(failures).toEqual([]);
    });
    // libvirt's tests never start QEMU; QEMU refuses these, or the firmware fails them (support/qemuRefuses.ts)
    it.each([...Object.keys(QEMU_REFUSES), ...Object.keys(FIRMWARE_FAILS)])('%s: only the error QEMU or the firmware gives', (n) => {
      expect(accepted.map(name)).toContain(n);
      const known = knownError(n);
      const errors = errorsOf(`qemuxmlconfdata__${n}.xml`);
      expect(errors.map((e) => !!known && e.startsWith(`${known.rule}: `) && e.includes(known.words))).toEqual([true]);
    });
  });
}
