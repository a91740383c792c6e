import { describe, expect, it } from 'vitest';
import { virDomainNumaDefParseXMLError, virDomainNumatuneNodeParseXMLError } from './numaConf.ts';

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

describe('virDomainNumatuneNodeParseXML: a memnode names a cell', () => {
  it('cellid 1 of 2 cells is one, 2 is none', () => {
    expect(virDomainNumatuneNodeParseXMLError([{ cellid: 1, nodeset: '0' }], 2)).toBeUndefined();
    expect(virDomainNumatuneNodeParseXMLError([{ cellid: 2, nodeset: '0' }], 2)).toBe("Argument 'cellid' in memnode element must correspond to existing guest's NUMA cell");
  });
});
