// The compliance suite's answer paths and ways of asking: each test sends exact packets to every path, over UDP and TCP, on a miss and from the cache.
import dgram from 'node:dgram';
import net from 'node:net';
import { after, before, describe } from 'node:test';
import dnsPacket from 'dns-packet';
import type { Answer, DecodedPacket } from 'dns-packet';
import { DataPlane } from '../../../src/dataplane/data-plane.ts';
import type { DataPlaneOptions } from '../../../src/dataplane/data-plane.ts';
import { tcpExchange, udpExchange } from '../helpers.ts';
import { OPTION, TYPE, buildQuery, inspect } from './wire.ts';
import type { Inspected, QuerySpec } from './wire.ts';
import { bindUdpTcp } from '../../helpers/loopback.ts';

/**
 * An answer path under test: where to send queries, and a zone whose names it answers NOERROR with one A
 * record. The forwarded path is the one today; a private zone's path adds itself to answerPaths.
 */
export interface AnswerPath {
  readonly name: string;
  readonly ip: string;
  readonly port: number;
  readonly zone: string;
  /** EDNS options this path's answers carry besides vpcdns's own (the end-to-end ones the upstream sent). */
  readonly endToEndOptions: readonly number[];
  /** Whether the path answers with AA (its own data) or without (relayed). */
  readonly authoritative: boolean;
  /** Queries that reached anything behind vpcdns (an upstream), to check what was and was not forwarded. */
  readonly upstreamQueries: () => number;
  readonly upstreamReceived: () => readonly DecodedPacket[];
  close(): Promise<void>;
}

export type PathOptions = Partial<Pick<DataPlaneOptions, 'identity' | 'version' | 'passClientSubnet' | 'cacheSize'>>;

/** A port free on ip for both UDP and TCP (the data plane's port is fixed: its loop guard compares targets with it). */
async function freePort(ip: string): Promise<number> {
  for (;;) {
    const udp = dgram.createSocket('udp4');
    const port = await new Promise<number>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind({ address: ip, port: 0, exclusive: true }, () => resolve(udp.address().port));
    });
    const tcp = net.createServer();
    const ok = await new Promise<boolean>((resolve) => {
      tcp.once('error', () => resolve(false));
      tcp.listen({ host: ip, port, exclusive: true }, () => resolve(true));
    });
    await new Promise<void>((resolve) => udp.close(() => resolve()));
    if (ok) await new Promise<void>((resolve) => tcp.close(() => resolve()));
    if (ok) return port;
  }
}

/** Hop-by-hop options an upstream puts in its replies, all of which vpcdns must take out. */
const UPSTREAM_HOP_OPTIONS = [
  { code: OPTION.NSID, data: Buffer.from('upstream-ns1') },
  { code: OPTION.EXPIRE, data: Buffer.from([0, 0, 0x0e, 0x10]) },
  { code: OPTION.COOKIE, data: Buffer.alloc(24, 0xcc) },
  { code: OPTION.KEEPALIVE, data: Buffer.from([0, 100]) },
  { code: OPTION.CLIENT_SUBNET, data: Buffer.from([0, 1, 24, 24, 10, 1, 2]) },
  { code: OPTION.PADDING, data: Buffer.alloc(12) },
];
/** An end-to-end option (an Extended DNS Error, RFC 8914), which vpcdns passes on. */
const UPSTREAM_EDE = { code: OPTION.EDE, data: Buffer.from([0, 0]) };

/**
 * An authoritative server for zone on UDP and TCP, as the reproductions use: AA=1, RA=0, RD
 * copied, an OPT with a large UDP size and every hop-by-hop option; an A record for every name.
 */
class AuthoritativeUpstream {
  readonly received: DecodedPacket[] = [];

  private constructor(
    readonly ip: string,
    readonly port: number,
    private readonly udp: dgram.Socket,
    private readonly tcp: net.Server,
  ) {}

  static async start(ip: string): Promise<AuthoritativeUpstream> {
    const { udp, tcp, port } = await bindUdpTcp(ip);
    const upstream = new AuthoritativeUpstream(ip, port, udp, tcp);
    udp.on('message', (msg, rinfo) => udp.send(upstream.answer(msg), rinfo.port, rinfo.address));
    tcp.on('connection', (socket) => {
      let buffered = Buffer.alloc(0);
      socket.on('data', (chunk: Buffer) => {
        buffered = Buffer.concat([buffered, chunk]);
        while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
          const reply = upstream.answer(buffered.subarray(2, 2 + buffered.readUInt16BE(0)));
          buffered = buffered.subarray(2 + buffered.readUInt16BE(0));
          socket.write(Buffer.concat([Buffer.from([reply.length >> 8, reply.length & 0xff]), reply]));
        }
      });
      socket.on('error', () => socket.destroy());
    });
    return upstream;
  }

  private answer(msg: Buffer): Buffer {
    const q = dnsPacket.decode(msg);
    this.received.push(q);
    const question = q.questions![0]!;
    const opt = (q.additionals ?? []).find((a) => a.type === 'OPT') as { flags?: number } | undefined;
    const additionals = opt === undefined ? [] : [{ type: 'OPT', name: '.', udpPayloadSize: 4096, flags: (opt.flags ?? 0) & 0x8000, options: [...UPSTREAM_HOP_OPTIONS, UPSTREAM_EDE] } as unknown as Answer];
    const rd = (q.flags ?? 0) & dnsPacket.RECURSION_DESIRED;
    return dnsPacket.encode({
      type: 'response',
      id: q.id,
      flags: dnsPacket.AUTHORITATIVE_ANSWER | rd | dnsPacket.AUTHENTIC_DATA,
      questions: [question],
      answers: [{ type: 'A', name: question.name, ttl: 300, data: '192.0.2.53' }],
      additionals,
    });
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.udp.close(() => resolve()));
    await new Promise<void>((resolve) => this.tcp.close(() => resolve()));
  }
}

