import { describe, expect, it } from 'vitest';

import { nativeSkipNotice } from './skip-notice.js';

describe('the notice when the native kernel tests are skipped', () => {
  it('says that they were skipped and how to run them, only when the addon is not built', () => {
    const notice = nativeSkipNotice(false, '/x/build/Release/lmreg_native.node');
    expect(notice).toMatch(/not built \(\/x\/build\/Release\/lmreg_native\.node\), so the native kernel tests were skipped/);
    expect(notice).toMatch(/bash \.ci\/native\.sh/);
    expect(nativeSkipNotice(true, 'any')).toBeUndefined();
  });
});
