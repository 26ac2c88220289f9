// Unit tests of the hand-written wire code: query parsing, the upstream query, error answers and client replies.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import dnsPacket from 'dns-packet';
import type { Answer } from 'dns-packet';
import { OPTION_VIA, buildLocalAnswer, buildUpstreamQuery, finalizeReply, viaPath } from './wire-edit.ts';
import { copyBytes, parseQuery, questionMatches } from './wire.ts';
import type { ParsedQuery } from './wire.ts';

function query(name: string, edns?: number, options: { code: number; data: Buffer }[] = []): Buffer {
  const additionals = edns === undefined ? [] : [{ type: 'OPT', name: '.', udpPayloadSize: edns, flags: dnsPacket.DNSSEC_OK, options } as unknown as Answer];
  return dnsPacket.encode({ type: 'query', id: 7, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name, type: 'AAAA' }], additionals });
}

function parsed(buf: Buffer): ParsedQuery {
  const r = parseQuery(buf);
  assert.equal(r.kind, 'ok');
  return (r as { query: ParsedQuery }).query;
}

describe('parseQuery', () => {
  it('reads id, lower-cased name, type, class and the OPT record', () => {
    const q = parsed(query('WwW.Corp.Example', 4096));
    assert.equal(q.id, 7);
    assert.equal(q.qname, 'www.corp.example');
    assert.equal(q.qtype, 28);
    assert.equal(q.qclass, 1);
    assert.equal(q.edns?.udpSize, 4096);
    assert.equal((q.edns?.flags ?? 0) & 0x8000, 0x8000);
  });

  it('reads a small advertised UDP size as 512', () => {
    assert.equal(parsed(query('a.example', 100)).edns?.udpSize, 512);
  });

  it('escapes bytes that are not printable and dots inside labels', () => {
    const buf = Buffer.from([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 0x61, 0x2e, 0x00, 7, ...Buffer.from('example'), 0, 0, 1, 0, 1]);
    assert.equal(parsed(buf).qname, 'a\\046\\000.example');
  });

  /** A query for the given wire labels (bytes per label). */
  const rawQuery = (labels: number[][]) =>
    Buffer.from([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, ...labels.flatMap((l) => [l.length, ...l]), 0, 0, 1, 0, 1]);
  const text = (t: string) => [...Buffer.from(t)];

  it('reads the root name as ""', () => {
    assert.equal(parsed(rawQuery([])).qname, '');
  });

  it('lower-cases an escaped name too, and a short name after a long one carries nothing over', () => {
    assert.equal(parsed(rawQuery([text('AB'), [0x00], text('Example')])).qname, 'ab.\\000.example');
    assert.equal(parsed(rawQuery([text('a-very-long-label-that-fills-the-scratch-buffer'), text('example')])).qname, 'a-very-long-label-that-fills-the-scratch-buffer.example');
    assert.equal(parsed(rawQuery([text('b'), text('example')])).qname, 'b.example');
  });

  it('accepts a 255-byte name and refuses a longer one, with or without bytes to escape', () => {
    const label = (c: number) => new Array<number>(63).fill(c);
    // Labels of 63, 63, 63 and 61 bytes make 255 bytes on the wire (with length bytes and the root): the limit.
    const ok = [label(0x61), label(0x62), label(0x63), new Array<number>(61).fill(0x64)];
    assert.equal(parsed(rawQuery(ok)).qname.length, 63 * 3 + 61 + 3);
    assert.equal(parseQuery(rawQuery([...ok, [0x65]])).kind, 'error');
    // Escaped bytes take 4 characters each, but the limit is on the wire length.
    assert.equal(parseQuery(rawQuery([label(0x00), label(0x62), label(0x63), new Array<number>(61).fill(0x64), [0x65]])).kind, 'error');
    assert.equal(parsed(rawQuery([label(0x00), label(0x62), label(0x63), new Array<number>(61).fill(0x64)])).qname.length, 63 * 4 + 63 * 2 + 61 + 3); // each zero byte reads as \\000
  });

  const bad: [string, Buffer, string][] = [
    ['empty', Buffer.alloc(0), 'drop'],
    ['a truncated header', Buffer.from([1, 2, 3, 4, 5]), 'drop'],
    ['a response', Buffer.from([0, 1, 0x81, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1]), 'drop'],
    ['two questions', Buffer.from([0, 1, 1, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1]), 'error'],
    ['no question', Buffer.from([0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]), 'error'],
    ['a label of reserved type', Buffer.from([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x50, 0x61, 0, 0, 1, 0, 1]), 'error'],
    ['a compression pointer', Buffer.from([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 0x0c, 0, 1, 0, 1]), 'error'],
    ['a label past the end', Buffer.from([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 10, 0x61, 0x62]), 'error'],
    ['no type and class', Buffer.from([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1]), 'error'],
    ['an additional record past the end', Buffer.from([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 1, 0, 0, 41, 2]), 'error'],
    ['a byte after the question', Buffer.from([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0]), 'error'],
    ['bytes after the OPT record', Buffer.from([0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 1, 0, 0, 41, 4, 0xd0, 0, 0, 0, 0, 0, 0, 0xde, 0xad]), 'error'],
  ];
  for (const [what, buf, kind] of bad) {
    it(`returns ${kind} for ${what}`, () => {
      assert.equal(parseQuery(buf).kind, kind);
    });
  }

  it('returns NOTIMP for an opcode other than QUERY', () => {
    const buf = query('a.example');
    buf[2] = buf[2]! | (2 << 3); // opcode STATUS
    const r = parseQuery(buf);
    assert.equal(r.kind === 'error' ? r.rcode : -1, 4);
  });
});

