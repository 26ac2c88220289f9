// Operations on one key (an address) run one after another; different keys do not wait for each other.

export class KeyedQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Runs op after every earlier op of key has settled (whether it failed or not). */
  run(key: string, op: () => Promise<void>): Promise<void> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const run = prev.then(op, op);
    const tail = run.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return run;
  }
}
