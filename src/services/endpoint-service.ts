// Endpoints and their IP addresses (operations E1-E9): validation, IPAM, quotas, pending statuses.
import {
  AppError,
  endpointNameExists,
  endpointNotFound,
  invalidIpCount,
  invalidRegion,
  invalidSubnetId,
  ipAddressInUse,
  ipAddressNotFound,
  ipIsNetworkOrBroadcast,
  ipNotInSubnet,
  ipRepeated,
  quotaExceeded,
  resourceInUse,
  subnetFull,
  subnetsInDifferentVpcs,
} from '../domain/errors.ts';
import { newResourceId } from '../domain/ids.ts';
import { allocateAddress, allocateAfter, cidrContains, ipToInt, isNetworkOrBroadcast, parseCidr } from '../domain/ipam.ts';
import type { Status } from '../domain/status.ts';
import {
  ConstraintViolation,
  type AddressRecord,
  type AddressView,
  type Direction,
  type EndpointFilter,
  type EndpointView,
  type Page,
  type Repos,
  type SubnetRecord,
  type SubnetWithHighest,
} from '../store/types.ts';
import type { Principal, ServiceDeps } from './context.ts';

export const MIN_ADDRESSES = 2;
export const MAX_ADDRESSES = 6;

/** An address as a client asks for it (the route's schema checked each field): no ip, "" or null: allocate. */
export interface AddressRequest {
  subnet_id: string;
  ip?: string | null;
}

export interface CreateEndpointInput {
  name: string;
  direction: Direction;
  region: string;
  /** MIN_ADDRESSES to MAX_ADDRESSES of them. */
  ipaddresses: readonly AddressRequest[];
}

/** An address request after validation: its subnet is known and the ip, when given, fits it. */
interface CheckedAddress {
  subnet: SubnetRecord;
  ip: string | null; // null: allocate
  field: string;
  /** The subnet's highest address in use, read with the subnet (bind), for the first allocation attempt. */
  highestInUse?: number | null;
}

/** An address an open transaction of this process is inserting. */
interface Claim {
  subnetId: string;
  ipInt: number;
}

export class EndpointService {
  /** Per subnet, the addresses this process's open transactions are inserting (see insertAddresses). */
  private readonly claimed = new Map<string, Set<number>>();

  constructor(private readonly deps: ServiceDeps) {}

  /** E1: checks the addresses against their subnets, then writes the endpoint and its addresses as PENDING_CREATE in one transaction. */
  async createEndpoint(p: Principal, input: CreateEndpointInput): Promise<EndpointView> {
    const { name, direction } = input;
    if (input.region !== this.deps.settings.region) throw invalidRegion(input.region);
    const checked = await this.checkAddresses(p, input.ipaddresses, 'ipaddresses');
    const vpcId = checked[0]!.subnet.vpcId;
    for (const c of checked) {
      if (c.subnet.vpcId !== vpcId) {
        throw subnetsInDifferentVpcs(`Subnet ${c.subnet.id} is in VPC ${c.subnet.vpcId}, but ${checked[0]!.subnet.id} is in VPC ${vpcId}.`, `${c.field}.subnet_id`);
      }
    }

    const now = this.deps.clock.now();
    const id = newResourceId();
    const claims: Claim[] = [];
    const view = await this.withClaims(claims, () =>
      this.deps.store.transaction(async (tx) => {
        await tx.projects.lock(p.projectId);
        const quota = direction === 'inbound' ? this.deps.settings.quotas.inboundEndpoints : this.deps.settings.quotas.outboundEndpoints;
        if ((await tx.endpoints.countByDirection(p.projectId, direction)) >= quota) throw quotaExceeded(direction, quota);
        await tx.endpoints
          .create({ id, projectId: p.projectId, name, direction, region: this.deps.settings.region, vpcId, status: 'PENDING_CREATE', createdAt: now, updatedAt: now })
          .catch((e: unknown) => {
            if (e instanceof ConstraintViolation && e.kind === 'unique') throw endpointNameExists(name);
            throw e;
          });
        await this.insertAddresses(tx, p, { id, vpcId, direction }, checked, now, claims);
        return (await tx.endpoints.get(p.projectId, id))!;
      }),
    );
    this.deps.notify(id);
    return view;
  }

  async showEndpoint(p: Principal, id: string): Promise<EndpointView> {
    const ep = await this.deps.store.endpoints.get(p.projectId, id);
    if (!ep) throw endpointNotFound(id);
    return ep;
  }

