// RFC 5001 (NSID), 7314 (EXPIRE), 7828 (KEEPALIVE), 7830 (PADDING), 7871 (CLIENT-SUBNET), 7873 (COOKIE): hop-by-hop options never cross vpcdns, either way, nor live in its cache.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { DecodedPacket } from 'dns-packet';
import { WAYS, ask, forEachPath, wayLabel } from './harness.ts';
import type { AnswerPath } from './harness.ts';
import { OPTION, optionCodes } from './wire.ts';

const HOP_BY_HOP = [OPTION.NSID, OPTION.CLIENT_SUBNET, OPTION.EXPIRE, OPTION.COOKIE, OPTION.KEEPALIVE, OPTION.PADDING];
const CLIENT_OPTIONS = [
  { code: OPTION.NSID, data: Buffer.alloc(0) },
  { code: OPTION.CLIENT_SUBNET, data: Buffer.from([0, 1, 24, 0, 10, 9, 8]) },
  { code: OPTION.EXPIRE, data: Buffer.alloc(0) },
  { code: OPTION.COOKIE, data: Buffer.alloc(8, 0x11) },
  { code: OPTION.KEEPALIVE, data: Buffer.alloc(0) },
  { code: OPTION.PADDING, data: Buffer.alloc(16) },
];

/** The option codes of the last query the upstream received. */
function lastUpstreamOptions(path: AnswerPath): number[] {
  const received: readonly DecodedPacket[] = path.upstreamReceived();
  const opt = (received.at(-1)?.additionals ?? []).find((a) => a.type === 'OPT') as { options?: { code: number }[] } | undefined;
  return (opt?.options ?? []).map((o) => o.code);
}

forEachPath('Hop-by-hop EDNS options', {}, (path) => {
  for (const way of WAYS) {
    it(`takes the upstream's NSID, EXPIRE, COOKIE, KEEPALIVE, PADDING and CLIENT-SUBNET out, keeps the end-to-end ones (${wayLabel(way)})`, async () => {
      const { answer } = await ask(path(), way, { edns: {} });
      assert.deepEqual(optionCodes(answer.opt), path().endToEndOptions);
    });

    it(`RFC 5001 3.2: answers an NSID query with no NSID when no identity is configured (${wayLabel(way)}, the entry filled by an NSID query)`, async () => {
      const nsid = [{ code: OPTION.NSID, data: Buffer.alloc(0) }];
      const { answer } = await ask(path(), way, { edns: { options: nsid } }, { edns: { options: nsid } });
      assert.deepEqual(optionCodes(answer.opt), path().endToEndOptions);
    });
  }

  for (const transport of ['udp', 'tcp'] as const) {
    it(`sends none of the client's hop-by-hop options upstream (${transport})`, async () => {
      const { forwarded } = await ask(path(), { transport, state: 'miss' }, { edns: { options: CLIENT_OPTIONS } });
      assert.equal(forwarded, 1);
      const sent = lastUpstreamOptions(path());
      assert.deepEqual(sent.filter((code) => HOP_BY_HOP.includes(code as (typeof HOP_BY_HOP)[number])), []);
    });
  }
});

forEachPath('RFC 5001 NSID with dns.identity', { identity: 'node-7.vpcdns' }, (path) => {
  const nsidQuery = { edns: { options: [{ code: OPTION.NSID, data: Buffer.alloc(0) }] } };
  for (const way of WAYS) {
    it(`answers an NSID query with the node's identity, once, and the upstream's nowhere (${wayLabel(way)})`, async () => {
      const { answer } = await ask(path(), way, nsidQuery);
      const nsid = (answer.opt?.options ?? []).filter((o) => o.code === OPTION.NSID);
      assert.deepEqual(nsid.map((o) => o.data.toString()), ['node-7.vpcdns']);
      assert.deepEqual(optionCodes(answer.opt).filter((c) => c !== OPTION.NSID), path().endToEndOptions);
    });

    it(`answers a query that did not ask for NSID without one, after an NSID query filled the entry (${wayLabel(way)})`, async () => {
      const { answer } = await ask(path(), way, { edns: {} }, nsidQuery);
      assert.deepEqual(optionCodes(answer.opt), path().endToEndOptions);
    });
  }

  it('puts the NSID in vpcdns\'s own answers too (BADVERS)', async () => {
    const { answer } = await ask(path(), { transport: 'udp', state: 'miss' }, { edns: { version: 1, options: nsidQuery.edns.options } });
    assert.equal(answer.rcode, 16);
    assert.deepEqual(answer.opt?.options.map((o) => [o.code, o.data.toString()]), [[OPTION.NSID, 'node-7.vpcdns']]);
  });
});

forEachPath('RFC 7871 CLIENT-SUBNET with dns.pass_client_subnet', { passClientSubnet: true }, (path) => {
  for (const transport of ['udp', 'tcp'] as const) {
    it(`passes CLIENT-SUBNET both ways and does not cache a reply that carries one (${transport})`, async () => {
      const spec = { edns: { options: [{ code: OPTION.CLIENT_SUBNET, data: Buffer.from([0, 1, 24, 0, 10, 9, 8]) }] } };
      const first = await ask(path(), { transport, state: 'miss' }, spec);
      assert.ok(lastUpstreamOptions(path()).includes(OPTION.CLIENT_SUBNET), 'sent upstream');
      assert.ok(optionCodes(first.answer.opt).includes(OPTION.CLIENT_SUBNET), 'relayed to the client');
      const again = await ask(path(), { transport, state: 'miss' }, { ...spec, qname: first.answer.question!.name });
      assert.equal(again.forwarded, 1, 'asked upstream again: not cached');
    });
  }
});
