// @lmreg/common/testing: helpers for the tests of lmreg and of code built on it (no test framework
// imported: failures throw). Needs @tensorflow/tfjs-core, an optional peer of this package (the
// main entry never imports tfjs).
export { parseCsv } from './csv.js';
export type { TensorLeakCheck, TensorLeakOptions, TestHooks } from './tensor-leak.js';
export { expectNoTensorLeak, measureTensorLeak, startTensorLeakCheck, TensorLeakError, useTensorLeakCheck } from './tensor-leak.js';