  /** E2: the endpoints of one direction, filtered. */
  listEndpoints(p: Principal, filter: EndpointFilter, page: Page) {
    return this.deps.store.endpoints.find(p.projectId, filter, page);
  }

  /** E4: only the name changes; it needs no data-plane work, so the status is kept. */
  async updateEndpoint(p: Principal, id: string, input: { name: string }): Promise<EndpointView> {
    const { name } = input;
    return this.deps.store.transaction(async (tx) => {
      await tx.endpoints.lock(id);
      const ep = await tx.endpoints.get(p.projectId, id);
      if (!ep) throw endpointNotFound(id);
      assertNotDeleting(ep);
      if (ep.name !== name) {
        await tx.endpoints.update(id, { name, updatedAt: this.deps.clock.now() }).catch((e: unknown) => {
          if (e instanceof ConstraintViolation && e.kind === 'unique') throw endpointNameExists(name);
          throw e;
        });
      }
      return (await tx.endpoints.get(p.projectId, id))!;
    });
  }

  /** E5: the endpoint and all its addresses go to PENDING_DELETE; the reconciler releases and removes them. */
  async deleteEndpoint(p: Principal, id: string): Promise<EndpointView> {
    const view = await this.deps.store.transaction(async (tx) => {
      await tx.endpoints.lock(id);
      const ep = await tx.endpoints.get(p.projectId, id);
      if (!ep) throw endpointNotFound(id);
      if (ep.status === 'PENDING_DELETE') return ep; // deleting twice is accepted and changes nothing
      const rules = await tx.rules.listByEndpoint(id);
      if (rules.length > 0) throw resourceInUse(`Endpoint ${id} still has resolver rule(s) ${rules.map((r) => r.id).join(', ')}; delete them first.`);
      const now = this.deps.clock.now();
      await tx.endpoints.update(id, { status: 'PENDING_DELETE', updatedAt: now });
      await tx.addresses.markEndpointDeleting(id, now);
      return (await tx.endpoints.get(p.projectId, id))!;
    });
    this.deps.notify(id);
    return view;
  }

  /** E6, the seed operation: bind one address (given, or allocated when `ip` is absent or ""). */
  async bindIpAddress(p: Principal, id: string, input: { ipaddress: AddressRequest }): Promise<EndpointView> {
    const claims: Claim[] = [];
    const view = await this.withClaims(claims, () =>
      this.deps.store.transaction(async (tx) => {
        await tx.endpoints.lock(id);
        // After the lock, one statement reads the endpoint and the subnet named (with its highest address in use).
        const request = input.ipaddress;
        const found = await tx.endpoints.getWithSubnet(p.projectId, id, request.subnet_id);
        const current = found?.endpoint;
        if (!current) throw endpointNotFound(id);
        const [checked] = await this.checkAddresses(p, [request], 'ipaddress', async () => found!.subnet);
        if (checked!.subnet.vpcId !== current.vpcId) {
          throw subnetsInDifferentVpcs(`Subnet ${checked!.subnet.id} is in VPC ${checked!.subnet.vpcId}; endpoint ${id} is in VPC ${current.vpcId}.`, 'ipaddress.subnet_id');
        }
        assertNotDeleting(current);
        if (current.ipaddressCount >= MAX_ADDRESSES) {
          throw invalidIpCount(`Endpoint ${id} already has ${current.ipaddressCount} addresses, the most allowed is ${MAX_ADDRESSES}.`, 'ipaddress');
        }
        const now = this.deps.clock.now();
        // The address's insert also moves the endpoint to this status (one statement on PostgreSQL).
        const status = updatingStatus(current.status);
        await this.insertAddresses(tx, p, current, [checked!], now, claims, status);
        // Everything that changed is known here; re-reading the row would only cost a query.
        return { ...current, status, updatedAt: now, ipaddressCount: current.ipaddressCount + 1 };
      }),
    );
    this.deps.notify(id);
    return view;
  }

  async listIpAddresses(p: Principal, id: string): Promise<AddressView[]> {
    const views = await this.deps.store.addresses.listViewsByEndpoint(p.projectId, id);
    if (!views) throw endpointNotFound(id);
    return views;
  }

