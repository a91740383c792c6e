import { describe, expect, it } from 'vitest';
import { createDesign } from '../xml/domain.ts';
import type { Guest } from '../model/guest.ts';
import { definedControllers } from './defineTime.ts';

/**
 * definedControllers: what libvirt fills in the design's PCI controllers at define, as the release
 * defines them (libvirtControllerOrder: 'index' is 10.7, 'written-first' 9.0). What the app shows
 * for index, address and target attributes the XML leaves out comes from here alone.
 */
function guestOf(xml: string): Guest {
  const r = createDesign(xml);
  if (!r.ok) throw new Error(r.error.message);
  return r.value.guest;
}

const domain = (arch: string, machine: string, devices: string) => `<domain type='qemu'><name>d</name><memory unit='MiB'>256</memory>
<os><type arch='${arch}' machine='${machine}'>hvm</type></os><devices>
${devices}
</devices></domain>`;

// A PHB written at index 2 without <target index>, and a NIC on bus 1, for which libvirt adds PHB 1.
// Real libvirt 9.0 (shared/tools/libvirt-qemu-check.sh) defines PHB 2 with target index 1 and the
// PHB 1 it adds with 2; libvirt 10.7 goes by controller index: 1 to PHB 1, 2 to PHB 2.
const PHB_WITHOUT_TARGET = domain(
  'ppc64le',
  'pseries',
  `<controller type='pci' index='0' model='pci-root'><model name='spapr-pci-host-bridge'/><target index='0'/></controller>
<controller type='pci' index='2' model='pci-root'><model name='spapr-pci-host-bridge'/></controller>
<interface type='network'><source network='default'/><model type='virtio'/><address type='pci' domain='0x0000' bus='0x01' slot='0x01' function='0x0'/></interface>`,
);

// Root port 5 alone on q35: libvirt adds ports 1-4 for the gap. 9.0 addresses the written port first,
// 10.7 by controller index; a port's default port number follows its slot and function
// (qemuDomainPCIControllerSetDefaults). Real libvirt 9.0 (shared/tools/libvirt-qemu-check.sh) defines
// port 5 at 00:01.0 with chassis 5 port 0x8 and ports 1-4 at 00:01.1-4 with ports 0x9-0xc.
const ROOT_PORT_5 = domain('x86_64', 'q35', `<controller type='pci' index='5' model='pcie-root-port'/>`);

const targets = (g: Guest, order: 'index' | 'written-first') => definedControllers(g, order).list.map((c) => [c.index, c.target.index]);

