// The common inputs of the signature test vectors of spec section 9.3, shared by every signing test.
export const SPEC = {
  ak: 'AKTESTEXAMPLE0000001',
  sk: 'SKtestExampleSecretKey0000000000000000001',
  date: '20250101T120000Z',
  now: Date.UTC(2025, 0, 1, 12, 0, 0),
  host: 'dns.ap-southeast-1.myhuaweicloud.com',
  project: '0123456789abcdef0123456789abcdef',
} as const;
