// Building wire messages from raw bytes: the upstream query (with the loop marker), error answers, and the reply for the client.
import { HEADER_SIZE, TYPE_OPT, copyBytes, forEachOption, skipRecord } from './wire.ts';
import type { ParsedQuery, QueryEdns } from './wire.ts';
import { OPTION_VIA, forwardsOption } from './edns-options.ts';

export { OPTION_VIA } from './edns-options.ts';
const VIA_ID_SIZE = 4;
const FLAG_QR = 0x8000;
const FLAG_AA = 0x0400;
const FLAG_TC = 0x0200;
const FLAG_RD = 0x0100;
const FLAG_RA = 0x0080;
const FLAG_AD = 0x0020;
const FLAG_CD = 0x0010;
const OPCODE_MASK = 0x7800;
const DO_BIT = 0x8000;
/** The EDNS UDP size vpcdns advertises in its own OPT records (RFC 9715 / DNS Flag Day 2020). */
export const OWN_UDP_SIZE = 1232;

/** The instance ids (4-byte hex) found in the query's via option: who has already forwarded it. */
export function viaPath(buf: Buffer, query: ParsedQuery): string[] {
  const edns = query.edns;
  if (edns === null) return [];
  const ids: string[] = [];
  forEachOption(buf, edns.optionsStart, edns.end, (code, from, to) => {
    if (code !== OPTION_VIA) return;
    for (let p = from; p + VIA_ID_SIZE <= to; p += VIA_ID_SIZE) ids.push(buf.toString('hex', p, p + VIA_ID_SIZE));
  });
  return ids;
}

/**
 * The query to send upstream: a new id, the client's question and records verbatim, and an OPT (version
 * 0) advertising udpSize with the client's DO bit and options, minus the hop-by-hop ones (edns-options.ts),
 * plus the via option extended with this instance's id.
 */
export function buildUpstreamQuery(buf: Buffer, query: ParsedQuery, id: number, instanceId: Buffer, udpSize: number, passClientSubnet = false): Buffer {
  const edns = query.edns;
  // Two passes over the client's options (sizes, then bytes) rather than lists of slices: this runs for
  // every forwarded query, and most carry no option at all.
  let viaLength = instanceId.length;
  let keptLength = 0;
  if (edns !== null) {
    for (let pos = edns.optionsStart; pos + 4 <= edns.end; ) {
      const to = Math.min(edns.end, pos + 4 + buf.readUInt16BE(pos + 2));
      const code = buf.readUInt16BE(pos);
      // Whole ids only: a client's option of another length would shift ours out of place (a loop unseen).
      if (code === OPTION_VIA) viaLength += (to - pos - 4) & ~(VIA_ID_SIZE - 1);
      else if (forwardsOption(code, passClientSubnet)) keptLength += to - pos;
      pos = to;
    }
  }
  const rdLength = keptLength + 4 + viaLength;
  const headEnd = edns === null ? buf.length : edns.start;
  const tailLength = edns === null ? 0 : buf.length - edns.end;
  const out = Buffer.allocUnsafe(headEnd + tailLength + 11 + rdLength);
  copyBytes(buf, 0, headEnd, out, 0);
  let pos = headEnd;
  if (tailLength > 0) pos += copyBytes(buf, edns!.end, buf.length, out, pos);
  out[pos] = 0;
  out.writeUInt16BE(TYPE_OPT, pos + 1);
  out.writeUInt16BE(udpSize, pos + 3);
  out[pos + 5] = 0; // extended rcode
  out[pos + 6] = 0; // version: vpcdns answers any other itself (BADVERS)
  out.writeUInt16BE(edns === null ? 0 : edns.flags & DO_BIT, pos + 7);
  out.writeUInt16BE(rdLength, pos + 9);
  pos += 11;
  const viaAt = pos + keptLength;
  out.writeUInt16BE(OPTION_VIA, viaAt);
  out.writeUInt16BE(viaLength, viaAt + 2);
  let viaPos = viaAt + 4;
  if (edns !== null) {
    for (let at = edns.optionsStart; at + 4 <= edns.end; ) {
      const to = Math.min(edns.end, at + 4 + buf.readUInt16BE(at + 2));
      const code = buf.readUInt16BE(at);
      if (code === OPTION_VIA) viaPos += copyBytes(buf, at + 4, at + 4 + ((to - at - 4) & ~(VIA_ID_SIZE - 1)), out, viaPos);
      else if (forwardsOption(code, passClientSubnet)) pos += copyBytes(buf, at, to, out, pos);
      at = to;
    }
  }
  copyBytes(instanceId, 0, instanceId.length, out, viaPos);
  out.writeUInt16BE(id, 0);
  if (edns === null) out.writeUInt16BE(out.readUInt16BE(10) + 1, 10);
  return out;
}