describe('definedControllers follows the libvirt release', () => {
  it('a PHB written without a target index: 10.7 gives it the index after the gap PHB libvirt adds, 9.0 the one before', () => {
    const g = guestOf(PHB_WITHOUT_TARGET);
    expect(targets(g, 'index')).toEqual([[1, 1], [0, 0], [2, 2]]);
    expect(targets(g, 'written-first')).toEqual([[1, 2], [0, 0], [2, 1]]);
  });

  it('says what is libvirt\'s: the written PHB\'s target index, the whole target of the PHB import shows as libvirt\'s', () => {
    const g = guestOf(PHB_WITHOUT_TARGET);
    const filled = definedControllers(g, 'written-first').filled;
    expect([...(filled.get('pci-1') ?? [])]).toEqual(['targetIndex']);
    expect([...(filled.get('implicit-pci-1') ?? [])]).toEqual(['targetIndex']);
    const phb2 = definedControllers(g, 'written-first').list.find((c) => c.key === 'pci-1');
    expect(phb2?.target.index).toBe(1);
    // the design keeps what the XML says
    expect(g.controllers.find((c) => c.key === 'pci-1')?.target.index).toBeUndefined();
  });

  it('what the XML writes is kept, as the same object', () => {
    const g = guestOf(PHB_WITHOUT_TARGET);
    const root = g.controllers.find((c) => c.key === 'pci-0');
    for (const order of ['index', 'written-first'] as const) {
      expect(definedControllers(g, order).list).toContain(root);
      expect(definedControllers(g, order).filled.has('pci-0')).toBe(false);
    }
  });

  it('addresses and port numbers libvirt assigns: 9.0 plugs the written root port in first', () => {
    const g = guestOf(ROOT_PORT_5);
    const at = (order: 'index' | 'written-first') =>
      definedControllers(g, order)
        .list.filter((c) => c.model === 'pcie-root-port')
        .map((c) => [c.index, c.address?.slot, c.address?.function, c.target.chassis, c.target.port]);
    expect(at('index')).toEqual([[1, 1, 0, 1, 8], [2, 1, 1, 2, 9], [3, 1, 2, 3, 10], [4, 1, 3, 4, 11], [5, 1, 4, 5, 12]]);
    expect(at('written-first')).toEqual([[1, 1, 1, 1, 9], [2, 1, 2, 2, 10], [3, 1, 3, 3, 11], [4, 1, 4, 4, 12], [5, 1, 0, 5, 8]]);
    const port5 = definedControllers(g, 'written-first').filled.get('pci-0');
    expect(port5 && [...port5].sort()).toEqual(['address', 'chassis', 'port']);
  });

  it('every controller addressed: the defaults alone, in the release\'s order (no define run needed)', () => {
    // PHB 4 written with target index 3: libvirt adds PHBs 1-3; 10.7 gives PHB 3 target index 3 (QEMU
    // refuses it: PAPR-PHB-5), 9.0 gives them 1, 2, 4 (test/real/libvirt-release.test.ts)
    const g = guestOf(domain('ppc64', 'pseries', `<controller type='pci' index='4' model='pci-root'><target index='3'/></controller>`));
    const byIndex = (order: 'index' | 'written-first') => targets(g, order).sort((a, b) => (a[0] as number) - (b[0] as number));
    expect(byIndex('index')).toEqual([[0, 0], [1, 1], [2, 2], [3, 3], [4, 3]]);
    expect(byIndex('written-first')).toEqual([[0, 0], [1, 1], [2, 2], [3, 4], [4, 3]]);
  });

  it('an index written nowhere is libvirt\'s (the lowest free), whatever the release', () => {
    const g = guestOf(domain('x86_64', 'q35', `<controller type='pci' index='0' model='pcie-root'/><controller type='pci' model='pcie-root-port'><address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'/></controller>`));
    for (const order of ['index', 'written-first'] as const) {
      const port = definedControllers(g, order).list.find((c) => c.model === 'pcie-root-port');
      expect([port?.index, port?.target.chassis, port?.target.port]).toEqual([1, 1, 16]);
      expect([...(definedControllers(g, order).filled.get(port?.key ?? '') ?? [])].sort()).toEqual(['chassis', 'index', 'port']);
    }
  });

  it('a machine pcitopo does not place: indexes only, nothing simulated', () => {
    const g = guestOf(domain('s390x', 's390-ccw-virtio', `<controller type='pci' model='pci-bridge'/>`));
    const c = definedControllers(g, 'written-first').list[0];
    expect([c?.index, c?.address, c?.target]).toEqual([0, undefined, {}]);
  });

  it('memoised per guest and release', () => {
    const g = guestOf(PHB_WITHOUT_TARGET);
    expect(definedControllers(g, 'index')).toBe(definedControllers(g, 'index'));
    expect(definedControllers(g, 'written-first')).not.toBe(definedControllers(g, 'index'));
    // every controller addressed: a guest with other devices and the same controller list shares the answer
    const all = guestOf(domain('ppc64', 'pseries', `<controller type='pci' index='4' model='pci-root'><target index='3'/></controller>`));
    const other: Guest = { ...all, devices: [] };
    expect(definedControllers(other, 'written-first')).toBe(definedControllers(all, 'written-first'));
    expect(definedControllers(other, 'index')).not.toBe(definedControllers(all, 'written-first'));
  });
});
