// Parses limit/offset query parameters with the documented error codes (DNS.0006, DNS.0017).
import { invalidLimit, invalidOffset } from '../domain/errors.ts';
import type { Page } from '../store/types.ts';

export const MAX_LIMIT = 500;
const MAX_OFFSET = 2147483647;

const INTEGER = /^\d{1,10}$/;

export function parsePage(query: { limit?: string; offset?: string }, maxLimit = MAX_LIMIT): Page {
  const { limit, offset } = query;
  if (limit !== undefined && (!INTEGER.test(limit) || Number(limit) > maxLimit)) throw invalidLimit(limit);
  if (offset !== undefined && (!INTEGER.test(offset) || Number(offset) > MAX_OFFSET)) throw invalidOffset(offset);
  return { limit: limit === undefined ? maxLimit : Number(limit), offset: offset === undefined ? 0 : Number(offset) };
}
