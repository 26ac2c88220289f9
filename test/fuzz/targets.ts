// Fuzz targets of the DNS wire code: a client's query through parsing and every edit made of it, and an upstream's reply through the reply path.
// Each throws (a finding) when the code under test throws or breaks one of the properties checked here.
import { ManualClock } from '../../src/domain/clock.ts';
import { PacketCache, cacheFlags } from '../../src/dataplane/cache.ts';
import { ReplyEdnsEditor, withNsid } from '../../src/dataplane/reply-edns.ts';
import { CacheVerdict, scanReplyForCache } from '../../src/dataplane/reply-scan.ts';
import { buildLocalAnswer, buildUpstreamQuery, clientMaxSize, finalizeReply, findReplyOpt, truncateFor, viaPath } from '../../src/dataplane/wire-edit.ts';
import { HEADER_SIZE, RCODE, TYPE_OPT, isResponse, parseQuery, questionMatches, replyIsWellFormed, type ParsedQuery } from '../../src/dataplane/wire.ts';

export interface FuzzTarget {
  readonly name: string;
  /** Runs one input; throws when a property does not hold. */
  run(input: Buffer): void;
}

class PropertyFailure extends Error {}

function check(ok: boolean, what: string): void {
  if (!ok) throw new PropertyFailure(what);
}

const INSTANCE = Buffer.from([0xde, 0xad, 0xbe, 0xef]);
const NSID = Buffer.from('fuzz-node');

/** An answer made here: the client's id, QR, the rcode asked for, the question echoed as it was. */
function checkLocalAnswer(msg: Buffer, answer: Buffer, rcode: number, questionEnd: number): void {
  check(answer.length >= HEADER_SIZE, 'local answer shorter than a header');
  check(answer.readUInt16BE(0) === msg.readUInt16BE(0), 'local answer id');
  check(isResponse(answer) && (answer[3]! & 0x0f) === (rcode & 0x0f), 'local answer QR and rcode');
  if (questionEnd > HEADER_SIZE) check(answer.subarray(HEADER_SIZE, questionEnd).equals(msg.subarray(HEADER_SIZE, questionEnd)), 'local answer question');
}

/** The query as a client sends it: parsed, and when it parses, sent upstream and answered locally. */
export const queryTarget: FuzzTarget = {
  name: 'query',
  run(msg) {
    const parsed = parseQuery(msg);
    if (parsed.kind === 'drop') {
      check(msg.length < HEADER_SIZE || isResponse(msg), `dropped: ${parsed.reason}`);
      return;
    }
    if (parsed.kind === 'error') {
      check(parsed.questionEnd <= msg.length, 'error questionEnd past the end');
      checkLocalAnswer(msg, buildLocalAnswer(msg, parsed.rcode, parsed.questionEnd, parsed.edns), parsed.rcode, parsed.questionEnd);
      return;
    }
    const q = parsed.query;
    check(q.questionEnd <= msg.length && (q.edns === null || q.edns.end <= msg.length), 'offsets inside the message');
    check(q.qname.length <= 253 * 4, 'qname length');
    viaPath(msg, q);
    for (const rcode of [RCODE.SERVFAIL, RCODE.REFUSED, RCODE.BADVERS]) checkLocalAnswer(msg, buildLocalAnswer(msg, rcode, q.questionEnd, q.edns), rcode, q.questionEnd);
    // What the steps before forward answer themselves (BADVERS, NOTAUTH for TSIG) is never sent upstream.
    if (q.tsigStart >= 0 || (q.edns !== null && q.edns.version !== 0)) return;
    // The upstream query parses again: same question, one OPT of version 0 whose via option ends with this instance.
    const upstream = buildUpstreamQuery(msg, q, 0x4242, INSTANCE, 1232, (msg[1]! & 1) === 1);
    const again = parseQuery(upstream);
    check(again.kind === 'ok', `the upstream query does not parse: ${again.kind === 'ok' ? '' : again.reason}`);
    const u = (again as { query: ParsedQuery }).query;
    check(u.id === 0x4242 && u.qname === q.qname && u.qtype === q.qtype && u.qclass === q.qclass, 'upstream question');
    check(u.edns !== null && u.edns.version === 0 && u.edns.udpSize === 1232, 'upstream OPT');
    const via = viaPath(upstream, u);
    check(via.at(-1) === INSTANCE.toString('hex'), 'upstream via ends with this instance');
    check(upstream.length <= msg.length + 11 + 4 + 4, 'upstream query grew by more than an OPT and a via id');
  },
};

