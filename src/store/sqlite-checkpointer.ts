// SQLite WAL checkpoints on a worker thread, so the server's event loop never waits for their fsyncs.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * Pages the WAL may hold before the server's own connection checkpoints anyway: a safety net, and under a steady stream
 * of commits the point where the WAL starts over, since a checkpoint beside them never finds it fully copied (the
 * worker has copied nearly all of it by then, so little is left to do; docs/storage.md).
 */
export const SERVER_AUTOCHECKPOINT_PAGES = 4000;

/**
 * The worker's code, plain CommonJS (run with `eval`, so no loader is needed in the thread). Every `intervalMs` it runs a
 * PASSIVE checkpoint on its own connection: it copies committed WAL frames into the database file and syncs both, without
 * taking any lock the server's connection would wait for. When frames were committed while it ran (the WAL is not fully
 * copied, so the server cannot start it over from the beginning) it tries again after `retryMs`.
 */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('synchronous = NORMAL');
let timer = null;
const step = () => {
  let behind = false;
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)');
    behind = r.busy === 0 && r.log > r.checkpointed;
    if (r.checkpointed > 0) parentPort.postMessage({ checkpointed: r.checkpointed });
  } catch (e) {
    parentPort.postMessage({ error: String(e && e.message || e) });
  }
  timer = setTimeout(step, behind ? workerData.retryMs : workerData.intervalMs);
};
parentPort.on('message', (m) => {
  if (m !== 'stop') return;
  clearTimeout(timer);
  db.close();
  parentPort.postMessage({ stopped: true });
  parentPort.close();
});
timer = setTimeout(step, workerData.intervalMs);
parentPort.postMessage({ ready: true });
`;

export interface Checkpointer {
  /** WAL frames found copied into the database file after each checkpoint, summed (tests). */
  readonly framesCopied: number;
  /** Stops the worker and closes its connection (before the server's own, which then removes the WAL as it closes). */
  stop(): Promise<void>;
}

/**
 * Starts checkpointing the WAL of the SQLite file at `path` from a worker thread. The server's connection should keep a
 * high `wal_autocheckpoint` (SERVER_AUTOCHECKPOINT_PAGES): with SQLite's default (1000 pages) its commits would
 * checkpoint first, on the event loop, two fsyncs stalling every request for milliseconds (seen: 13-18 ms, one commit in
 * about 160 under bench/api.ts). `onError` receives what a checkpoint threw (the next one is tried all the same).
 */
export async function startCheckpointer(path: string, onError: (message: string) => void, opts: { intervalMs?: number; retryMs?: number } = {}): Promise<Checkpointer> {
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: { path, module: createRequire(import.meta.url).resolve('better-sqlite3'), intervalMs: opts.intervalMs ?? 100, retryMs: opts.retryMs ?? 10 },
  });
  let stopped: (() => void) | null = null;
  let framesCopied = 0;
  await new Promise<void>((resolve, reject) => {
    worker.once('error', reject);
    worker.on('message', (m: { ready?: true; error?: string; stopped?: true; checkpointed?: number }) => {
      if (m.ready) resolve();
      if (m.checkpointed !== undefined) framesCopied += m.checkpointed;
      if (m.error !== undefined) onError(m.error);
      if (m.stopped) stopped?.();
    });
  });
  let exited = false;
  worker.on('error', (e) => onError(e.message));
  worker.once('exit', () => {
    exited = true;
    stopped?.();
  });
  worker.unref();
  return {
    get framesCopied() {
      return framesCopied;
    },
    async stop() {
      if (exited) return;
      const done = new Promise<void>((resolve) => (stopped = resolve));
      worker.ref(); // else a process with nothing else to do would exit before the worker has closed its connection
      worker.postMessage('stop');
      await done;
      await worker.terminate();
    },
  };
}
