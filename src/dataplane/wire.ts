// Hot-path DNS wire parsing by hand: the header, the question and the query's EDNS0 OPT record.
import { OPTION_NSID } from './edns-options.ts';

export const HEADER_SIZE = 12;
export const TYPE_OPT = 41;
export const TYPE_SOA = 6;
export const TYPE_TSIG = 250;

/** Rcodes vpcdns answers with; above 15 the upper 8 bits go in the OPT record (RFC 6891 6.1.3). */
export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5, NOTAUTH: 9, BADVERS: 16 } as const;

const FLAG_QR = 0x8000;
const FLAG_TC = 0x0200;
const FLAG_CD = 0x0010;

/** The client's EDNS0 OPT record, located inside the query buffer. */
export interface QueryEdns {
  readonly udpSize: number; // as advertised, values below 512 read as 512
  readonly flags: number; // the 16 flag bits of the OPT TTL field (DO is 0x8000)
  readonly version: number;
  readonly start: number; // offset of the OPT RR
  readonly end: number; // offset just after it
  readonly optionsStart: number; // offset of the first option in its RDATA
  readonly nsid: boolean; // the client asked for the server's NSID (RFC 5001)
}

/** What the data plane needs from a query; everything else is forwarded as bytes. */
export interface ParsedQuery {
  readonly id: number;
  readonly flags: number;
  readonly qname: string; // lower case, no trailing dot, "" for the root; odd bytes as \DDD
  readonly qtype: number;
  readonly qclass: number;
  readonly questionEnd: number; // offset just after QTYPE/QCLASS
  readonly edns: QueryEdns | null;
  /** Offset of the TSIG record (the last one, RFC 8945 5.1), or -1 when the query is not signed. */
  readonly tsigStart: number;
}

export type QueryParse =
  | { readonly kind: 'ok'; readonly query: ParsedQuery }
  | { readonly kind: 'drop'; readonly reason: string }
  /**
   * The header is sound but the query cannot be answered: answer with rcode, echoing the question when it
   * parsed (questionEnd > 0), with an OPT when the query's could be read (edns).
   */
  | { readonly kind: 'error'; readonly rcode: number; readonly questionEnd: number; readonly edns: QueryEdns | null; readonly reason: string };

export function rcodeOf(buf: Buffer): number {
  return buf[3]! & 0x0f;
}

export function isTruncated(buf: Buffer): boolean {
  return (buf.readUInt16BE(2) & FLAG_TC) !== 0;
}

export function isResponse(buf: Buffer): boolean {
  return (buf.readUInt16BE(2) & FLAG_QR) !== 0;
}

export function checkingDisabled(flags: number): boolean {
  return (flags & FLAG_CD) !== 0;
}

/** Where readQuestionName writes a name: at most 253 label bytes of 4 characters each (\\DDD) and the dots. */
const nameScratch = Buffer.allocUnsafe(1280);
const BACKSLASH = 0x5c;

/**
 * Reads the name at offset as a lower-case presentation string without following compression
 * pointers (a question never needs them). Returns the offset after the name, or null if malformed.
 * Bytes that are not printable, and "." or "\\" inside a label, come out as \DDD. The text is written
 * into a scratch buffer and decoded once, so that it is one flat string (cheap to hash as a cache key).
 */
export function readQuestionName(buf: Buffer, offset: number): { name: string; end: number } | null {
  let pos = offset;
  let out = 0;
  let wireLength = 0;
  for (;;) {
    if (pos >= buf.length) return null;
    const len = buf[pos]!;
    if (len === 0) return { name: nameScratch.toString('latin1', 0, out), end: pos + 1 };
    if (len > 63) return null; // a pointer or a reserved label type
    wireLength += len + 1;
    if (wireLength > 254 || pos + 1 + len > buf.length) return null;
    if (out > 0) nameScratch[out++] = 0x2e;
    for (let i = pos + 1; i <= pos + len; i++) {
      const c = buf[i]!;
      if (c >= 0x41 && c <= 0x5a) nameScratch[out++] = c + 32;
      else if (c > 0x20 && c < 0x7f && c !== 0x2e && c !== BACKSLASH) nameScratch[out++] = c;
      else {
        nameScratch[out++] = BACKSLASH;
        nameScratch[out++] = 0x30 + Math.floor(c / 100);
        nameScratch[out++] = 0x30 + (Math.floor(c / 10) % 10);
        nameScratch[out++] = 0x30 + (c % 10);
      }
    }
    pos += 1 + len;
  }
}

