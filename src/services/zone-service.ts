// Private zones and their VPC associations (operations Z1-Z8): quotas, uniqueness per VPC, pending statuses.
import {
  dnsVpcNotFound,
  invalidMarker,
  invalidRegion,
  lastZoneVpc,
  zoneNotFound,
  zoneNotNormal,
  zoneQuotaExceeded,
  zoneVpcAssociating,
  zoneVpcNotAssociated,
  zoneVpcTaken,
} from '../domain/errors.ts';
import { isResourceId, newResourceId } from '../domain/ids.ts';
import { fqdn, NS_TTL, soaRecord, ZONE_NAME_SERVER } from '../domain/record-values.ts';
import type { Repos } from '../store/types.ts';
import { ConstraintViolation, type Page } from '../store/types.ts';
import type { ProxyPattern, RecordSetRecord, Tag, ZoneFilter, ZoneView, ZoneVpcRecord } from '../store/zone-types.ts';
import type { Principal, ServiceDeps } from './context.ts';

export const DEFAULT_ZONE_QUOTA = 50;
/** The SOA mailbox of zones created without an email. */
export const DEFAULT_ZONE_EMAIL = 'hostmaster@vpcdns.internal';
export const DEFAULT_ZONE_TTL = 300;

export interface RouterRef {
  router_id: string;
  router_region?: string;
}

export interface CreateZoneInput {
  name: string;
  zone_type: string;
  router: RouterRef;
  description?: string | null;
  email?: string;
  ttl?: number;
  proxy_pattern?: ProxyPattern;
  tags?: Tag[];
  enterprise_project_id?: string;
}

export interface UpdateZoneInput {
  description?: string | null;
  email?: string;
  ttl?: number;
}

/** The zone's system SOA and NS sets, written with the zone (no zone without them). */
function systemSets(zoneId: string, projectId: string, name: string, email: string, ttl: number, serial: number, now: number): RecordSetRecord[] {
  const base = { zoneId, projectId, name, description: null, status: 'PENDING_CREATE' as const, disabled: false, isDefault: true, tags: [], createdAt: now, updatedAt: null };
  return [
    { ...base, id: newResourceId(), type: 'SOA', ttl, records: [soaRecord(email, serial)] },
    { ...base, id: newResourceId(), type: 'NS', ttl: NS_TTL, records: [ZONE_NAME_SERVER] },
  ];
}

export class ZoneService {
  constructor(private readonly deps: ServiceDeps) {}

  /** Z1: the zone, its SOA and NS sets and its first VPC, all PENDING_CREATE; the reconciler makes them ACTIVE. */
  async createPrivateZone(p: Principal, input: CreateZoneInput): Promise<ZoneView> {
    const vpcId = await this.checkRouter(p, input.router);
    const name = fqdn(input.name);
    const id = newResourceId();
    const email = input.email ?? DEFAULT_ZONE_EMAIL;
    const ttl = input.ttl ?? DEFAULT_ZONE_TTL;
    const view = await this.deps.store.transaction(async (tx) => {
      await tx.projects.lock(p.projectId);
      const quota = this.deps.settings.quotas.privateZones ?? DEFAULT_ZONE_QUOTA;
      if ((await tx.zones.countByProject(p.projectId)) >= quota) throw zoneQuotaExceeded(quota);
      const now = this.deps.clock.now();
      await tx.zones.create({
        id,
        projectId: p.projectId,
        name,
        description: input.description ?? null,
        email,
        ttl,
        serial: 1,
        status: 'PENDING_CREATE',
        disabled: false,
        proxyPattern: input.proxy_pattern ?? 'AUTHORITY',
        tags: input.tags ?? [],
        enterpriseProjectId: input.enterprise_project_id ?? '0',
        createdAt: now,
        updatedAt: null,
      });
      await this.addVpc(tx, { zoneId: id, vpcId, projectId: p.projectId, zoneName: name, region: this.deps.settings.region, status: 'PENDING_CREATE', createdAt: now, updatedAt: now });
      for (const set of systemSets(id, p.projectId, name, email, ttl, 1, now)) await tx.recordSets.create(set);
      return (await tx.zones.get(p.projectId, id))!;
    });
    this.deps.notify();
    return view;
  }

  async showPrivateZone(p: Principal, id: string): Promise<ZoneView> {
    const zone = await this.deps.store.zones.get(p.projectId, id);
    if (!zone) throw zoneNotFound(id);
    return zone;
  }

  /** Z2: newest first; `marker` (the last zone of the previous page) wins over `offset`. */
  async listPrivateZones(p: Principal, filter: ZoneFilter, page: Page & { marker?: string }) {
    let after: { createdAt: number; id: string } | undefined;
    if (page.marker) {
      const m = isResourceId(page.marker) ? await this.deps.store.zones.get(p.projectId, page.marker) : undefined;
      if (!m) throw invalidMarker(page.marker);
      after = { createdAt: m.createdAt, id: m.id };
    }
    return this.deps.store.zones.find(p.projectId, filter, { limit: page.limit, offset: page.offset, after });
  }

