// UDP sockets for the data plane. Every address they send to or bind is an IP literal, so the per-send
// lookup answers at once instead of going through dns.lookup and a deferred callback for each datagram.
import dgram from 'node:dgram';
import dns from 'node:dns';

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

function literalLookup(address: string, options: number | dns.LookupOneOptions, callback: LookupCallback): void {
  const family = literalFamily(address);
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
  return literalFamily(ip) === 6 ? 6 : 4;
}
