// The messages between the primary process and its data-plane workers (node:cluster IPC, JSON-serialised).
import type { DataPlaneOptions } from './data-plane.ts';
import type { DataPlaneStats, VpcContext } from './contract.ts';

/** What a worker needs to build its DataPlane: the plain settings, the shared instance id, and how to log. */
export interface WorkerInit {
  readonly options: Omit<DataPlaneOptions, 'clock' | 'log' | 'instanceId' | 'sharedListeners'>;
  readonly instanceIdHex: string;
  readonly logLevel: string;
}

export type WorkerCall =
  | { readonly op: 'bind'; readonly ip: string; readonly vpcId: string; readonly endpointId: string | null }
  | { readonly op: 'unbind'; readonly ip: string }
  | { readonly op: 'setVpcs'; readonly vpcs: readonly VpcContext[] }
  | { readonly op: 'stats' }
  | { readonly op: 'close' };

export type ToWorker = { readonly t: 'init'; readonly init: WorkerInit } | { readonly t: 'call'; readonly id: number; readonly call: WorkerCall };

export type FromWorker =
  /** Listening for messages (anything sent before that would be lost): the primary sends init. */
  | { readonly t: 'hello' }
  | { readonly t: 'ready' }
  | { readonly t: 'result'; readonly id: number; readonly ok: true; readonly stats?: DataPlaneStats }
  | { readonly t: 'result'; readonly id: number; readonly ok: false; readonly error: string };
