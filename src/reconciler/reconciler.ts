// The reconciler: claims PENDING_* work, drives it to ACTIVE/ERROR or removes it, and recovers after restarts.
import type { Logger } from 'pino';
import type { Clock } from '../domain/clock.ts';
import { canTransition, isPending, type Status } from '../domain/status.ts';
import type { AddressRecord, AddressStatusRow, EndpointRecord, Store } from '../store/types.ts';
import type { Provisioner } from './provisioner.ts';
import { reconcileRules } from './rule-reconciler.ts';
import { reconcileZones } from './zone-reconciler.ts';

/** First delay before a failed pass is retried; doubled after each further failure, up to RETRY_MAX_MS (or the sweep interval). */
const RETRY_INITIAL_MS = 100;
const RETRY_MAX_MS = 2000;

export type ProgressMode = 'auto' | 'manual';

export interface ReconcilerOptions {
  store: Store;
  provisioner: Provisioner;
  clock: Clock;
  log: Logger;
  /** auto: react to notify() at once; manual: only when a test calls runOnce(). */
  mode: ProgressMode;
  /** How often to sweep for stuck work and retry addresses in ERROR (auto mode). */
  sweepIntervalMs: number;
  batchSize?: number;
  /** Called after a pass that changed anything (the data plane refreshes its routes here). */
  onChange?: () => void;
  /** Called for each transition made, with how long the row waited in its PENDING_* status (metrics). */
  onTransition?: (kind: 'address' | 'endpoint', to: Status | 'GONE', waitedMs: number) => void;
}

/** The result of activating or releasing one address, written in the pass's transaction. */
interface Outcome {
  address: AddressRecord;
  to: Status | 'GONE';
  error: string | null;
}

export interface ReconcilerStats {
  passes: number;
  transitions: number;
  pending: number;
  lastPassMs: number;
}

export class Reconciler {
  private running: Promise<void> | null = null;
  private again = false;
  /** Endpoints named by notify() since the last pass started. */
  private readonly dirty = new Set<string>();
  /** notify() without a name since the last pass started: scan for every pending row. */
  private fullScan = false;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private started = false;
  /** Passes failed in a row, and the retry they scheduled (backoff from RETRY_INITIAL_MS up to the sweep interval). */
  private failedPasses = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  readonly stats: ReconcilerStats = { passes: 0, transitions: 0, pending: 0, lastPassMs: 0 };

  constructor(private readonly o: ReconcilerOptions) {}

  /** Re-acquires what ACTIVE addresses held before a restart, then processes pending work. */
  async start(): Promise<void> {
    await this.restoreActive();
    if (this.o.mode === 'auto') {
      this.notify();
      this.timer = setInterval(() => this.sweep(), this.o.sweepIntervalMs);
      this.timer.unref();
    }
    this.started = true;
  }

  /** Started and not stopped (readiness). */
  isRunning(): boolean {
    return this.started && !this.stopped;
  }

  private observe(kind: 'address' | 'endpoint', to: Status | 'GONE', since: number): void {
    this.o.onTransition?.(kind, to, this.o.clock.now() - since);
  }

