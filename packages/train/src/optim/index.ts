export { clipGradNorm } from './clip.js';
export type { CosineScheduleOptions } from './schedule.js';
export { cosineLr } from './schedule.js';
export type { SgdOptions, SgdState } from './sgd.js';
export { createSgd, SgdOptimizer } from './sgd.js';
