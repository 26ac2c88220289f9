// Record set names and values in private zones: the syntax of each type (docs/zones.md), checked without I/O.
import { isIP } from 'node:net';

export const RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'SRV', 'PTR', 'CAA'] as const;
export type RecordType = (typeof RECORD_TYPES)[number];
/** The types the system creates at each zone's apex; clients cannot create, change or delete them. */
export const SYSTEM_TYPES = ['SOA', 'NS'] as const;
/** Values per record set (Huawei's console limit; the API's is undocumented). */
export const MAX_RECORDS_PER_SET = 50;
/** The name server every private zone's NS and SOA name (spec open question 5: decided in docs/zones.md). */
export const ZONE_NAME_SERVER = 'ns1.vpcdns.internal.';
export const SOA_TIMERS = '7200 900 1209600 300';
export const NS_TTL = 172800;

const HOST_LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/;

/** "Www.Corp.Internal" -> "www.corp.internal." */
export function fqdn(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower : `${lower}.`;
}

/** A host name: labels of letters, digits, '_' and '-', at most 253 characters, an optional trailing dot. */
export function isHostName(name: string): boolean {
  const bare = name.endsWith('.') ? name.slice(0, -1) : name;
  if (bare.length === 0 || bare.length > 253) return false;
  return bare.toLowerCase().split('.').every((l) => HOST_LABEL.test(l));
}

/**
 * The record set name as stored (lower case, trailing dot), or the reason it is refused: inside the zone (the apex
 * itself allowed), `*` only as the whole leftmost label and not for SOA/NS.
 */
export function recordSetName(name: string, zoneName: string, type: string): { name: string } | { error: string } {
  const n = fqdn(name);
  if (n !== zoneName && !n.endsWith(`.${zoneName}`)) return { error: `name ${JSON.stringify(name)} is not inside zone ${zoneName}.` };
  const labels = n.slice(0, -1).split('.');
  const wildcard = labels[0] === '*';
  if (wildcard && (type === 'SOA' || type === 'NS')) return { error: `name: a ${type} set cannot have a wildcard name.` };
  const rest = wildcard ? labels.slice(1) : labels;
  if (n.length > 254 || !rest.every((l) => HOST_LABEL.test(l))) {
    return { error: `name must be a DNS name inside the zone: labels of 1-63 letters, digits, '_' or '-', '*' only as the leftmost label; got ${JSON.stringify(name)}.` };
  }
  return { name: n };
}

const u16 = (s: string | undefined) => s !== undefined && /^\d{1,5}$/.test(s) && Number(s) <= 65535;
const TXT_ENTRY = /^(?:"(?:[^"\\]|\\.){0,255}")(?:\s+"(?:[^"\\]|\\.){0,255}")*$/;

/** Why one value of a type is refused, or null when it parses. */
export function recordValueError(type: RecordType, value: string): string | null {
  const parts = value.trim().split(/\s+/);
  switch (type) {
    case 'A':
      return isIP(value) === 4 ? null : 'an IPv4 address';
    case 'AAAA':
      return isIP(value) === 6 ? null : 'an IPv6 address';
    case 'CNAME':
    case 'PTR':
      return isHostName(value) ? null : 'a domain name';
    case 'MX':
      return parts.length === 2 && u16(parts[0]) && isHostName(parts[1]!) ? null : "'<priority 0-65535> <host>'";
    case 'SRV':
      return parts.length === 4 && u16(parts[0]) && u16(parts[1]) && u16(parts[2]) && (parts[3] === '.' || isHostName(parts[3]!))
        ? null
        : "'<priority> <weight> <port> <target>' with numbers 0-65535";
    case 'TXT':
      return value.length <= 4096 && TXT_ENTRY.test(value) ? null : 'double-quoted strings of at most 255 characters each, separated by spaces, at most 4096 characters';
    case 'CAA':
      return parts.length >= 3 && /^\d{1,3}$/.test(parts[0]!) && Number(parts[0]) <= 255 && /^(issue|issuewild|iodef)$/i.test(parts[1]!) && /^".*"$/.test(parts.slice(2).join(' '))
        ? null
        : "'<flags 0-255> issue|issuewild|iodef \"<value>\"'";
  }
}

/** Why a set's values are refused (naming the entry), or null: 1-50 values, distinct, one for CNAME and PTR. */
export function recordsError(type: RecordType, records: readonly string[]): { field: string; error: string } | null {
  if (records.length === 0 || records.length > MAX_RECORDS_PER_SET) return { field: 'records', error: `records must hold 1 to ${MAX_RECORDS_PER_SET} values; got ${records.length}.` };
  if ((type === 'CNAME' || type === 'PTR') && records.length > 1) return { field: 'records', error: `a ${type} set holds exactly one value; got ${records.length}.` };
  const seen = new Set<string>();
  for (const [i, r] of records.entries()) {
    const field = `records[${i}]`;
    const why = recordValueError(type, r);
    if (why) return { field, error: `${field} must be ${why}; got ${JSON.stringify(r.slice(0, 64))}.` };
    const key = r.toLowerCase();
    if (seen.has(key)) return { field, error: `${field} repeats a value.` };
    seen.add(key);
  }
  return null;
}

/** The SOA mailbox of an email: '@' becomes '.', dots of the local part escaped (Huawei's FAQ). */
export function soaMailbox(email: string): string {
  const at = email.lastIndexOf('@');
  const local = email.slice(0, at).replace(/\./g, '\\.');
  return fqdn(`${local}.${email.slice(at + 1)}`);
}

export const soaRecord = (email: string, serial: number) => `${ZONE_NAME_SERVER} ${soaMailbox(email)} (${serial} ${SOA_TIMERS})`;

export const isReverseZone = (zoneName: string) => zoneName.endsWith('.in-addr.arpa.') || zoneName.endsWith('.ip6.arpa.') || zoneName === 'in-addr.arpa.' || zoneName === 'ip6.arpa.';
