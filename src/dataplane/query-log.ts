// Query logs: one JSON line per answered query, appended through a buffered async stream per file, never blocking answers.
import { createWriteStream } from 'node:fs';
import type { WriteStream } from 'node:fs';
import type { Logger } from 'pino';

export interface QueryLogLine {
  readonly time: string; // ISO 8601
  readonly vpc_id: string;
  readonly client_ip: string;
  readonly client_port: number;
  readonly transport: 'udp' | 'tcp';
  readonly qname: string;
  readonly qtype: string;
  readonly rcode: string;
  readonly latency_ms: number;
  readonly rule_id: string | null;
  /** "ip:port" of the target that answered, "cache", or null when answered here (REFUSED, SERVFAIL, ...). */
  readonly upstream: string | null;
}

interface LogFile {
  stream: WriteStream;
  failed: boolean;
}

export class QueryLogWriter {
  private readonly files = new Map<string, LogFile>();
  /** Lines not written: the file's buffer was over maxBufferBytes, or the file failed. */
  dropped = 0;

  constructor(
    private readonly maxBufferBytes: number,
    private readonly log?: Logger,
  ) {}

  write(file: string, line: QueryLogLine): void {
    let f = this.files.get(file);
    if (f === undefined) f = this.open(file);
    if (f.failed || f.stream.writableLength > this.maxBufferBytes) {
      this.dropped++;
      return;
    }
    f.stream.write(JSON.stringify(line) + '\n');
  }

  private open(file: string): LogFile {
    const f: LogFile = { stream: createWriteStream(file, { flags: 'a' }), failed: false };
    f.stream.on('error', (err) => {
      if (!f.failed) this.log?.error({ file, err: err.message }, 'query log file failed; lines for it are dropped until the next setVpcs');
      f.failed = true;
    });
    this.files.set(file, f);
    return f;
  }

  /** Closes files no VPC logs to any more; a failed file is closed too, so it is reopened on its next line. */
  retain(files: ReadonlySet<string>): Promise<void> {
    const closing: Promise<void>[] = [];
    for (const [file, f] of this.files) {
      if (files.has(file) && !f.failed) continue;
      this.files.delete(file);
      closing.push(endStream(f.stream));
    }
    return Promise.all(closing).then(() => undefined);
  }

  /** Flushes and closes every file. */
  close(): Promise<void> {
    return this.retain(new Set());
  }
}

function endStream(stream: WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || stream.writableFinished) {
      resolve();
      return;
    }
    stream.once('error', () => resolve());
    stream.end(() => resolve());
  });
}
