// Exact DNS packets for the compliance suite: a query builder that sets every bit, and a decoder that reports every bit.
import { randomBytes } from 'node:crypto';

export interface EdnsSpec {
  readonly udpSize?: number; // 1232 unless given
  readonly version?: number; // 0 unless given
  readonly do?: boolean;
  readonly options?: readonly { readonly code: number; readonly data: Buffer }[];
}

export interface QuerySpec {
  readonly id?: number;
  readonly opcode?: number;
  readonly rd?: boolean; // true unless given
  readonly ad?: boolean;
  readonly cd?: boolean;
  /** No question section at all (QDCOUNT 0). */
  readonly noQuestion?: boolean;
  readonly qname: string;
  readonly qtype?: number; // A unless given
  readonly qclass?: number; // IN unless given
  readonly edns?: EdnsSpec;
  /** Sign with a TSIG record (random MAC) under this key name; last unless tsigBeforeOpt. */
  readonly tsigKey?: string;
  readonly tsigBeforeOpt?: boolean;
}

export const TYPE = { A: 1, TXT: 16, OPT: 41, TSIG: 250, IXFR: 251, AXFR: 252, ANY: 255 } as const;
export const CLASS = { IN: 1, CH: 3 } as const;
export const OPTION = { NSID: 3, CLIENT_SUBNET: 8, EXPIRE: 9, COOKIE: 10, KEEPALIVE: 11, PADDING: 12, EDE: 15 } as const;

export function encodeName(name: string): Buffer {
  const labels = name === '' || name === '.' ? [] : name.replace(/\.$/, '').split('.');
  return Buffer.concat([...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'latin1')])), Buffer.from([0])]);
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n, 0);
  return b;
}

export function optRecord(edns: EdnsSpec): Buffer {
  const options = Buffer.concat((edns.options ?? []).map((o) => Buffer.concat([u16(o.code), u16(o.data.length), o.data])));
  const rr = Buffer.alloc(11);
  rr.writeUInt16BE(TYPE.OPT, 1);
  rr.writeUInt16BE(edns.udpSize ?? 1232, 3);
  rr[6] = edns.version ?? 0;
  rr.writeUInt16BE(edns.do === true ? 0x8000 : 0, 7);
  rr.writeUInt16BE(options.length, 9);
  return Buffer.concat([rr, options]);
}

/** A TSIG record as a client signing with keyName (hmac-sha256, a random 32-byte MAC) would send it. */
export function tsigRecord(keyName: string, originalId: number): Buffer {
  const time = Buffer.from([0x00, 0x00, 0x67, 0x00, 0x00, 0x00]);
  const rdata = Buffer.concat([encodeName('hmac-sha256'), time, u16(300), u16(32), randomBytes(32), u16(originalId), u16(0), u16(0)]);
  const fixed = Buffer.alloc(10);
  fixed.writeUInt16BE(TYPE.TSIG, 0);
  fixed.writeUInt16BE(255, 2);
  fixed.writeUInt16BE(rdata.length, 8);
  return Buffer.concat([encodeName(keyName), fixed, rdata]);
}

export function buildQuery(spec: QuerySpec): Buffer {
  const id = spec.id ?? 0x4a4a;
  let flags = ((spec.opcode ?? 0) & 0x0f) << 11;
  if (spec.rd !== false) flags |= 0x0100;
  if (spec.ad === true) flags |= 0x0020;
  if (spec.cd === true) flags |= 0x0010;
  const question = spec.noQuestion === true ? Buffer.alloc(0) : Buffer.concat([encodeName(spec.qname), u16(spec.qtype ?? TYPE.A), u16(spec.qclass ?? CLASS.IN)]);
  const additional: Buffer[] = [];
  if (spec.edns !== undefined) additional.push(optRecord(spec.edns));
  if (spec.tsigKey !== undefined) {
    const tsig = tsigRecord(spec.tsigKey, id);
    if (spec.tsigBeforeOpt === true) additional.unshift(tsig);
    else additional.push(tsig);
  }
  const header = Buffer.concat([u16(id), u16(flags), u16(spec.noQuestion === true ? 0 : 1), u16(0), u16(0), u16(additional.length)]);
  return Buffer.concat([header, question, ...additional]);
}

export interface DecodedOpt {
  readonly udpSize: number;
  readonly extendedRcode: number;
  readonly version: number;
  readonly do: boolean;
  /** The other flag bits (Z), which must be 0 in vpcdns's OPT. */
  readonly z: number;
  readonly options: readonly { readonly code: number; readonly data: Buffer }[];
}

export interface DecodedRecord {
  readonly name: string;
  readonly type: number;
  readonly class: number;
  readonly ttl: number;
  readonly rdata: Buffer;
}