  /** Z4: description, email, ttl; the SOA set follows the email and TTL. */
  async updatePrivateZone(p: Principal, id: string, input: UpdateZoneInput): Promise<ZoneView> {
    const view = await this.deps.store.transaction(async (tx) => {
      const zone = await this.lockSteady(tx, p, id);
      const now = this.deps.clock.now();
      const email = input.email ?? zone.email;
      const ttl = input.ttl ?? zone.ttl;
      const serial = zone.serial + 1;
      await tx.zones.update(id, { description: input.description, email, ttl, serial, status: 'PENDING_UPDATE', updatedAt: now });
      const soa = (await tx.recordSets.listByName(id, zone.name)).find((r) => r.type === 'SOA');
      if (soa) await tx.recordSets.update(soa.id, { ttl, records: [soaRecord(email, serial)], status: 'PENDING_UPDATE', updatedAt: now });
      return (await tx.zones.get(p.projectId, id))!;
    });
    this.deps.notify();
    return view;
  }

  /** Z5: the zone goes PENDING_DELETE with its VPCs and record sets; the reconciler removes them. */
  async deletePrivateZone(p: Principal, id: string): Promise<ZoneView> {
    const view = await this.deps.store.transaction(async (tx) => {
      await tx.zones.lock(id);
      const zone = await tx.zones.get(p.projectId, id);
      if (!zone) throw zoneNotFound(id);
      if (zone.status === 'PENDING_DELETE') return zone;
      const now = this.deps.clock.now();
      await tx.zones.update(id, { status: 'PENDING_DELETE', updatedAt: now });
      return (await tx.zones.get(p.projectId, id))!;
    });
    this.deps.notify();
    return view;
  }

  /** Z6: one zone of a name per VPC (a unique constraint decides races). */
  async associateRouter(p: Principal, id: string, router: RouterRef): Promise<ZoneVpcRecord> {
    const vpcId = await this.checkRouter(p, router);
    const record = await this.deps.store.transaction(async (tx) => {
      const zone = await this.lockSteady(tx, p, id);
      const now = this.deps.clock.now();
      const a: ZoneVpcRecord = { zoneId: id, vpcId, projectId: p.projectId, zoneName: zone.name, region: this.deps.settings.region, status: 'PENDING_CREATE', createdAt: now, updatedAt: now };
      await this.addVpc(tx, a);
      return a;
    });
    this.deps.notify();
    return record;
  }

  /** Z7: never the last VPC (DNS.0706); the association goes PENDING_DELETE and then disappears. */
  async disassociateRouter(p: Principal, id: string, router: RouterRef): Promise<ZoneVpcRecord> {
    const vpcId = await this.checkRouter(p, router);
    const record = await this.deps.store.transaction(async (tx) => {
      await tx.zones.lock(id);
      const zone = await tx.zones.get(p.projectId, id);
      if (!zone) throw zoneNotFound(id);
      if (zone.status === 'PENDING_DELETE') throw zoneNotNormal(id, zone.status);
      const current = zone.routers.find((r) => r.vpcId === vpcId);
      if (!current) throw zoneVpcNotAssociated(vpcId);
      if (current.status === 'PENDING_DELETE') return current;
      if (current.status === 'PENDING_CREATE') throw zoneVpcAssociating(vpcId);
      if (zone.routers.filter((r) => r.status !== 'PENDING_DELETE').length <= 1) throw lastZoneVpc(vpcId);
      const now = this.deps.clock.now();
      await tx.zones.setVpcStatus(id, vpcId, current.status, 'PENDING_DELETE', now);
      return { ...current, status: 'PENDING_DELETE' as const, updatedAt: now };
    });
    this.deps.notify();
    return record;
  }

  /** Z8: the private name servers of the zone's VPCs: their ACTIVE inbound endpoint addresses. */
  async showNameServers(p: Principal, id: string): Promise<Array<{ address: string; priority: number }>> {
    const zone = await this.showPrivateZone(p, id);
    const ips = await this.deps.store.zones.nameServerIps(zone.routers.map((r) => r.vpcId));
    return ips.map((address, i) => ({ address, priority: i + 1 }));
  }

  /** The zone, locked, refused unless ACTIVE or DISABLE (DNS.0209). */
  private async lockSteady(tx: Repos, p: Principal, id: string): Promise<ZoneView> {
    await tx.zones.lock(id);
    const zone = await tx.zones.get(p.projectId, id);
    if (!zone) throw zoneNotFound(id);
    if (zone.status !== 'ACTIVE' && zone.status !== 'DISABLE') throw zoneNotNormal(id, zone.status);
    return zone;
  }

  private async addVpc(tx: Repos, a: ZoneVpcRecord): Promise<void> {
    // The read names the zone that holds the name; the unique constraint decides a race the read cannot see.
    const holder = (await tx.zones.find(a.projectId, { routerId: a.vpcId, name: a.zoneName }, { limit: 500, offset: 0 })).items.find((z) => z.name === a.zoneName);
    if (holder) throw zoneVpcTaken(a.vpcId, a.zoneName, holder.id);
    await tx.zones.addVpc(a).catch((e: unknown) => {
      if (e instanceof ConstraintViolation && e.kind === 'unique') throw zoneVpcTaken(a.vpcId, a.zoneName, a.zoneId);
      throw e;
    });
  }

  private async checkRouter(p: Principal, router: RouterRef): Promise<string> {
    const { router_id: vpcId, router_region: region } = router;
    if (region !== undefined && region !== this.deps.settings.region) throw invalidRegion(region);
    if (!(await this.deps.store.vpcs.get(p.projectId, vpcId))) throw dnsVpcNotFound(vpcId, 'router.router_id');
    return vpcId;
  }
}
