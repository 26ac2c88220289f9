// `vpcdns endpoint ...`: resolver endpoints and their addresses (E1-E9).
import type { Static } from '@sinclair/typebox';
import { Command, Option } from 'commander';
import type { EndpointSchema, IpaddressSchema } from '../api/schemas/endpoint.ts';
import { action, common, statusOrGone, waitable, type Ctx } from './command.ts';
import { CommandFailed, UsageError } from './errors.ts';
import type { CliIo } from './io.ts';
import type { Column } from './output.ts';

type Endpoint = Static<typeof EndpointSchema>;
type Ipaddress = Static<typeof IpaddressSchema>;

const COLUMNS: Column<Endpoint>[] = [
  { header: 'ID', value: (e) => e.id },
  { header: 'NAME', value: (e) => e.name },
  { header: 'DIRECTION', value: (e) => e.direction },
  { header: 'STATUS', value: (e) => e.status },
  { header: 'VPC', value: (e) => e.vpc_id },
  { header: 'IPS', value: (e) => e.ipaddress_count },
  { header: 'RULES', value: (e) => e.resolver_rule_count },
  { header: 'CREATED', value: (e) => e.create_time },
];

const IP_COLUMNS: Column<Ipaddress>[] = [
  { header: 'ID', value: (a) => a.id },
  { header: 'IP', value: (a) => a.ip },
  { header: 'SUBNET', value: (a) => a.subnet_id },
  { header: 'STATUS', value: (a) => a.status },
  { header: 'ERROR', value: (a) => a.error_info },
];

const fields = (e: Endpoint): [string, unknown][] => [
  ['id', e.id],
  ['name', e.name],
  ['direction', e.direction],
  ['status', e.status],
  ['vpc_id', e.vpc_id],
  ['ipaddress_count', e.ipaddress_count],
  ['resolver_rule_count', e.resolver_rule_count],
  ['create_time', e.create_time],
  ['update_time', e.update_time],
];

const path = (id: string) => `/v2.1/endpoints/${encodeURIComponent(id)}`;
const show = async (ctx: Ctx, id: string) => (await ctx.client.request<{ endpoint: Endpoint }>('GET', path(id))).endpoint;

/** `SUBNET_ID` or `SUBNET_ID=IP`, as --address takes it. */
export function parseAddress(text: string): { subnet_id: string; ip?: string } {
  const [subnet, ip, extra] = text.split('=');
  if (!subnet || extra !== undefined || ip === '') throw new UsageError(`--address must be SUBNET_ID or SUBNET_ID=IP, got ${JSON.stringify(text)}`);
  return ip === undefined ? { subnet_id: subnet } : { subnet_id: subnet, ip };
}

/** Follows the endpoint, then prints it as it is now (the 202 body is already stale when waiting). */
async function settleAndPrint(ctx: Ctx, e: Endpoint): Promise<void> {
  try {
    await ctx.follow(`endpoint ${e.id}`, () => statusOrGone(async () => (await show(ctx, e.id)).status));
  } finally {
    ctx.print.one(ctx.opts.wait ? await show(ctx, e.id).catch(() => e) : e, fields);
  }
}

