// A data-plane worker process (node:cluster): one DataPlane driven by the primary over IPC.
// UDP listeners are native sockets of its own in each address's SO_REUSEPORT group (or, with node:dgram,
// a socket shared through the primary), TCP listeners are shared through the primary, so queries to an
// address spread over every worker; upstream sockets are each worker's own (bound exclusive).
import process from 'node:process';
import { makeLogger } from '../logging.ts';
import type { FromWorker, ToWorker, WorkerCall } from './cluster-protocol.ts';
import { DataPlane } from './data-plane.ts';
import type { DataPlaneStats } from './contract.ts';

function send(message: FromWorker): void {
  process.send?.(message);
}

let dataPlane: DataPlane | null = null;

/** Carries out one call; only stats has something to hand back. */
async function run(call: WorkerCall): Promise<DataPlaneStats | undefined> {
  const dp = dataPlane;
  if (dp === null) throw new Error('worker not initialised');
  switch (call.op) {
    case 'bind':
      await dp.bindListener(call.ip, call.vpcId, call.endpointId);
      return undefined;
    case 'unbind':
      await dp.unbindListener(call.ip);
      return undefined;
    case 'setVpcs':
      dp.setVpcs(call.vpcs);
      return undefined;
    case 'stats':
      return dp.stats();
    case 'close':
      await dp.close();
      return undefined;
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
    (stats) => send(stats === undefined ? { t: 'result', id, ok: true } : { t: 'result', id, ok: true, stats }),
    (err: unknown) => send({ t: 'result', id, ok: false, error: err instanceof Error ? err.message : String(err) }),
  );
});

send({ t: 'hello' });

// The primary going away (crash or kill -9) must not leave a worker serving on its own.
process.on('disconnect', () => {
  void (dataPlane?.close() ?? Promise.resolve()).finally(() => process.exit(0));
});
