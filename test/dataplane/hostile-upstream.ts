// An upstream DNS server that answers like a broken or malicious one: garbage, compression loops, impossible
// counts and lengths, two OPT records, bad options, TC=1 then broken TCP (60 KB answers, short frames, resets),
// mutated replies. Names under ok.example always get a proper answer, so that normal queries can be checked.
import type dgram from 'node:dgram';
import type net from 'node:net';
import { Random, mutate } from '../fuzz/mutate.ts';
import { bindUdpTcp } from '../helpers/loopback.ts';

const HEADER = 12;

/** The end of the first question of msg (no pointers), or -1. */
function questionEnd(msg: Buffer): number {
  let pos = HEADER;
  while (pos < msg.length && msg[pos] !== 0) {
    if (msg[pos]! > 63) return -1;
    pos += 1 + msg[pos]!;
  }
  return pos + 5 <= msg.length ? pos + 5 : -1;
}

function qnameText(msg: Buffer, end: number): string {
  const labels: string[] = [];
  for (let pos = HEADER; pos < end - 5; pos += 1 + msg[pos]!) labels.push(msg.toString('latin1', pos + 1, pos + 1 + msg[pos]!));
  return labels.join('.').toLowerCase();
}

/** A reply header for query: its id, QR RD RA, the rcode, one question and these counts. */
function head(query: Buffer, qEnd: number, counts: [number, number, number], flags = 0x8180): Buffer {
  const h = Buffer.alloc(qEnd);
  query.copy(h, 0, 0, qEnd);
  h.writeUInt16BE(flags | (query.readUInt16BE(2) & 0x0100), 2);
  h.writeUInt16BE(1, 4);
  h.writeUInt16BE(counts[0], 6);
  h.writeUInt16BE(counts[1], 8);
  h.writeUInt16BE(counts[2], 10);
  return h;
}

const A = (ttl: number): Buffer => Buffer.concat([Buffer.from('c00c00010001', 'hex'), u32(ttl), Buffer.from('0004c0000201', 'hex')]);
const OPT = (options: Buffer = Buffer.alloc(0)): Buffer => Buffer.concat([Buffer.from('00002910000000000000', 'hex').subarray(0, 9), u16(options.length), options]);
const NSID_COOKIE = Buffer.from('00030003' + '6e7331' + '000a0010' + '00'.repeat(16), 'hex');

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n & 0xffff);
  return b;
}
function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

/** A proper answer: one A record (and an OPT if the query had any additional record). */
export function properReply(query: Buffer, qEnd: number, ttl = 300): Buffer {
  const edns = query.readUInt16BE(10) > 0;
  return Buffer.concat([head(query, qEnd, [1, 0, edns ? 1 : 0]), A(ttl), edns ? OPT() : Buffer.alloc(0)]);
}

/** TCP behaviours after TC=1. */
type TcpMode = 'huge' | 'garbage-frame' | 'short-frame' | 'reset' | 'mismatched';

export class HostileUpstream {
  private readonly r = new Random(0x5eed);
  private next = 0;
  /** Replies sent, by kind. */
  readonly sent: Record<string, number> = {};

  private constructor(
    readonly ip: string,
    readonly port: number,
    private readonly udp: dgram.Socket,
    private readonly tcp: net.Server,
  ) {}

  static async start(ip: string): Promise<HostileUpstream> {
    const { udp, tcp, port } = await bindUdpTcp(ip);
    const up = new HostileUpstream(ip, port, udp, tcp);
    udp.on('message', (msg, rinfo) => {
      const reply = up.replyTo(msg);
      if (reply !== null) udp.send(reply, rinfo.port, rinfo.address);
    });
    tcp.on('connection', (s) => up.onTcp(s));
    return up;
  }

  get target(): { ip: string; port: number } {
    return { ip: this.ip, port: this.port };
  }

  private count(kind: string): void {
    this.sent[kind] = (this.sent[kind] ?? 0) + 1;
  }

