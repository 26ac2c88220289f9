// The real provisioner: inbound addresses get DNS listeners; outbound addresses must be usable as a source.
import type { DnsDataPlane } from '../dataplane/contract.ts';
import type { AddressRecord } from '../store/types.ts';
import type { Provisioner } from './provisioner.ts';

export function dataPlaneProvisioner(dataPlane: DnsDataPlane): Provisioner {
  return {
    async activate(a: AddressRecord) {
      try {
        if (a.direction === 'inbound') await dataPlane.bindListener(a.ip, a.vpcId, a.endpointId);
        else await dataPlane.probeSource(a.ip);
        return null;
      } catch (e) {
        return (e as Error).message;
      }
    },
    async deactivate(a: AddressRecord) {
      if (a.direction === 'inbound') await dataPlane.unbindListener(a.ip);
    },
  };
}
