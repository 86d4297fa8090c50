import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';

import { InvalidArgumentError } from '../errors/lmreg-error.js';
import { decodeBase64 } from './base64.js';

describe('decodeBase64', () => {
  test.prop([fc.uint8Array({ maxLength: 200 })])('inverts Buffer base64', (bytes) => {
    expect(decodeBase64(Buffer.from(bytes).toString('base64'))).toEqual(new Uint8Array(bytes));
  });
  it('refuses characters outside the alphabet, naming the position', () => {
    expect(() => decodeBase64('ab$d')).toThrow(InvalidArgumentError);
    expect(() => decodeBase64('ab$d')).toThrow(/invalid base64 character at 2/);
  });
});
