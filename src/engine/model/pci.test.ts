import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { formatPciAddress, parseLibvirtUint, pciAddressKey } from './pci.ts';

/**
 * libvirt reads `<address>` numbers with virStrToLong_uip(s, NULL, 0, &v) (src/util/virstring.c):
 * strtoul base 0, the whole value consumed, no '-', within unsigned int. Case h05-slot-09.xml.
 */
describe('parseLibvirtUint reads numbers as virStrToLong_uip(…, 0, …)', () => {
  const read: Array<[string, number]> = [
    ['0', 0],
    ['00', 0],
    ['7', 7],
    ['10', 10],
    ['010', 8],
    ['0x1f', 31],
    ['0X1F', 31],
    ['0x0000', 0],
    ['+5', 5],
    ['+0x10', 16],
    // strtoul skips leading white space (C isspace)
    [' 5', 5],
    ['\t\n\r 0x05', 5],
    ['\v\f3', 3],
    ['4294967295', 0xffffffff],
    ['0xffffffff', 0xffffffff],
    ['037777777777', 0xffffffff],
  ];
  it.each(read)('%j is %d', (text, n) => expect(parseLibvirtUint(text)).toBe(n));

  const refused: Array<[string, string]> = [
    ['09', 'a leading 0 is octal and 9 is no octal digit: strtoul stops at 9, which is left over'],
    ['08', 'the same with 8'],
    ['0x05 ', 'a trailing space is left over'],
    ['5 ', 'the same in decimal'],
    ['5\n', 'a trailing newline'],
    ['0x', 'no hex digit: strtoul reads 0 and leaves the x'],
    ['0xg', 'the same'],
    ['-1', "a '-' is refused (uip)"],
    ['-0', "even for zero"],
    [' -5', "after white space too"],
    ['', 'nothing to read'],
    ['   ', 'only white space'],
    ['+', 'a sign alone'],
    ['++1', 'two signs'],
    ['1e3', 'no exponent'],
    ['1.0', 'no fraction'],
    ['0b1', 'no binary'],
    ['\u00a05', 'a no-break space is not C white space'],
    ['\uff15', 'a full-width digit'],
    ['4294967296', 'does not fit an unsigned int'],
    ['0x100000000', 'the same in hex'],
    ['99999999999999999999999', 'far too large'],
    ['five', 'not a number'],
  ];
  it.each(refused)('%j is refused: %s', (text) => expect(parseLibvirtUint(text)).toBeUndefined());

  it('undefined (attribute absent) stays undefined', () => expect(parseLibvirtUint(undefined)).toBeUndefined());

  it('reads back every number it writes, in the three spellings libvirt accepts', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (n) => {
        expect(parseLibvirtUint(String(n))).toBe(n);
        expect(parseLibvirtUint(`0x${n.toString(16)}`)).toBe(n);
        expect(parseLibvirtUint(`0${n.toString(8)}`)).toBe(n);
      }),
      { seed: 11, numRuns: 500 },
    );
  });
});

describe('pciAddressKey: formatPciAddress made once per address object', () => {
  it('gives formatPciAddress for any address, and each object its own text', () => {
    fc.assert(
      fc.property(fc.record({ domain: fc.nat(0xffff), bus: fc.nat(0xff), slot: fc.nat(0x1f), function: fc.nat(7) }), (a) => {
        expect(pciAddressKey(a)).toBe(formatPciAddress(a));
        expect(pciAddressKey(a)).toBe(formatPciAddress(a));
      }),
    );
    const a = { domain: 0, bus: 1, slot: 2, function: 3 };
    const b = { domain: 0, bus: 1, slot: 2, function: 4 };
    expect([pciAddressKey(a), pciAddressKey(b), pciAddressKey(a)]).toEqual(['0000:01:02.3', '0000:01:02.4', '0000:01:02.3']);
  });
});
