// Table tests of the field rules the route schemas declare: every invalid field gives its documented code, names the
// field and its rule, and changes nothing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createEndpoint, makeHarness, type Harness } from '../helpers/harness.ts';
import { assertError } from '../helpers/assert-error.ts';

const QL = '/v2/resolver/queryloggingconfig';
const BAD_ID = 'not-a-hex-id';

/** [title, method, url, body, code, field named, text of the rule the message quotes] */
type Case = [string, string, (ids: Ids) => string, (ids: Ids) => unknown, string, string, string?];
interface Ids {
  endpoint: string;
  rule: string;
  queryLog: string;
  subnet: string;
  vpc: string;
}

const endpointBody = (ids: Ids, over: Record<string, unknown> = {}) => ({
  name: 'fr-new',
  direction: 'inbound',
  region: 'ap-southeast-1',
  ipaddresses: [{ subnet_id: ids.subnet }, { subnet_id: ids.subnet }],
  ...over,
});
const ruleBody = (ids: Ids, over: Record<string, unknown> = {}) => ({
  name: 'fr-rule2',
  domain_name: 'other.example.',
  endpoint_id: ids.endpoint,
  ipaddresses: [{ ip: '172.16.0.53' }],
  ...over,
});
const NAME_RULE = '1-64 letters';

