// A data-plane worker process (node:cluster): one DataPlane driven by the primary over IPC.
// Listener sockets are shared through the primary, so UDP datagrams and TCP connections to an
// address spread over every worker; upstream sockets are each worker's own (bound exclusive).
import process from 'node:process';
import { makeLogger } from '../logging.ts';
import type { FromWorker, ToWorker, WorkerCall } from './cluster-protocol.ts';
import { DataPlane } from './data-plane.ts';

function send(message: FromWorker): void {
  process.send?.(message);
}

let dataPlane: DataPlane | null = null;

async function run(call: WorkerCall): Promise<FromWorker & { t: 'result' }> {
  const dp = dataPlane;
  if (dp === null) throw new Error('worker not initialised');
  switch (call.op) {
    case 'bind':
      await dp.bindListener(call.ip, call.vpcId, call.endpointId);
      return { t: 'result', id: 0, ok: true };
    case 'unbind':
      await dp.unbindListener(call.ip);
      return { t: 'result', id: 0, ok: true };
    case 'setVpcs':
      dp.setVpcs(call.vpcs);
      return { t: 'result', id: 0, ok: true };
    case 'stats':
      return { t: 'result', id: 0, ok: true, stats: dp.stats() };
    case 'close':
      await dp.close();
      return { t: 'result', id: 0, ok: true };
  }
}

process.on('message', (message: ToWorker) => {
  if (message.t === 'init') {
    const log = makeLogger({ level: message.init.logLevel }).child({ component: 'dataplane', worker: process.pid });
    dataPlane = new DataPlane({
      ...message.init.options,
      log,
      instanceId: Buffer.from(message.init.instanceIdHex, 'hex'),
      sharedListeners: true,
    });
    send({ t: 'ready' });
    return;
  }
  const { id, call } = message;
  // Calls start in arrival order: setVpcs is synchronous, and the DataPlane orders the operations on one address.
  run(call).then(
    (result) => send({ ...result, id }),
    (err: unknown) => send({ t: 'result', id, ok: false, error: err instanceof Error ? err.message : String(err) }),
  );
});

send({ t: 'hello' });

// The primary going away (crash or kill -9) must not leave a worker serving on its own.
process.on('disconnect', () => {
  void (dataPlane?.close() ?? Promise.resolve()).finally(() => process.exit(0));
});
