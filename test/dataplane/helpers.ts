// Test helpers for the data plane: a scriptable fake upstream DNS server (UDP and TCP) and small DNS clients.
import { nativeUdpStatus } from '../../src/dataplane/datagram.ts';
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket from 'dns-packet';
import type { Answer, DecodedPacket, Packet } from 'dns-packet';
import type { UpstreamTarget } from '../../src/dataplane/types.ts';
import { bindUdpTcp } from '../helpers/loopback.ts';

export type UpstreamMode =
  | 'answer' // an A record (TTL ttl) for every query
  | 'silent' // never answers
  | 'garbage' // random bytes
  | 'wrong-question' // the right id with another question
  | 'tc' // TC=1 over UDP, the full answer over TCP
  | 'nxdomain' // NXDOMAIN with an SOA in the authority section
  | 'nodata' // NOERROR, no answer, SOA in authority
  | 'big' // many TXT records (larger than 512 bytes)
  | 'huge'; // TC=1 over UDP; over TCP, TXT records of about hugeBytes in all (a hostile upstream's 60 KB answers)

export interface ReceivedQuery {
  readonly transport: 'udp' | 'tcp';
  readonly address: string;
  readonly port: number;
  readonly packet: DecodedPacket;
  readonly raw: Buffer;
}

export class FakeUpstream {
  mode: UpstreamMode = 'answer';
  delayMs = 0;
  ttl = 300;
  soaTtl = 600;
  soaMinimum = 60;
  hugeBytes = 60_000;
  readonly received: ReceivedQuery[] = [];

  private constructor(
    readonly ip: string,
    readonly port: number,
    private readonly udp: dgram.Socket,
    private readonly tcp: net.Server,
    readonly answerIp: string,
  ) {}

  /** Starts UDP and TCP on ip and one free port. */
  static async start(ip: string, answerIp = '192.0.2.10'): Promise<FakeUpstream> {
    const { udp, tcp, port } = await bindUdpTcp(ip);
    const up = new FakeUpstream(ip, port, udp, tcp, answerIp);
    udp.on('message', (msg, rinfo) => up.onUdp(msg, rinfo));
    tcp.on('connection', (s) => up.onTcp(s));
    return up;
  }

  get target(): UpstreamTarget {
    return { ip: this.ip, port: this.port };
  }

  private record(transport: 'udp' | 'tcp', raw: Buffer, address: string, port: number): DecodedPacket | null {
    try {
      const packet = dnsPacket.decode(raw);
      this.received.push({ transport, address, port, packet, raw });
      return packet;
    } catch {
      return null;
    }
  }

  private onUdp(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const q = this.record('udp', msg, rinfo.address, rinfo.port);
    if (q === null || this.mode === 'silent') return;
    const reply = this.mode === 'garbage' ? Buffer.from('this is not a DNS message at all', 'utf8') : this.respond(q, 'udp');
    const send = (): void => this.udp.send(reply, rinfo.port, rinfo.address);
    if (this.delayMs > 0) setTimeout(send, this.delayMs);
    else send();
  }

  private onTcp(socket: net.Socket): void {
    let buffered: Buffer = Buffer.alloc(0);
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        const msg = buffered.subarray(2, 2 + buffered.readUInt16BE(0));
        buffered = buffered.subarray(2 + msg.length);
        const q = this.record('tcp', msg, socket.remoteAddress ?? '', socket.remotePort ?? 0);
        if (q === null || this.mode === 'silent') continue;
        const reply = this.respond(q, 'tcp');
        const frame = Buffer.alloc(2 + reply.length);
        frame.writeUInt16BE(reply.length, 0);
        reply.copy(frame, 2);
        const send = (): void => {
          if (!socket.destroyed) socket.write(frame);
        };
        if (this.delayMs > 0) setTimeout(send, this.delayMs);
        else send();
      }
    });
  }

  private respond(q: DecodedPacket, transport: 'udp' | 'tcp'): Buffer {
    const question = q.questions?.[0] ?? { name: 'x', type: 'A' as const };
    const base: Packet = { type: 'response', id: q.id ?? 0, flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE, questions: [question] };
    const opt = (q.additionals ?? []).some((a) => a.type === 'OPT');
    const additionals: Answer[] = opt ? [{ type: 'OPT', name: '.', udpPayloadSize: 1232, flags: 0, options: [] } as unknown as Answer] : [];
    const soa: Answer = {
      type: 'SOA',
      name: 'example',
      ttl: this.soaTtl,
      data: { mname: 'ns.example', rname: 'admin.example', serial: 1, refresh: 3600, retry: 600, expire: 86400, minimum: this.soaMinimum },
    };
    switch (this.mode) {
      case 'wrong-question':
        return dnsPacket.encode({ ...base, questions: [{ name: 'other.example', type: 'A' }] });
      case 'tc':
        if (transport === 'udp') return dnsPacket.encode({ ...base, flags: (base.flags ?? 0) | dnsPacket.TRUNCATED_RESPONSE, additionals });
        break;
      case 'nxdomain':
        return dnsPacket.encode({ ...base, flags: (base.flags ?? 0) | 3, authorities: [soa], additionals });
      case 'nodata':
        return dnsPacket.encode({ ...base, authorities: [soa], additionals });
      case 'huge':
        if (transport === 'udp') return dnsPacket.encode({ ...base, flags: (base.flags ?? 0) | dnsPacket.TRUNCATED_RESPONSE, additionals });
        return dnsPacket.encode({
          ...base,
          answers: Array.from({ length: Math.ceil(this.hugeBytes / 280) }, (_, i) => ({ type: 'TXT' as const, name: question.name, ttl: this.ttl, data: `${i}`.padEnd(250, 'h') })),
          additionals,
        });
      case 'big': {
        const answers: Answer[] = Array.from({ length: 20 }, (_, i) => ({ type: 'TXT', name: question.name, ttl: this.ttl, data: `record ${i} ${'x'.repeat(40)}` }));
        return dnsPacket.encode({ ...base, answers, additionals });
      }
      default:
        break;
    }
    return dnsPacket.encode({ ...base, answers: [{ type: 'A', name: question.name, ttl: this.ttl, data: this.answerIp }], additionals });
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.udp.close(() => resolve()));
    await new Promise<void>((resolve) => this.tcp.close(() => resolve()));
  }
}

