// The DARTS network's forward pass (split out of darts-network.ts so that the GDAS weighted forward
// runs the very same ops): stem, cells, classifier and auxiliary head over variables read by key.
import { InvalidArchitectureError, InvalidArgumentError } from '@lmreg/common';
import * as tf from '@tensorflow/tfjs-core';

import { type ArchSpec, type CellPlan, type CellSpec, pairPrefixes, plan, type ResolvedOptions } from './darts-plan.js';
import {
  avgPoolExcludePad,
  batchNormBatchStats,
  conv2dTorch,
  factorizedReduce as factorizedReduceOp,
  maxPoolTorch,
  relu,
  reluConvBn,
  reluSepConvBn,
} from './layers.js';
import { sumOf } from './nb201-parts.js';

/** Reads one of the network's variables by key (throws when there is none). */
export type VariableLookup = (key: string) => tf.Variable;

/**
 * Rewrites the output `out` of pair `pair` (genotype order, 0..7) of a cell of kind `kind` before
 * its node adds the two pairs; returns the tensor the node adds instead.
 */
export type PairHook = (kind: 'normal' | 'reduce', pair: number, out: tf.Tensor4D) => tf.Tensor4D;

/** What a {@link dartsPass} reads. */
export interface DartsPassOptions {
  readonly v: VariableLookup;
  readonly shape: Pick<ResolvedOptions, 'channels' | 'layers' | 'inputChannels'>;
  /** Stand-alone network: duplicate (node, input, op) pairs read their own `.copy{n}` weights. */
  readonly dedupe: boolean;
  readonly withAuxiliary: boolean;
  readonly pair?: PairHook;
}

function bn(v: VariableLookup, x: tf.Tensor4D, prefix: string): tf.Tensor4D {
  return batchNormBatchStats(x, v(`${prefix}.gamma`), v(`${prefix}.beta`));
}

function factorizedReduce(v: VariableLookup, x: tf.Tensor4D, prefix: string): tf.Tensor4D {
  return factorizedReduceOp(x, v(`${prefix}.conv1`), v(`${prefix}.conv2`), v(`${prefix}.bn.gamma`), v(`${prefix}.bn.beta`));
}

function preprocess(v: VariableLookup, x: tf.Tensor4D, prefix: string): tf.Tensor4D {
  return reluConvBn(x, v(`${prefix}.conv`), v(`${prefix}.bn.gamma`), v(`${prefix}.bn.beta`), 1);
}

/** One DARTS op on `x` with the weights under `prefix` (see `opShapes` for the keys). */
export function dartsOp(v: VariableLookup, x: tf.Tensor4D, op: string, prefix: string, stride: number): tf.Tensor4D {
  const w = (name: string): tf.Variable => v(`${prefix}.${name}`);
  const sep = /^sep_conv_([357])x\1$/.exec(op);
  if (sep !== null) {
    const pad = (Number(sep[1]) - 1) / 2;
    const h = reluSepConvBn(x, w('dw1'), w('pw1'), w('bn1.gamma'), w('bn1.beta'), stride, pad);
    return reluSepConvBn(h, w('dw2'), w('pw2'), w('bn2.gamma'), w('bn2.beta'), 1, pad);
  }
  const dil = /^dil_conv_([35])x\1$/.exec(op);
  if (dil !== null) {
    const pad = Number(dil[1]) - 1; // dilation 2: pad = 2 * (k - 1) / 2
    return reluSepConvBn(x, w('dw'), w('pw'), w('bn.gamma'), w('bn.beta'), stride, pad, 2);
  }
  switch (op) {
    case 'skip_connect':
      return stride === 1 ? x : factorizedReduce(v, x, prefix);
    case 'max_pool_3x3':
      return maxPoolTorch(x, 3, stride, 1);
    case 'avg_pool_3x3':
      return avgPoolExcludePad(x, 3, stride, 1);
    case 'conv_7x1_1x7': {
      const r = relu(x);
      const a = tf.conv2d(
        r,
        w('conv1x7') as tf.Tensor4D,
        [1, stride],
        [
          [0, 0],
          [0, 0],
          [3, 3],
          [0, 0],
        ],
      );
      const b = tf.conv2d(
        a,
        w('conv7x1') as tf.Tensor4D,
        [stride, 1],
        [
          [0, 0],
          [3, 3],
          [0, 0],
          [0, 0],
        ],
      );
      return bn(v, b, `${prefix}.bn`);
    }
    case 'none': {
      const [n, h, wd, c] = x.shape;
      return tf.zeros([n, Math.ceil(h / stride), Math.ceil(wd / stride), c]);
    }
    default:
      throw new InvalidArchitectureError('darts', `unknown op '${op}'.`);
  }
}

