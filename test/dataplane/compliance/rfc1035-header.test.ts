// RFC 1035 4.1.1 (and RFC 6840 5.8, RFC 4035 3.2.2): the header bits of every answer, relayed, cached and made here; opcodes before QDCOUNT.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { WAYS, ask, forEachPath, send, wayLabel } from './harness.ts';
import { buildQuery, inspect } from './wire.ts';

const NOTIMP = 4;
const FORMERR = 1;

forEachPath('RFC 1035 4.1.1 header bits of a resolver', {}, (path) => {
  for (const way of WAYS) {
    it(`sets QR and RA, clears AA and Z, copies the id and RD=1, CD=0 (${wayLabel(way)}, the entry asked with RD=0)`, async () => {
      const { answer, forwarded } = await ask(path(), way, { id: 0x1111, rd: true }, { rd: false });
      if (way.state === 'cache') assert.equal(forwarded, 0);
      assert.deepEqual(
        { id: answer.id, qr: answer.qr, opcode: answer.opcode, aa: answer.aa, rd: answer.rd, ra: answer.ra, z: answer.z, cd: answer.cd, rcode: answer.rcode },
        { id: 0x1111, qr: true, opcode: 0, aa: path().authoritative, rd: true, ra: true, z: false, cd: false, rcode: 0 },
      );
      assert.equal(answer.answers.length, 1);
    });

    it(`copies RD=0 and CD=1 from the query (${wayLabel(way)}, the entry asked with RD=1)`, async () => {
      const { answer } = await ask(path(), way, { rd: false, cd: true }, { rd: true });
      assert.deepEqual({ rd: answer.rd, cd: answer.cd, ra: answer.ra, aa: answer.aa }, { rd: false, cd: true, ra: true, aa: path().authoritative });
    });

    it(`sets AD only for a query with DO or AD (RFC 6840 5.8) (${wayLabel(way)})`, async () => {
      assert.equal((await ask(path(), way, {})).answer.ad, false);
      assert.equal((await ask(path(), way, { ad: true })).answer.ad, !path().authoritative);
    });

    it(`answers an unknown opcode without a question NOTIMP, not FORMERR, echoing opcode and RD, RA clear (${wayLabel(way)})`, async () => {
      for (const opcode of [15, 6, 3]) {
        const before = path().upstreamQueries();
        const answer = inspect(await send(path(), way.transport, buildQuery({ id: 0x2222, opcode, noQuestion: true, qname: '' })));
        assert.deepEqual(
          { id: answer.id, qr: answer.qr, opcode: answer.opcode, rcode: answer.rcode, qdcount: answer.qdcount, rd: answer.rd, ra: answer.ra, aa: answer.aa, opt: answer.opt },
          { id: 0x2222, qr: true, opcode, rcode: NOTIMP, qdcount: 0, rd: true, ra: false, aa: false, opt: null },
          `opcode ${opcode}`,
        );
        assert.equal(path().upstreamQueries(), before, 'nothing is forwarded');
      }
    });

    it(`answers NOTIFY and opcode 6 with a question NOTIMP, echoing the question and an OPT (${wayLabel(way)})`, async () => {
      for (const opcode of [4, 6]) {
        const { answer, forwarded } = await ask(path(), way, { opcode, edns: { do: true } });
        assert.deepEqual(
          { opcode: answer.opcode, rcode: answer.rcode, qdcount: answer.qdcount, ra: answer.ra, answers: answer.answers.length },
          { opcode, rcode: NOTIMP, qdcount: 1, ra: false, answers: 0 },
        );
        assert.deepEqual(answer.opt && { version: answer.opt.version, udpSize: answer.opt.udpSize, do: answer.opt.do }, { version: 0, udpSize: 1232, do: true });
        assert.equal(forwarded, 0);
      }
    });
  }

  for (const transport of ['udp', 'tcp'] as const) {
    it(`answers a QUERY without a question FORMERR with RA and the OPT the query had (${transport})`, async () => {
      const answer = inspect(await send(path(), transport, buildQuery({ noQuestion: true, qname: '', edns: {} })));
      assert.deepEqual({ rcode: answer.rcode, qdcount: answer.qdcount, ra: answer.ra, optVersion: answer.opt?.version }, { rcode: FORMERR, qdcount: 0, ra: true, optVersion: 0 });
    });
  }
});
