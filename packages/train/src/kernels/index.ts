export { isTrainingKernelRegistered, registerTrainingKernels, TRAINING_KERNELS, unregisterTrainingKernels } from './register.js';
export type { TrainingKernelBackend } from './register.js';
