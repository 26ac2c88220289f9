// Serves the web console (/console): a fixed set of static files from console/, read once at start.
import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyReply } from 'fastify';

const DIR = new URL('../../../console/', import.meta.url);

/** Every file the console has; nothing else is served, so no path can reach outside console/. */
const FILES: Record<string, string> = {
  'app.js': 'text/javascript; charset=utf-8',
  'api.js': 'text/javascript; charset=utf-8',
  'dom.js': 'text/javascript; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
};

// The console talks only to this origin; it loads nothing from anywhere else.
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

export function consoleRoutes(region: string) {
  const escaped = region.replace(/[^A-Za-z0-9_.-]/g, '');
  const index = readFileSync(new URL('index.html', DIR), 'utf8').replace('{{REGION}}', escaped);
  const assets = new Map(Object.entries(FILES).map(([name, type]) => [name, { type, body: readFileSync(new URL(name, DIR)) }]));
  const send = (reply: FastifyReply, type: string, body: string | Buffer) => reply.headers(SECURITY_HEADERS).type(type).send(body);

  return async (app: FastifyInstance) => {
    app.get('/console', { schema: { hide: true } }, async (_req, reply) => reply.redirect('/console/'));
    app.get('/console/', { schema: { hide: true } }, async (_req, reply) => send(reply, 'text/html; charset=utf-8', index));
    app.get<{ Params: { file: string } }>('/console/:file', { schema: { hide: true } }, async (req, reply) => {
      const asset = assets.get(req.params.file);
      if (!asset) return reply.callNotFound();
      return send(reply, asset.type, asset.body);
    });
  };
}
