// EDNS option codes vpcdns reads, and which options are end-to-end (passed on) or hop-by-hop (not).

export const OPTION_NSID = 3; // RFC 5001
export const OPTION_CLIENT_SUBNET = 8; // RFC 7871
export const OPTION_EXPIRE = 9; // RFC 7314
export const OPTION_COOKIE = 10; // RFC 7873
export const OPTION_KEEPALIVE = 11; // RFC 7828
export const OPTION_PADDING = 12; // RFC 7830
/** Local/experimental range (RFC 6891 9): the ids of the vpcdns instances a query went through (docs/dataplane.md, Loops). */
export const OPTION_VIA = 65283;

/**
 * Whether an option passes between a client and an upstream (either way). NSID, EXPIRE, COOKIE,
 * KEEPALIVE and PADDING describe one hop's exchange; CLIENT-SUBNET would make answers depend on the
 * client while the cache shares them, so it passes only when configured (dns.pass_client_subnet).
 */
export function forwardsOption(code: number, passClientSubnet: boolean): boolean {
  switch (code) {
    case OPTION_NSID:
    case OPTION_EXPIRE:
    case OPTION_COOKIE:
    case OPTION_KEEPALIVE:
    case OPTION_PADDING:
      return false;
    case OPTION_CLIENT_SUBNET:
      return passClientSubnet;
    default:
      return true;
  }
}
