// Validation of user-chosen names (endpoints, rules, VPCs, subnets).

/** 1-64 characters: ASCII letters, digits, '_', '-', '.', and CJK ideographs (the Huawei console allows Chinese). */
export const NAME_PATTERN = '^[A-Za-z0-9_.\\-\\u4e00-\\u9fff\\u3400-\\u4dbf]{1,64}$';
export const NAME_RULE = "1-64 letters, digits, '_', '-', '.' or CJK characters";
const NAME = new RegExp(NAME_PATTERN, 'u');

export function isValidName(name: unknown): name is string {
  return typeof name === 'string' && NAME.test(name);
}
