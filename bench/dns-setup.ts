// Sets up the DNS benchmark through the API of a running vpcdns: an inbound endpoint at a fixed address, an
// outbound endpoint, and a rule forwarding corp.internal to 127.0.0.2:5300, associated with the VPC.
//   npx tsx bench/dns-setup.ts API_URL TOKEN SUBNET_ID VPC_ID INBOUND_IP
const [api, token, subnet, vpc, inboundIp] = process.argv.slice(2);
if (!api || !token || !subnet || !vpc || !inboundIp) throw new Error('usage: dns-setup.ts API_URL TOKEN SUBNET_ID VPC_ID INBOUND_IP');

async function call(method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${api}${path}`, {
    method,
    headers: { 'x-auth-token': token!, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const endpoint = async (name: string, direction: string, ips: Array<{ subnet_id: string; ip?: string }>) => {
  const id: string = (await call('POST', '/v2.1/endpoints', { name, direction, region: 'ap-southeast-1', ipaddresses: ips })).endpoint.id;
  await until(`${name} ACTIVE`, async () => (await call('GET', `/v2.1/endpoints/${id}`)).endpoint.status === 'ACTIVE');
  return id;
};

await endpoint('bench-in', 'inbound', [{ subnet_id: subnet, ip: inboundIp }, { subnet_id: subnet }]);
const outbound = await endpoint('bench-out', 'outbound', [{ subnet_id: subnet }, { subnet_id: subnet }]);
const rule: string = (
  await call('POST', '/v2.1/resolverrules', { name: 'corp-internal', domain_name: 'corp.internal.', endpoint_id: outbound, ipaddresses: [{ ip: '127.0.0.2', port: 5300 }] })
).resolver_rule.id;
await call('POST', `/v2.1/resolverrules/${rule}/associaterouter`, { router: { router_id: vpc } });
await until('rule and association ACTIVE', async () => {
  const r = (await call('GET', `/v2.1/resolverrules/${rule}`)).resolver_rule;
  return r.status === 'ACTIVE' && r.routers.every((x: any) => x.status === 'ACTIVE');
});
console.log(`vpcdns ready: inbound ${inboundIp}, corp.internal -> 127.0.0.2:5300 from the outbound endpoint's addresses`);
