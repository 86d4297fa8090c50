// @lmreg/train/testing: helpers for tests of code built on @lmreg/train (no test framework imported).
export { TINY_GROUND_TRUTH, writeSyntheticTable } from './ground-truth.js';
