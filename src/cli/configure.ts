// `vpcdns configure`: stores the API URL, project, region and credentials in a profile (file mode 0600).
import { Command } from 'commander';
import { UsageError, describeFailure } from './errors.ts';
import type { CliIo } from './io.ts';
import { renderFields } from './output.ts';
import { maskedProfile, profilePath, readProfiles, writeProfiles, type Profile } from './profile.ts';

const KEYS: [option: string, key: keyof Profile][] = [
  ['url', 'url'],
  ['projectId', 'project_id'],
  ['region', 'region'],
  ['ak', 'ak'],
  ['sk', 'sk'],
  ['token', 'token'],
];

export function configureCommand(io: CliIo): Command {
  return new Command('configure')
    .description('store the API URL and credentials in a profile (only what is given changes; secrets are best given on stdin)')
    .option('--profile <name>', 'profile to write', 'default')
    .option('--url <url>', 'the API, e.g. http://127.0.0.1:8053')
    .option('--project-id <id>', 'the project (32 hex); default: the one the credentials belong to')
    .option('--region <region>', 'the region for endpoints and rules (default ap-southeast-1)')
    .option('--ak <access_key>', 'access key, to sign requests (SDK-HMAC-SHA256)')
    .option('--sk <secret_key>', 'secret key (visible in the process list: prefer --sk-stdin)')
    .option('--sk-stdin', 'read the secret key from standard input')
    .option('--token <token>', 'a token for X-Auth-Token (prefer --token-stdin)')
    .option('--token-stdin', 'read the token from standard input')
    .option('--show', 'only print the stored profile (secrets masked)')
    .action(async (opts: Record<string, string | boolean | undefined>) => {
      try {
        const path = profilePath(io.env);
        const file = readProfiles(path);
        const name = String(opts.profile);
        if (opts.show) {
          const p = file.profiles[name];
          if (!p) throw new UsageError(`no profile ${JSON.stringify(name)} in ${path}`);
          io.out(renderFields(Object.entries(maskedProfile(p))));
          return;
        }
        if (opts.skStdin && opts.tokenStdin) throw new UsageError('--sk-stdin and --token-stdin cannot both read standard input');
        const given: Record<string, string | boolean | undefined> = { ...opts };
        if (opts.skStdin) given.sk = (await io.readStdin()).trim();
        if (opts.tokenStdin) given.token = (await io.readStdin()).trim();
        if (given.url && !/^https?:\/\/[^/]+/.test(String(given.url))) throw new UsageError(`--url must be http(s)://host[:port], got ${JSON.stringify(given.url)}`);
        const profile: Profile = { ...file.profiles[name] };
        for (const [option, key] of KEYS) {
          const value = given[option];
          if (typeof value === 'string') profile[key] = value;
        }
        if (profile.ak && !profile.sk) throw new UsageError('an access key needs its secret key: add --sk-stdin');
        file.profiles[name] = profile;
        writeProfiles(path, file);
        io.out(`saved profile ${name} in ${path} (mode 0600)\n`);
        io.out(renderFields(Object.entries(maskedProfile(profile))));
      } catch (e) {
        const { line, exitCode } = describeFailure(e);
        io.err(`${line}\n`);
        io.setExitCode(exitCode);
      }
    });
}
