import { describe, expect, it } from 'vitest';
import type { Guest } from '../model/guest.ts';
import { domainXml } from '../rules/testkit.ts';
import { readDomain } from './domainRead.ts';

/**
 * virDomainControllerDefParseXML() reads `index` with virXMLPropInt() in base 10 for every controller
 * type (libvirt 9.0: index='010' is 10; '0x1', '1 ', '2147483648' and '' are "Expected integer
 * value"; '-1' "Expected non-negative value"): a value it refuses is kept as written, never read as
 * "not written".
 */
function guestOf(controllers: string): Guest {
  const r = readDomain(domainXml('q35', 'x86_64', controllers));
  if (!r.ok) throw new Error(r.error.message);
  return r.value.guest;
}
const usb = (index: string) => guestOf(`<controller type='usb' index='${index}' model='qemu-xhci'/>`).devices[0];
const pci = (index: string) => guestOf(`<controller type='pci' index='${index}' model='pci-bridge'/>`).controllers[0];

describe("a non-PCI controller's index", () => {
  it('reads base 10, leading white space and a plus sign allowed', () => {
    expect(usb('010')).toMatchObject({ index: 10 });
    expect(usb('  3')).toMatchObject({ index: 3 });
    expect(usb('+3')).toMatchObject({ index: 3 });
    expect(usb('2147483647')).toMatchObject({ index: 2147483647 });
    expect(usb('7')?.unreadableIndex).toBeUndefined();
  });
  it('keeps what libvirt refuses as written, with no index', () => {
    for (const t of ['x', '0x1', '1 ', '', '2147483648', '-1']) {
      const d = usb(t);
      expect(d?.index, t).toBeUndefined();
      expect(d?.unreadableIndex, t).toBe(t);
    }
  });
  it('written nowhere: neither', () => {
    const d = guestOf("<controller type='usb' model='qemu-xhci'/>").devices[0];
    expect(d?.index).toBeUndefined();
    expect(d?.unreadableIndex).toBeUndefined();
  });
});

describe("a PCI controller's index past an int", () => {
  it('is unreadable, as libvirt refuses it ("Expected integer value"), not "out of range"', () => {
    expect(pci('2147483648')).toMatchObject({ index: undefined, unreadable: ["index='2147483648'"] });
    expect(pci('4294967295')).toMatchObject({ index: undefined, unreadable: ["index='4294967295'"] });
    expect(pci('256')).toMatchObject({ index: 256 });
  });
});
