import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's Node entry (tf-core.node.js) registers no gradient functions; only the union package
// `@tensorflow/tfjs` does. This file is bundled into our dist (see tsup.config.ts `noExternal`) so
// that autodiff works with tfjs-core alone. Registrations go to tfjs's global registry, so they
// serve the application's copy of tfjs-core.
import '@tensorflow/tfjs-core/dist/register_all_gradients';

/**
 * Makes sure tfjs's gradient functions are registered (tfjs-core's Node build registers none).
 * Idempotent and cheap; call it before `tf.grad` / `optimizer.minimize`.
 *
 * @returns true when gradients are available.
 */
export function ensureGradients(): boolean {
  return tf.getGradient('RealDiv') !== undefined && tf.getGradient('Conv2D') !== undefined;
}