function cell(o: DartsPassOptions, s0: tf.Tensor4D, s1: tf.Tensor4D, i: number, p: CellPlan, spec: CellSpec): tf.Tensor4D {
  const { v } = o;
  const states: tf.Tensor4D[] = [
    p.reductionPrev ? factorizedReduce(v, s0, `cell${i}.pre0`) : preprocess(v, s0, `cell${i}.pre0`),
    preprocess(v, s1, `cell${i}.pre1`),
  ];
  const prefixes = pairPrefixes(i, spec.pairs, o.dedupe);
  const kind = p.reduction ? 'reduce' : 'normal';
  for (let k = 0; k < spec.pairs.length / 2; k++) {
    const terms = [2 * k, 2 * k + 1].map((q) => {
      const [op, input] = spec.pairs[q] as readonly [string, number];
      const out = dartsOp(v, states[input] as tf.Tensor4D, op, prefixes[q] as string, p.reduction && input < 2 ? 2 : 1);
      return o.pair === undefined ? out : o.pair(kind, q, out);
    });
    // LmregAddN on `--backend native` (the same float32 sum; its gradient saves neither term), tf.addN elsewhere
    states.push(sumOf(terms));
  }
  return tf.concat(
    spec.concat.map((s) => states[s] as tf.Tensor4D),
    3,
  );
}

function auxiliaryHead(v: VariableLookup, x: tf.Tensor4D): tf.Tensor2D {
  if (x.shape[1] !== 8 || x.shape[2] !== 8) {
    throw new InvalidArgumentError(`the DARTS auxiliary head needs an 8x8 feature map (32x32 images), got ${x.shape[1]}x${x.shape[2]}.`);
  }
  let h = avgPoolExcludePad(relu(x), 5, 3, 0);
  h = relu(bn(v, conv2dTorch(h, v('auxiliary.conv1'), 1, 0), 'auxiliary.bn1'));
  h = relu(bn(v, tf.conv2d(h, v('auxiliary.conv2') as tf.Tensor4D, 1, 'valid'), 'auxiliary.bn2'));
  const flat = tf.reshape(h, [h.shape[0], 768]) as tf.Tensor2D;
  return tf.add(tf.matMul(flat, v('auxiliary.classifier.weight') as tf.Tensor2D), v('auxiliary.classifier.bias')) as tf.Tensor2D;
}

/**
 * quark0/darts' `NetworkCIFAR` forward of `spec` on `x` (NHWC, h and w divisible by 4; checked).
 * Intermediate tensors are not tracked: call it inside `tf.tidy`.
 */
export function dartsPass(o: DartsPassOptions, spec: ArchSpec, x: tf.Tensor4D): { logits: tf.Tensor2D; auxiliary?: tf.Tensor2D } {
  const inputChannels = o.shape.inputChannels;
  if (!(x instanceof tf.Tensor) || x.rank !== 4 || x.shape[3] !== inputChannels || x.shape[1] % 4 !== 0 || x.shape[2] % 4 !== 0) {
    throw new InvalidArgumentError(
      `DARTS forward needs NHWC images [batch, h, w, ${inputChannels}] with h and w divisible by 4, got [${(x as tf.Tensor | undefined)?.shape?.join(', ') ?? '?'}].`,
    );
  }
  const { v } = o;
  const cells = plan(o.shape, spec);
  const auxIndex = Math.floor((2 * o.shape.layers) / 3);
  let auxiliary: tf.Tensor2D | undefined;
  let s0 = bn(v, conv2dTorch(x, v('stem.conv'), 1, 1), 'stem.bn');
  let s1 = s0;
  cells.forEach((p, i) => {
    const out = cell(o, s0, s1, i, p, p.reduction ? spec.reduce : spec.normal);
    s0 = s1;
    s1 = out;
    if (o.withAuxiliary && i === auxIndex) auxiliary = auxiliaryHead(v, out);
  });
  const pooled = tf.mean(s1, [1, 2]) as tf.Tensor2D;
  const logits = tf.add(tf.matMul(pooled, v('classifier.weight') as tf.Tensor2D), v('classifier.bias')) as tf.Tensor2D;
  return auxiliary === undefined ? { logits } : { logits, auxiliary };
}
