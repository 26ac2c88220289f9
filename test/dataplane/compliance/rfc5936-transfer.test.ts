// RFC 5936 4.2 and RFC 1995: a resolver serves no zone transfers, so AXFR and IXFR are REFUSED here, never forwarded.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { WAYS, ask, forEachPath, wayLabel } from './harness.ts';
import { TYPE } from './wire.ts';

const REFUSED = 5;

forEachPath('RFC 5936 zone transfers', {}, (path) => {
  for (const way of WAYS) {
    for (const [name, qtype] of [['AXFR', TYPE.AXFR], ['IXFR', TYPE.IXFR]] as const) {
      it(`answers ${name} REFUSED with the question, RA set, nothing forwarded (${wayLabel(way)}, the zone's name cached as A)`, async () => {
        const { answer, forwarded } = await ask(path(), way, { qtype, qname: way.state === 'cache' ? undefined : path().zone });
        assert.deepEqual(
          { rcode: answer.rcode, qtype: answer.question?.type, answers: answer.answers.length, ra: answer.ra, aa: answer.aa, opt: answer.opt },
          { rcode: REFUSED, qtype, answers: 0, ra: true, aa: false, opt: null },
        );
        assert.equal(forwarded, 0);
      });
    }
  }
});
