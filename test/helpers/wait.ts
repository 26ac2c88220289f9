// Waiting for state a test can only see by asking (an HTTP status, a file, a counter), with a deadline.

/** Resolves once `check` holds, asking again every `everyMs`; rejects naming `what` after `timeoutMs`. */
export async function until(what: string, check: () => boolean | Promise<boolean>, o: { timeoutMs?: number; everyMs?: number } = {}): Promise<void> {
  const deadline = Date.now() + (o.timeoutMs ?? 10_000);
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, o.everyMs ?? 20));
  }
}
