// What the reconciler asks of the host to make an address real: a listener, or a usable source address.
import type { AddressRecord } from '../store/types.ts';

export interface Provisioner {
  /** Makes the address live. Resolves to null on success, or to the reason it cannot be (stored as error_info). */
  activate(a: AddressRecord): Promise<string | null>;
  /** Releases whatever activate() acquired; never throws for an address it does not hold. */
  deactivate(a: AddressRecord): Promise<void>;
}

/**
 * For a node that runs the API without a data plane (dns.enabled: false): every address is accepted
 * as recorded. ACTIVE then means "stored and valid", not "listening"; docs/lifecycle.md says so.
 */
export const controlPlaneOnlyProvisioner: Provisioner = {
  activate: async () => null,
  deactivate: async () => {},
};
