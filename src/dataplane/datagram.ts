// The data plane's UDP sockets, behind one small interface with two implementations:
// - "native": the vpcdns_udp addon (native/udp.c): recvmmsg reads up to 32 datagrams per readiness event
//   and calls JavaScript once for all of them; sends are synchronous sendto calls. This skips most of
//   what Node's dgram costs per datagram (docs/adr/0002-native-udp.md has the measurements);
// - "node": node:dgram, for hosts where the addon could not be built, and for listeners shared between
//   cluster workers (only dgram sockets can be handed over by the primary).
import dgram from 'node:dgram';
import dns from 'node:dns';
import { createRequire } from 'node:module';
import { copyBytes } from './wire.ts';

export type SendCallback = (err: Error | null) => void;
/** One datagram: a Buffer of its own (the handler may keep it), and who sent it (address as dgram prints it). */
export type DatagramHandler = (msg: Buffer, address: string, port: number) => void;

/** Which implementation: "auto" is native when the addon loaded, else node. */
export type UdpIo = 'auto' | 'native' | 'node';

export interface DatagramSocket {
  readonly io: 'native' | 'node';
  /**
   * Sends one datagram. callback (optional) hears whether it was handed to the kernel: at once for a
   * native socket, on a later tick for a node one. Without a callback a failed send is not reported
   * (as with dgram).
   */
  send(buffer: Buffer, port: number, address: string, callback?: SendCallback): void;
  localPort(): number;
  /**
   * Stops receiving and closes; idempotent. No datagram is delivered after it (a handler that closes the
   * socket gets none of the rest of its read). A datagram waiting in a native socket's send queue is dropped.
   */
  close(): Promise<void>;
}

export interface DatagramOptions {
  readonly io: UdpIo;
  readonly family: 4 | 6;
  /** null: any address of the family. */
  readonly address: string | null;
  /** 0: a random free port. */
  readonly port: number;
  /**
   * node only: false lets a cluster worker's bind go through the primary, which shares one socket among
   * the workers. A native socket is always the process's own.
   */
  readonly exclusive: boolean;
  /**
   * native only: join the address's SO_REUSEPORT group, so that each cluster worker has a listener socket
   * of its own on the same address and port, and the kernel spreads datagrams over them by flow.
   */
  readonly reusePort?: boolean;
  /** SO_RCVBUF; 0 keeps the system default. */
  readonly recvBufferBytes: number;
  readonly onMessage: DatagramHandler;
  /** Socket errors after the bind (node:dgram's 'error' event). */
  readonly onError: (err: Error) => void;
}

// ---------------------------------------------------------------------------------------------------
// The addon

interface NativeUdp {
  readonly BATCH: number;
  readonly SLOT: number;
  readonly META_INTS: number;
  init(slab: Buffer, meta: Int32Array): void;
  open(family: 4 | 6, address: string, port: number, recvBufferBytes: number, onDatagrams: (count: number) => void, reusePort: boolean): NativeHandle;
  send(handle: NativeHandle, buffer: Buffer, port: number, address: string): number;
  close(handle: NativeHandle): void;
  localPort(handle: NativeHandle): number;
  counters(handle: NativeHandle): [number, number, number];
  deferSends(handle: NativeHandle, n: number): void;
  peerText(slot: number): string;
  errorName(code: number): string;
}
declare const nativeHandleBrand: unique symbol;
type NativeHandle = { readonly [nativeHandleBrand]: true };

interface Loaded {
  readonly udp: NativeUdp;
  readonly slab: Buffer;
  readonly meta: Int32Array;
}

let loaded: Loaded | null | undefined;
let loadError = '';

function loadNative(): Loaded | null {
  if (loaded !== undefined) return loaded;
  try {
    const require = createRequire(import.meta.url);
    const udp = require('../../build/Release/vpcdns_udp.node') as NativeUdp;
    const slab = Buffer.alloc(udp.BATCH * udp.SLOT);
    const meta = new Int32Array(udp.BATCH * udp.META_INTS);
    udp.init(slab, meta);
    loaded = { udp, slab, meta };
  } catch (err) {
    loadError = err instanceof Error ? err.message : String(err);
    loaded = null;
  }
  return loaded;
}

/** Whether the addon is there; when not, why (the build's output is in npm ci's log). */
export function nativeUdpStatus(): { readonly available: boolean; readonly error: string } {
  const n = loadNative();
  return { available: n !== null, error: n === null ? loadError : '' };
}

/** Which implementation io selects on this host: "native" asked for but missing is an error. */
export function resolveUdpIo(io: UdpIo): 'native' | 'node' {
  if (io === 'node') return 'node';
  const n = loadNative();
  if (n !== null) return 'native';
  if (io === 'native') throw new Error(`dns.udp_io is "native" but the vpcdns_udp addon did not load: ${loadError} (run npm ci, or npm run install, with a C compiler present)`);
  return 'node';
}