export interface QueryOptions {
  readonly type?: 'A' | 'AAAA' | 'TXT' | 'MX';
  readonly id?: number;
  /** Adds an OPT record with this UDP payload size. */
  readonly edns?: number;
  readonly timeoutMs?: number;
}

export function buildQuery(name: string, opts: QueryOptions = {}): Buffer {
  const packet: Packet = {
    type: 'query',
    id: opts.id ?? 4242,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ name, type: opts.type ?? 'A' }],
  };
  if (opts.edns !== undefined) packet.additionals = [{ type: 'OPT', name: '.', udpPayloadSize: opts.edns, flags: 0, options: [] } as unknown as Answer];
  return dnsPacket.encode(packet);
}

/** Sends raw bytes over UDP and resolves with the reply, or null after timeoutMs. */
export function udpExchange(ip: string, port: number, msg: Buffer, timeoutMs = 2000): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const socket = dgram.createSocket('udp4');
    const timer = setTimeout(() => {
      socket.close();
      resolve(null);
    }, timeoutMs);
    socket.on('message', (reply) => {
      clearTimeout(timer);
      socket.close();
      resolve(reply);
    });
    socket.send(msg, port, ip);
  });
}

/** A decoded reply; dns-packet sets rcode but its types omit it. */
export type Reply = DecodedPacket & { rcode: string };

export function decode(buf: Buffer): Reply {
  return dnsPacket.decode(buf) as Reply;
}

/** The TTL of a record (undefined for OPT, which has none). */
export function ttlOf(record: Answer | undefined): number | undefined {
  return record !== undefined && 'ttl' in record ? record.ttl : undefined;
}

export async function udpQuery(ip: string, port: number, name: string, opts: QueryOptions = {}): Promise<Reply> {
  const reply = await udpExchange(ip, port, buildQuery(name, opts), opts.timeoutMs ?? 3000);
  if (reply === null) throw new Error(`no reply from ${ip}:${port} for ${name}`);
  return decode(reply);
}

/** Sends all messages on one TCP connection at once and collects `expect` framed replies. */
export function tcpExchange(ip: string, port: number, msgs: readonly Buffer[], expect = msgs.length, timeoutMs = 3000): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const replies: Buffer[] = [];
    let buffered: Buffer = Buffer.alloc(0);
    const socket = net.connect({ host: ip, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`got ${replies.length} of ${expect} TCP replies`));
    }, timeoutMs);
    socket.on('connect', () => {
      socket.write(Buffer.concat(msgs.map((m) => Buffer.concat([Buffer.from([m.length >> 8, m.length & 0xff]), m]))));
    });
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        replies.push(Buffer.from(buffered.subarray(2, 2 + buffered.readUInt16BE(0))));
        buffered = buffered.subarray(2 + buffered.readUInt16BE(0));
      }
      if (replies.length >= expect) {
        clearTimeout(timer);
        socket.destroy();
        resolve(replies);
      }
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** The A addresses of an answer. */
export function addresses(packet: DecodedPacket): string[] {
  return (packet.answers ?? []).flatMap((a) => (a.type === 'A' ? [a.data] : []));
}

/**
 * The UDP socket implementations to run a suite with: the vpcdns_udp addon's and node:dgram's. Without the
 * addon (npm ci builds it; `npm run install` rebuilds it) the native suites are skipped, saying why.
 */
export const UDP_IOS: readonly { readonly io: 'native' | 'node'; readonly skip: string | false }[] = (() => {
  const status = nativeUdpStatus();
  const why = `the vpcdns_udp addon did not load (${status.error}); build it with npm run install`;
  return [
    { io: 'native', skip: status.available ? false : why },
    { io: 'node', skip: false },
  ];
})();
