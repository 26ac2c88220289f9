// A DNS listener on one ip:port: a UDP socket and a TCP server (framing, pipelining, connection limits), drained on close.
import net from 'node:net';
import type { Logger } from 'pino';
import { TcpConnection, countClose, type TcpCounters, type TcpLimits } from './tcp-connection.ts';
import type { SendQueue } from './send-queue.ts';
import { familyOf, openDatagramSocket, type DatagramSocket, type UdpIo } from './datagram.ts';

export interface ClientInfo {
  readonly address: string;
  readonly port: number;
  readonly transport: 'udp' | 'tcp';
}

/** A query's way back to its client. respond is called once, at once or later; null means send nothing. */
export interface QueryClient extends ClientInfo {
  respond(reply: Buffer | null): void;
}

/** Answers one message through client.respond. */
export type QueryHandler = (msg: Buffer, client: QueryClient) => void;

/** Where a query's answer goes: the listener's UDP socket, or the client's TCP connection. */
interface AnswerSink {
  answered(query: Query, reply: Buffer | null): void;
}

/** One query: who asked, over what, and whether it has been answered (a second respond is ignored). */
class Query implements QueryClient {
  private done = false;
  constructor(
    private readonly sink: AnswerSink,
    readonly transport: 'udp' | 'tcp',
    readonly address: string,
    readonly port: number,
  ) {}

  respond(reply: Buffer | null): void {
    if (this.done) return;
    this.done = true;
    this.sink.answered(this, reply);
  }
}

export type { TcpLimits } from './tcp-connection.ts';

export interface ListenerOptions extends TcpLimits {
  readonly port: number;
  readonly drainTimeoutMs: number;
  readonly udpRecvBufferBytes: number;
  /** UDP socket implementation (datagram.ts). */
  readonly udpIo: UdpIo;
  /**
   * In a cluster worker: the primary holds the TCP server and shares it (connections dealt out in turn);
   * UDP is a native socket per worker in an SO_REUSEPORT group, or a dgram socket shared like TCP.
   */
  readonly shared: boolean;
  /** Answers go out through it, in bursts. */
  readonly sendQueue: SendQueue;
  /** Where TCP limits that were hit are counted. */
  readonly stats: TcpCounters;
  readonly log?: Logger;
}

const BIND_HINTS: Record<string, string> = {
  EADDRNOTAVAIL: 'address not on this host',
  EADDRINUSE: 'port in use',
  EACCES: 'permission denied; ports below 1024 need CAP_NET_BIND_SERVICE',
  EINVAL: 'invalid address',
};

/** "cannot bind 10.1.2.3:53/udp: EADDRNOTAVAIL (address not on this host)" */
export function bindErrorMessage(ip: string, port: number, proto: 'udp' | 'tcp', err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? (err instanceof Error ? err.message : String(err));
  const hint = BIND_HINTS[code];
  const host = ip.includes(':') ? `[${ip}]` : ip;
  return `cannot bind ${host}:${port}/${proto}: ${code}${hint === undefined ? '' : ` (${hint})`}`;
}

export class Listener implements AnswerSink {
  private closing = false;
  private inFlight = 0;
  private drained: (() => void) | null = null;
  private readonly connections = new Set<TcpConnection>();
  /** Orders connections by their last complete query (the oldest idle one is evicted first). */
  private activity = 0;

  private constructor(
    readonly ip: string,
    private readonly udp: DatagramSocket,
    private readonly tcp: net.Server,
    private readonly opts: ListenerOptions,
    private readonly handler: QueryHandler,
  ) {}

  /** Binds UDP then TCP; on any failure closes what was bound and rejects with a readable message. */
  static async open(ip: string, opts: ListenerOptions, handler: QueryHandler): Promise<Listener> {
    // Datagrams that arrive before the TCP side is up find no listener yet and are dropped.
    let listener: Listener | null = null;
    let udp: DatagramSocket;
    try {
      // In a cluster worker: a native socket of its own in the address's SO_REUSEPORT group, or (node:dgram)
      // the socket the primary opens and shares with every worker.
      udp = await openDatagramSocket({
        io: opts.udpIo,
        family: familyOf(ip),
        address: ip,
        port: opts.port,
        exclusive: !opts.shared,
        reusePort: opts.shared,
        recvBufferBytes: opts.udpRecvBufferBytes,
        onMessage: (msg, address, port) => listener?.onDatagram(msg, address, port),
        onError: (err) => opts.log?.warn({ ip, err: err.message }, 'listener UDP socket error'),
      });
    } catch (err) {
      throw new Error(bindErrorMessage(ip, opts.port, 'udp', err));
    }
    let tcp: net.Server;
    try {
      tcp = await listenTcp(ip, opts);
    } catch (err) {
      await udp.close();
      throw err;
    }
    const opened = new Listener(ip, udp, tcp, opts, handler);
    listener = opened;
    tcp.on('connection', (socket) => opened.onConnection(socket));
    tcp.on('error', (err) => opts.log?.warn({ ip, err: err.message }, 'listener TCP server error'));
    return opened;
  }

