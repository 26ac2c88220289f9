// Shared checks of the authentication tests: the 401 gateway shape, and signed requests through inject().
import assert from 'node:assert/strict';
import { signRequestHeaders, type SignRequestInput } from '../../src/auth/aksk.ts';
import type { Harness } from '../helpers/harness.ts';

export interface Res {
  status: number;
  body: any;
  headers: Record<string, unknown>;
}

/** 401 APIGW.0301 in the gateway shape (error_code, error_msg, request_id; code and message repeat them), nothing more. */
export function assertAuthError(res: Res, messagePart?: string): void {
  assert.equal(res.status, 401, JSON.stringify(res.body));
  assert.deepEqual(Object.keys(res.body).sort(), ['code', 'error_code', 'error_msg', 'message', 'request_id']);
  assert.equal(res.body.error_code, 'APIGW.0301');
  assert.equal(res.body.code, 'APIGW.0301');
  assert.equal(res.body.message, res.body.error_msg);
  assert.match(res.body.error_msg, /^Incorrect IAM authentication information\./);
  assert.equal(res.body.request_id, res.headers['x-request-id']);
  if (messagePart) assert.ok(res.body.error_msg.includes(messagePart), `${res.body.error_msg} should say ${messagePart}`);
}

export interface SignedOptions {
  ak: string;
  sk: string;
  /** Default: the harness clock. */
  date?: number;
  headers?: Record<string, string>;
  body?: string;
  signedHeaders?: readonly string[];
  /** Changes the request after signing (tampering). */
  after?: (r: { url: string; headers: Record<string, string | readonly string[]>; body: string | undefined }) => void;
}

/** Signs with vpcdns's signer (checked against the SDK in test/auth/aksk-sdk.test.ts) and sends through inject(). */
export async function signedInject(h: Harness, method: string, url: string, o: SignedOptions): Promise<Res> {
  const input: SignRequestInput = {
    method,
    url: `http://vpcdns.test${url}`,
    headers: { 'content-type': 'application/json', ...o.headers },
    ak: o.ak,
    sk: o.sk,
    date: o.date ?? h.clock.now(),
    ...(o.body !== undefined ? { body: o.body } : {}),
    ...(o.signedHeaders ? { signedHeaders: o.signedHeaders } : {}),
  };
  const r = { url, headers: signRequestHeaders(input), body: o.body };
  o.after?.(r);
  const res = await h.sys.app.inject({ method: method as 'GET', url: r.url, headers: r.headers as Record<string, string>, ...(r.body !== undefined ? { payload: r.body } : {}) });
  let body: unknown;
  try {
    body = res.body ? JSON.parse(res.body) : undefined;
  } catch {
    body = res.body;
  }
  return { status: res.statusCode, body, headers: res.headers };
}
