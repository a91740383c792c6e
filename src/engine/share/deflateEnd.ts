/**
 * Where a raw deflate stream ends (RFC 1951), so that a share link with bytes after its compressed
 * data gets the same answer in every runtime: Chromium's DecompressionStream refuses such bytes
 * (as "not deflate", the wrong reason) while Node's ignores them, and neither says how many bytes
 * it read. The walk follows the blocks and their Huffman codes as zlib's reference inflater
 * contrib/puff/puff.c does (`stored`, `fixed`, `dynamic`, `construct`, `decode`, `codes`), with the
 * same checks, but writes no output: it only counts it, so a bomb costs no memory and the work is
 * linear in the input's bits.
 */

const MAXBITS = 15;
const MAXLCODES = 286;
const MAXDCODES = 30;
const FIXLCODES = 288;

/** puff.c's length and distance bases and extra bits (RFC 1951 §3.2.5) */
const LBASE = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];
const LEXT = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DBASE = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577];
const DEXT = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];
/** the order code length code lengths are sent in (RFC 1951 §3.2.7) */
const ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/** A canonical Huffman code as puff keeps it: codes per length, symbols in code order. */
interface Huffman {
  readonly count: Int16Array;
  readonly symbol: Int16Array;
}

/** Thrown out of the walk: the input ends before the stream does, or is not deflate. */
class NotDeflate extends Error {}

class Bits {
  pos = 0;
  private buf = 0;
  private cnt = 0;
  constructor(private readonly bytes: Uint8Array) {}

  /** the next `n` (0-16) bits, least significant first; loads whole bytes only when needed */
  take(n: number): number {
    while (this.cnt < n) {
      if (this.pos >= this.bytes.length) throw new NotDeflate('the stream is cut');
      this.buf |= (this.bytes[this.pos++] as number) << this.cnt;
      this.cnt += 8;
    }
    const v = this.buf & ((1 << n) - 1);
    this.buf >>>= n;
    this.cnt -= n;
    return v;
  }

  /** drops the rest of the byte being read (a stored block starts on a byte) */
  align(): void {
    this.buf = 0;
    this.cnt = 0;
  }

  byte(): number {
    if (this.pos >= this.bytes.length) throw new NotDeflate('the stream is cut');
    return this.bytes[this.pos++] as number;
  }

  skip(n: number): void {
    if (this.pos + n > this.bytes.length) throw new NotDeflate('the stream is cut');
    this.pos += n;
  }
}

/** puff.c construct(): 0 for a complete code, > 0 incomplete, < 0 over-subscribed. */
function construct(lengths: ArrayLike<number>, n: number): { h: Huffman; left: number } {
  const count = new Int16Array(MAXBITS + 1);
  const symbol = new Int16Array(n);
  for (let s = 0; s < n; s++) count[lengths[s] as number]! += 1;
  if (count[0] === n) return { h: { count, symbol }, left: 0 };
  let left = 1;
  for (let len = 1; len <= MAXBITS; len++) {
    left <<= 1;
    left -= count[len] as number;
    if (left < 0) return { h: { count, symbol }, left };
  }
  const offs = new Int16Array(MAXBITS + 1);
  for (let len = 1; len < MAXBITS; len++) offs[len + 1] = (offs[len] as number) + (count[len] as number);
  for (let s = 0; s < n; s++) {
    const len = lengths[s] as number;
    if (len !== 0) symbol[offs[len]!++] = s;
  }
  return { h: { count, symbol }, left };
}

/** puff.c decode() (the bit-at-a-time one): the next symbol, or -1 for a code the table lacks. */
function decode(s: Bits, h: Huffman): number {
  let code = 0;
  let first = 0;
  let index = 0;
  for (let len = 1; len <= MAXBITS; len++) {
    code |= s.take(1);
    const count = h.count[len] as number;
    if (code - count < first) return h.symbol[index + (code - first)] as number;
    index += count;
    first += count;
    first <<= 1;
    code <<= 1;
  }
  return -1;
}

/** puff.c codes(): one block's symbols up to its end code; `out` counts the bytes written so far. */
function codes(s: Bits, lencode: Huffman, distcode: Huffman, out: number): number {
  for (;;) {
    const symbol = decode(s, lencode);
    if (symbol < 0) throw new NotDeflate('invalid symbol');
    if (symbol === 256) return out;
    if (symbol < 256) {
      out++;
      continue;
    }
    const l = symbol - 257;
    if (l >= 29) throw new NotDeflate('invalid length symbol');
    const len = (LBASE[l] as number) + s.take(LEXT[l] as number);
    const d = decode(s, distcode);
    if (d < 0 || d >= 30) throw new NotDeflate('invalid distance symbol');
    const dist = (DBASE[d] as number) + s.take(DEXT[d] as number);
    if (dist > out) throw new NotDeflate('distance too far back');
    out += len;
  }
}

