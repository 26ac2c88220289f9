// RFC 4892 and the CHAOS conventions: version.bind, hostname.bind, id.server answered here (REFUSED unless configured), never forwarded.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { forEachPath, send } from './harness.ts';
import { CLASS, TYPE, buildQuery, inspect } from './wire.ts';

const REFUSED = 5;
const NAMES = ['version.bind', 'version.server', 'hostname.bind', 'id.server', 'authors.bind'];

function txt(rdata: Buffer): string {
  return rdata.subarray(1, 1 + rdata[0]!).toString();
}

forEachPath('CHAOS identity queries, nothing configured', {}, (path) => {
  for (const transport of ['udp', 'tcp'] as const) {
    it(`answers every CHAOS name REFUSED, AA clear, nothing forwarded (${transport})`, async () => {
      for (const qname of NAMES) {
        const before = path().upstreamQueries();
        const answer = inspect(await send(path(), transport, buildQuery({ qname, qtype: TYPE.TXT, qclass: CLASS.CH, edns: {} })));
        assert.deepEqual(
          { rcode: answer.rcode, answers: answer.answers.length, aa: answer.aa, qclass: answer.question?.class, optVersion: answer.opt?.version },
          { rcode: REFUSED, answers: 0, aa: false, qclass: CLASS.CH, optVersion: 0 },
          qname,
        );
        assert.equal(path().upstreamQueries(), before, `${qname} is not forwarded`);
      }
    });
  }
});

forEachPath('CHAOS identity queries, dns.identity and dns.version configured', { identity: 'node-7', version: 'vpcdns 0.1.0' }, (path) => {
  for (const transport of ['udp', 'tcp'] as const) {
    it(`answers them with a CH TXT record, AA set, TTL 0; other CHAOS names REFUSED (${transport})`, async () => {
      const expected: Record<string, string | null> = { 'version.bind': 'vpcdns 0.1.0', 'version.server': 'vpcdns 0.1.0', 'hostname.bind': 'node-7', 'id.server': 'node-7', 'authors.bind': null };
      for (const [qname, text] of Object.entries(expected)) {
        const answer = inspect(await send(path(), transport, buildQuery({ qname, qtype: TYPE.TXT, qclass: CLASS.CH })));
        if (text === null) {
          assert.equal(answer.rcode, REFUSED, qname);
          continue;
        }
        assert.deepEqual({ rcode: answer.rcode, aa: answer.aa, ra: answer.ra, count: answer.answers.length }, { rcode: 0, aa: true, ra: true, count: 1 }, qname);
        const rr = answer.answers[0]!;
        assert.deepEqual({ name: rr.name, type: rr.type, class: rr.class, ttl: rr.ttl, text: txt(rr.rdata) }, { name: qname, type: TYPE.TXT, class: CLASS.CH, ttl: 0, text }, qname);
      }
      assert.equal(path().upstreamQueries(), 0);
    });

    it(`answers a CHAOS name asked for another type with no data, AA set (${transport})`, async () => {
      const answer = inspect(await send(path(), transport, buildQuery({ qname: 'version.bind', qtype: TYPE.A, qclass: CLASS.CH })));
      assert.deepEqual({ rcode: answer.rcode, aa: answer.aa, answers: answer.answers.length }, { rcode: 0, aa: true, answers: 0 });
    });
  }
});
