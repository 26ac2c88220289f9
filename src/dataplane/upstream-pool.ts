// UDP exchanges with upstreams: one socket per source address at a time (its port rotated), random ids, strict reply matching, one deadline sweep.
import type { Logger } from 'pino';
import type { SendQueue } from './send-queue.ts';
import { familyOf, openDatagramSocket, type DatagramOptions, type DatagramSocket } from './datagram.ts';
import { randomQueryId } from './query-id.ts';
import { ID_SPACE, UpstreamSocket } from './upstream-exchange.ts';
import type { Exchange, ExchangeFailure } from './upstream-exchange.ts';
import type { UpstreamTarget } from './types.ts';
import { HEADER_SIZE, isResponse, questionMatches } from './wire.ts';

/**
 * The sockets of one source address: one active socket, replaced by a fresh one (a new random port) every
 * portRotationMs; the replaced ones stay open, still matching replies, until their last exchange has ended.
 * Why one, and why rotate (RFC 5452 9.2): docs/dataplane.md, "How a query flows".
 */
class Source {
  readonly ok = true;
  /** Replaced sockets with exchanges still waiting; closed by the sweep once empty. */
  readonly retiring: UpstreamSocket[] = [];
  /** A replacement socket is being opened. */
  rotating = false;
  /** The last replacement could not be opened (logged once, until one can). */
  rotationFailing = false;

  constructor(
    readonly ip: string | null,
    readonly family: 4 | 6,
    public active: UpstreamSocket,
    /** When the active socket was opened (or a replacement last failed), monotonic ms. */
    public since: number,
  ) {}
}

type SourceEntry = Source | { readonly ok: false; readonly error: string; readonly at: number };

export interface UdpPoolOptions {
  readonly timeoutMs: number;
  /** How long a source's active socket (and so its port) is used before a fresh one replaces it. */
  readonly portRotationMs: number;
  readonly now: () => number; // monotonic ms
  /** Queries go out through it, in bursts. */
  readonly sendQueue: SendQueue;
  /** UDP socket implementation (datagram.ts). */
  readonly udpIo: 'native' | 'node';
  /** Opens a socket (default openDatagramSocket; tests pass one that fails). */
  readonly openSocket?: (o: DatagramOptions) => Promise<DatagramSocket>;
  readonly log?: Logger;
}

const SOURCE_RETRY_MS = 1000;
const ID_TRIES = 8;

export class UdpUpstreamPool {
  private readonly sources = new Map<string, SourceEntry | Promise<SourceEntry>>();
  private readonly sweeper: NodeJS.Timeout;
  private closed = false;
  /** Datagrams that matched no pending query (late, spoofed or from the wrong address). */
  unmatched = 0;
  /** Sockets opened to replace a source's active socket. */
  rotations = 0;
  /** Replacement sockets that could not be opened. */
  rotationFailures = 0;
  /** Id tables of closed sockets (every entry undefined), for the next sockets rotation opens. */
  private readonly spareTables: (Exchange | undefined)[][] = [];

  constructor(private readonly opts: UdpPoolOptions) {
    const every = Math.max(5, Math.min(50, Math.floor(opts.timeoutMs / 10)));
    this.sweeper = setInterval(() => this.sweep(), every);
    this.sweeper.unref();
  }

  /**
   * Sends query (its id is overwritten) from sourceIp (null: any address) to target; the exchange hears
   * of the matching reply or of the failure (timeout, send error, no socket for the source, ids exhausted).
   * An exchange still in flight must not be sent again (that is a bug, and throws).
   */
  send(sourceIp: string | null, target: UpstreamTarget, query: Buffer, questionEnd: number, ex: Exchange): void {
    if (ex.waitingOn !== null) throw new Error('an upstream exchange was sent again while in flight');
    if (this.closed) {
      ex.onFailure('closed');
      return;
    }
    const family = familyOf(sourceIp ?? target.ip);
    const key = sourceIp ?? (family === 6 ? 'any6' : 'any4');
    let entry = this.sources.get(key);
    if (entry === undefined || (!(entry instanceof Promise) && !entry.ok && this.opts.now() - entry.at > SOURCE_RETRY_MS)) {
      entry = this.openSource(key, sourceIp, family);
    }
    if (entry instanceof Promise) {
      // The source's socket is still opening. A throw here must not become an unhandled rejection (which
      // ends the process): the exchange hears of it.
      entry.then((ready) => this.sendFrom(ready, target, query, questionEnd, ex)).catch((err: unknown) => {
        this.opts.log?.error({ err }, 'upstream send failed unexpectedly');
        ex.onFailure('network', err instanceof Error ? err.message : String(err));
      });
    } else {
      this.sendFrom(entry, target, query, questionEnd, ex); // socket already open: the usual case
    }
  }