  /**
   * New work was committed, for one endpoint (or, without an id, anywhere). Coalesces bursts: at most
   * one pass runs, and one more is queued; a pass starts once this turn of the event loop has run its
   * ready I/O. A pass for named endpoints reads only their rows; a pass without names scans for every
   * pending row.
   */
  notify(endpointId?: string): void {
    if (this.o.mode !== 'auto' || this.stopped) return;
    if (endpointId === undefined) this.fullScan = true;
    else this.dirty.add(endpointId);
    if (this.running) {
      this.again = true;
      return;
    }
    // The pass starts after the I/O callbacks that are ready in this turn of the event loop (setImmediate, no timer):
    // the writes of concurrent clients that arrive together then share one pass, its statements and its commit.
    this.running = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.loop())
      .finally(() => {
        this.running = null;
      });
  }

  /** Waits until no pass is running (tests and shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.idle();
  }

  /** Processes pending work until a pass finds nothing to do; returns the number of transitions made. */
  async runOnce(): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.pass();
      total += n;
      if (n === 0) return total;
    }
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      const full = this.fullScan;
      const targets = [...this.dirty];
      this.fullScan = false;
      this.dirty.clear();
      try {
        if (full) await this.runOnce();
        else if (targets.length > 0) await this.passFor(targets);
      } catch (e) {
        // The work stays pending in the database; a full pass retries it after a backoff (the database may be down).
        this.failedPasses++;
        const delay = Math.min(this.o.sweepIntervalMs, RETRY_MAX_MS, RETRY_INITIAL_MS * 2 ** Math.min(this.failedPasses - 1, 20));
        const jittered = delay / 2 + (Math.random() * delay) / 2;
        this.o.log.error({ err: e, retryInMs: Math.round(jittered) }, 'reconciler pass failed; retrying');
        this.retryTimer ??= setTimeout(() => {
          this.retryTimer = null;
          this.notify();
        }, jittered);
        this.retryTimer.unref();
        return;
      }
      this.failedPasses = 0;
    } while (this.again && !this.stopped);
  }

  private sweep(): void {
    void this.retryErrored()
      .catch((e: unknown) => this.o.log.error({ err: e }, 'reconciler sweep failed'))
      .finally(() => this.notify());
  }

  /** A pass over named endpoints only: their pending addresses, then their own status. */
  private async passFor(endpointIds: readonly string[]): Promise<number> {
    const started = this.o.clock.now();
    const pending = await this.o.store.reconcile.pendingAddresses(endpointIds);
    const { changed, routing } = await this.settle(pending, endpointIds);
    this.record(started, changed, 0, routing);
    return changed;
  }

  private record(started: number, changed: number, pending: number, routingChanged = changed > 0): void {
    this.stats.passes++;
    this.stats.transitions += changed;
    this.stats.pending = pending;
    this.stats.lastPassMs = this.o.clock.now() - started;
    if (routingChanged) this.o.onChange?.();
  }

  private async pass(): Promise<number> {
    const started = this.o.clock.now();
    const batch = this.o.batchSize ?? 256;
    const addresses = await this.o.store.addresses.findPending(batch);
    const endpoints = await this.o.store.endpoints.findPending(batch);
    let { changed } = await this.settle(addresses, endpoints.map((e) => e.id));
    changed += await reconcileRules(this.o.store, this.o.clock, batch);
    changed += await reconcileZones(this.o.store, this.o.clock, batch);
    this.record(started, changed, addresses.length + endpoints.length - changed);
    return changed;
  }

  /**
   * Binds or releases what pending addresses hold (concurrently, outside any transaction: listeners are
   * not rows), then, in one transaction, writes the results with a compare-and-set on the status each
   * address had, and settles the endpoints concerned from their addresses as read after those writes.
   * The endpoints are read and locked (PostgreSQL) before any of their addresses is written, in the order
   * the API locks them (endpoint, then addresses), so each settled status is computed from addresses no
   * request can change meanwhile. A pass costs one commit and a handful of statements whatever the number
   * of endpoints; on PostgreSQL, where each statement is a round trip and the API's requests compete for
   * the same event loop, the address writes and the read that settles the endpoints are one statement,
   * and the endpoint transitions another (ReconcileRepo.applyOutcomes, ReconcileRepo.transitionEach).
   */
  private async settle(addresses: readonly AddressRecord[], endpointIds: readonly string[]): Promise<{ changed: number; routing: boolean }> {
    const outcomes = (await Promise.all(addresses.map((a) => this.provision(a)))).filter((o) => o !== null);
    const ids = [...new Set([...endpointIds, ...addresses.map((a) => a.endpointId)])].sort();
    if (ids.length === 0) return { changed: 0, routing: false };
    // An endpoint's addresses are routing only as the source addresses of its rules. A rule is no row this
    // pass writes (and its own changes refresh routing), so this read runs beside the transaction.
    const withRules = this.o.store.rules.endpointsWithRules([...new Set(outcomes.map((o) => o.address.endpointId))]).catch((e: unknown) => {
      this.o.log.warn({ err: e }, 'cannot tell which endpoints have rules; refreshing routing');
      return null;
    });
    const observed: Array<() => void> = [];
    const { changed, moved } = await this.o.store.transaction(async (tx) => {
      const endpoints = await tx.reconcile.lockEndpoints(ids);
      const now = this.o.clock.now();
      const moved = new Set<string>();
      let changed = 0;
      const gone = outcomes.filter((o) => o.to === 'GONE');
      const updated = outcomes.filter((o) => o.to !== 'GONE');
      const pending = endpoints.filter((e) => isPending(e.status));
      // The writes, and the addresses of the pending endpoints as they stand after them: one statement on PostgreSQL.
      const { written, addresses } = await tx.reconcile.applyOutcomes({
        deleteIds: gone.map((o) => o.address.id),
        updates: updated.map((o) => ({ id: o.address.id, status: o.to as Status, errorInfo: o.error })),
        expected: 'PENDING_CREATE',
        now,
        endpointIds: pending.map((e) => e.id),
      });
      for (const o of gone) {
        observed.push(() => this.observe('address', 'GONE', o.address.updatedAt));
        moved.add(o.address.endpointId);
        changed++;
      }
      for (const o of updated) {
        // Unbound while we were binding: the next pass sees PENDING_DELETE and releases it.
        if (!written.has(o.address.id)) {
          this.o.log.debug({ address: o.address.id }, 'address changed during activation');
          continue;
        }
        const to = o.to as Status;
        observed.push(() => this.observe('address', to, o.address.updatedAt));
        moved.add(o.address.endpointId);
        changed++;
      }
      const addressesOf = new Map<string, AddressStatusRow[]>(pending.map((e) => [e.id, []]));
      for (const a of addresses) addressesOf.get(a.endpointId)!.push(a);
      const moves: Array<{ e: EndpointRecord; to: Status }> = [];
      for (const e of pending) {
        const settled = settleEndpoint(e, addressesOf.get(e.id)!);
        if (settled === 'GONE') {
          await tx.endpoints.delete(e.id);
          observed.push(() => this.observe('endpoint', 'GONE', e.updatedAt));
          changed++;
        } else if (settled !== null) {
          moves.push({ e, to: settled });
        }
      }
      const done = await tx.reconcile.transitionEach(moves.map((m) => ({ id: m.e.id, from: m.e.status, to: m.to })), now);
      for (const m of moves) {
        if (!done.has(m.e.id)) continue;
        observed.push(() => this.observe('endpoint', m.to, m.e.updatedAt));
        changed++;
      }
      return { changed, moved };
    });
    // Metrics count committed transitions only.
    for (const observe of observed) observe();
    const ruled = moved.size > 0 ? await withRules : new Set<string>();
    return { changed, routing: ruled === null || [...ruled].some((id) => moved.has(id)) };
  }

  /** What activating or releasing an address gave, before it is written; null: nothing to do for this status. */
  private async provision(a: AddressRecord): Promise<Outcome | null> {
    if (a.status === 'PENDING_CREATE') {
      const error = await this.activate(a);
      const to: Status = error === null ? 'ACTIVE' : 'ERROR';
      assertAllowed('address', a.status, to);
      return { address: a, to, error };
    }
    if (a.status === 'PENDING_DELETE') {
      assertAllowed('address', a.status, 'GONE');
      await this.deactivate(a);
      return { address: a, to: 'GONE', error: null };
    }
    return null;
  }

  private async activate(a: AddressRecord): Promise<string | null> {
    let error: string | null;
    try {
      error = await this.o.provisioner.activate(a);
    } catch (e) {
      error = `activation failed: ${(e as Error).message}`;
    }
    if (error !== null) this.o.log.warn({ address: a.id, ip: a.ip, error }, 'address could not be activated');
    return error;
  }

  private async deactivate(a: AddressRecord): Promise<void> {
    try {
      await this.o.provisioner.deactivate(a);
    } catch (e) {
      this.o.log.warn({ err: e, address: a.id }, 'releasing an address failed');
    }
  }

  /** After a restart nothing is bound: re-acquire every ACTIVE address, marking failures ERROR. */
  private async restoreActive(): Promise<void> {
    const active = await this.o.store.addresses.listActive();
    const touched = new Set<string>();
    await Promise.all(
      active.map(async (a) => {
        const error = await this.activate(a);
        if (error !== null) {
          await this.o.store.addresses.setStatus(a.id, { status: 'ERROR', errorInfo: error, updatedAt: this.o.clock.now() }, 'ACTIVE');
          touched.add(a.endpointId);
        }
      }),
    );
    for (const id of touched) await this.resettle(id);
    if (active.length > 0) this.o.onChange?.();
  }

  /** Addresses in ERROR are retried each sweep: an address added to the host later becomes ACTIVE. */
  async retryErrored(): Promise<void> {
    const errored = await this.o.store.addresses.listErrored();
    const touched = new Set<string>();
    for (const a of errored) {
      const error = await this.activate(a);
      if (error === null && (await this.o.store.addresses.setStatus(a.id, { status: 'ACTIVE', errorInfo: null, updatedAt: this.o.clock.now() }, 'ERROR'))) {
        touched.add(a.endpointId);
      } else if (error === null) {
        await this.deactivate(a);
      }
    }
    for (const id of touched) await this.resettle(id);
    if (touched.size > 0) this.o.onChange?.();
  }

  /** Recomputes a settled endpoint's status from its addresses (ACTIVE <-> ERROR). */
  private async resettle(endpointId: string): Promise<void> {
    const e = await this.o.store.endpoints.getById(endpointId);
    if (!e || e.status.startsWith('PENDING_')) return;
    const addresses = await this.o.store.addresses.listByEndpoint(endpointId);
    if (addresses.some((a) => a.status.startsWith('PENDING_'))) return;
    const to = settledStatus(addresses);
    if (to !== e.status) await this.o.store.endpoints.transition(e.id, e.status, to, this.o.clock.now());
  }
}

