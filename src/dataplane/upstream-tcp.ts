// One DNS exchange over TCP (RFC 7766 framing) from a given source address, with a deadline.
import net from 'node:net';
import { randomQueryId } from './query-id.ts';
import type { UpstreamTarget } from './types.ts';
import type { ExchangeResult } from './upstream-exchange.ts';
import { HEADER_SIZE, isResponse, questionMatches } from './wire.ts';

/** Sends query (its id is overwritten with a fresh random one) and reads one framed reply. */
export function tcpExchange(sourceIp: string | null, target: UpstreamTarget, query: Buffer, questionEnd: number, timeoutMs: number): Promise<ExchangeResult> {
  const id = randomQueryId();
  query.writeUInt16BE(id, 0);
  return new Promise((resolve) => {
    let settled = false;
    let received: Buffer = Buffer.alloc(0);
    const opts: net.NetConnectOpts = { host: target.ip, port: target.port };
    if (sourceIp !== null) opts.localAddress = sourceIp;
    const socket = net.connect(opts);
    const finish = (result: ExchangeResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish({ ok: false, reason: 'timeout' }), timeoutMs);
    socket.setNoDelay(true);
    socket.on('connect', () => {
      const frame = Buffer.allocUnsafe(2 + query.length);
      frame.writeUInt16BE(query.length, 0);
      query.copy(frame, 2);
      socket.write(frame);
    });
    socket.on('data', (chunk: Buffer) => {
      received = received.length === 0 ? chunk : Buffer.concat([received, chunk]);
      if (received.length < 2) return;
      const length = received.readUInt16BE(0);
      if (received.length < 2 + length) return;
      const reply = received.subarray(2, 2 + length);
      const ok = reply.length >= HEADER_SIZE && reply.readUInt16BE(0) === id && isResponse(reply) && questionMatches(reply, query, questionEnd);
      finish(ok ? { ok: true, reply: Buffer.from(reply) } : { ok: false, reason: 'garbage' });
    });
    socket.on('error', (err) => finish({ ok: false, reason: 'network', detail: err.message }));
    socket.on('close', () => finish({ ok: false, reason: 'network', detail: 'connection closed before a reply' }));
  });
}
