// What every service receives: its dependencies, passed in, and the caller's identity.
import type { Clock } from '../domain/clock.ts';
import type { Store } from '../store/types.ts';

/** Who is calling: the project a request acts in, however it authenticated. */
export interface Principal {
  readonly projectId: string;
  readonly method: 'token' | 'aksk';
  readonly userId?: string;
  readonly accessKey?: string;
}

export interface ServiceSettings {
  region: string;
  quotas: { inboundEndpoints: number; outboundEndpoints: number; resolverRules: number; privateZones?: number; recordSetsPerZone?: number };
}

export interface ServiceDeps {
  store: Store;
  clock: Clock;
  settings: ServiceSettings;
  /** Tells the reconciler that new work is waiting: for one endpoint, or (no id) anywhere. Called after each commit. */
  notify: (endpointId?: string) => void;
  /** Tells the data plane that routing it reads without a status (query-log destinations) changed. */
  routingChanged?: () => void;
}
