// UDP sockets for the data plane. Every address they send to or bind is an IP literal, so the per-send
// lookup answers at once instead of going through dns.lookup and a deferred callback for each datagram.
import dgram from 'node:dgram';
import dns from 'node:dns';
import net from 'node:net';

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string, family: number) => void;

function literalLookup(address: string, options: number | dns.LookupOneOptions, callback: LookupCallback): void {
  const family = net.isIP(address);
  if (family !== 0) {
    callback(null, address, family);
    return;
  }
  // Not reached by the data plane's own callers; kept so that a host name still works.
  dns.lookup(address, typeof options === 'number' ? { family: options } : options, callback);
}

export function createUdpSocket(family: 4 | 6): dgram.Socket {
  return dgram.createSocket({ type: family === 6 ? 'udp6' : 'udp4', lookup: literalLookup as unknown as dgram.SocketOptions['lookup'] });
}

/** 6 for an IPv6 literal, else 4 (callers pass validated literals). */
export function familyOf(ip: string): 4 | 6 {
  return ip.includes(':') ? 6 : 4;
}
