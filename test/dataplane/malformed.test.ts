// Malformed input tests: garbage never crashes a listener; an unparsable header is dropped, a broken question gets FORMERR.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import dnsPacket from 'dns-packet';
import { DataPlane } from '../../src/dataplane/data-plane.ts';
import { freeDnsPort, loopbackNet } from '../helpers/loopback.ts';
import { FakeUpstream, buildQuery, decode, tcpExchange, udpExchange, udpQuery, UDP_IOS } from './helpers.ts';

const NET = loopbackNet();
const PORT = await freeDnsPort([151, 152].map((h) => NET.ip(h)));
const IP = NET.ip(151);

for (const { io, skip } of UDP_IOS) describe(`DataPlane with malformed packets (${io} UDP sockets)`, { skip }, () => {
  let up: FakeUpstream;
  let dp: DataPlane;

  before(async () => {
    up = await FakeUpstream.start(NET.ip(152));
    dp = new DataPlane({ port: PORT, queryTimeoutMs: 100, udpIo: io });
    dp.setVpcs([{ vpcId: 'vpc-1', rules: [], upstreams: [up.target] }]);
    await dp.bindListener(IP, 'vpc-1');
  });
  after(async () => {
    await dp.close();
    await up.close();
  });

  it('drops a truncated header without answering', async () => {
    assert.equal(await udpExchange(IP, PORT, Buffer.from([1, 2, 3, 4, 5]), 200), null);
  });

  it('drops a response sent to the listener', async () => {
    const response = dnsPacket.encode({ type: 'response', id: 5, questions: [{ name: 'a.example', type: 'A' }] });
    assert.equal(await udpExchange(IP, PORT, response, 200), null);
  });

  it('answers FORMERR with the client id to a question with a bad label', async () => {
    const bad = Buffer.from([0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x45, 0x61, 0x62, 0, 0, 1, 0, 1]);
    const reply = await udpExchange(IP, PORT, bad, 500);
    assert.ok(reply);
    const decoded = decode(reply);
    assert.equal(decoded.id, 0x1234);
    assert.equal(decoded.rcode, 'FORMERR');
  });

  it('answers NOTIMP to an opcode it does not implement', async () => {
    const msg = buildQuery('a.example.org');
    msg[2] = msg[2]! | (4 << 3); // NOTIFY
    const reply = await udpExchange(IP, PORT, msg, 500);
    assert.ok(reply);
    assert.equal(decode(reply).rcode, 'NOTIMP');
  });

  // www.example.org A IN, id 0xbeef, RD; the same with an OPT (1232, DO); and 7 bytes after the last record.
  const QUESTION = Buffer.from('03777777076578616d706c65036f7267000001' + '0001', 'hex');
  const OPT = Buffer.from('0000290' + '4d0' + '00' + '00' + '8000' + '0000', 'hex');
  const GARBAGE = Buffer.from('GARBAGE');
  const header = (arcount: number) => Buffer.from([0xbe, 0xef, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, arcount]);

  it('answers FORMERR, exactly, to a query with bytes after its question, and forwards nothing', async () => {
    const forwarded = up.received.length;
    const query = Buffer.concat([header(0), QUESTION, GARBAGE]);
    // The id, QR RD RA and FORMERR, one question (echoed), no other record.
    const expected = Buffer.concat([Buffer.from([0xbe, 0xef, 0x81, 0x81, 0, 1, 0, 0, 0, 0, 0, 0]), QUESTION]);
    assert.deepEqual(await udpExchange(IP, PORT, query, 1000), expected);
    assert.deepEqual((await tcpExchange(IP, PORT, [query]))[0], expected);
    assert.equal(up.received.length, forwarded);
  });

  it('answers FORMERR, exactly, with its own OPT, to a query with bytes after its OPT record, and forwards nothing', async () => {
    const forwarded = up.received.length;
    const query = Buffer.concat([header(1), QUESTION, OPT, GARBAGE]);
    // vpcdns's OPT: 1232, extended rcode 0, version 0, DO echoed, no options.
    const expected = Buffer.concat([Buffer.from([0xbe, 0xef, 0x81, 0x81, 0, 1, 0, 0, 0, 0, 0, 1]), QUESTION, OPT]);
    assert.deepEqual(await udpExchange(IP, PORT, query, 1000), expected);
    assert.deepEqual((await tcpExchange(IP, PORT, [query]))[0], expected);
    assert.equal(up.received.length, forwarded);
    // Without the garbage the same query is forwarded, with the OPT last.
    const reply = await udpExchange(IP, PORT, Buffer.concat([header(1), QUESTION, OPT]), 1000);
    assert.equal(decode(reply!).rcode, 'NOERROR');
    const sent = up.received.at(-1)!.raw;
    assert.equal(sent.readUInt16BE(10), 1);
    assert.equal(sent.indexOf(GARBAGE), -1);
  });

  it('answers FORMERR to a UDP query over udp_max_query_bytes (4096) without forwarding it; over TCP it is forwarded', async () => {
    const forwarded = up.received.length;
    const before = dp.stats().queriesTooLarge;
    // An additional record of type 65280 (private use) with 5,000 bytes of data: well-formed, only too large.
    const big = Buffer.concat([Buffer.from([0, 0xff, 0, 0, 1, 0, 0, 0, 0, 0x13, 0x88]), Buffer.alloc(5000, 0x61)]);
    const query = Buffer.concat([header(1), QUESTION, big]);
    const expected = Buffer.concat([Buffer.from([0xbe, 0xef, 0x81, 0x81, 0, 1, 0, 0, 0, 0, 0, 0]), QUESTION]);
    assert.deepEqual(await udpExchange(IP, PORT, query, 1000), expected);
    assert.equal(dp.stats().queriesTooLarge - before, 1);
    assert.equal(up.received.length, forwarded);
    const [tcp] = await tcpExchange(IP, PORT, [query]);
    assert.equal(decode(tcp!).rcode, 'NOERROR');
    assert.equal(up.received.length, forwarded + 1);
  });

  it('survives a thousand random datagrams and still answers', async () => {
    const before = dp.stats().queries;
    for (let batch = 0; batch < 10; batch++) {
      // Batches of 100: a burst of 1000 would overflow the kernel receive buffer, which is not what this tests.
      await Promise.all(Array.from({ length: 100 }, (_, i) => udpExchange(IP, PORT, randomBytes(i % 80), 150)));
    }
    assert.equal(dp.stats().queries - before, 1000);
    assert.equal((await udpQuery(IP, PORT, 'still.example.org')).rcode, 'NOERROR');
  });

  it('survives random bytes on TCP, and a frame over the size limit closes only that connection', async () => {
    await new Promise<void>((resolve) => {
      const s = net.connect({ host: IP, port: PORT }, () => {
        s.write(Buffer.concat([Buffer.from([0, 40]), randomBytes(40), Buffer.from([0xff, 0xff]), randomBytes(100)]));
      });
      // Read whatever comes back (an answer to the first frame may arrive before the close), or 'close' never fires.
      s.resume();
      s.on('close', () => resolve());
      s.on('error', () => resolve());
    });
    const [reply] = await tcpExchange(IP, PORT, [buildQuery('tcp.example.org')]);
    assert.equal(decode(reply!).rcode, 'NOERROR');
  });
});
