import '@tensorflow/tfjs-backend-cpu';

import { describe, it } from 'vitest';

import { expectSameAsBeforeRefactor } from '../testing/behaviour-kept.js';

describe('the search after the method moved into the library (fixtures/README.md)', () => {
  it('gives the recorded pre-refactor result of fixtures/pre-refactor-spos, bit for bit on the cpu backend', async () => {
    await expectSameAsBeforeRefactor('spos');
  }, 1_200_000);
});
