// One DNS client's TCP connection: length framing, pipelining and the limits that keep a client from holding memory or slots.
import type net from 'node:net';
import type { DataPlaneStats } from './contract.ts';

/** Why the server closed a TCP connection (the reason label of vpcdns_dns_tcp_connections_closed_total). */
export type TcpCloseReason = 'idle' | 'frame_timeout' | 'evicted' | 'refused' | 'backlog' | 'oversize';

/** The TCP limits of a listener; docs/dataplane.md's limits table explains each. */
export interface TcpLimits {
  readonly tcpIdleTimeoutMs: number;
  readonly tcpFrameTimeoutMs: number;
  readonly tcpMaxConnections: number;
  readonly tcpMaxPipelined: number;
  readonly tcpMaxQueryBytes: number;
  readonly tcpWriteHighWaterBytes: number;
  readonly tcpMaxQueuedBytes: number;
}

/** Where TCP limits that were hit are counted. */
export type TcpCounters = Pick<DataPlaneStats, 'tcpClosedByReason' | 'tcpReadPauses'>;

/** What a connection needs from its listener. */
export interface TcpConnectionHost {
  readonly isClosing: boolean;
  /** Runs the handler for one query; its answer comes back through sink.answered. */
  dispatch(sink: TcpConnection, transport: 'tcp', msg: Buffer, address: string, port: number): void;
  /** A query has been answered (or dropped). */
  settled(): void;
  /** The connection left the table (closed by either side). */
  forget(conn: TcpConnection): void;
  /** The next value of the listener's activity order. */
  nextActivity(): number;
}

export function countClose(stats: TcpCounters, reason: TcpCloseReason): void {
  stats.tcpClosedByReason[reason] = (stats.tcpClosedByReason[reason] ?? 0) + 1;
}

/**
 * One client's TCP connection: length framing and pipelining, each bounded (docs/dataplane.md, limits).
 * Frames are taken from the input only while fewer than tcpMaxPipelined answers are owed and the output
 * is below its high-water mark; otherwise reading pauses, so neither queries in flight nor queued answers
 * grow with what the client sends. Timers follow RFC 7766 6.2.3: the idle timer restarts on a complete
 * query (or drained output), never on partial bytes, and a frame must be complete within tcpFrameTimeoutMs.
 */
export class TcpConnection {
  private buffered: Buffer = Buffer.alloc(0);
  private pending = 0;
  /** The output reached the socket's high-water mark: reading waits for 'drain'. */
  private draining = false;
  private pumping = false;
  private closed = false;
  private readonly address: string;
  private readonly port: number;
  private readonly idleTimer: NodeJS.Timeout;
  private frameTimer: NodeJS.Timeout | null = null;
  /** When it last completed a query (Listener.nextActivity order). */
  lastActive: number;

  constructor(
    private readonly listener: TcpConnectionHost,
    private readonly socket: net.Socket,
    private readonly opts: TcpLimits & { readonly stats: TcpCounters },
  ) {
    this.address = socket.remoteAddress ?? '';
    this.port = socket.remotePort ?? 0;
    this.lastActive = listener.nextActivity();
    socket.setNoDelay(true);
    this.idleTimer = setTimeout(() => this.onIdle(), opts.tcpIdleTimeoutMs);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.onDrain());
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.close(null));
  }

  /** No answer owed: a partial frame or unread output does not protect it from eviction. */
  get idle(): boolean {
    return this.pending === 0;
  }

  get queuedBytes(): number {
    return this.socket.writableLength;
  }

  /** Closes the connection at once (counted under reason; null: the client or the listener closed it). */
  close(reason: TcpCloseReason | null): void {
    if (this.closed) return;
    this.closed = true;
    if (reason !== null) countClose(this.opts.stats, reason);
    clearTimeout(this.idleTimer);
    this.stopFrameTimer();
    this.buffered = Buffer.alloc(0);
    this.listener.forget(this);
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    this.pump();
  }

  private get blocked(): boolean {
    return this.pending >= this.opts.tcpMaxPipelined || this.draining || this.listener.isClosing;
  }

  /** Dispatches the complete frames buffered while it may, then pauses or resumes reading accordingly. */
  private pump(): void {
    // An answer given inside dispatch() lands here again: the loop below goes on with it.
    if (this.pumping || this.closed) return;
    this.pumping = true;
    let completed = false;
    while (!this.blocked && this.buffered.length >= 2) {
      const length = this.buffered.readUInt16BE(0);
      if (length > this.opts.tcpMaxQueryBytes) {
        this.pumping = false;
        this.close('oversize'); // cannot skip safely without reading it all; a query this large is abuse
        return;
      }
      if (this.buffered.length < 2 + length) break;
      // A copy: a query that waits for an upstream must not keep the whole read it came in alive.
      const msg = Buffer.from(this.buffered.subarray(2, 2 + length));
      this.buffered = this.buffered.subarray(2 + length);
      this.pending++;
      completed = true;
      this.listener.dispatch(this, 'tcp', msg, this.address, this.port);
      if (this.closed) break;
    }
    this.pumping = false;
    if (this.closed) return;
    if (completed) {
      this.lastActive = this.listener.nextActivity();
      this.idleTimer.refresh();
    }
    if (this.blocked) {
      this.stopFrameTimer(); // the server is not reading: the client cannot finish a frame
      this.socket.pause();
      return;
    }
    if (this.socket.isPaused()) this.socket.resume();
    if (this.buffered.length === 0) this.stopFrameTimer();
    else if (completed || this.frameTimer === null) this.startFrameTimer(); // a new frame began
  }

  private startFrameTimer(): void {
    this.stopFrameTimer();
    this.frameTimer = setTimeout(() => this.close('frame_timeout'), this.opts.tcpFrameTimeoutMs);
  }

  private stopFrameTimer(): void {
    if (this.frameTimer === null) return;
    clearTimeout(this.frameTimer);
    this.frameTimer = null;
  }

  /** Idle since the last complete query or drained output: closed, unless answers are still owed. */
  private onIdle(): void {
    if (this.closed) return;
    if (this.socket.writableLength > 0) return this.close('backlog'); // the client stopped reading its answers
    if (this.pending > 0) {
      this.idleTimer.refresh();
      return;
    }
    this.close('idle');
  }

  private onDrain(): void {
    if (!this.draining) return;
    this.draining = false;
    this.idleTimer.refresh();
    this.pump();
  }

  /** A query's answer (null: none), written in the order answers are ready. */
  answered(_query: unknown, reply: Buffer | null): void {
    const socket = this.socket;
    if (reply !== null && !this.closed && socket.writable) {
      const frame = Buffer.allocUnsafe(2 + reply.length);
      frame.writeUInt16BE(reply.length, 0);
      reply.copy(frame, 2);
      if (!socket.write(frame)) this.outputFull();
    }
    this.pending--;
    this.listener.settled();
    if (this.listener.isClosing) {
      if (this.pending === 0 && !this.closed) socket.end();
      return;
    }
    this.pump();
  }

  /** write() said the output is at its high-water mark: stop reading until it drains; close it past the hard limit. */
  private outputFull(): void {
    if (this.socket.writableLength > this.opts.tcpMaxQueuedBytes) return this.close('backlog');
    if (this.draining) return;
    this.draining = true;
    this.opts.stats.tcpReadPauses++;
  }
}