/** Every bit of an answer, as a compliance test checks it. */
export interface Inspected {
  readonly id: number;
  readonly qr: boolean;
  readonly opcode: number;
  readonly aa: boolean;
  readonly tc: boolean;
  readonly rd: boolean;
  readonly ra: boolean;
  readonly z: boolean;
  readonly ad: boolean;
  readonly cd: boolean;
  /** The whole rcode: the header's 4 bits and the OPT's upper 8. */
  readonly rcode: number;
  readonly qdcount: number;
  readonly question: { readonly name: string; readonly type: number; readonly class: number } | null;
  readonly answers: readonly DecodedRecord[];
  readonly authorities: readonly DecodedRecord[];
  /** The additional records other than OPT, in order. */
  readonly additionals: readonly DecodedRecord[];
  readonly opt: DecodedOpt | null;
  /** Where the OPT sits among the additional records (-1: none), to check that a TSIG comes after it. */
  readonly optIndex: number;
}

function readName(buf: Buffer, offset: number): { name: string; end: number } {
  const labels: string[] = [];
  let pos = offset;
  let end = -1;
  for (let hops = 0; hops < 64; hops++) {
    const len = buf[pos]!;
    if (len === 0) return { name: labels.join('.'), end: end < 0 ? pos + 1 : end };
    if ((len & 0xc0) === 0xc0) {
      if (end < 0) end = pos + 2;
      pos = buf.readUInt16BE(pos) & 0x3fff;
      continue;
    }
    labels.push(buf.toString('latin1', pos + 1, pos + 1 + len).toLowerCase());
    pos += 1 + len;
  }
  throw new Error('name loop');
}

export function inspect(buf: Buffer): Inspected {
  const flags = buf.readUInt16BE(2);
  const qdcount = buf.readUInt16BE(4);
  let pos = 12;
  let question: Inspected['question'] = null;
  if (qdcount === 1) {
    const n = readName(buf, pos);
    question = { name: n.name, type: buf.readUInt16BE(n.end), class: buf.readUInt16BE(n.end + 2) };
    pos = n.end + 4;
  }
  const sections: DecodedRecord[][] = [[], [], []];
  const counts = [buf.readUInt16BE(6), buf.readUInt16BE(8), buf.readUInt16BE(10)];
  let opt: DecodedOpt | null = null;
  let optIndex = -1;
  for (let s = 0; s < 3; s++) {
    for (let i = 0; i < counts[s]!; i++) {
      const n = readName(buf, pos);
      const type = buf.readUInt16BE(n.end);
      const rdLength = buf.readUInt16BE(n.end + 8);
      const rdata = buf.subarray(n.end + 10, n.end + 10 + rdLength);
      if (rdata.length !== rdLength) throw new Error('a record runs past the end');
      if (s === 2 && type === TYPE.OPT) {
        const options: { code: number; data: Buffer }[] = [];
        for (let o = 0; o + 4 <= rdata.length; o += 4 + rdata.readUInt16BE(o + 2)) options.push({ code: rdata.readUInt16BE(o), data: Buffer.from(rdata.subarray(o + 4, o + 4 + rdata.readUInt16BE(o + 2))) });
        const ttlFlags = buf.readUInt16BE(n.end + 6);
        opt = { udpSize: buf.readUInt16BE(n.end + 2), extendedRcode: buf[n.end + 4]!, version: buf[n.end + 5]!, do: (ttlFlags & 0x8000) !== 0, z: ttlFlags & 0x7fff, options };
        optIndex = i;
      } else {
        sections[s]!.push({ name: n.name, type, class: buf.readUInt16BE(n.end + 2), ttl: buf.readUInt32BE(n.end + 4), rdata: Buffer.from(rdata) });
      }
      pos = n.end + 10 + rdLength;
    }
  }
  if (pos !== buf.length) throw new Error(`${buf.length - pos} bytes after the last record`);
  return {
    id: buf.readUInt16BE(0),
    qr: (flags & 0x8000) !== 0,
    opcode: (flags >> 11) & 0x0f,
    aa: (flags & 0x0400) !== 0,
    tc: (flags & 0x0200) !== 0,
    rd: (flags & 0x0100) !== 0,
    ra: (flags & 0x0080) !== 0,
    z: (flags & 0x0040) !== 0,
    ad: (flags & 0x0020) !== 0,
    cd: (flags & 0x0010) !== 0,
    rcode: (flags & 0x0f) | ((opt?.extendedRcode ?? 0) << 4),
    qdcount,
    question,
    answers: sections[0]!,
    authorities: sections[1]!,
    additionals: sections[2]!,
    opt,
    optIndex,
  };
}

/** The option codes of an OPT record, in order. */
export function optionCodes(opt: DecodedOpt | null): number[] {
  return (opt?.options ?? []).map((o) => o.code);
}
