// Start-up provisioning: projects, tokens, users, access keys, VPCs and subnets from the config file, or a demo set on first start.
import { isProjectId, isUuid } from '../domain/ids.ts';
import type { ProjectConfig, VpcConfig } from '../config.ts';
import type { Principal, ServiceDeps } from './context.ts';
import type { CredentialService } from './credential-service.ts';
import type { IdentityService } from './identity-service.ts';
import type { NetworkService } from './network-service.ts';

export interface BootstrapResult {
  /** Set only when a default project was created on this start: its token and access key, to print once. */
  demo?: { projectId: string; token: string; accessKey: string; secretKey: string; vpcId: string; subnetId: string };
  projects: number;
  vpcs: number;
}

export const DEMO = {
  projectName: 'default',
  vpcName: 'demo-vpc',
  vpcCidr: '127.16.0.0/16',
  subnetName: 'demo-subnet',
  subnetCidr: '127.16.10.0/24',
} as const;

/**
 * Applies the config idempotently: what exists is left alone, what is missing is created.
 * With no projects configured and none stored, creates the demo project with a fresh token and access key.
 * Users and access keys are matched by name and AK: a changed password or secret in the config is not applied.
 */
export async function bootstrap(
  deps: Pick<ServiceDeps, 'store'>,
  identity: IdentityService,
  networks: NetworkService,
  config: { projects: ProjectConfig[]; vpcs: VpcConfig[] },
  credentials: CredentialService,
): Promise<BootstrapResult> {
  const { store } = deps;
  for (const p of config.projects) {
    if (!isProjectId(p.id)) throw new Error(`config: project id ${JSON.stringify(p.id)} must be 32 lowercase hex characters`);
    await store.transaction(async (tx) => {
      if (!(await tx.projects.get(p.id))) await identity.createProject({ id: p.id, name: p.name }, tx);
      for (const token of p.tokens ?? []) {
        if (!(await identity.tokenExists(token, tx))) await identity.addToken(p.id, token, null, tx);
      }
      for (const u of p.users ?? []) {
        if (!(await tx.users.findByName(p.id, u.name))) await credentials.createUser({ projectId: p.id, name: u.name, password: u.password }, tx);
      }
      for (const k of p.access_keys ?? []) {
        const existing = await credentials.getAccessKey(k.access, tx);
        if (existing && existing.projectId !== p.id) throw new Error(`config: access key ${k.access} belongs to project ${existing.projectId}, not ${p.id}`);
        if (!existing) await credentials.createAccessKey({ projectId: p.id, access: k.access, secret: k.secret, description: k.description ?? 'from the config file' }, tx);
      }
    });
  }
  for (const v of config.vpcs) {
    if (!isUuid(v.id)) throw new Error(`config: VPC id ${JSON.stringify(v.id)} must be a UUID`);
    if (!(await store.projects.get(v.project_id))) throw new Error(`config: VPC ${v.id} names unknown project ${v.project_id}`);
    const principal: Principal = { projectId: v.project_id, method: 'token' };
    await store.transaction(async (tx) => {
      if (!(await tx.vpcs.get(v.project_id, v.id))) await networks.createVpc(principal, { id: v.id, name: v.name, cidr: v.cidr, description: v.description }, tx);
      for (const s of v.subnets ?? []) {
        if (await tx.subnets.get(v.project_id, s.id)) continue;
        await networks.createSubnet(principal, { id: s.id, name: s.name, cidr: s.cidr, gatewayIp: s.gateway_ip, vpcId: v.id, neutronSubnetId: s.neutron_subnet_id }, tx);
      }
    });
  }
  const result: BootstrapResult = { projects: config.projects.length, vpcs: config.vpcs.length };
  if (config.projects.length === 0 && (await store.projects.list()).length === 0) {
    result.demo = await store.transaction(async (tx) => {
      const project = await identity.createProject({ name: DEMO.projectName }, tx);
      const token = await identity.addToken(project.id, undefined, null, tx);
      const key = await credentials.createAccessKey({ projectId: project.id, description: 'created on first start' }, tx);
      const principal: Principal = { projectId: project.id, method: 'token' };
      const vpc = await networks.createVpc(principal, { name: DEMO.vpcName, cidr: DEMO.vpcCidr, description: 'created on first start' }, tx);
      const subnet = await networks.createSubnet(principal, { name: DEMO.subnetName, cidr: DEMO.subnetCidr, vpcId: vpc.id }, tx);
      return { projectId: project.id, token, accessKey: key.access, secretKey: key.secret, vpcId: vpc.id, subnetId: subnet.id };
    });
  }
  return result;
}
