// Starts the real `vpcdns serve` process for tests (bin/vpcdns.js) on an API port the system picks, and stops it with a signal.
import { spawn, type ChildProcess } from 'node:child_process';
import { freeDnsPort } from './loopback.ts';
import { until } from './wait.ts';

export const BIN = new URL('../../bin/vpcdns.js', import.meta.url).pathname;

export interface RunningServer {
  child: ChildProcess;
  /** The API's base URL, http://127.0.0.1:<the port the system chose>. */
  url: string;
  /** Everything the process printed so far (stdout and stderr). */
  output: () => string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** The line `serve` prints for `--listen HOST:0`, naming the address it got. */
const API_LINE = /^vpcdns API on (http:\/\/\S+)$/m;

/**
 * Serves the API on 127.0.0.1:0 and resolves once /readyz answers 200 (whatever the log level); rejects, and kills
 * the process, if it exits first or is not ready within `timeoutMs`. `dnsPort` is the port of every DNS listener
 * (freeDnsPort() on the suite's own addresses); without one, a free port on 127.0.0.1 (for suites that bind none).
 */
export async function startServer(o: { dnsPort?: number; args: string[]; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<RunningServer> {
  const dnsPort = o.dnsPort ?? (await freeDnsPort(['127.0.0.1']));
  const child = spawn(process.execPath, [BIN, 'serve', '--listen', '127.0.0.1:0', '--dns-port', String(dnsPort), ...o.args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...o.env },
  });
  let out = '';
  const timeoutMs = o.timeoutMs ?? 20_000;
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`not serving in ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code} before serving:\n${out}`));
    };
    const onData = (d: Buffer) => {
      out += d.toString();
      const address = API_LINE.exec(out)?.[1];
      if (address === undefined) return;
      clearTimeout(timer);
      child.off('exit', onExit);
      resolve(address);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', onExit);
  });
  try {
    // The API answers before the first reconciler pass may have run; /readyz says when everything is up.
    await until('/readyz to answer 200', async () => child.exitCode === null && (await fetch(`${url}/readyz`).then((r) => r.status === 200, () => false)), { timeoutMs });
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}:\n${out}`);
  }
  return {
    child,
    url,
    output: () => out,
    stop: (signal = 'SIGTERM') =>
      new Promise((done) => {
        if (child.exitCode !== null) return done(child.exitCode);
        child.once('exit', (code) => done(code));
        child.kill(signal);
      }),
  };
}
