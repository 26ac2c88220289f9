// Plumbing shared by the client commands: common options, the context an action gets, errors mapped to exit codes.
import { Option, type Command } from 'commander';
import { ApiClient } from './client.ts';
import { ApiError, CommandFailed, UsageError, describeFailure } from './errors.ts';
import type { CliIo } from './io.ts';
import { Printer, type OutputFormat } from './output.ts';
import { profilePath, readProfiles, resolveSettings } from './profile.ts';
import { waitFor, type StatusProbe } from './wait.ts';

export type Opts = Record<string, unknown>;

export interface Ctx {
  io: CliIo;
  client: ApiClient;
  print: Printer;
  opts: Opts;
  /** With --wait: follows the resource and fails (exit 1) if it ends in ERROR; without: does nothing. */
  follow(label: string, probe: StatusProbe, until?: 'settled' | 'gone'): Promise<void>;
}

/** Adds --output and --profile to a leaf command. */
export function common(cmd: Command): Command {
  return cmd
    .addOption(new Option('-o, --output <format>', 'table for people, json for scripts').choices(['table', 'json']).default('table'))
    .option('--profile <name>', 'profile in the profile file (VPCDNS_PROFILE also works)', undefined);
}

/** Adds --wait and --wait-timeout to a command that changes a resource. */
export function waitable(cmd: Command): Command {
  return cmd.option('--wait', 'follow the resource until it is ACTIVE or ERROR (or gone after a delete)').option('--wait-timeout <seconds>', 'give up waiting after this long', '300');
}

export function makeContext(io: CliIo, opts: Opts): Ctx {
  const name = (opts.profile as string | undefined) ?? io.env.VPCDNS_PROFILE ?? 'default';
  const file = readProfiles(profilePath(io.env));
  const profile = file.profiles[name];
  if (!profile && (opts.profile || io.env.VPCDNS_PROFILE)) throw new UsageError(`no profile ${JSON.stringify(name)} in ${profilePath(io.env)}`);
  const client = new ApiClient(resolveSettings(io.env, profile ?? {}), io.fetch);
  const timeoutSeconds = Number(opts.waitTimeout ?? 300);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) throw new UsageError('--wait-timeout must be a positive number of seconds');
  return {
    io,
    client,
    print: new Printer(io, (opts.output as OutputFormat | undefined) ?? 'table'),
    opts,
    async follow(label, probe, until = 'settled') {
      if (!opts.wait) return;
      const status = await waitFor(io, probe, { label, until, timeoutMs: timeoutSeconds * 1000 });
      if (status === 'ERROR') throw new CommandFailed(`${label} ended in ERROR`);
    },
  };
}

/** A 404 while following a resource means it is gone. */
export async function statusOrGone(read: () => Promise<string>): Promise<string | null> {
  try {
    return await read();
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return null;
    throw e;
  }
}

/** Wraps an action: builds the context, prints a failure as one line on stderr and sets the exit code (1 API, 2 usage). */
export function action(io: CliIo, run: (ctx: Ctx, args: string[]) => Promise<void>): (...params: unknown[]) => Promise<void> {
  return async (...params) => {
    const cmd = params[params.length - 1] as Command;
    try {
      await run(makeContext(io, cmd.optsWithGlobals()), cmd.args);
    } catch (e) {
      const { line, exitCode } = describeFailure(e);
      io.err(`${line}\n`);
      io.setExitCode(exitCode);
    }
  };
}
