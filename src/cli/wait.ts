// --wait: polls a resource until it is ACTIVE, ERROR or gone, drawing a spinner on a terminal and nothing when piped.
import { CommandFailed } from './errors.ts';
import type { CliIo } from './io.ts';

/** The resource's status now, or null once it is gone (404). */
export type StatusProbe = () => Promise<string | null>;

export interface WaitOptions {
  /** What the progress line names, e.g. "endpoint 0a18ee3c...". */
  label: string;
  /** Stop at ACTIVE/ERROR (a create or change), or only once gone (a delete). */
  until: 'settled' | 'gone';
  timeoutMs: number;
  intervalMs?: number;
}

const FRAMES = ['|', '/', '-', '\\'];

/** Resolves with the final status (null: gone); throws CommandFailed on timeout. */
export async function waitFor(io: CliIo, probe: StatusProbe, o: WaitOptions): Promise<string | null> {
  const started = Date.now();
  const interval = o.intervalMs ?? 250;
  let frame = 0;
  let drawn = false;
  const draw = (status: string) => {
    if (!io.isTTY) return;
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    io.err(`\r\x1b[2K${FRAMES[frame++ % FRAMES.length]} waiting for ${o.label}: ${status} (${seconds}s)`);
    drawn = true;
  };
  const finish = (line: string) => {
    if (drawn) io.err(`\r\x1b[2K${line}\n`);
  };
  for (;;) {
    const status = await probe();
    const done = o.until === 'gone' ? status === null : status === null || status === 'ACTIVE' || status === 'ERROR';
    if (done) {
      finish(`${o.label}: ${status ?? 'deleted'}`);
      return status;
    }
    if (Date.now() - started > o.timeoutMs) {
      finish(`${o.label}: still ${status}`);
      throw new CommandFailed(`${o.label} is still ${status} after ${Math.round(o.timeoutMs / 1000)}s`);
    }
    draw(status ?? 'deleted');
    await io.sleep(interval);
  }
}