  /** E8: the address goes to PENDING_DELETE; an endpoint keeps at least two addresses. */
  async unbindIpAddress(p: Principal, id: string, addressId: string): Promise<EndpointView> {
    const view = await this.deps.store.transaction(async (tx) => {
      await tx.endpoints.lock(id);
      // Both read after the lock, in one statement: the endpoint and the address to unbind.
      const found = await tx.endpoints.getWithAddress(p.projectId, id, addressId);
      if (!found) throw endpointNotFound(id);
      const { endpoint: ep, address } = found;
      if (!address) throw ipAddressNotFound(addressId);
      if (address.status === 'PENDING_DELETE') return ep; // already being unbound
      assertNotDeleting(ep);
      if (ep.ipaddressCount <= MIN_ADDRESSES) {
        throw invalidIpCount(`Endpoint ${id} has ${ep.ipaddressCount} addresses; it must keep at least ${MIN_ADDRESSES}. Bind another first.`, 'ipaddress_id');
      }
      const now = this.deps.clock.now();
      const status = updatingStatus(ep.status);
      await tx.reconcile.setAddressStatusMarkingEndpoint(address.id, ep.id, { status: 'PENDING_DELETE', errorInfo: null, updatedAt: now }, status);
      return { ...ep, status, updatedAt: now, ipaddressCount: ep.ipaddressCount - 1 };
    });
    this.deps.notify(id);
    return view;
  }

  /** E9: one entry per VPC that hosts endpoints of the project. */
  listEndpointVpcs(p: Principal, vpcId: string | undefined, page: Page) {
    return this.deps.store.endpoints.vpcCounts(p.projectId, vpcId, page);
  }

  /**
   * Checks each requested address against its subnet; reads only, so it runs before any write. `findSubnet` reads a
   * subnet of the project (bind: with its highest address in use, for the allocation that follows).
   */
  private async checkAddresses(
    p: Principal,
    requests: readonly AddressRequest[],
    field: string,
    findSubnet: (subnetId: string) => Promise<SubnetWithHighest | undefined> = (subnetId) => this.deps.store.subnets.get(p.projectId, subnetId),
  ): Promise<CheckedAddress[]> {
    const seen = new Set<string>();
    const out: CheckedAddress[] = [];
    for (const [i, r] of requests.entries()) {
      const f = requests.length === 1 && field === 'ipaddress' ? field : `${field}[${i}]`;
      let subnet: SubnetRecord | undefined;
      let highestInUse: number | null | undefined;
      const found = await findSubnet(r.subnet_id);
      if (found) ({ highestInUse, ...subnet } = found);
      if (!subnet) throw invalidSubnetId(r.subnet_id, `${f}.subnet_id`);
      let ip: string | null = null;
      if (r.ip !== undefined && r.ip !== null && r.ip !== '') {
        ip = r.ip;
        const cidr = parseCidr(subnet.cidr)!;
        if (!cidrContains(cidr, ip)) throw ipNotInSubnet(ip, subnet.cidr, `${f}.ip`);
        if (isNetworkOrBroadcast(cidr, ip)) throw ipIsNetworkOrBroadcast(ip, subnet.cidr, `${f}.ip`);
        if (ip === subnet.gatewayIp) throw new AppError('DNS.1507', `${ip} is the gateway of subnet ${subnet.cidr}.`, `${f}.ip`);
        const key = `${subnet.id}/${ip}`;
        if (seen.has(key)) throw ipRepeated(ip, `${f}.ip`);
        seen.add(key);
      }
      out.push(highestInUse === undefined ? { subnet, ip, field: f } : { subnet, ip, field: f, highestInUse });
    }
    return out;
  }

