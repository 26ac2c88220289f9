// The vpcdns console: a hash-routed single page over the public API (sign in, VPCs, endpoints, rules).
import { ApiError, addressesOf, api, endpointsOf, freeAddresses, rules, session, signIn, subnets, vpcs } from './api.js';
import { h, isPending, showError, status, table, toast } from './dom.js';

const main = document.getElementById('main');
let refreshTimer = null;

/** Re-renders the current page every second while something on it is PENDING_*. */
function refreshWhile(pending) {
  clearTimeout(refreshTimer);
  if (pending) refreshTimer = setTimeout(route, 1000);
}

function page(title, ...content) {
  main.replaceChildren(h('h1', {}, title), ...content);
}

async function route() {
  clearTimeout(refreshTimer);
  const hash = location.hash.replace(/^#/, '') || '/endpoints';
  if (!session.token || !session.projectId) {
    if (session.token && !session.projectId) {
      try {
        await signIn(session.token);
      } catch {
        return signInPage();
      }
    } else {
      return signInPage();
    }
  }
  document.getElementById('nav').hidden = false;
  try {
    const [, section, id] = hash.split('/');
    if (section === 'endpoints' && id === 'new') return await newEndpointPage();
    if (section === 'endpoints' && id) return await endpointPage(id);
    if (section === 'rules') return await rulesPage();
    if (section === 'vpcs') return await vpcsPage();
    return await endpointsPage();
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      session.token = null;
      return signInPage();
    }
    page('Something went wrong', h('p', { class: 'form-error', role: 'alert' }, e.message));
  }
}

function signInPage() {
  document.getElementById('nav').hidden = true;
  const form = h(
    'form',
    { id: 'signin' },
    h('label', {}, 'Token (X-Auth-Token)', h('input', { name: 'token', type: 'password', autocomplete: 'off', required: true, 'data-field': 'token', autofocus: true })),
    h('button', { type: 'submit' }, 'Sign in'),
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      await signIn(form.token.value.trim());
      location.hash = '#/endpoints';
      route();
    } catch (e) {
      showError(form, new ApiError(401, { message: `token: ${e.message}` }));
    }
  });
  page('Sign in', h('p', { class: 'muted' }, 'Use the token that vpcdns printed on first start, or one from POST /v3/auth/tokens.'), form);
  // autofocus is not reliably honoured on elements inserted after load.
  form.token.focus();
}

async function endpointsPage() {
  const [inbound, outbound] = await Promise.all([endpointsOf('inbound'), endpointsOf('outbound')]);
  const rows = (eps) =>
    eps.map((e) => [h('a', { href: `#/endpoints/${e.id}` }, e.name), status(e.status), e.direction, String(e.ipaddress_count), String(e.resolver_rule_count), h('code', {}, e.vpc_id ?? '')]);
  const columns = ['Name', 'Status', 'Direction', 'Addresses', 'Rules', 'VPC'];
  page(
    'Endpoints',
    h('p', {}, h('a', { href: '#/endpoints/new' }, 'Create an endpoint')),
    h('h2', {}, 'Inbound'),
    inbound.length ? table(columns, rows(inbound)) : h('p', { class: 'muted' }, 'None yet.'),
    h('h2', {}, 'Outbound'),
    outbound.length ? table(columns, rows(outbound)) : h('p', { class: 'muted' }, 'None yet.'),
  );
  refreshWhile([...inbound, ...outbound].some((e) => isPending(e.status)));
}

function subnetSelect(list, field) {
  return h('select', { name: 'subnet', 'data-field': field, required: true }, list.map((s) => h('option', { value: s.id }, `${s.name} (${s.cidr})`)));
}

