export { ensureGradients } from './tf/ensure-gradients.js';