let nextAddress = 0;
/** Loopback addresses for this suite's listeners and upstreams (127.0.90.x: no other suite uses them). */
function allocateAddress(): string {
  nextAddress += 1;
  return `127.0.90.${nextAddress + (process.pid % 50) * 4}`;
}

/** The forwarded path: a VPC whose names under corp.test are forwarded to an authoritative upstream. */
export async function startForwardedPath(opts: PathOptions = {}): Promise<AnswerPath> {
  const upstream = await AuthoritativeUpstream.start(allocateAddress());
  const ip = allocateAddress();
  const port = await freePort(ip);
  const dp = new DataPlane({ port, queryTimeoutMs: 1000, ...opts });
  dp.setVpcs([{ vpcId: 'vpc-c', rules: [], upstreams: [{ ip: upstream.ip, port: upstream.port }] }]);
  await dp.bindListener(ip, 'vpc-c');
  return {
    name: 'forwarded',
    ip,
    port,
    zone: 'corp.test',
    endToEndOptions: [OPTION.EDE],
    authoritative: false,
    upstreamQueries: () => upstream.received.length,
    upstreamReceived: () => upstream.received,
    close: async () => {
      await dp.close();
      await upstream.close();
    },
  };
}

/** Every answer path the suite runs against. */
export const answerPaths: readonly { readonly name: string; readonly start: (opts?: PathOptions) => Promise<AnswerPath> }[] = [
  { name: 'forwarded', start: startForwardedPath },
];

export type Transport = 'udp' | 'tcp';
export type CacheState = 'miss' | 'cache';

/** The four ways every query is asked. */
export const WAYS: readonly { readonly transport: Transport; readonly state: CacheState }[] = [
  { transport: 'udp', state: 'miss' },
  { transport: 'udp', state: 'cache' },
  { transport: 'tcp', state: 'miss' },
  { transport: 'tcp', state: 'cache' },
];

let nameCounter = 0;
/** A name under the path's zone that nothing has asked for yet. */
export function freshName(path: AnswerPath): string {
  nameCounter += 1;
  return `n${nameCounter}-${process.pid}.${path.zone}`;
}

export async function send(path: AnswerPath, transport: Transport, msg: Buffer): Promise<Buffer> {
  if (transport === 'tcp') return (await tcpExchange(path.ip, path.port, [msg]))[0]!;
  const reply = await udpExchange(path.ip, path.port, msg, 3000);
  if (reply === null) throw new Error(`no UDP answer from ${path.ip}:${path.port}`);
  return reply;
}

export interface Asked {
  readonly answer: Inspected;
  /** Queries that reached the upstream for the asked query itself (the warm-up's not counted). */
  readonly forwarded: number;
}

/**
 * Asks spec (built for a fresh name unless it names one) the given way. For 'cache', a plain query for
 * the same name, type and DO/CD bits goes first, so that the answer is in the cache when spec is asked.
 */
export async function ask(
  path: AnswerPath,
  way: { transport: Transport; state: CacheState },
  spec: Omit<QuerySpec, 'qname'> & { qname?: string },
  /** Changes to the warm-up query (its RD bit, say). */
  warm: Partial<QuerySpec> = {},
): Promise<Asked> {
  const qname = spec.qname ?? freshName(path);
  if (way.state === 'cache') {
    const qtype = spec.qtype === TYPE.AXFR || spec.qtype === TYPE.IXFR || spec.qclass === 3 ? TYPE.A : spec.qtype;
    const warmSpec: QuerySpec = { qname, qtype, cd: spec.cd, edns: spec.edns && { do: spec.edns.do }, ...warm };
    const warmed = inspect(await send(path, way.transport, buildQuery(warmSpec)));
    if (warmed.rcode !== 0 || warmed.answers.length === 0) throw new Error(`the warm-up for ${qname} got rcode ${warmed.rcode}`);
  }
  const before = path.upstreamQueries();
  const answer = inspect(await send(path, way.transport, buildQuery({ ...spec, qname })));
  return { answer, forwarded: path.upstreamQueries() - before };
}

/** "udp, on a miss" / "tcp, from the cache", for test titles. */
export function wayLabel(way: { transport: Transport; state: CacheState }): string {
  return `${way.transport}, ${way.state === 'cache' ? 'from the cache' : 'on a miss'}`;
}

/** Declares body's tests once per answer path, each path started with opts before them and closed after. */
export function forEachPath(title: string, opts: PathOptions, body: (path: () => AnswerPath) => void): void {
  for (const p of answerPaths) {
    describe(`${title} (${p.name} path)`, () => {
      let path: AnswerPath | undefined;
      before(async () => {
        path = await p.start(opts);
      });
      after(async () => {
        await path?.close();
      });
      body(() => path!);
    });
  }
}