/** What an answer made here carries besides the question and the OPT. */
export interface LocalRecords {
  /** AA: vpcdns authored the data (a CHAOS answer, later a private zone). */
  readonly authoritative: boolean;
  /** Answer records as wire bytes (names may point only at the question, offset 12). */
  readonly answers: Buffer | null;
  readonly answerCount: number;
  /** A record to put after the OPT (a TSIG record, which must be last), or null. */
  readonly last: Buffer | null;
}

/**
 * An answer made here (SERVFAIL, REFUSED, FORMERR, NOTIMP, BADVERS, a CHAOS TXT...): the client's id,
 * opcode and RD; RA, and CD copied, for a QUERY (RFC 1035 leaves RA undefined for other opcodes); the
 * question echoed when questionEnd > 0; vpcdns's own OPT when the query had one (RFC 6891 7), carrying
 * the upper bits of an rcode above 15 and the client's DO bit.
 */
export function buildLocalAnswer(buf: Buffer, rcode: number, questionEnd: number, edns: QueryEdns | null, records: LocalRecords | null = null): Buffer {
  const qLength = questionEnd > HEADER_SIZE ? questionEnd - HEADER_SIZE : 0;
  const answersLength = records?.answers?.length ?? 0;
  const lastLength = records?.last?.length ?? 0;
  const out = Buffer.alloc(HEADER_SIZE + qLength + answersLength + (edns !== null ? 11 : 0) + lastLength);
  out.writeUInt16BE(buf.readUInt16BE(0), 0);
  const flags = buf.readUInt16BE(2);
  let outFlags = FLAG_QR | (flags & (OPCODE_MASK | FLAG_RD)) | (rcode & 0x0f);
  if ((flags & OPCODE_MASK) === 0) outFlags |= FLAG_RA | (flags & FLAG_CD);
  if (records?.authoritative === true) outFlags |= FLAG_AA;
  out.writeUInt16BE(outFlags, 2);
  out.writeUInt16BE(qLength > 0 ? 1 : 0, 4);
  let pos = HEADER_SIZE;
  if (qLength > 0) pos += copyBytes(buf, HEADER_SIZE, questionEnd, out, pos);
  if (records?.answers) {
    pos += copyBytes(records.answers, 0, answersLength, out, pos);
    out.writeUInt16BE(records.answerCount, 6);
  }
  let additional = 0;
  if (edns !== null) {
    writeOwnOpt(out, pos, rcode >> 4, (edns.flags & DO_BIT) !== 0);
    pos += 11;
    additional++;
  }
  if (records?.last) {
    copyBytes(records.last, 0, lastLength, out, pos);
    additional++;
  }
  out.writeUInt16BE(additional, 10);
  return out;
}

/** vpcdns's own OPT record, without options: its UDP size, version 0. */
function writeOwnOpt(out: Buffer, pos: number, extendedRcode: number, doBit: boolean): void {
  out[pos] = 0;
  out.writeUInt16BE(TYPE_OPT, pos + 1);
  out.writeUInt16BE(OWN_UDP_SIZE, pos + 3);
  out[pos + 5] = extendedRcode;
  out[pos + 6] = 0;
  out.writeUInt16BE(doBit ? DO_BIT : 0, pos + 7);
  out.writeUInt16BE(0, pos + 9);
}

