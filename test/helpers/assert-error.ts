// The one check of an error response: status, both code/message pairs, request id, and the field named.
import assert from 'node:assert/strict';

export function assertError(res: { status: number; body: any; headers?: Record<string, unknown> }, status: number, code: string, field?: string): void {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.code, code, JSON.stringify(res.body));
  assert.equal(res.body.error_code, code);
  assert.equal(typeof res.body.message, 'string');
  assert.equal(res.body.error_msg, res.body.message);
  if (res.headers) assert.equal(res.body.request_id, res.headers['x-request-id']);
  if (field) assert.ok(res.body.message.includes(field), `message should name ${field}: ${res.body.message}`);
}
