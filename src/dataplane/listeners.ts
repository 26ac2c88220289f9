// A DNS listener on one ip:port: a UDP socket and a TCP server (length framing, pipelining, idle timeout), drained on close.
import type dgram from 'node:dgram';
import net from 'node:net';
import type { Logger } from 'pino';
import { createUdpSocket, familyOf } from './udp.ts';

export interface ClientInfo {
  readonly address: string;
  readonly port: number;
  readonly transport: 'udp' | 'tcp';
}

/** Answers one message, at once or later; null means send nothing. Must not throw; a promise must not reject. */
export type QueryHandler = (msg: Buffer, client: ClientInfo) => Buffer | null | Promise<Buffer | null>;

export interface ListenerOptions {
  readonly port: number;
  readonly tcpIdleTimeoutMs: number;
  readonly tcpMaxConnections: number;
  readonly tcpMaxPipelined: number;
  readonly tcpMaxQueryBytes: number;
  readonly drainTimeoutMs: number;
  readonly udpRecvBufferBytes: number;
  /** In a cluster worker: the primary holds the sockets and shares them (UDP datagrams and TCP connections spread over the workers). */
  readonly shared: boolean;
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

export class Listener {
  private closing = false;
  private inFlight = 0;
  private drained: (() => void) | null = null;
  private readonly connections = new Set<net.Socket>();

  private constructor(
    readonly ip: string,
    private readonly udp: dgram.Socket,
    private readonly tcp: net.Server,
    private readonly opts: ListenerOptions,
    private readonly handler: QueryHandler,
  ) {}

  /** Binds UDP then TCP; on any failure closes what was bound and rejects with a readable message. */
  static async open(ip: string, opts: ListenerOptions, handler: QueryHandler): Promise<Listener> {
    const udp = await bindUdp(ip, opts);
    let tcp: net.Server;
    try {
      tcp = await listenTcp(ip, opts);
    } catch (err) {
      await new Promise<void>((resolve) => udp.close(() => resolve()));
      throw err;
    }
    const listener = new Listener(ip, udp, tcp, opts, handler);
    udp.on('message', (msg, rinfo) => listener.onDatagram(msg, rinfo));
    udp.on('error', (err) => opts.log?.warn({ ip, err: err.message }, 'listener UDP socket error'));
    tcp.on('connection', (socket) => listener.onConnection(socket));
    tcp.on('error', (err) => opts.log?.warn({ ip, err: err.message }, 'listener TCP server error'));
    return listener;
  }

  private track<T>(work: Promise<T>): Promise<T> {
    this.inFlight++;
    return work.finally(() => {
      this.inFlight--;
      if (this.inFlight === 0 && this.drained !== null) this.drained();
    });
  }

  private onDatagram(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    if (this.closing) return;
    const client: ClientInfo = { address: rinfo.address, port: rinfo.port, transport: 'udp' };
    let result: Buffer | null | Promise<Buffer | null>;
    try {
      result = this.handler(msg, client);
    } catch (err) {
      this.opts.log?.error({ err }, 'query handler failed');
      return;
    }
    if (!(result instanceof Promise)) {
      // Answered at once (cache hit, refusal): no promise, no completion callback. An unconnected UDP
      // send reports failures through the socket's 'error' event, which is logged.
      if (result !== null) this.sendUdp(result, rinfo);
      return;
    }
    // Counted in flight until the answer is sent, so a draining close() waits for it (one promise per query).
    this.inFlight++;
    result.then(
      (reply) => {
        if (reply !== null) this.sendUdp(reply, rinfo);
        this.settled();
      },
      (err: unknown) => {
        this.opts.log?.error({ err }, 'query handler failed');
        this.settled();
      },
    );
  }

  private settled(): void {
    this.inFlight--;
    if (this.inFlight === 0 && this.drained !== null) this.drained();
  }

  private sendUdp(reply: Buffer, rinfo: dgram.RemoteInfo): void {
    try {
      this.udp.send(reply, rinfo.port, rinfo.address);
    } catch {
      // the socket closed while the answer was being prepared (drain timeout)
    }
  }

  private onConnection(socket: net.Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    this.connections.add(socket);
    socket.setNoDelay(true);
    socket.setTimeout(this.opts.tcpIdleTimeoutMs);
    let buffered: Buffer = Buffer.alloc(0);
    let pending = 0;
    const client: ClientInfo = { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0, transport: 'tcp' };
    const answer = (msg: Buffer): void => {
      pending++;
      if (pending >= this.opts.tcpMaxPipelined) socket.pause();
      const work = Promise.resolve(this.handler(msg, client)).then((reply) => {
        if (reply === null || socket.destroyed || !socket.writable) return;
        const frame = Buffer.allocUnsafe(2 + reply.length);
        frame.writeUInt16BE(reply.length, 0);
        reply.copy(frame, 2);
        socket.write(frame);
      });
      void this.track(work)
        .catch((err: unknown) => this.opts.log?.error({ err }, 'query handler failed'))
        .finally(() => {
          pending--;
          if (socket.isPaused() && pending < this.opts.tcpMaxPipelined && !this.closing) socket.resume();
          if (pending === 0 && this.closing) socket.end();
        });
    };
    socket.on('data', (chunk: Buffer) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2) {
        const length = buffered.readUInt16BE(0);
        if (length > this.opts.tcpMaxQueryBytes) {
          socket.destroy(); // cannot skip safely without reading it all; a query this large is abuse
          return;
        }
        if (buffered.length < 2 + length) break;
        const msg = buffered.subarray(2, 2 + length);
        buffered = buffered.subarray(2 + length);
        answer(msg);
      }
    });
    // RFC 7766 6.2.3: close idle connections, but not while answers are still owed.
    socket.on('timeout', () => {
      if (pending === 0) socket.end();
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.connections.delete(socket));
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
    for (const socket of this.connections) socket.destroy();
    await new Promise<void>((resolve) => this.udp.close(() => resolve()));
    await tcpClosed;
  }
}

function bindUdp(ip: string, opts: ListenerOptions): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const udp = createUdpSocket(familyOf(ip));
    const onError = (err: Error): void => {
      try {
        udp.close();
      } catch {
        // not bound: nothing to close
      }
      reject(new Error(bindErrorMessage(ip, opts.port, 'udp', err)));
    };
    udp.once('error', onError);
    udp.bind({ address: ip, port: opts.port }, () => {
      udp.off('error', onError);
      try {
        if (opts.udpRecvBufferBytes > 0) udp.setRecvBufferSize(opts.udpRecvBufferBytes);
      } catch (err) {
        opts.log?.debug({ err }, 'cannot raise the UDP receive buffer');
      }
      resolve(udp);
    });
  });
}

function listenTcp(ip: string, opts: ListenerOptions): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.maxConnections = opts.tcpMaxConnections;
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
