// The data plane's UDP sockets: both implementations receive whole datagrams with their sender, send,
// report bind and send errors with dgram's codes, and close; the native one also batches reads, keeps
// sends that had to wait in order, and survives a handler that throws. Real sockets on 127.x and ::1.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { NativeDatagramSocket, literalFamily, nativeSendCounters, openDatagramSocket } from '../../src/dataplane/datagram.ts';
import type { DatagramOptions, DatagramSocket } from '../../src/dataplane/datagram.ts';
import { UDP_IOS } from './helpers.ts';


interface Got {
  msg: Buffer;
  address: string;
  port: number;
}

async function open(io: 'native' | 'node', address: string, got: Got[] = [], errors: Error[] = [], port = 0): Promise<DatagramSocket> {
  const o: DatagramOptions = {
    io,
    family: literalFamily(address) === 6 ? 6 : 4,
    address,
    port,
    exclusive: true,
    recvBufferBytes: 1 << 20,
    onMessage: (msg, from, fromPort) => got.push({ msg, address: from, port: fromPort }),
    onError: (err) => errors.push(err),
  };
  return openDatagramSocket(o);
}

function peer(address: string): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket(literalFamily(address) === 6 ? 'udp6' : 'udp4');
    s.once('error', reject);
    s.bind(0, address, () => resolve(s));
  });
}

