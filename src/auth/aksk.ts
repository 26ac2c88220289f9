// AK/SK request signing (SDK-HMAC-SHA256, spec §9.2): Authorization parsing, the client signer and the server verifier.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import {
  MalformedRequestError,
  SIGNING_ALGORITHM,
  canonicalRequest,
  headerMap,
  sha256Hex,
  sign,
  singleHeader,
  stringToSign,
} from './aksk-canonical.ts';
import type { Body, RequestHeaders } from './aksk-canonical.ts';

export {
  MalformedRequestError,
  SIGNING_ALGORITHM,
  canonicalHeaders,
  canonicalQuery,
  canonicalRequest,
  canonicalUri,
  encodeRfc3986,
  sha256Hex,
  sign,
  stringToSign,
} from './aksk-canonical.ts';
export type { Body, CanonicalRequestInput, HeaderValue, RequestHeaders } from './aksk-canonical.ts';

export const EMPTY_BODY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
/** The gateway rejects an X-Sdk-Date farther than this from server time, in either direction (spec §8.3). */
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;
/**
 * Headers that pick the tenant or the credentials; both SDKs sign them whenever they send them, so an unsigned
 * one can only have been added by someone else (for example to point a captured request at another project).
 */
export const SIGNED_IF_PRESENT: readonly string[] = ['x-project-id', 'x-domain-id', 'x-security-token', 'x-sdk-content-sha256'];

// ---------------------------------------------------------------- Authorization and X-Sdk-Date

export interface AuthorizationParts {
  access: string;
  signedHeaders: string[];
  signature: string;
}

const MAX_AUTHORIZATION_LENGTH = 4096;
const ACCESS_KEY = /^[\x21-\x7e]{1,128}$/;
const HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]+$/;
const SIGNATURE = /^[0-9a-f]{64}$/;
const FIELD_NAMES = ['Access', 'SignedHeaders', 'Signature'];

function parseAuthorizationOrWhy(header: string | undefined): AuthorizationParts | string {
  if (typeof header !== 'string') return 'no Authorization header';
  if (header.length > MAX_AUTHORIZATION_LENGTH) return 'Authorization header too long';
  const text = header.trim();
  const gap = text.search(/\s/);
  const algorithm = gap < 0 ? text : text.slice(0, gap);
  if (algorithm !== SIGNING_ALGORITHM) return `unsupported algorithm ${JSON.stringify(algorithm.slice(0, 40))}`;
  if (gap < 0) return 'no credentials after the algorithm';
  const fields = new Map<string, string>();
  for (const part of text.slice(gap + 1).split(',')) {
    const eq = part.indexOf('=');
    const name = eq < 0 ? part.trim() : part.slice(0, eq).trim();
    if (eq < 0 || !FIELD_NAMES.includes(name) || fields.has(name)) return `unexpected Authorization field ${JSON.stringify(name.slice(0, 40))}`;
    fields.set(name, part.slice(eq + 1).trim());
  }
  const access = fields.get('Access') ?? '';
  const signature = fields.get('Signature') ?? '';
  const signedHeaders = (fields.get('SignedHeaders') ?? '').split(';').map((h) => h.trim().toLowerCase());
  if (!ACCESS_KEY.test(access)) return 'Access missing or not printable ASCII';
  if (!SIGNATURE.test(signature)) return 'Signature is not 64 lower-case hex digits';
  if (!signedHeaders.every((h) => HEADER_NAME.test(h))) return 'SignedHeaders has an empty or invalid name';
  if (new Set(signedHeaders).size !== signedHeaders.length) return 'SignedHeaders repeats a name';
  if (signedHeaders.includes('authorization')) return 'SignedHeaders lists authorization';
  return { access, signedHeaders, signature };
}

/** `SDK-HMAC-SHA256 Access=.., SignedHeaders=a;b, Signature=<64 hex>`; null if it is anything else. */
export function parseAuthorization(header: string | undefined): AuthorizationParts | null {
  const parsed = parseAuthorizationOrWhy(header);
  return typeof parsed === 'string' ? null : parsed;
}

const SDK_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** `20250101T120000Z` -> epoch ms; null for any other shape or an impossible date. */
export function parseSdkDate(value: string): number | null {
  const m = SDK_DATE.exec(value);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  // Date.UTC rolls 2025-02-30 over to March; the round trip catches that and years below 100.
  return formatSdkDate(ms) === value ? ms : null;
}

