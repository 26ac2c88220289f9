// Unit tests of the reply's own OPT: hop-by-hop options out (in place), size and version set, a bare OPT added; NSID appended.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import dnsPacket from 'dns-packet';
import type { Answer } from 'dns-packet';
import { ReplyEdnsEditor, withNsid } from './reply-edns.ts';
import { HEADER_SIZE } from './wire.ts';

type Opt = { udpPayloadSize: number; ednsVersion?: number; version?: number; flags: number; options: { code: number; data: Buffer }[] };

function reply(options: { code: number; data: Buffer }[] | null, extra: Answer[] = []): Buffer {
  const additionals: Answer[] = options === null ? [] : [{ type: 'OPT', name: '.', udpPayloadSize: 4096, flags: 0x8000 | 0x0100, options } as unknown as Answer];
  return dnsPacket.encode({
    type: 'response',
    id: 1,
    questions: [{ name: 'a.example', type: 'A' }],
    answers: [{ type: 'A', name: 'a.example', ttl: 60, data: '192.0.2.1' }],
    additionals: [...additionals, ...extra],
  });
}
const questionEnd = HEADER_SIZE + 11 + 4;

function optOf(buf: Buffer): Opt | undefined {
  return dnsPacket.decode(buf).additionals?.find((a) => a.type === 'OPT') as unknown as Opt | undefined;
}

describe('ReplyEdnsEditor.ownOpt', () => {
  const all = [3, 8, 9, 10, 11, 12, 15].map((code) => ({ code, data: Buffer.from([code, code]) }));

  it('keeps only the end-to-end options, sets size 1232, version 0 and only DO, in place', () => {
    const buf = reply(all);
    const out = new ReplyEdnsEditor(false).ownOpt(buf, questionEnd, true);
    assert.equal(out.buffer, buf.buffer, 'the same memory');
    const opt = optOf(out)!;
    assert.deepEqual(opt.options.map((o) => [o.code, [...o.data]]), [[15, [15, 15]]]);
    assert.equal(opt.udpPayloadSize, 1232);
    assert.equal(opt.flags, 0x8000);
    assert.equal(dnsPacket.decode(out).answers?.length, 1);
  });

  it('keeps CLIENT-SUBNET when passing it, and says so', () => {
    const editor = new ReplyEdnsEditor(true);
    const opt = optOf(editor.ownOpt(reply(all), questionEnd, true))!;
    assert.deepEqual(opt.options.map((o) => o.code), [8, 15]);
    assert.equal(editor.clientSubnet, true);
    editor.ownOpt(reply([]), questionEnd, true);
    assert.equal(editor.clientSubnet, false);
  });

  it('moves a record after the OPT back over the removed options', () => {
    const txt: Answer = { type: 'TXT', name: 'b.example', ttl: 5, data: 'after' };
    const out = new ReplyEdnsEditor(false).ownOpt(reply(all, [txt]), questionEnd, true);
    const decoded = dnsPacket.decode(out);
    assert.deepEqual(decoded.additionals?.map((a) => a.type), ['OPT', 'TXT']);
  });

  it('adds a bare OPT for an EDNS client when the upstream sent none, and leaves a reply for a client without EDNS alone', () => {
    const added = new ReplyEdnsEditor(false).ownOpt(reply(null), questionEnd, true);
    assert.deepEqual(optOf(added) && [optOf(added)!.udpPayloadSize, optOf(added)!.options.length], [1232, 0]);
    const plain = reply(null);
    assert.equal(new ReplyEdnsEditor(false).ownOpt(plain, questionEnd, false), plain);
  });

  it('returns a reply it cannot walk as it is', () => {
    const broken = reply(all).subarray(0, 40);
    assert.equal(new ReplyEdnsEditor(false).ownOpt(broken, questionEnd, true), broken);
  });
});

describe('withNsid', () => {
  it('appends an NSID option to the OPT', () => {
    const out = withNsid(reply([{ code: 15, data: Buffer.from([0, 0]) }]), questionEnd, Buffer.from('node-1'));
    assert.deepEqual(optOf(out)!.options.map((o) => [o.code, o.data.toString()]), [[15, '\0\0'], [3, 'node-1']]);
  });

  it('leaves a reply without OPT as it is', () => {
    const plain = reply(null);
    assert.equal(withNsid(plain, questionEnd, Buffer.from('n')), plain);
  });
});