  private sendFrom(entry: SourceEntry, target: UpstreamTarget, query: Buffer, questionEnd: number, ex: Exchange): void {
    if (this.closed) {
      ex.onFailure('closed');
      return;
    }
    if (!entry.ok) {
      ex.onFailure('source', entry.error);
      return;
    }
    const now = this.opts.now();
    if (!entry.rotating && now - entry.since >= this.opts.portRotationMs) this.rotate(entry);
    const sock = entry.active;
    let id = -1;
    for (let i = 0; i < ID_TRIES && id < 0; i++) {
      const candidate = randomQueryId();
      if (!sock.has(candidate)) id = candidate;
    }
    if (id < 0) {
      ex.onFailure('busy');
      return;
    }
    query.writeUInt16BE(id, 0);
    ex.sentId = id;
    ex.sentIp = target.ip;
    ex.sentPort = target.port;
    ex.sentQuery = query;
    ex.sentQuestionEnd = questionEnd;
    ex.deadline = now + this.opts.timeoutMs;
    const send = ++ex.sends;
    sock.add(ex);
    if (!sock.checkNext()) {
      // Unchecked (see checkNext): a send error here is learnt at the deadline, as a timeout.
      this.opts.sendQueue.send(sock.socket, query, target.port, target.ip);
      return;
    }
    this.opts.sendQueue.send(sock.socket, query, target.port, target.ip, (err) => {
      const failed = err !== null && err !== undefined;
      sock.checked(!failed);
      if (!failed || ex.sends !== send || ex.waitingOn !== sock) return;
      sock.remove(ex);
      notify(ex, 'network', err.message, this.opts.log);
    });
  }

  /** Opens a fresh socket for src; once it is bound, new queries leave through it and the old one retires. */
  private rotate(src: Source): void {
    src.rotating = true;
    this.openSocket(src.ip, src.family).then(
      (fresh) => {
        src.rotating = false;
        src.since = this.opts.now();
        if (this.closed) {
          void fresh.socket.close();
          return;
        }
        this.rotations++;
        src.retiring.push(src.active);
        src.active = fresh;
        if (src.rotationFailing) this.opts.log?.info({ source: src.ip }, 'upstream socket rotation works again');
        src.rotationFailing = false;
      },
      (err: unknown) => {
        // Keep the current socket (and port) and try again one period later; say so once, not every period.
        src.rotating = false;
        src.since = this.opts.now();
        this.rotationFailures++;
        const detail = { source: src.ip, err: err instanceof Error ? err.message : String(err) };
        if (src.rotationFailing) this.opts.log?.debug(detail, 'cannot open a new upstream socket; keeping the current one');
        else this.opts.log?.warn(detail, 'cannot open a new upstream socket; keeping the current one (logged once until it works again)');
        src.rotationFailing = true;
      },
    );
  }

  private openSource(key: string, sourceIp: string | null, family: 4 | 6): Promise<SourceEntry> {
    const opening = this.openSocket(sourceIp, family).then(
      (sock): SourceEntry => new Source(sourceIp, family, sock, this.opts.now()),
      (err: unknown): SourceEntry => ({ ok: false, error: err instanceof Error ? err.message : String(err), at: this.opts.now() }),
    );
    this.sources.set(key, opening);
    void opening.then((result) => {
      if (this.closed && result.ok) void result.active.socket.close();
      else if (this.sources.get(key) === opening) this.sources.set(key, result);
      if (!result.ok) this.opts.log?.warn({ source: sourceIp, err: result.error }, 'cannot open upstream socket');
    });
    return opening;
  }

