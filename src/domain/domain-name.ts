// DNS domain names of resolver rules: the accepted form (RFC 1035 letter-digit-hyphen labels) and the matching key.

const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
/**
 * 1-127 labels of 1-63 letters, digits and hyphens (not at either end of a label), at most 253 characters
 * without the optional trailing dot. Underscores are refused (hostnames, RFC 952).
 */
export const DOMAIN_NAME_PATTERN = `^(?=.{1,253}\\.?$)${LABEL}(?:\\.${LABEL})*\\.?$`;
export const DOMAIN_NAME_RULE = 'a DNS name of letter-digit-hyphen labels of 1-63 characters, at most 253 characters';

/** The form rules are matched and compared by: lower case, no trailing dot ("Corp.Example." -> "corp.example"). */
export function domainKey(name: string): string {
  return (name.endsWith('.') ? name.slice(0, -1) : name).toLowerCase();
}