/** Where the OPT RR sits in a reply, found by walking every record; null if none or unparsable. */
export function findReplyOpt(buf: Buffer, questionEnd: number): { start: number; end: number } | null {
  const total = buf.readUInt16BE(6) + buf.readUInt16BE(8) + buf.readUInt16BE(10);
  const firstAdditional = buf.readUInt16BE(6) + buf.readUInt16BE(8);
  let pos = questionEnd;
  for (let i = 0; i < total; i++) {
    const start = pos;
    pos = skipRecord(buf, pos);
    if (pos < 0) return null;
    if (i >= firstAdditional && buf[start] === 0 && buf.readUInt16BE(start + 1) === TYPE_OPT) return { start, end: pos };
  }
  return null;
}

/**
 * Adapts an upstream (or cached) reply for one client, in place where possible: the client's id and
 * question bytes (so 0x20 case randomisation survives); the header bits of a forwarding resolver (RA
 * set, AA cleared, RD and CD the client's, AD only for a client that asked with DO or AD, RFC 6840 5.8);
 * no OPT if the client sent none (RFC 6891 7); and a TC=1 header-and-question reply when it would exceed
 * maxSize.
 */
export function finalizeReply(reply: Buffer, client: Buffer, query: ParsedQuery, maxSize: number): Buffer {
  let out = reply;
  out.writeUInt16BE(query.id, 0);
  const replyFlags = out.readUInt16BE(2);
  const wantsAd = (query.flags & FLAG_AD) !== 0 || (query.edns !== null && (query.edns.flags & DO_BIT) !== 0);
  out.writeUInt16BE(FLAG_QR | FLAG_RA | (replyFlags & (FLAG_TC | 0x000f | (wantsAd ? FLAG_AD : 0))) | (query.flags & (FLAG_RD | FLAG_CD)), 2);
  copyBytes(client, HEADER_SIZE, query.questionEnd, out, HEADER_SIZE);
  if (query.edns === null && out.readUInt16BE(10) > 0) {
    const opt = findReplyOpt(out, query.questionEnd);
    if (opt !== null) {
      // In place: the reply is this query's own copy (the cache keeps another).
      out.copyWithin(opt.start, opt.end);
      out = out.subarray(0, out.length - (opt.end - opt.start));
      out.writeUInt16BE(out.readUInt16BE(10) - 1, 10);
    }
  }
  return truncateFor(out, query, maxSize);
}

/** reply, or a TC=1 header-and-question reply when reply is larger than maxSize. */
export function truncateFor(reply: Buffer, query: ParsedQuery, maxSize: number): Buffer {
  return reply.length <= maxSize ? reply : truncatedReply(reply, query);
}

function truncatedReply(reply: Buffer, query: ParsedQuery): Buffer {
  const withOpt = query.edns !== null;
  const out = Buffer.alloc(query.questionEnd + (withOpt ? 11 : 0));
  copyBytes(reply, 0, query.questionEnd, out, 0);
  out.writeUInt16BE(out.readUInt16BE(2) | FLAG_TC, 2);
  out.writeUInt16BE(0, 6);
  out.writeUInt16BE(0, 8);
  out.writeUInt16BE(withOpt ? 1 : 0, 10);
  if (withOpt) writeOwnOpt(out, query.questionEnd, 0, (query.edns.flags & DO_BIT) !== 0);
  return out;
}

/** The largest reply a client can take over its transport. */
export function clientMaxSize(query: ParsedQuery, transport: 'udp' | 'tcp'): number {
  if (transport === 'tcp') return 65535;
  return query.edns === null ? 512 : query.edns.udpSize;
}
