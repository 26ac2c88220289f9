// Readiness of the DNS side, for /readyz: what the database says is ACTIVE is what the data plane serves.
import type { DnsDataPlane } from './dataplane/contract.ts';
import { canonicalIp } from './dataplane/route-table.ts';
import type { Store } from './store/types.ts';

/**
 * Readiness of the DNS side: every ACTIVE inbound address has its listener (in every worker), and every
 * worker is running. An address that turns ACTIVE is bound first, and is unbound only after it left
 * ACTIVE, so a missing listener is a real fault (a worker restarting, a socket lost).
 */
export async function checkListeners(dataPlane: DnsDataPlane, store: Store): Promise<void> {
  const down = dataPlane.unavailable();
  if (down !== null) throw new Error(down);
  const activeInbound = async () => (await store.addresses.listActive()).filter((a) => a.direction === 'inbound').map((a) => canonicalIp(a.ip));
  const bound = new Set(dataPlane.boundAddresses());
  let missing = (await activeInbound()).filter((ip) => !bound.has(ip));
  // Read again what was missing: an address may have left ACTIVE (and its listener) between the two reads.
  if (missing.length > 0) {
    const stillActive = new Set(await activeInbound());
    const boundNow = new Set(dataPlane.boundAddresses());
    missing = missing.filter((ip) => stillActive.has(ip) && !boundNow.has(ip));
  }
  if (missing.length > 0) {
    const shown = missing.slice(0, 5).join(', ');
    throw new Error(`ACTIVE inbound addresses without a listener: ${shown}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}`);
  }
}
