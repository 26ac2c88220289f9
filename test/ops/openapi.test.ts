// GET /openapi.json: a valid OpenAPI 3.1 document generated from the route schemas, naming every route; /docs serves the reference.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import SwaggerParser from '@apidevtools/swagger-parser';
import { PUBLIC_PATHS } from '../../src/api/app.ts';
import { makeHarness, type Harness } from '../helpers/harness.ts';

/** Fastify's `/v1/:project_id/vpcs` is OpenAPI's `/v1/{project_id}/vpcs`. */
const openApiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

describe('GET /openapi.json', () => {
  let h: Harness;
  let doc: any;
  before(async () => {
    h = await makeHarness('sqlite');
    const res = await h.sys.app.inject({ method: 'GET', url: '/openapi.json' });
    assert.equal(res.statusCode, 200, res.body);
    assert.match(String(res.headers['content-type']), /^application\/json/);
    doc = JSON.parse(res.body);
  });
  after(() => h.close());

  it('is a valid OpenAPI 3.1 document', async () => {
    assert.equal(doc.openapi, '3.1.0');
    assert.equal(doc.info.title, 'vpcdns API');
    await SwaggerParser.validate(structuredClone(doc));
  });

  it('documents every registered route with the operationId it declares', () => {
    const routes = h.sys.app.registeredRoutes.filter((r) => r.method !== 'HEAD' && !r.hidden);
    assert.ok(routes.length >= 30, `only ${routes.length} routes collected`);
    for (const r of routes) {
      const op = doc.paths[openApiPath(r.url)]?.[r.method.toLowerCase()];
      assert.ok(op, `${r.method} ${r.url} is missing from the document`);
      assert.ok(r.operationId, `${r.method} ${r.url} declares no operationId`);
      assert.equal(op.operationId, r.operationId);
    }
    const documented = Object.values(doc.paths).flatMap((item: any) => Object.values(item).map((op: any) => op.operationId));
    assert.equal(documented.length, routes.length, 'the document has no operation that is not a route');
    assert.equal(new Set(documented).size, documented.length, 'operationIds are unique');
  });

  it('hides only plumbing: the document, the reference UI and the web console', () => {
    const hidden = h.sys.app.registeredRoutes.filter((r) => r.hidden && r.method !== 'HEAD').map((r) => r.url);
    assert.ok(hidden.length > 0);
    for (const url of hidden) assert.ok(url === '/openapi.json' || url.startsWith('/docs') || url.startsWith('/console'), `${url} is hidden from the document`);
  });

  it('names shared schemas by their $id and describes the error shape', () => {
    assert.ok(doc.components.schemas.EndpointResp, Object.keys(doc.components.schemas).join(', '));
    const created = doc.paths['/v2.1/endpoints'].post;
    assert.deepEqual(created.responses['202'].content['application/json'].schema.properties.endpoint, { $ref: '#/components/schemas/EndpointResp' });
    assert.ok(created.responses['400'].content['application/json'].schema.properties.error_code);
    assert.deepEqual(created.requestBody.content['application/json'].schema.required, ['name', 'direction', 'region', 'ipaddresses']);
  });

  it('declares both credentials globally, and none on the public routes', () => {
    assert.deepEqual(Object.keys(doc.components.securitySchemes).sort(), ['aksk', 'token']);
    assert.deepEqual(doc.security, [{ token: [] }, { aksk: [] }]);
    assert.deepEqual(doc.paths['/healthz'].get.security, []);
    assert.deepEqual(doc.paths['/v3/auth/tokens'].post.security, []);
    assert.equal(doc.paths['/v2.1/endpoints'].get.security, undefined, 'protected routes inherit the global requirement');
    for (const p of ['/openapi.json', '/docs', '/metrics', '/healthz', '/readyz']) assert.ok((PUBLIC_PATHS as readonly string[]).includes(p), p);
  });
});

describe('GET /docs', () => {
  let h: Harness;
  before(async () => {
    h = await makeHarness('sqlite');
  });
  after(() => h.close());

  it('serves the reference without a token, with assets from the package (no CDN)', async () => {
    const page = await h.sys.app.inject({ method: 'GET', url: '/docs/' });
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-type']), /text\/html/);
    assert.doesNotMatch(page.body, /(src|href)="https?:/, 'no asset from another host');
    const bundle = await h.sys.app.inject({ method: 'GET', url: '/docs/static/swagger-ui-bundle.js' });
    assert.equal(bundle.statusCode, 200);
    const init = await h.sys.app.inject({ method: 'GET', url: '/docs/static/swagger-initializer.js' });
    assert.equal(init.statusCode, 200);
    assert.match(init.body, /validatorUrl: null/, 'no call to an outside validator');
  });

  it('redirects /docs to the reference and serves the document it reads', async () => {
    const bare = await h.sys.app.inject({ method: 'GET', url: '/docs' });
    assert.ok([200, 302].includes(bare.statusCode), String(bare.statusCode));
    const json = await h.sys.app.inject({ method: 'GET', url: '/docs/json' });
    assert.equal(json.statusCode, 200);
    assert.equal(JSON.parse(json.body).openapi, '3.1.0');
  });

  it('still refuses API routes without credentials', async () => {
    const res = await h.sys.app.inject({ method: 'GET', url: '/v2.1/endpoints?direction=inbound' });
    assert.equal(res.statusCode, 401);
  });
});
