// The OPT record of a reply made vpcdns's own: hop-by-hop options out, its UDP size and version; NSID added per client.
import { OPTION_CLIENT_SUBNET, OPTION_NSID, forwardsOption } from './edns-options.ts';
import { OWN_UDP_SIZE } from './wire-edit.ts';
import { TYPE_OPT, copyBytes, skipRecord } from './wire.ts';

const DO_BIT = 0x8000;

/**
 * Edits the OPT record of upstream replies before they are cached or relayed. Reusable: the resolver
 * keeps one, so that an edit allocates nothing unless the reply must grow.
 */
export class ReplyEdnsEditor {
  /** The last reply edited carries a CLIENT-SUBNET option (kept with passClientSubnet): its answer is this client's alone. */
  clientSubnet = false;

  constructor(private readonly passClientSubnet: boolean) {}

  /**
   * The reply with vpcdns's OPT: UDP size 1232, version 0, only the DO flag, the upstream's extended rcode,
   * its end-to-end options (edns-options.ts); a bare one added when an EDNS client's reply has none (an
   * upstream without EDNS). In place (reply is this query's own buffer); a reply that cannot be walked is
   * returned as it is.
   */
  ownOpt(reply: Buffer, questionEnd: number, clientEdns: boolean): Buffer {
    this.clientSubnet = false;
    const firstAdditional = reply.readUInt16BE(6) + reply.readUInt16BE(8);
    const total = firstAdditional + reply.readUInt16BE(10);
    let pos = questionEnd;
    let optStart = -1;
    let optEnd = -1;
    for (let i = 0; i < total; i++) {
      const start = pos;
      pos = skipRecord(reply, pos);
      if (pos < 0) return reply;
      if (i >= firstAdditional && reply[start] === 0 && reply.readUInt16BE(start + 1) === TYPE_OPT) {
        optStart = start;
        optEnd = pos;
      }
    }
    if (optStart < 0) return clientEdns && pos === reply.length ? withBareOpt(reply) : reply;
    reply.writeUInt16BE(OWN_UDP_SIZE, optStart + 3);
    reply[optStart + 6] = 0;
    reply.writeUInt16BE(reply.readUInt16BE(optStart + 7) & DO_BIT, optStart + 7);
    // Compact the options that stay towards the start of the RDATA, then close the gap.
    let kept = optStart + 11;
    for (let at = optStart + 11; at + 4 <= optEnd; ) {
      const code = reply.readUInt16BE(at);
      const to = Math.min(optEnd, at + 4 + reply.readUInt16BE(at + 2));
      if (forwardsOption(code, this.passClientSubnet)) {
        if (code === OPTION_CLIENT_SUBNET) this.clientSubnet = true;
        if (kept !== at) reply.copyWithin(kept, at, to);
        kept += to - at;
      }
      at = to;
    }
    const removed = optEnd - kept;
    if (removed === 0) return reply;
    reply.writeUInt16BE(kept - optStart - 11, optStart + 9);
    reply.copyWithin(kept, optEnd);
    return reply.subarray(0, reply.length - removed);
  }
}

/** reply plus vpcdns's bare OPT at the end (a new buffer). */
function withBareOpt(reply: Buffer): Buffer {
  const out = Buffer.alloc(reply.length + 11);
  copyBytes(reply, 0, reply.length, out, 0);
  out[reply.length] = 0;
  out.writeUInt16BE(TYPE_OPT, reply.length + 1);
  out.writeUInt16BE(OWN_UDP_SIZE, reply.length + 3);
  out.writeUInt16BE(out.readUInt16BE(10) + 1, 10);
  return out;
}

/**
 * reply with an NSID option carrying nsid (RFC 5001 2.1) appended to its OPT record (a new buffer), or
 * reply as it is when it has no OPT record or cannot be walked.
 */
export function withNsid(reply: Buffer, questionEnd: number, nsid: Buffer): Buffer {
  const firstAdditional = reply.readUInt16BE(6) + reply.readUInt16BE(8);
  const total = firstAdditional + reply.readUInt16BE(10);
  let pos = questionEnd;
  for (let i = 0; i < total; i++) {
    const start = pos;
    pos = skipRecord(reply, pos);
    if (pos < 0) return reply;
    if (i < firstAdditional || reply[start] !== 0 || reply.readUInt16BE(start + 1) !== TYPE_OPT) continue;
    const out = Buffer.allocUnsafe(reply.length + 4 + nsid.length);
    copyBytes(reply, 0, pos, out, 0);
    out.writeUInt16BE(OPTION_NSID, pos);
    out.writeUInt16BE(nsid.length, pos + 2);
    copyBytes(nsid, 0, nsid.length, out, pos + 4);
    copyBytes(reply, pos, reply.length, out, pos + 4 + nsid.length);
    out.writeUInt16BE(out.readUInt16BE(start + 9) + 4 + nsid.length, start + 9);
    return out;
  }
  return reply;
}
