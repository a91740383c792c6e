/**
 * A deflate-raw "bomb" of `size` zero bytes, written directly as one dynamic-Huffman block (RFC 1951
 * §3.2.7) instead of compressing gigabytes: one literal 0, then matches of length 258 at distance 1.
 * The codes are chosen so that each match costs two zero bits (symbol 285 and distance code 0 both
 * get the 1-bit code `0`), so the body is zero bytes and the ratio is about 1032:1, deflate's
 * maximum, as zlib's best. `size - 1` must be a multiple of 258. Built in milliseconds.
 */
export function deflateBomb(size: number): Uint8Array {
  if (size < 1 || (size - 1) % 258 !== 0) throw new Error(`deflateBomb: size - 1 must be a multiple of 258, got ${size}`);
  const matches = (size - 1) / 258;
  const bits: number[] = [];
  /** `n` bits of `v`, least significant first (header fields) */
  const lsb = (v: number, n: number): void => {
    for (let i = 0; i < n; i++) bits.push((v >> i) & 1);
  };
  /** a Huffman code of `n` bits, most significant first (RFC 1951 §3.1.1) */
  const msb = (code: number, n: number): void => {
    for (let i = n - 1; i >= 0; i--) bits.push((code >> i) & 1);
  };
  lsb(1, 1); // BFINAL
  lsb(2, 2); // BTYPE = dynamic Huffman
  lsb(286 - 257, 5); // HLIT: literal/length codes 0..285
  lsb(0, 5); // HDIST: one distance code
  // Code-length code: 18 -> `0`, 1 -> `10`, 2 -> `11`, sent in the RFC's order up to symbol 1.
  const order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1];
  const clLength: Record<number, number> = { 18: 1, 1: 2, 2: 2 };
  lsb(order.length - 4, 4); // HCLEN
  for (const s of order) lsb(clLength[s] ?? 0, 3);
  const cl = { 18: [0, 1], 1: [2, 2], 2: [3, 2] } as const;
  const sym = (s: 1 | 2 | 18): void => msb(cl[s][0], cl[s][1]);
  const zeros = (n: number): void => {
    sym(18);
    lsb(n - 11, 7);
  };
  // literal/length lengths: 0 -> 2, 1..255 -> 0, 256 -> 2, 257..284 -> 0, 285 -> 1; distance 0 -> 1
  sym(2);
  zeros(138);
  zeros(117);
  sym(2);
  zeros(28);
  sym(1);
  sym(1);
  // literal/length codes: 285 -> `0`, 0 -> `10`, 256 -> `11`; distance 0 -> `0`
  msb(2, 2); // literal 0
  const head = bits.length;
  const tail = [1, 1]; // end of block after `matches` × `00`
  const total = head + matches * 2 + tail.length;
  const out = new Uint8Array(Math.ceil(total / 8));
  bits.forEach((b, i) => {
    if (b) out[i >> 3] = (out[i >> 3] as number) | (1 << (i & 7));
  });
  tail.forEach((b, k) => {
    const i = head + matches * 2 + k;
    if (b) out[i >> 3] = (out[i >> 3] as number) | (1 << (i & 7));
  });
  return out;
}
