import { z } from 'zod';

const positiveInt = z.number().int().positive();
const nonNegative = z.number().nonnegative();

/**
 * The stand-alone training recipe (ground truth of landmarks and held-out architectures, rows of a
 * ground-truth table) as a zod schema: SGD with momentum and weight decay, cosine learning rate
 * from `lr` to `lrMin`, global gradient-norm clip.
 */
export const standaloneSchema = z.strictObject({
  epochs: positiveInt,
  batchSize: positiveInt,
  lr: z.number().positive(),
  lrMin: nonNegative,
  momentum: z.number().min(0).max(0.999),
  weightDecay: nonNegative,
  gradClip: z.number().positive(),
});
