import { InvalidArgumentError, NotRegisteredError } from '@lmreg/common';
import { describe, expect, it } from 'vitest';

import { nb201NetworkBuilder } from './nb201-network.js';
import { getNetworkBuilder, listNetworkBuilders, registerNetworkBuilder } from './registry.js';

describe('network builder registry', () => {
  it('has nb201 built in and refuses unknown names', () => {
    expect(listNetworkBuilders()).toContain('nb201');
    expect(getNetworkBuilder('nb201')).toBe(nb201NetworkBuilder);
    expect(() => getNetworkBuilder('nb999')).toThrow(NotRegisteredError);
    expect(() => getNetworkBuilder('nb999')).toThrow(/nb201/);
  });

  it('registers new builders and refuses duplicates unless replace is set', () => {
    const fake = { ...nb201NetworkBuilder, space: 'toy' };
    registerNetworkBuilder('toy', fake);
    expect(getNetworkBuilder('toy')).toBe(fake);
    expect(() => registerNetworkBuilder('toy', fake)).toThrow(InvalidArgumentError);
    const other = { ...fake };
    registerNetworkBuilder('toy', other, { replace: true });
    expect(getNetworkBuilder('toy')).toBe(other);
    expect(() => registerNetworkBuilder('', fake)).toThrow(InvalidArgumentError);
  });
});
