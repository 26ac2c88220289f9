// UDP exchanges with upstreams: a few sockets per source address, random ids, strict reply matching, one deadline sweep.
import type dgram from 'node:dgram';
import type { Logger } from 'pino';
import { createUdpSocket, familyOf } from './udp.ts';
import { randomIndex, randomQueryId } from './query-id.ts';
import type { UpstreamTarget } from './types.ts';
import { HEADER_SIZE, isResponse, questionMatches } from './wire.ts';

export type ExchangeFailure = 'timeout' | 'garbage' | 'network' | 'source' | 'busy' | 'closed';
export type ExchangeResult =
  | { readonly ok: true; readonly reply: Buffer }
  | { readonly ok: false; readonly reason: ExchangeFailure; readonly detail?: string };

interface Pending {
  readonly ip: string;
  readonly port: number;
  readonly query: Buffer;
  readonly questionEnd: number;
  readonly deadline: number;
  readonly resolve: (r: ExchangeResult) => void;
}

interface UpstreamSocket {
  readonly socket: dgram.Socket;
  /** Keyed by query id; insertion order is deadline order because every attempt gets the same timeout. */
  readonly pending: Map<number, Pending>;
}

type SourceSockets = { readonly ok: true; readonly sockets: UpstreamSocket[] } | { readonly ok: false; readonly error: string; readonly at: number };

export interface UdpPoolOptions {
  readonly timeoutMs: number;
  readonly socketsPerSource: number;
  readonly now: () => number; // monotonic ms
  readonly log?: Logger;
}

const SOURCE_RETRY_MS = 1000;
const ID_TRIES = 8;

export class UdpUpstreamPool {
  private readonly sources = new Map<string, SourceSockets | Promise<SourceSockets>>();
  private readonly sweeper: NodeJS.Timeout;
  private closed = false;
  /** Datagrams that matched no pending query (late, spoofed or from the wrong address). */
  unmatched = 0;

  constructor(private readonly opts: UdpPoolOptions) {
    const every = Math.max(5, Math.min(50, Math.floor(opts.timeoutMs / 10)));
    this.sweeper = setInterval(() => this.sweep(), every);
    this.sweeper.unref();
  }

  /** Sends query (its id is overwritten) from sourceIp (null: any address) and waits for the matching reply. */
  exchange(sourceIp: string | null, target: UpstreamTarget, query: Buffer, questionEnd: number): Promise<ExchangeResult> {
    if (this.closed) return Promise.resolve({ ok: false, reason: 'closed' });
    const family = familyOf(sourceIp ?? target.ip);
    const key = sourceIp ?? (family === 6 ? 'any6' : 'any4');
    let entry = this.sources.get(key);
    if (entry === undefined || (!(entry instanceof Promise) && !entry.ok && this.opts.now() - entry.at > SOURCE_RETRY_MS)) {
      entry = this.openSource(key, sourceIp, family);
    }
    // Sockets already open (the usual case): no extra promise on the way.
    if (entry instanceof Promise) return entry.then((ready) => this.send(ready, target, query, questionEnd));
    return this.send(entry, target, query, questionEnd);
  }

  private send(ready: SourceSockets, target: UpstreamTarget, query: Buffer, questionEnd: number): Promise<ExchangeResult> {
    if (!ready.ok) return Promise.resolve({ ok: false, reason: 'source', detail: ready.error });
    const sock = ready.sockets[randomIndex(ready.sockets.length)]!;
    let id = -1;
    for (let i = 0; i < ID_TRIES && id < 0; i++) {
      const candidate = randomQueryId();
      if (!sock.pending.has(candidate)) id = candidate;
    }
    if (id < 0) return Promise.resolve({ ok: false, reason: 'busy' });
    query.writeUInt16BE(id, 0);
    return new Promise<ExchangeResult>((resolve) => {
      const deadline = this.opts.now() + this.opts.timeoutMs;
      sock.pending.set(id, { ip: target.ip, port: target.port, query, questionEnd, deadline, resolve });
      sock.socket.send(query, target.port, target.ip, (err) => {
        if (err === null || err === undefined) return;
        if (sock.pending.get(id)?.resolve === resolve) sock.pending.delete(id);
        resolve({ ok: false, reason: 'network', detail: err.message });
      });
    });
  }

  private openSource(key: string, sourceIp: string | null, family: 4 | 6): Promise<SourceSockets> {
    const opening = Promise.all(Array.from({ length: this.opts.socketsPerSource }, () => this.openSocket(sourceIp, family))).then(
      (sockets): SourceSockets => ({ ok: true, sockets }),
      (err: unknown): SourceSockets => ({ ok: false, error: err instanceof Error ? err.message : String(err), at: this.opts.now() }),
    );
    this.sources.set(key, opening);
    void opening.then((result) => {
      if (this.closed && result.ok) for (const s of result.sockets) s.socket.close();
      else if (this.sources.get(key) === opening) this.sources.set(key, result);
      if (!result.ok) this.opts.log?.warn({ source: sourceIp, err: result.error }, 'cannot open upstream socket');
    });
    return opening;
  }

  private openSocket(sourceIp: string | null, family: 4 | 6): Promise<UpstreamSocket> {
    return new Promise((resolve, reject) => {
      const socket = createUdpSocket(family);
      const sock: UpstreamSocket = { socket, pending: new Map() };
      const onError = (err: Error): void => {
        socket.close();
        reject(err);
      };
      socket.once('error', onError);
      // exclusive: a socket of its own even in a cluster worker, else replies land in another worker.
      const bindOpts: dgram.BindOptions = { port: 0, exclusive: true };
      if (sourceIp !== null) bindOpts.address = sourceIp;
      socket.bind(bindOpts, () => {
        socket.off('error', onError);
        socket.on('error', (err) => this.opts.log?.warn({ err: err.message, source: sourceIp }, 'upstream socket error'));
        socket.on('message', (msg, rinfo) => this.onMessage(sock, msg, rinfo));
        resolve(sock);
      });
    });
  }

  private onMessage(sock: UpstreamSocket, msg: Buffer, rinfo: dgram.RemoteInfo): void {
    if (msg.length < HEADER_SIZE) {
      this.unmatched++;
      return;
    }
    const id = msg.readUInt16BE(0);
    const p = sock.pending.get(id);
    if (p === undefined || rinfo.address !== p.ip || rinfo.port !== p.port) {
      this.unmatched++;
      return;
    }
    sock.pending.delete(id);
    // Right address, port and id but not a reply to our question: a broken server, so fail over now.
    if (!isResponse(msg) || !questionMatches(msg, p.query, p.questionEnd)) p.resolve({ ok: false, reason: 'garbage' });
    else p.resolve({ ok: true, reply: msg });
  }

  private sweep(): void {
    const now = this.opts.now();
    for (const entry of this.sources.values()) {
      if (entry instanceof Promise || !entry.ok) continue;
      for (const sock of entry.sockets) {
        for (const [id, p] of sock.pending) {
          if (p.deadline > now) break;
          sock.pending.delete(id);
          p.resolve({ ok: false, reason: 'timeout' });
        }
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    const entries = await Promise.all([...this.sources.values()]);
    this.sources.clear();
    for (const entry of entries) {
      if (!entry.ok) continue;
      for (const sock of entry.sockets) {
        for (const p of sock.pending.values()) p.resolve({ ok: false, reason: 'closed' });
        sock.pending.clear();
        sock.socket.close();
      }
    }
  }
}
