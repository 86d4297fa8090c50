// @lmreg/core/testing: the tensor-leak helpers, kept here for code that imported them from core.
// They live in @lmreg/common/testing (the lowest layer that touches tensors); import them there.
export type { TensorLeakCheck, TensorLeakOptions, TestHooks } from '@lmreg/common/testing';
export { expectNoTensorLeak, measureTensorLeak, startTensorLeakCheck, TensorLeakError, useTensorLeakCheck } from '@lmreg/common/testing';
