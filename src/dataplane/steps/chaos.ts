// Answer step: CHAOS-class queries are answered here, never forwarded: version.bind/version.server and hostname.bind/id.server as configured, else REFUSED.
import type { ClientQuery } from '../client-query.ts';
import type { LocalRecords } from '../wire-edit.ts';
import { RCODE } from '../wire.ts';
import { ANSWERED, NEXT, type AnswerStep, type StepOutcome } from './step.ts';

const CLASS_CH = 3;
const TYPE_TXT = 16;
const TYPE_ANY = 255;

/** What vpcdns tells about itself over CHAOS; a name left out is REFUSED (the default: tell nothing). */
export interface ChaosIdentity {
  /** For hostname.bind and id.server (RFC 4892): the node's name. */
  readonly identity?: string;
  /** For version.bind and version.server. */
  readonly version?: string;
}

/** A TXT record in class CH, TTL 0, owned by the question's name (a pointer to offset 12). */
function txtRecord(text: string): LocalRecords {
  const data = Buffer.from(text, 'utf8');
  if (data.length > 255) throw new Error('a CHAOS TXT answer is at most 255 bytes');
  const rr = Buffer.alloc(2 + 10 + 1 + data.length);
  rr.writeUInt16BE(0xc00c, 0);
  rr.writeUInt16BE(TYPE_TXT, 2);
  rr.writeUInt16BE(CLASS_CH, 4);
  rr.writeUInt32BE(0, 6);
  rr.writeUInt16BE(1 + data.length, 10);
  rr[12] = data.length;
  data.copy(rr, 13);
  return { authoritative: true, answers: rr, answerCount: 1, last: null };
}

const NO_DATA: LocalRecords = { authoritative: true, answers: null, answerCount: 0, last: null };

export class ChaosStep implements AnswerStep {
  readonly name = 'chaos';
  /** The answer for each name vpcdns answers, built once. */
  private readonly answers = new Map<string, LocalRecords>();

  constructor(identity: ChaosIdentity) {
    if (identity.identity !== undefined) {
      const rr = txtRecord(identity.identity);
      this.answers.set('hostname.bind', rr).set('id.server', rr);
    }
    if (identity.version !== undefined) {
      const rr = txtRecord(identity.version);
      this.answers.set('version.bind', rr).set('version.server', rr);
    }
  }

  run(q: ClientQuery): StepOutcome {
    const query = q.query;
    if (query.qclass !== CLASS_CH) return NEXT;
    const records = this.answers.get(query.qname);
    if (records === undefined) q.answerHere(RCODE.REFUSED);
    else q.answerHere(RCODE.NOERROR, query.qtype === TYPE_TXT || query.qtype === TYPE_ANY ? records : NO_DATA);
    return ANSWERED;
  }
}