  /**
   * Inserts addresses, allocating where no ip was given. The unique constraint on (subnet, ip) decides
   * every race: an insert that finds its ip taken (by a committed or a concurrent transaction) gives
   * DNS.1507 for a requested address, and makes an allocation try the next free one. Addresses that this
   * process's other open transactions are inserting are skipped by allocation (`claims`), so concurrent
   * binds in one subnet take different addresses instead of waiting for each other's commit; the
   * subnet row is not locked. `endpointStatus` (bind): the endpoint moves to it with the address's insert.
   */
  private async insertAddresses(
    tx: Repos,
    p: Principal,
    ep: { id: string; vpcId: string; direction: Direction },
    checked: readonly CheckedAddress[],
    now: number,
    claims: Claim[],
    endpointStatus?: Status,
  ): Promise<void> {
    const insert = (a: AddressRecord) => (endpointStatus === undefined ? tx.addresses.createIfFree(a) : tx.reconcile.createAddressMarkingEndpoint(a, endpointStatus));
    // Addresses this request has taken so far, per subnet (not yet visible to the queries below).
    const taken = new Map<string, Set<number>>();
    const takenIn = (subnetId: string) => {
      let t = taken.get(subnetId);
      if (!t) taken.set(subnetId, (t = new Set()));
      return t;
    };
    // Explicit addresses first, so an allocation in the same request cannot take one of them.
    const ordered = [...checked].sort((a, b) => Number(a.ip === null) - Number(b.ip === null));
    for (const c of ordered) {
      const inUse = takenIn(c.subnet.id);
      const row = (ip: string): AddressRecord => ({
        id: newResourceId(),
        endpointId: ep.id,
        projectId: p.projectId,
        subnetId: c.subnet.id,
        vpcId: ep.vpcId,
        direction: ep.direction,
        ip,
        status: 'PENDING_CREATE',
        errorInfo: null,
        createdAt: now,
        updatedAt: now,
      });
      if (c.ip !== null) {
        // The database has the last word: a concurrent bind of the same address loses here.
        if (inUse.has(ipToInt(c.ip)) || !(await insert(row(c.ip)))) throw ipAddressInUse(c.ip, `${c.field}.ip`);
        inUse.add(ipToInt(c.ip));
        continue;
      }
      // The highest address read with the subnet serves the first attempt; a retry reads it again.
      let highest = c.highestInUse;
      for (;;) {
        const ip = await this.allocate(tx, c.subnet, inUse, highest);
        highest = undefined;
        if (ip === null) throw subnetFull(c.subnet.cidr, `${c.field}.subnet_id`);
        inUse.add(ipToInt(ip));
        const claim = this.claim(c.subnet.id, ipToInt(ip));
        claims.push(claim);
        if (await insert(row(ip))) break;
        // Taken since we looked (another node, or a transaction that committed meanwhile): try the next one.
      }
    }
  }

  /** Runs `write` and then releases the addresses it claimed, whether it committed or not. */
  private async withClaims<T>(claims: Claim[], write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } finally {
      for (const c of claims) this.claimed.get(c.subnetId)?.delete(c.ipInt);
    }
  }

  private claim(subnetId: string, ipInt: number): Claim {
    let set = this.claimed.get(subnetId);
    if (!set) this.claimed.set(subnetId, (set = new Set()));
    set.add(ipInt);
    return { subnetId, ipInt };
  }

  /**
   * Next-fit allocation: the first free address above the highest in use (one indexed query), and only
   * when the top of the subnet is exhausted, the lowest gap below. Freed addresses are therefore not
   * handed out again at once, which spares clients that still cache the old address (docs/ipam.md).
   * Addresses claimed by open transactions of this process count as in use. `knownHighest`: the highest address in
   * use as this transaction has just read it (undefined: read it now).
   */
  private async allocate(tx: Repos, subnet: SubnetRecord, takenHere: ReadonlySet<number>, knownHighest?: number | null): Promise<string | null> {
    const claimed = this.claimed.get(subnet.id);
    const taken = claimed && claimed.size > 0 ? new Set([...takenHere, ...claimed]) : takenHere;
    const cidr = parseCidr(subnet.cidr)!;
    const highest = knownHighest !== undefined ? knownHighest : await tx.addresses.highestInSubnet(subnet.id);
    const top = Math.max(highest ?? -1, ...taken);
    const next = allocateAfter(cidr, subnet.gatewayIp, top < 0 ? null : top, (n) => taken.has(n));
    if (next !== null) return next;
    const used = await tx.addresses.usedInSubnet(subnet.id);
    for (const n of taken) used.add(n);
    return allocateAddress(cidr, subnet.gatewayIp, used);
  }

}

/** While addresses are bound or unbound, an endpoint that was settled shows PENDING_UPDATE. */
function updatingStatus(status: Status): Status {
  return status === 'PENDING_CREATE' ? 'PENDING_CREATE' : 'PENDING_UPDATE';
}

function assertNotDeleting(ep: EndpointView): void {
  if (ep.status === 'PENDING_DELETE') throw new AppError('DNS.0030', `Endpoint ${ep.id} is being deleted.`, 'endpoint_id');
}
