// Table tests of isValidName: 1-64 letters, digits, '_', '-', '.' or CJK ideographs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isValidName } from './names.ts';

describe('isValidName', () => {
  const cases: Array<[unknown, boolean, string]> = [
    ['a', true, 'one letter'],
    ['7', true, 'one digit'],
    ['ep-01', true, 'letters, digits and a hyphen'],
    ['My_Endpoint.v2', true, 'mixed case, underscore and dot'],
    ['-', true, 'a lone hyphen'],
    ['...', true, 'dots only'],
    ['x'.repeat(64), true, '64 characters'],
    ['解析器', true, 'CJK ideographs'],
    ['dns-解析-01', true, 'CJK mixed with ASCII'],
    ['㐀', true, 'a CJK extension A ideograph'],
    ['中'.repeat(64), true, '64 CJK characters'],
    ['', false, 'the empty string'],
    ['x'.repeat(65), false, '65 characters'],
    ['中'.repeat(65), false, '65 CJK characters'],
    ['bad name', false, 'an inner space'],
    [' lead', false, 'a leading space'],
    ['trail ', false, 'a trailing space'],
    ['tab\there', false, 'a tab'],
    ['line\n', false, 'a trailing newline'],
    ['emoji-😀', false, 'an emoji'],
    ['😀', false, 'an emoji alone'],
    ['a/b', false, 'a slash'],
    ['a@b', false, 'an at sign'],
    ['a+b', false, 'a plus'],
    ['a:b', false, 'a colon'],
    ['名前（テスト）', false, 'full-width parentheses and kana'],
    ['テスト', false, 'katakana'],
    ['café', false, 'an accented Latin letter'],
    ['ａｂｃ', false, 'full-width Latin letters'],
    ['a\u0000b', false, 'a NUL character'],
    [42, false, 'a number'],
    [null, false, 'null'],
    [undefined, false, 'undefined'],
    [['ep'], false, 'an array'],
  ];
  for (const [input, expected, title] of cases) {
    it(`${expected ? 'accepts' : 'rejects'} ${title}`, () => assert.equal(isValidName(input), expected, JSON.stringify(input)));
  }
});