async function until(what: string, done: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !done(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(done(), `timed out waiting for ${what}`);
}

for (const { io, skip } of UDP_IOS) {
  describe(`DatagramSocket (${io})`, { skip }, () => {
    for (const address of ['127.0.54.10', '::1']) {
      it(`receives whole datagrams with their sender, and answers them (${address})`, async () => {
        const got: Got[] = [];
        const sock = await open(io, address, got);
        const client = await peer(address);
        const replies: Buffer[] = [];
        client.on('message', (m) => replies.push(m));
        try {
          const port = sock.localPort();
          assert.ok(port > 0);
          // A burst (a native read takes up to 32 at once), of several sizes: empty, small, past the byte-by-byte copy, the largest UDP allows.
          const sizes = [0, 1, 48, 255, 256, 257, 4096, ...Array.from({ length: 40 }, (_, i) => 20 + i), 65_000];
          const payloads = sizes.map((n, i) => Buffer.alloc(n, i + 1));
          for (const p of payloads) client.send(p, port, address);
          await until('every datagram', () => got.length === payloads.length);
          const from = client.address();
          got.forEach((g, i) => {
            assert.deepEqual(g.msg, payloads[i], `datagram ${i} (${sizes[i]} bytes)`);
            assert.equal(g.address, from.address);
            assert.equal(g.port, from.port);
          });
          // Each Buffer is the handler's own: a later read does not overwrite it.
          const first = Buffer.from(got[2]!.msg);
          client.send(Buffer.alloc(48, 0xee), port, address);
          await until('one more', () => got.length === payloads.length + 1);
          assert.deepEqual(got[2]!.msg, first);
          // Answer the sender, with and without a callback.
          const sent: (Error | null)[] = [];
          sock.send(Buffer.from('reply-1'), from.port, from.address, (err) => sent.push(err));
          sock.send(Buffer.from('reply-2'), from.port, from.address);
          await until('two replies', () => replies.length === 2);
          assert.deepEqual(replies.map((r) => r.toString()), ['reply-1', 'reply-2']);
          await until('the send callback', () => sent.length === 1);
          assert.equal(sent[0], null);
        } finally {
          client.close();
          await sock.close();
        }
      });
    }

    it('fails to bind with the codes dgram uses: address not on this host, port taken', async () => {
      await assert.rejects(open(io, '192.0.2.53'), (err: NodeJS.ErrnoException) => err.code === 'EADDRNOTAVAIL');
      const taken = await peer('127.0.54.11');
      try {
        await assert.rejects(open(io, '127.0.54.11', [], [], taken.address().port), (err: NodeJS.ErrnoException) => err.code === 'EADDRINUSE');
      } finally {
        taken.close();
      }
    });

    it('reports a failed send to its callback (without one, to no one); a closed socket receives nothing and says so on send', async () => {
      const got: Got[] = [];
      const errors: Error[] = [];
      const sock = await open(io, '127.0.54.12', got, errors);
      const target = await peer('127.0.54.13');
      const port = sock.localPort();
      try {
        const results: (Error | null)[] = [];
        sock.send(Buffer.alloc(70_000), target.address().port, '127.0.54.13', (err) => results.push(err));
        await until('the callback', () => results.length === 1);
        assert.equal((results[0] as NodeJS.ErrnoException).code, 'EMSGSIZE');
        // Without a callback a failed send is not reported (as with dgram), and the socket stays usable.
        sock.send(Buffer.alloc(70_000), target.address().port, '127.0.54.13');
        const arrived: string[] = [];
        target.on('message', (m) => arrived.push(m.toString()));
        sock.send(Buffer.from('still-works'), target.address().port, '127.0.54.13');
        await until('the next datagram', () => arrived.length === 1);
        assert.deepEqual(errors, []);
        await sock.close();
        await sock.close(); // idempotent
        // A datagram to the closed socket, then one to a live socket of the same kind: once the second has
        // arrived, the event loop has had its chance to deliver the first.
        const probeGot: Got[] = [];
        const probe = await open(io, '127.0.54.12', probeGot);
        try {
          target.send(Buffer.from('late'), port, '127.0.54.12');
          target.send(Buffer.from('probe'), probe.localPort(), '127.0.54.12');
          await until('the probe datagram', () => probeGot.length === 1);
        } finally {
          await probe.close();
        }
        assert.equal(got.length, 0, 'nothing is delivered after close');
        const after: (Error | null)[] = [];
        sock.send(Buffer.from('x'), target.address().port, '127.0.54.13', (err) => after.push(err));
        await until('the callback after close', () => after.length === 1);
        assert.ok(after[0] instanceof Error);
      } finally {
        target.close();
        await sock.close();
      }
    });
  });
}

describe('DatagramSocket (native only)', { skip: UDP_IOS[0]!.skip }, () => {
  it('keeps sends that had to wait for the socket in order, and later sends behind them', async () => {
    const sock = await open('native', '127.0.54.14');
    const target = await peer('127.0.54.15');
    const received: string[] = [];
    target.on('message', (m) => received.push(m.toString()));
    try {
      assert.ok(sock instanceof NativeDatagramSocket);
      const before = nativeSendCounters();
      sock.deferSends(3);
      const results: (Error | null)[] = [];
      for (let i = 0; i < 6; i++) sock.send(Buffer.from(`d${i}`), target.address().port, '127.0.54.15', (err) => results.push(err));
      // All six are accepted at once (three waited, the next three queued behind them to keep the order).
      assert.deepEqual(results, [null, null, null, null, null, null]);
      assert.deepEqual(sock.counters(), [6, 0, 6]);
      await until('six datagrams', () => received.length === 6);
      assert.deepEqual(received, ['d0', 'd1', 'd2', 'd3', 'd4', 'd5']);
      assert.deepEqual(sock.counters(), [6, 0, 0]);
      // Writable again: the next send goes straight out.
      sock.send(Buffer.from('d6'), target.address().port, '127.0.54.15');
      await until('the seventh', () => received.length === 7);
      assert.deepEqual(sock.counters(), [6, 0, 0]);
      assert.deepEqual(nativeSendCounters(), { waited: before.waited + 6, dropped: before.dropped }, 'the process totals (the /metrics counters)');
    } finally {
      target.close();
      await sock.close();
    }
  });

  it('lets sockets that ask for it share a port (SO_REUSEPORT), and still fails on a port another socket holds', async () => {
    const o = (port: number): DatagramOptions => ({
      io: 'native', family: 4, address: '127.0.54.19', port, exclusive: false, reusePort: true, recvBufferBytes: 0, onMessage: () => {}, onError: () => {},
    });
    const first = await openDatagramSocket(o(0));
    const port = first.localPort();
    const second = await openDatagramSocket(o(port));
    assert.equal(second.localPort(), port);
    const held = await peer('127.0.54.20');
    try {
      await assert.rejects(
        openDatagramSocket({ ...o(held.address().port), address: '127.0.54.20' }),
        (err: NodeJS.ErrnoException) => err.code === 'EADDRINUSE' && err.syscall === 'bind',
      );
      // Without asking for it, the port of the group is taken.
      await assert.rejects(openDatagramSocket({ ...o(port), reusePort: false }), (err: NodeJS.ErrnoException) => err.code === 'EADDRINUSE');
    } finally {
      held.close();
      await first.close();
      await second.close();
    }
  });

  it('refuses a send once 4 MiB wait (ENOBUFS), and counts it dropped', async () => {
    const sock = await open('native', '127.0.54.23');
    const target = await peer('127.0.54.24');
    let arrived = 0;
    target.on('message', () => arrived++);
    try {
      assert.ok(sock instanceof NativeDatagramSocket);
      sock.deferSends(1000);
      const results: (Error | null)[] = [];
      // 64 datagrams of 65,000 bytes fit under 4 MiB (4,160,000 bytes); the 65th does not.
      for (let i = 0; i < 65; i++) sock.send(Buffer.alloc(65_000, i), target.address().port, '127.0.54.24', (err) => results.push(err));
      assert.equal(results.filter((r) => r === null).length, 64);
      assert.equal((results[64] as NodeJS.ErrnoException | null)?.code, 'ENOBUFS');
      assert.deepEqual(sock.counters().slice(1), [1, 64]);
      sock.deferSends(0);
      // Written once the socket is writable (the receiver's buffer, not the sender, may then drop most of 4 MiB).
      await until('the queue to drain', () => sock.counters()[2] === 0);
      assert.deepEqual(sock.counters().slice(1), [1, 0]);
      await until('some of them to arrive', () => arrived > 0);
    } finally {
      target.close();
      await sock.close();
    }
  });

  it('drops what still waits to be sent when it closes, and counts it', async () => {
    const sock = await open('native', '127.0.54.16');
    assert.ok(sock instanceof NativeDatagramSocket);
    sock.deferSends(2);
    sock.send(Buffer.from('a'), 9, '127.0.54.17');
    sock.send(Buffer.from('b'), 9, '127.0.54.17');
    const counters = sock.counters();
    const before = nativeSendCounters();
    await sock.close();
    assert.deepEqual(counters, [2, 0, 2]);
    // Closed, its two waiting sends count as dropped in the process totals (the socket is no longer open).
    assert.deepEqual(nativeSendCounters(), { waited: before.waited, dropped: before.dropped + 2 });
  });

  it('delivers nothing more of a batch once a handler has closed the socket', async () => {
    const seen: string[] = [];
    let sock: DatagramSocket | null = null;
    sock = await openDatagramSocket({
      io: 'native', family: 4, address: '127.0.54.21', port: 0, exclusive: true, recvBufferBytes: 0, onError: () => {},
      onMessage: (msg) => {
        seen.push(msg.toString());
        void sock!.close();
      },
    });
    const client = await peer('127.0.54.21');
    try {
      // Sent back to back, so that one read finds several.
      const port = sock.localPort();
      for (const m of ['a', 'b', 'c', 'd', 'e']) client.send(m, port, '127.0.54.21');
      await until('the first datagram', () => seen.length > 0);
      // The rest of the batch would come in the same call or a later read; a datagram to a live socket sent
      // after them arriving shows the event loop has turned since.
      const probeGot: Got[] = [];
      const probe = await open('native', '127.0.54.21', probeGot);
      try {
        client.send('probe', probe.localPort(), '127.0.54.21');
        await until('the probe datagram', () => probeGot.some((g) => g.msg.toString() === 'probe'));
      } finally {
        await probe.close();
      }
      assert.deepEqual(seen, ['a']);
    } finally {
      client.close();
      await sock.close();
    }
  });

  it('closes its sockets when a worker thread that opened them is terminated (no crash after the addon is unloaded)', () => {
    // In a child process that never loads the addon on its main thread, so that the worker's environment
    // is the only user of the addon's code: its sockets must be closed before that code goes away.
    // The worker uses the addon directly (CommonJS, no TypeScript loader in worker threads).
    const addon = fileURLToPath(new URL('../../build/Release/vpcdns_udp.node', import.meta.url));
    const script = `
      const { Worker } = require('node:worker_threads');
      const code = \`
        const { parentPort } = require('node:worker_threads');
        const udp = require(${JSON.stringify(addon)});
        udp.init(Buffer.alloc(udp.BATCH * udp.SLOT), new Int32Array(udp.BATCH * udp.META_INTS));
        const socks = [];
        for (let i = 0; i < 4; i++) socks.push(udp.open(4, '127.0.54.22', 0, 0, () => {}, false));
        parentPort.postMessage('open');
      \`;
      (async () => {
        for (let round = 0; round < 5; round++) {
          const w = new Worker(code, { eval: true });
          await new Promise((resolve, reject) => { w.once('message', resolve); w.once('error', reject); });
          await w.terminate();
        }
        console.log('terminated 5 workers');
      })();
    `;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.signal, null, `the process died of ${r.signal}: ${r.stderr}`);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /terminated 5 workers/);
  });

  it('delivers the rest of a batch when a handler throws, and the error reaches the process as an uncaught exception', () => {
    // In a child process: the exception must reach process-level handling, which node:test would count as a failure here.
    const script = `
      import dgram from 'node:dgram';
      import { openDatagramSocket } from ${JSON.stringify(fileURLToPath(new URL('../../src/dataplane/datagram.ts', import.meta.url)))};
      const seen = [];
      const uncaught = [];
      process.on('uncaughtException', (err) => uncaught.push(err.message));
      const sock = await openDatagramSocket({ io: 'native', family: 4, address: '127.0.54.18', port: 0, exclusive: true, recvBufferBytes: 0,
        onMessage: (msg) => { seen.push(msg.toString()); if (msg.toString() === 'boom') throw new Error('handler failed'); },
        onError: () => {} });
      const client = dgram.createSocket('udp4');
      client.bind(0, '127.0.54.18', () => {
        for (const m of ['one', 'boom', 'three']) client.send(m, sock.localPort(), '127.0.54.18');
        setTimeout(() => {
          console.log(JSON.stringify({ seen, uncaught }));
          client.close();
          sock.close();
        }, 200);
      });
    `;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { seen: string[]; uncaught: string[] };
    assert.deepEqual(out.seen, ['one', 'boom', 'three']);
    assert.deepEqual(out.uncaught, ['handler failed']);
  });
});