  /** The reply to a UDP query: proper for ok.example, else the next hostile kind in turn (null: silence). */
  replyTo(query: Buffer): Buffer | null {
    const qEnd = query.length >= HEADER ? questionEnd(query) : -1;
    if (qEnd < 0) return null;
    if (qnameText(query, qEnd).endsWith('ok.example')) return properReply(query, qEnd);
    const r = this.r;
    const kind = this.next++ % 14;
    this.count(String(kind));
    switch (kind) {
      case 0: // random bytes
        return r.bytes(r.below(600));
      case 1: // a compression loop: the answer's name points at itself
        return Buffer.concat([head(query, qEnd, [1, 0, 0]), u16(0xc000 | qEnd), Buffer.from('000100010000012c0004c0000201', 'hex')]);
      case 2: // counts far beyond what follows
        return Buffer.concat([head(query, qEnd, [0xffff, 0xffff, 0xffff]), A(300)]);
      case 3: // an RDLENGTH past the end
        return Buffer.concat([head(query, qEnd, [1, 0, 0]), Buffer.from('c00c000100010000012cfff0c0000201', 'hex')]);
      case 4: // two OPT records, both with hop-by-hop options
        return Buffer.concat([head(query, qEnd, [1, 0, 2]), A(300), OPT(NSID_COOKIE), OPT(NSID_COOKIE)]);
      case 5: // an OPT whose options overrun its RDATA
        return Buffer.concat([head(query, qEnd, [1, 0, 1]), A(300), OPT(Buffer.from('000300ff6e73', 'hex'))]);
      case 6: // bytes after the last record
        return Buffer.concat([head(query, qEnd, [1, 0, 0]), A(300), Buffer.from('trailing')]);
      case 7: // the right id and another question
        return Buffer.concat([head(query, HEADER, [0, 0, 0]), Buffer.from('056f74686572076578616d706c650000010001', 'hex')]);
      case 8: // a TTL with the top bit set and a negative answer with a broken SOA
        return Buffer.concat([head(query, qEnd, [1, 1, 0], 0x8183), A(0x80000001), Buffer.from('c00c000600010000025800030000ff', 'hex')]);
      case 9: // a mutant of a proper answer, keeping the id and question so that it reaches the reply path
      case 10: {
        const m = mutate(properReply(query, qEnd, r.below(600)), r, query, 4096);
        if (m.length >= qEnd) query.copy(m, 0, 0, qEnd);
        if (m.length >= 4) m[2] = m[2]! | 0x80;
        return m;
      }
      case 11: // silence, until the deadline
        return null;
      default: // TC=1: the TCP retry meets a broken TCP server
        return head(query, qEnd, [0, 0, 0], 0x8380);
    }
  }

  private onTcp(socket: net.Socket): void {
    let buffered = Buffer.alloc(0);
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length < 2 || buffered.length < 2 + buffered.readUInt16BE(0)) return;
      const query = buffered.subarray(2, 2 + buffered.readUInt16BE(0));
      const qEnd = questionEnd(query);
      const mode = (['huge', 'garbage-frame', 'short-frame', 'reset', 'mismatched'] as const)[this.r.below(5)] as TcpMode;
      this.count(`tcp-${mode}`);
      if (qEnd < 0 || mode === 'reset') {
        socket.destroy();
        return;
      }
      let reply: Buffer;
      if (mode === 'huge') {
        // About 60 KB of TXT records (the hostile upstream).
        const txt = Buffer.concat([Buffer.from('c00c00100001000000640100ff', 'hex'), Buffer.alloc(255, 0x68)]);
        reply = Buffer.concat([head(query, qEnd, [220, 0, 0]), ...Array.from({ length: 220 }, () => txt)]);
      } else if (mode === 'mismatched') reply = Buffer.concat([head(query, qEnd, [1, 0, 0]), A(300)]).fill(0, 0, 2);
      else reply = this.r.bytes(40);
      const length = u16(mode === 'short-frame' ? reply.length + 500 : reply.length);
      socket.write(Buffer.concat([length, reply]));
      if (mode === 'short-frame') socket.end();
    });
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.udp.close(() => resolve()));
    await new Promise<void>((resolve) => this.tcp.close(() => resolve()));
  }
}
