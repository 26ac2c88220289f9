// After every answer: count it by rcode and write the VPC's query-log line.
import { performance } from 'node:perf_hooks';
import type { Clock } from '../../domain/clock.ts';
import type { ClientQuery } from '../client-query.ts';
import type { QueryLogWriter } from '../query-log.ts';
import { rcodeName, typeName, type DataPlaneStats } from '../stats.ts';
import type { UpstreamTarget } from '../types.ts';
import { rcodeOf } from '../wire.ts';

function upstreamText(answeredBy: UpstreamTarget | 'cache' | null): string | null {
  return answeredBy === null || answeredBy === 'cache' ? answeredBy : `${answeredBy.ip}:${answeredBy.port}`;
}

export class LogStep {
  readonly name = 'log';

  constructor(
    private readonly clock: Clock,
    private readonly queryLog: QueryLogWriter,
    private readonly stats: DataPlaneStats,
  ) {}

  /** Counts q's answer (which it must have) and logs it; returns the answer. */
  record(q: ClientQuery): Buffer {
    const reply = q.reply!;
    const rcode = q.rcode >= 0 ? q.rcode : rcodeOf(reply);
    q.counter.byRcode[rcode]!++;
    const destination = q.routing?.vpc.queryLog;
    if (destination !== undefined) {
      const client = q.client;
      this.queryLog.write(destination.file, {
        time: new Date(this.clock.now()).toISOString(),
        vpc_id: q.vpcId,
        client_ip: client.address,
        client_port: client.port,
        transport: client.transport,
        qname: q.query.qname,
        qtype: typeName(q.query.qtype),
        rcode: rcodeName(rcode),
        latency_ms: Math.round((performance.now() - q.started) * 1000) / 1000,
        rule_id: q.ruleId,
        upstream: upstreamText(q.answeredBy),
      });
      this.stats.queryLogDropped = this.queryLog.dropped;
    }
    return reply;
  }
}
