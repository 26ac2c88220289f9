// A UDP exchange with an upstream as the pool tracks it, and one upstream socket's table of the exchanges waiting on it.
// An exchange reports to itself rather than through a promise: a forwarded query is the hottest path of
// the data plane, and callbacks on one long-lived object cost less than a promise chain.
import type { DatagramSocket } from './datagram.ts';

export type ExchangeFailure = 'timeout' | 'garbage' | 'network' | 'source' | 'busy' | 'closed';
export type ExchangeResult =
  | { readonly ok: true; readonly reply: Buffer }
  | { readonly ok: false; readonly reason: ExchangeFailure; readonly detail?: string };

const NO_QUERY = Buffer.alloc(0);

/**
 * One UDP exchange with an upstream as the pool tracks it, and who is told how it ended: for each send,
 * exactly one of onReply and onFailure, exactly once; neither may throw. The forwarder's job for a
 * query extends it, so that a forwarded query's attempts need no object of their own: an exchange is
 * sent again (a new id, maybe another socket) only after its previous send has ended.
 */
export abstract class Exchange {
  // What the pool sets when it sends: the id, the target, the query sent (for the question check) and the deadline.
  sentId = 0;
  sentIp = '';
  sentPort = 0;
  sentQuery: Buffer = NO_QUERY;
  sentQuestionEnd = 0;
  deadline = 0;
  /** Neighbours in its socket's deadline list. */
  older: Exchange | null = null;
  newer: Exchange | null = null;
  /** The socket it waits on; null when it is not in flight. */
  waitingOn: UpstreamSocket | null = null;
  /** Sends so far: a send error reported after the exchange has moved on is ignored. */
  sends = 0;

  abstract onReply(reply: Buffer): void;
  abstract onFailure(reason: ExchangeFailure, detail?: string): void;
}

/** Query ids: a socket's table has a place for every one. */
export const ID_SPACE = 65536;
const CONFIRMED_BEFORE_SAMPLING = 8;
const CHECK_EVERY = 16;

/**
 * One upstream socket and the exchanges waiting on it: found by query id in a table of all 65,536 ids,
 * and kept in a list in deadline order (every attempt gets the same timeout, so sending order is deadline
 * order). Neither allocates per exchange; a Map with an entry added and one
 * deleted per query rebuilds its table every few hundred queries.
 */
export class UpstreamSocket {
  /** Oldest (first to expire) and newest. */
  head: Exchange | null = null;
  private tail: Exchange | null = null;
  /** Checked sends in a row that succeeded (0 after a send error). */
  private confirmed = 0;
  /** Sends since the last checked one. */
  private sinceChecked = 0;

  constructor(
    readonly socket: DatagramSocket,
    /** All undefined: a new table, or the table of a closed socket (half a megabyte, so rotation reuses it). */
    readonly byId: (Exchange | undefined)[],
  ) {}

  /**
   * Whether the next send should carry a callback (which is how a send error is learnt at once rather than
   * at the deadline). A callback costs a closure, a tick and a call per datagram, about 5% of a forwarded
   * query's CPU, and the errors it catches (no route, not permitted, the source address gone) persist once
   * they start: so every send through a node:dgram socket is checked until CONFIRMED_BEFORE_SAMPLING in a row have succeeded, then one
   * in CHECK_EVERY, and after an error every send again.
   */
  checkNext(): boolean {
    if (this.socket.io === 'native') return true; // a native send's result is known at once, for free
    if (this.confirmed < CONFIRMED_BEFORE_SAMPLING || ++this.sinceChecked >= CHECK_EVERY) {
      this.sinceChecked = 0;
      return true;
    }
    return false;
  }

  /** How a checked send ended. */
  checked(ok: boolean): void {
    this.confirmed = ok ? this.confirmed + 1 : 0;
  }

  has(id: number): boolean {
    return this.byId[id] !== undefined;
  }

  get(id: number): Exchange | undefined {
    return this.byId[id];
  }

  add(p: Exchange): void {
    this.byId[p.sentId] = p;
    p.waitingOn = this;
    p.older = this.tail;
    if (this.tail === null) this.head = p;
    else this.tail.newer = p;
    this.tail = p;
  }

  remove(p: Exchange): void {
    this.byId[p.sentId] = undefined;
    p.waitingOn = null;
    if (p.older === null) this.head = p.newer;
    else p.older.newer = p.newer;
    if (p.newer === null) this.tail = p.older;
    else p.newer.older = p.older;
    p.older = null;
    p.newer = null;
  }

  /** Removes and returns every exchange, oldest first. */
  drain(): Exchange[] {
    const all: Exchange[] = [];
    while (this.head !== null) {
      const p = this.head;
      this.remove(p);
      all.push(p);
    }
    return all;
  }
}
