// The UDP upstream pool on its own: replies matched by id and sender, deadlines in sending order, a send
// error failing only the exchanges waiting on that target, port rotation, and close() failing what is left.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Logger } from 'pino';
import { SendQueue } from '../../src/dataplane/send-queue.ts';
import { openDatagramSocket } from '../../src/dataplane/datagram.ts';
import type { DatagramOptions } from '../../src/dataplane/datagram.ts';
import { UdpUpstreamPool } from '../../src/dataplane/upstream-pool.ts';
import { Exchange } from '../../src/dataplane/upstream-exchange.ts';
import type { ExchangeFailure } from '../../src/dataplane/upstream-exchange.ts';
import { loopbackNet } from '../helpers/loopback.ts';
import { until } from '../helpers/wait.ts';
import { FakeUpstream, UDP_IOS, buildQuery } from './helpers.ts';
import type { UpstreamTarget } from '../../src/dataplane/types.ts';

const NET = loopbackNet();
const SOURCE = NET.ip(201);

/** A waiter that records how its exchange ended. */
class Recorder extends Exchange {
  readonly ended: Promise<{ reply?: Buffer; reason?: ExchangeFailure; detail?: string }>;
  calls = 0;
  private settle!: (r: { reply?: Buffer; reason?: ExchangeFailure; detail?: string }) => void;
  constructor() {
    super();
    this.ended = new Promise((resolve) => (this.settle = resolve));
  }
  onReply(reply: Buffer): void {
    this.calls++;
    this.settle({ reply });
  }
  onFailure(reason: ExchangeFailure, detail?: string): void {
    this.calls++;
    this.settle({ reason, detail });
  }
}

/** Its outcome, or a failure (instead of a hung test) if it never comes. */
function outcome(w: Recorder): Promise<{ reply?: Buffer; reason?: ExchangeFailure; detail?: string }> {
  let timer: NodeJS.Timeout | undefined;
  const never = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('the waiter heard nothing within 5 s')), 5000);
  });
  return Promise.race([w.ended, never]).finally(() => clearTimeout(timer));
}

function question(name: string): { query: Buffer; questionEnd: number } {
  const query = buildQuery(name);
  return { query, questionEnd: 12 + name.length + 2 + 4 };
}

/** Sends a query for name from SOURCE to target as exchange ex. */
function ask(pool: UdpUpstreamPool, target: UpstreamTarget, name: string, ex: Exchange): void {
  const { query, questionEnd } = question(name);
  pool.send(SOURCE, target, query, questionEnd, ex);
}

/** Sends a query for name and waits for its reply (which opens the source's socket, for a test that needs it open). */
async function answered(pool: UdpUpstreamPool, target: UpstreamTarget, name: string): Promise<void> {
  const ex = new Recorder();
  ask(pool, target, name, ex);
  assert.ok((await outcome(ex)).reply, `no reply to ${name}`);
}

/** A query for name in a datagram larger than UDP allows: the kernel refuses the send (EMSGSIZE), nothing leaves. */
function tooBig(name: string): { query: Buffer; questionEnd: number } {
  const { query, questionEnd } = question(name);
  const big = Buffer.alloc(70_000);
  query.copy(big);
  return { query: big, questionEnd };
}

