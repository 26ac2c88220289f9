// Placement of addresses on DNS nodes (docs/deployment.md): who serves an address, and the status that makes true.
import { cidrContains, parseCidr, type Cidr } from './ipam.ts';
import type { Status } from './status.ts';

/** A node with the dns role, as placement sees it. */
export interface DnsNode {
  name: string;
  serveCidrs: readonly string[];
  /** Heartbeat within dead_after at the time of the decision. */
  live: boolean;
  /** Milliseconds since its last heartbeat (said in error_info when it is dead). */
  silentMs: number;
}

export interface NodeReport {
  nodeName: string;
  bound: boolean;
  reason: string | null;
}

/** Where an address stands on the DNS nodes. */
export interface Placement {
  /** Live covering nodes that report it bound, by name. */
  servedBy: string[];
  /** Live covering nodes that have not reported on it yet. */
  unreported: string[];
  /** Why no node serves it (null while one does); at most ERROR_INFO_MAX characters. */
  why: string | null;
}

/** error_info is at most this long (the reasons of many nodes are cut, with a count of those left out). */
export const ERROR_INFO_MAX = 1024;

const cidrCache = new Map<string, Cidr | null>();
function cidr(text: string): Cidr | null {
  let c = cidrCache.get(text);
  if (c === undefined) {
    c = parseCidr(text);
    // Bounded: CIDRs come from the nodes' configuration, a handful per node; past this, parse each time.
    if (cidrCache.size < 4096) cidrCache.set(text, c);
  }
  return c;
}

/** Whether a node's CIDRs contain ip. */
export function covers(node: Pick<DnsNode, 'serveCidrs'>, ip: string): boolean {
  return node.serveCidrs.some((t) => {
    const c = cidr(t);
    return c !== null && cidrContains(c, ip);
  });
}

function capped(parts: readonly string[]): string {
  let out = '';
  for (let i = 0; i < parts.length; i++) {
    const next = out === '' ? parts[i]! : `${out}; ${parts[i]}`;
    const rest = parts.length - i - 1;
    const tail = rest > 0 ? `; and ${rest} more` : '';
    if (next.length + tail.length > ERROR_INFO_MAX) {
      const more = `; and ${parts.length - i} more`;
      return (out === '' ? parts[i]!.slice(0, ERROR_INFO_MAX - more.length) : out) + more;
    }
    out = next;
  }
  return out;
}

/**
 * An address is served by every live DNS node whose CIDRs contain it. It is served when at least one of them
 * reports it bound; when none does, `why` names each covering node's reason (a live node's report, a dead node's
 * silence), or says that no live node covers it.
 */
export function place(ip: string, nodes: readonly DnsNode[], reports: readonly NodeReport[]): Placement {
  const covering = nodes.filter((n) => covers(n, ip)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const reportOf = new Map(reports.map((r) => [r.nodeName, r]));
  const servedBy: string[] = [];
  const unreported: string[] = [];
  const reasons: string[] = [];
  for (const n of covering) {
    if (!n.live) {
      reasons.push(`${n.name}: no heartbeat for ${(n.silentMs / 1000).toFixed(1)} s`);
      continue;
    }
    const r = reportOf.get(n.name);
    if (!r) {
      unreported.push(n.name);
      reasons.push(`${n.name}: not reported yet`);
    } else if (r.bound) servedBy.push(n.name);
    else reasons.push(`${n.name}: ${r.reason ?? 'not bound'}`);
  }
  if (servedBy.length > 0) return { servedBy, unreported, why: null };
  const live = covering.some((n) => n.live);
  const why = live ? capped(reasons) : capped([`no live DNS node covers ${ip}`, ...reasons]);
  return { servedBy, unreported, why };
}

/**
 * The status placement gives an address, or null to leave it as it is. A new address (PENDING_CREATE) waits until
 * every live covering node has reported, so that ACTIVE means answering on each of them; ACTIVE when one serves it,
 * else ERROR. A settled address follows what is served now: ACTIVE <-> ERROR.
 */
export function placedStatus(current: Status, p: Placement): { status: Status; errorInfo: string | null } | null {
  if (current === 'PENDING_CREATE') {
    if (p.unreported.length > 0) return null;
    return p.servedBy.length > 0 ? { status: 'ACTIVE', errorInfo: null } : { status: 'ERROR', errorInfo: p.why };
  }
  if (current === 'ACTIVE' || current === 'ERROR') return p.servedBy.length > 0 ? { status: 'ACTIVE', errorInfo: null } : { status: 'ERROR', errorInfo: p.why };
  return null;
}
