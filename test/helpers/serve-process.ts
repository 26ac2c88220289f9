// Starts the real `vpcdns serve` process for tests (bin/vpcdns.js) and stops it with a signal.
import { spawn, type ChildProcess } from 'node:child_process';

export const BIN = new URL('../../bin/vpcdns.js', import.meta.url).pathname;

export interface RunningServer {
  child: ChildProcess;
  url: string;
  /** Everything the process printed so far (stdout and stderr). */
  output: () => string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Resolves once /readyz answers 200 (whatever the log level); rejects, and kills the process, if it exits first or is
 * not ready within `timeoutMs`.
 */
export async function startServer(o: { apiPort: number; dnsPort: number; args: string[]; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<RunningServer> {
  const url = `http://127.0.0.1:${o.apiPort}`;
  // Another server on the port would answer the readiness poll below for ours.
  if (await fetch(`${url}/healthz`).then(() => true, () => false)) throw new Error(`port ${o.apiPort} is already serving`);
  const child = spawn(process.execPath, [BIN, 'serve', '--listen', `127.0.0.1:${o.apiPort}`, '--dns-port', String(o.dnsPort), ...o.args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...o.env },
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const deadline = Date.now() + (o.timeoutMs ?? 20_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`exited ${child.exitCode} before serving:\n${out}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`not ready in time:\n${out}`);
    }
    const ready = await fetch(`${url}/readyz`).then((r) => r.status === 200, () => false);
    if (ready) break;
    await new Promise((r) => setTimeout(r, 50));
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
