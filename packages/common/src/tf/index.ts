// @lmreg/common/tf: the one helper that needs @tensorflow/tfjs-core (an optional peer of this
// package: the main entry never imports tfjs, so @lmreg/spaces and @lmreg/metrics work without it).
export { ensureGradients } from './ensure-gradients.js';
