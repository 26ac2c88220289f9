// The real provisioner: inbound addresses get DNS listeners; outbound addresses must be usable as a source.
import type { AddressRecord } from '../store/types.ts';
import type { Provisioner } from './provisioner.ts';

/** The part of the data plane the reconciler drives. */
export interface ListenerHost {
  bindListener(ip: string, vpcId: string, endpointId: string | null): Promise<void>;
  unbindListener(ip: string): Promise<void>;
  probeSource(ip: string): Promise<void>;
}

export function dataPlaneProvisioner(host: ListenerHost): Provisioner {
  return {
    async activate(a: AddressRecord) {
      try {
        if (a.direction === 'inbound') await host.bindListener(a.ip, a.vpcId, a.endpointId);
        else await host.probeSource(a.ip);
        return null;
      } catch (e) {
        return (e as Error).message;
      }
    },
    async deactivate(a: AddressRecord) {
      if (a.direction === 'inbound') await host.unbindListener(a.ip);
    },
  };
}
