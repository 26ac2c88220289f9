// The client commands of `vpcdns` (configure, endpoint, vpc, subnet, rule), and usage errors mapped to exit code 2.
import type { Command } from 'commander';
import { configureCommand } from './configure.ts';
import { endpointCommand } from './endpoint.ts';
import { EXIT_USAGE } from './errors.ts';
import { processIo, type CliIo } from './io.ts';
import { subnetCommand, vpcCommand } from './network.ts';
import { ruleCommand } from './rule.ts';

export function clientCommands(io: CliIo = processIo): Command[] {
  return [configureCommand(io), endpointCommand(io), vpcCommand(io), subnetCommand(io), ruleCommand(io)];
}

/**
 * Commander exits 1 on a usage error (unknown option, missing argument); scripts are promised 2 for those, and 1 only
 * for API errors. Help and --version still exit 0. Applies to the whole tree below `program`.
 */
export function usageExitCodes(program: Command, exit: (code: number) => never = process.exit): void {
  program.exitOverride((e) => exit(e.exitCode === 0 ? 0 : EXIT_USAGE));
  for (const sub of program.commands) usageExitCodes(sub, exit);
}
