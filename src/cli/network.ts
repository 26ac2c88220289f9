// `vpcdns vpc ...` and `vpcdns subnet ...`: networks through the VPC v1 subset (/v1/{project_id}/...).
import type { Static } from '@sinclair/typebox';
import { Command } from 'commander';
import type { SubnetSchema, VpcSchema } from '../api/schemas/network.ts';
import { action, common, type Ctx } from './command.ts';
import type { CliIo } from './io.ts';
import type { Column } from './output.ts';

type Vpc = Static<typeof VpcSchema>;
type Subnet = Static<typeof SubnetSchema>;

const VPC_COLUMNS: Column<Vpc>[] = [
  { header: 'ID', value: (v) => v.id },
  { header: 'NAME', value: (v) => v.name },
  { header: 'CIDR', value: (v) => v.cidr },
  { header: 'STATUS', value: (v) => v.status },
  { header: 'CREATED', value: (v) => v.created_at },
];

const SUBNET_COLUMNS: Column<Subnet>[] = [
  { header: 'ID', value: (s) => s.id },
  { header: 'NAME', value: (s) => s.name },
  { header: 'CIDR', value: (s) => s.cidr },
  { header: 'GATEWAY', value: (s) => s.gateway_ip },
  { header: 'VPC', value: (s) => s.vpc_id },
  { header: 'NEUTRON SUBNET', value: (s) => s.neutron_subnet_id },
  { header: 'STATUS', value: (s) => s.status },
];

const vpcFields = (v: Vpc): [string, unknown][] => [['id', v.id], ['name', v.name], ['cidr', v.cidr], ['description', v.description], ['status', v.status], ['created_at', v.created_at]];
const subnetFields = (s: Subnet): [string, unknown][] => [
  ['id', s.id],
  ['name', s.name],
  ['cidr', s.cidr],
  ['gateway_ip', s.gateway_ip],
  ['vpc_id', s.vpc_id],
  ['neutron_subnet_id', s.neutron_subnet_id],
  ['status', s.status],
  ['created_at', s.created_at],
];

const base = async (ctx: Ctx, kind: 'vpcs' | 'subnets') => `/v1/${encodeURIComponent(await ctx.client.projectId())}/${kind}`;

export function vpcCommand(io: CliIo): Command {
  const cmd = new Command('vpc').description('VPCs (the networks endpoints live in)');
  const leaf = (spec: string, description: string) => common(cmd.command(spec).description(description));
  leaf('create <name>', 'create a VPC')
    .option('--cidr <cidr>', 'its address range, e.g. 10.0.0.0/16')
    .option('--description <text>', 'a note')
    .action(
      action(io, async (ctx, [name]) => {
        const vpc = { name, ...(ctx.opts.cidr ? { cidr: ctx.opts.cidr } : {}), ...(ctx.opts.description ? { description: ctx.opts.description } : {}) };
        ctx.print.one((await ctx.client.request<{ vpc: Vpc }>('POST', await base(ctx, 'vpcs'), { vpc })).vpc, vpcFields);
      }),
    );
  leaf('list', 'list VPCs').action(action(io, async (ctx) => ctx.print.list((await ctx.client.request<{ vpcs: Vpc[] }>('GET', await base(ctx, 'vpcs'))).vpcs, VPC_COLUMNS)));
  leaf('show <vpc>', 'show a VPC').action(
    action(io, async (ctx, [id]) => ctx.print.one((await ctx.client.request<{ vpc: Vpc }>('GET', `${await base(ctx, 'vpcs')}/${encodeURIComponent(id!)}`)).vpc, vpcFields)),
  );
  leaf('delete <vpc>', 'delete a VPC (it must have no subnet left)').action(
    action(io, async (ctx, [id]) => {
      await ctx.client.request('DELETE', `${await base(ctx, 'vpcs')}/${encodeURIComponent(id!)}`);
      ctx.print.note(`vpc ${id} deleted`);
    }),
  );
  return cmd;
}

export function subnetCommand(io: CliIo): Command {
  const cmd = new Command('subnet').description('subnets of VPCs (where endpoint addresses are allocated)');
  const leaf = (spec: string, description: string) => common(cmd.command(spec).description(description));
  leaf('create <name>', 'create a subnet in a VPC')
    .requiredOption('--vpc <vpc_id>', 'the VPC')
    .requiredOption('--cidr <cidr>', 'its range, inside the VPC\'s, e.g. 10.0.1.0/24')
    .option('--gateway <ip>', 'its gateway address (default: the first address)')
    .action(
      action(io, async (ctx, [name]) => {
        const subnet = { name, vpc_id: ctx.opts.vpc, cidr: ctx.opts.cidr, ...(ctx.opts.gateway ? { gateway_ip: ctx.opts.gateway } : {}) };
        ctx.print.one((await ctx.client.request<{ subnet: Subnet }>('POST', await base(ctx, 'subnets'), { subnet })).subnet, subnetFields);
      }),
    );
  leaf('list', 'list subnets')
    .option('--vpc <vpc_id>', 'only the subnets of this VPC')
    .action(
      action(io, async (ctx) => {
        const q = ctx.opts.vpc ? `?vpc_id=${encodeURIComponent(String(ctx.opts.vpc))}` : '';
        ctx.print.list((await ctx.client.request<{ subnets: Subnet[] }>('GET', `${await base(ctx, 'subnets')}${q}`)).subnets, SUBNET_COLUMNS);
      }),
    );
  leaf('show <subnet>', 'show a subnet').action(
    action(io, async (ctx, [id]) => ctx.print.one((await ctx.client.request<{ subnet: Subnet }>('GET', `${await base(ctx, 'subnets')}/${encodeURIComponent(id!)}`)).subnet, subnetFields)),
  );
  leaf('delete <subnet>', 'delete a subnet (no endpoint address may be left in it)').action(
    action(io, async (ctx, [id]) => {
      await ctx.client.request('DELETE', `${await base(ctx, 'subnets')}/${encodeURIComponent(id!)}`);
      ctx.print.note(`subnet ${id} deleted`);
    }),
  );
  return cmd;
}