for (const { io, skip } of UDP_IOS) describe(`UdpUpstreamPool (${io} UDP sockets)`, { skip }, () => {
  let live: FakeUpstream;
  let silent: FakeUpstream;

  before(async () => {
    live = await FakeUpstream.start(NET.ip(202));
    silent = await FakeUpstream.start(NET.ip(203));
    silent.mode = 'silent';
  });
  after(async () => {
    await live.close();
    await silent.close();
  });

  it('matches each reply to its exchange, whatever the order of the answers', async () => {
    const pool = new UdpUpstreamPool({ timeoutMs: 60_000, portRotationMs: 60_000, now: () => performance.now(), sendQueue: new SendQueue(), udpIo: io });
    try {
      const names = Array.from({ length: 20 }, (_, i) => `q${i}.corp.example`);
      const waiters = names.map((name) => {
        const w = new Recorder();
        ask(pool, live, name, w);
        return w;
      });
      const results = await Promise.all(waiters.map((w) => outcome(w)));
      results.forEach((r, i) => {
        assert.ok(r.reply, `exchange ${i} failed: ${r.reason}`);
        assert.ok(r.reply.includes(Buffer.from(`q${i}`)), `exchange ${i} got another question's reply`);
      });
      assert.deepEqual(live.received.slice(-20).map((q) => q.address), Array(20).fill(SOURCE));
      assert.ok(waiters.every((w) => w.calls === 1));
    } finally {
      await pool.close();
    }
  });

  it('times exchanges out in sending order, and a timed-out exchange hears nothing more', async () => {
    let now = 0;
    const pool = new UdpUpstreamPool({ timeoutMs: 100, portRotationMs: 60_000, now: () => now, sendQueue: new SendQueue(), udpIo: io });
    try {
      // Open the source's socket first: deadlines are taken when a query leaves.
      await answered(pool, live, 'warm.corp.example');
      const first = new Recorder();
      const second = new Recorder();
      ask(pool, silent, 'a.corp.example', first);
      now = 50;
      ask(pool, silent, 'b.corp.example', second);
      now = 120; // past the first deadline only
      assert.equal((await outcome(first)).reason, 'timeout');
      assert.equal(second.calls, 0);
      now = 200;
      assert.equal((await outcome(second)).reason, 'timeout');
      assert.equal(first.calls, 1);
    } finally {
      await pool.close();
    }
  });

  it('fails an exchange whose send fails at once, not at the deadline, and no other', async () => {
    const pool = new UdpUpstreamPool({ timeoutMs: 60_000, portRotationMs: 60_000, now: () => performance.now(), sendQueue: new SendQueue(), udpIo: io });
    const waiting = new Recorder();
    try {
      ask(pool, silent, 'w.corp.example', waiting);
      const big = tooBig('big.corp.example');
      const failing = new Recorder();
      pool.send(SOURCE, silent, big.query, big.questionEnd, failing);
      const failed = await outcome(failing); // with a 60 s deadline, only the send error can end it in time
      assert.equal(failed.reason, 'network');
      assert.match(failed.detail ?? '', /EMSGSIZE/);
      const answered = new Recorder();
      ask(pool, live, 'ok.corp.example', answered);
      assert.ok((await outcome(answered)).reply);
      assert.equal(waiting.calls, 0, 'the exchange on the same socket and target still waits');
    } finally {
      await pool.close();
    }
    assert.equal((await outcome(waiting)).reason, 'closed');
  });

  it('rotates a source to a fresh port, and the old socket answers its exchanges until they end, then closes', async () => {
    let now = 0;
    const pool = new UdpUpstreamPool({ timeoutMs: 1000, portRotationMs: 100, now: () => now, sendQueue: new SendQueue(), udpIo: io });
    try {
      const first = new Recorder();
      ask(pool, live, 'one.corp.example', first);
      assert.ok((await outcome(first)).reply);
      const [oldPort] = pool.ports(SOURCE);
      assert.equal(live.received.at(-1)?.port, oldPort);
      // One exchange left waiting on the old port, sent after the period is over: it starts the rotation.
      now = 150;
      const waiting = new Recorder();
      ask(pool, silent, 'wait.corp.example', waiting);
      await until('a second socket', () => pool.ports(SOURCE).length >= 2);
      const [newPort, retiring] = pool.ports(SOURCE);
      assert.equal(retiring, oldPort, 'the old socket stays open while an exchange waits on it');
      assert.notEqual(newPort, oldPort);
      assert.equal(pool.rotations, 1);
      const second = new Recorder();
      ask(pool, live, 'two.corp.example', second);
      assert.ok((await outcome(second)).reply);
      assert.equal(live.received.at(-1)?.port, newPort, 'new queries leave from the new port');
      assert.equal(silent.received.at(-1)?.port, oldPort, 'the waiting exchange went out on the old one');
      // Its deadline passes: it times out, and the old socket, now idle, is closed.
      now = 1200;
      assert.equal((await outcome(waiting)).reason, 'timeout');
      await until('the old socket to close', () => pool.ports(SOURCE).length <= 1);
      assert.deepEqual(pool.ports(SOURCE), [newPort]);
    } finally {
      await pool.close();
    }
  });

  it('keeps the current socket when a fresh one cannot be bound, says so once, and rotates once it can', async () => {
    let now = 0;
    const warnings: string[] = [];
    const log = { warn: (_o: unknown, m: string) => warnings.push(m), info: () => {}, debug: () => {}, error: () => {} } as unknown as Logger;
    let failBinds = false;
    const openSocket = (o: DatagramOptions) =>
      failBinds ? Promise.reject(Object.assign(new Error('bind EADDRNOTAVAIL'), { code: 'EADDRNOTAVAIL' })) : openDatagramSocket(o);
    const pool = new UdpUpstreamPool({ timeoutMs: 60_000, portRotationMs: 100, now: () => now, sendQueue: new SendQueue(), udpIo: io, openSocket, log });
    try {
      const first = new Recorder();
      ask(pool, live, 'r1.corp.example', first);
      assert.ok((await outcome(first)).reply);
      const [port] = pool.ports(SOURCE);
      // From now on a bind fails as it would if the source address had left the host.
      failBinds = true;
      for (const t of [150, 300, 450]) {
        now = t;
        const r = new Recorder();
        ask(pool, live, `r${t}.corp.example`, r);
        assert.ok((await outcome(r)).reply, 'queries still leave through the current socket');
        await until(`rotation failure ${t / 150}`, () => pool.rotationFailures === t / 150);
      }
      assert.deepEqual(pool.ports(SOURCE), [port]);
      assert.equal(pool.rotations, 0);
      assert.equal(pool.rotationFailures, 3);
      assert.equal(warnings.filter((w) => w.startsWith('cannot open a new upstream socket')).length, 1, 'warned once, not every period');
      failBinds = false;
      now = 600;
      const r = new Recorder();
      ask(pool, live, 'r600.corp.example', r);
      await until('a rotation', () => pool.rotations > 0);
      assert.equal(pool.rotations, 1);
      assert.notEqual(pool.ports(SOURCE)[0], port);
    } finally {
      await pool.close();
    }
  });

  it('matches a reply that arrives on a retired socket', async () => {
    let now = 0;
    const pool = new UdpUpstreamPool({ timeoutMs: 60_000, portRotationMs: 100, now: () => now, sendQueue: new SendQueue(), udpIo: io });
    live.delayMs = 150;
    try {
      await answered(pool, live, 'warm2.corp.example');
      now = 150;
      const slow = new Recorder();
      ask(pool, live, 'slow.corp.example', slow);
      await until('a rotation', () => pool.rotations > 0);
      assert.equal(pool.rotations, 1, 'rotated while the reply was on its way');
      const r = await outcome(slow);
      assert.ok(r.reply?.includes(Buffer.from('slow')), `the slow exchange failed: ${r.reason}`);
    } finally {
      live.delayMs = 0;
      await pool.close();
    }
  });

  it('refuses to send an exchange again while it is in flight, and sends it again once it has ended', async () => {
    let now = 0;
    const pool = new UdpUpstreamPool({ timeoutMs: 100, portRotationMs: 60_000, now: () => now, sendQueue: new SendQueue(), udpIo: io });
    try {
      await answered(pool, live, 'warm3.corp.example');
      const ex = new Recorder();
      ask(pool, silent, 'again.corp.example', ex);
      assert.throws(() => ask(pool, live, 'again.corp.example', ex), /in flight/);
      now = 200;
      assert.equal((await outcome(ex)).reason, 'timeout');
      assert.equal(ex.waitingOn, null);
      const before = ex.sends;
      ask(pool, live, 'again.corp.example', ex);
      assert.equal(ex.sends, before + 1);
    } finally {
      await pool.close();
    }
  });

  it('checks every send until several in a row succeeded, then one in 16 (node:dgram), and every send again after an error', async () => {
    const pool = new UdpUpstreamPool({ timeoutMs: 60_000, portRotationMs: 60_000, now: () => performance.now(), sendQueue: new SendQueue(), udpIo: io });
    try {
      for (let i = 0; i < 12; i++) {
        const ok = new Recorder();
        ask(pool, live, `c${i}.corp.example`, ok);
        assert.ok((await outcome(ok)).reply);
      }
      // Sampling now: of 20 sends that all fail, one or two are checked and fail at once; the rest wait.
      const batch = Array.from({ length: 20 }, (_, i) => {
        const w = new Recorder();
        const b = tooBig(`big${i}.corp.example`);
        pool.send(SOURCE, silent, b.query, b.questionEnd, w);
        return w;
      });
      await until('a checked send to fail', () => batch.some((w) => w.calls === 1));
      // After that error every send is checked again: each fails at once.
      const after = Array.from({ length: 3 }, (_, i) => {
        const w = new Recorder();
        const b = tooBig(`again${i}.corp.example`);
        pool.send(SOURCE, silent, b.query, b.questionEnd, w);
        return w;
      });
      for (const w of after) assert.equal((await outcome(w)).reason, 'network');
      // Sends complete in order, so every checked send of the batch has reported by now.
      const failedAtOnce = batch.filter((w) => w.calls === 1);
      if (io === 'native') {
        // A native send's result is known at once: every failing send fails at once, none waits for its deadline.
        assert.equal(failedAtOnce.length, 20);
      } else {
        assert.ok(failedAtOnce.length >= 1 && failedAtOnce.length <= 2, `${failedAtOnce.length} failed at once`);
      }
      for (const w of failedAtOnce) assert.match((await outcome(w)).detail ?? '', /EMSGSIZE/);
    } finally {
      await pool.close();
    }
  });

  it('fails every exchange still waiting when it closes', async () => {
    const pool = new UdpUpstreamPool({ timeoutMs: 60_000, portRotationMs: 60_000, now: () => performance.now(), sendQueue: new SendQueue(), udpIo: io });
    const waiters = ['x', 'y', 'z'].map((n) => {
      const w = new Recorder();
      ask(pool, silent, `${n}.corp.example`, w);
      return w;
    });
    // Until the three queries have reached the upstream: they are then waiting in the pool's table, not on its sockets opening.
    const arrived = () => ['x', 'y', 'z'].every((n) => silent.received.some((q) => q.packet.questions?.[0]?.name === `${n}.corp.example`));
    await until('the queries at the upstream', () => arrived());
    assert.ok(arrived(), 'the queries reached the upstream');
    for (const w of waiters) assert.equal(w.calls, 0);
    await pool.close();
    for (const w of waiters) assert.equal((await outcome(w)).reason, 'closed');
    const late = new Recorder();
    ask(pool, live, 'late.corp.example', late);
    assert.equal((await outcome(late)).reason, 'closed');
  });
});
