// `vpcdns rule ...`: resolver rules (forward a domain to targets from an endpoint) and their VPCs (R1-R7).
import type { Static } from '@sinclair/typebox';
import { Command } from 'commander';
import type { ResolverRuleSchema, RouterSchema, ShowResolverRuleSchema } from '../api/schemas/rule.ts';
import { action, common, statusOrGone, waitable, type Ctx } from './command.ts';
import { UsageError } from './errors.ts';
import type { CliIo } from './io.ts';
import type { Column } from './output.ts';

type Router = Static<typeof RouterSchema>;
/** As listed (with routers) or shown (with targets and routers). */
type Rule = Static<typeof ResolverRuleSchema> & Partial<Pick<Static<typeof ShowResolverRuleSchema>, 'ipaddresses' | 'routers'>>;

const COLUMNS: Column<Rule>[] = [
  { header: 'ID', value: (r) => r.id },
  { header: 'NAME', value: (r) => r.name },
  { header: 'DOMAIN', value: (r) => r.domain_name },
  { header: 'ENDPOINT', value: (r) => r.endpoint_id },
  { header: 'STATUS', value: (r) => r.status },
  { header: 'TARGETS', value: (r) => r.ipaddress_count },
  { header: 'VPCS', value: (r) => (r.routers ?? []).map((v) => v.router_id) },
];

const target = (t: { ip: string; port?: number }) => (t.port && t.port !== 53 ? `${t.ip}:${t.port}` : t.ip);

const fields = (r: Rule): [string, unknown][] => [
  ['id', r.id],
  ['name', r.name],
  ['domain_name', r.domain_name],
  ['endpoint_id', r.endpoint_id],
  ['status', r.status],
  ['targets', (r.ipaddresses ?? []).map(target)],
  ['vpcs', (r.routers ?? []).map((v) => `${v.router_id} (${v.status})`)],
  ['create_time', r.create_time],
  ['update_time', r.update_time],
];

/** `IP` or `IP:PORT`, as --target takes it. */
export function parseTarget(text: string): { ip: string; port?: number } {
  const m = /^([^:]+)(?::(\d{1,5}))?$/.exec(text);
  if (!m) throw new UsageError(`--target must be IP or IP:PORT, got ${JSON.stringify(text)}`);
  return m[2] === undefined ? { ip: m[1]! } : { ip: m[1]!, port: Number(m[2]) };
}

const path = (id: string) => `/v2.1/resolverrules/${encodeURIComponent(id)}`;
const show = async (ctx: Ctx, id: string) => (await ctx.client.request<{ resolver_rule: Rule }>('GET', path(id))).resolver_rule;
const collect = (v: string, all: string[]) => [...all, v];

async function settleAndPrint(ctx: Ctx, id: string, fallback: Rule): Promise<void> {
  try {
    await ctx.follow(`rule ${id}`, () => statusOrGone(async () => (await show(ctx, id)).status));
  } finally {
    ctx.print.one(ctx.opts.wait ? await show(ctx, id).catch(() => fallback) : fallback, fields);
  }
}