// The reply target answers this fixed query of each client: one asking with EDNS (DO, NSID) over UDP, one without EDNS.
const CLIENTS = [
  Buffer.from('beef0100000100000000000103777777076578616d706c65036f72670000010001' + '0000290' + '4d0' + '0000' + '8000' + '0004' + '00030000', 'hex'),
  Buffer.from('beef01000001000000000000' + '03777777076578616d706c65036f72670000010001', 'hex'),
].map((msg) => {
  const parsed = parseQuery(msg);
  if (parsed.kind !== 'ok') throw new Error('reply target client query does not parse');
  return { msg, query: parsed.query };
});
/** The question as the fixed query asks it: a reply must echo it (as the upstream pool checks) to reach the reply path. */
export const REPLY_QUESTION_END = CLIENTS[1]!.query.questionEnd;

const clock = new ManualClock(0);
const cache = new PacketCache(64, clock, 1, { maxBytes: 1 << 20, maxEntryBytes: 65535 });
const editors = [new ReplyEdnsEditor(false), new ReplyEdnsEditor(true)];
const verdict = new CacheVerdict();
const limits = { maxTtl: 86400, maxNegativeTtl: 3600 };

/** The adapted reply a client gets: its id and question, within its size, one OPT exactly when it asked with one. */
function checkClientReply(out: Buffer, client: { msg: Buffer; query: ParsedQuery }, maxSize: number): void {
  const q = client.query;
  check(out.length <= maxSize, `reply of ${out.length} bytes for a client that takes ${maxSize}`);
  check(out.length >= q.questionEnd, 'reply shorter than its question');
  check(out.readUInt16BE(0) === q.id && isResponse(out), 'reply id and QR');
  check(out.subarray(HEADER_SIZE, q.questionEnd).equals(client.msg.subarray(HEADER_SIZE, q.questionEnd)), 'reply question');
  if (q.edns === null && out.readUInt16BE(10) > 0) {
    const opt = findReplyOpt(out, q.questionEnd);
    check(opt === null, 'an OPT for a client without EDNS');
  }
}

/** An upstream's reply to the fixed query, through what the resolver does with it: OPT, cache, client edits, NSID, truncation. */
export const replyTarget: FuzzTarget = {
  name: 'reply',
  run(input) {
    // As the upstream pool checks before anything else sees a reply.
    if (input.length < HEADER_SIZE || !isResponse(input) || !questionMatches(input, CLIENTS[1]!.msg, REPLY_QUESTION_END)) return;
    // As the forwarder checks: a reply it cannot walk, or with two OPT records, is a failed attempt.
    if (!replyIsWellFormed(input, REPLY_QUESTION_END)) return;
    for (const client of CLIENTS) {
      const q = client.query;
      const editor = editors[input[1]! & 1]!;
      const own = editor.ownOpt(Buffer.from(input), q.questionEnd, q.edns !== null);
      check(own.length >= q.questionEnd, 'ownOpt cut into the question');
      if (q.edns !== null && findReplyOpt(own, q.questionEnd) !== null) {
        const opt = findReplyOpt(own, q.questionEnd)!;
        check(own[opt.start + 6] === 0 && own.readUInt16BE(opt.start + 3) === 1232 && own[opt.start] === 0 && own.readUInt16BE(opt.start + 1) === TYPE_OPT, 'own OPT');
      }
      scanReplyForCache(own, q.questionEnd, limits, verdict);
      check(verdict.ttl >= 0 && verdict.ttl <= limits.maxTtl, 'cache TTL within limits');
      for (let i = 0; i < verdict.ttlCount; i++) check(verdict.ttlOffsets[i]! + 4 <= own.length, 'TTL offset inside the reply');
      let served = own;
      if (verdict.ttl > 0 && !editor.clientSubnet) {
        const flags = cacheFlags(q.edns !== null && (q.edns.flags & 0x8000) !== 0, false);
        cache.set('v', q.qname, q.qtype, q.qclass, flags, own, verdict);
        clock.advance(1500);
        const hit = cache.get('v', q.qname, q.qtype, q.qclass, flags);
        if (hit !== undefined) {
          check(hit.length === own.length, 'a cache hit of another length');
          served = hit;
        }
      }
      for (const maxSize of [clientMaxSize(q, 'udp'), clientMaxSize(q, 'tcp')]) {
        let out = finalizeReply(Buffer.from(served), client.msg, q, maxSize);
        checkClientReply(out, client, maxSize);
        if (q.edns?.nsid === true) {
          out = truncateFor(withNsid(out, q.questionEnd, NSID), q, maxSize);
          checkClientReply(out, client, maxSize);
        }
      }
    }
  },
};

export const TARGETS: readonly FuzzTarget[] = [queryTarget, replyTarget];
