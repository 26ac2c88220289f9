// VPCs and subnets: the ground endpoints stand on (the subset of the VPC v1 API that clients use).
import {
  invalidSubnet,
  invalidVpc,
  subnetInUse,
  subnetNotFound,
  subnetOverlaps,
  vpcInUse,
  vpcNotFound,
} from '../domain/errors.ts';
import { newUuid, isUuid } from '../domain/ids.ts';
import { cidrContains, cidrsOverlap, cidrWithin, intToIp, isIpv4, isNetworkOrBroadcast, parseCidr } from '../domain/ipam.ts';
import { isValidName } from '../domain/names.ts';
import { ConstraintViolation, type Page, type Repos, type SubnetRecord, type VpcRecord } from '../store/types.ts';
import type { Principal, ServiceDeps } from './context.ts';

export interface CreateVpcInput {
  id?: string;
  name: string;
  cidr?: string;
  description?: string;
}

export interface CreateSubnetInput {
  id?: string;
  name: string;
  cidr: string;
  gatewayIp?: string;
  vpcId: string;
  neutronSubnetId?: string;
}

export class NetworkService {
  constructor(private readonly deps: ServiceDeps) {}

  async createVpc(p: Principal, input: CreateVpcInput, repos: Repos = this.deps.store): Promise<VpcRecord> {
    if (!isValidName(input.name)) throw invalidVpc(`name must be 1-64 letters, digits, '_', '-', '.'; got ${JSON.stringify(input.name)}.`, 'name');
    const cidrText = input.cidr ?? '192.168.0.0/16';
    const cidr = parseCidr(cidrText);
    if (!cidr || cidr.prefix < 8 || cidr.prefix > 28) {
      throw invalidVpc(`cidr must be an IPv4 network with a prefix of /8 to /28, got ${JSON.stringify(cidrText)}.`, 'cidr');
    }
    if (input.id !== undefined && !isUuid(input.id)) throw invalidVpc(`id must be a UUID, got ${JSON.stringify(input.id)}.`, 'id');
    const vpc: VpcRecord = {
      id: input.id ?? newUuid(),
      projectId: p.projectId,
      name: input.name,
      cidr: cidr.text,
      description: input.description ?? '',
      createdAt: this.deps.clock.now(),
    };
    await repos.vpcs.create(vpc);
    return vpc;
  }

  async getVpc(p: Principal, id: string): Promise<VpcRecord> {
    const vpc = await this.deps.store.vpcs.get(p.projectId, id);
    if (!vpc) throw vpcNotFound(id);
    return vpc;
  }

  listVpcs(p: Principal, page: Page) {
    return this.deps.store.vpcs.find(p.projectId, page);
  }

  async deleteVpc(p: Principal, id: string): Promise<void> {
    await this.deps.store.transaction(async (tx) => {
      const vpc = await tx.vpcs.get(p.projectId, id);
      if (!vpc) throw vpcNotFound(id);
      const endpoints = await tx.endpoints.countByVpc(id);
      if (endpoints > 0) throw vpcInUse(`VPC ${id} still holds ${endpoints} endpoint(s); delete them first.`);
      const rules = await tx.associations.countByVpc(id);
      if (rules > 0) throw vpcInUse(`VPC ${id} is associated with ${rules} resolver rule(s); disassociate them first.`);
      const logs = await tx.queryLogs.countByVpc(id);
      if (logs > 0) throw vpcInUse(`VPC ${id} is in a query logging configuration; disassociate it first.`);
      const subnets = await tx.subnets.listByVpc(id);
      if (subnets.length > 0) throw vpcInUse(`VPC ${id} still has ${subnets.length} subnet(s); delete them first.`);
      await tx.vpcs.delete(id).catch((e: unknown) => {
        if (e instanceof ConstraintViolation) throw vpcInUse(`VPC ${id} is still referenced.`);
        throw e;
      });
    });
  }

