import { describe, expect, it } from 'vitest';
import { VIR_DOMAIN_CPUMASK_LEN, virBitmapParse, virDomainNumaDefParseXMLError, virDomainNumatuneNodeParseXMLError } from './numaConf.ts';

// each refusal as libvirt 9.0's `virsh define` (test driver) words it
describe('virDomainNumaDefParseXML: cell ids 0 to n-1, each once', () => {
  it.each([
    ['0, 1', [0, 1], undefined],
    ['1, 0 (any order)', [1, 0], undefined],
    ['0 and an unreadable one (GEN-IDX-1 says so apart)', [0, undefined], undefined],
    ['0, 2', [0, 2], "Exactly one 'cell' element per guest NUMA cell allowed, non-contiguous ranges or ranges not starting from 0 are not allowed"],
    ['0, 0', [0, 0], "Duplicate NUMA cell info for cell id '0'"],
    // the first refusal in the order written wins
    ['1, 1, 5', [1, 1, 5], "Duplicate NUMA cell info for cell id '1'"],
  ])('%s', (_name, ids, words) => {
    expect(virDomainNumaDefParseXMLError(ids.map((id) => ({ id })))).toBe(words);
  });
});

describe('virDomainNumatuneNodeParseXML: each memnode in order, the first refusal wins', () => {
  const MISSING_CELL = "Argument 'cellid' in memnode element must correspond to existing guest's NUMA cell";
  it.each([
    ['cellid 1 of 2 cells, mode strict', [{ cellid: 1, mode: 'strict', nodeset: '0' }], 2, undefined],
    ['no mode; mode restrictive', [{ cellid: 0, nodeset: '0' }, { cellid: 1, mode: 'restrictive', nodeset: '1' }], 2, undefined],
    ['no memnode, no cell', [], 0, undefined],
    ['cellid 2 of 2 cells', [{ cellid: 2, nodeset: '0' }], 2, MISSING_CELL],
    ['a memnode and no cell', [{ cellid: 0, nodeset: '0' }], 0, "Element 'memnode' is invalid without any guest NUMA cells"],
    ['no cellid', [{ nodeset: '0' }], 2, "Missing required attribute 'cellid' in element 'memnode'"],
    // an unreadable cellid is Guest.unreadable's words; libvirt stops at it
    ["cellid='x', then one for cell 5", [{ cellidUnreadable: true, nodeset: '0' }, { cellid: 5, nodeset: '0' }], 2, undefined],
    ['two for cell 1', [{ cellid: 1, nodeset: '0' }, { cellid: 1, nodeset: '0' }], 2, 'Multiple memnode elements with cellid 1'],
    ["mode='x'", [{ cellid: 0, mode: 'x', nodeset: '0' }], 2, "Invalid value for attribute 'mode' in element 'memnode': 'x'."],
    ["mode=''", [{ cellid: 0, mode: '', nodeset: '0' }], 2, "Invalid value for attribute 'mode' in element 'memnode': ''."],
    ['no nodeset', [{ cellid: 0, mode: 'strict' }], 2, 'Missing required nodeset attribute in memnode element'],
    ["nodeset='x'", [{ cellid: 0, nodeset: 'x' }], 2, "Failed to parse bitmap 'x'"],
    ["nodeset='0,^0'", [{ cellid: 0, nodeset: '0,^0' }], 2, "Invalid value of 'nodeset': 0,^0"],
    // in the order written: the first memnode's mode before the second's cellid
    ["mode='x' then cellid 5", [{ cellid: 0, mode: 'x' }, { cellid: 5, nodeset: '0' }], 2, "Invalid value for attribute 'mode' in element 'memnode': 'x'."],
    ['cellid 5 then no nodeset', [{ cellid: 5 }, { cellid: 0 }], 2, MISSING_CELL],
  ])('%s', (_name, memnodes, cells, words) => {
    expect(virDomainNumatuneNodeParseXMLError(memnodes, cells)).toBe(words);
  });
});

describe('virBitmapParse: the nodesets libvirt 9.0 parses, and those it refuses', () => {
  it.each([
    ['0', [0]],
    ['00', [0]],
    ['0 - 1', [0, 1]],
    [' 0 ', [0]],
    ['1,', [1]],
    ['1 ,2', [1, 2]],
    ['^0,1', [1]],
    ['0-3,^2', [0, 1, 3]],
    ['0,^0', []],
    ['1-2,^1,^2,0', [0]],
    ['0-+1', [0, 1]],
    ['0--0', [0]],
    ['1-1', [1]],
    ['16383', [16383]],
  ])("'%s' is %j", (text, bits) => {
    expect([...(virBitmapParse(text, VIR_DOMAIN_CPUMASK_LEN) ?? new Set(['refused']))].sort((a, b) => Number(a) - Number(b))).toEqual(bits);
  });

  it.each(['', ' ', '0-', '1-0', ',1', '0,,1', '0 1', '+1', '0x1', '-1', '^0-1', '0--1', '1--0', '0-1^1', '16384', '16383-16384', '2147483648', '0-2147483647'])("'%s' is refused", (text) => {
    expect(virBitmapParse(text, VIR_DOMAIN_CPUMASK_LEN)).toBeUndefined();
  });

  it('the full range is the bound, whatever number is written', () => {
    expect(virBitmapParse('0-16383', VIR_DOMAIN_CPUMASK_LEN)?.size).toBe(16384);
  });
});