let fixedCodes: { lencode: Huffman; distcode: Huffman } | undefined;
function fixed(): { lencode: Huffman; distcode: Huffman } {
  if (!fixedCodes) {
    const lengths = new Int16Array(FIXLCODES);
    for (let s = 0; s < FIXLCODES; s++) lengths[s] = s < 144 ? 8 : s < 256 ? 9 : s < 280 ? 7 : 8;
    fixedCodes = { lencode: construct(lengths, FIXLCODES).h, distcode: construct(new Int16Array(MAXDCODES).fill(5), MAXDCODES).h };
  }
  return fixedCodes;
}

/** puff.c dynamic(): the block's code tables, with puff's checks of them. */
function dynamic(s: Bits): { lencode: Huffman; distcode: Huffman } {
  const nlen = s.take(5) + 257;
  const ndist = s.take(5) + 1;
  const ncode = s.take(4) + 4;
  if (nlen > MAXLCODES || ndist > MAXDCODES) throw new NotDeflate('bad counts');
  const lengths = new Int16Array(MAXLCODES + MAXDCODES);
  for (let i = 0; i < ncode; i++) lengths[ORDER[i] as number] = s.take(3);
  const lencode = construct(lengths, 19);
  if (lencode.left !== 0) throw new NotDeflate('incomplete code length code');
  lengths.fill(0);
  for (let index = 0; index < nlen + ndist; ) {
    const symbol = decode(s, lencode.h);
    if (symbol < 0) throw new NotDeflate('invalid code length symbol');
    if (symbol < 16) {
      lengths[index++] = symbol;
      continue;
    }
    let len = 0;
    let rep: number;
    if (symbol === 16) {
      if (index === 0) throw new NotDeflate('repeat with no first length');
      len = lengths[index - 1] as number;
      rep = 3 + s.take(2);
    } else if (symbol === 17) rep = 3 + s.take(3);
    else rep = 11 + s.take(7);
    if (index + rep > nlen + ndist) throw new NotDeflate('too many lengths');
    while (rep--) lengths[index++] = len;
  }
  if (lengths[256] === 0) throw new NotDeflate('no end-of-block code');
  const lit = construct(lengths, nlen);
  if (lit.left < 0 || (lit.left > 0 && nlen - (lit.h.count[0] as number) !== 1)) throw new NotDeflate('bad literal/length code');
  const dist = construct(lengths.subarray(nlen), ndist);
  if (dist.left < 0 || (dist.left > 0 && ndist - (dist.h.count[0] as number) !== 1)) throw new NotDeflate('bad distance code');
  return { lencode: lit.h, distcode: dist.h };
}

/**
 * The number of bytes the raw deflate stream at the start of `bytes` takes, up to the end of its
 * final block (the unused bits of that last byte are padding): `bytes.length` when nothing follows
 * it. Undefined when the bytes end before the final block does, or are not deflate (puff.c's
 * checks: block type 3, a stored length whose complement does not match, an over-subscribed or
 * incomplete code, a symbol or distance out of range). Time linear in `bytes.length`, memory
 * constant whatever the stream inflates to. Source: RFC 1951 §3.2; zlib contrib/puff/puff.c.
 */
export function deflateRawEnd(bytes: Uint8Array): number | undefined {
  const s = new Bits(bytes);
  let out = 0;
  try {
    for (let last = 0; !last; ) {
      last = s.take(1);
      const type = s.take(2);
      if (type === 0) {
        s.align();
        const len = s.byte() | (s.byte() << 8);
        const nlen = s.byte() | (s.byte() << 8);
        if (len !== (~nlen & 0xffff)) return undefined;
        s.skip(len);
        out += len;
      } else if (type === 1) {
        const f = fixed();
        out = codes(s, f.lencode, f.distcode, out);
      } else if (type === 2) {
        const d = dynamic(s);
        out = codes(s, d.lencode, d.distcode, out);
      } else return undefined;
    }
  } catch (e) {
    if (e instanceof NotDeflate) return undefined;
    throw e;
  }
  return s.pos;
}