async function newEndpointPage() {
  const list = await subnets();
  const addressRow = (i) =>
    h(
      'div',
      { class: 'row address' },
      h('label', {}, `Subnet of address ${i + 1}`, subnetSelect(list, `ipaddresses[${i}].subnet_id`)),
      h('label', {}, 'IP (empty: allocate)', h('input', { name: 'ip', 'data-field': `ipaddresses[${i}].ip`, inputmode: 'decimal', placeholder: 'allocate' })),
    );
  const rows = h('div', {}, addressRow(0), addressRow(1));
  const form = h(
    'form',
    { id: 'create-endpoint' },
    h('label', {}, 'Name', h('input', { name: 'name', required: true, 'data-field': 'name', maxlength: 64 })),
    h('label', {}, 'Direction', h('select', { name: 'direction', 'data-field': 'direction' }, h('option', { value: 'inbound' }, 'inbound'), h('option', { value: 'outbound' }, 'outbound'))),
    rows,
    h('div', { class: 'row' }, h('button', { type: 'button', class: 'secondary', onclick: () => rows.append(addressRow(rows.children.length)) }, 'Add an address'), h('button', { type: 'submit' }, 'Create')),
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const ipaddresses = [...rows.querySelectorAll('.address')].map((r) => {
      const ip = r.querySelector('input').value.trim();
      return ip ? { subnet_id: r.querySelector('select').value, ip } : { subnet_id: r.querySelector('select').value };
    });
    try {
      const res = await api('POST', '/v2.1/endpoints', { name: form.name.value.trim(), direction: form.direction.value, region: await region(), ipaddresses });
      toast('Endpoint created');
      location.hash = `#/endpoints/${res.endpoint.id}`;
    } catch (e) {
      showError(form, e);
    }
  });
  page('Create an endpoint', list.length ? form : h('p', {}, 'Create a VPC and a subnet first.'));
}

/** The region this vpcdns serves; the server writes it into the page. */
async function region() {
  return document.querySelector('meta[name="vpcdns-region"]')?.content ?? 'ap-southeast-1';
}

async function endpointPage(id) {
  const [{ endpoint: e }, addresses, subnetList] = await Promise.all([api('GET', `/v2.1/endpoints/${id}`), addressesOf(id), subnets()]);
  const vpcSubnets = subnetList.filter((s) => s.vpc_id === e.vpc_id);
  const byNeutron = new Map(subnetList.map((s) => [s.neutron_subnet_id, s]));
  const unbind = async (a) => {
    try {
      await api('DELETE', `/v2.1/endpoints/${id}/ipaddresses/${a.id}`);
      toast(`Unbinding ${a.ip}`);
      route();
    } catch (err) {
      toast(err.message);
    }
  };
  const rows = addresses.map((a) => [
    h('code', {}, a.ip),
    status(a.status),
    byNeutron.get(a.subnet_id)?.name ?? a.subnet_id,
    a.error_info ?? '',
    a.status === 'PENDING_DELETE' ? '' : h('button', { type: 'button', class: 'danger', onclick: () => unbind(a), 'aria-label': `Unbind ${a.ip}` }, 'Unbind'),
  ]);
  const used = addresses.map((a) => a.ip);
  const suggestions = h('datalist', { id: 'free-ips' });
  const subnet = subnetSelect(vpcSubnets, 'ipaddress.subnet_id');
  const offerFree = async () => {
    const s = vpcSubnets.find((x) => x.id === subnet.value);
    if (!s) return;
    const all = await Promise.all([...(await endpointsOf('inbound')), ...(await endpointsOf('outbound'))].map((x) => addressesOf(x.id)));
    const inSubnet = all.flat().filter((a) => a.subnet_id === s.neutron_subnet_id).map((a) => a.ip);
    suggestions.replaceChildren(...freeAddresses(s, [...used, ...inSubnet]).map((ip) => h('option', { value: ip })));
  };
  subnet.addEventListener('change', offerFree);
  const form = h(
    'form',
    { id: 'bind' },
    h('label', {}, 'Subnet', subnet),
    h('label', {}, 'IP (empty: allocate; free addresses are offered)', h('input', { name: 'ip', list: 'free-ips', 'data-field': 'ipaddress.ip', autocomplete: 'off' })),
    suggestions,
    h('button', { type: 'submit' }, 'Bind address'),
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      await api('POST', `/v2.1/endpoints/${id}/ipaddresses`, { ipaddress: { subnet_id: subnet.value, ip: form.ip.value.trim() } });
      toast('Binding address');
      route();
    } catch (err) {
      showError(form, err);
    }
  });
  const remove = async () => {
    if (!confirm(`Delete endpoint ${e.name}?`)) return;
    try {
      await api('DELETE', `/v2.1/endpoints/${id}`);
      location.hash = '#/endpoints';
    } catch (err) {
      toast(err.message);
    }
  };
  page(
    `Endpoint ${e.name}`,
    h('p', {}, status(e.status), ' ', e.direction, ' endpoint in VPC ', h('code', {}, e.vpc_id ?? ''), ` · ${e.ipaddress_count} addresses · ${e.resolver_rule_count} rules`),
    h('h2', {}, 'Addresses'),
    table(['IP', 'Status', 'Subnet', 'Error', ''], rows),
    h('h2', {}, 'Bind an address'),
    form,
    h('button', { type: 'button', class: 'danger', onclick: remove }, 'Delete endpoint'),
  );
  offerFree();
  refreshWhile(isPending(e.status) || addresses.some((a) => isPending(a.status)));
}