describe('buildUpstreamQuery', () => {
  const me = Buffer.from([1, 2, 3, 4]);

  it('adds an OPT with the via option to a query without one', () => {
    const client = query('a.example');
    const out = buildUpstreamQuery(client, parsed(client), 999, me, 1232);
    const decoded = dnsPacket.decode(out);
    assert.equal(decoded.id, 999);
    const opt = decoded.additionals?.[0] as unknown as { udpPayloadSize: number; options: { code: number; data: Buffer }[] };
    assert.equal(opt.udpPayloadSize, 1232);
    assert.deepEqual(opt.options.map((o) => o.code), [OPTION_VIA]);
    assert.deepEqual(viaPath(out, parsed(out)), ['01020304']);
  });

  it('caps the UDP size, keeps DO and other options, drops the cookie and extends the via path', () => {
    const client = query('a.example', 4096, [
      { code: 10, data: Buffer.alloc(8, 1) },
      { code: 15, data: Buffer.from([0, 0]) },
      { code: OPTION_VIA, data: Buffer.from([9, 9, 9, 9]) },
    ]);
    const out = buildUpstreamQuery(client, parsed(client), 1, me, 1232);
    const q = parsed(out);
    assert.equal(q.edns?.udpSize, 1232);
    assert.equal((q.edns?.flags ?? 0) & 0x8000, 0x8000);
    assert.deepEqual(viaPath(out, q), ['09090909', '01020304']);
    const opt = dnsPacket.decode(out).additionals?.[0] as unknown as { options: { code: number }[] };
    assert.deepEqual(opt.options.map((o) => o.code), [15, OPTION_VIA]);
    assert.ok(questionMatches(out, client, q.questionEnd));
  });

  it('copies kept options byte for byte, with several via ids in order (client subnet passed on when configured)', () => {
    const client = query('b.example', 1232, [
      { code: OPTION_VIA, data: Buffer.from([1, 1, 1, 1, 2, 2, 2, 2]) },
      { code: 8, data: Buffer.from([0, 1, 24, 0, 10, 1, 2]) },
    ]);
    const out = buildUpstreamQuery(client, parsed(client), 7, me, 1232, true);
    const opt = dnsPacket.decode(out).additionals?.[0] as unknown as { options: { code: number; data?: Buffer }[] };
    assert.deepEqual(viaPath(out, parsed(out)), ['01010101', '02020202', '01020304']);
    const subnet = client.indexOf(Buffer.from([0, 8, 0, 7, 0, 1, 24, 0, 10, 1, 2]));
    assert.ok(subnet > 0 && out.includes(client.subarray(subnet, subnet + 11)), 'the client-subnet option is carried unchanged');
    assert.equal(opt.options.length, 2);
  });

  it('keeps only whole ids of a client\'s via option, so that its own id is the last one (found by the fuzzer)', () => {
    const client = query('c.example', 1232, [{ code: OPTION_VIA, data: Buffer.from([9, 9, 9, 9, 5]) }]);
    const out = buildUpstreamQuery(client, parsed(client), 7, me, 1232);
    assert.deepEqual(viaPath(out, parsed(out)), ['09090909', '01020304']);
  });

  it('drops the hop-by-hop options (NSID, client subnet, EXPIRE, cookie, keepalive, padding) and asks with version 0', () => {
    const client = query('b.example', 1232, [3, 8, 9, 10, 11, 12, 15].map((code) => ({ code, data: code === 3 ? Buffer.alloc(0) : Buffer.from([0, 1, 24, 0, 10, 1, 2, 3]) })));
    client[parsed(client).edns!.start + 6] = 1; // EDNS version 1: the step before answers BADVERS, and upstream vpcdns asks with 0
    const out = buildUpstreamQuery(client, parsed(client), 7, me, 1232);
    const opt = dnsPacket.decode(out).additionals?.[0] as unknown as { options: { code: number }[] };
    assert.deepEqual(opt.options.map((o) => o.code), [15, OPTION_VIA]);
    assert.equal(parsed(out).edns?.version, 0);
  });
});