export function formatSdkDate(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace(/[-:]/g, '')}Z`;
}

// ---------------------------------------------------------------- client side

export interface SignRequestInput {
  method: string;
  /** Absolute URL; its path and query are signed as they will be sent, its host:port is the default Host. */
  url: string | URL;
  headers?: RequestHeaders;
  body?: Body;
  ak: string;
  sk: string;
  date: number | Date;
  /** Default: every given header (except Authorization) plus host and x-sdk-date, like the Node SDK. */
  signedHeaders?: readonly string[];
}

/** The headers to send: the given ones plus Host, X-Sdk-Date and Authorization. */
export function signRequestHeaders(input: SignRequestInput): Record<string, string | readonly string[]> {
  const url = new URL(input.url);
  const date = formatSdkDate(typeof input.date === 'number' ? input.date : input.date.getTime());
  const given = headerMap(input.headers ?? {});
  const givenDate = given.get('x-sdk-date');
  if (givenDate !== undefined && (givenDate.length !== 1 || givenDate[0] !== date)) {
    throw new RangeError(`X-Sdk-Date header ${JSON.stringify(givenDate)} differs from the signing date ${date}`);
  }
  const headers: Record<string, string | readonly string[]> = {};
  for (const [name, values] of given) {
    if (name !== 'authorization') headers[name] = values.length === 1 ? (values[0] as string) : values;
  }
  headers['host'] ??= url.host;
  headers['x-sdk-date'] = date;
  const signedHeaders = (input.signedHeaders ?? Object.keys(headers)).map((h) => h.toLowerCase()).sort();
  if (signedHeaders.includes('authorization')) throw new RangeError('the Authorization header cannot be signed');
  const literal = given.get('x-sdk-content-sha256')?.[0];
  const canonical = canonicalRequest({
    method: input.method.toUpperCase(),
    rawUrl: url.pathname + url.search,
    headers,
    signedHeaders,
    payloadHash: literal ?? sha256Hex(input.body ?? ''),
  });
  const signature = sign(input.sk, stringToSign(date, sha256Hex(canonical)));
  headers['authorization'] = `${SIGNING_ALGORITHM} Access=${input.ak}, SignedHeaders=${signedHeaders.join(';')}, Signature=${signature}`;
  return headers;
}

/** The Authorization header value; the request must also carry the X-Sdk-Date (formatSdkDate(date)) and Host it was signed with. */
export function signRequest(input: SignRequestInput): string {
  return signRequestHeaders(input)['authorization'] as string;
}

// ---------------------------------------------------------------- server side

/**
 * unknown_key and bad_signature must look the same to the caller (see failureMessage); they are told apart here only
 * for logs and for the lockout.
 */
export type VerifyFailureReason =
  | 'malformed'
  | 'missing_host'
  | 'missing_date'
  | 'unsigned_header'
  | 'expired'
  | 'unsigned_payload'
  | 'unknown_key'
  | 'bad_signature';

export type VerifyResult =
  | { ok: true; access: string; signedHeaders: readonly string[] }
  /** `access` is set once the header parsed, so the caller can count the failure against that AK; `detail` is for logs only. */
  | { ok: false; reason: VerifyFailureReason; detail: string; access?: string };

type VerifyFailure = Extract<VerifyResult, { ok: false }>;

export interface VerifyRequestBase {
  method: string;
  /** Path plus `?query` exactly as received (Node's req.url), never a re-serialised form. */
  rawUrl: string;
  headers: RequestHeaders;
  body: Body;
  now: number;
  maxSkewMs?: number;
  /** Accept `X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD` with a non-empty body; off because the body would be unprotected. */
  allowUnsignedPayload?: boolean;
}

export interface VerifyRequestInput extends VerifyRequestBase {
  lookupSecret: (ak: string) => string | undefined;
}

export interface VerifyRequestAsyncInput extends VerifyRequestBase {
  lookupSecret: (ak: string) => Promise<string | undefined> | string | undefined;
}

interface Prepared {
  access: string;
  signature: string;
  signedHeaders: readonly string[];
  toSign: string;
}

const fail = (reason: VerifyFailureReason, detail: string, access?: string): VerifyFailure =>
  access === undefined ? { ok: false, reason, detail } : { ok: false, reason, detail, access };

// Per process, so the HMAC computed for an unknown AK costs the same as a real one and can never match.
const DUMMY_SECRET = randomBytes(32).toString('hex');

function payloadHashFor(input: VerifyRequestBase, byName: Map<string, readonly string[]>, access: string): string | VerifyFailure {
  const literal = singleHeader(byName, 'x-sdk-content-sha256');
  const body = input.body ?? '';
  const actual = sha256Hex(body);
  if (literal === undefined) return actual;
  if (typeof literal !== 'string') return fail('malformed', 'X-Sdk-Content-Sha256 repeated', access);
  if (literal === UNSIGNED_PAYLOAD) {
    return body.length === 0 || input.allowUnsignedPayload ? literal : fail('unsigned_payload', 'body sent with UNSIGNED-PAYLOAD', access);
  }
  // The SDKs use the header literally; insisting that it matches keeps the body covered by the signature.
  if (!SIGNATURE.test(literal)) return fail('malformed', 'X-Sdk-Content-Sha256 is neither a SHA-256 hex digest nor UNSIGNED-PAYLOAD', access);
  return literal === actual ? literal : fail('bad_signature', 'X-Sdk-Content-Sha256 does not match the body', access);
}

// Everything that does not need the secret; it runs before the AK is looked up, so none of it depends on whether the AK exists.
function prepare(input: VerifyRequestBase): Prepared | VerifyFailure {
  const byName = headerMap(input.headers);
  const authorization = singleHeader(byName, 'authorization');
  if (Array.isArray(authorization)) return fail('malformed', 'Authorization header repeated');
  const parsed = parseAuthorizationOrWhy(authorization as string | undefined);
  if (typeof parsed === 'string') return fail('malformed', parsed);
  const { access, signedHeaders, signature } = parsed;

  // host and x-sdk-date must be signed, or a captured signature would work against another host or at another time.
  const host = singleHeader(byName, 'host');
  if (!signedHeaders.includes('host') || typeof host !== 'string' || host === '') {
    return fail('missing_host', 'Host must be present, single and signed', access);
  }
  const sdkDate = singleHeader(byName, 'x-sdk-date');
  if (!signedHeaders.includes('x-sdk-date') || sdkDate === undefined) {
    return fail('missing_date', 'X-Sdk-Date must be present and signed', access);
  }
  const dateMs = typeof sdkDate === 'string' ? parseSdkDate(sdkDate) : null;
  if (typeof sdkDate !== 'string' || dateMs === null) return fail('malformed', 'X-Sdk-Date is not a single YYYYMMDDTHHMMSSZ value', access);
  if (Math.abs(input.now - dateMs) > (input.maxSkewMs ?? MAX_CLOCK_SKEW_MS)) {
    return fail('expired', `X-Sdk-Date ${sdkDate} is too far from server time`, access);
  }
  const unsigned = SIGNED_IF_PRESENT.find((h) => byName.has(h) && !signedHeaders.includes(h));
  if (unsigned !== undefined) return fail('unsigned_header', `${unsigned} is sent but not signed`, access);

  const payloadHash = payloadHashFor(input, byName, access);
  if (typeof payloadHash !== 'string') return payloadHash;
  let canonical: string;
  try {
    canonical = canonicalRequest({ method: input.method, rawUrl: input.rawUrl, headers: input.headers, signedHeaders, payloadHash });
  } catch (e) {
    if (e instanceof MalformedRequestError) return fail('malformed', e.message, access);
    throw e;
  }
  return { access, signature, signedHeaders, toSign: stringToSign(sdkDate, sha256Hex(canonical)) };
}

function finish(prepared: Prepared, secret: string | undefined): VerifyResult {
  const known = secret !== undefined && secret !== '';
  const expected = Buffer.from(sign(known ? secret : DUMMY_SECRET, prepared.toSign), 'hex');
  // Both are 32 bytes: the provided signature passed the 64-hex check.
  const matches = timingSafeEqual(expected, Buffer.from(prepared.signature, 'hex'));
  if (!known) return fail('unknown_key', 'no secret for this AK', prepared.access);
  if (!matches) return fail('bad_signature', 'signature mismatch', prepared.access);
  return { ok: true, access: prepared.access, signedHeaders: prepared.signedHeaders };
}

/** Server-side check of an SDK-HMAC-SHA256 request; never throws for client input. */
export function verifyRequest(input: VerifyRequestInput): VerifyResult {
  const prepared = prepare(input);
  if ('ok' in prepared) return prepared;
  return finish(prepared, input.lookupSecret(prepared.access));
}

/** verifyRequest for a secret store that answers asynchronously (a database). */
export async function verifyRequestAsync(input: VerifyRequestAsyncInput): Promise<VerifyResult> {
  const prepared = prepare(input);
  if ('ok' in prepared) return prepared;
  return finish(prepared, await input.lookupSecret(prepared.access));
}

const INCORRECT = 'Incorrect IAM authentication information';

/** error_msg for APIGW.0301: unknown_key and bad_signature share one text so a caller cannot probe which AKs exist. */
export function failureMessage(reason: VerifyFailureReason | 'locked'): string {
  switch (reason) {
    case 'unknown_key':
    case 'bad_signature':
      return `${INCORRECT}: verify aksk signature fail`;
    case 'locked':
      return `${INCORRECT}: AK access failed to reach the limit,forbidden`;
    case 'expired':
      return `${INCORRECT}: X-Sdk-Date is too far from the server time`;
    case 'missing_host':
      return `${INCORRECT}: host must be a signed header`;
    case 'missing_date':
      return `${INCORRECT}: X-Sdk-Date must be sent and signed`;
    case 'unsigned_header':
      return `${INCORRECT}: X-Project-Id, X-Domain-Id, X-Security-Token and X-Sdk-Content-Sha256 must be signed when sent`;
    case 'unsigned_payload':
      return `${INCORRECT}: the request body must be signed`;
    case 'malformed':
      return `${INCORRECT}: malformed SDK-HMAC-SHA256 authorization`;
  }
}