/** Opens and binds a socket; a failure (bind error, missing addon for "native") is a rejection, never a throw. */
export function openDatagramSocket(o: DatagramOptions): Promise<DatagramSocket> {
  try {
    return resolveUdpIo(o.io) === 'native' ? Promise.resolve(openNative(loadNative()!, o)) : openNode(o);
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}

// ---------------------------------------------------------------------------------------------------
// Native sockets

/** An errno-style Error, as dgram makes them: message "send EINVAL 10.0.0.1:53", code "EINVAL". */
function sendError(udp: NativeUdp, rc: number, address: string, port: number): Error {
  const code = udp.errorName(rc);
  return Object.assign(new Error(`send ${code} ${address}:${port}`), { code, errno: rc, syscall: 'send' });
}

// The printed form of recent IPv4 senders, so that a burst from one upstream or client does not build
// the same string again for every datagram (and so that comparing it is comparing one flat string).
const V4_CACHE = 256;
const v4Keys = new Int32Array(V4_CACHE);
const v4Texts: (string | undefined)[] = new Array<string | undefined>(V4_CACHE).fill(undefined);

export function ipv4Text(a: number): string {
  const slot = (a ^ (a >>> 8) ^ (a >>> 16)) & (V4_CACHE - 1);
  const cached = v4Texts[slot];
  if (cached !== undefined && v4Keys[slot] === a) return cached;
  const text = `${(a >>> 24) & 255}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
  v4Keys[slot] = a;
  v4Texts[slot] = text;
  return text;
}

// Native sockets open now, and what the closed ones counted: the process's totals of sends that waited
// for a writable socket and of sends dropped (nativeSendCounters).
const openNatives = new Set<NativeDatagramSocket>();
let closedWaited = 0;
let closedDropped = 0;

/**
 * Over every native socket of this process, open or closed: sends that waited for the socket to become
 * writable (the kernel's send buffer was full), and sends dropped (that queue was full, a waiting send
 * failed when written, or the socket closed with sends still waiting).
 */
export function nativeSendCounters(): { readonly waited: number; readonly dropped: number } {
  let waited = closedWaited;
  let dropped = closedDropped;
  for (const s of openNatives) {
    const [w, d] = s.counters();
    waited += w;
    dropped += d;
  }
  return { waited, dropped };
}

/** Above this a datagram is copied with Buffer.copy; below, byte by byte (cheaper than Node 20's view-building copy). */
const BYTEWISE_MAX = 256;

export class NativeDatagramSocket implements DatagramSocket {
  readonly io = 'native' as const;

  constructor(
    private readonly n: Loaded,
    private readonly handle: NativeHandle,
    /** Shared with the socket's read callback, which stops delivering a batch once the socket is closed. */
    private readonly state: { closed: boolean },
  ) {
    // Reachable while open (as a dgram socket is): the addon's finalizer would otherwise close a socket
    // that nothing in JavaScript refers to any more.
    openNatives.add(this);
  }

  send(buffer: Buffer, port: number, address: string, callback?: SendCallback): void {
    const rc = this.n.udp.send(this.handle, buffer, port, address);
    if (rc >= 0) {
      // 0: sent; 1: the kernel's buffer was full and it waits in the socket's queue, which is as good
      // as sent for a caller (dgram's callback would be called later, without an error).
      callback?.(null);
      return;
    }
    // Without a callback a failed send is not reported, as with dgram.
    if (callback !== undefined) callback(sendError(this.n.udp, rc, address, port));
  }

  localPort(): number {
    return this.n.udp.localPort(this.handle);
  }

  /** [sends that waited for the socket to become writable, sends dropped, waiting now]. */
  counters(): [number, number, number] {
    return this.n.udp.counters(this.handle);
  }

  /** Tests: the next n sends wait in the socket's queue as if the kernel's buffer were full. */
  deferSends(n: number): void {
    this.n.udp.deferSends(this.handle, n);
  }

  close(): Promise<void> {
    if (!this.state.closed) {
      this.state.closed = true;
      this.n.udp.close(this.handle);
      // Its counters move to the closed sockets' totals (close counted what still waited as dropped).
      const [waited, dropped] = this.n.udp.counters(this.handle);
      closedWaited += waited;
      closedDropped += dropped;
      openNatives.delete(this);
    }
    return Promise.resolve();
  }
}

function openNative(n: Loaded, o: DatagramOptions): DatagramSocket {
  const { udp, slab, meta } = n;
  const stride = udp.META_INTS;
  const handler = o.onMessage;
  const state = { closed: false };
  const onDatagrams = (count: number): void => {
    let failure: unknown = null;
    // A handler may close the socket: the rest of the batch is then dropped, as a closed dgram socket's would be.
    for (let i = 0, m = 0; i < count && !state.closed; i++, m += stride) {
      const len = meta[m + 1]!;
      if (len < 0) continue; // cut short: cannot happen with 64 KiB slots, dropped if it does
      const off = meta[m]!;
      const msg = Buffer.allocUnsafe(len);
      if (len <= BYTEWISE_MAX) copyBytes(slab, off, off + len, msg, 0);
      else slab.copy(msg, 0, off, off + len);
      const address = meta[m + 3] === 4 ? ipv4Text(meta[m + 4]!) : udp.peerText(i);
      // The rest of the batch is still delivered if a handler throws; the first error is rethrown after
      // (to the process's uncaught-exception handling, as an exception in a dgram listener would go).
      try {
        handler(msg, address, meta[m + 2]!);
      } catch (err) {
        if (failure === null) failure = err;
      }
    }
    if (failure !== null) throw failure;
  };
  const handle = udp.open(o.family, o.address ?? (o.family === 6 ? '::' : '0.0.0.0'), o.port, o.recvBufferBytes, onDatagrams, o.reusePort === true);
  return new NativeDatagramSocket(n, handle, state);
}

// ---------------------------------------------------------------------------------------------------
// node:dgram sockets

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string, family: number) => void;

/**
 * 6 if address has a colon (no host name has one), 4 if it is only digits and dots, else 0 (a host
 * name). Not a validation: the kernel's address parser rejects a malformed literal at send. It replaces
 * net.isIP, whose regular expressions ran for every datagram sent.
 */
export function literalFamily(address: string): 0 | 4 | 6 {
  let digitsAndDots = address.length > 0;
  for (let i = 0; i < address.length; i++) {
    const c = address.charCodeAt(i);
    if (c === 58) return 6; // ':'
    if (c !== 46 && (c < 48 || c > 57)) digitsAndDots = false;
  }
  return digitsAndDots ? 4 : 0;
}

// Every address the data plane sends to or binds is an IP literal, so dgram's per-send lookup answers at
// once instead of going through dns.lookup and a deferred callback for each datagram.
function literalLookup(address: string, options: number | dns.LookupOneOptions, callback: LookupCallback): void {
  const family = literalFamily(address);
  if (family !== 0) {
    callback(null, address, family);
    return;
  }
  // Not reached by the data plane's own callers; kept so that a host name still works.
  dns.lookup(address, typeof options === 'number' ? { family: options } : options, callback);
}

/** 6 for an IPv6 literal, else 4 (callers pass validated literals). */
export function familyOf(ip: string): 4 | 6 {
  return literalFamily(ip) === 6 ? 6 : 4;
}

class NodeDatagramSocket implements DatagramSocket {
  readonly io = 'node' as const;
  private closing: Promise<void> | null = null;

  constructor(private readonly socket: dgram.Socket) {}

  send(buffer: Buffer, port: number, address: string, callback?: SendCallback): void {
    try {
      if (callback === undefined) this.socket.send(buffer, port, address);
      else this.socket.send(buffer, port, address, callback);
    } catch (err) {
      // The socket has closed.
      const e = err instanceof Error ? err : new Error(String(err));
      callback?.(e);
    }
  }

  localPort(): number {
    return this.socket.address().port;
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      try {
        this.socket.close(() => resolve());
      } catch {
        resolve(); // never bound, or already closed
      }
    });
    return this.closing;
  }
}

function openNode(o: DatagramOptions): Promise<DatagramSocket> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket({ type: o.family === 6 ? 'udp6' : 'udp4', lookup: literalLookup as unknown as dgram.SocketOptions['lookup'] });
    const onBindError = (err: Error): void => {
      try {
        socket.close();
      } catch {
        // not bound: nothing to close
      }
      reject(err);
    };
    socket.once('error', onBindError);
    const bindOpts: dgram.BindOptions = { port: o.port, exclusive: o.exclusive };
    if (o.address !== null) bindOpts.address = o.address;
    socket.bind(bindOpts, () => {
      socket.off('error', onBindError);
      socket.on('error', o.onError);
      try {
        if (o.recvBufferBytes > 0) socket.setRecvBufferSize(o.recvBufferBytes);
      } catch {
        // capped or refused by the kernel: the default buffer still works
      }
      const handler = o.onMessage;
      socket.on('message', (msg, rinfo) => handler(msg, rinfo.address, rinfo.port));
      resolve(new NodeDatagramSocket(socket));
    });
  });
}