export function endpointCommand(io: CliIo): Command {
  const cmd = new Command('endpoint').description('resolver endpoints: inbound (listeners in a VPC) or outbound (forwarding sources)');
  const leaf = (spec: string, description: string) => common(cmd.command(spec).description(description));

  waitable(leaf('create <name>', 'create an endpoint with addresses in one VPC'))
    .addOption(new Option('--direction <direction>', 'inbound or outbound').choices(['inbound', 'outbound']).makeOptionMandatory())
    .option('--address <subnet[=ip]>', 'an address in a subnet, chosen (SUBNET_ID=IP) or allocated (SUBNET_ID); repeat for more', (v: string, all: string[]) => [...all, v], [] as string[])
    .option('--region <region>', 'the region (default: the profile\'s, or ap-southeast-1)')
    .action(
      action(io, async (ctx, [name]) => {
        const addresses = (ctx.opts.address as string[]).map(parseAddress);
        if (addresses.length === 0) throw new UsageError('give at least one --address SUBNET_ID[=IP]');
        const body = { name, direction: ctx.opts.direction, region: (ctx.opts.region as string | undefined) ?? ctx.client.region, ipaddresses: addresses };
        const { endpoint } = await ctx.client.request<{ endpoint: Endpoint }>('POST', '/v2.1/endpoints', body);
        await settleAndPrint(ctx, endpoint);
      }),
    );

  leaf('list', 'list endpoints (both directions unless --direction)')
    .addOption(new Option('--direction <direction>', 'only inbound or outbound').choices(['inbound', 'outbound']))
    .option('--vpc <vpc_id>', 'only endpoints in this VPC')
    .option('--name <name>', 'only endpoints with this name')
    .action(
      action(io, async (ctx) => {
        const directions = ctx.opts.direction ? [ctx.opts.direction as string] : ['inbound', 'outbound'];
        const all: Endpoint[] = [];
        for (const direction of directions) {
          const q = new URLSearchParams({ direction, limit: '500' });
          if (ctx.opts.vpc) q.set('vpc_id', String(ctx.opts.vpc));
          if (ctx.opts.name) q.set('name', String(ctx.opts.name));
          for (let offset = 0; ; offset += 500) {
            q.set('offset', String(offset));
            const page = await ctx.client.request<{ endpoints: Endpoint[]; metadata: { total_count: number } }>('GET', `/v2.1/endpoints?${q}`);
            all.push(...page.endpoints);
            if (page.endpoints.length < 500) break;
          }
        }
        ctx.print.list(all, COLUMNS);
      }),
    );

  leaf('show <endpoint>', 'show an endpoint').action(action(io, async (ctx, [id]) => ctx.print.one(await show(ctx, id!), fields)));

  waitable(leaf('rename <endpoint> <name>', 'rename an endpoint')).action(
    action(io, async (ctx, [id, name]) => {
      const { endpoint } = await ctx.client.request<{ endpoint: Endpoint }>('PUT', path(id!), { name });
      await settleAndPrint(ctx, endpoint);
    }),
  );

  waitable(leaf('delete <endpoint>', 'delete an endpoint and release its addresses')).action(
    action(io, async (ctx, [id]) => {
      const { endpoint } = await ctx.client.request<{ endpoint: Endpoint }>('DELETE', path(id!));
      await ctx.follow(`endpoint ${id}`, () => statusOrGone(async () => (await show(ctx, id!)).status), 'gone');
      if (ctx.opts.wait) ctx.print.note(`endpoint ${id} deleted`);
      else ctx.print.one(endpoint, fields);
    }),
  );

  leaf('ips <endpoint>', "list an endpoint's addresses").action(
    action(io, async (ctx, [id]) => {
      const { ipaddresses } = await ctx.client.request<{ ipaddresses: Ipaddress[] }>('GET', `${path(id!)}/ipaddresses`);
      ctx.print.list(ipaddresses, IP_COLUMNS);
    }),
  );

  waitable(leaf('bind-ip <endpoint>', 'bind one more address to an endpoint'))
    .requiredOption('--subnet <subnet_id>', 'the subnet of the address')
    .option('--ip <ip>', 'the address (default: allocated)')
    .action(
      action(io, async (ctx, [id]) => {
        const body = { ipaddress: { subnet_id: ctx.opts.subnet, ...(ctx.opts.ip ? { ip: ctx.opts.ip } : {}) } };
        const { endpoint } = await ctx.client.request<{ endpoint: Endpoint }>('POST', `${path(id!)}/ipaddresses`, body);
        await settleAndPrint(ctx, endpoint);
      }),
    );

  waitable(leaf('unbind-ip <endpoint> <address>', 'unbind an address, given by its id or by the IP itself')).action(
    action(io, async (ctx, [id, address]) => {
      let addressId = address!;
      if (/^\d{1,3}(\.\d{1,3}){3}$/.test(addressId)) {
        const { ipaddresses } = await ctx.client.request<{ ipaddresses: Ipaddress[] }>('GET', `${path(id!)}/ipaddresses`);
        const found = ipaddresses.find((a) => a.ip === addressId);
        if (!found) throw new CommandFailed(`endpoint ${id} has no address ${addressId}`);
        addressId = found.id;
      }
      const { endpoint } = await ctx.client.request<{ endpoint: Endpoint }>('DELETE', `${path(id!)}/ipaddresses/${encodeURIComponent(addressId)}`);
      await settleAndPrint(ctx, endpoint);
    }),
  );
  return cmd;
}
