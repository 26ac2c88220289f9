// Cryptographically random 16-bit query ids (RFC 5452 9.2), drawn from a refilled random block.
import { randomFillSync } from 'node:crypto';

const BLOCK = 8192;
const pool = Buffer.alloc(BLOCK);
let next = BLOCK;

export function randomQueryId(): number {
  if (next + 2 > BLOCK) {
    randomFillSync(pool);
    next = 0;
  }
  const id = pool.readUInt16BE(next);
  next += 2;
  return id;
}

/** Random index below n, from the same pool (to pick a socket or a source address). */
export function randomIndex(n: number): number {
  return n <= 1 ? 0 : randomQueryId() % n;
}
