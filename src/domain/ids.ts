// Resource identifiers: 32 lowercase hex for DNS resources, dashed UUIDs for VPCs and subnets.
import { randomBytes, randomUUID } from 'node:crypto';

export const newResourceId = (): string => randomBytes(16).toString('hex');
export const newUuid = (): string => randomUUID();

const HEX32 = /^[0-9a-f]{32}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isResourceId = (id: string): boolean => HEX32.test(id);
export const isUuid = (id: string): boolean => UUID.test(id);
/** Project ids are 32 hex, like Huawei's. */
export const isProjectId = (id: string): boolean => HEX32.test(id);
