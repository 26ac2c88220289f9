// Canonical forms of SDK-HMAC-SHA256 (spec §9.2): enc(), URI, query, headers, the canonical request and the HMAC.
import * as nodeCrypto from 'node:crypto';

export const SIGNING_ALGORITHM = 'SDK-HMAC-SHA256';

export type HeaderValue = string | readonly string[] | undefined;
/** Node's IncomingHttpHeaders fits: lower-case names, repeated headers as arrays. */
export type RequestHeaders = Readonly<Record<string, HeaderValue>>;
export type Body = Uint8Array | string | undefined;

/** Thrown by the canonical-form builders for input no conforming client sends (bad %-escape, absent signed header). */
export class MalformedRequestError extends Error {
  override readonly name = 'MalformedRequestError';
}

const UNRESERVED = /^[A-Za-z0-9\-_.~]$/;
/** A segment, key or value made of unreserved characters only is its own canonical form (the common case). */
const ALL_UNRESERVED = /^[A-Za-z0-9\-_.~]*$/;
const HEX_PAIR = /^[0-9A-Fa-f]{2}$/;
const SPACE = Buffer.from(' ');
// enc() of each byte, computed once.
const ENCODED_BYTE = Array.from({ length: 256 }, (_, b) => {
  const ch = String.fromCharCode(b);
  return UNRESERVED.test(ch) ? ch : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
});

function encodeBytes(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += ENCODED_BYTE[b];
  return out;
}

/** The spec's enc(): UTF-8, unreserved characters kept, every other byte as upper-case %XX. */
export function encodeRfc3986(s: string): string {
  return encodeBytes(Buffer.from(s, 'utf8'));
}

// Decoding to bytes rather than a JS string keeps escapes of invalid UTF-8 (e.g. %FF) byte-exact for re-encoding.
function percentDecode(s: string, plusIsSpace: boolean): Buffer {
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const isPlus = plusIsSpace && c === 0x2b;
    if (c !== 0x25 && !isPlus) continue;
    if (i > start) parts.push(Buffer.from(s.slice(start, i), 'utf8'));
    if (isPlus) {
      parts.push(SPACE);
    } else {
      const hex = s.slice(i + 1, i + 3);
      // Rejected rather than kept literally, so that "%zz" and "%25zz" cannot share one signature.
      if (!HEX_PAIR.test(hex)) throw new MalformedRequestError(`bad percent-escape in ${JSON.stringify(s)}`);
      parts.push(Buffer.from(hex, 'hex'));
      i += 2;
    }
    start = i + 1;
  }
  if (start < s.length) parts.push(Buffer.from(s.slice(start), 'utf8'));
  return Buffer.concat(parts);
}

/** Path as received -> each segment decoded and re-encoded, with the trailing '/' the signers always add. */
export function canonicalUri(rawPath: string): string {
  const path = rawPath
    .split('/')
    .map((segment) => (ALL_UNRESERVED.test(segment) ? segment : encodeBytes(percentDecode(segment, false))))
    .join('/');
  return path.endsWith('/') ? path : `${path}/`;
}

/**
 * Query string as received (without '?') -> `enc(k)=enc(v)` pairs joined by '&'.
 * Pairs are sorted on the decoded bytes, not the encoded text: both SDKs sort before encoding, and the two orders
 * differ for non-ASCII values of a repeated key.
 */
export function canonicalQuery(rawQuery: string): string {
  const pairs = rawQuery
    .split('&')
    .filter((piece) => piece !== '')
    .map((piece): [Buffer, Buffer] => {
      const eq = piece.indexOf('=');
      const key = eq < 0 ? piece : piece.slice(0, eq);
      const value = eq < 0 ? '' : piece.slice(eq + 1);
      return [percentDecode(key, true), percentDecode(value, true)];
    });
  pairs.sort((a, b) => Buffer.compare(a[0], b[0]) || Buffer.compare(a[1], b[1]));
  return pairs.map(([k, v]) => `${encodeBytes(k)}=${encodeBytes(v)}`).join('&');
}

/** Header values by lower-case name; a name sent in several spellings or repeated gives several values. */
export function headerMap(headers: RequestHeaders): Map<string, readonly string[]> {
  const map = new Map<string, readonly string[]>();
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    map.set(lower, [...(map.get(lower) ?? []), ...(typeof value === 'string' ? [value] : value)]);
  }
  return map;
}

export function singleHeader(byName: Map<string, readonly string[]>, name: string): string | string[] | undefined {
  const values = byName.get(name);
  if (values === undefined || values.length === 0) return undefined;
  return values.length === 1 ? values[0] : [...values];
}

/** One `name:value\n` line per signed header, in the order given; a repeated header gives one line per value, sorted (Go). */
export function canonicalHeaders(headers: RequestHeaders, signedHeaderNames: readonly string[]): string {
  const byName = headerMap(headers);
  let out = '';
  for (const raw of signedHeaderNames) {
    const name = raw.toLowerCase();
    const values = byName.get(name);
    if (values === undefined || values.length === 0) throw new MalformedRequestError(`signed header ${name} is not in the request`);
    for (const value of [...values].sort()) out += `${name}:${value.trim()}\n`;
  }
  return out;
}

export interface CanonicalRequestInput {
  method: string;
  /** Path plus optional `?query`, exactly as sent on the wire. */
  rawUrl: string;
  headers: RequestHeaders;
  signedHeaders: readonly string[];
  payloadHash: string;
}

export function canonicalRequest(input: CanonicalRequestInput): string {
  const q = input.rawUrl.indexOf('?');
  const path = q < 0 ? input.rawUrl : input.rawUrl.slice(0, q);
  const query = q < 0 ? '' : input.rawUrl.slice(q + 1);
  return [
    input.method,
    canonicalUri(path),
    canonicalQuery(query),
    canonicalHeaders(input.headers, input.signedHeaders),
    input.signedHeaders.map((h) => h.toLowerCase()).join(';'),
    input.payloadHash,
  ].join('\n');
}

const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
// crypto.hash (Node 20.12+) hashes in one call, without a Hash object: about twice as fast for request-sized input.
const oneShot = (nodeCrypto as { hash?: (algorithm: string, data: Uint8Array | string, encoding: 'hex') => string }).hash;

export function sha256Hex(data: Uint8Array | string): string {
  if (data.length === 0) return EMPTY_SHA256;
  return oneShot ? oneShot('sha256', data, 'hex') : nodeCrypto.createHash('sha256').update(data).digest('hex');
}

export function stringToSign(sdkDate: string, canonicalRequestHash: string): string {
  return `${SIGNING_ALGORITHM}\n${sdkDate}\n${canonicalRequestHash}`;
}

/** No key-derivation chain (unlike AWS SigV4): the SK itself is the HMAC key. */
export function sign(sk: string, toSign: string): string {
  return nodeCrypto.createHmac('sha256', sk).update(toSign).digest('hex');
}
