/**
 * The designs the real stage runs: fixtures that must be realised as designed, and broken variants
 * that libvirt or QEMU must refuse, each with the message they really give (libvirt 9.0, QEMU 7.2)
 * and the pcitopo rule that must flag it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO_DOMAIN_XML, exportDomain, place } from '../../src/engine/index.ts';
import type { PlaceOptions } from '../../src/engine/index.ts';
import { bareDemoXml, barePcieXml, demoHost, designOf } from '../support/designs.ts';

export const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
export const fixture = (name: string): string => fs.readFileSync(path.join(FIXTURES, name), 'utf8');

export const GOOD_DESIGNS: Array<{ name: string; xml: () => string }> = [
  { name: 'demo (pseries, DEMO_DOMAIN_XML)', xml: () => DEMO_DOMAIN_XML },
  { name: 'pseries placed: 5 vPHBs, NUMA node, 2 spare, multifunction hostdev pair', xml: () => fixture('pseries-placed.xml') },
  { name: 'q35: packed root ports, switch, pcie-to-pci-bridge with e1000', xml: () => fixture('q35-ports.xml') },
  { name: 'aarch64 virt: packed root ports, switch, pcie-to-pci-bridge with e1000', xml: () => fixture('aarch64-virt.xml') },
  // what auto-placement produces, exported: the designs users get from the Auto-place button
  { name: 'placed by pcitopo: pseries pe-per-phb + 2 spare vPHBs', xml: () => placed(bareDemoXml(), { policy: 'pe-per-phb', spare: 2 }) },
  { name: 'placed by pcitopo: pseries libvirt policy', xml: () => placed(bareDemoXml(), { policy: 'libvirt' }) },
  { name: 'placed by pcitopo: q35 pe-per-phb + 2 spare root ports', xml: () => placed(barePcieXml('q35'), { policy: 'pe-per-phb', spare: 2 }) },
  { name: 'placed by pcitopo: aarch64 virt pe-per-phb + 1 spare root port', xml: () => placed(barePcieXml('virt'), { policy: 'pe-per-phb', spare: 1 }) },
];

function placed(xml: string, opts: PlaceOptions): string {
  return exportDomain(place(designOf(xml, demoHost()), opts));
}

export const must = (text: string, from: string | RegExp, to: string): string => {
  const out = text.replace(from, to);
  if (out === text) throw new Error(`broken-case edit did not apply: ${String(from)}`);
  return out;
};

export interface BrokenCase {
  name: string;
  xml: () => string;
  /** who refuses it on libvirt 9.0 + QEMU 7.2 */
  refusedBy: 'libvirt' | 'qemu';
  /** a stable part of their real message */
  message: string;
  /** the pcitopo rule(s) that must report it (any one of them), and at which severity */
  rules: string[];
  severity: 'error' | 'warning';
  /** the libvirt release pcitopo judges it as (validate's libvirtVersion); undefined: 10.7 */
  libvirtVersion?: string;
}

export const BROKEN_DESIGNS: BrokenCase[] = [
  {
    name: 'duplicate vPHB target index',
    xml: () => must(fixture('pseries-placed.xml'), "<target index='2'/>", "<target index='1'/>"),
    refusedBy: 'qemu',
    message: 'PHB 1 already attached',
    rules: ['PAPR-PHB-5'],
    severity: 'error',
  },
  {
    name: 'duplicate root port chassis',
    xml: () => must(fixture('q35-ports.xml'), "<target chassis='2' port='0x11'/>", "<target chassis='1' port='0x11'/>"),
    refusedBy: 'qemu',
    message: "Can't add chassis slot, error -16",
    rules: ['Q35-RP-3'],
    severity: 'error',
  },
  {
    name: 'slot 0 on a vPHB',
    xml: () =>
      must(
        fixture('pseries-placed.xml'),
        "<address type='pci' domain='0x0000' bus='0x02' slot='0x01' function='0x0'/>",
        "<address type='pci' domain='0x0000' bus='0x02' slot='0x00' function='0x0'/>",
      ),
    refusedBy: 'libvirt',
    message: 'slot must be >= 1',
    rules: ['PAPR-SLOT-1', 'GEN-ADDR-3'],
    severity: 'error',
  },
  {
    name: 'a pcie-root-port on pseries',
    xml: () =>
      must(
        fixture('pseries-placed.xml'),
        "    <controller type='usb'",
        "    <controller type='pci' index='5' model='pcie-root-port'>\n      <address type='pci' domain='0x0000' bus='0x03' slot='0x01' function='0x0'/>\n    </controller>\n    <controller type='usb'",
      ),
    refusedBy: 'libvirt',
    message: 'pcie-root-port',
    rules: ['PAPR-CTRL-4'],
    severity: 'error',
  },
  {
    name: 'two devices at one address',
    xml: () =>
      must(
        fixture('pseries-placed.xml'),
        "<address type='pci' domain='0x0000' bus='0x02' slot='0x01' function='0x0'/>",
        "<address type='pci' domain='0x0000' bus='0x01' slot='0x01' function='0x0'/>",
      ),
    refusedBy: 'libvirt',
    message: 'Attempted double use of PCI Address',
    rules: ['GEN-ADDR-4'],
    severity: 'error',
  },
  {
    name: 'a user alias on PHB 0 with devices on bus 0 (libvirt 9.0 bug)',
    xml: () =>
      must(
        fixture('pseries-placed.xml'),
        "<target index='0'/>\n    </controller>",
        "<target index='0'/>\n      <alias name='ua-phb0'/>\n    </controller>",
      ),
    refusedBy: 'qemu',
    message: "Bus 'ua-phb0' not found",
    rules: ['PAPR-PHB-9'],
    // judged as the libvirt that refuses it (9.0); as 10.x it is only a note
    severity: 'error',
    libvirtVersion: '9.0',
  },
];
