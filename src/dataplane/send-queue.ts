// Outgoing UDP datagrams, sent back to back once the event loop has handled the ones that arrived together
// (setImmediate runs after the poll phase). Why: a burst wakes its receiver once, not once per datagram
// (docs/dataplane.md, "Sending in bursts").
import type { SendCallback } from './datagram.ts';

/**
 * What the queue sends through: a DatagramSocket (or, in tests, a dgram socket). send must not throw: it
 * reports a failure to the callback (DatagramSocket's contract), which is how a closed socket is learnt.
 */
export interface DatagramSender {
  send(buffer: Buffer, port: number, address: string, callback?: SendCallback): void;
}

export class SendQueue {
  // Parallel arrays, reused from burst to burst: no object per datagram. Their length only grows (to the
  // largest burst so far): emptying an array frees its storage, and each burst would grow it again.
  private count = 0;
  private readonly sockets: (DatagramSender | undefined)[] = [];
  private readonly buffers: (Buffer | undefined)[] = [];
  private readonly ports: number[] = [];
  private readonly addresses: string[] = [];
  private readonly callbacks: (SendCallback | undefined)[] = [];
  private scheduled = false;
  /** The largest burst so far: what one event-loop turn queued (its bound: docs/dataplane.md, "Buffers and queues"). */
  peak = 0;
  private readonly flushSoon = (): void => this.flush();

  /**
   * Queues one datagram. callback (optional) hears of a send error, as dgram's would; without it a
   * failed send is not reported (as with dgram).
   */
  send(socket: DatagramSender, buffer: Buffer, port: number, address: string, callback?: SendCallback): void {
    const i = this.count++;
    this.sockets[i] = socket;
    this.buffers[i] = buffer;
    this.ports[i] = port;
    this.addresses[i] = address;
    this.callbacks[i] = callback;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushSoon);
    }
  }

  /** Sends everything queued now (also called before a socket closes, so that nothing queued is lost). */
  flush(): void {
    this.scheduled = false;
    // Re-read the count: a callback told of a failed send may queue the next attempt during the loop.
    for (let i = 0; i < this.count; i++) {
      const socket = this.sockets[i]!;
      const buffer = this.buffers[i]!;
      const callback = this.callbacks[i];
      // Let go of what was sent (the slots stay, for the next burst).
      this.sockets[i] = undefined;
      this.buffers[i] = undefined;
      this.callbacks[i] = undefined;
      if (callback === undefined) socket.send(buffer, this.ports[i]!, this.addresses[i]!);
      else socket.send(buffer, this.ports[i]!, this.addresses[i]!, callback);
    }
    if (this.count > this.peak) this.peak = this.count;
    this.count = 0;
  }
}
