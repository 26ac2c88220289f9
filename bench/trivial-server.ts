// The ceiling for bench/api.ts: a Fastify server with one trivial JSON route, nothing else.
import Fastify from 'fastify';

const port = Number(process.argv[2] ?? 18099);
const app = Fastify({ logger: false });
app.get('/ping', async () => ({ ok: true }));
await app.listen({ host: '127.0.0.1', port });
process.stdout.write('ready\n');
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