const CASES: Case[] = [
  // endpoints
  ['DNS.1501 for a name with a slash', 'POST', () => '/v2.1/endpoints', (i) => endpointBody(i, { name: 'a/b' }), 'DNS.1501', 'name', NAME_RULE],
  ['DNS.1501 for an empty name', 'POST', () => '/v2.1/endpoints', (i) => endpointBody(i, { name: '' }), 'DNS.1501', 'name', NAME_RULE],
  ['DNS.1503 for an unknown direction', 'POST', () => '/v2.1/endpoints', (i) => endpointBody(i, { direction: 'both' }), 'DNS.1503', 'direction', '"inbound" or "outbound"'],
  ['DNS.1514 for no addresses', 'POST', () => '/v2.1/endpoints', (i) => endpointBody(i, { ipaddresses: [] }), 'DNS.1514', 'ipaddresses', '2 to 6'],
  ['DNS.1514 for addresses that are not a list', 'POST', () => '/v2.1/endpoints', (i) => endpointBody(i, { ipaddresses: 'x' }), 'DNS.1514', 'ipaddresses'],
  ['DNS.1502 for an address without subnet_id', 'POST', () => '/v2.1/endpoints', (i) => endpointBody(i, { ipaddresses: [{ subnet_id: i.subnet }, {}] }), 'DNS.1502', 'ipaddresses[1].subnet_id'],
  ['DNS.1502 for an empty subnet_id', 'POST', () => '/v2.1/endpoints', (i) => endpointBody(i, { ipaddresses: [{ subnet_id: '' }, { subnet_id: i.subnet }] }), 'DNS.1502', 'ipaddresses[0].subnet_id'],
  ['DNS.1502 for an address that is not an object', 'POST', () => '/v2.1/endpoints', (i) => endpointBody(i, { ipaddresses: [null, { subnet_id: i.subnet }] }), 'DNS.1502', 'ipaddresses[0]'],
  ['DNS.1515 for an ip with a leading zero', 'POST', () => '/v2.1/endpoints', (i) => endpointBody(i, { ipaddresses: [{ subnet_id: i.subnet, ip: '10.0.1.050' }, { subnet_id: i.subnet }] }), 'DNS.1515', 'ipaddresses[0].ip', 'IPv4'],
  ['DNS.1501 for a bad new name', 'PUT', (i) => `/v2.1/endpoints/${i.endpoint}`, () => ({ name: 'a b' }), 'DNS.1501', 'name', NAME_RULE],
  ['DNS.1501 for a rename without name', 'PUT', (i) => `/v2.1/endpoints/${i.endpoint}`, () => ({}), 'DNS.1501', 'name'],
  ['DNS.1509 for a malformed id (show)', 'GET', () => `/v2.1/endpoints/${BAD_ID}`, () => undefined, 'DNS.1509', 'endpoint_id', '32-character'],
  ['DNS.1509 for a malformed id (rename)', 'PUT', () => `/v2.1/endpoints/${BAD_ID}`, () => ({ name: 'ok' }), 'DNS.1509', 'endpoint_id'],
  ['DNS.1509 for a malformed id (delete)', 'DELETE', () => `/v2.1/endpoints/${BAD_ID}`, () => undefined, 'DNS.1509', 'endpoint_id'],
  ['DNS.1509 for a malformed id (bind)', 'POST', () => `/v2.1/endpoints/${BAD_ID}/ipaddresses`, (i) => ({ ipaddress: { subnet_id: i.subnet } }), 'DNS.1509', 'endpoint_id'],
  ['DNS.1509 for a malformed id (list addresses)', 'GET', () => `/v2.1/endpoints/${BAD_ID}/ipaddresses`, () => undefined, 'DNS.1509', 'endpoint_id'],
  ['DNS.1509 for a malformed id (unbind)', 'DELETE', () => `/v2.1/endpoints/${BAD_ID}/ipaddresses/${'0'.repeat(32)}`, () => undefined, 'DNS.1509', 'endpoint_id'],
  ['DNS.1502 for a bind with an empty subnet_id', 'POST', (i) => `/v2.1/endpoints/${i.endpoint}/ipaddresses`, () => ({ ipaddress: { subnet_id: '' } }), 'DNS.1502', 'ipaddress.subnet_id'],
  ['DNS.1515 for a bind with a malformed ip', 'POST', (i) => `/v2.1/endpoints/${i.endpoint}/ipaddresses`, (i) => ({ ipaddress: { subnet_id: i.subnet, ip: '10.0.1' } }), 'DNS.1515', 'ipaddress.ip', 'IPv4'],
  ['DNS.1503 for a list with an unknown direction', 'GET', () => '/v2.1/endpoints?direction=up', () => undefined, 'DNS.1503', 'direction', '"inbound" or "outbound"'],
  // resolver rules
  ['DNS.1605 for a bad rule name', 'POST', () => '/v2.1/resolverrules', (i) => ruleBody(i, { name: 'a b' }), 'DNS.1605', 'name', NAME_RULE],
  ['DNS.1603 for a domain with a space', 'POST', () => '/v2.1/resolverrules', (i) => ruleBody(i, { domain_name: 'a b.example' }), 'DNS.1603', 'domain_name', 'letter-digit-hyphen'],
  ['DNS.1603 for a lone dot', 'POST', () => '/v2.1/resolverrules', (i) => ruleBody(i, { domain_name: '.' }), 'DNS.1603', 'domain_name'],
  ['DNS.1509 for a malformed endpoint_id', 'POST', () => '/v2.1/resolverrules', (i) => ruleBody(i, { endpoint_id: 'XYZ' }), 'DNS.1509', 'endpoint_id', '32-character'],
  ['DNS.1604 for a 0.x target', 'POST', () => '/v2.1/resolverrules', (i) => ruleBody(i, { ipaddresses: [{ ip: '0.1.2.3' }] }), 'DNS.1604', 'ipaddresses[0].ip', 'unicast'],
  ['DNS.1604 for a reserved target', 'POST', () => '/v2.1/resolverrules', (i) => ruleBody(i, { ipaddresses: [{ ip: '240.0.0.1' }] }), 'DNS.1604', 'ipaddresses[0].ip', 'unicast'],
  ['DNS.1604 for the broadcast target', 'POST', () => '/v2.1/resolverrules', (i) => ruleBody(i, { ipaddresses: [{ ip: '255.255.255.255' }] }), 'DNS.1604', 'ipaddresses[0].ip'],
  ['DNS.1604 for port 65536', 'POST', () => '/v2.1/resolverrules', (i) => ruleBody(i, { ipaddresses: [{ ip: '10.1.1.1', port: 65536 }] }), 'DNS.1604', 'ipaddresses[0].port', '1 to 65535'],
  ['DNS.1604 for a fractional port', 'POST', () => '/v2.1/resolverrules', (i) => ruleBody(i, { ipaddresses: [{ ip: '10.1.1.1', port: 5.5 }] }), 'DNS.1604', 'ipaddresses[0].port'],
  ['DNS.1604 for a port given as a string', 'POST', () => '/v2.1/resolverrules', (i) => ruleBody(i, { ipaddresses: [{ ip: '10.1.1.1', port: '53' }] }), 'DNS.1604', 'ipaddresses[0].port'],
  ['DNS.1601 for a malformed rule id (show)', 'GET', () => `/v2.1/resolverrules/${BAD_ID}`, () => undefined, 'DNS.1601', 'resolverrule_id', '32-character'],
  ['DNS.1601 for a malformed rule id (update)', 'PUT', () => `/v2.1/resolverrules/${BAD_ID}`, () => ({ name: 'ok' }), 'DNS.1601', 'resolverrule_id'],
  ['DNS.1601 for a malformed rule id (delete)', 'DELETE', () => `/v2.1/resolverrules/${BAD_ID}`, () => undefined, 'DNS.1601', 'resolverrule_id'],
  ['DNS.1601 for a malformed rule id (associate)', 'POST', () => `/v2.1/resolverrules/${BAD_ID}/associaterouter`, (i) => ({ router: { router_id: i.vpc } }), 'DNS.1601', 'resolverrule_id'],
  ['DNS.1605 for a bad new rule name', 'PUT', (i) => `/v2.1/resolverrules/${i.rule}`, () => ({ name: '' }), 'DNS.1605', 'name', NAME_RULE],
  ['DNS.1604 for a new target list too long', 'PUT', (i) => `/v2.1/resolverrules/${i.rule}`, () => ({ ipaddresses: Array.from({ length: 7 }, (_, n) => ({ ip: `10.9.0.${n + 1}` })) }), 'DNS.1604', 'ipaddresses', '1 to 6'],
  ['DNS.0701 for a malformed router_id', 'POST', (i) => `/v2.1/resolverrules/${i.rule}/disassociaterouter`, () => ({ router: { router_id: 'vpc-1' } }), 'DNS.0701', 'router.router_id', 'UUID'],
  // query-logging configurations
  ['DNS.1703 for a group id starting with a dot', 'POST', () => QL, (i) => ({ lts_group_id: '.g', lts_topic_id: 't', vpc: { vpc_id: i.vpc } }), 'DNS.1703', 'lts_group_id', 'starting with a letter or digit'],
  ['DNS.1703 for a 129-character topic id', 'POST', () => QL, (i) => ({ lts_group_id: 'g', lts_topic_id: 't'.repeat(129), vpc: { vpc_id: i.vpc } }), 'DNS.1703', 'lts_topic_id'],
  ['DNS.0701 for a numeric vpc_id', 'POST', () => QL, () => ({ lts_group_id: 'g', lts_topic_id: 't', vpc: { vpc_id: 7 } }), 'DNS.0701', 'vpc.vpc_id'],
  ['DNS.1701 for a malformed id (show)', 'GET', () => `${QL}/${BAD_ID}`, () => undefined, 'DNS.1701', 'resolver_query_log_config_id', '32-character'],
  ['DNS.1701 for a malformed id (delete)', 'DELETE', () => `${QL}/${BAD_ID}`, () => undefined, 'DNS.1701', 'resolver_query_log_config_id'],
  ['DNS.1701 for a malformed id (associate)', 'POST', () => `${QL}/${BAD_ID}/associatevpc`, (i) => ({ vpc: { vpc_id: i.vpc } }), 'DNS.1701', 'resolver_query_log_config_id'],
  ['DNS.0701 for a malformed vpc_id (disassociate)', 'POST', (i) => `${QL}/${i.queryLog}/disassociatevpc`, () => ({ vpc: { vpc_id: 'x' } }), 'DNS.0701', 'vpc.vpc_id', 'UUID'],
];