describe('copyBytes', () => {
  it('copies short and long runs from any offset to any offset', () => {
    for (const length of [0, 1, 40, 128, 129, 700]) {
      const src = Buffer.from(Array.from({ length: length + 10 }, (_, i) => (i * 7) & 0xff));
      const dst = Buffer.alloc(length + 20, 0xee);
      assert.equal(copyBytes(src, 5, 5 + length, dst, 3), length);
      assert.deepEqual(dst.subarray(3, 3 + length), src.subarray(5, 5 + length));
      assert.ok(dst.subarray(0, 3).every((b) => b === 0xee) && dst.subarray(3 + length).every((b) => b === 0xee), `length ${length}: nothing outside the run is written`);
    }
  });
});

describe('buildLocalAnswer', () => {
  it('echoes id, RD and the question with the given rcode', () => {
    const client = query('a.example', 1232);
    const q = parsed(client);
    const decoded = dnsPacket.decode(buildLocalAnswer(client, 2, q.questionEnd, q.edns)) as ReturnType<typeof dnsPacket.decode> & { rcode: string };
    assert.equal(decoded.id, 7);
    assert.equal(decoded.rcode, 'SERVFAIL');
    assert.equal(decoded.flag_rd, true);
    assert.equal(decoded.questions?.[0]?.name, 'a.example');
    assert.equal(decoded.additionals?.[0]?.type, 'OPT');
  });
});

describe('finalizeReply', () => {
  const answers: Answer[] = Array.from({ length: 20 }, (_, i) => ({ type: 'TXT', name: 'a.example', ttl: 60, data: `${i} ${'y'.repeat(40)}` }));
  const upstreamReply = (): Buffer =>
    dnsPacket.encode({ type: 'response', id: 555, questions: [{ name: 'a.example', type: 'AAAA' }], answers, additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232, flags: 0, options: [] } as unknown as Answer] });

  it('restores the client id and question case and strips OPT for a client without EDNS', () => {
    const client = query('A.Example');
    const out = dnsPacket.decode(finalizeReply(upstreamReply(), client, parsed(client), 65535));
    assert.equal(out.id, 7);
    assert.equal(out.questions?.[0]?.name, 'A.Example');
    assert.equal(out.additionals?.length, 0);
    assert.equal(out.answers?.length, 20);
  });

  it('truncates to header and question with TC when the client cannot take the size', () => {
    const client = query('a.example');
    const buf = finalizeReply(upstreamReply(), client, parsed(client), 512);
    const out = dnsPacket.decode(buf);
    assert.equal(out.flag_tc, true);
    assert.equal(out.answers?.length, 0);
    assert.ok(buf.length <= 512);
  });

  it('writes the header of a forwarding resolver: RA set, AA clear, RD and CD the client\'s, AD only for DO or AD', () => {
    const rawReply = upstreamReply();
    rawReply.writeUInt16BE(0x8000 | 0x0400 | 0x0020 | 0x0003, 2); // QR AA AD NXDOMAIN, RA and RD clear
    const client = query('a.example');
    client.writeUInt16BE(0x0110, 2); // RD and CD
    const out = finalizeReply(rawReply, client, parsed(client), 65535);
    assert.equal(out.readUInt16BE(2), 0x8000 | 0x0100 | 0x0080 | 0x0010 | 0x0003);
    const withDo = query('a.example', 1232); // DO set, RD set
    const again = upstreamReply();
    again.writeUInt16BE(0x8000 | 0x0400 | 0x0020, 2);
    assert.equal(finalizeReply(again, withDo, parsed(withDo), 65535).readUInt16BE(2), 0x8000 | 0x0100 | 0x0080 | 0x0020);
  });
});

describe('parseQuery: what is checked first', () => {
  it('answers an unknown opcode NOTIMP before looking at the question count, with the OPT it could read', () => {
    const headerOnly = Buffer.from([0, 1, 15 << 3, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    const r = parseQuery(headerOnly);
    assert.deepEqual(r.kind === 'error' ? [r.rcode, r.questionEnd, r.edns] : r.kind, [4, -1, null]);
    const notify = query('a.example', 1232);
    notify[2] = notify[2]! | (4 << 3);
    const n = parseQuery(notify);
    assert.deepEqual(n.kind === 'error' ? [n.rcode, n.edns?.version] : n.kind, [4, 0]);
  });

  it('answers bytes after the last record FORMERR, echoing the question and the OPT it read', () => {
    const trailing = Buffer.concat([query('a.example', 1232), Buffer.from('tail')]);
    const r = parseQuery(trailing);
    assert.deepEqual(r.kind === 'error' ? [r.rcode, r.questionEnd, r.edns?.udpSize, r.reason] : r.kind, [1, 12 + 11 + 4, 1232, 'bytes after the last record']);
  });

  it('notes whether the client asked for NSID, and where a last TSIG record is', () => {
    assert.equal(parsed(query('a.example', 1232, [{ code: 3, data: Buffer.alloc(0) }])).edns?.nsid, true);
    assert.equal(parsed(query('a.example', 1232)).edns?.nsid, false);
    assert.equal(parsed(query('a.example', 1232)).tsigStart, -1);
  });
});
