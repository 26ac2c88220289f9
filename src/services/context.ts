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
  quotas: { inboundEndpoints: number; outboundEndpoints: number };
}

export interface ServiceDeps {
  store: Store;
  clock: Clock;
  settings: ServiceSettings;
  /** Tells the reconciler that an endpoint has new work waiting (called after each committed write). */
  notify: (endpointId: string) => void;
}