async function rulesPage() {
  const [summary, outbound, inbound, vpcList] = await Promise.all([rules(), endpointsOf('outbound'), endpointsOf('inbound'), vpcs()]);
  // The list has no targets; each rule's own view does.
  const list = await Promise.all(summary.map(async (r) => (await api('GET', `/v2.1/resolverrules/${r.id}`)).resolver_rule));
  const associate = (r) => {
    const select = h('select', { 'aria-label': `VPC to associate with ${r.name}` }, vpcList.map((v) => h('option', { value: v.id }, v.name)));
    const go = async () => {
      try {
        await api('POST', `/v2.1/resolverrules/${r.id}/associaterouter`, { router: { router_id: select.value } });
        route();
      } catch (err) {
        toast(err.message);
      }
    };
    return h('span', { class: 'row' }, select, h('button', { type: 'button', class: 'secondary', onclick: go }, 'Associate'));
  };
  const targets = (r) => r.ipaddresses.map((t) => h('div', {}, h('code', {}, t.port ? `${t.ip}:${t.port}` : t.ip)));
  const rows = list.map((r) => [r.name, h('code', {}, r.domain_name), status(r.status), targets(r), r.routers.map((x) => h('div', {}, h('code', {}, x.router_id), ' ', status(x.status))), associate(r)]);
  const form = h(
    'form',
    { id: 'create-rule' },
    h('label', {}, 'Name', h('input', { name: 'name', required: true, 'data-field': 'name' })),
    h('label', {}, 'Domain', h('input', { name: 'domain', required: true, 'data-field': 'domain_name', placeholder: 'corp.example.' })),
    h('label', {}, 'Endpoint', h('select', { name: 'endpoint', 'data-field': 'endpoint_id' }, [...outbound, ...inbound].map((e) => h('option', { value: e.id }, `${e.name} (${e.direction})`)))),
    h('label', {}, 'Target DNS servers (IP or IP:PORT, comma-separated)', h('input', { name: 'targets', required: true, 'data-field': 'ipaddresses', placeholder: '10.0.0.2, 10.0.0.3:5353' })),
    h('button', { type: 'submit' }, 'Create rule'),
  );
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const ipaddresses = form.targets.value.split(',').map((t) => t.trim()).filter(Boolean).map((t) => {
      const [ip, port] = t.split(':');
      return port ? { ip, port: Number(port) } : { ip };
    });
    try {
      await api('POST', '/v2.1/resolverrules', { name: form.name.value.trim(), domain_name: form.domain.value.trim(), endpoint_id: form.endpoint.value, ipaddresses });
      toast('Rule created');
      route();
    } catch (err) {
      showError(form, err);
    }
  });
  page('Resolver rules', list.length ? table(['Name', 'Domain', 'Status', 'Targets', 'VPCs', ''], rows) : h('p', { class: 'muted' }, 'No rules yet.'), h('h2', {}, 'Create a rule'), form);
  refreshWhile(list.some((r) => isPending(r.status) || r.routers.some((x) => isPending(x.status))));
}

async function vpcsPage() {
  const [vpcList, subnetList] = await Promise.all([vpcs(), subnets()]);
  page(
    'VPCs and subnets',
    ...vpcList.map((v) =>
      h(
        'section',
        {},
        h('h2', {}, `${v.name} `, h('span', { class: 'muted mono' }, `${v.cidr} · ${v.id}`)),
        table(
          ['Subnet', 'CIDR', 'Gateway', 'ID', 'Neutron ID'],
          subnetList.filter((s) => s.vpc_id === v.id).map((s) => [s.name, h('code', {}, s.cidr), h('code', {}, s.gateway_ip), h('code', {}, s.id), h('code', {}, s.neutron_subnet_id)]),
        ),
      ),
    ),
  );
}

document.getElementById('signout').addEventListener('click', () => {
  session.token = null;
  session.projectId = null;
  location.hash = '#/signin';
  route();
});
window.addEventListener('hashchange', () => {
  route();
  main.focus();
});
route();
