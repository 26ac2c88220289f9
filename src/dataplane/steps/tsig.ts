// Answer step: a TSIG-signed query gets NOTAUTH with an unsigned TSIG of error BADKEY: vpcdns holds no keys (RFC 8945 5.2).
import type { ClientQuery } from '../client-query.ts';
import { RCODE, TYPE_TSIG, skipName } from '../wire.ts';
import { ANSWERED, NEXT, type AnswerStep, type StepOutcome } from './step.ts';

const CLASS_ANY = 255;
const TSIG_BADKEY = 17;

export class TsigStep implements AnswerStep {
  readonly name = 'tsig';

  run(q: ClientQuery): StepOutcome {
    if (q.query.tsigStart < 0) return NEXT;
    const tsig = badKeyTsig(q.message, q.query.tsigStart);
    if (tsig === null) q.answerHere(RCODE.FORMERR);
    else q.answerHere(RCODE.NOTAUTH, { authoritative: false, answers: null, answerCount: 0, last: tsig });
    return ANSWERED;
  }
}

/**
 * The TSIG record of a BADKEY answer to the query's TSIG at start (RFC 8945 5.3.2): the same key name
 * (a pointer in it can only point into the question, which the answer echoes at the same offset),
 * algorithm, time signed, fudge and original id; no MAC; error BADKEY; no other data. null when the
 * query's TSIG is malformed.
 */
function badKeyTsig(msg: Buffer, start: number): Buffer | null {
  const afterOwner = skipName(msg, start);
  if (afterOwner < 0 || afterOwner + 10 > msg.length || msg.readUInt16BE(afterOwner) !== TYPE_TSIG) return null;
  const rdStart = afterOwner + 10;
  const rdEnd = rdStart + msg.readUInt16BE(afterOwner + 8);
  const afterAlgorithm = skipName(msg, rdStart);
  // time signed (6), fudge (2), MAC size (2), MAC, original id (2), error (2), other length (2), other data
  if (afterAlgorithm < 0 || afterAlgorithm + 10 > rdEnd || rdEnd > msg.length) return null;
  const macSize = msg.readUInt16BE(afterAlgorithm + 8);
  const afterMac = afterAlgorithm + 10 + macSize;
  if (afterMac + 6 > rdEnd) return null;
  const ownerLength = afterOwner - start;
  const algorithmLength = afterAlgorithm - rdStart;
  const rdLength = algorithmLength + 6 + 2 + 2 + 2 + 2 + 2;
  const out = Buffer.alloc(ownerLength + 10 + rdLength);
  msg.copy(out, 0, start, afterOwner);
  let pos = ownerLength;
  out.writeUInt16BE(TYPE_TSIG, pos);
  out.writeUInt16BE(CLASS_ANY, pos + 2);
  out.writeUInt32BE(0, pos + 4);
  out.writeUInt16BE(rdLength, pos + 8);
  pos += 10;
  pos += msg.copy(out, pos, rdStart, afterAlgorithm + 8); // algorithm, time signed, fudge
  out.writeUInt16BE(0, pos); // MAC size: the answer is unsigned
  out.writeUInt16BE(msg.readUInt16BE(afterMac), pos + 2); // original id
  out.writeUInt16BE(TSIG_BADKEY, pos + 4);
  out.writeUInt16BE(0, pos + 6);
  return out;
}
