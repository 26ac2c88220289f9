// RFC 6891 6.1.3 and 7: BADVERS from vpcdns itself (also when the name is cached), and vpcdns's own OPT (1232, version 0) in every answer to an EDNS query.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { WAYS, ask, forEachPath, send, wayLabel } from './harness.ts';
import { TYPE, buildQuery, inspect, optRecord } from './wire.ts';

const BADVERS = 16;
const REFUSED = 5;
const FORMERR = 1;

forEachPath('RFC 6891 EDNS(0)', {}, (path) => {
  for (const way of WAYS) {
    it(`6.1.3: answers EDNS version 1 BADVERS with OPT version 0, the question and no answer, not forwarded (${wayLabel(way)})`, async () => {
      for (const version of [1, 255]) {
        const { answer, forwarded } = await ask(path(), way, { id: 0x3333, edns: { version, do: true } });
        assert.deepEqual(
          { id: answer.id, rcode: answer.rcode, headerRcode: answer.rcode & 0x0f, question: answer.question !== null, answers: answer.answers.length, ra: answer.ra, aa: answer.aa },
          { id: 0x3333, rcode: BADVERS, headerRcode: 0, question: true, answers: 0, ra: true, aa: false },
          `version ${version}`,
        );
        assert.deepEqual(answer.opt, { udpSize: 1232, extendedRcode: 1, version: 0, do: true, z: 0, options: [] });
        assert.equal(forwarded, 0);
      }
    });

    it(`7: an answer to a query with OPT carries vpcdns's OPT: size 1232, version 0, DO echoed, Z 0 (${wayLabel(way)})`, async () => {
      for (const dnssecOk of [false, true]) {
        const { answer } = await ask(path(), way, { edns: { udpSize: 4096, do: dnssecOk } });
        assert.equal(answer.rcode, 0);
        assert.deepEqual(answer.opt && { udpSize: answer.opt.udpSize, version: answer.opt.version, do: answer.opt.do, z: answer.opt.z }, { udpSize: 1232, version: 0, do: dnssecOk, z: 0 });
        assert.equal(answer.optIndex, answer.additionals.length, 'one OPT, last');
      }
    });

    it(`7: an answer to a query without OPT carries none (${wayLabel(way)})`, async () => {
      const { answer } = await ask(path(), way, {});
      assert.deepEqual({ rcode: answer.rcode, opt: answer.opt, answers: answer.answers.length }, { rcode: 0, opt: null, answers: 1 });
    });

    it(`7: vpcdns's own REFUSED carries an OPT exactly when the query had one (${wayLabel(way)})`, async () => {
      const withOpt = (await ask(path(), way, { qtype: TYPE.AXFR, edns: {} })).answer;
      assert.deepEqual({ rcode: withOpt.rcode, opt: withOpt.opt }, { rcode: REFUSED, opt: { udpSize: 1232, extendedRcode: 0, version: 0, do: false, z: 0, options: [] } });
      const without = (await ask(path(), way, { qtype: TYPE.AXFR })).answer;
      assert.deepEqual({ rcode: without.rcode, opt: without.opt }, { rcode: REFUSED, opt: null });
    });
  }

  for (const transport of ['udp', 'tcp'] as const) {
    it(`6.1.1: answers a query with two OPT records FORMERR, without an OPT of its own (${transport})`, async () => {
      const once = buildQuery({ qname: `two-opt.${path().zone}`, edns: {} });
      const twice = Buffer.concat([once, optRecord({})]);
      twice.writeUInt16BE(2, 10);
      const answer = inspect(await send(path(), transport, twice));
      assert.deepEqual({ rcode: answer.rcode, opt: answer.opt }, { rcode: FORMERR, opt: null });
    });
  }
});
