import { InvalidArgumentError, NotRegisteredError } from '@lmreg/common';
import { describe, expect, it } from 'vitest';

import { nb201NetworkBuilder } from './nb201-network.js';
import { getNetworkBuilder, listNetworkBuilders, registerNetworkBuilder } from './registry.js';

describe('network builder registry', () => {
  it('has nb201 built in and refuses unknown names', () => {
    expect(listNetworkBuilders()).toContain('nb201');
    const nb201 = getNetworkBuilder('nb201');
    expect(nb201.createSupernet).toBe(nb201NetworkBuilder.createSupernet);
    expect(nb201.createNetwork).toBe(nb201NetworkBuilder.createNetwork);
    // The built-in NB201 builder has the weighted forward GDAS needs; the others do not.
    expect(typeof nb201.weightedForward).toBe('function');
    expect(getNetworkBuilder('nb101').weightedForward).toBeUndefined();
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
