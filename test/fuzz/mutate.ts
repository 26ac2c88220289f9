// Mutations of DNS messages for the fuzzer: byte-level ones (flips, interesting values, inserts, deletes,
// splices) and DNS-aware ones (header counts, compression pointers, record and option tokens).

/** A seeded PRNG (mulberry32), so that a run can be repeated from its seed. */
export class Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** A uint32. */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** An integer in [0, n). */
  below(n: number): number {
    return n <= 0 ? 0 : this.next() % n;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)]!;
  }
  bytes(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) out[i] = this.next() & 0xff;
    return out;
  }
}

const BYTES = [0x00, 0x01, 0x02, 0x03, 0x0c, 0x29, 0x3f, 0x40, 0x7f, 0x80, 0xc0, 0xc1, 0xfa, 0xfe, 0xff];
const WORDS = [0, 1, 2, 3, 4, 12, 41, 63, 64, 250, 252, 255, 256, 511, 512, 1232, 4096, 0x7fff, 0x8000, 0xc00c, 0xff03, 0xfffe, 0xffff];

/** Fragments worth inserting whole: an OPT record, options (NSID, COOKIE, CLIENT-SUBNET, vpcdns's via), a TSIG type, a SOA type, labels. */
export const DNS_TOKENS: readonly Buffer[] = [
  Buffer.from('00002904d000008000000000', 'hex').subarray(0, 11),
  Buffer.from('0000290200000000000000', 'hex'),
  Buffer.from('00030000', 'hex'),
  Buffer.from('000a0008' + '0102030405060708', 'hex'),
  Buffer.from('000800070001180018c0a801', 'hex'),
  Buffer.from('ff030004deadbeef', 'hex'),
  Buffer.from('ff030005deadbeef01', 'hex'),
  Buffer.from('00fa00ff00000000', 'hex'),
  Buffer.from('0006000100000e10', 'hex'),
  Buffer.from('c00c', 'hex'),
  Buffer.from('c000', 'hex'),
  Buffer.from('00', 'hex'),
  Buffer.from('3f' + '61'.repeat(63), 'hex'),
  Buffer.from('0000010001', 'hex'),
];

/** Whole records to append (counted in the section they join): pointers (one to itself), an OPT, a SOA, a TXT, a TSIG. */
const RECORDS: readonly Buffer[] = [
  Buffer.from('c00c000100010000012c0004c0000201', 'hex'),
  Buffer.from('c00c000500010000012c0002c00c', 'hex'),
  Buffer.from('c00c00050001000000000002c02a', 'hex'),
  Buffer.from('00002904d0000080000000', 'hex'),
  Buffer.from('c00c000600010000025800160000000000010000000100000001000000010000003c', 'hex'),
  Buffer.from('c00c00100001ffffffff000504616263', 'hex'),
  Buffer.from('0000fa00ff00000000000a0000000000000000000000', 'hex'),
];
const OPTION_CODES = [3, 8, 9, 10, 11, 12, 15, 65283, 65283, 0, 65535];

/** The first OPT record (a root name and type 41): its start and where its options end, or null. */
function findOpt(b: Buffer): { start: number; end: number } | null {
  for (let at = 12; at + 11 <= b.length; at++) {
    if (b[at] !== 0 || b[at + 1] !== 0 || b[at + 2] !== 41) continue;
    const end = at + 11 + b.readUInt16BE(at + 9);
    if (end <= b.length) return { start: at, end };
  }
  return null;
}

type Mutator = (b: Buffer, r: Random, other: Buffer) => Buffer;

/** An in-place edit of inputs of at least minLength bytes (shorter ones are returned as they are). */
function inPlace(minLength: number, edit: (b: Buffer, r: Random) => void): Mutator {
  return (b, r) => {
    if (b.length >= minLength) edit(b, r);
    return b;
  };
}

