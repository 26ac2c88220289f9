// Loopback addresses and a DNS port a test allocates for itself, so that suites (and other checkouts) run side by side.
import dgram from 'node:dgram';
import net from 'node:net';

/** A loopback /24 no other test process is handed at the same time (unless their pids collide; the port check covers that). */
export interface LoopbackNet {
  /** The first three octets, '127.a.b'. */
  readonly prefix: string;
  /** The prefix escaped for a RegExp, '127\\.a\\.b'. */
  readonly prefixPattern: string;
  /** '127.a.b.0/24' */
  readonly cidr: string;
  /** `${prefix}.${host}` */
  ip(host: number): string;
}

let allocated = 0;

/** The next /24 of this process: 127.100.0.0 - 127.227.255.0 from the pid and a counter (suites hard-code 127.0-127.99). */
export function loopbackNet(): LoopbackNet {
  const n = (process.pid * 8 + allocated++) % (128 * 256);
  const prefix = `127.${100 + (n >> 8)}.${n & 255}`;
  return { prefix, prefixPattern: prefix.replaceAll('.', '\\.'), cidr: `${prefix}.0/24`, ip: (host) => `${prefix}.${host}` };
}

function udpFree(ip: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.once('error', () => resolve(false));
    s.bind({ address: ip, port, exclusive: true }, () => s.close(() => resolve(true)));
  });
}

function tcpFree(ip: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen({ host: ip, port, exclusive: true }, () => s.close(() => resolve(true)));
  });
}

/**
 * A port free over UDP and TCP on every one of `ips`, for a data plane whose listeners all share one port (port 0
 * would give each listener its own). Drawn below the kernel's ephemeral range (32768-60999 by default), where the
 * unbound client sockets of other tests (0.0.0.0:ephemeral) would otherwise make a chosen port busy later.
 */
export async function freeDnsPort(ips: readonly string[]): Promise<number> {
  for (let tries = 0; tries < 100; tries++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    let free = true;
    for (const ip of ips) if (!(free = (await udpFree(ip, port)) && (await tcpFree(ip, port)))) break;
    if (free) return port;
  }
  throw new Error(`no port free on ${ips.join(', ')} after 100 tries`);
}

/** A TCP port on 127.0.0.1 that nothing listens on (just released by the system), for "cannot reach" tests. */
export function unusedTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen({ host: '127.0.0.1', port: 0 }, () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** A UDP socket and a TCP server bound to one port on ip, as a DNS server needs; retried when TCP's port is taken. */
export async function bindUdpTcp(ip: string): Promise<{ udp: dgram.Socket; tcp: net.Server; port: number }> {
  for (let tries = 0; ; tries++) {
    const udp = dgram.createSocket(ip.includes(':') ? 'udp6' : 'udp4');
    await new Promise<void>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind({ address: ip, port: 0 }, () => resolve());
    });
    const port = udp.address().port;
    const tcp = net.createServer();
    try {
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject);
        tcp.listen({ host: ip, port }, () => resolve());
      });
      return { udp, tcp, port };
    } catch (err) {
      udp.close();
      if (tries >= 5) throw err;
    }
  }
}
