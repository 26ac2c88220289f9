// Validation of user-chosen names (endpoints, rules, VPCs, subnets).

/** 1-64 characters: ASCII letters, digits, '_', '-', '.', and CJK ideographs (the Huawei console allows Chinese). */
const NAME = /^[A-Za-z0-9_.\-\u4e00-\u9fff\u3400-\u4dbf]{1,64}$/u;

export function isValidName(name: unknown): name is string {
  return typeof name === 'string' && NAME.test(name);
}