/** Skips a possibly compressed name; returns the offset after it or -1. */
export function skipName(buf: Buffer, offset: number): number {
  let pos = offset;
  for (;;) {
    if (pos >= buf.length) return -1;
    const len = buf[pos]!;
    if (len === 0) return pos + 1;
    if ((len & 0xc0) === 0xc0) return pos + 2 <= buf.length ? pos + 2 : -1;
    if (len > 63) return -1;
    pos += 1 + len;
  }
}

/** Skips one resource record; returns the offset after it or -1. */
export function skipRecord(buf: Buffer, offset: number): number {
  const afterName = skipName(buf, offset);
  if (afterName < 0 || afterName + 10 > buf.length) return -1;
  const end = afterName + 10 + buf.readUInt16BE(afterName + 8);
  return end <= buf.length ? end : -1;
}

/** Parses a client query. Never throws. */
export function parseQuery(buf: Buffer): QueryParse {
  if (buf.length < HEADER_SIZE) return { kind: 'drop', reason: 'shorter than a header' };
  const flags = buf.readUInt16BE(2);
  if ((flags & FLAG_QR) !== 0) return { kind: 'drop', reason: 'a response, not a query' };
  const qdcount = buf.readUInt16BE(4);
  const qn = qdcount === 1 ? readQuestionName(buf, HEADER_SIZE) : null;
  const questionEnd = qn !== null && qn.end + 4 <= buf.length ? qn.end + 4 : -1;
  // The records after the question (or after the header, with no question) hold the OPT, if they can be read.
  const recordsStart = questionEnd > 0 ? questionEnd : qdcount === 0 ? HEADER_SIZE : -1;
  const edns = recordsStart > 0 ? findQueryOpt(buf, recordsStart) : 'malformed';
  const readableEdns = edns === 'malformed' ? null : edns;
  // The opcode first (RFC 1035 4.1.1): an opcode vpcdns does not implement is NOTIMP whatever the question.
  const opcode = (flags >> 11) & 0x0f;
  if (opcode !== 0) return { kind: 'error', rcode: RCODE.NOTIMP, questionEnd, edns: readableEdns, reason: `opcode ${opcode}` };
  if (qdcount !== 1) return { kind: 'error', rcode: RCODE.FORMERR, questionEnd: -1, edns: readableEdns, reason: `qdcount ${qdcount}` };
  if (questionEnd < 0) return { kind: 'error', rcode: RCODE.FORMERR, questionEnd: -1, edns: null, reason: 'malformed question' };
  if (edns === 'malformed') {
    return { kind: 'error', rcode: RCODE.FORMERR, questionEnd, edns: null, reason: 'malformed records after the question' };
  }
  if (foundTsigStart === TSIG_NOT_LAST) return { kind: 'error', rcode: RCODE.FORMERR, questionEnd, edns, reason: 'a TSIG record that is not the last' };
  // Bytes after the last record the counts announce: not a DNS message to pass on (nor to append an OPT after).
  if (foundRecordsEnd !== buf.length) return { kind: 'error', rcode: RCODE.FORMERR, questionEnd, edns, reason: 'bytes after the last record' };
  return {
    kind: 'ok',
    query: {
      id: buf.readUInt16BE(0),
      flags,
      qname: qn!.name,
      qtype: buf.readUInt16BE(qn!.end),
      qclass: buf.readUInt16BE(qn!.end + 2),
      questionEnd,
      edns,
      tsigStart: foundTsigStart,
    },
  };
}

const TSIG_NOT_LAST = -2;
/** Where findQueryOpt found a TSIG record (-1: none; TSIG_NOT_LAST): a second result without an object per query. */
let foundTsigStart = -1;
/** Where findQueryOpt found the records to end: a third. */
let foundRecordsEnd = -1;