  private async openSocket(sourceIp: string | null, family: 4 | 6): Promise<UpstreamSocket> {
    const table = this.spareTables.pop() ?? new Array<Exchange | undefined>(ID_SPACE).fill(undefined);
    let sock: UpstreamSocket | null = null;
    try {
      const socket = await (this.opts.openSocket ?? openDatagramSocket)({
        io: this.opts.udpIo,
        family,
        address: sourceIp,
        port: 0,
        // A socket of its own even in a cluster worker, else replies land in another worker.
        exclusive: true,
        recvBufferBytes: 0,
        onMessage: (msg, address, port) => {
          if (sock !== null) this.onMessage(sock, msg, address, port);
        },
        onError: (err) => this.opts.log?.warn({ err: err.message, source: sourceIp }, 'upstream socket error'),
      });
      sock = new UpstreamSocket(socket, table);
      return sock;
    } catch (err) {
      this.spareTables.push(table);
      throw err;
    }
  }

  private onMessage(sock: UpstreamSocket, msg: Buffer, address: string, port: number): void {
    if (msg.length < HEADER_SIZE) {
      this.unmatched++;
      return;
    }
    const id = msg.readUInt16BE(0);
    const p = sock.get(id);
    if (p === undefined || address !== p.sentIp || port !== p.sentPort) {
      this.unmatched++;
      return;
    }
    sock.remove(p);
    // Right address, port and id but not a reply to our question: a broken server, so fail over now.
    try {
      if (!isResponse(msg) || !questionMatches(msg, p.sentQuery, p.sentQuestionEnd)) p.onFailure('garbage');
      else p.onReply(msg);
    } catch (err) {
      // An exchange must not throw; if one does, it must not take the socket's message handler down with it.
      this.opts.log?.error({ err }, 'upstream reply handler failed');
    }
  }

  private sweep(): void {
    const now = this.opts.now();
    for (const entry of this.sources.values()) {
      if (entry instanceof Promise || !entry.ok) continue;
      expire(entry.active, now, this.opts.log);
      const retiring = entry.retiring;
      for (let i = retiring.length - 1; i >= 0; i--) {
        const sock = retiring[i]!;
        expire(sock, now, this.opts.log);
        if (sock.head === null) {
          // Nothing waits on it any more: a reply arriving later finds the port closed.
          retiring.splice(i, 1);
          void sock.socket.close();
          this.spareTable(sock);
        }
      }
    }
  }

  /** Keeps the id table of a socket that has closed with nothing waiting (so every entry is undefined). */
  private spareTable(sock: UpstreamSocket): void {
    if (this.spareTables.length < 2) this.spareTables.push(sock.byId);
  }

  /** The local ports of a source's open sockets, the active one first (for tests and diagnostics). */
  ports(sourceIp: string): number[] {
    const entry = this.sources.get(sourceIp);
    if (entry === undefined || entry instanceof Promise || !entry.ok) return [];
    return [entry.active, ...entry.retiring].map((s) => s.socket.localPort());
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweeper);
    const entries = await Promise.all([...this.sources.values()]);
    this.sources.clear();
    for (const entry of entries) {
      if (!entry.ok) continue;
      for (const sock of [entry.active, ...entry.retiring]) {
        for (const p of sock.drain()) notify(p, 'closed', undefined, this.opts.log);
        await sock.socket.close();
      }
      entry.retiring.length = 0;
    }
  }
}

/** Fails, as timed out, sock's exchanges whose deadline has passed (the oldest are first in its list). */
function expire(sock: UpstreamSocket, now: number, log: Logger | undefined): void {
  while (sock.head !== null && sock.head.deadline <= now) {
    const p = sock.head;
    sock.remove(p);
    notify(p, 'timeout', undefined, log);
  }
}

/** Tells exchange p that it failed; one that throws (a bug) is logged, not propagated. */
function notify(p: Exchange, reason: ExchangeFailure, detail: string | undefined, log: Logger | undefined): void {
  try {
    p.onFailure(reason, detail);
  } catch (err) {
    log?.error({ err }, 'upstream failure handler failed');
  }
}
