import { InvalidArchitectureError } from '@lmreg/common';
import { DEPTH_DECODER_BLOCKS, DEPTH_EDGE_OPS, DEPTH_EDGES, DEPTH_UPSAMPLE_OPS, depthDecoderBlocks, type DepthArch, type DepthBlock } from '@lmreg/spaces';
import * as tf from '@tensorflow/tfjs-core';

// Parts of the depth network (split out of depth-network.ts): which blocks and edges of an
// architecture are live, and the decoder's up-sampling (PyTorch semantics).

/** Encoder stages of the depth network. */
export const STAGES = 4;

/** The 4 per-block architectures, validated. Throws `InvalidArchitectureError`. */
export function blocksOf(arch: DepthArch): readonly DepthBlock[] {
  let blocks: readonly DepthBlock[];
  try {
    blocks = depthDecoderBlocks(arch);
  } catch (error) {
    throw new InvalidArchitectureError('depth', `a depth architecture is 1 (sync) or 4 (non-sync) fusion blocks; got ${JSON.stringify(arch)}.`, {
      cause: error,
    });
  }
  blocks.forEach((b, i) => {
    const ok =
      typeof b === 'object' &&
      b !== null &&
      Array.isArray(b.ops) &&
      b.ops.length === DEPTH_EDGES.length &&
      b.ops.every((op) => (DEPTH_EDGE_OPS as readonly string[]).includes(op)) &&
      (DEPTH_UPSAMPLE_OPS as readonly string[]).includes(b.upsample);
    if (!ok) {
      throw new InvalidArchitectureError(
        'depth',
        `block ${i} must be { ops: 5 of ${DEPTH_EDGE_OPS.join('|')}, upsample: one of ${DEPTH_UPSAMPLE_OPS.join('|')} }, got ${JSON.stringify(b)}.`,
      );
    }
  });
  return blocks;
}

/** Which parts of a decoder path influence the output (dead parts are neither computed nor reported). */
export interface Liveness {
  /** `[block][edge]`: the edge's op is computed. */
  readonly edges: readonly (readonly boolean[])[];
  /** `[block]`: the block's output reaches the prediction. */
  readonly blocks: readonly boolean[];
  /** `[stage - 1]`: the scratch features of encoder stage `stage` are read. */
  readonly scratch: readonly boolean[];
  /** Number of encoder stages that must run. */
  readonly stages: number;
}

export function liveness(blocks: readonly DepthBlock[]): Liveness {
  const edges = blocks.map((b) => {
    const live = b.ops.map((op) => op !== 'none');
    if (!live[4]) {
      live[0] = false; // node 2 feeds only edge 3<-2
      live[1] = false;
    }
    return live;
  });
  const usesNode0 = (b: number): boolean => edges[b]?.[0] === true || edges[b]?.[2] === true;
  const usesNode1 = (b: number): boolean => edges[b]?.[1] === true || edges[b]?.[3] === true;
  const needed = new Array<boolean>(DEPTH_DECODER_BLOCKS).fill(false);
  needed[DEPTH_DECODER_BLOCKS - 1] = true;
  for (let b = DEPTH_DECODER_BLOCKS - 1; b > 0; b--) needed[b - 1] = needed[b] === true && usesNode0(b);
  const scratch = new Array<boolean>(STAGES).fill(false);
  for (let b = 0; b < DEPTH_DECODER_BLOCKS; b++) {
    if (needed[b] === true && (usesNode1(b) || (b === 0 && usesNode0(b)))) scratch[STAGES - 1 - b] = true;
  }
  const stages = scratch.lastIndexOf(true) + 1;
  return { edges: edges.map((e, b) => (needed[b] === true ? e : e.map(() => false))), blocks: needed, scratch, stages };
}

/**
 * `[2n, n]` matrix of x2 upsampling with `align_corners=True` (MiDaS' `Interpolate`): bilinear, or
 * bicubic with PyTorch's kernel (A = -0.75) and clamped border indices.
 */
function upsampleMatrix(n: number, kind: 'bilinear' | 'bicubic'): Float32Array {
  const out = new Float32Array(2 * n * n);
  const ratio = n > 1 ? (n - 1) / (2 * n - 1) : 0;
  const A = -0.75;
  const cubic1 = (x: number): number => (A + 2) * x ** 3 - (A + 3) * x ** 2 + 1; // |x| <= 1
  const cubic2 = (x: number): number => A * x ** 3 - 5 * A * x ** 2 + 8 * A * x - 4 * A; // 1 < |x| < 2
  for (let i = 0; i < 2 * n; i++) {
    const src = i * ratio;
    const base = Math.floor(src);
    const frac = src - base;
    const add = (j: number, w: number): void => {
      const clamped = Math.min(Math.max(j, 0), n - 1);
      out[i * n + clamped] = (out[i * n + clamped] ?? 0) + w;
    };
    if (kind === 'bilinear') {
      add(base, 1 - frac);
      if (frac > 0) add(base + 1, frac);
    } else {
      add(base - 1, cubic2(frac + 1));
      add(base, cubic1(frac));
      add(base + 1, cubic1(1 - frac));
      add(base + 2, cubic2(2 - frac));
    }
  }
  return out;
}

/**
 * x2 interpolation of NHWC `x` with `align_corners=True` as two matrix products (exact gradients on
 * every backend). Returns a new tensor; `x` is not disposed.
 *
 * @internal
 */
export function interpolate2x(x: tf.Tensor4D, kind: 'bilinear' | 'bicubic'): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape;
    const mh = tf.tensor2d(upsampleMatrix(h, kind), [2 * h, h]);
    const mw = tf.tensor2d(upsampleMatrix(w, kind), [2 * w, w]);
    // along H: [n, w, c, h] x [h, 2h]
    const alongH = tf.matMul(tf.reshape(tf.transpose(x, [0, 2, 3, 1]), [n * w * c, h]), mh, false, true);
    // along W: [n, 2h, c, w] x [w, 2w]
    const t = tf.transpose(tf.reshape(alongH, [n, w, c, 2 * h]), [0, 3, 2, 1]);
    const alongW = tf.matMul(tf.reshape(t, [n * 2 * h * c, w]), mw, false, true);
    return tf.transpose(tf.reshape(alongW, [n, 2 * h, c, 2 * w]), [0, 1, 3, 2]) as tf.Tensor4D;
  });
}

/** PyTorch `pixel_shuffle(x, 2)` in NHWC: channel `4c + 2i + j` goes to sub-pixel `(i, j)` of channel c. */
export function pixelShuffle2(x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, c4] = x.shape;
    const c = c4 / 4;
    const r = tf.reshape(x, [n, h, w, c, 2, 2]);
    return tf.reshape(tf.transpose(r, [0, 1, 4, 2, 5, 3]), [n, 2 * h, 2 * w, c]) as tf.Tensor4D;
  });
}
