// One VPC's routing: rules indexed by domain, matched on whole labels, most specific first.
import ipaddr from 'ipaddr.js';
import type { ForwardRule, UpstreamTarget, VpcContext } from './types.ts';

export type Route =
  | { readonly kind: 'rule'; readonly rule: ForwardRule }
  | { readonly kind: 'default'; readonly upstreams: readonly UpstreamTarget[] }
  | { readonly kind: 'none' };

/** Lower case, no trailing dot; "." and "" both mean the root. */
export function normalizeDomain(domain: string): string {
  const lower = domain.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

/** The canonical text of an IP address, as dgram reports a sender (so replies can be matched). */
export function canonicalIp(ip: string): string {
  return ipaddr.isValid(ip) ? ipaddr.process(ip).toString() : ip;
}

function canonicalTargets(targets: readonly UpstreamTarget[]): UpstreamTarget[] {
  return targets.map((t) => ({ ip: canonicalIp(t.ip), port: t.port }));
}

const NO_ROUTE: Route = { kind: 'none' };

export class RouteTable {
  /** Built once per routing change, so that a look-up allocates nothing. */
  private readonly byDomain = new Map<string, Route & { kind: 'rule' }>();
  private readonly fallback: Route;

  constructor(vpc: VpcContext) {
    for (const rule of vpc.rules) {
      const domain = normalizeDomain(rule.domain);
      // Two rules for one domain would be a control-plane bug; the first one wins, deterministically.
      if (!this.byDomain.has(domain)) this.byDomain.set(domain, { kind: 'rule', rule: { ...rule, domain, targets: canonicalTargets(rule.targets) } });
    }
    const upstreams = canonicalTargets(vpc.upstreams);
    this.fallback = upstreams.length > 0 ? { kind: 'default', upstreams } : NO_ROUTE;
  }

  get ruleCount(): number {
    return this.byDomain.size;
  }

  /** qname as parseQuery gives it (lower case, no trailing dot). O(labels) map look-ups. */
  lookup(qname: string): Route {
    let suffix = qname;
    for (;;) {
      const route = this.byDomain.get(suffix);
      if (route !== undefined) return route;
      if (suffix === '') break;
      // Dots inside labels are escaped (\046) by parseQuery, so the first raw dot ends the first label.
      const dot = suffix.indexOf('.');
      suffix = dot < 0 ? '' : suffix.slice(dot + 1);
    }
    return this.fallback;
  }
}

/** A stable text form of what routing depends on, to tell whether a VPC's routing changed. */
export function routingFingerprint(vpc: VpcContext): string {
  const rules = [...vpc.rules]
    .map((r) => [r.id, normalizeDomain(r.domain), r.targets.map((t) => `${t.ip}#${t.port}`), [...r.sourceIps].sort()])
    .sort((a, b) => String(a[1]).localeCompare(String(b[1])) || String(a[0]).localeCompare(String(b[0])));
  return JSON.stringify([rules, vpc.upstreams.map((t) => `${t.ip}#${t.port}`)]);
}