export function ruleCommand(io: CliIo): Command {
  const cmd = new Command('rule').description('resolver rules: forward queries for a domain to target servers, for the VPCs associated');
  const leaf = (spec: string, description: string) => common(cmd.command(spec).description(description));

  waitable(leaf('create <name>', 'create a rule on an endpoint'))
    .requiredOption('--domain <domain>', 'the domain whose queries are forwarded, e.g. corp.example.com')
    .requiredOption('--endpoint <endpoint_id>', 'the endpoint whose addresses the queries leave from')
    .option('--target <ip[:port]>', 'a DNS server to forward to (repeat for more, 1 to 6)', collect, [] as string[])
    .action(
      action(io, async (ctx, [name]) => {
        const targets = (ctx.opts.target as string[]).map(parseTarget);
        if (targets.length === 0) throw new UsageError('give at least one --target IP[:PORT]');
        const body = { name, domain_name: ctx.opts.domain, endpoint_id: ctx.opts.endpoint, ipaddresses: targets };
        const { resolver_rule } = await ctx.client.request<{ resolver_rule: Rule }>('POST', '/v2.1/resolverrules', body);
        await settleAndPrint(ctx, resolver_rule.id, resolver_rule);
      }),
    );

  leaf('list', 'list rules')
    .option('--domain <domain>', 'only rules for this domain')
    .option('--name <name>', 'only rules with this name')
    .option('--endpoint <endpoint_id>', 'only rules on this endpoint')
    .action(
      action(io, async (ctx) => {
        const q = new URLSearchParams({ limit: '500' });
        if (ctx.opts.domain) q.set('domain_name', String(ctx.opts.domain));
        if (ctx.opts.name) q.set('name', String(ctx.opts.name));
        if (ctx.opts.endpoint) q.set('endpoint_id', String(ctx.opts.endpoint));
        const all: Rule[] = [];
        for (;;) {
          const page = await ctx.client.request<{ resolver_rules: Rule[]; page_info: { next_marker?: string } }>('GET', `/v2.1/resolverrules?${q}`);
          all.push(...page.resolver_rules);
          if (!page.page_info.next_marker) break;
          q.set('marker', page.page_info.next_marker);
        }
        ctx.print.list(all, COLUMNS);
      }),
    );

  leaf('show <rule>', 'show a rule with its targets and VPCs').action(action(io, async (ctx, [id]) => ctx.print.one(await show(ctx, id!), fields)));

  waitable(leaf('update <rule>', 'rename a rule and/or replace its targets'))
    .option('--name <name>', 'the new name')
    .option('--target <ip[:port]>', 'the new targets, replacing all (repeat for more)', collect, [] as string[])
    .action(
      action(io, async (ctx, [id]) => {
        const targets = (ctx.opts.target as string[]).map(parseTarget);
        if (!ctx.opts.name && targets.length === 0) throw new UsageError('give --name and/or --target');
        const body = { ...(ctx.opts.name ? { name: ctx.opts.name } : {}), ...(targets.length ? { ipaddresses: targets } : {}) };
        const { resolver_rule } = await ctx.client.request<{ resolver_rule: Rule }>('PUT', path(id!), body);
        await settleAndPrint(ctx, id!, resolver_rule);
      }),
    );

  waitable(leaf('delete <rule>', 'delete a rule (it must have no VPC left)')).action(
    action(io, async (ctx, [id]) => {
      const { resolver_rule } = await ctx.client.request<{ resolver_rule: Rule }>('DELETE', path(id!));
      await ctx.follow(`rule ${id}`, () => statusOrGone(async () => (await show(ctx, id!)).status), 'gone');
      if (ctx.opts.wait) ctx.print.note(`rule ${id} deleted`);
      else ctx.print.one(resolver_rule, fields);
    }),
  );

  for (const [verb, op, description] of [
    ['associate', 'associaterouter', 'apply a rule to a VPC'],
    ['disassociate', 'disassociaterouter', 'stop applying a rule to a VPC'],
  ] as const) {
    waitable(leaf(`${verb} <rule>`, description))
      .requiredOption('--vpc <vpc_id>', 'the VPC')
      .option('--region <region>', "the VPC's region (default: the profile's)")
      .action(
        action(io, async (ctx, [id]) => {
          const vpc = String(ctx.opts.vpc);
          const router = { router_id: vpc, router_region: (ctx.opts.region as string | undefined) ?? ctx.client.region };
          const result = await ctx.client.request<Router>('POST', `${path(id!)}/${op}`, { router });
          const probe = async () => (await show(ctx, id!)).routers?.find((r) => r.router_id === vpc)?.status ?? null;
          await ctx.follow(`rule ${id} in VPC ${vpc}`, probe, verb === 'associate' ? 'settled' : 'gone');
          const now = ctx.opts.wait ? { ...result, status: (await probe()) ?? 'DELETED' } : result;
          ctx.print.one(now, (r) => [['router_id', r.router_id], ['router_region', r.router_region], ['status', r.status]]);
        }),
      );
  }
  return cmd;
}
