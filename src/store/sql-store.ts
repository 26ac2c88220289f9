// The Store over Kysely: each database or transaction gets its repositories, on SQLite or PostgreSQL.
import { sql, type Kysely } from 'kysely';
import { addressMethods } from './address-repo.ts';
import { repo, type Db, type DialectStatements, type RepoContext } from './context.ts';
import type { SqliteStatements } from './dialect/sqlite.ts';
import { endpointMethods } from './endpoint-repo.ts';
import { makeIdentityRepos, projectMethods, tokenMethods } from './identity-repos.ts';
import { subnetMethods, vpcMethods } from './network-repos.ts';
import { nodeMethods } from './node-repo.ts';
import { runDirectly } from './precompiled.ts';
import { reconcileMethods } from './reconcile-repo.ts';
import { makeRuleRepos } from './rule-repos.ts';
import { makeRecordSetRepo } from './record-set-repo.ts';
import { makeZoneRepo } from './zone-repo.ts';
import type { Database } from './schema.ts';
import { cachedTokenFind } from './token-cache.ts';
import type { Repos, Store, TokenRepo } from './types.ts';
import { storeUnavailableReason } from './unavailable.ts';

/** The `settings` row readiness writes to prove that writes commit (its value: the time of the last probe). */
const PROBE_SETTING = 'readiness_probe';

/**
 * Every transaction gets its own repositories, bound to its connection. The seven the API and the reconciler use are
 * made at once (an object each, whose prototype holds the methods); the rule and identity repositories, which a
 * transaction rarely uses and which cost more to build, on first use.
 */
function makeRepos(db: Db, statements: DialectStatements): Repos {
  const ctx: RepoContext = { db, dialect: statements.name, statements };
  let rules: ReturnType<typeof makeRuleRepos> | undefined;
  let identity: ReturnType<typeof makeIdentityRepos> | undefined;
  let zones: ReturnType<typeof makeZoneRepo> | undefined;
  let recordSets: ReturnType<typeof makeRecordSetRepo> | undefined;
  return {
    get zones() {
      return (zones ??= makeZoneRepo(ctx));
    },
    get recordSets() {
      return (recordSets ??= makeRecordSetRepo(ctx));
    },
    projects: repo(projectMethods, ctx),
    tokens: repo(tokenMethods, ctx),
    vpcs: repo(vpcMethods, ctx),
    subnets: repo(subnetMethods, ctx),
    endpoints: repo(endpointMethods, ctx),
    addresses: repo(addressMethods, ctx),
    reconcile: repo(reconcileMethods, ctx),
    nodes: repo(nodeMethods, ctx),
    get rules() {
      return (rules ??= makeRuleRepos(ctx)).rules;
    },
    get associations() {
      return (rules ??= makeRuleRepos(ctx)).associations;
    },
    get queryLogs() {
      return (rules ??= makeRuleRepos(ctx)).queryLogs;
    },
    get users() {
      return (identity ??= makeIdentityRepos(db)).users;
    },
    get accessKeys() {
      return (identity ??= makeIdentityRepos(db)).accessKeys;
    },
    get settings() {
      return (identity ??= makeIdentityRepos(db)).settings;
    },
    get projectAdmin() {
      return (identity ??= makeIdentityRepos(db)).projectAdmin;
    },
  };
}

/**
 * Wraps a migrated Kysely instance as a Store of the dialect whose statements it is given. On SQLite, given the
 * connection's statements, precompiled queries run on them directly instead of through Kysely's executor: in a
 * transaction, which holds the one connection; outside, only while no transaction is open (else a read could see, or
 * a write join, another request's uncommitted work), which a synchronous statement cannot change while it runs;
 * otherwise they wait their turn through Kysely.
 */
export function createSqlStore(db: Kysely<Database>, statements: DialectStatements, sqlite?: SqliteStatements): Store {
  const repos = makeRepos(db, statements);
  /** Transactions asked for and not yet settled (from before BEGIN until after COMMIT or ROLLBACK). */
  let open = 0;
  if (sqlite) {
    runDirectly(db, (text, parameters) => (open === 0 ? sqlite.run(text, parameters) : undefined));
    // The token of every request (token-cache.ts); inside a transaction tokens are read as they are.
    const tokens: TokenRepo = Object.create(repos.tokens) as TokenRepo;
    tokens.find = cachedTokenFind(repos.tokens.find.bind(repos.tokens), () => ({ local: sqlite.tokenWrites, others: sqlite.otherConnectionsVersion() }));
    repos.tokens = tokens;
  }
  return {
    ...repos,
    dialect: statements.name,
    async transaction(fn) {
      open++;
      try {
        return await db.transaction().execute((trx) => {
          if (sqlite) runDirectly(trx, (text, parameters) => sqlite.run(text, parameters));
          return fn(makeRepos(trx, statements));
        });
      } finally {
        open--;
      }
    },
    async ping() {
      await sql`select 1`.execute(db);
    },
    async probe() {
      try {
        await sql`select 1`.execute(db);
      } catch (e) {
        throw new Error(`database unreachable: ${(e as Error).message}`, { cause: e });
      }
      try {
        const value = String(Date.now());
        await db.insertInto('settings').values({ name: PROBE_SETTING, value }).onConflict((oc) => oc.column('name').doUpdateSet({ value })).execute();
      } catch (e) {
        const reason = storeUnavailableReason(e);
        throw new Error(`writes fail: ${reason ?? 'error'} (${(e as Error).message})`, { cause: e });
      }
    },
    close: () => db.destroy(),
  };
}
