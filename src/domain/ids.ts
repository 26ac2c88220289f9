// Resource identifiers: 32 lowercase hex for DNS resources, dashed UUIDs for VPCs and subnets.
import { randomFillSync, randomUUID } from 'node:crypto';

const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

/**
 * 128 random bits as 32 hex. The bytes come from the CSPRNG in blocks of 4 KiB: each call into it has a
 * fixed cost larger than the bytes themselves, and every request needs an id (Node pools randomUUID the
 * same way). Not for secrets, which are drawn on their own (src/auth/token.ts).
 */
export function randomHex32(): string {
  if (poolOffset + 16 > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const hex = pool.toString('hex', poolOffset, poolOffset + 16);
  poolOffset += 16;
  return hex;
}
export const newResourceId = randomHex32;
export const newUuid = (): string => randomUUID();

export const RESOURCE_ID_PATTERN = '^[0-9a-f]{32}$';
export const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
const HEX32 = new RegExp(RESOURCE_ID_PATTERN);
const UUID = new RegExp(UUID_PATTERN);

export const isResourceId = (id: string): boolean => HEX32.test(id);
export const isUuid = (id: string): boolean => UUID.test(id);
/** Project ids are 32 hex, like Huawei's. */
export const isProjectId = (id: string): boolean => HEX32.test(id);