function findQueryOpt(buf: Buffer, recordsStart: number): QueryEdns | null | 'malformed' {
  const an = buf.readUInt16BE(6);
  const ns = buf.readUInt16BE(8);
  const ar = buf.readUInt16BE(10);
  foundTsigStart = -1;
  let pos = recordsStart;
  for (let i = 0; i < an + ns; i++) {
    pos = skipRecord(buf, pos);
    if (pos < 0) return 'malformed';
  }
  let edns: QueryEdns | null = null;
  for (let i = 0; i < ar; i++) {
    const start = pos;
    pos = skipRecord(buf, pos);
    if (pos < 0) return 'malformed';
    const afterName = skipName(buf, start);
    const type = buf.readUInt16BE(afterName);
    if (type === TYPE_TSIG) foundTsigStart = i === ar - 1 ? start : TSIG_NOT_LAST;
    if (buf[start] === 0 && type === TYPE_OPT) {
      if (edns !== null) return 'malformed'; // RFC 6891 6.1.1: more than one OPT is FORMERR
      const options = scanOptions(buf, start + 11, pos);
      if (options < 0) return 'malformed';
      edns = {
        udpSize: Math.max(512, buf.readUInt16BE(start + 3)),
        version: buf[start + 6]!,
        flags: buf.readUInt16BE(start + 7),
        start,
        end: pos,
        optionsStart: start + 11,
        nsid: (options & HAS_NSID) !== 0,
      };
    }
  }
  foundRecordsEnd = pos;
  return edns;
}

const HAS_NSID = 1;

/** Checks the options' framing: -1 if broken, else a mask of the options the query carries that matter here. */
function scanOptions(buf: Buffer, start: number, end: number): number {
  let found = 0;
  let pos = start;
  while (pos < end) {
    if (pos + 4 > end) return -1;
    if (buf.readUInt16BE(pos) === OPTION_NSID) found |= HAS_NSID;
    pos += 4 + buf.readUInt16BE(pos + 2);
  }
  return pos === end ? found : -1;
}

/** Calls fn(code, dataStart, dataEnd) for each EDNS option between start and end. */
export function forEachOption(buf: Buffer, start: number, end: number, fn: (code: number, from: number, to: number) => void): void {
  let pos = start;
  while (pos + 4 <= end) {
    const len = buf.readUInt16BE(pos + 2);
    const to = Math.min(end, pos + 4 + len);
    fn(buf.readUInt16BE(pos), pos + 4, to);
    pos = to;
  }
}

/**
 * Whether an upstream reply can be relayed: every record its counts announce can be walked, nothing
 * follows the last one, and it has at most one OPT record, in the additional section. A reply that is not
 * is a broken server's (the attempt fails as garbage): relayed, it would slip past the OPT edits.
 */
export function replyIsWellFormed(buf: Buffer, questionEnd: number): boolean {
  const firstAdditional = buf.readUInt16BE(6) + buf.readUInt16BE(8);
  const total = firstAdditional + buf.readUInt16BE(10);
  let pos = questionEnd;
  let opts = 0;
  for (let i = 0; i < total; i++) {
    const start = pos;
    pos = skipRecord(buf, pos);
    if (pos < 0) return false;
    const afterName = skipName(buf, start);
    if (buf.readUInt16BE(afterName) === TYPE_OPT && (i < firstAdditional || buf[start] !== 0 || ++opts > 1)) return false;
  }
  return pos === buf.length;
}

/** True if the reply's question equals the query's (name compared case-insensitively). */
export function questionMatches(reply: Buffer, query: Buffer, queryQuestionEnd: number): boolean {
  if (reply.length < queryQuestionEnd || reply.readUInt16BE(4) !== 1) return false;
  for (let i = HEADER_SIZE; i < queryQuestionEnd; i++) {
    let a = reply[i]!;
    let b = query[i]!;
    if (a === b) continue;
    if (a >= 0x41 && a <= 0x5a) a += 32;
    if (b >= 0x41 && b <= 0x5a) b += 32;
    if (a !== b) return false;
  }
  // The query's name parsed without pointers, so an equal prefix means an equal name, type and class.
  return true;
}

/**
 * Copies src[from, to) into dst at offset at and returns the count (dst must have room). Short runs go
 * byte by byte: in Node 20, Buffer.copy of part of a buffer builds a typed-array view on every call,
 * which costs more than copying the few dozen bytes of a DNS question or answer.
 */
export function copyBytes(src: Uint8Array, from: number, to: number, dst: Uint8Array, at: number): number {
  const n = to - from;
  if (n > 128) dst.set(src.subarray(from, to), at);
  else for (let i = 0; i < n; i++) dst[at + i] = src[from + i]!;
  return n;
}
