import { describe, expect, it } from 'vitest';
import { deviceKeyer, freshControllerKey, freshDeviceKey, isControllerKey } from './keys.ts';

describe('the design key scheme (DESIGN.md §6)', () => {
  it('host address, else alias, else <element>-<n>, n counting every element of that name; PCI controllers are pci-<m>', () => {
    const keys = deviceKeyer();
    keys.skip('emulator');
    expect(keys.key({ element: 'controller', pciController: true })).toBe('pci-0');
    expect(keys.key({ element: 'controller' })).toBe('controller-1');
    expect(keys.key({ element: 'hostdev', hostAddress: { domain: 1, bus: 1, slot: 0, function: 2 }, alias: 'ua-x' })).toBe('0001:01:00.2');
    expect(keys.key({ element: 'disk', alias: 'ua-disk' })).toBe('ua-disk');
    expect(keys.key({ element: 'disk' })).toBe('disk-1');
    expect(keys.key({ element: 'controller', pciController: true })).toBe('pci-1');
  });

  it('a key seen twice gets #2, #3, … (the same host function twice, a repeated alias)', () => {
    const keys = deviceKeyer();
    const h = { domain: 0, bus: 3, slot: 0, function: 0 };
    expect([keys.key({ element: 'hostdev', hostAddress: h }), keys.key({ element: 'hostdev', hostAddress: h }), keys.key({ element: 'interface', hostAddress: h })]).toEqual([
      '0000:03:00.0',
      '0000:03:00.0#2',
      '0000:03:00.0#3',
    ]);
    expect([keys.key({ element: 'rng', alias: 'a' }), keys.key({ element: 'rng', alias: 'a' })]).toEqual(['a', 'a#2']);
  });

  it("a device aliased like a controller key takes it with #2: the two kinds' keys never meet", () => {
    const keys = deviceKeyer();
    expect(keys.key({ element: 'disk', alias: 'pci-1' })).toBe('pci-1#2');
    expect(keys.key({ element: 'controller', pciController: true })).toBe('pci-0');
    expect(keys.key({ element: 'controller', pciController: true })).toBe('pci-1');
    expect(keys.key({ element: 'rng', alias: 'pci-1' })).toBe('pci-1#3');
    expect(keys.key({ element: 'rng', alias: 'pci-new-0' })).toBe('pci-new-0#2');
    expect(keys.key({ element: 'rng', alias: 'implicit-pci-root' })).toBe('implicit-pci-root#2');
    expect(keys.key({ element: 'rng', alias: 'implicit-pci-3' })).toBe('implicit-pci-3#2');
    // libvirt's own aliases, and names that only look alike, stay as written
    for (const alias of ['pci.1', 'ua-pci-1', 'pci-1a', 'pci-new', 'implicit-pci-x']) expect(keys.key({ element: 'rng', alias })).toBe(alias);
  });

  it('isControllerKey: the forms PCI controller keys take, and only those', () => {
    for (const k of ['pci-0', 'pci-12', 'pci-new-3', 'implicit-pci-root', 'implicit-pci-4']) expect(isControllerKey(k), k).toBe(true);
    for (const k of ['pci-', 'xpci-1', 'pci-1#2', 'pci-new-', 'implicit-pci-', 'disk-0', '0000:01:00.0']) expect(isControllerKey(k), k).toBe(false);
  });

  it('fresh keys skip the ones in use', () => {
    expect(freshControllerKey([{ key: 'pci-new-0' }, { key: 'pci-new-2' }])).toBe('pci-new-1');
    expect(freshDeviceKey([{ key: 'memballoon-1', element: 'memballoon' }], 'memballoon')).toBe('memballoon-2');
  });
});
