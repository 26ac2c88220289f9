// The fuzzer's starting points, made here so that they can be read: queries of every shape the parser knows, and replies to the reply target's query.
import dnsPacket from 'dns-packet';
import type { Answer, Packet } from 'dns-packet';

const opt = (options: { code: number; data: Buffer }[] = [], flags = 0): Answer =>
  ({ type: 'OPT', name: '.', udpPayloadSize: 1232, flags, options }) as unknown as Answer;

function query(p: Partial<Packet>): Buffer {
  return dnsPacket.encode({ type: 'query', id: 0x1234, flags: dnsPacket.RECURSION_DESIRED, questions: [{ name: 'www.example.org', type: 'A' }], ...p });
}

/** A query followed by raw bytes (a TSIG record, a record with a pointer, garbage). */
function withRecord(base: Buffer, record: Buffer, counter: 6 | 8 | 10 = 10): Buffer {
  const out = Buffer.concat([base, record]);
  out.writeUInt16BE(out.readUInt16BE(counter) + 1, counter);
  return out;
}

export function querySeeds(): Buffer[] {
  const plain = query({});
  const tsig = Buffer.concat([Buffer.from([0]), Buffer.from('00fa00ff0000000000', 'hex').subarray(0, 8), Buffer.from([0, 0])]);
  return [
    plain,
    query({ additionals: [opt()] }),
    query({ additionals: [opt([{ code: 3, data: Buffer.alloc(0) }, { code: 10, data: Buffer.alloc(8, 1) }], 0x8000)] }),
    query({ additionals: [opt([{ code: 8, data: Buffer.from([0, 1, 24, 0, 10, 1, 2]) }, { code: 12, data: Buffer.alloc(20) }])] }),
    query({ additionals: [opt([{ code: 65283, data: Buffer.from('0102030405060708', 'hex') }])] }),
    query({ questions: [{ name: 'version.bind', type: 'TXT', class: 'CH' }] }),
    query({ questions: [{ name: 'example.org', type: 'AXFR' }] }),
    query({ questions: [{ name: 'a'.repeat(63) + '.' + 'b'.repeat(63) + '.' + 'c'.repeat(63) + '.' + 'd'.repeat(57), type: 'AAAA' }] }),
    query({ questions: [] }),
    query({ opcode: 'NOTIFY' } as Partial<Packet>),
    withRecord(query({ additionals: [opt()] }), tsig),
    withRecord(plain, Buffer.from('c00c000100010000012c0004c0000201', 'hex'), 6),
    withRecord(plain, Buffer.from('c00c000600010000012c0000', 'hex'), 8),
  ];
}

/** Replies to the reply target's query (www.example.org A, id 0xbeef), as upstreams send them. */
export function replySeeds(): Buffer[] {
  const q = [{ name: 'www.example.org', type: 'A' as const }];
  const reply = (p: Partial<Packet>): Buffer =>
    dnsPacket.encode({ type: 'response', id: 0xbeef, flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE, questions: q, ...p });
  const a = (ttl: number, ip = '192.0.2.1'): Answer => ({ type: 'A', name: 'www.example.org', ttl, data: ip });
  const soa: Answer = { type: 'SOA', name: 'example.org', ttl: 600, data: { mname: 'ns.example.org', rname: 'h.example.org', serial: 1, refresh: 1, retry: 1, expire: 1, minimum: 60 } };
  return [
    reply({ answers: [a(300)] }),
    reply({ answers: [a(300), a(60, '192.0.2.2')], additionals: [opt()] }),
    reply({ answers: [a(300)], additionals: [opt([{ code: 3, data: Buffer.from('ns1') }, { code: 10, data: Buffer.alloc(24, 2) }, { code: 15, data: Buffer.from([0, 0]) }], 0x8000)] }),
    reply({ answers: [a(300)], additionals: [opt([{ code: 8, data: Buffer.from([0, 1, 24, 24, 10, 1, 2]) }])] }),
    reply({ flags: 0x8183, authorities: [soa], additionals: [opt()] }),
    reply({ authorities: [soa] }),
    reply({ answers: [{ type: 'CNAME', name: 'www.example.org', ttl: 300, data: 'web.example.org' }, { type: 'A', name: 'web.example.org', ttl: 30, data: '192.0.2.3' }] }),
    reply({ answers: Array.from({ length: 30 }, (_, i) => ({ type: 'TXT' as const, name: 'www.example.org', ttl: 300, data: `record ${i} ${'x'.repeat(40)}` })), additionals: [opt()] }),
    reply({ flags: dnsPacket.TRUNCATED_RESPONSE | dnsPacket.RECURSION_AVAILABLE }),
    reply({ flags: 0x8182 }),
    reply({ answers: [a(0x80000001)], additionals: [opt(), opt()] }),
  ];
}
