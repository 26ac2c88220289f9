// The CLI's failures and their exit codes: 1 for an API error (or an unreachable API), 2 for a usage error.
export const EXIT_API = 1;
export const EXIT_USAGE = 2;

/** The command line itself is wrong: a bad flag value, a missing setting. */
export class UsageError extends Error {
  readonly exitCode = EXIT_USAGE;
}

/** The API answered with an error body (code, message) or a status outside 2xx. */
export class ApiError extends Error {
  readonly exitCode = EXIT_API;
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId: string | null,
  ) {
    super(message);
  }
}

/** Anything else that makes a command fail after it started: the API unreachable, a resource that ended in ERROR, a timeout. */
export class CommandFailed extends Error {
  readonly exitCode = EXIT_API;
}

/** The line printed on standard error, and the exit code. */
export function describeFailure(e: unknown): { line: string; exitCode: number } {
  if (e instanceof ApiError) {
    return { line: `error: ${e.code}: ${e.message}${e.requestId ? ` (HTTP ${e.status}, request ${e.requestId})` : ` (HTTP ${e.status})`}`, exitCode: EXIT_API };
  }
  if (e instanceof UsageError) return { line: `error: ${e.message}`, exitCode: EXIT_USAGE };
  if (e instanceof CommandFailed) return { line: `error: ${e.message}`, exitCode: EXIT_API };
  return { line: `error: ${(e as Error).message ?? String(e)}`, exitCode: EXIT_API };
}
