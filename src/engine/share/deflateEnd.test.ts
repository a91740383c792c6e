import { constants, deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { deflateBomb } from '../../../test/support/bomb.ts';
import { DEMO_DOMAIN_XML, DEMO_HOST_XML } from '../demo/demo.ts';
import { deflateRawEnd } from './deflateEnd.ts';

/** Deterministic bytes (an LCG), so a failure reproduces. */
function noise(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

const INPUTS: ReadonlyArray<[string, Uint8Array]> = [
  ['empty', new Uint8Array(0)],
  ['one byte', new Uint8Array([0x41])],
  ['the demo domain', new TextEncoder().encode(DEMO_DOMAIN_XML)],
  ['the demo host', new TextEncoder().encode(DEMO_HOST_XML)],
  ['random bytes (stored blocks)', noise(150_000, 7)],
  ['a few symbols repeated', noise(100_000, 3).map((b) => 0x61 + (b & 3))],
  ['zeros', new Uint8Array(300_000)],
];

const STRATEGIES: ReadonlyArray<[string, number]> = [
  ['default', constants.Z_DEFAULT_STRATEGY],
  ['fixed Huffman', constants.Z_FIXED],
  ['Huffman only', constants.Z_HUFFMAN_ONLY],
  ['RLE', constants.Z_RLE],
  ['filtered', constants.Z_FILTERED],
];

describe('deflateRawEnd: where zlib says the stream ends', () => {
  it('is the stream length for every zlib level and strategy, and stays there when bytes follow', () => {
    for (const [what, input] of INPUTS) {
      for (const level of [0, 1, 6, 9]) {
        for (const [how, strategy] of STRATEGIES) {
          const c = new Uint8Array(deflateRawSync(input, { level, strategy }));
          expect(deflateRawEnd(c), `${what}, level ${level}, ${how}`).toBe(c.length);
          const trailing = new Uint8Array([...c, ...new TextEncoder().encode('garbage')]);
          expect(deflateRawEnd(trailing), `${what} + 7 bytes, level ${level}, ${how}`).toBe(c.length);
        }
      }
    }
  });

  it('a stream flushed in many blocks (sync flushes and a final empty block) ends where it ends', () => {
    const blocks = [deflateRawSync(noise(5000, 1).map((b) => b & 15), { finishFlush: constants.Z_SYNC_FLUSH }), deflateRawSync(new Uint8Array(0))];
    const c = new Uint8Array(Buffer.concat(blocks));
    expect(deflateRawEnd(c)).toBe(c.length);
  });

  it("a bomb's stream is walked to its end without inflating it (1 GiB of zeros in 1 MiB)", () => {
    const bomb = deflateBomb(1 + 258 * Math.floor(2 ** 30 / 258));
    expect(deflateRawEnd(bomb)).toBe(bomb.length);
  });

  it('every cut of a stream is undefined, never a shorter end', () => {
    const c = new Uint8Array(deflateRawSync(new TextEncoder().encode(DEMO_DOMAIN_XML)));
    for (let n = 0; n < c.length; n += 37) expect(deflateRawEnd(c.subarray(0, n)), `first ${n} bytes`).toBeUndefined();
    expect(deflateRawEnd(c.subarray(0, c.length - 1))).toBeUndefined();
  });

  it('bytes that are not deflate are undefined (puff.c checks): block type 3, a stored length without its complement, an incomplete code', () => {
    expect(deflateRawEnd(new Uint8Array([0x07]))).toBeUndefined();
    expect(deflateRawEnd(new Uint8Array([0x01, 0x05, 0x00, 0x00, 0x00, 1, 2, 3, 4, 5]))).toBeUndefined();
    expect(deflateRawEnd(new Uint8Array([0x01, 0x05, 0x00, 0xfa, 0xff, 1, 2, 3, 4, 5]))).toBe(10);
    // dynamic block whose code length code has one length-1 code: incomplete, as zlib refuses it
    expect(deflateRawEnd(new Uint8Array([0x05, 0x00, 0x00, 0x02, 0x00, 0x00]))).toBeUndefined();
    // 'hello world' as bytes (what a link of plain text holds)
    expect(deflateRawEnd(new TextEncoder().encode('hello world'))).toBeUndefined();
  });

  it('a distance back before the first byte is refused, as zlib refuses it', () => {
    // fixed block: length symbol 257 (7-bit code 0000001), distance code 0 (00000): a copy with nothing written
    const bits = [1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    const bytes = new Uint8Array(Math.ceil(bits.length / 8));
    bits.forEach((b, i) => {
      if (b) bytes[i >> 3]! |= 1 << (i & 7);
    });
    expect(deflateRawEnd(bytes)).toBeUndefined();
  });
});