/**
 * What a pending endpoint becomes, given its addresses: GONE (deleted, no address left), its settled status
 * (no address pending any more), or null (still waiting for addresses). Every move is checked against TRANSITIONS.
 */
function settleEndpoint(e: EndpointRecord, addresses: readonly Pick<AddressStatusRow, 'status'>[]): Status | 'GONE' | null {
  if (e.status === 'PENDING_DELETE') {
    if (addresses.length > 0) return null; // still releasing addresses
    assertAllowed('endpoint', e.status, 'GONE');
    return 'GONE';
  }
  if (addresses.some((a) => isPending(a.status))) return null;
  const to = settledStatus(addresses);
  assertAllowed('endpoint', e.status, to);
  return to;
}

/** An endpoint is ACTIVE when every address is; one address in ERROR makes it ERROR (its error_info says why). */
export function settledStatus(addresses: readonly Pick<AddressStatusRow, 'status'>[]): Status {
  return addresses.every((a) => a.status === 'ACTIVE') ? 'ACTIVE' : 'ERROR';
}

function assertAllowed(kind: 'endpoint' | 'address', from: Status, to: Status | 'GONE'): void {
  if (from !== to && !canTransition(kind, from, to, 'reconciler')) throw new Error(`reconciler may not move ${kind} from ${from} to ${to}`);
}
