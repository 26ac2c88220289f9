// Table tests of record set names and values (record-values.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { recordSetName, recordValueError, recordsError, soaMailbox, type RecordType } from './record-values.ts';

describe('recordValueError', () => {
  const good: Array<[RecordType, string]> = [
    ['A', '10.0.1.15'],
    ['AAAA', 'fd00::15'],
    ['CNAME', 'server1.corp.internal'],
    ['CNAME', 'server1.corp.internal.'],
    ['MX', '10 mail.corp.internal.'],
    ['TXT', '"v=spf1 -all"'],
    ['TXT', '"a" "b c"'],
    ['SRV', '10 60 5060 sip.corp.internal.'],
    ['PTR', 'web01.corp.internal.'],
    ['CAA', '0 issue "ca.example.net"'],
  ];
  for (const [t, v] of good) it(`accepts ${t} ${v}`, () => assert.equal(recordValueError(t, v), null));
  const bad: Array<[RecordType, string]> = [
    ['A', '10.0.1.256'],
    ['A', 'fd00::1'],
    ['AAAA', '10.0.0.1'],
    ['CNAME', 'a..b'],
    ['CNAME', '-a.b'],
    ['MX', 'mail.corp.internal.'],
    ['MX', '70000 mail.corp.internal.'],
    ['TXT', 'unquoted'],
    ['TXT', `"${'x'.repeat(256)}"`],
    ['TXT', '""x'],
    ['SRV', '10 60 sip.corp.internal.'],
    ['SRV', '10 60 70000 sip.corp.internal.'],
    ['PTR', '1.2.3.4 x'],
    ['CAA', '0 bogus "x"'],
  ];
  for (const [t, v] of bad) it(`refuses ${t} ${v.slice(0, 20)}`, () => assert.notEqual(recordValueError(t, v), null));
});

describe('recordsError', () => {
  it('refuses none, 51, two CNAMEs and repeats, naming the entry', () => {
    assert.equal(recordsError('A', [])?.field, 'records');
    assert.equal(recordsError('A', Array.from({ length: 51 }, (_, i) => `10.0.0.${i}`))?.field, 'records');
    assert.equal(recordsError('CNAME', ['a.b.', 'c.d.'])?.field, 'records');
    assert.equal(recordsError('A', ['10.0.0.1', '10.0.0.1'])?.field, 'records[1]');
    assert.equal(recordsError('A', ['10.0.0.1', 'x'])?.field, 'records[1]');
    assert.equal(recordsError('A', ['10.0.0.1', '10.0.0.2']), null);
  });
});

describe('recordSetName', () => {
  const zone = 'corp.internal.';
  it('normalises case and the trailing dot; allows the apex and a leading wildcard', () => {
    assert.deepEqual(recordSetName('WWW.Corp.Internal', zone, 'A'), { name: 'www.corp.internal.' });
    assert.deepEqual(recordSetName('corp.internal.', zone, 'A'), { name: 'corp.internal.' });
    assert.deepEqual(recordSetName('*.corp.internal', zone, 'A'), { name: '*.corp.internal.' });
    assert.deepEqual(recordSetName('_sip._tcp.corp.internal', zone, 'SRV'), { name: '_sip._tcp.corp.internal.' });
  });
  it('refuses names outside the zone, inner wildcards and bad labels', () => {
    for (const n of ['www.example.com', 'xcorp.internal', 'a.*.corp.internal', 'a..corp.internal', `${'a'.repeat(64)}.corp.internal`]) {
      assert.ok('error' in recordSetName(n, zone, 'A'), n);
    }
  });
});

describe('soaMailbox', () => {
  it('escapes the dots of the local part', () => assert.equal(soaMailbox('test.hostmaster@example.com'), 'test\\.hostmaster.example.com.'));
});