describe('field rules declared by the route schemas', () => {
  let h: Harness;
  let ids: Ids;
  /** Everything the project holds, as the API lists it. */
  const snapshot = async () => {
    const parts = await Promise.all(
      ['/v2.1/endpoints?direction=inbound', '/v2.1/endpoints?direction=outbound', '/v2.1/resolverrules', QL, `/v2.1/endpoints/${ids.endpoint}/ipaddresses`].map((u) => h.req('GET', u)),
    );
    return JSON.stringify(parts.map((p) => p.body));
  };

  before(async () => {
    h = await makeHarness('sqlite');
    const endpoint = (await createEndpoint(h, { direction: 'outbound', name: 'fr-out' })).id;
    await h.settle();
    const rule = (await h.req('POST', '/v2.1/resolverrules', { name: 'fr-rule', domain_name: 'corp.example.', endpoint_id: endpoint, ipaddresses: [{ ip: '172.16.0.53' }] })).body.resolver_rule.id;
    const queryLog = (await h.req('POST', QL, { lts_group_id: 'g', lts_topic_id: 't', vpc: { vpc_id: h.vpcId } })).body.resolver_query_log_config.id;
    await h.settle();
    ids = { endpoint, rule, queryLog, subnet: h.subnetId, vpc: h.vpcId };
  });
  after(async () => h.close());

  for (const [title, method, url, body, code, field, rule] of CASES) {
    it(`returns 400 ${title}, naming the field and changing nothing`, async () => {
      const before = await snapshot();
      const res = await h.req(method, url(ids), body(ids));
      assertError(res, 400, code, field);
      assert.doesNotMatch(res.body.message, /undefined/);
      if (rule) assert.ok(res.body.message.includes(rule), `message should quote the rule "${rule}": ${res.body.message}`);
      assert.equal(await snapshot(), before, 'a refused request changes nothing');
    });
  }

  it('accepts a null port as 53 and a null or empty ip as an allocation', async () => {
    const r = await h.req('POST', '/v2.1/resolverrules', ruleBody(ids, { name: 'fr-null-port', domain_name: 'null.example.', ipaddresses: [{ ip: '10.2.2.2', port: null }] }));
    assert.equal(r.status, 202, JSON.stringify(r.body));
    const shown = await h.req('GET', `/v2.1/resolverrules/${r.body.resolver_rule.id}`);
    assert.deepEqual(shown.body.resolver_rule.ipaddresses, [{ ip: '10.2.2.2' }]);
    const ep = await h.req('POST', '/v2.1/endpoints', endpointBody(ids, { name: 'fr-alloc', ipaddresses: [{ subnet_id: ids.subnet, ip: null }, { subnet_id: ids.subnet, ip: '' }] }));
    assert.equal(ep.status, 202, JSON.stringify(ep.body));
    assert.equal(ep.body.endpoint.ipaddress_count, 2);
  });
});