const MUTATORS: readonly Mutator[] = [
  // a bit flipped
  inPlace(1, (b, r) => void (b[r.below(b.length)]! ^= 1 << r.below(8))),
  // a byte set to an interesting or random value
  inPlace(1, (b, r) => void (b[r.below(b.length)] = r.below(2) === 0 ? r.pick(BYTES) : r.below(256))),
  // a 16-bit word set to an interesting value (lengths, counts, types)
  inPlace(2, (b, r) => void b.writeUInt16BE(r.pick(WORDS), r.below(b.length - 1))),
  // a header count (QD, AN, NS, AR) set small or huge
  inPlace(12, (b, r) => void b.writeUInt16BE(r.pick([0, 1, 2, 3, 0xffff, r.below(0x10000)]), 4 + 2 * r.below(4))),
  // a compression pointer to a random offset (also itself: a loop)
  inPlace(2, (b, r) => {
    const at = r.below(b.length - 1);
    b.writeUInt16BE(0xc000 | (r.below(3) === 0 ? at : r.below(Math.min(b.length, 0x3fff))), at);
  }),
  // random bytes inserted
  (b, r) => {
    const at = r.below(b.length + 1);
    return Buffer.concat([b.subarray(0, at), r.bytes(1 + r.below(16)), b.subarray(at)]);
  },
  // a token inserted
  (b, r) => {
    const at = r.below(b.length + 1);
    return Buffer.concat([b.subarray(0, at), r.pick(DNS_TOKENS), b.subarray(at)]);
  },
  // a range deleted
  (b, r) => {
    if (b.length === 0) return b;
    const at = r.below(b.length);
    return Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + r.below(16)))]);
  },
  // a range repeated
  (b, r) => {
    if (b.length === 0) return b;
    const at = r.below(b.length);
    const chunk = b.subarray(at, Math.min(b.length, at + 1 + r.below(32)));
    return Buffer.concat([b.subarray(0, at), chunk, chunk, b.subarray(at + chunk.length)]);
  },
  // truncated
  (b, r) => b.subarray(0, r.below(b.length + 1)),
  // a whole record appended, and counted in a section
  (b, r) => {
    if (b.length < 12) return b;
    const out = Buffer.concat([b, r.pick(RECORDS)]);
    const counter = r.pick([6, 8, 10, 10]);
    out.writeUInt16BE((out.readUInt16BE(counter) + 1) & 0xffff, counter);
    return out;
  },
  // an EDNS option added to the OPT record, or one of its options resized, with the OPT's length kept right
  (b, r) => {
    const opt = findOpt(b);
    if (opt === null) return b;
    const options = b.subarray(opt.start + 11, opt.end);
    let edited: Buffer;
    if (options.length >= 4 && r.below(2) === 0) {
      const grow = r.below(9) - 4;
      const data = options.readUInt16BE(2);
      const size = Math.min(0xffff, Math.max(0, data + grow));
      const head = Buffer.from(options.subarray(0, 4));
      head.writeUInt16BE(size, 2);
      const body = options.subarray(4, 4 + Math.min(data, size));
      edited = Buffer.concat([head, body, r.bytes(size - body.length), options.subarray(4 + data)]);
    } else {
      const head = Buffer.alloc(4);
      const size = r.below(13);
      head.writeUInt16BE(r.pick(OPTION_CODES), 0);
      head.writeUInt16BE(size, 2);
      edited = Buffer.concat([options, head, r.bytes(size)]);
    }
    const out = Buffer.concat([b.subarray(0, opt.start + 11), edited, b.subarray(opt.end)]);
    out.writeUInt16BE(edited.length & 0xffff, opt.start + 9);
    return out;
  },
  // spliced with another input: this one's start, the other's end
  (b, r, other) => Buffer.concat([b.subarray(0, r.below(b.length + 1)), other.subarray(r.below(other.length + 1))]),
];

/** One to four stacked mutations of input (not changed), at most maxLength bytes. */
export function mutate(input: Buffer, r: Random, other: Buffer, maxLength: number): Buffer {
  let b: Buffer = Buffer.from(input);
  for (let n = 1 + r.below(4); n > 0; n--) b = r.pick(MUTATORS)(b, r, other);
  return b.length > maxLength ? b.subarray(0, maxLength) : b;
}
