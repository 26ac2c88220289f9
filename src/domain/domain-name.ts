// DNS domain names of resolver rules: validation (RFC 1035 letter-digit-hyphen labels) and the matching key.

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;

/**
 * True for a name of 1-127 labels of 1-63 letters, digits and hyphens (not at either end of a label),
 * at most 253 characters without the optional trailing dot. Underscores are refused (hostnames, RFC 952).
 */
export function isValidDomainName(name: unknown): name is string {
  if (typeof name !== 'string') return false;
  const bare = name.endsWith('.') ? name.slice(0, -1) : name;
  if (bare.length === 0 || bare.length > 253) return false;
  return bare.split('.').every((label) => LABEL.test(label));
}

/** The form rules are matched and compared by: lower case, no trailing dot ("Corp.Example." -> "corp.example"). */
export function domainKey(name: string): string {
  return (name.endsWith('.') ? name.slice(0, -1) : name).toLowerCase();
}
