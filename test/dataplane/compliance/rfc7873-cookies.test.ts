// RFC 7873 5.2 (and 9018): vpcdns implements no server cookies (docs/dataplane.md says why), so a cookie is ignored: a normal answer, no COOKIE, none sent upstream.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { DecodedPacket } from 'dns-packet';
import { WAYS, ask, forEachPath, wayLabel } from './harness.ts';
import { OPTION, optionCodes } from './wire.ts';

forEachPath('RFC 7873 DNS cookies', {}, (path) => {
  for (const way of WAYS) {
    for (const [what, data] of [['a client cookie', Buffer.alloc(8, 0x5a)], ['a client and a server cookie', Buffer.alloc(24, 0x5a)]] as const) {
      it(`5.2.3: answers a query with ${what} normally, without a COOKIE option (${wayLabel(way)})`, async () => {
        const { answer, forwarded } = await ask(path(), way, { edns: { options: [{ code: OPTION.COOKIE, data }] } });
        assert.deepEqual({ rcode: answer.rcode, answers: answer.answers.length }, { rcode: 0, answers: 1 });
        assert.ok(!optionCodes(answer.opt).includes(OPTION.COOKIE));
        if (way.state === 'miss') {
          assert.equal(forwarded, 1);
          const sent: DecodedPacket | undefined = path().upstreamReceived().at(-1);
          const opt = (sent?.additionals ?? []).find((a) => a.type === 'OPT') as { options?: { code: number }[] } | undefined;
          assert.ok(!(opt?.options ?? []).some((o) => o.code === OPTION.COOKIE), 'no cookie upstream');
        } else {
          assert.equal(forwarded, 0);
        }
      });
    }
  }
});