  /** Runs the handler for one message (its answer goes to sink); a handler that throws gets the query answered with nothing. */
  dispatch(sink: AnswerSink, transport: 'udp' | 'tcp', msg: Buffer, address: string, port: number): void {
    const query = new Query(sink, transport, address, port);
    this.inFlight++;
    try {
      this.handler(msg, query);
    } catch (err) {
      this.opts.log?.error({ err }, 'query handler failed');
      query.respond(null);
    }
  }

  private onDatagram(msg: Buffer, address: string, port: number): void {
    if (this.closing) return;
    this.dispatch(this, 'udp', msg, address, port);
  }

  /** A UDP query's answer: sent (if any), and the query counted out of flight. */
  answered(query: Query, reply: Buffer | null): void {
    // No callback: a failed send of an answer has no one to tell (an unconnected UDP send to a client
    // that went away), and a callback would cost a tick per answer. close() flushes the queue first.
    if (reply !== null) this.opts.sendQueue.send(this.udp, reply, query.port, query.address);
    this.settled();
  }

  /** A query has been answered (or dropped): a draining close() waits for the count to reach zero. */
  settled(): void {
    this.inFlight--;
    if (this.inFlight === 0 && this.drained !== null) this.drained();
  }

  private onConnection(socket: net.Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    // A full table makes room by closing its oldest idle connection (as unbound and knot do), so that slow
    // clients cannot keep new ones out; only when every connection still owes answers is the new one refused.
    if (this.connections.size >= this.opts.tcpMaxConnections && !this.evictOldestIdle()) {
      countClose(this.opts.stats, 'refused');
      socket.destroy();
      return;
    }
    this.connections.add(new TcpConnection(this, socket, this.opts));
  }

  private evictOldestIdle(): boolean {
    let oldest: TcpConnection | null = null;
    for (const c of this.connections) if (c.idle && (oldest === null || c.lastActive < oldest.lastActive)) oldest = c;
    oldest?.close('evicted');
    return oldest !== null;
  }

  /** A connection left the table (closed by either side). */
  forget(conn: TcpConnection): void {
    this.connections.delete(conn);
  }

  nextActivity(): number {
    return ++this.activity;
  }

  /** Open TCP connections and the answer bytes queued to them in this process (gauges). */
  tcpLoad(): { connections: number; queuedBytes: number } {
    let queuedBytes = 0;
    for (const c of this.connections) queuedBytes += c.queuedBytes;
    return { connections: this.connections.size, queuedBytes };
  }

  get isClosing(): boolean {
    return this.closing;
  }

  /** Stops taking queries, lets the ones in flight finish (up to drainTimeoutMs), then closes both sockets. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const tcpClosed = new Promise<void>((resolve) => this.tcp.close(() => resolve()));
    if (this.inFlight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.opts.drainTimeoutMs);
        this.drained = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    for (const conn of this.connections) conn.close(null);
    this.opts.sendQueue.flush(); // the answers of the last queries are still queued
    await this.udp.close();
    await tcpClosed;
  }
}

function listenTcp(ip: string, opts: ListenerOptions): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    // The socket's writable high-water mark is where write() returns false and reading pauses.
    const server = net.createServer({ highWaterMark: opts.tcpWriteHighWaterBytes });
    const onError = (err: Error): void => {
      server.close();
      reject(new Error(bindErrorMessage(ip, opts.port, 'tcp', err)));
    };
    server.once('error', onError);
    server.listen({ host: ip, port: opts.port, exclusive: !opts.shared }, () => {
      server.off('error', onError);
      resolve(server);
    });
  });
}
