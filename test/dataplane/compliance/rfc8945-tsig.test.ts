// RFC 8945 5.2: vpcdns holds no TSIG keys, so a signed query gets NOTAUTH with an unsigned TSIG of error BADKEY, never an answer.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { WAYS, ask, forEachPath, send, wayLabel } from './harness.ts';
import { TYPE, buildQuery, encodeName, inspect } from './wire.ts';

const NOTAUTH = 9;
const FORMERR = 1;
const BADKEY = 17;

/** The fields of a TSIG record's RDATA (RFC 8945 4.2). */
function tsigFields(rdata: Buffer): { algorithm: string; macSize: number; originalId: number; error: number; otherLength: number } {
  const algorithmLength = encodeName('hmac-sha256').length;
  const macSize = rdata.readUInt16BE(algorithmLength + 8);
  const after = algorithmLength + 10 + macSize;
  return {
    algorithm: rdata.subarray(0, algorithmLength).equals(encodeName('hmac-sha256')) ? 'hmac-sha256' : 'other',
    macSize,
    originalId: rdata.readUInt16BE(after),
    error: rdata.readUInt16BE(after + 2),
    otherLength: rdata.readUInt16BE(after + 4),
  };
}

forEachPath('RFC 8945 TSIG', {}, (path) => {
  for (const way of WAYS) {
    it(`5.2: answers a signed query NOTAUTH with a TSIG of error BADKEY and no MAC, last, after the OPT (${wayLabel(way)})`, async () => {
      const { answer, forwarded } = await ask(path(), way, { id: 0x4444, tsigKey: 'key.corp.test', edns: {} });
      assert.deepEqual(
        { id: answer.id, rcode: answer.rcode, answers: answer.answers.length, ra: answer.ra, aa: answer.aa, question: answer.question !== null },
        { id: 0x4444, rcode: NOTAUTH, answers: 0, ra: true, aa: false, question: true },
      );
      assert.equal(answer.optIndex, 0, 'the OPT first');
      assert.equal(answer.additionals.length, 1);
      const tsig = answer.additionals[0]!;
      assert.deepEqual({ name: tsig.name, type: tsig.type, class: tsig.class, ttl: tsig.ttl }, { name: 'key.corp.test', type: TYPE.TSIG, class: 255, ttl: 0 });
      assert.deepEqual(tsigFields(tsig.rdata), { algorithm: 'hmac-sha256', macSize: 0, originalId: 0x4444, error: BADKEY, otherLength: 0 });
      assert.equal(forwarded, 0, 'not forwarded');
    });

    it(`5.2: the same without EDNS: NOTAUTH, the TSIG the only additional record (${wayLabel(way)})`, async () => {
      const { answer } = await ask(path(), way, { tsigKey: 'key.corp.test' });
      assert.deepEqual({ rcode: answer.rcode, opt: answer.opt, additionals: answer.additionals.map((r) => r.type) }, { rcode: NOTAUTH, opt: null, additionals: [TYPE.TSIG] });
    });
  }

  for (const transport of ['udp', 'tcp'] as const) {
    it(`5.1: answers a query whose TSIG is not the last record FORMERR (${transport})`, async () => {
      const answer = inspect(await send(path(), transport, buildQuery({ qname: `tsig-first.${path().zone}`, tsigKey: 'key.corp.test', tsigBeforeOpt: true, edns: {} })));
      assert.deepEqual({ rcode: answer.rcode, answers: answer.answers.length }, { rcode: FORMERR, answers: 0 });
    });
  }
});