  async createSubnet(p: Principal, input: CreateSubnetInput, repos?: Repos): Promise<SubnetRecord> {
    if (!isValidName(input.name)) throw invalidSubnet(`name must be 1-64 letters, digits, '_', '-', '.'; got ${JSON.stringify(input.name)}.`, 'name');
    const cidr = parseCidr(input.cidr);
    // /29 is the smallest subnet that leaves allocatable addresses after the reserved ones (docs/ipam.md).
    if (!cidr || cidr.prefix > 29) throw invalidSubnet(`cidr must be an IPv4 network no smaller than /29, got ${JSON.stringify(input.cidr)}.`, 'cidr');
    if (input.id !== undefined && !isUuid(input.id)) throw invalidSubnet(`id must be a UUID, got ${JSON.stringify(input.id)}.`, 'id');
    // The first host address is the default gateway, as in most clouds.
    const gatewayIp = input.gatewayIp ?? intToIp(cidr.base + 1);
    if (!isIpv4(gatewayIp) || !cidrContains(cidr, gatewayIp) || isNetworkOrBroadcast(cidr, gatewayIp)) {
      throw invalidSubnet(`gateway_ip must be a host address inside ${cidr.text}, got ${JSON.stringify(gatewayIp)}.`, 'gateway_ip');
    }
    const run = async (tx: Repos): Promise<SubnetRecord> => {
      const vpc = await tx.vpcs.get(p.projectId, input.vpcId);
      if (!vpc) throw vpcNotFound(input.vpcId);
      const vpcCidr = parseCidr(vpc.cidr)!;
      if (!cidrWithin(cidr, vpcCidr)) throw invalidSubnet(`cidr ${cidr.text} is not inside the VPC's ${vpc.cidr}.`, 'cidr');
      for (const other of await tx.subnets.listByVpc(vpc.id)) {
        if (cidrsOverlap(cidr, parseCidr(other.cidr)!)) throw subnetOverlaps(cidr.text, `${other.id} (${other.cidr})`);
      }
      const id = input.id ?? newUuid();
      const subnet: SubnetRecord = {
        id,
        projectId: p.projectId,
        vpcId: vpc.id,
        name: input.name,
        cidr: cidr.text,
        gatewayIp,
        neutronSubnetId: input.neutronSubnetId ?? newUuid(),
        createdAt: this.deps.clock.now(),
      };
      await tx.subnets.create(subnet).catch((e: unknown) => {
        if (e instanceof ConstraintViolation && e.kind === 'unique') throw invalidSubnet(`a subnet with id ${id} already exists.`, 'id');
        throw e;
      });
      return subnet;
    };
    // Overlap checks and the insert share one transaction, so two racing creates cannot both pass.
    return repos ? run(repos) : this.deps.store.transaction(run);
  }

  async getSubnet(p: Principal, id: string): Promise<SubnetRecord> {
    const subnet = await this.deps.store.subnets.get(p.projectId, id);
    if (!subnet) throw subnetNotFound(id);
    return subnet;
  }

  listSubnets(p: Principal, filter: { vpcId?: string }, page: Page) {
    return this.deps.store.subnets.find(p.projectId, filter, page);
  }

  async deleteSubnet(p: Principal, id: string): Promise<void> {
    await this.deps.store.transaction(async (tx) => {
      const subnet = await tx.subnets.get(p.projectId, id);
      if (!subnet) throw subnetNotFound(id);
      await tx.subnets.lock([subnet.id]);
      const used = await tx.addresses.countBySubnet(subnet.id);
      if (used > 0) throw subnetInUse(`Subnet ${id} still holds ${used} endpoint address(es); unbind them first.`);
      await tx.subnets.delete(subnet.id).catch((e: unknown) => {
        // An address bound concurrently: the foreign key refuses the delete.
        if (e instanceof ConstraintViolation) throw subnetInUse(`Subnet ${id} still holds endpoint addresses.`);
        throw e;
      });
    });
  }
}
