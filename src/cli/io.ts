// What CLI commands read and write: standard output and error, the environment, whether stderr is a terminal, time.
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  env: NodeJS.ProcessEnv;
  /** Progress indicators are drawn only on a terminal. */
  isTTY: boolean;
  /** The whole of standard input (configure --sk-stdin, --token-stdin). */
  readStdin(): Promise<string>;
  sleep(ms: number): Promise<void>;
  setExitCode(code: number): void;
  fetch?: typeof fetch;
}

export const processIo: CliIo = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  env: process.env,
  isTTY: process.stderr.isTTY === true,
  async readStdin() {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  setExitCode: (code) => {
    process.exitCode = code;
  },
};
