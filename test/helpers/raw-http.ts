// Raw HTTP over a socket, for requests no client library would send (bad request lines, slow bodies, huge headers).
import net from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The socket was closed by the server. */
  closed: boolean;
  ms: number;
}

/**
 * Writes `chunks` (a function may pace them) and reads until the server closes the connection or a complete response
 * with Content-Length has arrived and `keepOpen` is false.
 */
export function rawRequest(port: number, send: string | ((s: net.Socket) => void), o: { host?: string; waitClose?: boolean } = {}): Promise<RawResponse> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const s = net.connect(port, o.host ?? '127.0.0.1');
    let data = '';
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      s.destroy();
      const [head = '', ...rest] = data.split('\r\n\r\n');
      const lines = head.split('\r\n');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(lines[0] ?? '')?.[1] ?? 0);
      const headers: Record<string, string> = {};
      for (const l of lines.slice(1)) {
        const i = l.indexOf(':');
        if (i > 0) headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
      }
      resolve({ status, headers, body: rest.join('\r\n\r\n'), closed, ms: Date.now() - started });
    };
    s.on('connect', () => (typeof send === 'string' ? s.write(send) : send(s)));
    s.on('data', (d) => {
      data += d.toString('latin1');
      const m = /content-length: *(\d+)/i.exec(data);
      const end = data.indexOf('\r\n\r\n');
      if (!o.waitClose && m && end >= 0 && data.length - end - 4 >= Number(m[1])) finish(false);
    });
    s.on('error', (e) => (data ? finish(true) : reject(e)));
    s.on('close', () => finish(true));
  });
}
