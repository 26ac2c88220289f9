// `vpcdns admin ...`: projects, users and access keys, managed in the database the server uses (same --db, --config, key).
import { Command } from 'commander';
import { randomBytes } from 'node:crypto';
import { loadConfig, type CliSettings } from '../config.ts';
import { systemClock } from '../domain/clock.ts';
import { CredentialService } from '../services/credential-service.ts';
import { IdentityService } from '../services/identity-service.ts';
import { loadSecretKey } from '../services/secret-key.ts';
import { openStore } from '../store/open.ts';
import type { ProjectRecord, Store } from '../store/types.ts';

export interface AdminIo {
  /** Writes one line of output. */
  out(line: string): void;
  /** The whole of standard input (for --password-stdin). */
  readStdin(): Promise<string>;
  env: NodeJS.ProcessEnv;
}

const processIo: AdminIo = {
  out: (line) => void process.stdout.write(`${line}\n`),
  async readStdin() {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
  env: process.env,
};

interface Context {
  store: Store;
  identity: IdentityService;
  credentials: CredentialService;
  io: AdminIo;
}

type Options = Record<string, string | boolean | undefined>;

const iso = (ms: number): string => new Date(ms).toISOString();

function table(io: AdminIo, header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  io.out(line(header));
  for (const r of rows) io.out(line(r));
}

async function projectOf(ctx: Context, idOrName: string): Promise<ProjectRecord> {
  const project = await ctx.identity.findProject(idOrName);
  if (!project) throw new Error(`no project ${idOrName}`);
  return project;
}

/** Adds a leaf command that opens the configured store and the secret key, runs, and closes the store. */
function leaf(parent: Command, io: AdminIo, spec: string, description: string, run: (ctx: Context, opts: Options, args: string[]) => Promise<void>): Command {
  return parent
    .command(spec)
    .description(description)
    .action(async (...params: unknown[]) => {
      const cmd = params[params.length - 1] as Command;
      const opts = cmd.optsWithGlobals<Options & CliSettings>();
      const config = loadConfig({ db: opts.db, config: opts.config }, io.env);
      const store = await openStore(config.db);
      try {
        const { box } = await loadSecretKey(config.auth, store);
        const ctx: Context = { store, identity: new IdentityService({ store, clock: systemClock }), credentials: new CredentialService({ store, clock: systemClock, secrets: box }), io };
        await run(ctx, opts, cmd.args);
      } finally {
        await store.close();
      }
    });
}

export function adminCommand(io: AdminIo = processIo): Command {
  const admin = new Command('admin')
    .description('manage projects, users and access keys in the database the server uses')
    .option('--db <path-or-url>', 'SQLite file or postgres:// URL (default ./data/vpcdns.sqlite; DATABASE_URL also works)')
    .option('--config <file>', 'the server\'s configuration file (VPCDNS_CONFIG also works)');

  const project = admin.command('project').description('projects (tenants)');
  leaf(project, io, 'create', 'create a project', async (ctx, o) => {
    const p = await ctx.identity.createNamedProject({ name: String(o.name), ...(o.id ? { id: String(o.id) } : {}) });
    io.out(`created project ${p.name} (id ${p.id})`);
  })
    .requiredOption('--name <name>', 'project name (unique)')
    .option('--id <id>', '32 lowercase hex characters (default: random)');
  leaf(project, io, 'list', 'list projects', async (ctx, o) => {
    const projects = await ctx.store.projects.list();
    if (o.json) return io.out(JSON.stringify(projects.map((p) => ({ id: p.id, name: p.name, created_at: iso(p.createdAt) }))));
    table(io, ['ID', 'NAME', 'CREATED'], projects.map((p) => [p.id, p.name, iso(p.createdAt)]));
  }).option('--json', 'print JSON');
  leaf(project, io, 'delete <project>', 'delete a project (id or name) with its users, access keys and tokens; it must have no VPC or endpoint left', async (ctx, _o, [idOrName]) => {
    const p = await ctx.identity.deleteProject(idOrName!);
    if (!p) throw new Error(`no project ${idOrName}`);
    io.out(`deleted project ${p.name} (id ${p.id})`);
  });

  const user = admin.command('user').description('users who log in with a password (POST /v3/auth/tokens)');
  leaf(user, io, 'create', 'create a user in a project', async (ctx, o) => {
    const p = await projectOf(ctx, String(o.project));
    const given = o.passwordStdin ? (await io.readStdin()).replace(/\r?\n$/, '') : undefined;
    const password = given ?? randomBytes(18).toString('base64url');
    const u = await ctx.credentials.createUser({ projectId: p.id, name: String(o.name), password });
    io.out(`created user ${u.name} (id ${u.id}) in project ${p.name}`);
    if (given === undefined) io.out(`password: ${password}   (shown only now; save it)`);
  })
    .requiredOption('--project <project>', 'project id or name')
    .requiredOption('--name <name>', 'user name (unique in the project)')
    .option('--password-stdin', 'read the password from standard input (default: generate one and print it once)');
  leaf(user, io, 'list', 'list users', async (ctx, o) => {
    const projectId = o.project ? (await projectOf(ctx, String(o.project))).id : undefined;
    const users = await ctx.credentials.listUsers(projectId);
    if (o.json) return io.out(JSON.stringify(users.map((u) => ({ id: u.id, name: u.name, project_id: u.projectId, created_at: iso(u.createdAt) }))));
    table(io, ['ID', 'NAME', 'PROJECT', 'CREATED'], users.map((u) => [u.id, u.name, u.projectId, iso(u.createdAt)]));
  })
    .option('--project <project>', 'only this project (id or name)')
    .option('--json', 'print JSON');
  leaf(user, io, 'delete', 'delete a user and revoke its tokens', async (ctx, o) => {
    const p = await projectOf(ctx, String(o.project));
    if (!(await ctx.credentials.deleteUser(p.id, String(o.name)))) throw new Error(`no user ${o.name} in project ${p.name}`);
    io.out(`deleted user ${o.name} of project ${p.name}`);
  })
    .requiredOption('--project <project>', 'project id or name')
    .requiredOption('--name <name>', 'user name');

  const key = admin.command('access-key').description('AK/SK pairs for SDK-HMAC-SHA256 signatures');
  leaf(key, io, 'create', 'create an access key for a project; the secret is printed once', async (ctx, o) => {
    const p = await projectOf(ctx, String(o.project));
    const k = await ctx.credentials.createAccessKey({ projectId: p.id, ...(o.description ? { description: String(o.description) } : {}) });
    io.out(`access key: ${k.access}`);
    io.out(`secret key: ${k.secret}   (shown only now; save it)`);
    io.out(`project id: ${p.id}`);
  })
    .requiredOption('--project <project>', 'project id or name')
    .option('--description <text>', 'a note for the list');
  leaf(key, io, 'list', 'list access keys (never their secrets)', async (ctx, o) => {
    const projectId = o.project ? (await projectOf(ctx, String(o.project))).id : undefined;
    const keys = await ctx.credentials.listAccessKeys(projectId);
    if (o.json) {
      return io.out(JSON.stringify(keys.map((k) => ({ access: k.access, project_id: k.projectId, status: k.status, description: k.description, created_at: iso(k.createdAt) }))));
    }
    table(io, ['ACCESS KEY', 'PROJECT', 'STATUS', 'CREATED', 'DESCRIPTION'], keys.map((k) => [k.access, k.projectId, k.status, iso(k.createdAt), k.description]));
  })
    .option('--project <project>', 'only this project (id or name)')
    .option('--json', 'print JSON');
  for (const [verb, status] of [['disable', 'disabled'], ['enable', 'active']] as const) {
    leaf(key, io, `${verb} <access-key>`, `${verb} an access key (signatures with a disabled key are refused)`, async (ctx, _o, [ak]) => {
      if (!(await ctx.credentials.setAccessKeyStatus(ak!, status))) throw new Error(`no access key ${ak}`);
      io.out(`access key ${ak} is ${status}`);
    });
  }
  leaf(key, io, 'delete <access-key>', 'delete an access key', async (ctx, _o, [ak]) => {
    if (!(await ctx.credentials.deleteAccessKey(ak!))) throw new Error(`no access key ${ak}`);
    io.out(`deleted access key ${ak}`);
  });
  return admin;
}
