import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';

import { InvalidArgumentError } from '../errors/lmreg-error.js';
import { findDangerousKeys, rejectDangerousKeys } from './dangerous-keys.js';

describe('rejectDangerousKeys', () => {
  it('finds __proto__ that JSON.parse keeps as an own key, at any depth, and names the source', () => {
    const parsed: unknown = JSON.parse('{"epochs": 2, "__proto__": {"epochs": 9}, "landmarks": [{"constructor": 1}]}');
    expect(findDangerousKeys(parsed)).toEqual(['__proto__', 'landmarks[0].constructor']);
    expect(() => rejectDangerousKeys(parsed, 'config.json')).toThrow(InvalidArgumentError);
    expect(() => rejectDangerousKeys(parsed, 'config.json')).toThrow(/config\.json.*'__proto__', 'landmarks\[0\]\.constructor'.*Remove them/);
  });

  test.prop([fc.jsonValue()])('accepts every JSON value without those keys and returns it unchanged', (v) => {
    const clean = JSON.parse(JSON.stringify(v, (k, x: unknown) => (['__proto__', 'constructor', 'prototype'].includes(k) ? undefined : x))) as unknown;
    expect(rejectDangerousKeys(clean, 'x')).toBe(clean);
  });

  test.prop([fc.jsonValue(), fc.constantFrom('__proto__', 'constructor', 'prototype')])('always reports an injected key', (v, key) => {
    const parsed: unknown = JSON.parse(`{"a": [${JSON.stringify(v)}, {"${key}": 1}]}`);
    expect(findDangerousKeys(parsed)).toContain(`a[1].${key}`);
  });
});
