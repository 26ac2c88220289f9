// Unit tests of the send queue: datagrams wait for the end of the event-loop turn, go out in order,
// flush() sends at once, and a failed send reaches its callback (also when it queues another send).
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { openDatagramSocket } from './datagram.ts';
import { SendQueue } from './send-queue.ts';

const IP = '127.0.53.181';

function bound(): Promise<dgram.Socket> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    s.bind(0, IP, () => resolve(s));
  });
}

describe('SendQueue', () => {
  let sender: dgram.Socket;
  let receiver: dgram.Socket;
  let port: number;
  const received: string[] = [];

  before(async () => {
    sender = await bound();
    receiver = await bound();
    port = receiver.address().port;
    receiver.on('message', (msg) => received.push(msg.toString()));
  });
  after(() => {
    sender.close();
    receiver.close();
  });

  async function settle(count: number): Promise<void> {
    for (let i = 0; i < 100 && received.length < count; i++) await new Promise((r) => setTimeout(r, 5));
  }

  it('sends nothing until the current turn of the event loop ends, then everything in order', async () => {
    received.length = 0;
    const q = new SendQueue();
    const calls: string[] = [];
    const counting = { send: (buf: Buffer, p: number, a: string) => (calls.push(buf.toString()), sender.send(buf, p, a)) } as unknown as dgram.Socket;
    for (let i = 0; i < 5; i++) q.send(counting, Buffer.from(`m${i}`), port, IP);
    assert.deepEqual(calls, []);
    await Promise.resolve(); // microtasks run between two datagrams' handlers: still queued
    await new Promise((r) => process.nextTick(r));
    assert.deepEqual(calls, []);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(calls, ['m0', 'm1', 'm2', 'm3', 'm4']);
    assert.equal(q.peak, 5, 'the largest burst is kept for the metric');
    await settle(5);
    assert.deepEqual(received, ['m0', 'm1', 'm2', 'm3', 'm4']);
  });

  it('flush() sends at once (what a listener does before it closes its socket)', async () => {
    received.length = 0;
    const q = new SendQueue();
    q.send(sender, Buffer.from('last'), port, IP);
    q.flush();
    await settle(1);
    assert.deepEqual(received, ['last']);
    q.flush(); // the scheduled flush finds nothing left
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(received, ['last']);
  });

  it('reports a send on a closed socket to its callback, and sends what that callback queues', async () => {
    received.length = 0;
    const q = new SendQueue();
    // A DatagramSocket closed while the datagram waited (it reports the failed send to the callback; dgram would throw).
    const closed = await openDatagramSocket({ io: 'node', family: 4, address: IP, port: 0, exclusive: true, recvBufferBytes: 0, onMessage: () => {}, onError: () => {} });
    await closed.close();
    const errors: string[] = [];
    q.send(closed, Buffer.from('lost'), port, IP, (err) => {
      errors.push(err?.message ?? 'none');
      // A forwarder fails over to its next target from this callback.
      q.send(sender, Buffer.from('retry'), port, IP);
    });
    q.send(sender, Buffer.from('after'), port, IP);
    await settle(2);
    assert.equal(errors.length, 1);
    assert.match(errors[0]!, /not running/i);
    assert.deepEqual(received.sort(), ['after', 'retry']);
  });
});
